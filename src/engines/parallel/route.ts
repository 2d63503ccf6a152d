/**
 * Flow routing for the `server` strategy: each frame goes to the worker that owns its IP address
 * pair, by a symmetric hash (both directions, and every fragment of a datagram, land together: a
 * fragment after the first has no ports, so ports are not in the key). The main thread reads only
 * the link and IP headers of the raw record. Workers report the key of every conversation and
 * fragmented pair they create; the main thread fails the run if two workers hold the same key (a
 * flow split by a tunnel the router does not follow) instead of numbering flows differently.
 *
 * Followed to the address pair the flow key uses (flow-key.ts: the IP header just outside the
 * transport header): ICMP/ICMPv6 errors route by the quoted header's pair (RFC 792, RFC 4443 §2.1
 * errors carry the offending packet's header), IP-in-IP and IPv6-in-IPv4 (RFC 2003, RFC 4213) by
 * the inner pair, unless the outer packet is a fragment (then its fragments must meet first).
 * UDP tunnels (L2TP, Geneve) stay on their outer pair: the tunnel's own UDP flow is keyed there, and
 * the flows inside stay together as long as they are seen in that tunnel only.
 */

/** A 32-bit mix (lowbias32): spreads nearby addresses over workers. */
function mix(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d);
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b);
  x ^= x >>> 16;
  return x >>> 0;
}

/** Hash of one address: IPv4 as a u32, IPv6 as four big-endian u32 words. */
export function addrHash4(a: number): number {
  return mix(a >>> 0);
}
export function addrHash6(w0: number, w1: number, w2: number, w3: number): number {
  return mix((mix(w0) ^ Math.imul(mix(w1), 3) ^ Math.imul(mix(w2), 5) ^ Math.imul(mix(w3), 7) ^ 0x6a09e667) >>> 0);
}

/** Symmetric: the pair (a, b) and (b, a) hash alike. */
export function pairHash(ha: number, hb: number): number {
  return (ha + hb) >>> 0;
}

const NONE = -1;

const u16 = (u8: Uint8Array, at: number): number => (u8[at] << 8) | u8[at + 1];
const u32 = (u8: Uint8Array, at: number): number =>
  ((u8[at] << 24) | (u8[at + 1] << 16) | (u8[at + 2] << 8) | u8[at + 3]) >>> 0;

/**
 * The route hash of a raw record, or -1 when no IP header is found (the frame then needs no flow
 * state and any worker may take it; a worker that finds flow state in it anyway fails the run).
 */
export function routeHash(u8: Uint8Array, at: number, end: number, linktype: number): number {
  let et = -1;
  switch (linktype) {
    case 1: // Ethernet, with 802.1Q / 802.1ad tags
      if (end - at < 14) return NONE;
      et = u16(u8, at + 12);
      at += 14;
      while ((et === 0x8100 || et === 0x88a8 || et === 0x9100) && end - at >= 4) {
        et = u16(u8, at + 2);
        at += 4;
      }
      // 802.3 length, then LLC/SNAP (RFC 1042): the EtherType is after the 8-byte SNAP header.
      if (et <= 1500 && end - at >= 8 && u8[at] === 0xaa && u8[at + 1] === 0xaa && u8[at + 2] === 0x03) {
        et = u16(u8, at + 6);
        at += 8;
      }
      break;
    case 113: // Linux cooked (SLL)
      if (end - at < 16) return NONE;
      et = u16(u8, at + 14);
      at += 16;
      break;
    case 276: // SLL2
      if (end - at < 20) return NONE;
      et = u16(u8, at);
      at += 20;
      break;
    case 0: // BSD null / loopback: address family in host (null) or network (loop) order
    case 108: {
      if (end - at < 4) return NONE;
      const le = u8[at] | (u8[at + 1] << 8);
      const be = u16(u8, at + 2);
      const fam = le !== 0 ? le : be;
      at += 4;
      et = fam === 2 ? 0x0800 : fam === 24 || fam === 28 || fam === 30 ? 0x86dd : -1;
      break;
    }
    case 101: // raw IP
    case 12:
    case 14:
      if (end - at < 1) return NONE;
      et = u8[at] >> 4 === 4 ? 0x0800 : u8[at] >> 4 === 6 ? 0x86dd : -1;
      break;
    case 9: // PPP (RFC 1661), HDLC-like framing (RFC 1662) with or without address/control
    case 50:
      return ppp(u8, u8[at] === 0xff && u8[at + 1] === 0x03 ? at + 2 : at, end);
    case 228:
      et = 0x0800;
      break;
    case 229:
      et = 0x86dd;
      break;
    default:
      return NONE;
  }
  if (et === 0x8864) return end - at >= 6 ? ppp(u8, at + 6, end) : NONE; // PPPoE session (RFC 2516)
  if (et === 0x0800) return ip4(u8, at, end, 0);
  if (et === 0x86dd) return ip6(u8, at, end, 0);
  return NONE;
}

