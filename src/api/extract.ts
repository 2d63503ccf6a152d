/**
 * extract(): the one call that turns a capture into frames and, when asked, a report. The pipeline
 * is composed here and only here (DESIGN §3.1):
 *
 *   engine.open(input) ──▶ stages (buildStages) ──▶ per batch: stats, strict, store, verbose, dump
 *
 * Lazy: nothing is read until `batches()`, iteration, `next()` or `run()`. `batches()` is the fast
 * path (one await per read chunk); `next()` / `for await` hand out one frame at a time (PyPCAPKit's
 * step mode; each frame is dumped as it is handed out). The report is closed in `finally`, so it is
 * a valid document after an error, a `break`, an abort or a closed pipe.
 */

import type { CaptureInfo } from '../capture/info.js';
import type { Input } from '../capture/source.js';
import { PcapkitError } from '../core/errors.js';
import type { Frame } from '../core/frame.js';
import { isStopping } from '../core/issue.js';
import { compose } from '../core/stage.js';
import {
  type DumpContext,
  type Dumper,
  fileSink,
  filesDumper,
  type Sink,
  type Summary,
  stdoutSink,
  streamSink,
} from '../dump/dumper.js';
import { Formatter } from '../dump/fmt.js';
import type { EncodedRun, Engine, EngineOptions, EngineRun, StreamRequest } from '../engines/engine.js';
import { buildStages, type RunResults, type StageContext } from '../stages/index.js';
import type { FlowInfo } from '../stages/trace.js';
import { defaultVerbose, type ExtractOptions, type ResolvedOptions, resolveOptions } from './options.js';

export interface ExtractStats {
  frames: number;
  /** Captured bytes of the frames. */
  bytes: number;
  /** Original (wire) bytes of the frames. */
  wireBytes: number;
  /** Raw input bytes read (compressed bytes for a compressed capture). */
  bytesRead: number;
  issues: number;
  issuesByKind: Record<string, number>;
  issuesByCode: Record<string, number>;
  /** Frames whose link type had no dissector, by link type. */
  unknownLinktypes: Record<number, number>;
  elapsedMs: number;
}

export interface Extraction extends AsyncIterable<Frame>, AsyncDisposable {
  /** The fast path: one batch of frames per read chunk. */
  batches(): AsyncGenerator<readonly Frame[], void, undefined>;
  /** Step mode: the next frame, or done at the end. */
  next(): Promise<IteratorResult<Frame, undefined>>;
  /** Run to the end (writing the report) and resolve with this extraction. */
  run(): Promise<Extraction>;
  /** Stop reading, close the input and the report. */
  close(): Promise<void>;
  /** Resolves once the capture header is read. */
  readonly capture: Promise<CaptureInfo>;
  /** The capture information once known. */
  readonly info: CaptureInfo | undefined;
  readonly format: 'pcap' | 'pcapng' | undefined;
  /** `2.4` for pcap, `1.0` for pcapng. */
  readonly version: string | undefined;
  readonly stats: Readonly<ExtractStats>;
  /** Frames handed out so far (PyPCAPKit's `length`). */
  readonly length: number;
  /** Stored frames; a usage error unless `store: true`. */
  readonly frames: readonly Frame[];
  readonly input: string;
  /** Report path ('-' for stdout, the folder in files mode), or undefined without a report. */
  readonly output: string | undefined;
  /** Report format name, or undefined without a report. */
  readonly outputFormat: string | undefined;
  /** Files written in files mode. */
  readonly files: readonly string[];
  readonly engine: Engine;
  /** Reassembled datagrams/streams by protocol (undefined unless reassembly is on). */
  readonly reassembly: RunResults['reassembly'] | undefined;
  /** Traced flows (undefined unless tracing is on). */
  readonly flows: readonly FlowInfo[] | undefined;
  /** Everything stages exposed. */
  readonly results: RunResults;
  readonly done: boolean;
  readonly options: ResolvedOptions;
}

type Mode = 'batches' | 'step' | 'run';

