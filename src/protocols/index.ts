/**
 * The built-in protocols: one line each, in one array (no side-effect imports). A user's registry is
 * `createRegistry([...builtins, mine])`.
 */
import type { Protocol } from '../core/protocol.js';
import { createRegistry, type Registry } from '../core/registry.js';
import { ah } from './ah.js';
import { arp } from './arp.js';
import { esp, udpencap } from './esp.js';
import { ethernet } from './ethernet.js';
import { fr } from './fr.js';
import { ftp } from './ftp.js';
import { ftpData } from './ftp-data.js';
import { geneve } from './geneve.js';
import { hip } from './hip.js';
import { http1 } from './http1.js';
import { http2 } from './http2.js';
import { icmp } from './icmp.js';
import { icmpv6 } from './icmpv6.js';
import { ipv4 } from './ipv4.js';
import { ipv6 } from './ipv6.js';
import { ipv6Frag } from './ipv6-frag.js';
import { hopopt, ipv6Opts } from './ipv6-opts.js';
import { ipv6Route } from './ipv6-route.js';
import { ipx } from './ipx.js';
import { l2tp, l2tpip } from './l2tp.js';
import { llc, novell, snap } from './llc.js';
import { mh } from './mh.js';
import { loop, nullLoopback } from './null.js';
import { ospf } from './ospf.js';
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
  hopopt,
  ipv6Route,
  ipv6Frag,
  ipv6Opts,
  ah,
  esp,
  udpencap,
  mh,
  hip,
  icmp,
  icmpv6,
  ospf,
  ipx,
  // transport
  tcp,
  udp,
  // application
  http1,
  http2,
  ftp,
  ftpData,
]);

/** The registry every API uses unless given another. */
export const defaultRegistry: Registry = createRegistry(builtins);

export {
  ah,
  arp,
  esp,
  ethernet,
  fr,
  ftp,
  ftpData,
  geneve,
  hip,
  hopopt,
  http1,
  http2,
  icmp,
  icmpv6,
  ieee8021ad,
  ipcp,
  ipv4,
  ipv6,
  ipv6cp,
  ipv6Frag,
  ipv6Opts,
  ipv6Route,
  ipx,
  l2tp,
  l2tpip,
  lcp,
  llc,
  loop,
  mh,
  novell,
  nullLoopback,
  ospf,
  ppp,
  pppoed,
  pppoes,
  raw,
  sll,
  sll2,
  snap,
  tcp,
  udp,
  udpencap,
  vlan,
};