/** A PPP protocol field, then IPv4 (0x0021) or IPv6 (0x0057). */
function ppp(u8: Uint8Array, at: number, end: number): number {
  if (end - at < 2) return NONE;
  const proto = u16(u8, at);
  if (proto === 0x0021) return ip4(u8, at + 2, end, 0);
  if (proto === 0x0057) return ip6(u8, at + 2, end, 0);
  return NONE;
}

function ip4(u8: Uint8Array, at: number, end: number, depth: number): number {
  if (end - at < 20 || u8[at] >> 4 !== 4) return NONE;
  const ihl = (u8[at] & 15) * 4;
  const own = pairHash(addrHash4(u32(u8, at + 12)), addrHash4(u32(u8, at + 16)));
  if (depth > 4 || (u16(u8, at + 6) & 0x3fff) !== 0) return own; // a fragment (MF or offset)
  const proto = u8[at + 9];
  const p = at + ihl;
  if (proto === 1 && end - p >= 8) {
    const type = u8[p];
    if (type === 3 || type === 4 || type === 5 || type === 11 || type === 12) {
      const q = ip4(u8, p + 8, end, depth + 1);
      return q === NONE ? own : q;
    }
  } else if (proto === 4) {
    const q = ip4(u8, p, end, depth + 1);
    return q === NONE ? own : q;
  } else if (proto === 41) {
    const q = ip6(u8, p, end, depth + 1);
    return q === NONE ? own : q;
  }
  return own;
}

function ip6(u8: Uint8Array, at: number, end: number, depth: number): number {
  if (end - at < 40 || u8[at] >> 4 !== 6) return NONE;
  const own = pairHash(
    addrHash6(u32(u8, at + 8), u32(u8, at + 12), u32(u8, at + 16), u32(u8, at + 20)),
    addrHash6(u32(u8, at + 24), u32(u8, at + 28), u32(u8, at + 32), u32(u8, at + 36)),
  );
  if (depth > 4) return own;
  let nh = u8[at + 6];
  let p = at + 40;
  // Extension headers (RFC 8200 §4): hop-by-hop, routing, destination options, fragment.
  for (let k = 0; k < 8; k++) {
    if (nh === 0 || nh === 43 || nh === 60) {
      if (end - p < 8) return own;
      nh = u8[p];
      p += (u8[p + 1] + 1) * 8;
    } else if (nh === 44) {
      return own; // a fragment: its datagram's fragments meet on the outer pair
    } else break;
  }
  if (nh === 58 && end - p >= 8) {
    const type = u8[p];
    if (type >= 1 && type <= 4) {
      const q = ip6(u8, p + 8, end, depth + 1);
      return q === NONE ? own : q;
    }
  } else if (nh === 41) {
    const q = ip6(u8, p, end, depth + 1);
    return q === NONE ? own : q;
  } else if (nh === 4) {
    const q = ip4(u8, p, end, depth + 1);
    return q === NONE ? own : q;
  }
  return own;
}
