/**
 * The built-in protocols: one line each, in one array (no side-effect imports). A user's registry is
 * `createRegistry([...builtins, mine])`.
 */
import type { Protocol } from '../core/protocol.js';
import { createRegistry, type Registry } from '../core/registry.js';
import { ethernet } from './ethernet.js';
import { geneve } from './geneve.js';
import { ipv4 } from './ipv4.js';
import { ipv6 } from './ipv6.js';
import { tcp } from './tcp.js';
import { udp } from './udp.js';

export const builtins: readonly Protocol[] = Object.freeze([
  // link
  ethernet,
  geneve,
  // internet
  ipv4,
  ipv6,
  // transport
  tcp,
  udp,
]);

/** The registry every API uses unless given another. */
export const defaultRegistry: Registry = createRegistry(builtins);

export { ethernet, geneve, ipv4, ipv6, tcp, udp };
