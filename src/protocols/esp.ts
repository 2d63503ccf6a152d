/**
 * IP Encapsulating Security Payload (IP protocol 50): RFC 4303 §2, shown as opaque: SPI, sequence
 * number, and the encrypted rest as the layer's payload (nothing is decrypted). UDP encapsulation on
 * port 4500 (RFC 3948 §2): `udpencap` tells ESP from IKE (a 4-octet zero Non-ESP Marker) and from
 * NAT-keepalives (one 0xFF octet), as Wireshark's udpencap dissector does.
 *
 *  0                               16                              31
 *  +---------------------------------------------------------------+
 *  |               Security Parameters Index (SPI)                 |
 *  |                      Sequence Number                          |
 *  |        Payload Data, Padding, Pad Length, Next Header, ICV    |
 */
import type { Bytes } from '../core/bytes.js';
import { defineProtocol, type FieldsOf, flag, type Need, need, u32 } from '../core/protocol.js';

export const esp = defineProtocol({
  name: 'esp',
  abbrev: 'esp',
  alias: 'ESP',
  title: 'Encapsulating Security Payload',
  layer: 'internet',
  header: {
    spi: u32(0, { base: 'hex' }),
    sequence: u32(4),
  },
  bind: { 'ip.proto': [50] },
  summary: (f) => `ESP spi 0x${f.spi.toString(16).padStart(8, '0')} seq ${f.sequence}`,
});

interface UdpencapFields {
  /** One 0xFF octet: a NAT-keepalive (RFC 3948 §2.3). */
  readonly natKeepalive: number;
  /** Four zero octets: IKE follows (RFC 3948 §2.2). */
  readonly nonEspMarker: number;
}

/** The first octets decide: 0xFF alone is a keepalive, a zero SPI is the Non-ESP Marker, else ESP. */
function decodeUdpencap(b: Bytes, at: number, end: number): UdpencapFields | Need<UdpencapFields> {
  if (end - at < 1) return need<UdpencapFields>(1);
  if (end - at === 1 && b.u8[at] === 0xff) return { natKeepalive: 1, nonEspMarker: 0 };
  if (end - at >= 4 && b.dv.getUint32(at) === 0) return { natKeepalive: 0, nonEspMarker: 1 };
  return { natKeepalive: 0, nonEspMarker: 0 };
}

export const udpencap = defineProtocol<'udpencap', UdpencapFields>({
  name: 'udpencap',
  abbrev: 'udpencap',
  title: 'UDP Encapsulation of IPsec Packets',
  layer: 'internet',
  // Labels and tshark names only: the layout depends on the first octets (decodeUdpencap).
  header: { natKeepalive: flag(0, 0xff), nonEspMarker: flag(0, 0xff) },
  decode: decodeUdpencap,
  minLen: 1,
  encode(b, at, f) {
    if (f.natKeepalive) b.u8[at] = 0xff;
    else if (f.nonEspMarker) b.dv.setUint32(at, 0);
  },
  encodingLength: (f) => (f.natKeepalive ? 1 : f.nonEspMarker ? 4 : 0),
  bind: { 'udp.port': [4500] },
  headerLen: (f) => (f.natKeepalive ? 1 : f.nonEspMarker ? 4 : 0),
  // IKE behind the marker: ISAKMP is found through its own port (500) in the 'udp.port' table.
  next: (f) =>
    f.natKeepalive ? undefined : f.nonEspMarker ? { table: 'udp.port', key: 500 } : { table: 'ip.proto', key: 50 },
  summary: (f) => (f.natKeepalive ? 'NAT-keepalive' : f.nonEspMarker ? 'Non-ESP marker (IKE)' : 'ESP in UDP'),
});
declare module '../core/frame.js' {
  interface LayerMap {
    esp: FieldsOf<typeof esp>;
    udpencap: FieldsOf<typeof udpencap>;
  }
}
