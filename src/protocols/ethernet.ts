/**
 * Ethernet II and IEEE 802.3 MAC header (IEEE 802.3 §3.2.6): a type/length field ≥ 0x0600 is an
 * EtherType (Ethernet II); ≤ 1500 is an 802.3 length, and the payload is LLC (llc.ts) or, when it
 * starts 0xFFFF, Novell's "raw 802.3" IPX. 1501–1535 is neither (Wireshark's invalid_lentype).
 *
 *  0                   6                  12      14
 *  +-------------------+-------------------+-------+
 *  |  destination MAC  |    source MAC     | type  |
 *
 * The Frame Check Sequence (IEEE 802.3 §3.2.9) is trimmed off by the frame loop when the capture says
 * it is there (pcap FCS bits, pcapng if_fcslen / epb_flags); `eth.fcs` shows it.
 */
import { macToString } from '../core/addr.js';
import type { Frame, Layer, RawFrame } from '../core/frame.js';
import { defineProtocol, type FieldsOf, macField, u16 } from '../core/protocol.js';
import { ETHERTYPES } from './names/ethertypes.js';

/** ETHERTYPE_UNK: Wireshark takes type 0 as an (unknown) EtherType, not as an 802.3 length of 0. */
const isLength = (t: number) => t <= 1500 && t !== 0;
const hex4 = (n: number) => `0x${n.toString(16).padStart(4, '0')}`;

export const ethernet = defineProtocol({
  name: 'ethernet',
  abbrev: 'eth',
  alias: 'Ethernet',
  title: 'Ethernet II',
  layer: 'link',
  header: {
    // tshark adds no eth field to a header cut short (packet-eth.c reads all 14 octets first): the
    // addresses are shown through `computed` so a partial layer shows none either.
    dst: macField(0, { tshark: '-' }),
    src: macField(6, { tshark: '-' }),
    // eth.type for Ethernet II, eth.len for 802.3: one field on the wire, two names in tshark (computed
    // below), so a length never shows as an EtherType.
    type: u16(12, { base: 'hex', names: ETHERTYPES, tshark: '-' }),
  },
  // 0x6558 Transparent Ethernet Bridging (RFC 1701): Ethernet inside GRE, GENEVE and the like.
  bind: { linktype: [1], ethertype: [0x6558] },
  selector: { table: 'ethertype', field: 'type' },
  // 802.3: the length field bounds the payload; the rest is padding or trailer (not an issue).
  payloadLen: (f, avail) => (isLength(f.type) ? f.type : avail),
  lenSource: 'eth.len',
  // Building with no EtherType (none given, none from the inner layer's bind: LLC, Novell): 802.3 length.
  derive: (given, size) => (given.type === undefined && size.payload <= 1500 ? { type: size.payload } : {}),
  next: (f) =>
    f.type >= 0x0600 || f.type === 0
      ? { table: 'ethertype', key: f.type }
      : f.type <= 1500
        ? { table: 'ieee802.3', key: 0 }
        : undefined,
  verify: (b, l, _layers, fr) => {
    if (fr.fcsLen !== 4 || l.start !== fr.start || fr.end - fr.start < fr.origLen || fr.end - fr.start < 18) {
      return true;
    }
    return crc32(b.u8, fr.start, fr.end - 4) === b.dv.getUint32(fr.end - 4, true);
  },
  computed: {
    'eth.dst': (l) => (l.complete ? macToString((l.fields as { dst: number }).dst) : undefined),
    'eth.src': (l) => (l.complete ? macToString((l.fields as { src: number }).src) : undefined),
    'eth.type': (l) => {
      const t = (l.fields as { type?: number }).type;
      return t === undefined || isLength(t) || (t > 1500 && t < 0x0600) ? undefined : hex4(t);
    },
    'eth.len': (l) => {
      const t = (l.fields as { type?: number }).type;
      return t !== undefined && isLength(t) ? t : undefined;
    },
    'eth.invalid_lentype': (l) => {
      const t = (l.fields as { type?: number }).type;
      return t !== undefined && t > 1500 && t < 0x0600 ? t : undefined;
    },
    'eth.fcs': (l, fr) => {
      const v = fcsOf(l, fr);
      return v === undefined ? undefined : `0x${v.toString(16).padStart(8, '0')}`;
    },
  },
  summary: (f) =>
    f.type >= 0x0600
      ? `type ${ETHERTYPES[f.type] ?? hex4(f.type)}`
      : isLength(f.type)
        ? `802.3 length ${f.type}`
        : `invalid length/type ${hex4(f.type)}`,
});
declare module '../core/frame.js' {
  interface LayerMap {
    ethernet: FieldsOf<typeof ethernet>;
  }
}

/**
 * The FCS of the outermost Ethernet header, as a number (the four octets read in network order, as
 * tshark prints eth.fcs), or undefined when there is none.
 * - The capture says the frames carry an FCS (fcsLen 4): the last four captured octets, when the frame
 *   was captured whole (a snaplen cut drops the FCS first).
 * - The capture does not say: Wireshark guesses an FCS whenever a frame of 64+ octets has a trailer of
 *   4+ octets (packet-eth.c, add_ethernet_trailer), and so labels padding junk as an FCS. We take the
 *   last four octets of such a trailer only when they are the CRC-32 of the frame (IEEE 802.3 §3.2.9).
 */
export function fcsOf(l: Layer, fr: RawFrame): number | undefined {
  if (l.start !== fr.start) return undefined;
  const cap = fr.end - fr.start;
  if (cap < fr.origLen || cap < 18) return undefined;
  const dv = fr.bytes.dv;
  if (fr.fcsLen === 4) return dv.getUint32(fr.end - 4);
  if (fr.fcsLen !== 0) return undefined;
  // The trailer starts where the first length-bounded payload ends (802.3 length, IP total length…).
  let payloadEnd = fr.end;
  const layers = (fr as Frame).layers ?? [];
  for (const x of layers) {
    if (x.start >= l.start && x.end < fr.end) {
      payloadEnd = x.end;
      break;
    }
  }
  if (fr.end - payloadEnd < 4) return undefined;
  return crc32(fr.bytes.u8, fr.start, fr.end - 4) === dv.getUint32(fr.end - 4, true)
    ? dv.getUint32(fr.end - 4)
    : undefined;
}

const CRC_TABLE: Uint32Array = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** CRC-32 of IEEE 802.3 (reflected polynomial 0xEDB88320), as the FCS octets read little-endian. */
export function crc32(u8: Uint8Array, start: number, end: number): number {
  const t = CRC_TABLE;
  let c = 0xffffffff;
  for (let i = start; i < end; i++) c = t[(c ^ u8[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** Append an FCS to built frame bytes (for tests and writers that want FCS-carrying captures). */
export function withFcs(frame: Uint8Array): Uint8Array {
  const out = new Uint8Array(frame.length + 4);
  out.set(frame);
  new DataView(out.buffer).setUint32(frame.length, crc32(frame, 0, frame.length), true);
  return out;
}
