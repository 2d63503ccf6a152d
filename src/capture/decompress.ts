/**
 * Compressed captures, detected by magic and decompressed as a stream: gzip (node:zlib), zstd
 * (fzstd: Node 20's zlib has no zstd), xz (xz-decompress, WebAssembly), lz4 frame (ours, lz4.ts).
 * Layers nest (a .gz of a .zst) up to a small depth.
 */
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { PcapkitError } from '../core/errors.js';
import { type Detected, detect, SNIFF_LEN } from './detect.js';
import { lz4Frames } from './lz4.js';

/** Peek the first bytes of a chunk stream without losing them. */
export async function peek(
  src: AsyncIterable<Uint8Array>,
  n: number,
): Promise<{ head: Uint8Array; rest: AsyncIterable<Uint8Array> }> {
  const it = src[Symbol.asyncIterator]();
  const got: Uint8Array[] = [];
  let len = 0;
  let ended = false;
  while (len < n) {
    const r = await it.next();
    if (r.done) {
      ended = true;
      break;
    }
    if (r.value.length === 0) continue;
    got.push(r.value);
    len += r.value.length;
  }
  const head = got.length === 1 ? got[0] : concatAll(got, len);
  async function* rest(): AsyncGenerator<Uint8Array> {
    try {
      if (head.length) yield head;
      if (ended) return;
      for (;;) {
        const r = await it.next();
        if (r.done) return;
        yield r.value;
      }
    } finally {
      await it.return?.();
    }
  }
  return { head, rest: rest() };
}

function concatAll(parts: Uint8Array[], len: number): Uint8Array {
  const out = new Uint8Array(len);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

async function* gunzip(src: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  const z = createGunzip();
  const r = Readable.from(src).pipe(z);
  try {
    for await (const c of r)
      yield new Uint8Array((c as Buffer).buffer, (c as Buffer).byteOffset, (c as Buffer).byteLength);
  } catch (e) {
    throw new PcapkitError('ERR_DECOMPRESS', `gzip: ${(e as Error).message}`, { cause: e });
  } finally {
    r.destroy();
  }
}

async function* unzstd(src: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  const { Decompress } = await import('fzstd');
  const out: Uint8Array[] = [];
  const d = new Decompress((chunk) => {
    out.push(chunk);
  });
  try {
    for await (const c of src) {
      d.push(c);
      while (out.length) yield out.shift()!;
    }
    d.push(new Uint8Array(0), true);
    while (out.length) yield out.shift()!;
  } catch (e) {
    if (e instanceof PcapkitError) throw e;
    throw new PcapkitError('ERR_DECOMPRESS', `zstd: ${(e as Error).message}`, { cause: e });
  }
}

async function* unxz(src: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  const { XzReadableStream } = await import('xz-decompress');
  const it = src[Symbol.asyncIterator]();
  const input = new ReadableStream<Uint8Array>({
    async pull(ctrl) {
      const r = await it.next();
      if (r.done) ctrl.close();
      else ctrl.enqueue(r.value);
    },
    async cancel() {
      await it.return?.();
    },
  });
  const reader = new XzReadableStream(input).getReader();
  try {
    for (;;) {
      const r = await reader.read();
      if (r.done) return;
      yield r.value;
    }
  } catch (e) {
    throw new PcapkitError('ERR_DECOMPRESS', `xz: ${(e as Error)?.message ?? String(e)}`, { cause: e });
  } finally {
    reader.releaseLock();
  }
}

async function* unlz4(src: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  try {
    yield* lz4Frames(src);
  } catch (e) {
    if (e instanceof PcapkitError) throw e;
    throw new PcapkitError('ERR_DECOMPRESS', (e as Error).message, { cause: e });
  }
}

const DECODERS: Partial<Record<Detected, (s: AsyncIterable<Uint8Array>) => AsyncIterable<Uint8Array>>> = {
  gzip: gunzip,
  zstd: unzstd,
  xz: unxz,
  lz4: unlz4,
};

export interface Unwrapped {
  readonly format: Detected;
  readonly compression: readonly Detected[];
  readonly chunks: AsyncIterable<Uint8Array>;
}

/** Strip compression layers until a capture magic shows; report what was found. */
export async function unwrap(src: AsyncIterable<Uint8Array>): Promise<Unwrapped> {
  const layers: Detected[] = [];
  let cur = src;
  for (let depth = 0; depth < 4; depth++) {
    const { head, rest } = await peek(cur, SNIFF_LEN);
    const kind = detect(head);
    const dec = DECODERS[kind];
    if (!dec) return { format: kind, compression: layers, chunks: rest };
    layers.push(kind);
    cur = dec(rest);
  }
  return { format: 'unknown', compression: layers, chunks: cur };
}
