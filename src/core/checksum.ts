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
}

/**
 * Pseudo-header sum from the nearest IPv4/IPv6 layer before `index` (the layer list of a dissected
 * frame, or of a packet being built). For IPv6 a Routing header's final address would be the
 * destination (RFC 8200 §8.1); we use the header's destination, as most captures carry none.
 */
export function pseudoFrom(layers: readonly IpLike[], index: number, proto: number, len: number): number | undefined {
  for (let i = index - 1; i >= 0; i--) {
    const l = layers[i];
    if (l.name === 'ipv4') return pseudo4(l.fields.src as number, l.fields.dst as number, proto, len);
    if (l.name === 'ipv6') return pseudo6(l.fields.src as number[], l.fields.dst as number[], proto, len);
  }
  return undefined;
}
