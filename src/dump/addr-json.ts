/**
 * Addresses written as quoted JSON text straight into a report buffer, for the compiled field
 * emitters (fmt.ts). Copying cached strings in cost 160 ns for an Ethernet header and 280 ns for an
 * IPv4 one (a cached text built by concatenation is a cons string: its charCodeAt goes to the
 * runtime); now 58 and 135 ns. Text exactly as src/core/addr.ts makes it (RFC 5952 for IPv6): a
 * property test (test/dump/out.test.ts) compares the two.
 */
import { longestZeroRun } from '../core/addr.js';
import { L16 } from './out.js';

/** Room a writer may touch: the text plus the slack of its last 4-byte store. */
export const IPV4_ROOM = 17 + 3;
export const MAC_ROOM = 19;
export const IPV6_ROOM = 41 + 3;

// Decimal digits of 0…255 packed little-endian in a u32, and their count.
const OCT = new Uint32Array(256);
const OCT_N = new Uint8Array(256);
for (let i = 0; i < 256; i++) {
  const s = String(i);
  let w = 0;
  for (let k = 0; k < s.length; k++) w |= s.charCodeAt(k) << (8 * k);
  OCT[i] = w;
  OCT_N[i] = s.length;
}

/** `10.0.0.1` (no quotes); the last store may touch three bytes past the end. */
function dotted(b: Uint8Array, dv: DataView, at: number, v: number): number {
  let o = v >>> 24;
  dv.setUint32(at, OCT[o], true);
  at += OCT_N[o];
  b[at++] = 46;
  o = (v >>> 16) & 255;
  dv.setUint32(at, OCT[o], true);
  at += OCT_N[o];
  b[at++] = 46;
  o = (v >>> 8) & 255;
  dv.setUint32(at, OCT[o], true);
  at += OCT_N[o];
  b[at++] = 46;
  o = v & 255;
  dv.setUint32(at, OCT[o], true);
  return at + OCT_N[o];
}

/** `"10.0.0.1"` for a u32. */
export function writeIpv4(b: Uint8Array, dv: DataView, at: number, v: number): number {
  b[at] = 34;
  at = dotted(b, dv, at + 1, v);
  b[at] = 34;
  return at + 1;
}

/** `"02:00:00:00:00:01"` for a 48-bit number (split in 24-bit halves: ToInt32 of a large double is slow). */
export function writeMac(b: Uint8Array, dv: DataView, at: number, v: number): number {
  const hi = Math.floor(v / 16777216);
  const lo = v - hi * 16777216;
  b[at] = 34;
  dv.setUint16(at + 1, L16[(hi >>> 16) & 255], true);
  b[at + 3] = 58;
  dv.setUint16(at + 4, L16[(hi >>> 8) & 255], true);
  b[at + 6] = 58;
  dv.setUint16(at + 7, L16[hi & 255], true);
  b[at + 9] = 58;
  dv.setUint16(at + 10, L16[(lo >>> 16) & 255], true);
  b[at + 12] = 58;
  dv.setUint16(at + 13, L16[(lo >>> 8) & 255], true);
  b[at + 15] = 58;
  dv.setUint16(at + 16, L16[lo & 255], true);
  b[at + 18] = 34;
  return at + 19;
}

/** Whether writeMac can take the value (anything else goes through macToString). */
export const macOk = (v: number): boolean => v >= 0 && v < 281474976710656 && Math.floor(v) === v;

// IPv6 (RFC 5952): written directly; a byte cache keyed by the address missed too often on
// captures with many hosts (each miss paid ipv6ToString's arrays and joins: ≈ 500 ns).
const G = new Int32Array(8);
const HEX = new Uint8Array([...'0123456789abcdef'].map((c) => c.charCodeAt(0)));

/** One group in hex without leading zeros (RFC 5952 §4.1). */
function group(b: Uint8Array, at: number, x: number): number {
  if (x >= 0x1000) b[at++] = HEX[x >>> 12];
  if (x >= 0x100) b[at++] = HEX[(x >>> 8) & 15];
  if (x >= 0x10) b[at++] = HEX[(x >>> 4) & 15];
  b[at] = HEX[x & 15];
  return at + 1;
}

/** `"2001:db8::1"` for four u32 words: the text ipv6ToString makes (RFC 5952), without strings. */
export function writeIpv6(b: Uint8Array, dv: DataView, at: number, a: readonly number[]): number {
  const g = G;
  for (let i = 0; i < 4; i++) {
    const w = a[i];
    g[2 * i] = (w >>> 16) & 0xffff;
    g[2 * i + 1] = w & 0xffff;
  }
  b[at++] = 34;
  if (g[0] === 0 && g[1] === 0 && g[2] === 0 && g[3] === 0 && g[4] === 0 && g[5] === 0xffff) {
    // §5: an IPv4-mapped address ends in a dotted quad: "::ffff:" then a[3].
    dv.setUint32(at, 0x66663a3a, true); // "::ff"
    dv.setUint16(at + 4, 0x6666, true); // "ff"
    b[at + 6] = 58;
    at = dotted(b, dv, at + 7, a[3] >>> 0);
    b[at] = 34;
    return at + 1;
  }
  // §4.2.2/4.2.3: the longest run of two or more zero groups becomes "::", the first on a tie.
  const run = longestZeroRun(g);
  const bestAt = run < 0 ? -1 : run >>> 3;
  const bestLen = run < 0 ? 1 : run & 7 || 8;
  for (let i = 0; i < 8; i++) {
    if (i === bestAt) {
      b[at++] = 58;
      b[at++] = 58;
      i += bestLen - 1;
      continue;
    }
    if (i > 0 && i !== bestAt + bestLen) b[at++] = 58;
    at = group(b, at, g[i]);
  }
  b[at] = 34;
  return at + 1;
}
