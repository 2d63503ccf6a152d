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
    async *[Symbol.asyncIterator]() {
      for await (const batch of batches()) yield* batch;
    },
  };
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
