/**
 * User Datagram Protocol: RFC 768.
 *   0      7 8     15 16    23 24    31
 *  +--------+--------+--------+--------+
 *  |   Source Port   |    Dest Port    |
 *  |     Length      |    Checksum     |
 */
import { fold, pseudoForBuild, pseudoForLayers, sum16 } from '../core/checksum.js';
import { defineProtocol, type FieldsOf, u16 } from '../core/protocol.js';
import { lowFirst } from '../core/registry.js';

export const udp = defineProtocol({
  name: 'udp',
  abbrev: 'udp',
  alias: 'UDP',
  title: 'User Datagram Protocol',
  layer: 'transport',
  header: {
    srcport: u16(0),
    dstport: u16(2),
    length: u16(4),
    checksum: u16(6, { base: 'hex' }),
  },
  bind: { 'ip.proto': [17] },
  // Length 0 is a jumbogram (RFC 2675 §4): trust the captured bytes instead.
  payloadLen: (f, avail) => (f.length === 0 ? avail : f.length - 8),
  lenSource: 'udp.length',
  check: (f) => (f.length !== 0 && f.length < 8 ? 'udp.length_too_small' : undefined),
  // Lower port first, as Wireshark does: the same dissector both ways, and well-known ports win.
  next: (f) => lowFirst('udp.port', f.srcport, f.dstport),
  verify: (b, l, layers) => {
    const f = l.fields as { checksum: number };
    const idx = layers.indexOf(l);
    const v6 = layers.slice(0, idx).some((x) => x.protocol === 'ipv6');
    if (f.checksum === 0) return !v6; // RFC 768: zero = not computed; RFC 8200 §8.1: mandatory over IPv6
    const ps = pseudoForLayers(b.u8, layers, idx, 17, l.end - l.start);
    return ps === undefined || fold(sum16(b.u8, l.start, l.end, ps)) === 0;
  },
  derive: (_g, size) => ({ length: size.header + size.payload }),
  finish: (given, l, ctx) => {
    if (given.checksum !== undefined) return;
    const ps = pseudoForBuild(ctx.b.u8, ctx.layers, ctx.index, 17, l.end - l.at);
    if (ps === undefined) return;
    ctx.b.dv.setUint16(l.at + 6, 0);
    const c = fold(sum16(ctx.b.u8, l.at, l.end, ps));
    ctx.b.dv.setUint16(l.at + 6, c === 0 ? 0xffff : c); // RFC 768: a computed zero is sent as all ones
  },
  summary: (f) => `${f.srcport} → ${f.dstport} len ${f.length}`,
});
declare module '../core/frame.js' {
  interface LayerMap {
    udp: FieldsOf<typeof udp>;
  }
}
