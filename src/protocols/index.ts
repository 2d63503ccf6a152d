/**
 * The built-in protocols: one line each, in one array (no side-effect imports). A user's registry is
 * `createRegistry([...builtins, mine])`.
 */
import type { Protocol } from '../core/protocol.js';
import { createRegistry, type Registry } from '../core/registry.js';
import { arp } from './arp.js';
import { ethernet } from './ethernet.js';
import { fr } from './fr.js';
import { geneve } from './geneve.js';
import { ipv4 } from './ipv4.js';
import { ipv6 } from './ipv6.js';
import { l2tp, l2tpip } from './l2tp.js';
import { llc, novell, snap } from './llc.js';
import { loop, nullLoopback } from './null.js';
import { ppp } from './ppp.js';
import { ipcp, ipv6cp, lcp } from './ppp-cp.js';
import { pppoed, pppoes } from './pppoe.js';
import { raw } from './raw.js';
import { sll, sll2 } from './sll.js';
import { tcp } from './tcp.js';
import { udp } from './udp.js';
import { ieee8021ad, vlan } from './vlan.js';

export const builtins: readonly Protocol[] = Object.freeze([
  // link
  ethernet,
  sll,
  sll2,
  nullLoopback,
  loop,
  raw,
  vlan,
  ieee8021ad,
  novell, // before llc: both are heuristics of the 'ieee802.3' table, tried in this order
  llc,
  snap,
  arp,
  ppp,
  fr,
  lcp,
  ipcp,
  ipv6cp,
  pppoed,
  pppoes,
  l2tp,
  l2tpip,
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

export {
  arp,
  ethernet,
  fr,
  geneve,
  ieee8021ad,
  ipcp,
  ipv4,
  ipv6,
  ipv6cp,
  l2tp,
  l2tpip,
  lcp,
  llc,
  loop,
  novell,
  nullLoopback,
  ppp,
  pppoed,
  pppoes,
  raw,
  sll,
  sll2,
  snap,
  tcp,
  udp,
  vlan,
};
