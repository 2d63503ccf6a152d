/**
 * The default engine: one thread, the reference. Read chunks → dissect every frame → one batch per
 * chunk (DESIGN rule 9).
 */
import { readCapture } from '../capture/read.js';
import type { Input } from '../capture/source.js';
import { createDissector } from '../core/dissect.js';
import type { Frame } from '../core/frame.js';
import type { Engine, EngineOptions, EngineRun } from './engine.js';

export const defaultEngine: Engine = {
  name: 'default',
  aliases: ['pcapkit'],
  description: 'single-threaded reader and dissector (the reference)',
  supports: new Set([
    'pcap',
    'pcapng',
    'compressed',
    'stdin',
    'stream',
    'registry',
    'stopAt',
    'details',
    'checksums',
    'reassembly',
    'trace',
  ]),
  open(input: Input, o: EngineOptions): EngineRun {
    const reader = readCapture(input, { handlers: o.registry, ...o.read, signal: o.signal });
    const dissect = createDissector(o);
    const limit = o.limit ?? Number.POSITIVE_INFINITY;
    async function* batches(): AsyncGenerator<readonly Frame[]> {
      let n = 0;
      if (limit <= 0) return;
      for await (const raw of reader.batches()) {
        const take = Math.min(raw.length, limit - n);
        const out: Frame[] = new Array(take);
        for (let i = 0; i < take; i++) out[i] = dissect(raw[i]);
        n += take;
        if (take > 0) yield out;
        if (n >= limit) return;
      }
    }
    return { info: reader.info, batches };
  },
};
