/**
 * Small fixed layouts for option and parameter values (Mobility options and messages, HIP parameters):
 * one declaration gives the decoder, the encoder and the length, as a header table does for a fixed
 * header (DESIGN rule 1). Values are plain data for `details()`: numbers, and text or hex for
 * addresses and opaque bytes. Decoding never throws: when the bytes end early, the fields read so far
 * are kept with `malformed: true` and the rest as `data` hex.
 */
import { ip6, ipv4ToString, ipv6ToString, parseIpv4 } from './addr.js';
import { type Bytes, fromHex, hex, latin1Text } from './bytes.js';
import type { OptionHandler } from './protocol.js';

/** Named bit fields inside one 8-, 16- or 32-bit word: key → mask. */
export interface Bits {
  readonly bits: 8 | 16 | 32;
  readonly fields: Readonly<Record<string, number>>;
}

/**
 * Field kinds. Fixed: 'u8' 'u16' 'u32', 'ipv4' 'ipv6' (text), `hex:N` (N octets as hex), Bits.
 * The last field may take the rest: 'hex', 'text', 'u8[]', 'u16[]', 'u32[]', 'ipv6[]'.
 */
export type Kind =
  | 'u8'
  | 'u16'
  | 'u32'
  | 'ipv4'
  | 'ipv6'
  | `hex:${number}`
  | 'hex'
  | 'text'
  | 'u8[]'
  | 'u16[]'
  | 'u32[]'
  | 'ipv6[]'
  | Bits;

export type Layout = readonly (readonly [string, Kind])[];
type V = Record<string, unknown>;

const shift = (m: number) => {
  let s = 0;
  while (s < 32 && ((m >>> s) & 1) === 0) s++;
  return s;
};

function fixedWidth(k: Kind): number {
  if (typeof k !== 'string') return k.bits >>> 3;
  switch (k) {
    case 'u8':
      return 1;
    case 'u16':
      return 2;
    case 'u32':
    case 'ipv4':
      return 4;
    case 'ipv6':
      return 16;
    default:
      return k.startsWith('hex:') ? Number(k.slice(4)) : -1;
  }
}

const readWord = (b: Bytes, p: number, w: number) =>
  w === 1 ? b.u8[p] : w === 2 ? b.dv.getUint16(p) : b.dv.getUint32(p);

/** Decode `layout` over [s, e); extra octets after a fixed layout are kept as `extra`. */
export function decodeLayout(layout: Layout, b: Bytes, s: number, e: number): V {
  const o: V = {};
  let p = s;
  for (const [key, k] of layout) {
    const w = fixedWidth(k);
    if (w >= 0) {
      if (p + w > e) return { ...o, malformed: true, data: hex(b.u8, p, e) };
      if (typeof k !== 'string') {
        const x = readWord(b, p, w);
        for (const [f, m] of Object.entries(k.fields)) o[f] = ((x & m) >>> 0) >>> shift(m);
      } else if (k === 'ipv4') o[key] = ipv4ToString(b.dv.getUint32(p));
      else if (k === 'ipv6')
        o[key] = ipv6ToString([
          b.dv.getUint32(p),
          b.dv.getUint32(p + 4),
          b.dv.getUint32(p + 8),
          b.dv.getUint32(p + 12),
        ]);
      else if (k.startsWith('hex:')) o[key] = hex(b.u8, p, p + w);
      else o[key] = readWord(b, p, w);
      p += w;
      continue;
    }
    switch (k) {
      case 'hex':
        o[key] = hex(b.u8, p, e);
        break;
      case 'text':
        o[key] = latin1Text(b.u8, p, e);
        break;
      case 'u8[]':
      case 'u16[]':
      case 'u32[]': {
        const n = k === 'u8[]' ? 1 : k === 'u16[]' ? 2 : 4;
        const a: number[] = [];
        for (; p + n <= e; p += n) a.push(readWord(b, p, n));
        o[key] = a;
        if (p < e) o.extra = hex(b.u8, p, e);
        break;
      }
      case 'ipv6[]': {
        const a: string[] = [];
        for (; p + 16 <= e; p += 16) {
          a.push(
            ipv6ToString([b.dv.getUint32(p), b.dv.getUint32(p + 4), b.dv.getUint32(p + 8), b.dv.getUint32(p + 12)]),
          );
        }
        o[key] = a;
        if (p < e) o.extra = hex(b.u8, p, e);
        break;
      }
    }
    return o;
  }
  if (p < e) o.extra = hex(b.u8, p, e);
  return o;
}