class ExtractionImpl implements Extraction {
  readonly options: ResolvedOptions;
  readonly stats: ExtractStats = {
    frames: 0,
    bytes: 0,
    wireBytes: 0,
    bytesRead: 0,
    issues: 0,
    issuesByKind: {},
    issuesByCode: {},
    unknownLinktypes: {},
    elapsedMs: 0,
  };
  readonly results: RunResults = { reassembly: {}, extra: {} };
  private readonly stored: Frame[] = [];
  private run_: EngineRun | undefined;
  private it: AsyncIterator<readonly Frame[]> | undefined;
  private info_: CaptureInfo | undefined;
  private captureResolve!: (i: CaptureInfo) => void;
  private captureReject!: (e: unknown) => void;
  readonly capture: Promise<CaptureInfo>;
  private dumper: Dumper | undefined;
  private sink: Sink | undefined;
  private opened = false;
  private finished = false;
  private finishing: Promise<void> | undefined;
  private started = 0;
  private buf: readonly Frame[] = [];
  private bi = 0;
  private mode: Mode | undefined;
  private running: Promise<Extraction> | undefined;
  private written: readonly string[] = [];
  private readonly verbose: ((f: Frame, x: unknown) => void) | undefined;
  private readonly abort = new AbortController();

  constructor(options: ResolvedOptions) {
    this.options = options;
    this.capture = new Promise<CaptureInfo>((res, rej) => {
      this.captureResolve = res;
      this.captureReject = rej;
    });
    this.capture.catch(() => {});
    if (options.verbose === defaultVerbose) {
      const fmt = new Formatter({ registry: options.registry });
      this.verbose = (f) => process.stderr.write(` - Frame ${String(f.n).padStart(3)}: ${fmt.chain(f)}\n`);
    } else this.verbose = options.verbose;
    if (options.signal) {
      if (options.signal.aborted) this.abort.abort(options.signal.reason);
      else options.signal.addEventListener('abort', () => this.abort.abort(options.signal!.reason), { once: true });
    }
    if (options.auto) {
      this.running = this.drive();
      this.running.catch(() => {});
    }
  }

  // ── properties
  get info() {
    return this.info_;
  }
  get format() {
    return this.info_?.format;
  }
  get version() {
    const i = this.info_;
    if (!i) return undefined;
    if (i.pcap) return `${i.pcap.versionMajor}.${i.pcap.versionMinor}`;
    const s = i.sections[0];
    return s ? `${s.versionMajor}.${s.versionMinor}` : undefined;
  }
  get length() {
    return this.stats.frames;
  }
  get frames(): readonly Frame[] {
    if (!this.options.store) throw new PcapkitError('ERR_USAGE', 'frames are not stored: pass { store: true }');
    return this.stored;
  }
  get input() {
    return this.options.inputName;
  }
  get output() {
    const o = this.options.output;
    return o.kind === 'file' ? o.path : o.kind === 'files' ? o.dir : o.kind === 'stdout' ? '-' : undefined;
  }
  get outputFormat() {
    return this.options.format?.name;
  }
  get files() {
    return this.written;
  }
  get engine() {
    return this.options.engine;
  }
  get reassembly() {
    const r = this.options.reassemble;
    return r.ipv4 || r.ipv6 || r.tcp ? this.results.reassembly : undefined;
  }
  get flows() {
    return this.options.trace ? (this.results.flows ?? []) : undefined;
  }
  get done() {
    return this.finished;
  }

  // ── lifecycle
  private claim(mode: Mode): void {
    if (this.options.auto && mode !== 'run')
      throw new PcapkitError(
        'ERR_USAGE',
        'this extraction runs by itself (auto: true); await run() instead of iterating',
      );
    if (this.mode !== undefined && this.mode !== mode && !(this.mode === 'step' && mode === 'batches'))
      throw new PcapkitError('ERR_USAGE', `this extraction is already being read (${this.mode})`);
    this.mode = mode;
  }

  private start(mode: Mode): AsyncIterator<readonly Frame[]> {
    if (this.it) return this.it;
    if (this.finished) throw new PcapkitError('ERR_USAGE', 'this extraction is closed');
    const o = this.options;
    this.started = performance.now();
    const ctx: StageContext = {
      registry: o.registry,
      signal: this.abort.signal,
      results: this.results,
      warn: (c, m) => o.warn(c, m),
    };
    const stages = buildStages(o, ctx);
    // A run that only rewrites frames (pcap → pcap, nothing reads layers) skips dissection.
    const raw =
      mode === 'run' &&
      o.format?.needsLayers === false &&
      o.output.kind !== 'files' &&
      !this.verbose &&
      !o.store &&
      !o.strict &&
      stages.length === 0;
    this.run_ = o.engine.open(o.input, this.engineOptions(raw));
    this.watchInfo(this.run_.info);
    const src = compose(stages)(this.run_.batches());
    this.it = src[Symbol.asyncIterator]();
    return this.it;
  }

