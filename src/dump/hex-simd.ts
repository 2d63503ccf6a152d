/**
 * Lower-case hex of a byte span with WebAssembly SIMD: 16 source bytes → 32 digits per step (two
 * nibble swizzles through a 16-byte digit table, two interleaving shuffles). Payload hex was the
 * largest single cost of a JSON/NDJSON report (11–16 % of the main thread); the best JavaScript
 * variant (a 64 K-entry table, four bytes per step, out.ts) encodes ≈ 0.9 GB/s here, this one
 * ≈ 2.5–3.5 GB/s including the copies into and out of the module's memory.
 *
 * The module is 227 bytes, assembled below rather than shipped as a binary so it can be read:
 *
 *   (func (export "h") (param $src i32) (param $n i32) (param $dst i32)
 *     (local $end i32) (local $v v128) (local $hi v128)
 *     (local.set $end (i32.add (local.get $src) (local.get $n)))
 *     (block (loop
 *       (br_if 1 (i32.ge_u (local.get $src) (local.get $end)))
 *       (local.set $hi (i8x16.shr_u (local.tee $v (v128.load (local.get $src))) (i32.const 4)))
 *       (local.set $v (v128.and (local.get $v) (v128.const i8x16 15 …)))
 *       (local.set $hi (i8x16.swizzle (v128.const "0123456789abcdef") (local.get $hi)))
 *       (local.set $v (i8x16.swizzle (v128.const "0123456789abcdef") (local.get $v)))
 *       (v128.store offset=0 (local.get $dst) (i8x16.shuffle 0 16 1 17 … 7 23 (local.get $hi) (local.get $v)))
 *       (v128.store offset=16 (local.get $dst) (i8x16.shuffle 8 24 … 15 31 (local.get $hi) (local.get $v)))
 *       (local.set $src (i32.add (local.get $src) (i32.const 16)))
 *       (local.set $dst (i32.add (local.get $dst) (i32.const 32)))
 *       (br 0))))
 *
 * It reads up to 15 bytes past `n` and writes their digits too: both stay inside the module's own
 * scratch memory, and only the first 2n digits are copied out. Where WebAssembly SIMD is missing the
 * factory returns undefined and callers keep the JavaScript path.
 */

/** Largest span encoded here (the snap length of any real capture fits). */
export const HEX_SIMD_MAX = 1 << 18;
const IN = 0;
const OUT = HEX_SIMD_MAX + 64;
const PAGES = Math.ceil((OUT + 2 * HEX_SIMD_MAX + 64) / 65536);

const leb = (n: number): number[] => {
  const o: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    o.push(b);
  } while (n !== 0);
  return o;
};
const section = (id: number, body: number[]): number[] => [id, ...leb(body.length), ...body];
const simd = (op: number): number[] => [0xfd, ...leb(op)];
const get = (i: number) => [0x20, i];
const set = (i: number) => [0x21, i];
const tee = (i: number) => [0x22, i];
const i32 = (v: number) => [0x41, v]; // small non-negative constants only (< 64)
const DIGITS = [...'0123456789abcdef'].map((c) => c.charCodeAt(0));
const LOW = [0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23];
const HIGH = LOW.map((x) => x + 8);

