/**
 * Generic Network Virtualization Encapsulation (RFC 8926 §3.4) over UDP 6081: an overlay carrying
 * whole Ethernet frames (protocol type 0x6558, Transparent Ethernet Bridging) or other EtherTypes.
 *
 *  0   2      8 9 10             16                              32
 *  +---+------+-+-+--------------+-------------------------------+
 *  |Ver|OptLen|O|C|  Reserved    |         Protocol Type         |
 *  |        Virtual Network Identifier (VNI)       |  Reserved   |
 *  |                 Options (OptLen × 4 octets)                 |
 *
 * Options (§3.5): class (16), type (8), 3 reserved bits and a 5-bit length in 4-octet words, data.
 */
import { type Bytes, hex } from '../core/bytes.js';
import { type Codec, defineProtocol, type FieldsOf, flag, type Next, u8, u16, u24 } from '../core/protocol.js';

export interface GeneveOption {
  readonly class: number;
  readonly type: number;
  /** Data octets (the wire length field counts 4-octet words). */
  readonly length: number;
  readonly critical: boolean;
  readonly data: string;
  readonly malformed?: true;
}

function decodeOptions(b: Bytes, start: number, end: number): GeneveOption[] {
  const out: GeneveOption[] = [];
  let p = start;
  while (p + 4 <= end) {
    const type = b.u8[p + 2];
    const length = (b.u8[p + 3] & 0x1f) * 4;
    const o = { class: b.dv.getUint16(p), type, length, critical: (type & 0x80) !== 0 };
    if (p + 4 + length > end) {
      out.push({ ...o, data: hex(b.u8, p + 4, end), malformed: true });
      break;
    }
    out.push({ ...o, data: hex(b.u8, p + 4, p + 4 + length) });
    p += 4 + length;
  }
  return out;
}

export interface GeneveOptionIn {
  readonly class: number;
  readonly type: number;
  readonly data?: Uint8Array;
}
const padded = (o: GeneveOptionIn) => Math.ceil((o.data?.length ?? 0) / 4) * 4;
const options: Codec<any, readonly (GeneveOption | GeneveOptionIn)[]> = {
  decode: (b, start, end) => decodeOptions(b, start, end),
  encode(b, at, v) {
    let p = at;
    for (const o of v as GeneveOptionIn[]) {
      const n = padded(o);
      b.dv.setUint16(p, o.class);
      b.u8[p + 2] = o.type;
      b.u8[p + 3] = n / 4;
      b.u8.fill(0, p + 4, p + 4 + n);
      if (o.data) b.u8.set(o.data, p + 4);
      p += 4 + n;
    }
    return p - at;
  },
  encodingLength: (v) => (v as GeneveOptionIn[]).reduce((n, o) => n + 4 + padded(o), 0),
};

export const geneve = defineProtocol({
  name: 'geneve',
  abbrev: 'geneve',
  alias: 'Geneve',
  title: 'Generic Network Virtualization Encapsulation',
  layer: 'link',
  header: {
    version: u8(0, { mask: 0xc0 }),
    optLen: u8(0, { mask: 0x3f, scale: 4, tshark: 'geneve.opt_len' }), // octets; the wire counts 4-octet words
    flags: u8(1, { base: 'hex' }),
    oam: flag(1, 0x80, { tshark: 'geneve.flags.oam' }),
    critical: flag(1, 0x40, { tshark: 'geneve.flags.critical' }),
    protoType: u16(2, { base: 'hex', default: 0x6558 }),
    vni: u24(4, { base: 'hex' }),
    reserved: u8(7, { base: 'hex' }),
  },
  bind: { 'udp.port': [6081] },
  rest: options,
  headerLen: (f) => 8 + f.optLen,
  derive: (_g, size) => ({ optLen: size.header - 8 }),
  // 0x6558 (Transparent Ethernet Bridging) is a whole Ethernet frame; other types are EtherTypes.
  next: (f): Next =>
    f.protoType === 0x6558 ? { table: 'linktype', key: 1 } : { table: 'ethertype', key: f.protoType },
  computed: {
    'geneve.option.class': (l, fr) =>
      l.complete && l.hdrEnd > l.start + 8
        ? decodeOptions(fr.bytes, l.start + 8, l.hdrEnd).map((o) => `0x${o.class.toString(16).padStart(4, '0')}`)
        : undefined,
  },
  summary: (f) => `VNI ${f.vni} type 0x${f.protoType.toString(16).padStart(4, '0')}${f.oam ? ' OAM' : ''}`,
});

declare module '../core/frame.js' {
  interface LayerMap {
    geneve: FieldsOf<typeof geneve>;
  }
}
