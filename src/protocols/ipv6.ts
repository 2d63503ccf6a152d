/**
 * Internet Protocol version 6, fixed header: RFC 8200 §3. Extension headers are protocols of their
 * own in the `ip.proto` table (ipv6-ext.ts), so the chain falls out of the registry.
 *
 *  0       4           12                              31
 *  +-------+-----------+-------------------------------+
 *  |Version| Traffic Cl|           Flow Label          |
 *  |       Payload Length      |  Next Hdr |  Hop Limit |
 *  |                  Source Address (128)             |
 *  |               Destination Address (128)           |
 */
import { ipv6ToString } from '../core/addr.js';
import { defineProtocol, type FieldsOf, ipv6Field, u8, u16, u32 } from '../core/protocol.js';
import { IP_PROTOCOLS } from './names/ip-protocols.js';

export const ipv6 = defineProtocol({
  name: 'ipv6',
  abbrev: 'ipv6',
  alias: 'IPv6',
  title: 'Internet Protocol Version 6',
  layer: 'internet',
  header: {
    version: u8(0, { mask: 0xf0, default: 6, tshark: 'ip.version' }), // Wireshark files it under ip.version too
    tclass: u32(0, { mask: 0x0ff00000, base: 'hex' }), // ipv6.tclass: DSCP (6) + ECN (2), RFC 8200 §7
    flow: u32(0, { mask: 0x000fffff, base: 'hex' }), // ipv6.flow, RFC 6437
    plen: u16(4),
    nxt: u8(6, { names: IP_PROTOCOLS }),
    hlim: u8(7, { default: 64 }),
    src: ipv6Field(8),
    dst: ipv6Field(24),
  },
  bind: { ethertype: [0x86dd], linktype: [229], 'ip.proto': [41] },
  selector: { table: 'ip.proto', field: 'nxt' },
  check: (f) => (f.version !== 6 ? 'ipv6.version_mismatch' : undefined),
  // Payload length 0 with a Hop-by-Hop Jumbo Payload option is a jumbogram (RFC 2675 §3): trust the bytes.
  payloadLen: (f, avail) => (f.plen === 0 && f.nxt === 0 ? avail : f.plen),
  lenSource: 'ipv6.plen',
  next: (f) => ({ table: 'ip.proto', key: f.nxt }),
  derive: (_g, size) => ({ plen: size.payload }),
  summary: (f) => `${ipv6ToString(f.src)} → ${ipv6ToString(f.dst)} ${IP_PROTOCOLS[f.nxt] ?? f.nxt}`,
});
declare module '../core/frame.js' {
  interface LayerMap {
    ipv6: FieldsOf<typeof ipv6>;
  }
}
