/**
 * Generic Network Virtualization Encapsulation: RFC 8926 §3.4, on UDP port 6081 (as tshark decodes it
 * by default). The protocol type is an EtherType; 0x6558 (Transparent Ethernet Bridging) carries
 * Ethernet frames.
 *
 *  0   2         8 9 10      16                              31
 *  +---+---------+-+-+-------+-------------------------------+
 *  |Ver| Opt Len |O|C| Rsvd  |         Protocol Type         |
 *  |        Virtual Network Identifier (VNI)     |   Rsvd    |
 *  |                  Variable-Length Options                |
 */
import { hex } from '../core/bytes.js';
import { type Codec, defineProtocol, type FieldsOf, flag, u8, u16, u24 } from '../core/protocol.js';
import { ETHERTYPES } from './names/ethertypes.js';

export interface GeneveOption {
  readonly class: number;
  readonly type: number;
  /** The critical bit (the type's high bit, RFC 8926 §3.5). */
  readonly critical: number;
  readonly length: number;
  readonly data: string;
}

/** Options (RFC 8926 §3.5): class (16), type (8), 3 reserved bits and a 5-bit length in 4-byte words. */
const options: Codec<unknown, GeneveOption[]> = {
  decode(b, start, end) {
    const out: GeneveOption[] = [];
    let p = start;
    while (p + 4 <= end) {
      const len = (b.u8[p + 3] & 0x1f) * 4;
      const e = Math.min(end, p + 4 + len);
      out.push({
        class: b.dv.getUint16(p),
        type: b.u8[p + 2],
        critical: b.u8[p + 2] >>> 7,
        length: len,
        data: hex(b.u8, p + 4, e),
      });
      p += 4 + len;
    }
    return out;
  },
};

export const geneve = defineProtocol({
  name: 'geneve',
  abbrev: 'geneve',
  alias: 'GENEVE',
  title: 'Generic Network Virtualization Encapsulation',
  layer: 'link',
  header: {
    version: u8(0, { mask: 0xc0 }),
    optLen: u8(0, { mask: 0x3f, scale: 4, tshark: 'geneve.options_len' }), // bytes; the wire counts 4-byte words
    oam: flag(1, 0x80, { tshark: 'geneve.flags.oam' }),
    critical: flag(1, 0x40, { tshark: 'geneve.flags.critical' }),
    protoType: u16(2, { base: 'hex', names: ETHERTYPES, tshark: 'geneve.proto_type' }),
    vni: u24(4),
  },
  minLen: 8, // the VNI is followed by a reserved byte
  bind: { 'udp.port': [6081] },
  selector: { table: 'ethertype', field: 'protoType' },
  rest: options,
  check: (f) => (f.version !== 0 ? 'geneve.unknown_version' : undefined),
  headerLen: (f) => 8 + f.optLen,
  next: (f) => ({ table: 'ethertype', key: f.protoType }),
  derive: (_g, size) => ({ optLen: size.header - 8 }),
  summary: (f) => `VNI ${f.vni}`,
});
declare module '../core/frame.js' {
  interface LayerMap {
    geneve: FieldsOf<typeof geneve>;
  }
}
