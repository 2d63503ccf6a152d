/** The Internet checksum (RFC 1071) and the IPv4/IPv6 pseudo-headers (RFC 768, RFC 9293 §3.1, RFC 8200 §8.1). */

/** One's-complement sum of 16-bit words of u8[start, end), added to `init`; not folded, not inverted. */
export function sum16(u8: Uint8Array, start: number, end: number, init = 0): number {
  let s = init;
  let i = start;
  const last = end - 1;
  for (; i < last; i += 2) s += (u8[i] << 8) | u8[i + 1];
  if (i < end) s += u8[i] << 8;
  return s;
}

/** Fold carries and invert: the value to store in a checksum field. */
export function fold(s: number): number {
  while (s > 0xffff) s = (s & 0xffff) + Math.floor(s / 0x10000);
  return ~s & 0xffff;
}

export function inetChecksum(u8: Uint8Array, start: number, end: number, init = 0): number {
  return fold(sum16(u8, start, end, init));
}

/** Pseudo-header sum for IPv4: src, dst, zero+protocol, upper-layer length. */
export function pseudo4(src: number, dst: number, proto: number, len: number): number {
  return (src >>> 16) + (src & 0xffff) + (dst >>> 16) + (dst & 0xffff) + proto + len;
}

/** Pseudo-header sum for IPv6: src, dst (tuples of u32), 32-bit length, next header. */
export function pseudo6(src: readonly number[], dst: readonly number[], proto: number, len: number): number {
  let s = proto + (len >>> 16) + (len & 0xffff);
  for (let i = 0; i < 4; i++) s += (src[i] >>> 16) + (src[i] & 0xffff) + (dst[i] >>> 16) + (dst[i] & 0xffff);
  return s;
}

interface IpLike {
  readonly name: string;
  readonly fields: Readonly<Record<string, unknown>>;
  /** Header span in `u8`, needed to read IPv6 Routing and Destination Options headers. */
  readonly start?: number;
  readonly hdrEnd?: number;
}

const UNSPECIFIED6: readonly number[] = [0, 0, 0, 0];

/** Layer names whose bytes change the IPv6 pseudo-header (protocols/ipv6-route.ts, ipv6-opts.ts). */
const IPV6_ROUTE = 'ipv6_route';
const IPV6_OPTS = 'ipv6_opts';

/**
 * Pseudo-header sum from the nearest IPv4/IPv6 layer before `index` (the layer list of a dissected
 * frame, or of a packet being built). For IPv6, with the header bytes (`u8`) at hand, the extension
 * headers between that layer and `index` are read: a Routing header with segments left names the
 * final destination (RFC 8200 §8.1), and a Home Address destination option puts the home address in
 * the source (RFC 6275 §6.3). Without `u8` the fixed header's addresses are used.
 */
export function pseudoFrom(
  layers: readonly IpLike[],
  index: number,
  proto: number,
  len: number,
  u8?: Uint8Array,
): number | undefined {
  for (let i = index - 1; i >= 0; i--) {
    const l = layers[i];
    if (l.name === 'ipv4') return pseudo4(l.fields.src as number, l.fields.dst as number, proto, len);
    if (l.name === 'ipv6') {
      // A packet being built without addresses gets `::` on the wire (compile.ts writes zeros).
      let src = (l.fields.src as readonly number[] | undefined) ?? UNSPECIFIED6;
      let dst = (l.fields.dst as readonly number[] | undefined) ?? UNSPECIFIED6;
      if (u8 !== undefined) {
        for (let j = i + 1; j < index; j++) {
          const x = layers[j];
          if (x.start === undefined || x.hdrEnd === undefined) continue;
          if (x.name === IPV6_ROUTE) dst = routingFinal(u8, x.start, x.hdrEnd, dst) ?? dst;
          else if (x.name === IPV6_OPTS) src = homeAddress(u8, x.start, x.hdrEnd) ?? src;
        }
      }
      return pseudo6(src, dst, proto, len);
    }
  }
  return undefined;
}

