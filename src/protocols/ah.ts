/**
 * IP Authentication Header (IP protocol 51): RFC 4302 §2. Over IPv4 and as an IPv6 extension header;
 * the payload after it is dissected through the 'ip.proto' table.
 *
 *  0               8              16                              31
 *  +---------------+---------------+-------------------------------+
 *  |  Next Header  |  Payload Len  |          RESERVED             |
 *  |                 Security Parameters Index (SPI)               |
 *  |                    Sequence Number Field                      |
 *  |                Integrity Check Value (variable)               |
 *
 * Payload Len counts 32-bit words minus 2, so the header is (len + 2) * 4 octets (§2.2). A length of 0
 * (8 octets) leaves no room for the sequence number: what is read there belongs to the payload, as in
 * tshark, and the payload is dissected from octet 8 on.
 */
import { hex } from '../core/bytes.js';
import { type Codec, defineProtocol, type FieldsOf, u8, u16, u32 } from '../core/protocol.js';
import { bytesOf } from './ipv6-opts.js';
import { IP_PROTOCOLS } from './names/ip-protocols.js';

/** The ICV after the fixed 12 octets, hex. */
export interface AhDetails {
  readonly icv: string;
}

const icv: Codec<any, AhDetails> = {
  decode: (b, start, end) => ({ icv: hex(b.u8, start, end) }),
  encode(b, at, v) {
    const d = bytesOf(v.icv);
    b.u8.set(d, at);
    return d.length;
  },
  encodingLength: (v) => bytesOf(v.icv).length,
};

export const ah = defineProtocol({
  name: 'ah',
  abbrev: 'ah',
  alias: 'AH',
  title: 'Authentication Header',
  layer: 'internet',
  header: {
    nextHeader: u8(0, { names: IP_PROTOCOLS }), // ah.next_header
    length: u8(1), // ah.length: 32-bit words minus 2
    reserved: u16(2, { base: 'hex' }),
    spi: u32(4, { base: 'hex' }),
    sequence: u32(8),
  },
  bind: { 'ip.proto': [51] },
  selector: { table: 'ip.proto', field: 'nextHeader' },
  rest: icv,
  // 96-bit ICV (HMAC-SHA1-96, RFC 2404): 24 octets, a multiple of 8 as IPv6 requires (§2.2).
  emptyRest: { icv: '000000000000000000000000' },
  headerLen: (f) => (f.length + 2) * 4,
  next: (f) => ({ table: 'ip.proto', key: f.nextHeader }),
  derive: (_g, size) => ({ length: (size.header >>> 2) - 2 }),
  computed: {
    'ah.icv': (l, fr) => (l.hdrEnd - l.start > 12 ? hex(fr.bytes.u8, l.start + 12, l.hdrEnd) : undefined),
  },
  summary: (f) => `AH spi 0x${f.spi.toString(16).padStart(8, '0')} seq ${f.sequence}`,
});
declare module '../core/frame.js' {
  interface LayerMap {
    ah: FieldsOf<typeof ah>;
  }
}
