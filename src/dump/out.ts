/**
 * Report text assembled as bytes, one buffer per batch (one write per batch). Everything written
 * here is ASCII by construction (fmt.ts escapes anything else as \uXXXX), so strings are copied
 * byte by byte, numbers are written as digits without making strings, and payload bytes are
 * hex-encoded straight into the buffer. Building JSON by string concatenation instead cost about
 * three times as much (cons-strings to flatten, garbage to collect, a UTF-8 pass at write time).
 */
import { Buffer } from 'node:buffer';
import { HEX_SIMD_MAX, type HexAt, hexSimd } from './hex-simd.js';

// Two ASCII hex digits per byte as one little-endian u16, and four per byte pair as one u32.
const DIGITS = '0123456789abcdef';
/** Two lower-case hex digits per byte value, as one little-endian u16 (`"0a"` for 10). */
export const L16 = new Uint16Array(256);
for (let i = 0; i < 256; i++) L16[i] = DIGITS.charCodeAt(i >>> 4) | (DIGITS.charCodeAt(i & 15) << 8);
let L32: Uint32Array | undefined;
function pairTable(): Uint32Array {
  if (L32 === undefined) {
    L32 = new Uint32Array(65536);
    for (let i = 0; i < 65536; i++) L32[i] = (L16[i >>> 8] | (L16[i & 255] << 16)) >>> 0;
  }
  return L32;
}

/** Digits (twice the bytes) from which hex() hands a span to WebAssembly: measured crossover. */
const SIMD_FROM = 256;

type Latin1Write = (s: string, at: number, n: number) => number;

/**
 * Constant ASCII text made by `ascii()`, for `raw()` (arbitrary bytes go through `bytes()`). A class
 * of our own, not the Uint8Array itself: reading `byteOffset`/`buffer` off a typed array is a builtin
 * call in Node 20's V8 (the `.buffer` getter a C++ one: 12 % of a report's time when raw() used it).
 */
export class Ascii {
  constructor(
    /** Offset in the constant pool; 0 when outside it (the pool starts at 4). */
    readonly at: number,
    readonly n: number,
    readonly u8: Uint8Array,
  ) {}
}

/**
 * Write constant text at `at` through `dv` (a compiled emitter's target) and return the new end; up
 * to three bytes past the end are written too, so callers reserve `n + 3`.
 */
export function putAscii(b: Uint8Array, dv: DataView, at: number, c: Ascii): number {
  const n = c.n;
  const from = c.at;
  if (from !== 0) for (let i = 0; i < n; i += 4) dv.setUint32(at + i, POOL_DV.getUint32(from + i, true), true);
  else for (let i = 0; i < n; i++) b[at + i] = c.u8[i];
  return at + n;
}

/** ASCII text → bytes, for constant pieces compiled once (keys, punctuation). */
export function ascii(s: string): Ascii {
  const n = s.length;
  const room = (n + 3) & ~3;
  // In the constant pool (4-byte aligned, zero-padded) so raw() can copy it a word at a time; once
  // the pool is full (some 100 k distinct protocol chains), a plain array.
  const at = poolAt + room <= POOL.length ? poolAt : 0;
  const b = at !== 0 ? POOL.subarray(at, at + n) : new Uint8Array(n);
  if (at !== 0) poolAt += room;
  for (let i = 0; i < n; i++) b[i] = s.charCodeAt(i);
  return new Ascii(at, n, b);
}
// Keys, punctuation, protocol chains, option heads. Pages the pool never reaches are never touched.
const POOL = new Uint8Array(1 << 22);
const POOL_DV = new DataView(POOL.buffer);
let poolAt = 4;

/**
 * Hex in place: frames read from `src`, whose bytes sit at `srcAt` in a shared WebAssembly memory
 * whose offset `outAt` is where into()'s buffer starts, and the module function over that memory.
 */
export interface InPlace {
  readonly src: Uint8Array;
  readonly srcAt: number;
  readonly outAt: number;
  readonly h: HexAt;
}

