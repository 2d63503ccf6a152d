/**
 * IPv6 Fragment header (next header 44): RFC 8200 §4.5.
 *
 *  0               8              16                          29 31
 *  +---------------+---------------+-----------------------------+-+-+
 *  |  Next Header  |   Reserved    |      Fragment Offset        |Res|M|
 *  |                         Identification                          |
 *
 * The offset counts 8-octet units, as tshark's ipv6.fraghdr.offset does. A fragment with offset ≠ 0
 * carries no upper-layer header: the chain stops and the bytes stay raw until stages/ip-defrag joins
 * them. The first fragment goes on to the upper layer (tshark does the same with defragmentation off),
 * and length claims inside any fragment are not issues (`fragment()`).
 */
import { defineProtocol, type FieldsOf, flag, u8, u16, u32 } from '../core/protocol.js';
import { IP_PROTOCOLS } from './names/ip-protocols.js';

export const ipv6Frag = defineProtocol({
  name: 'ipv6_frag',
  abbrev: 'ipv6.fraghdr',
  alias: 'IPv6-Frag',
  title: 'Fragment Header for IPv6',
  layer: 'internet',
  header: {
    nxt: u8(0, { names: IP_PROTOCOLS }),
    reservedOctet: u8(1, { base: 'hex' }),
    offset: u16(2, { mask: 0xfff8 }), // 8-octet units
    reservedBits: u8(3, { mask: 0x06 }),
    more: flag(3, 0x01),
    ident: u32(4, { base: 'hex' }),
  },
  bind: { 'ip.proto': [44] },
  selector: { table: 'ip.proto', field: 'nxt' },
  // An atomic fragment (offset 0, M clear: RFC 6946) is a whole packet.
  fragment: (f) => f.more === 1 || f.offset !== 0,
  next: (f) => (f.offset !== 0 ? undefined : { table: 'ip.proto', key: f.nxt }),
  summary: (f) => `Fragment offset ${f.offset * 8}${f.more ? ' (more)' : ''} id 0x${f.ident.toString(16)}`,
});
declare module '../core/frame.js' {
  interface LayerMap {
    ipv6_frag: FieldsOf<typeof ipv6Frag>;
  }
}
