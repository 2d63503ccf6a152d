/**
 * The parallel engines, `pipeline` and `server` (PyPCAPKit's multiprocessing strategies), on
 * worker_threads. The main thread reads each chunk of the file straight into a free shared slot of
 * a worker and frames its records (cheap: src/capture/read.ts), so a job is the chunk as it lies
 * plus a table of record offsets (chunks read elsewhere, when no slot was free, are packed into
 * one by copying); the worker dissects AND encodes the report records
 * (the same emitters as the default engine, so NDJSON is byte-for-byte the same) straight into the
 * slot's output; the main thread hands those bytes to the sink in frame order, uncopied, and the
 * slot takes a new job only once the sink has written them (`EncodedBatch.keep`). The main thread
 * also encodes a share of the batches itself, in the chunk's slot, whenever every worker has two
 * queued, so both cores stay busy.
 *
 * Routes, cheapest correct one first:
 * - report (ndjson/json) with no stage, no verbose/store/strict, the built-in registry, a plain
 *   capture file of at least `minBytes`: parallel (`openEncoded`).
 * - anything else (frames handed to the caller, reassembly/trace stages, user registries, small or
 *   non-file inputs): the default engine's single-threaded path. Handing Frame objects back from
 *   workers costs about as much as dissecting them (structured clone), so no parallel route wins
 *   there; the run says so with a W_ENGINE_FEATURE warning instead of being silently slower.
 *
 * `server` differs from `pipeline` with the built-in stream stages (IP/TCP reassembly, flow numbering)
 * on an ndjson/json report: they run in the workers too, each flow routed to one worker by a
 * symmetric hash of its address pair (parallel/server.ts). Tracing, user reassembly and
 * datagram callbacks still take the single-threaded route on both.
 */
import { statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { isPlainCaptureFile, readCapture } from '../capture/read.js';
import type { Input } from '../capture/source.js';
import type { RawFrame } from '../core/frame.js';
import { defaultRegistry } from '../protocols/index.js';
import { defaultEngine } from './default.js';
import type { EncodedFrames, EncodedRun, EncodeRequest, Engine, EngineOptions, EngineRun } from './engine.js';
import {
  createEncoder,
  type Encoder,
  type Job,
  type JobConfig,
  type JobResult,
  M_END,
  M_FCS,
  M_HASTS,
  M_IFACE,
  M_LINK,
  M_N,
  M_NSEC,
  M_ORIG,
  M_SEC,
  M_SECTION,
  M_START,
  META,
  SLOT_FRAMES,
} from './parallel/encode.js';
import { type Target, WorkerPool } from './parallel/pool.js';
import { streamsRun } from './parallel/server.js';

export interface ParallelOptions {
  readonly strategy: 'pipeline' | 'server';
  /** Worker threads (default: available cores − 1, at least 1; the main thread takes a share too). */
  readonly workers?: number;
  /** Inputs smaller than this use the single-threaded path (default 4 MiB). */
  readonly minBytes?: number;
  /** Captured bytes per job (default 1 MiB). */
  readonly batchBytes?: number;
  /**
   * Shared job slots per worker (default 10): chunks being read, and jobs queued or answered but
   * not yet written out, use one each; more fall back to buffers of their own, copied.
   */
  readonly slots?: number;
  /** Let the main thread encode batches when all workers are busy (default true). */
  readonly mainShare?: boolean;
  /**
   * Keep the workers (idle, not holding the process open) for the next run instead of starting new
   * ones each time; `close()` ends them. Runs that fail or are aborted still terminate them.
   */
  readonly keepAlive?: boolean;
}

/** A parallel engine; `close()` ends workers kept alive between runs (`keepAlive`). */
export interface ParallelEngine extends Engine {
  close(): Promise<void>;
  /** Workers kept idle for the next run. */
  keptWorkers(): number;
}

const FEATURES = defaultEngine.supports;

export function createParallelEngine(p: ParallelOptions): ParallelEngine {
  const name = p.strategy;
  const minBytes = p.minBytes ?? 4 << 20;
  const batchBytes = p.batchBytes ?? 1 << 20;
  const mainShare = p.mainShare !== false;
  const workers = () => p.workers ?? Math.max(1, availableParallelism() - 1);
  // With stream stages the main thread cannot take a share (the flows live in workers): at least two.
  const streamWorkers = () => p.workers ?? Math.max(2, availableParallelism() - 1);
  let kept: WorkerPool | undefined;
  const pools: PoolSource = {
    get(n = workers()) {
      if (p.keepAlive && kept?.usable && kept.size === n) {
        const k = kept;
        kept = undefined; // one run at a time owns it
        return k;
      }
      return new WorkerPool(n, name, p.slots);
    },
    async put(pool, ok) {
      if (p.keepAlive && ok && pool.usable && kept === undefined) kept = pool;
      else await pool.terminate();
    },
  };

  /** Whether this input is worth the workers. */
  function big(input: Input): boolean {
    const path = pathOf(input);
    if (path === undefined || !isPlainCaptureFile(path)) return false;
    try {
      return statSync(path).size >= minBytes;
    } catch {
      return false;
    }
  }

  return {
    name,
    description:
      name === 'pipeline'
        ? 'worker threads dissect and encode reports; stages run in frame order on the main thread'
        : 'worker threads dissect and encode reports; reassembly and flow numbering in workers too, flows routed by address pair',
    supports: FEATURES,
    open(input: Input, o: EngineOptions): EngineRun {
      const stream = o.warn === undefined ? undefined : streamed(input, minBytes);
      if (stream !== undefined)
        o.warn!(
          'W_ENGINE_FEATURE',
          `engine '${name}' reads ${stream} single-threaded; it is parallel for plain pcap/pcapng files`,
        );
      else if (o.warn && big(input)) {
        const why =
          o.registry !== defaultRegistry
            ? 'a user registry or decode-as rules'
            : name === 'server'
              ? 'frames handed to the caller, trace, reassembly callbacks, verbose, store, strict, or reassembly/flows on fewer than 3 cores'
              : 'frames handed to the caller, reassembly/trace, verbose, store or strict';
        o.warn(
          'W_ENGINE_FEATURE',
          `engine '${name}' runs single-threaded for ${why}; it is parallel only for ndjson/json reports`,
        );
      }
      return defaultEngine.open(input, o);
    },
    openEncoded(input: Input, o: EngineOptions, enc: EncodeRequest): EncodedRun | undefined {
      if (o.registry !== defaultRegistry || !big(input)) return undefined;
      if (enc.streams !== undefined) {
        // Reassembly and flow numbering in workers: the server strategy only (pipeline keeps them on
        // the main thread, single-threaded).
        if (name !== 'server') return undefined;
        // Measured on 2 cores (12k connections): flows in workers ran at 0.81x the default engine
        // (routing, number exchange and the end-of-input merge cost more than they save), so with
        // fewer than 3 cores the stages stay single-threaded unless the caller sets `workers`.
        if (p.workers === undefined && availableParallelism() < 3) return undefined;
        const n = streamWorkers();
        return streamsRun(pathOf(input)!, o, enc, enc.streams, {
          workers: n,
          batchBytes,
          pool: () => pools.get(n),
          done: (pool, ok) => pools.put(pool, ok),
        });
      }
      return encodedRun(pathOf(input)!, o, enc, {
        name,
        workers: workers(),
        pools,
        batchBytes,
        mainShare,
      });
    },
    keptWorkers: () => kept?.size ?? 0,
    async close() {
      const k = kept;
      kept = undefined;
      await k?.terminate();
    },
  };
}

/**
 * What makes a run single-threaded before any option does: stdin and streams (one reader, no file
 * to share out), or a compressed capture of at least `minBytes` (one decompression stream). Small
 * files are not worth the workers and say nothing.
 */
function streamed(input: Input, minBytes: number): string | undefined {
  if (input === '-') return 'stdin';
  const path = pathOf(input);
  if (path === undefined) return input instanceof Uint8Array ? 'bytes in memory' : 'streams';
  if (isPlainCaptureFile(path)) return undefined;
  try {
    const st = statSync(path);
    return st.isFile() && st.size >= minBytes ? 'compressed captures' : undefined;
  } catch {
    return undefined;
  }
}

/** The file an input names (a path or a file: URL), if it names one. */
function pathOf(input: Input): string | undefined {
  if (typeof input === 'string') return input === '-' ? undefined : input;
  if (input instanceof URL && input.protocol === 'file:') return fileURLToPath(input);
  return undefined;
}

interface PoolSource {
  get(n?: number): WorkerPool;
  put(pool: WorkerPool, ok: boolean): Promise<void>;
}

interface RunConfig {
  readonly name: string;
  readonly pools: PoolSource;
  readonly workers: number;
  readonly batchBytes: number;
  readonly mainShare: boolean;
}

function encodedRun(path: string, o: EngineOptions, enc: EncodeRequest, rc: RunConfig): EncodedRun {
  // Chunks are read into free worker slots where there is one (`lend`): such a chunk is a job as
  // it stands. Into the reader's own buffers otherwise, whose records are copied out (or encoded)
  // before the next chunk is asked for: those buffers can be reused.
  // Read chunks of a batch each: a batch never spans two reads (see below), so smaller chunks
  // would mean more, smaller jobs (each a message, a wake-up and a sink write).
  let lend: ((bytes: number) => Uint8Array | undefined) | undefined;
  const reader = readCapture(path, {
    handlers: o.registry,
    chunkSize: Math.max(rc.batchBytes, 1 << 16),
    ...o.read,
    signal: o.signal,
    reuseBuffers: true,
    buffer: (bytes) => lend?.(bytes),
  });
  const limit = o.limit ?? Number.POSITIVE_INFINITY;
  const cfg: JobConfig = {
    stopAt: o.stopAt,
    details: o.details === true,
    checksums: o.checksums === true,
    encoding: enc.encoding,
    bytes: enc.bytes,
  };

  async function* batches(): AsyncGenerator<EncodedFrames, void, undefined> {
    if (limit <= 0) return;
    const pool = rc.pools.get();
    const key = JSON.stringify(cfg);
    let ok = false;
    let local: Encoder | undefined;
    // Jobs in frame order: the FIFO is answered front to back whatever order workers finish in.
    const fifo: Entry[] = [];
    const maxAhead = rc.workers * 8 + 8;
    const split = rc.batchBytes + (rc.batchBytes >> 1);
    let seq = 0;
    let n = 0;
    let pending: RawFrame[] = [];
    let pendingBytes = 0;
    let pcapng = false;
    let infoKnown = false;
    // The main thread's output buffers, reused once the sink has written them (as worker slots
    // are): fresh multi-megabyte buffers per batch cost page faults and external-memory GCs.
    const outputs: Uint8Array[] = [];
    // A batch of up to 1.5 × batchBytes encodes to about 4.5 × batchBytes of NDJSON with bytes.
    const localOut = Math.max(1 << 16, rc.batchBytes * 8);
    const leases = new Leases(pool, outputs);
    // A dumper of bare 'json' records copies each one out (see finish()); the others write slots whole.
    const copySlots = enc.encoding === 'json';
    // Slots lent to the reader, oldest first. A chunk's batch claims its slot; slots of chunks read
    // before it without one (no frames, or a record merged into a buffer of its own) are free again.
    const lent: Target[] = [];
    lend = (bytes) => {
      const t = pool.lend(bytes);
      if (t === undefined) return undefined;
      lent.push(t);
      return t.input.subarray(0, bytes);
    };
    const claim = (view: Uint8Array): Target | undefined => {
      for (let i = 0; i < lent.length; i++) {
        if (!pool.holds(lent[i], view)) continue;
        for (let j = 0; j < i; j++) pool.release(lent[j]);
        const t = lent[i];
        lent.splice(0, i + 1);
        return t;
      }
      return undefined;
    };
    // A whole chunk read into slot `t`: one job, encoded by the main thread or t's worker in place.
    const dispatchInSlot = (raws: readonly RawFrame[], t: Target) => {
      if (rc.mainShare && pool.minLoad >= 2) {
        local ??= createEncoder(cfg);
        const r = local.frames(raws, pcapng, pool.output(t), pool.inPlace(t, raws[0].bytes.u8));
        fifo.push(entry(jobMeta(raws), Promise.resolve(r), t, undefined));
      } else {
        const { job, meta } = describe(seq++, raws, pcapng, cfg, key, t);
        fifo.push(entry(meta, pool.submit(job, t), t, undefined));
      }
    };

    const dispatch = () => {
      if (rc.mainShare && pool.minLoad >= 2) {
        // Every worker has a job queued: the main thread encodes this one itself, from the read
        // buffer (nothing packed or copied).
        local ??= createEncoder(cfg);
        const buf = outputs.pop() ?? new Uint8Array(localOut);
        const r = local.frames(pending, pcapng, buf);
        if (r.out !== undefined) outputs.push(buf); // did not fit: the records have a buffer of their own
        fifo.push(entry(jobMeta(pending), Promise.resolve(r), undefined, r.out === undefined ? buf : undefined));
      } else {
        let target: Target | undefined;
        const { job, meta } = pack(seq++, pending, pcapng, cfg, key, (bytes, frames) => {
          target = pool.acquire(bytes, frames);
          if (target !== undefined) return { u8: target.input, m: target.meta, slot: target.slot };
          return { u8: new Uint8Array(bytes), m: new Float64Array(frames * META), slot: undefined };
        });
        fifo.push(entry(meta, pool.submit(job, target), target, undefined));
      }
      pending = [];
      pendingBytes = 0;
    };
    try {
      for await (const raws of reader.batches()) {
        if (!infoKnown) {
          pcapng = (await reader.info).format === 'pcapng';
          infoKnown = true;
        }
        const take = Math.min(raws.length, limit - n);
        const t = take > 0 ? claim(raws[0].bytes.u8) : undefined;
        if (t !== undefined && take <= SLOT_FRAMES)
          dispatchInSlot(take === raws.length ? raws : raws.slice(0, take), t);
        else {
          for (let i = 0; i < take; i++) {
            const r = raws[i];
            pending.push(r);
            pendingBytes += r.end - r.start + 16;
            // A read chunk is a batch; split only chunks well over (a caller's larger chunkSize).
            if (pendingBytes >= split) dispatch();
          }
          // Never carry frames over to the next read: they would keep this chunk's buffer alive across
          // an await, into the old generation, and the main thread then spends its time in full GCs.
          if (pending.length > 0) dispatch();
          // Everything was copied or encoded out of the chunk: its slot is free again.
          if (t !== undefined) pool.release(t);
        }
        n += take;
        if (n >= limit) break;
        while (fifo.length >= maxAhead) {
          yield await finish(fifo.shift()!, pool, leases, copySlots);
          leases.drop();
        }
        // Hand back whatever is already done without waiting.
        while (fifo.length > 0 && fifo[0].done) {
          yield await finish(fifo.shift()!, pool, leases, copySlots);
          leases.drop();
        }
      }
      if (pending.length > 0) dispatch();
      while (fifo.length > 0) {
        yield await finish(fifo.shift()!, pool, leases, copySlots);
        leases.drop();
      }
      ok = true;
    } finally {
      // The reader has ended (its last read awaited): slots still lent hold nothing.
      lend = undefined;
      for (const t of lent) pool.release(t);
      leases.drop();
      for (const f of fifo) f.result.catch(() => {});
      await rc.pools.put(pool, ok);
    }
  }

  return { info: reader.info, batches };
}

/** Per-job data the main thread keeps: frame numbers and byte counts for the stats. */
interface JobMeta {
  readonly numbers: Float64Array;
  readonly capBytes: number;
  readonly wireBytes: number;
}

function jobMeta(raws: readonly RawFrame[]): JobMeta {
  const numbers = new Float64Array(raws.length);
  let capBytes = 0;
  let wireBytes = 0;
  for (let i = 0; i < raws.length; i++) {
    const r = raws[i];
    numbers[i] = r.n;
    capBytes += r.end - r.start;
    wireBytes += r.origLen;
  }
  return { numbers, capBytes, wireBytes };
}

/**
 * The buffer of the batch last handed out (a worker's slot or the main thread's output buffer):
 * free again when the next batch is asked for (or the run ends), or later, once every writer that
 * kept its bytes (`EncodedBatch.keep`) has written them.
 */
class Leases {
  private unref: (() => void) | undefined;
  constructor(
    private readonly pool: WorkerPool,
    private readonly outputs: Uint8Array[],
  ) {}
  /** Lend the entry's buffer with the next batch; returns the batch's `keep`. */
  lend(x: Entry): () => () => void {
    let refs = 1; // the generator's, until drop()
    const { pool, outputs } = this;
    const unref = () => {
      if (--refs > 0) return;
      if (x.target !== undefined) pool.release(x.target);
      else outputs.push(x.local!);
    };
    this.unref = unref;
    return () => {
      refs++;
      let once = false;
      return () => {
        if (!once) {
          once = true;
          unref();
        }
      };
    };
  }
  /** The generator is done with the last batch. */
  drop(): void {
    const u = this.unref;
    this.unref = undefined;
    u?.();
  }
}

async function finish(x: Entry, pool: WorkerPool, leases: Leases, copySlots: boolean): Promise<EncodedFrames> {
  const r = await x.result;
  let records: Uint8Array;
  let keep: (() => () => void) | undefined;
  if (r.out === undefined && x.target !== undefined && copySlots) {
    // JSON: the dumper copies each record into its own buffer, which from shared memory V8 does
    // byte by byte at unequal alignment; one aligned bulk copy out of the slot costs far less.
    records = Buffer.allocUnsafeSlow(r.outLen);
    records.set(pool.output(x.target).subarray(0, r.outLen));
    pool.release(x.target);
  } else if (r.out === undefined) {
    // The records are in the worker's slot (or the main thread's output buffer) and go to the sink
    // from there; the buffer is free again once they are written (nothing copied on this thread).
    records = (x.target !== undefined ? pool.output(x.target) : x.local!).subarray(0, r.outLen);
    keep = leases.lend(x);
  } else {
    records = new Uint8Array(r.out, r.outStart, r.outLen);
    if (x.target !== undefined) pool.release(x.target);
  }
  return {
    count: x.job.numbers.length,
    numbers: x.job.numbers,
    records,
    offsets: r.offsets,
    keep,
    capBytes: x.job.capBytes,
    wireBytes: x.job.wireBytes,
    issues: r.issues,
  };
}

interface Entry {
  readonly job: JobMeta;
  readonly result: Promise<JobResult>;
  /** The worker slot holding the job's data, released once its records are written. */
  readonly target: Target | undefined;
  /** The main thread's output buffer holding the records (its own jobs), likewise. */
  readonly local: Uint8Array | undefined;
  done: boolean;
}

function entry(
  job: JobMeta,
  result: Promise<JobResult>,
  target: Target | undefined,
  local: Uint8Array | undefined,
): Entry {
  const e: Entry = { job, result, target, local, done: false };
  result.then(
    () => {
      e.done = true;
    },
    () => {
      e.done = true;
    },
  );
  return e;
}

/**
 * Copy the frames' bytes into one fresh buffer (contiguous records of a read chunk as one span,
 * record headers included) and their metadata into a Float64Array: two transferable buffers.
 */
function pack(
  seq: number,
  raws: readonly RawFrame[],
  pcapng: boolean,
  cfg: JobConfig,
  key: string,
  alloc: (bytes: number, frames: number) => { u8: Uint8Array; m: Float64Array; slot: number | undefined },
): { job: Job; meta: JobMeta } {
  const count = raws.length;
  // Spans: runs of frames over the same chunk, in increasing offset order.
  let total = 0;
  const spans: number[] = []; // [firstIndex, lastIndex, from, to]
  for (let i = 0; i < count; ) {
    const b = raws[i].bytes;
    const from = raws[i].start;
    let to = raws[i].end;
    let j = i + 1;
    while (j < count && raws[j].bytes === b && raws[j].start >= to) {
      to = raws[j].end;
      j++;
    }
    spans.push(i, j, from, to);
    total += to - from + 7; // + alignment padding
    i = j;
  }
  const { u8, m, slot } = alloc(total, count);
  const rows = new MetaRows(m, count);
  let at = 0;
  for (let s = 0; s < spans.length; s += 4) {
    const i0 = spans[s];
    const i1 = spans[s + 1];
    const from = spans[s + 2];
    const to = spans[s + 3];
    const src = raws[i0].bytes.u8;
    // Start the span at the source's address mod 8: V8 copies into shared memory word by word only
    // when both sides are equally aligned, else byte by byte (about ten times slower).
    at += (src.byteOffset + from - at) & 7;
    u8.set(src.subarray(from, to), at);
    rows.add(raws, i0, i1, at - from);
    at += to - from;
  }
  const extras = rows.extras;
  return {
    job:
      slot === undefined
        ? { seq, cfg, key, buf: u8.buffer, meta: m, slot, count, pcapng, extras }
        : { seq, cfg, key, buf: undefined, meta: undefined, slot, count, pcapng, extras },
    meta: rows.meta(),
  };
}

/**
 * A job over frames read straight into slot `t`'s input (one chunk): only their metadata is
 * written, with offsets from the start of the slot's input.
 */
function describe(
  seq: number,
  raws: readonly RawFrame[],
  pcapng: boolean,
  cfg: JobConfig,
  key: string,
  t: Target,
): { job: Job; meta: JobMeta } {
  const count = raws.length;
  const rows = new MetaRows(t.meta, count);
  rows.add(raws, 0, count, raws[0].bytes.u8.byteOffset - t.input.byteOffset);
  return {
    job: { seq, cfg, key, buf: undefined, meta: undefined, slot: t.slot, count, pcapng, extras: rows.extras },
    meta: rows.meta(),
  };
}

/** A job's metadata table (META numbers per frame), filled a run of frames at a time. */
class MetaRows {
  readonly numbers: Float64Array;
  capBytes = 0;
  wireBytes = 0;
  extras: [number, readonly string[] | undefined, RawFrame['opts']][] | undefined;
  constructor(
    private readonly m: Float64Array,
    count: number,
  ) {
    this.numbers = new Float64Array(count);
  }
  /** Frames i0..i1−1, whose bytes sit `shift` further on in the job's input than in their own. */
  add(raws: readonly RawFrame[], i0: number, i1: number, shift: number): void {
    const { m, numbers } = this;
    let capBytes = 0;
    let wireBytes = 0;
    for (let i = i0; i < i1; i++) {
      const r = raws[i];
      const k = i * META;
      m[k + M_N] = r.n;
      m[k + M_START] = r.start + shift;
      m[k + M_END] = r.end + shift;
      m[k + M_ORIG] = r.origLen;
      m[k + M_SEC] = r.tsSec;
      m[k + M_NSEC] = r.tsNsec;
      m[k + M_HASTS] = r.hasTs ? 1 : 0;
      m[k + M_LINK] = r.linktype;
      m[k + M_IFACE] = r.iface;
      m[k + M_FCS] = r.fcsLen;
      m[k + M_SECTION] = r.section;
      numbers[i] = r.n;
      capBytes += r.end - r.start;
      wireBytes += r.origLen;
      if (r.comments !== undefined || r.opts !== undefined) (this.extras ??= []).push([i, r.comments, r.opts]);
    }
    this.capBytes += capBytes;
    this.wireBytes += wireBytes;
  }
  meta(): JobMeta {
    return { numbers: this.numbers, capBytes: this.capBytes, wireBytes: this.wireBytes };
  }
}

export const pipelineEngine: ParallelEngine = createParallelEngine({ strategy: 'pipeline' });
export const serverEngine: ParallelEngine = createParallelEngine({ strategy: 'server' });
