/**
 * Addresses as numbers on the hot path, text at the edge (DESIGN rule 4). IPv4 is a u32, a MAC a
 * 48-bit number, IPv6 a tuple of four u32. Text follows RFC 5952 for IPv6.
 */
import type { Ipv6 } from './fields.js';

export function ipv4ToString(a: number): string {
  return `${a >>> 24}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}`;
}

/** '10.0.0.1' → u32; NaN when not a dotted quad. */
export function parseIpv4(s: string): number {
  const p = s.split('.');
  if (p.length !== 4) return Number.NaN;
  let v = 0;
  for (const x of p) {
    if (!/^\d{1,3}$/.test(x)) return Number.NaN;
    const n = Number(x);
    if (n > 255) return Number.NaN;
    v = v * 256 + n;
  }
  return v;
}

/**
 * RFC 5952 §4.2.2/§4.2.3: the longest run of two or more zero groups among eight, the first on a
 * tie, as `start * 8 + length % 8` (a run of all eight groups is start 0, length 0 → 8); −1 if none.
 */
export function longestZeroRun(g: ArrayLike<number>): number {
  let bestAt = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) {
      bestAt = i;
      bestLen = j - i;
    }
    i = j;
  }
  return bestAt < 0 ? -1 : bestAt * 8 + (bestLen & 7);
}

/** RFC 5952 §4: lower case, leading zeros dropped, the longest run (≥ 2) of zero groups as `::`,
 *  the first one on a tie; IPv4-mapped (::ffff:0:0/96) shown with a dotted quad (§5). */
export function ipv6ToString(a: Ipv6 | readonly number[]): string {
  const g = [
    a[0] >>> 16,
    a[0] & 0xffff,
    a[1] >>> 16,
    a[1] & 0xffff,
    a[2] >>> 16,
    a[2] & 0xffff,
    a[3] >>> 16,
    a[3] & 0xffff,
  ];
  if (g[0] === 0 && g[1] === 0 && g[2] === 0 && g[3] === 0 && g[4] === 0 && g[5] === 0xffff) {
    return `::ffff:${ipv4ToString(a[3] >>> 0)}`;
  }
  const run = longestZeroRun(g);
  if (run < 0) return g.map((x) => x.toString(16)).join(':');
  const bestAt = run >>> 3;
  const bestLen = run & 7 || 8;
  const left = g
    .slice(0, bestAt)
    .map((x) => x.toString(16))
    .join(':');
  const right = g
    .slice(bestAt + bestLen)
    .map((x) => x.toString(16))
    .join(':');
  return `${left}::${right}`;
}

/** Parse IPv6 text (with `::` and an optional trailing dotted quad) into four u32; undefined if invalid. */
export function parseIpv6(s: string): Ipv6 | undefined {
  let text = s.trim();
  const pct = text.indexOf('%');
  if (pct >= 0) text = text.slice(0, pct);
  let tailV4: number | undefined;
  const lastColon = text.lastIndexOf(':');
  if (text.includes('.', lastColon)) {
    tailV4 = parseIpv4(text.slice(lastColon + 1));
    if (Number.isNaN(tailV4)) return undefined;
    text = `${text.slice(0, lastColon + 1)}0:0`;
  }
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const parse = (h: string) => (h === '' ? [] : h.split(':'));
  const head = parse(halves[0]);
  const tail = halves.length === 2 ? parse(halves[1]) : [];
  const fill = 8 - head.length - tail.length;
  if (halves.length === 1 ? head.length !== 8 : fill < 1) return undefined;
  const groups = [...head, ...Array(halves.length === 2 ? fill : 0).fill('0'), ...tail];
  const nums: number[] = [];
  for (const x of groups) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(x)) return undefined;
    nums.push(Number.parseInt(x, 16));
  }
  const out: [number, number, number, number] = [0, 0, 0, 0];
  for (let i = 0; i < 4; i++) out[i] = ((nums[2 * i] << 16) | nums[2 * i + 1]) >>> 0;
  if (tailV4 !== undefined) out[3] = tailV4 >>> 0;
  return out;
}

const H2: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

export function macToString(m: number): string {
  const hi = Math.floor(m / 4294967296);
  const lo = m >>> 0;
  return `${H2[(hi >>> 8) & 255]}:${H2[hi & 255]}:${H2[lo >>> 24]}:${H2[(lo >>> 16) & 255]}:${H2[(lo >>> 8) & 255]}:${H2[lo & 255]}`;
}

export function parseMac(s: string): number {
  const p = s.split(/[:-]/);
  if (p.length !== 6 || !p.every((x) => /^[0-9a-fA-F]{1,2}$/.test(x))) return Number.NaN;
  return p.reduce((v, x) => v * 256 + Number.parseInt(x, 16), 0);
}

/** Read a 16-byte IPv6 address at `at` into a tuple. */
export function readIpv6(dv: DataView, at: number): Ipv6 {
  return [dv.getUint32(at), dv.getUint32(at + 4), dv.getUint32(at + 8), dv.getUint32(at + 12)];
}

/** Builder conveniences: `ip('10.0.0.1')`, `ip6('2001:db8::1')`, `mac('02:00:00:00:00:01')`. */
export function ip(s: string): number {
  const v = parseIpv4(s);
  if (Number.isNaN(v)) throw new RangeError(`not an IPv4 address: ${s}`);
  return v;
}
export function ip6(s: string): Ipv6 {
  const v = parseIpv6(s);
  if (!v) throw new RangeError(`not an IPv6 address: ${s}`);
  return v;
}
export function mac(s: string): number {
  const v = parseMac(s);
  if (Number.isNaN(v)) throw new RangeError(`not a MAC address: ${s}`);
  return v;
}