  private engineOptions(raw: boolean): EngineOptions {
    const o = this.options;
    return {
      registry: o.registry,
      stopAt: raw ? { layer: 'none' } : o.stopAt,
      details: o.details,
      checksums: o.checksums,
      limit: o.limit,
      signal: this.abort.signal,
      read: { ...o.read, onRead: (n) => (this.stats.bytesRead += n) },
      warn: (c, m) => o.warn(c, m),
    };
  }

  private watchInfo(info: Promise<CaptureInfo>): void {
    info.then(
      (i) => {
        this.info_ = i;
        this.captureResolve(i);
      },
      (e) => this.captureReject(e),
    );
  }

  /**
   * The encoded route: an engine that dissects and encodes report records itself (the parallel
   * engines' workers) hands back bytes, not frames. Taken only when nothing else reads frames
   * (no stage, verbose, store or strict) and the report format accepts pre-encoded records.
   * Returns false when the route does not apply (the engine declined, e.g. a small input).
   */
  private async driveEncoded(): Promise<boolean> {
    const o = this.options;
    const f = o.format;
    const r = o.reassemble;
    if (f?.encoding === undefined || o.engine.openEncoded === undefined) return false;
    if (o.output.kind !== 'file' && o.output.kind !== 'stdout' && o.output.kind !== 'stream') return false;
    if (this.verbose || o.store || o.strict) return false;
    if (o.stages.length > 0) return false; // user stages read frames
    // The built-in stream stages can run on the encoded route (the server engine's workers); a
    // user implementation, datagram callbacks or trace callbacks and writers need frames here.
    const t = o.trace;
    if (t && (t.format !== 'pcap' || t.filter || t.onFlow || t.implementation)) return false;
    const wantStreams = r.ipv4 || r.ipv6 || r.tcp || o.flows || t !== false;
    if (wantStreams && (r.implementation !== undefined || r.callbacks.length > 0)) return false;
    let streams: StreamRequest | undefined;
    if (wantStreams) {
      // As buildStages() does: empty lists for what is asked, filled when `store` is on.
      const res = this.results.reassembly as StreamRequest['results'];
      if (r.ipv4) res.ipv4 = [];
      if (r.ipv6) res.ipv6 = [];
      if (r.tcp) res.tcp = [];
      streams = {
        ipv4: r.ipv4,
        ipv6: r.ipv6,
        tcp: r.tcp,
        strict: r.strict,
        store: r.store,
        results: res,
        trace: t
          ? {
              output: t.output,
              byteOrder: t.byteOrder,
              nanosecond: t.nanosecond,
              udp: t.udp,
              bidirectional: t.bidirectional,
              idleTimeout: t.idleTimeout,
              minPackets: t.minPackets,
            }
          : undefined,
        onFlows: (list) => {
          this.results.flows = list;
        },
      };
    }
    let run: EncodedRun | undefined;
    try {
      await o.engine.available?.();
      run = o.engine.openEncoded(o.input, this.engineOptions(false), {
        encoding: f.encoding,
        bytes: o.dump.bytes,
        streams,
      });
    } catch (e) {
      await this.finish(true);
      throw e;
    }
    if (run === undefined) return false;
    this.started = performance.now();
    this.run_ = { info: run.info, batches: () => ({ [Symbol.asyncIterator]: () => it }) as never };
    this.watchInfo(run.info);
    const it = run.batches();
    this.it = it as unknown as AsyncIterator<readonly Frame[]>;
    const s = this.stats;
    let complete = false;
    try {
      for (;;) {
        if (this.abort.signal.aborted) throw abortErr(this.abort.signal);
        const x = await it.next();
        if (x.done) break;
        const b = x.value;
        if (!this.opened) await this.openDumper();
        for (const [, kind, code, linktype] of b.issues) {
          s.issues++;
          s.issuesByKind[kind] = (s.issuesByKind[kind] ?? 0) + 1;
          s.issuesByCode[code] = (s.issuesByCode[code] ?? 0) + 1;
          if (code === 'frame.linktype_unknown') s.unknownLinktypes[linktype] = (s.unknownLinktypes[linktype] ?? 0) + 1;
        }
        s.frames += b.count;
        s.bytes += b.capBytes;
        s.wireBytes += b.wireBytes;
        const d = this.dumper;
        if (d !== undefined && b.count > 0) {
          if (d.writeEncoded === undefined)
            throw new PcapkitError('ERR_USAGE', `format '${f.name}' declares encoding but has no writeEncoded()`);
          await d.writeEncoded(b);
        }
        s.elapsedMs = performance.now() - this.started;
        o.onProgress?.({ bytesRead: s.bytesRead, frames: s.frames, elapsedMs: s.elapsedMs });
      }
      complete = true;
    } finally {
      if (!complete) await this.finish(true);
    }
    await this.finish(false);
    return true;
  }

