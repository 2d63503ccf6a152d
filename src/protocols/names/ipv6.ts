/** IANA ipv6-parameters registries → names. Data only. */

/** "Destination Options and Hop-by-Hop Options": the whole type byte (action, change, rest). */
export const IPV6_OPTION_NAMES: Readonly<Record<number, string>> = {
  0: 'pad1', // RFC 8200 §4.2
  1: 'padn',
  4: 'tel', // Tunnel Encapsulation Limit, RFC 2473 §5.1
  5: 'router_alert', // RFC 2711
  7: 'calipso', // RFC 5570
  8: 'smf_dpd', // RFC 6621
  15: 'pdm', // RFC 8250
  17: 'ioam', // RFC 9486 (action 00)
  18: 'altmark', // RFC 9343
  30: 'experimental', // RFC 4727
  35: 'rpl', // RFC 9008
  38: 'quickstart', // RFC 4782
  48: 'pmtu', // Minimum Path MTU, RFC 9268
  49: 'ioam', // RFC 9486 (change bit set)
  62: 'experimental',
  77: 'deprecated',
  94: 'experimental',
  99: 'rpl', // RFC 6553, deprecated by RFC 9008
  109: 'mpl', // RFC 7731
  126: 'experimental',
  138: 'endi', // Endpoint Identification, deprecated
  139: 'ilnp_nonce', // RFC 6744
  140: 'lio', // Line-Identification, RFC 6788
  158: 'experimental',
  190: 'experimental',
  194: 'jumbo', // RFC 2675
  201: 'home_address', // RFC 6275 §6.3
  222: 'experimental',
  238: 'ip_dff', // RFC 6971
  254: 'experimental',
};

/** RFC 8200 §4.2: the two high-order bits of an option type say what a node that does not know it does. */
export const IPV6_OPTION_ACTIONS: Readonly<Record<number, string>> = {
  0: 'skip',
  1: 'discard',
  2: 'discard_icmp',
  3: 'discard_icmp_unicast',
};

/** "IPv6 Router Alert Option Values" (RFC 2711, RFC 3175, RFC 5971, RFC 5973). */
export function routerAlertName(v: number): string {
  if (v === 0) return 'mld';
  if (v === 1) return 'rsvp';
  if (v === 2) return 'active_networks';
  if (v >= 3 && v <= 35) return 'aggregated_reservation';
  if (v >= 36 && v <= 67) return 'nsis_qos_nslp';
  if (v === 68) return 'nsis_natfw_nslp';
  if (v >= 65503 && v <= 65534) return 'experimental';
  return v === 65535 ? 'reserved' : 'unassigned';
}

/** "Routing Types". */
export const ROUTING_TYPES: Readonly<Record<number, string>> = {
  0: 'source_route', // RFC 2460, deprecated by RFC 5095
  1: 'nimrod', // deprecated
  2: 'type2', // RFC 6275 §6.4
  3: 'rpl', // RFC 6554
  4: 'srh', // RFC 8754
  5: 'crh16', // RFC 9631
  6: 'crh32', // RFC 9631
  253: 'experimental',
  254: 'experimental',
};

/** "Segment Routing Header TLVs" (RFC 8754 §2.1, RFC 9491). */
export const SRH_TLV_NAMES: Readonly<Record<number, string>> = {
  0: 'pad1',
  1: 'ingress_node', // deprecated
  2: 'egress_node', // deprecated
  3: 'opaque_container', // deprecated
  4: 'padn',
  5: 'hmac',
  6: 'nsh_carrier', // RFC 9491
  124: 'experimental',
  125: 'experimental',
  126: 'experimental',
  127: 'experimental',
};

/** IOAM Option-Types (RFC 9197 §4, RFC 9326). */
export const IOAM_OPTION_TYPES: Readonly<Record<number, string>> = {
  0: 'pre_allocated_trace',
  1: 'incremental_trace',
  2: 'pot',
  3: 'e2e',
  4: 'dex',
};