const num = (v: unknown) => Number(v ?? 0);
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const bytesOfHex = (v: unknown): Uint8Array =>
  v instanceof Uint8Array ? v : typeof v === 'string' ? fromHex(v) : new Uint8Array(0);
const enc = new TextEncoder();

function restLength(k: Kind, v: unknown): number {
  switch (k) {
    case 'hex':
      return bytesOfHex(v).length;
    case 'text':
      return enc.encode(String(v ?? '')).length;
    case 'u8[]':
      return arr(v).length;
    case 'u16[]':
      return arr(v).length * 2;
    case 'u32[]':
      return arr(v).length * 4;
    case 'ipv6[]':
      return arr(v).length * 16;
    default:
      return 0;
  }
}

export function layoutLength(layout: Layout, v: V): number {
  let n = 0;
  for (const [key, k] of layout) {
    const w = fixedWidth(k);
    n += w >= 0 ? w : restLength(k, v[key]);
  }
  return n + bytesOfHex(v.extra).length;
}

function putIpv6(b: Bytes, p: number, v: unknown) {
  const a = typeof v === 'string' ? ip6(v) : ((v as readonly number[] | undefined) ?? [0, 0, 0, 0]);
  for (let i = 0; i < 4; i++) b.dv.setUint32(p + 4 * i, a[i] >>> 0);
}

function writeWord(b: Bytes, p: number, w: number, x: number) {
  if (w === 1) b.u8[p] = x;
  else if (w === 2) b.dv.setUint16(p, x);
  else b.dv.setUint32(p, x >>> 0);
}

export function encodeLayout(layout: Layout, b: Bytes, at: number, v: V): number {
  let p = at;
  for (const [key, k] of layout) {
    const w = fixedWidth(k);
    if (typeof k !== 'string') {
      let x = 0;
      for (const [f, m] of Object.entries(k.fields)) x = (x | ((num(v[f]) << shift(m)) & m)) >>> 0;
      writeWord(b, p, w, x);
    } else if (k === 'ipv4')
      b.dv.setUint32(p, (typeof v[key] === 'string' ? parseIpv4(v[key] as string) : num(v[key])) >>> 0);
    else if (k === 'ipv6') putIpv6(b, p, v[key]);
    else if (k.startsWith('hex:')) {
      b.u8.fill(0, p, p + w);
      b.u8.set(bytesOfHex(v[key]).subarray(0, w), p);
    } else if (w > 0) writeWord(b, p, w, num(v[key]));
    else {
      const x = v[key];
      switch (k) {
        case 'hex': {
          const d = bytesOfHex(x);
          b.u8.set(d, p);
          p += d.length;
          break;
        }
        case 'text': {
          const d = enc.encode(String(x ?? ''));
          b.u8.set(d, p);
          p += d.length;
          break;
        }
        case 'ipv6[]':
          for (const a of arr(x)) {
            putIpv6(b, p, a);
            p += 16;
          }
          break;
        default: {
          const n = k === 'u8[]' ? 1 : k === 'u16[]' ? 2 : 4;
          for (const a of arr(x)) {
            writeWord(b, p, n, num(a));
            p += n;
          }
        }
      }
      continue;
    }
    p += w;
  }
  const extra = bytesOfHex(v.extra);
  b.u8.set(extra, p);
  return p + extra.length - at;
}

/** An option/parameter handler from a layout: decode, encode and length from one declaration. */
export function structHandler(name: string, layout: Layout, extra?: (v: V) => V): OptionHandler<V> {
  return {
    name,
    decode: (b, s, e) => {
      const v = decodeLayout(layout, b, s, e);
      return extra ? extra(v) : v;
    },
    encode: (b, at, v) => encodeLayout(layout, b, at, v),
    encodingLength: (v) => layoutLength(layout, v),
  };
}
