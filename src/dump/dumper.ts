/**
 * Dumpers write reports: open once the capture header is known, write one batch at a time (honouring
 * backpressure), close in `finally` so a document is always terminated (PyPCAPKit #55). They live in
 * a registry value users extend: `defaultDumpers.with(csv)`, then `-f csv` or `-o out.csv` finds it.
 */
import { Buffer } from 'node:buffer';
import { once } from 'node:events';
import { closeSync, createWriteStream, mkdirSync, openSync } from 'node:fs';
import { basename, dirname, resolve, sep } from 'node:path';
import type { Writable } from 'node:stream';
import type { CaptureInfo } from '../capture/info.js';
import { PcapkitError } from '../core/errors.js';
import type { Frame } from '../core/frame.js';
import type { Registry } from '../core/registry.js';
import type { WarningCode } from '../core/warnings.js';

/** Where a report goes: a file, stdout, or any Node Writable. */
export interface Sink {
  /**
   * Resolves when the consumer is ready for more (backpressure); rejects on I/O errors (EPIPE…).
   * `written`, when given, is called once the chunk's memory is no longer needed (written out,
   * failed, or the sink closed), so the caller can reuse it (a parallel engine's shared slots).
   */
  write(chunk: string | Uint8Array, written?: () => void): void | Promise<void>;
  /** Flush and close (stdout is flushed, not closed). */
  end(): Promise<void>;
  readonly isTTY: boolean;
  /** The file path, when the sink is a file. */
  readonly path: string | undefined;
}

export interface DumperOptions {
  /** PCAP: nanosecond timestamps (default: as the input). */
  readonly nanosecond?: boolean;
  /** PCAP / PCAP-NG byte order (default: as the input for pcap, else little). */
  readonly byteOrder?: 'little' | 'big';
  /** PCAP-NG: a section comment. */
  readonly comment?: string;
  /** Tree: ANSI colours (the CLI sets it only on a TTY without NO_COLOR). */
  readonly color?: boolean;
  /** Include undissected bytes as hex (default true). */
  readonly bytes?: boolean;
  /** Frames only, no capture-level blocks (files mode writes those to their own files). */
  readonly headerless?: boolean;
}

export interface DumpContext {
  readonly registry: Registry;
  readonly options: DumperOptions;
  warn(code: WarningCode, message: string): void;
}

export interface Summary {
  readonly frames: number;
  readonly bytes: number;
  readonly elapsedMs: number;
  /** True when the run ended early (abort, error, EPIPE); the document is still closed. */
  readonly interrupted: boolean;
}

export interface Dumper {
  open(info: CaptureInfo): void | Promise<void>;
  write(frames: readonly Frame[]): void | Promise<void>;
  /** Frames already encoded elsewhere (a parallel engine's workers), in frame order; see `encoding`. */
  writeEncoded?(batch: EncodedBatch): void | Promise<void>;
  close(summary: Summary): Promise<void>;
}

/**
 * Frames encoded by workers: `records` holds one frame record per frame, record i spanning
 * `offsets[i]..offsets[i + 1]`. For 'ndjson' a record is the frame's JSON line (newline included);
 * for 'json' it is the frame's JSON object; for 'json-report' it is the JSON report's text for the
 * frame, `,\n"Frame N":` and the object (the report drops the comma before its first frame and adds
 * capture blocks).
 */
export interface EncodedBatch {
  readonly count: number;
  /** Frame numbers (`frame.n`). */
  readonly numbers: Float64Array;
  readonly records: Uint8Array;
  readonly offsets: Uint32Array;
  /**
   * Set when `records` is borrowed memory (a worker's shared output slot, reused for a later batch):
   * it stays valid until the next batch is asked for. A dumper that hands the bytes on beyond that
   * (to the sink, which writes them later) calls `keep()` and the function it returns once they
   * are written (`Sink.write`'s `written`).
   */
  readonly keep?: () => () => void;
}

/** Record encodings a worker can produce (the built-in JSON emitters of src/dump/fmt.ts). */
export type RecordEncoding = 'ndjson' | 'json' | 'json-report';