/** The module; with `shared` pages it imports a shared memory of that size ("e"."m") instead of its own. */
function moduleBytes(shared?: number): Uint8Array<ArrayBuffer> {
  const [src, n, dst, end, v, hi] = [0, 1, 2, 3, 4, 5];
  const body = [
    ...[0x02, 0x01, 0x7f, 0x02, 0x7b], // locals: 1 × i32, 2 × v128
    ...get(src),
    ...get(n),
    0x6a, // i32.add
    ...set(end),
    ...[0x02, 0x40, 0x03, 0x40], // block, loop
    ...get(src),
    ...get(end),
    0x4f, // i32.ge_u
    ...[0x0d, 1], // br_if 1
    ...get(src),
    ...simd(0x00), // v128.load
    ...[0, 0],
    ...tee(v),
    ...i32(4),
    ...simd(0x6d), // i8x16.shr_u
    ...set(hi),
    ...get(v),
    ...simd(0x0c), // v128.const
    ...new Array(16).fill(15),
    ...simd(0x4e), // v128.and
    ...set(v),
    ...simd(0x0c),
    ...DIGITS,
    ...get(hi),
    ...simd(0x0e), // i8x16.swizzle
    ...set(hi),
    ...simd(0x0c),
    ...DIGITS,
    ...get(v),
    ...simd(0x0e),
    ...set(v),
    ...get(dst),
    ...get(hi),
    ...get(v),
    ...simd(0x0d), // i8x16.shuffle
    ...LOW,
    ...simd(0x0b), // v128.store
    ...[0, 0],
    ...get(dst),
    ...get(hi),
    ...get(v),
    ...simd(0x0d),
    ...HIGH,
    ...simd(0x0b),
    ...[0, 16],
    ...get(src),
    ...i32(16),
    0x6a,
    ...set(src),
    ...get(dst),
    ...i32(32),
    0x6a,
    ...set(dst),
    ...[0x0c, 0], // br 0
    ...[0x0b, 0x0b, 0x0b], // end loop, block, function
  ];
  const name = (s: string) => [...leb(s.length), ...[...s].map((c) => c.charCodeAt(0))];
  return new Uint8Array([
    ...[0x00, 0x61, 0x73, 0x6d, 1, 0, 0, 0],
    ...section(1, [1, 0x60, 3, 0x7f, 0x7f, 0x7f, 0]), // type: (i32 i32 i32) → ()
    ...(shared === undefined
      ? []
      : section(2, [1, ...name('e'), ...name('m'), 2, 0x03, ...leb(shared), ...leb(shared)])), // import shared memory
    ...section(3, [1, 0]), // function 0 has type 0
    ...(shared === undefined
      ? [
          ...section(5, [1, 0x00, ...leb(PAGES)]), // one memory, PAGES pages
          ...section(7, [2, ...name('m'), 2, 0, ...name('h'), 0, 0]), // exports: memory m, function h
        ]
      : section(7, [1, ...name('h'), 0, 0])), // export: function h
    ...section(10, [1, ...leb(body.length), ...body]),
  ]);
}

/** `hex(u8, start, end, out, at)` writes 2·(end − start) digits at `out[at…]`; spans up to HEX_SIMD_MAX. */
export type HexSimd = (u8: Uint8Array, start: number, end: number, out: Uint8Array, at: number) => void;

let cached: HexSimd | null | undefined;

/** One instance per thread (its memory is scratch); undefined where WebAssembly SIMD is unavailable. */
export function hexSimd(): HexSimd | undefined {
  if (cached === undefined) cached = create();
  return cached ?? undefined;
}

function create(): HexSimd | null {
  try {
    const bytes = moduleBytes();
    if (typeof WebAssembly !== 'object' || !WebAssembly.validate(bytes)) return null;
    const x = new WebAssembly.Instance(new WebAssembly.Module(bytes)).exports as {
      m: WebAssembly.Memory;
      h: (src: number, n: number, dst: number) => void;
    };
    const mem = new Uint8Array(x.m.buffer);
    const h = x.h;
    return (u8, start, end, out, at) => {
      const n = end - start;
      // Scratch positions at the same address mod 8 as source and destination: V8 copies to or from
      // shared memory (a parallel engine's worker slots) word by word only when both sides are
      // equally aligned, else byte by byte (several times slower).
      const i = IN + ((u8.byteOffset + start) & 7);
      const o = OUT + ((out.byteOffset + at) & 7);
      mem.set(u8.subarray(start, end), i);
      h(i, n, o);
      out.set(mem.subarray(o, o + 2 * n), at);
    };
  } catch {
    return null;
  }
}

/** `h(src, n, dst)`: 2n hex digits of memory[src, src + n) written at memory[dst…]. */
export type HexAt = (src: number, n: number, dst: number) => void;

/**
 * The same function over a shared WebAssembly memory of the caller's (a parallel engine's job slots
 * live in one, so a worker encodes payload hex in place: no copy in or out of scratch memory, which
 * for shared memory V8 does word by word at best). Undefined where shared memory or SIMD is missing.
 */
export function hexSimdAt(memory: WebAssembly.Memory): HexAt | undefined {
  try {
    const pages = memory.buffer.byteLength / 65536;
    const bytes = moduleBytes(pages);
    if (!WebAssembly.validate(bytes)) return undefined;
    const x = new WebAssembly.Instance(new WebAssembly.Module(bytes), { e: { m: memory } }).exports as { h: HexAt };
    return x.h;
  } catch {
    return undefined;
  }
}

/** A shared memory of `bytes` (rounded up to whole pages) for `hexSimdAt`, or undefined where unsupported. */
export function sharedMemory(bytes: number): WebAssembly.Memory | undefined {
  try {
    const pages = Math.ceil(bytes / 65536);
    const m = new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true });
    return hexSimdAt(m) === undefined ? undefined : m;
  } catch {
    return undefined;
  }
}