/** A growing byte buffer; `take()` hands the bytes over and starts a new buffer. */
export class ByteOut {
  private buf!: Buffer;
  private dv!: DataView;
  private at = 0;
  private readonly l32 = pairTable();
  private readonly simd = hexSimd();
  constructor(private size = 1 << 20) {
    this.alloc(size);
  }
  private alloc(size: number): void {
    this.ip = undefined;
    this.buf = Buffer.allocUnsafe(size);
    this.dv = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
  }
  private grow(n: number): void {
    let size = this.buf.length * 2;
    while (size < this.at + n) size *= 2;
    const old = this.buf;
    this.alloc(size);
    old.copy(this.buf, 0, 0, this.at);
  }
  /** Run a compiled writer that needs at most `room` bytes: `fn(f, u8, buf, at) → end`. */
  emit<F>(
    room: number,
    fn: (f: F, u8: Uint8Array, b: Uint8Array, at: number, dv: DataView) => number,
    f: F,
    u8: Uint8Array,
  ): void {
    if (this.at + room > this.buf.length) this.grow(room);
    this.at = fn(f, u8, this.buf, this.at, this.dv);
  }
  byte(c: number): void {
    if (this.at >= this.buf.length) this.grow(1);
    this.buf[this.at++] = c;
  }
  /** Constant ASCII text made by `ascii()`. */
  raw(c: Ascii): void {
    const n = c.n;
    // + 4: putAscii's last word store may run up to three bytes past the text (overwritten next).
    if (this.at + n + 4 > this.buf.length) this.grow(n + 4);
    this.at = putAscii(this.buf, this.dv, this.at, c);
  }
  /** Any bytes, copied as they are. */
  bytes(b: Uint8Array): void {
    const n = b.length;
    if (this.at + n > this.buf.length) this.grow(n);
    this.buf.set(b, this.at);
    this.at += n;
  }
  /** An ASCII string (callers guarantee it: fmt.ts escapes the rest). */
  str(s: string): void {
    const n = s.length;
    if (this.at + n > this.buf.length) this.grow(n);
    if (n > 64) {
      // Buffer#latin1Write skips Buffer#write's argument handling (measurably cheaper per call).
      const w = (this.buf as unknown as { latin1Write?: Latin1Write }).latin1Write;
      this.at += w === undefined ? this.buf.write(s, this.at, n, 'latin1') : w.call(this.buf, s, this.at, n);
      return;
    }
    const buf = this.buf;
    const at = this.at;
    for (let i = 0; i < n; i++) buf[at + i] = s.charCodeAt(i);
    this.at = at + n;
  }
  /** `"s"` for an ASCII string that needs no escaping (addresses, hex). */
  quoted(s: string): void {
    this.byte(34);
    this.str(s);
    this.byte(34);
  }
  /** A non-negative integer as decimal digits. */
  uint(v: number): void {
    if (v < 10) {
      this.byte(48 + v);
      return;
    }
    if (v > 0xffffffff || v !== Math.floor(v)) {
      this.str(String(v));
      return;
    }
    let n = 2;
    for (let x = 100; x <= v && n < 10; x *= 10) n++;
    if (this.at + n > this.buf.length) this.grow(n);
    const buf = this.buf;
    let at = this.at + n;
    this.at = at;
    let x = v >>> 0;
    while (x >= 10) {
      const q = (x / 10) >>> 0;
      buf[--at] = 48 + (x - q * 10);
      x = q;
    }
    buf[--at] = 48 + x;
  }
  /** The bytes already written at [from, to) once more (a short run: digits written before). */
  again(from: number, to: number): void {
    const n = to - from;
    if (this.at + n > this.buf.length) this.grow(n);
    const buf = this.buf;
    const at = this.at;
    for (let i = 0; i < n; i++) buf[at + i] = buf[from + i];
    this.at = at + n;
  }
  /** Exactly `n` decimal digits of a non-negative integer below 2^31 (leading zeros kept). */
  fixed(v: number, n: number): void {
    if (this.at + n > this.buf.length) this.grow(n);
    const buf = this.buf;
    const at = this.at;
    let x = v | 0;
    for (let i = n - 1; i >= 0; i--) {
      const q = (x / 10) | 0;
      buf[at + i] = 48 + (x - q * 10);
      x = q;
    }
    this.at = at + n;
  }
  /** Any number as JSON would write it. */
  num(v: number): void {
    if (v >= 0 && v <= 0xffffffff && v === Math.floor(v)) this.uint(v);
    else this.str(Number.isFinite(v) ? String(v) : 'null');
  }
  /** The source of the last `hex()` call and a DataView over it (frames of a batch share one chunk). */
  private srcU8: Uint8Array | undefined;
  private srcDv: DataView | undefined;
  /**
   * Lower-case hex of u8[start, end): four source bytes per step (one 32-bit load, two 32-bit
   * stores of four digits each), a third faster than two bytes per step on 740-byte payloads.
   */
  hex(u8: Uint8Array, start: number, end: number): void {
    const n = (end - start) * 2;
    const ip = this.ip;
    // In place (a worker's slot): source and output in one shared WebAssembly memory, no copies; the
    // module writes up to 30 digits past the end, so only with that much room left in the slot.
    if (ip !== undefined && u8 === ip.src && n >= 32 && this.at + n + 32 <= this.buf.length) {
      ip.h(ip.srcAt + start, end - start, ip.outAt + this.at);
      this.at += n;
      return;
    }
    if (this.at + n > this.buf.length) this.grow(n);
    // Long spans (payloads) through WebAssembly SIMD (hex-simd.ts); short ones cost less here than
    // the two copies in and out of the module's memory.
    const simd = this.simd;
    if (simd !== undefined && n >= SIMD_FROM && n <= 2 * HEX_SIMD_MAX) {
      simd(u8, start, end, this.buf, this.at);
      this.at += n;
      return;
    }
    let src = this.srcDv;
    if (this.srcU8 !== u8 || src === undefined) {
      src = new DataView(u8.buffer, u8.byteOffset, u8.byteLength);
      this.srcU8 = u8;
      this.srcDv = src;
    }
    const dv = this.dv;
    const l32 = this.l32;
    let at = this.at;
    let i = start;
    for (const e = end - 3; i < e; i += 4) {
      const w = src.getUint32(i);
      dv.setUint32(at, l32[w >>> 16], true);
      dv.setUint32(at + 4, l32[w & 0xffff], true);
      at += 8;
    }
    for (; i < end; i++) {
      dv.setUint16(at, L16[u8[i]], true);
      at += 2;
    }
    this.at = at;
  }
  get length(): number {
    return this.at;
  }
  /** A position to roll back to (a frame that fails halfway is replaced by an error record). */
  mark(): number {
    return this.at;
  }
  reset(mark: number): void {
    this.at = mark;
  }
  /**
   * Write from the start of `u8` (a worker's shared output slot) instead of an own buffer; output
   * that outgrows it moves to an own buffer as usual (`inside(u8)` is then false).
   */
  into(u8: Uint8Array, place?: InPlace): void {
    this.buf = Buffer.from(u8.buffer, u8.byteOffset, u8.byteLength);
    this.dv = new DataView(u8.buffer, u8.byteOffset, u8.byteLength);
    this.at = 0;
    this.ip = place;
  }
  /** Set by into() when source and slot share a WebAssembly memory; cleared when output leaves the slot. */
  private ip: InPlace | undefined;
  /** Whether everything written since `into(u8)` is in `u8`. */
  inside(u8: Uint8Array): boolean {
    return this.buf.buffer === u8.buffer && this.buf.byteOffset === u8.byteOffset;
  }
  /** The bytes written so far; the next batch gets a fresh buffer (the stream may still hold this one). */
  take(): Buffer {
    const out = this.buf.subarray(0, this.at);
    this.size = Math.max(1 << 16, Math.ceil(this.at * 1.25));
    this.alloc(this.size);
    this.at = 0;
    return out;
  }
}