export interface DumperFactory {
  /** Format name for `-f`: 'json'. */
  readonly name: string;
  /** Default file extension, with the dot: '.json'. */
  readonly extension: string;
  /** Other names for `-f` (PyPCAPKit: xml → plist, txt → tree, cap → pcap). */
  readonly aliases?: readonly string[];
  /** Other extensions that infer this format from `-o`. */
  readonly extensions?: readonly string[];
  /** False when the dumper never reads layers (PCAP rewrite): the run may skip dissection. */
  readonly needsLayers?: boolean;
  /** Binary output (never written to a terminal by the CLI). */
  readonly binary?: boolean;
  /** The dumper accepts records pre-encoded this way through `writeEncoded` (parallel engines). */
  readonly encoding?: RecordEncoding;
  create(sink: Sink, ctx: DumpContext): Dumper;
}

export interface DumperRegistry {
  get(name: string): DumperFactory | undefined;
  /** The format an output path implies, by extension ('.json' → json). */
  byExtension(path: string): DumperFactory | undefined;
  names(): readonly string[];
  list(): readonly DumperFactory[];
  with(...more: DumperFactory[]): DumperRegistry;
}

export function createDumpers(list: readonly DumperFactory[]): DumperRegistry {
  const byName = new Map<string, DumperFactory>();
  const byExt = new Map<string, DumperFactory>();
  for (const d of list) {
    byName.set(d.name.toLowerCase(), d);
    for (const a of d.aliases ?? []) byName.set(a.toLowerCase(), d);
    for (const e of [d.extension, ...(d.extensions ?? [])]) byExt.set(e.toLowerCase(), d);
  }
  return Object.freeze({
    get: (n: string) => byName.get(n.toLowerCase()),
    byExtension: (path: string) => {
      const b = basename(path).toLowerCase();
      const dot = b.lastIndexOf('.');
      return dot > 0 ? byExt.get(b.slice(dot)) : undefined;
    },
    names: () => list.map((d) => d.name),
    list: () => list,
    with: (...more: DumperFactory[]) =>
      createDumpers([...list.filter((d) => !more.some((m) => m.name === d.name)), ...more]),
  });
}

/**
 * A sink over a Node Writable with backpressure; errors (EPIPE) reject the next write. `lends`: the
 * stream is done with a chunk's memory once its write callback runs (file streams, stdout), so
 * borrowed chunks (`Sink.write`'s `written`) go to it uncopied; other streams may keep chunks past
 * the callback (a PassThrough buffers them for its reader), so borrowed chunks are copied for them.
 */
export function streamSink(ws: Writable, opts: { path?: string; close?: boolean; lends?: boolean } = {}): Sink {
  let error: Error | undefined;
  ws.on('error', (e) => {
    error ??= e;
  });
  const check = () => {
    if (error !== undefined) throw ioError(error, opts.path);
  };
  const write = (chunk: string | Uint8Array): void | Promise<void> => {
    check();
    if (ws.write(chunk)) return;
    return waitDrain(ws).then(check);
  };
  return {
    isTTY: (ws as { isTTY?: boolean }).isTTY === true,
    path: opts.path,
    write(chunk, written) {
      if (written === undefined) return write(chunk);
      if (error !== undefined || opts.lends !== true) {
        const copy = typeof chunk === 'string' ? chunk : Buffer.from(chunk);
        written();
        return write(copy);
      }
      // Writable calls back once the chunk is written, or with an error when the stream fails or is
      // destroyed with it still queued: the memory is free either way.
      if (ws.write(chunk, () => written())) return;
      return waitDrain(ws).then(check);
    },
    async end() {
      if (error !== undefined) return;
      if (opts.close === false) {
        // stdout: flush what is queued, keep the descriptor open
        await new Promise<void>((res) => ws.write('', () => res()));
      } else {
        const done = once(ws, 'close').catch(() => {});
        ws.end();
        await done;
      }
      check();
    },
  };
}

function waitDrain(ws: Writable): Promise<void> {
  return new Promise((res) => {
    const done = () => {
      ws.off('drain', done);
      ws.off('error', done);
      ws.off('close', done);
      res();
    };
    ws.on('drain', done);
    ws.on('error', done);
    ws.on('close', done);
  });
}