/** pseudoFrom over a dissected frame's layers (verify hooks). */
export function pseudoForLayers(
  u8: Uint8Array,
  layers: readonly {
    readonly protocol: string;
    readonly fields: unknown;
    readonly start: number;
    readonly hdrEnd: number;
  }[],
  index: number,
  proto: number,
  len: number,
): number | undefined {
  const ls: IpLike[] = layers.map((x) => ({
    name: x.protocol,
    fields: x.fields as Record<string, unknown>,
    start: x.start,
    hdrEnd: x.hdrEnd,
  }));
  return pseudoFrom(ls, index, proto, len, u8);
}

/** pseudoFrom over the layers of a packet being built (finish hooks). */
export function pseudoForBuild(
  u8: Uint8Array,
  layers: readonly {
    readonly protocol: { readonly name: string };
    readonly fields: unknown;
    readonly at: number;
    readonly hdrEnd: number;
  }[],
  index: number,
  proto: number,
  len: number,
): number | undefined {
  const ls: IpLike[] = layers.map((x) => ({
    name: x.protocol.name,
    fields: x.fields as Record<string, unknown>,
    start: x.at,
    hdrEnd: x.hdrEnd,
  }));
  return pseudoFrom(ls, index, proto, len, u8);
}

function addrAt(u8: Uint8Array, p: number): number[] {
  const a: number[] = [0, 0, 0, 0];
  for (let k = 0; k < 4; k++)
    a[k] = ((u8[p + 4 * k] << 24) | (u8[p + 4 * k + 1] << 16) | (u8[p + 4 * k + 2] << 8) | u8[p + 4 * k + 3]) >>> 0;
  return a;
}

/**
 * The final destination a Routing header names when segments are left, or undefined: type 0 the last
 * address (RFC 2460 §4.4), type 2 the home address (RFC 6275 §6.4), type 3 the last address with its
 * elided prefix taken from the IPv6 destination (RFC 6554 §3), type 4 Segment List[0] (RFC 8754 §2).
 */
export function routingFinal(
  u8: Uint8Array,
  start: number,
  hdrEnd: number,
  dst: readonly number[],
): readonly number[] | undefined {
  if (hdrEnd - start < 8 || u8[start + 3] === 0) return undefined;
  const len = u8[start + 1];
  const type = u8[start + 2];
  const body = start + 8;
  switch (type) {
    case 0: {
      const n = len >>> 1;
      const p = body + (n - 1) * 16;
      return n >= 1 && p + 16 <= hdrEnd ? addrAt(u8, p) : undefined;
    }
    case 2:
    case 4:
      return body + 16 <= hdrEnd ? addrAt(u8, body) : undefined;
    case 3: {
      const cmprI = u8[start + 4] >>> 4;
      const cmprE = u8[start + 4] & 0x0f;
      const pad = u8[start + 5] >>> 4;
      if (len === 0) return undefined;
      const n = Math.floor((len * 8 - pad - (16 - cmprE)) / (16 - cmprI)) + 1;
      const p = body + (n - 1) * (16 - cmprI);
      if (n < 1 || p + 16 - cmprE > hdrEnd) return undefined;
      const full = new Uint8Array(16);
      for (let k = 0; k < 4; k++) {
        full[4 * k] = dst[k] >>> 24;
        full[4 * k + 1] = (dst[k] >>> 16) & 0xff;
        full[4 * k + 2] = (dst[k] >>> 8) & 0xff;
        full[4 * k + 3] = dst[k] & 0xff;
      }
      full.set(u8.subarray(p, p + 16 - cmprE), cmprE);
      return addrAt(full, 0);
    }
    default:
      return undefined;
  }
}

/** The Home Address destination option (type 0xC9, RFC 6275 §6.3) in a Destination Options header. */
export function homeAddress(u8: Uint8Array, start: number, hdrEnd: number): readonly number[] | undefined {
  let p = start + 2;
  while (p < hdrEnd) {
    const t = u8[p];
    if (t === 0) {
      p++;
      continue;
    }
    if (p + 2 > hdrEnd) return undefined;
    const l = u8[p + 1];
    if (t === 0xc9 && l === 16 && p + 18 <= hdrEnd) return addrAt(u8, p + 2);
    p += 2 + l;
  }
  return undefined;
}
