/**
 * readFrames(): the simplest way in. `for await (const frame of readFrames('x.pcapng', { signal }))`
 * dissects every frame; `.batches()` is the fast path (one await per chunk, DESIGN rule 9).
 */

import type { CaptureInfo } from '../capture/info.js';
import { type CaptureReader, type ReadOptions, readCapture, readCaptureSync } from '../capture/read.js';
import type { Input } from '../capture/source.js';
import { createDissector, type DissectOptions } from '../core/dissect.js';
import type { Frame } from '../core/frame.js';
import type { Registry } from '../core/registry.js';
import { defaultRegistry } from '../protocols/index.js';

export interface ReadFramesOptions extends ReadOptions, Partial<Omit<DissectOptions, 'registry'>> {
  readonly registry?: Registry;
  /** Stop after this many frames (like tshark -c). */
  readonly limit?: number;
}

export interface FrameStream extends AsyncIterable<Frame> {
  /** One batch of dissected frames per read chunk. */
  batches(): AsyncIterable<readonly Frame[]>;
  /** Resolves once the capture header is read. */
  readonly info: Promise<CaptureInfo>;
}

export function readFrames(input: Input, opts: ReadFramesOptions = {}): FrameStream {
  const reader: CaptureReader = readCapture(input, opts);
  const dissect = createDissector({ ...opts, registry: opts.registry ?? defaultRegistry });
  const limit = opts.limit ?? Number.POSITIVE_INFINITY;
  async function* batches(): AsyncGenerator<readonly Frame[]> {
    let n = 0;
    for await (const raw of reader.batches()) {
      const take = Math.min(raw.length, limit - n);
      const out: Frame[] = new Array(take);
      for (let i = 0; i < take; i++) out[i] = dissect(raw[i]);
      n += take;
      if (take > 0) yield out;
      if (n >= limit) return;
    }
  }
  return {
    info: reader.info,
    batches,
    [Symbol.asyncIterator]: () => perFrame(batches()),
  };
}

/**
 * Frame-at-a-time iteration over batches without an async generator per frame: frames of the current
 * batch come back as already-resolved results (about a third of a generator yield's cost), and only
 * the batch boundary awaits. `return()` (break) closes the source.
 */
export function perFrame<T>(src: AsyncGenerator<readonly T[]> | AsyncIterator<readonly T[]>): AsyncIterableIterator<T> {
  let batch: readonly T[] = [];
  let i = 0;
  const it: AsyncIterableIterator<T> = {
    next(): Promise<IteratorResult<T>> {
      if (i < batch.length) return Promise.resolve({ value: batch[i++], done: false });
      return (async () => {
        for (;;) {
          const r = await src.next();
          if (r.done) return { value: undefined, done: true } as IteratorResult<T>;
          batch = r.value;
          i = 0;
          if (batch.length) return { value: batch[i++], done: false };
        }
      })();
    },
    async return(): Promise<IteratorResult<T>> {
      batch = [];
      await src.return?.(undefined);
      return { value: undefined, done: true };
    },
    async throw(e: unknown): Promise<IteratorResult<T>> {
      await src.return?.(undefined);
      throw e;
    },
    [Symbol.asyncIterator]() {
      return it;
    },
  };
  return it;
}

/** Synchronous dissection of a plain capture file (the fast path for scripts and benchmarks). */
export function* readFramesSync(path: string, opts: ReadFramesOptions = {}): Generator<Frame> {
  const dissect = createDissector({ ...opts, registry: opts.registry ?? defaultRegistry });
  const limit = opts.limit ?? Number.POSITIVE_INFINITY;
  let n = 0;
  for (const raw of readCaptureSync(path, opts)) {
    for (const r of raw) {
      if (n++ >= limit) return;
      yield dissect(r);
    }
  }
}