export function ioError(e: Error, path: string | undefined): PcapkitError {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'EPIPE') return new PcapkitError('ERR_IO', 'output closed (EPIPE)', { cause: e });
  return new PcapkitError('ERR_IO', `cannot write ${path ?? 'output'}: ${e.message}`, { cause: e });
}

/** True for the error a closed pipe gives (`pcapkit … -o - | head`). */
export function isEpipe(e: unknown): boolean {
  let x: unknown = e;
  for (let i = 0; i < 4 && x; i++) {
    if ((x as NodeJS.ErrnoException).code === 'EPIPE') return true;
    x = (x as Error).cause;
  }
  return false;
}

/**
 * A file sink. The file is opened synchronously so a bad path fails at once with a clear message;
 * `exclusive` refuses to replace an existing file (files mode never clobbers silently).
 */
export function fileSink(path: string, opts: { exclusive?: boolean } = {}): Sink {
  let fd: number;
  try {
    mkdirSync(dirname(resolve(path)), { recursive: true });
    fd = openSync(path, opts.exclusive ? 'wx' : 'w');
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'EEXIST')
      throw new PcapkitError('ERR_EXISTS', `${path} exists; not overwriting it (remove it or pass overwrite)`, {
        cause: e,
      });
    throw new PcapkitError('ERR_IO', `cannot write ${path}: ${err.message}`, { cause: e });
  }
  try {
    const ws = createWriteStream(path, { fd, highWaterMark: 8 << 20 });
    return streamSink(ws, { path, lends: true });
  } catch (e) {
    closeSync(fd);
    throw e;
  }
}

export function stdoutSink(): Sink {
  const out = process.stdout as unknown as Writable;
  return streamSink(out, { close: false, lends: true });
}

/** Block names → safe file names: letters, digits, space, dot, dash, underscore; never a path. */
export function safeFileName(name: string): string {
  let s = name.replace(/[^A-Za-z0-9 ._-]/g, '_').replace(/^\.+/, '_');
  if (s === '' || s === '.' || s === '..') s = '_';
  return s.slice(0, 200);
}

/** `dir/name`, refusing anything that would land outside `dir`. */
export function insideDir(dir: string, name: string): string {
  const root = resolve(dir);
  const p = resolve(root, safeFileName(name));
  if (!p.startsWith(root + sep)) throw new PcapkitError('ERR_USAGE', `unsafe output name: ${name}`);
  return p;
}

/**
 * Files mode (PyPCAPKit's `files=True`): one report per frame in folder `dir`, named `Frame 1.json`
 * (capture-level blocks go to `Global Header.json` or `Section Header 1.json`…). Each file is a
 * complete document of the chosen format. An existing file is an error unless `overwrite`.
 */
export function filesDumper(
  factory: DumperFactory,
  dir: string,
  ctx: DumpContext,
  opts: { overwrite?: boolean } = {},
): Dumper & { readonly written: readonly string[] } {
  const written: string[] = [];
  let info: CaptureInfo | undefined;
  const inner = { ...ctx, options: { ...ctx.options, headerless: true, color: false } };
  const openFile = (name: string): Sink => {
    const p = insideDir(dir, `${name}${factory.extension}`);
    const s = fileSink(p, { exclusive: opts.overwrite !== true });
    written.push(p);
    return s;
  };
  return {
    written,
    async open(i) {
      info = i;
      mkdirSync(dir, { recursive: true });
      // The capture header as its own document (the full dumper writes only its blocks here).
      const sink = openFile(i.format === 'pcap' ? 'Global Header' : 'Capture Header');
      const d = factory.create(sink, ctx);
      try {
        await d.open(i);
      } finally {
        await d.close({ frames: 0, bytes: 0, elapsedMs: 0, interrupted: false });
        await sink.end();
      }
    },
    async write(frames) {
      for (const f of frames) {
        const sink = openFile(`Frame ${f.n}`);
        const d = factory.create(sink, inner);
        try {
          await d.open(info!);
          await d.write([f]);
        } finally {
          await d.close({ frames: 1, bytes: f.end - f.start, elapsedMs: 0, interrupted: false });
          await sink.end();
        }
      }
    },
    async close() {},
  };
}