  private dumpContext(): DumpContext {
    const o = this.options;
    return { registry: o.registry, options: o.dump, warn: (c, m) => o.warn(c, m) };
  }

  private async openDumper(): Promise<void> {
    if (this.opened) return;
    this.opened = true;
    const o = this.options;
    const f = o.format;
    if (!f || o.output.kind === 'none') return;
    const info = this.info_ ?? (await this.run_!.info);
    this.info_ = info;
    const ctx = this.dumpContext();
    switch (o.output.kind) {
      case 'files': {
        const d = filesDumper(f, o.output.dir, ctx, { overwrite: o.overwrite });
        this.written = d.written;
        this.dumper = d;
        break;
      }
      case 'file':
        this.sink = fileSink(o.output.path);
        break;
      case 'stdout':
        this.sink = stdoutSink();
        break;
      case 'stream':
        this.sink = streamSink(o.output.stream, { close: false });
        break;
    }
    if (this.sink) this.dumper = f.create(this.sink, ctx);
    await this.dumper!.open(info);
  }

  /** The next batch from the pipeline, or undefined at the end; closes everything on error. */
  private async pull(mode: Mode): Promise<readonly Frame[] | undefined> {
    let r: IteratorResult<readonly Frame[]>;
    try {
      // An engine whose dependency is missing says so before anything is read.
      if (!this.it) await this.options.engine.available?.();
      const it = this.start(mode);
      if (this.abort.signal.aborted) throw abortErr(this.abort.signal);
      r = await it.next();
      if (!r.done && !this.opened) await this.openDumper();
    } catch (e) {
      await this.finish(true);
      throw e;
    }
    if (r.done) {
      await this.finish(false);
      return undefined;
    }
    return r.value;
  }

  /** Per-frame side effects, in order: stats, strict, store, verbose, report. */
  private async deliver(frames: readonly Frame[]): Promise<void> {
    const o = this.options;
    const s = this.stats;
    let bad = -1;
    for (let i = 0; i < frames.length; i++) {
      const f = frames[i];
      const iss = f.issues;
      if (iss.length > 0) {
        for (const x of iss) {
          s.issues++;
          s.issuesByKind[x.kind] = (s.issuesByKind[x.kind] ?? 0) + 1;
          s.issuesByCode[x.code] = (s.issuesByCode[x.code] ?? 0) + 1;
          if (x.code === 'frame.linktype_unknown')
            s.unknownLinktypes[f.linktype] = (s.unknownLinktypes[f.linktype] ?? 0) + 1;
          if (o.strict && bad < 0 && isStopping(x)) bad = i;
        }
      }
      if (bad >= 0) break;
      s.frames++;
      s.bytes += f.end - f.start;
      s.wireBytes += f.origLen;
    }
    const good = bad >= 0 ? frames.slice(0, bad) : frames;
    if (o.store) for (const f of good) this.stored.push(f);
    if (this.verbose) for (const f of good) this.verbose(f, this);
    if (this.dumper && good.length > 0) await this.dumper.write(good);
    s.elapsedMs = performance.now() - this.started;
    o.onProgress?.({ bytesRead: s.bytesRead, frames: s.frames, elapsedMs: s.elapsedMs });
    if (bad >= 0) {
      const f = frames[bad];
      const x = f.issues.find(isStopping)!;
      throw new PcapkitError('ERR_STRICT', `frame ${f.n}: ${x.kind} ${x.code}`);
    }
  }

  /** Close the source and the report exactly once. */
  private finish(interrupted: boolean): Promise<void> {
    this.finishing ??= this.doFinish(interrupted);
    return this.finishing;
  }

