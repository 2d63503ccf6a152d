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
 *
 * The header is read whole or not at all: a fragment cut before its Identification cannot be matched
 * with the others, and tshark shows no field of it either.
 */
import type { Bytes } from '../core/bytes.js';
import { defineProtocol, type FieldsOf, flag, type Need, need, u8, u16, u32 } from '../core/protocol.js';
import { IP_PROTOCOLS } from './names/ip-protocols.js';

export interface FragFields {
  readonly nxt: number;
  readonly reservedOctet: number;
  /** 8-octet units, as RFC 8200 and tshark count them. */
  readonly offset: number;
  readonly reservedBits: number;
  readonly more: number;
  readonly ident: number;
}

function decodeFrag(b: Bytes, at: number, end: number): FragFields | Need<FragFields> {
  if (end - at < 8) return need<FragFields>(8);
  const w = b.dv.getUint16(at + 2);
  return {
    nxt: b.u8[at],
    reservedOctet: b.u8[at + 1],
    offset: w >>> 3,
    reservedBits: (w >>> 1) & 3,
    more: w & 1,
    ident: b.dv.getUint32(at + 4),
  };
}

function encodeFrag(b: Bytes, at: number, f: Partial<FragFields>): void {
  b.u8[at] = f.nxt ?? 59;
  b.u8[at + 1] = f.reservedOctet ?? 0;
  b.dv.setUint16(at + 2, (((f.offset ?? 0) & 0x1fff) << 3) | (((f.reservedBits ?? 0) & 3) << 1) | ((f.more ?? 0) & 1));
  b.dv.setUint32(at + 4, (f.ident ?? 0) >>> 0);
}

export const ipv6Frag = defineProtocol({
  name: 'ipv6_frag',
  abbrev: 'ipv6.fraghdr',
  alias: 'IPv6-Frag',
  title: 'Fragment Header for IPv6',
  layer: 'internet',
  decode: decodeFrag,
  encode: encodeFrag,
  encodingLength: () => 8,
  minLen: 8,
  // Labels and tshark names.
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
