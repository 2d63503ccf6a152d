/**
 * Example: an engine of your own that wraps another one. An engine turns an input into batches of
 * dissected frames and declares what it supports (asking for something it cannot do is a usage
 * error at the start, never a silent empty run). This one delegates to the default engine, keeps
 * only the frames a predicate accepts, and counts what it saw.
 *
 * As a library: `extract(input, { engines: defaultEngines.with(udpOnly), engine: 'udp-only' })`, or
 * `engine: wrapEngine(defaultEngine, {...})` directly.
 * As a CLI plugin: `pcapkit --plugin ./examples/wrapping-engine.ts -E udp-only capture.pcap`.
 */
import {
  defaultEngine,
  type Engine,
  type EngineOptions,
  type EngineRun,
  type Extensions,
  type Frame,
  find,
  type Input,
} from '../src/index.js';

export interface EngineCounts {
  /** Frames the inner engine produced. */
  seen: number;
  /** Frames handed on. */
  kept: number;
}

export interface WrapOptions {
  readonly name: string;
  readonly description?: string;
  /** Keep a frame (default: every frame). */
  readonly keep?: (frame: Frame) => boolean;
  /** Called once per run when the input is done (or the run stopped), with the counts. */
  readonly onEnd?: (counts: Readonly<EngineCounts>) => void;
}

/** An engine that runs `inner` and filters/counts its frames. It supports what `inner` supports. */
export function wrapEngine(inner: Engine, o: WrapOptions): Engine {
  return {
    name: o.name,
    description: o.description ?? `${inner.name}, wrapped`,
    supports: inner.supports,
    available: inner.available ? () => inner.available!() : undefined,
    open(input: Input, opts: EngineOptions): EngineRun {
      const run = inner.open(input, opts);
      const counts: EngineCounts = { seen: 0, kept: 0 };
      async function* batches(): AsyncGenerator<readonly Frame[]> {
        try {
          for await (const batch of run.batches()) {
            counts.seen += batch.length;
            const out = o.keep ? batch.filter(o.keep) : batch;
            counts.kept += out.length;
            if (out.length > 0) yield out;
          }
        } finally {
          o.onEnd?.(counts);
        }
      }
      return { info: run.info, batches };
    },
  };
}

/** Keeps only frames with a UDP layer; reports its counts on stderr. */
export const udpOnly: Engine = wrapEngine(defaultEngine, {
  name: 'udp-only',
  description: 'the default engine, keeping only frames that carry UDP',
  keep: (f) => find(f, 'udp') !== undefined,
  onEnd: (c) => process.stderr.write(`udp-only: kept ${c.kept} of ${c.seen} frames\n`),
});

/** Plugin entry: `--plugin ./examples/wrapping-engine.ts`, then `-E udp-only`. */
export default function register(ext: Extensions): Partial<Extensions> {
  return { engines: ext.engines.with(udpOnly) };
}
