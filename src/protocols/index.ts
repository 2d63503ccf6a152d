/**
 * The built-in protocols: one line each, in one array (no side-effect imports). A user's registry is
 * `createRegistry([...builtins, mine])`.
 */
import type { Protocol } from '../core/protocol.js';
import { createRegistry, type Registry } from '../core/registry.js';
import { ethernet } from './ethernet.js';
import { geneve } from './geneve.js';
import { icmp } from './icmp.js';
import { icmpv6 } from './icmpv6.js';
import { ipv4 } from './ipv4.js';
import { ipv6 } from './ipv6.js';
import { ipx } from './ipx.js';
import { ospf } from './ospf.js';
import { tcp } from './tcp.js';
import { udp } from './udp.js';

export const builtins: readonly Protocol[] = Object.freeze([
  // link
  ethernet,
  geneve,
  // internet
  ipv4,
  ipv6,
  icmp,
  icmpv6,
  ospf,
  ipx,
  // transport
  tcp,
  udp,
]);

/** The registry every API uses unless given another. */
export const defaultRegistry: Registry = createRegistry(builtins);

export { ethernet, geneve, icmp, icmpv6, ipv4, ipv6, ipx, ospf, tcp, udp };
