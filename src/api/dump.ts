/**
 * dump(): write frames from an extraction (or any batch source) as a report, without going through
 * extract()'s own output options: `await dump(extract('in.pcap'), { format: 'json', output: 'out.json' })`.
 */
import type { Writable } from 'node:stream';
import type { CaptureInfo } from '../capture/info.js';
import { FormatError } from '../core/errors.js';
import type { Frame } from '../core/frame.js';
import type { Registry } from '../core/registry.js';
import { type WarningHandler, warn } from '../core/warnings.js';
import {
  type DumperFactory,
  type DumperOptions,
  type DumperRegistry,
  fileSink,
  type Sink,
  type Summary,
  stdoutSink,
  streamSink,
} from '../dump/dumper.js';
import { defaultDumpers } from '../dump/index.js';
import { defaultRegistry } from '../protocols/index.js';
import type { Extraction } from './extract.js';

export interface DumpOptions extends DumperOptions {
  readonly format?: string | DumperFactory;
  /** A path, '-' for stdout, or a Writable. */
  readonly output: string | NodeJS.WritableStream;
  readonly registry?: Registry;
  readonly dumpers?: DumperRegistry;
  /** Capture information when `src` is not an extraction (default: a plain Ethernet pcap). */
  readonly info?: CaptureInfo;
  readonly onWarning?: WarningHandler;
}

const PLAIN_INFO: CaptureInfo = { format: 'pcap', compression: [], sections: [], blocks: [], droppedBlocks: 0 };

export async function dump(src: Extraction | AsyncIterable<readonly Frame[]>, o: DumpOptions): Promise<Summary> {
  const dumpers = o.dumpers ?? defaultDumpers;
  const out = o.output;
  let f: DumperFactory | undefined =
    typeof o.format === 'object' ? o.format : o.format !== undefined ? dumpers.get(o.format) : undefined;
  if (o.format !== undefined && !f) throw new FormatError(`unknown format '${String(o.format)}'`);
  if (!f && typeof out === 'string' && out !== '-') f = dumpers.byExtension(out);
  if (!f) throw new FormatError('dump() needs a format, or an output name with a known extension');
  const ex = 'batches' in src && 'capture' in src ? (src as Extraction) : undefined;
  const registry = o.registry ?? ex?.options.registry ?? defaultRegistry;
  const ctx = { registry, options: o, warn: (c: string, m: string) => warn(o.onWarning, c, m) };
  const started = performance.now();
  let frames = 0;
  let bytes = 0;
  let sink: Sink | undefined;
  let dumper: ReturnType<DumperFactory['create']> | undefined;
  let interrupted = true;
  // Sink and dumper open with the first batch, or at the end for a run without frames.
  const open = async (info: CaptureInfo) => {
    sink =
      typeof out === 'string'
        ? out === '-'
          ? stdoutSink()
          : fileSink(out)
        : streamSink(out as unknown as Writable, { close: false });
    const d = f.create(sink, ctx);
    dumper = d; // set before open(): a failed open is still closed in `finally`
    await d.open(info);
    return d;
  };
  try {
    const it: AsyncIterable<readonly Frame[]> = ex ? ex.batches() : (src as AsyncIterable<readonly Frame[]>);
    for await (const batch of it) {
      const d = dumper ?? (await open(ex ? await ex.capture : (o.info ?? PLAIN_INFO)));
      await d.write(batch);
      frames += batch.length;
      for (const fr of batch) bytes += fr.end - fr.start;
    }
    interrupted = false;
  } finally {
    if (!dumper && !interrupted) {
      const info = ex ? await ex.capture.catch(() => undefined) : (o.info ?? PLAIN_INFO);
      if (info) {
        await open(info);
      }
    }
    const summary: Summary = { frames, bytes, elapsedMs: performance.now() - started, interrupted };
    if (dumper) {
      try {
        await dumper.close(summary);
      } finally {
        await sink?.end();
      }
    }
  }
  return { frames, bytes, elapsedMs: performance.now() - started, interrupted: false };
}
