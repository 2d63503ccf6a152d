/**
 * Per-flow files in any report format (PyPCAPKit's trace_format json/plist/tree): a flow tracer
 * writer over a dumper. The tracer writes synchronously, so the dumper gets a synchronous file sink;
 * dumpers may still be async, so each file's calls are chained and `settled()` waits for them all.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import type { CaptureInfo } from '../capture/info.js';
import type { Registry } from '../core/registry.js';
import type { WarningCode } from '../core/warnings.js';
import type { TraceWriterFactory } from '../stages/trace.js';
import type { DumperOptions, DumperRegistry, Sink } from './dumper.js';

function syncFileSink(path: string): Sink {
  const fd = openSync(path, 'w');
  let open = true;
  return {
    isTTY: false,
    path,
    write(chunk) {
      writeSync(fd, typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk);
    },
    async end() {
      if (open) closeSync(fd);
      open = false;
    },
  };
}

function infoFor(linktype: number): CaptureInfo {
  return {
    format: 'pcap',
    compression: [],
    pcap: {
      magic: 0xa1b2c3d4,
      byteOrder: 'little',
      nanosecond: true,
      modified: false,
      versionMajor: 2,
      versionMinor: 4,
      thiszone: 0,
      sigfigs: 0,
      snaplen: 262144,
      linktype,
      network: linktype,
      fcsLen: 0,
    },
    sections: [],
    blocks: [],
    droppedBlocks: 0,
  };
}

export interface DumperTraceWriters {
  readonly writers: Record<string, TraceWriterFactory>;
  /** Resolves when every flow file written so far is complete. */
  settled(): Promise<void>;
}

/** A trace writer for every dumper in the registry except pcap (the tracer's own writer does pcap). */
export function dumperTraceWriters(
  dumpers: DumperRegistry,
  registry: Registry,
  options: DumperOptions,
  warn: (code: WarningCode, message: string) => void,
): DumperTraceWriters {
  const pending = new Set<Promise<unknown>>();
  const writers: Record<string, TraceWriterFactory> = {};
  for (const d of dumpers.list()) {
    if (d.name === 'pcap') continue;
    const factory: TraceWriterFactory = {
      ext: d.extension,
      open(path, info) {
        const dumper = d.create(syncFileSink(path), { registry, options: { ...options, color: false }, warn });
        let chain: Promise<unknown> = Promise.resolve(dumper.open(infoFor(info.linktype)));
        const track = () => {
          const p = chain;
          pending.add(p);
          p.then(
            () => pending.delete(p),
            () => pending.delete(p),
          );
        };
        track();
        let frames = 0;
        let bytes = 0;
        const started = performance.now();
        return {
          write(packets) {
            const fr = packets.map((p) => p.frame);
            frames += fr.length;
            for (const f of fr) bytes += f.end - f.start;
            chain = chain.then(() => dumper.write(fr));
            track();
          },
          close() {
            chain = chain.then(() =>
              dumper.close({ frames, bytes, elapsedMs: performance.now() - started, interrupted: false }),
            );
            track();
          },
        };
      },
    };
    writers[d.name] = factory;
    for (const a of d.aliases ?? []) writers[a] = factory;
  }
  return {
    writers,
    async settled() {
      while (pending.size > 0) await Promise.all([...pending]);
    },
  };
}