  private async doFinish(interrupted: boolean): Promise<void> {
    this.finished = true;
    this.stats.elapsedMs = this.started ? performance.now() - this.started : 0;
    let err: unknown;
    if (interrupted && this.it?.return) {
      try {
        await this.it.return();
      } catch (e) {
        err = e;
      }
    }
    try {
      // A capture whose header was read gets its (possibly frameless) report even after an error.
      if (!this.opened && this.options.format && this.run_) {
        const info = await Promise.race([
          this.run_.info.catch(() => undefined),
          new Promise<undefined>((r) => setImmediate(() => r(undefined))),
        ]);
        if (info) {
          this.info_ = info;
          await this.openDumper().catch((e) => {
            err ??= e;
          });
        }
      }
      if (this.dumper) {
        const summary: Summary = {
          frames: this.stats.frames,
          bytes: this.stats.bytes,
          elapsedMs: this.stats.elapsedMs,
          interrupted,
        };
        try {
          await this.dumper.close(summary);
        } finally {
          await this.sink?.end();
        }
      }
    } catch (e) {
      err ??= e;
    }
    if (err !== undefined && !interrupted) throw err;
  }

  // ── reading
  async *batches(): AsyncGenerator<readonly Frame[], void, undefined> {
    this.claim(this.mode === 'step' ? 'step' : 'batches');
    let complete = false;
    try {
      if (this.bi < this.buf.length) {
        const rest = this.buf.slice(this.bi);
        this.buf = [];
        this.bi = 0;
        await this.deliver(rest);
        yield rest;
      }
      for (;;) {
        const b = await this.pull('batches');
        if (b === undefined) {
          complete = true;
          return;
        }
        await this.deliver(b);
        yield b;
      }
    } finally {
      if (!complete) await this.finish(true);
    }
  }

  async next(): Promise<IteratorResult<Frame, undefined>> {
    this.claim('step');
    if (this.bi >= this.buf.length) {
      if (this.finished) return { done: true, value: undefined };
      const b = await this.pull('step');
      if (b === undefined) return { done: true, value: undefined };
      this.buf = b;
      this.bi = 0;
      if (b.length === 0) return this.next();
    }
    const f = this.buf[this.bi++];
    try {
      await this.deliver([f]);
    } catch (e) {
      await this.finish(true);
      throw e;
    }
    return { done: false, value: f };
  }

  [Symbol.asyncIterator](): AsyncIterator<Frame, undefined> {
    this.claim('step');
    return {
      next: () => this.next(),
      return: async () => {
        await this.close();
        return { done: true, value: undefined };
      },
    };
  }

  private async drive(): Promise<Extraction> {
    this.claim('run');
    if (await this.driveEncoded()) return this;
    let complete = false;
    try {
      for (;;) {
        const b = await this.pull('run');
        if (b === undefined) break;
        await this.deliver(b);
      }
      complete = true;
    } finally {
      if (!complete) await this.finish(true);
    }
    return this;
  }

  run(): Promise<Extraction> {
    this.running ??= this.drive();
    return this.running;
  }

  async close(): Promise<void> {
    if (!this.it && !this.finished) {
      // never started: nothing to close, no report
      this.finished = true;
      return;
    }
    await this.finish(true);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

function abortErr(signal: AbortSignal): PcapkitError {
  return new PcapkitError('ERR_ABORTED', 'the read was aborted', { cause: signal.reason });
}

/**
 * Read a capture: `extract('in.pcapng', { stopAt: { layer: 'transport' } })`; with `output` or
 * `format`, a report is written as frames are read (`await extract(x, { output: 'out.json' }).run()`).
 */
export function extract(input?: Input, options?: ExtractOptions): Extraction;
export function extract(options: ExtractOptions & { readonly input?: Input }): Extraction;
export function extract(a?: Input | ExtractOptions, b: ExtractOptions = {}): Extraction {
  if (a !== undefined && isOptions(a)) return new ExtractionImpl(resolveOptions(a.input, a));
  return new ExtractionImpl(resolveOptions((a as Input | undefined) ?? b.input, b));
}

function isOptions(x: unknown): x is ExtractOptions {
  return (
    typeof x === 'object' &&
    x !== null &&
    !(x instanceof Uint8Array) &&
    !(x instanceof URL) &&
    !(Symbol.asyncIterator in x) &&
    !(Symbol.iterator in x) &&
    typeof (x as { getReader?: unknown }).getReader !== 'function' &&
    typeof (x as { pipe?: unknown }).pipe !== 'function'
  );
}
