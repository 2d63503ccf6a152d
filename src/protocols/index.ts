/**
 * The built-in protocols: one line each, in one array (no side-effect imports). A user's registry is
 * `createRegistry([...builtins, mine])`.
 */
import type { Protocol } from '../core/protocol.js';
import { createRegistry, type Registry } from '../core/registry.js';
import { ah } from './ah.js';
import { esp, udpencap } from './esp.js';
import { ethernet } from './ethernet.js';
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
import { mh } from './mh.js';
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
  esp,
  ethernet,
  ftp,
  ftpData,
  geneve,
  hip,
  hopopt,
  http1,
  http2,
  icmp,
  icmpv6,
  ipv4,
  ipv6,
  ipv6Frag,
  ipv6Opts,
  ipv6Route,
  ipx,
  mh,
  ospf,
  tcp,
  udp,
  udpencap,
};
