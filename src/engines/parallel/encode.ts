/**
 * The work a parallel engine hands out: a batch of raw records (one transferred buffer, metadata in
 * a Float64Array) → dissect → encode with the report's own emitter (src/dump/fmt.ts). Only bytes go
 * back: sending Frame objects back by structured clone costs about as much as dissecting them.
 * The same function runs in the workers and, for its share, on the main thread.
 */
import { Bytes } from '../../core/bytes.js';
import { createDissector, type DissectOptions } from '../../core/dissect.js';
import type { PacketOptions, RawFrame } from '../../core/frame.js';
import type { RecordEncoding } from '../../dump/dumper.js';
import { Formatter } from '../../dump/fmt.js';
import { writeFrameHead } from '../../dump/json.js';
import { ascii, ByteOut, type InPlace } from '../../dump/out.js';
import { defaultRegistry } from '../../protocols/index.js';

/** Per-frame metadata slots in `Job.meta`. */
export const M_N = 0;
export const M_START = 1;
export const M_END = 2;
export const M_ORIG = 3;
export const M_SEC = 4;
export const M_NSEC = 5;
export const M_HASTS = 6;
export const M_LINK = 7;
export const M_IFACE = 8;
export const M_FCS = 9;
export const M_SECTION = 10;
export const META = 11;

/** What every job of a run shares (the worker's `workerData`). */
export interface JobConfig {
  readonly stopAt: DissectOptions['stopAt'];
  readonly details: boolean;
  readonly checksums: boolean;
  readonly encoding: RecordEncoding;
  readonly bytes: boolean | undefined;
}

export interface Job {
  readonly seq: number;
  readonly cfg: JobConfig;
  /** `cfg` as a cache key (workers keep one encoder per configuration). */
  readonly key: string;
  /** Record bytes and metadata: fresh buffers, or (`slot`) the worker's own shared slot. */
  readonly buf: ArrayBufferLike | undefined;
  readonly meta: Float64Array | undefined;
  readonly slot: number | undefined;
  readonly count: number;
  readonly pcapng: boolean;
  /** pcapng per-packet comments and options, for the few frames that have them. */
  readonly extras: JobExtras | undefined;
}

export interface JobResult {
  readonly seq: number;
  /** Set when the records were written into the job's slot (`slots[slot].out`, `outLen` bytes). */
  readonly slot: number | undefined;
  /** Otherwise the records themselves (transferred). */
  readonly out: ArrayBuffer | undefined;
  readonly outStart: number;
  readonly outLen: number;
  readonly offsets: Uint32Array;
  readonly issues: readonly (readonly [number, string, string, number])[];
}

/**
 * Buffers shared once per worker and reused for every job: nothing crosses threads per job but a
 * small header. Buffers posted or transferred with each message each count as a new external
 * allocation on the receiving thread and drove the main thread into a full GC every few batches.
 */
export interface SlotBuffers {
  /** Records in at [inputAt, inputAt + SLOT_IN) and encoded records out at [outAt, outAt + SLOT_OUT). */
  readonly input: SharedArrayBuffer;
  readonly inputAt: number;
  readonly meta: SharedArrayBuffer;
  readonly out: SharedArrayBuffer;
  readonly outAt: number;
}

/**
 * A worker's slots: one shared WebAssembly memory holding every slot's input and output (so payload
 * hex is made in place, dump/hex-simd.ts), or separate shared buffers where that is unavailable.
 */
export interface SlotSet {
  readonly slots: readonly SlotBuffers[];
  readonly memory: WebAssembly.Memory | undefined;
}

/** Slot sizes: records in, frames' metadata, encoded records out. */
export const SLOT_IN = 4 << 20;
export const SLOT_FRAMES = 16384;
export const SLOT_OUT = 16 << 20;

/** Job extras: pcapng comments and options of the few records that have them, by record index. */
export type JobExtras = readonly (readonly [number, readonly string[] | undefined, PacketOptions | undefined])[];

/**
 * A metadata number as the reader made it: a small integer (Smi) when it is one. Float64Array
 * reads are doubles; frames carrying doubles sent the emitters' arithmetic (timestamp digits,
 * lengths) down double paths, twice as slow in writeEpoch.
 */
function int(v: number): number {
  return (v | 0) === v ? v | 0 : v;
}

/**
 * The records of a job as RawFrames, asked for in index order: row `i` of the metadata table
 * (META slots per record), with its comments and options when the extras list names it.
 */
export function jobRecords(m: Float64Array, bytes: Bytes, ex: JobExtras | undefined): (i: number) => RawFrame {
  let xi = 0;
  return (i) => {
    const k = i * META;
    let comments: readonly string[] | undefined;
    let opts: PacketOptions | undefined;
    if (ex !== undefined && xi < ex.length && ex[xi][0] === i) {
      comments = ex[xi][1];
      opts = ex[xi][2];
      xi++;
    }
    return {
      n: int(m[k + M_N]),
      bytes,
      start: int(m[k + M_START]),
      end: int(m[k + M_END]),
      origLen: int(m[k + M_ORIG]),
      tsSec: int(m[k + M_SEC]),
      tsNsec: int(m[k + M_NSEC]),
      hasTs: m[k + M_HASTS] === 1,
      linktype: int(m[k + M_LINK]),
      iface: int(m[k + M_IFACE]),
      fcsLen: int(m[k + M_FCS]),
      comments,
      opts,
      section: int(m[k + M_SECTION]),
    };
  };
}

const NL = ascii('\n');

/** A compiled encoder: dissector and formatters built once per thread. */
export interface Encoder {
  /**
   * A job packed for a worker. With `into` (the job's shared output slot) the records are written
   * straight there and the result names the slot; a batch that does not fit ends in a buffer of
   * its own, transferred with the result.
   */
  job(job: Job, into?: Uint8Array, input?: Uint8Array, place?: InPlace): JobResult;
  /**
   * Frames straight from the reader (the main thread's share: nothing packed or copied), written
   * into `into` when they fit (`out` undefined in the result) or a buffer of their own. With
   * `place`, the frames were read into a slot's input and `into` is that slot's output: payload
   * hex is written in place.
   */
  frames(raws: readonly RawFrame[], pcapng: boolean, into?: Uint8Array, place?: InPlace): JobResult;
}

export function createEncoder(cfg: JobConfig): Encoder {
  const dissect = createDissector({
    registry: defaultRegistry,
    stopAt: cfg.stopAt,
    details: cfg.details,
    checksums: cfg.checksums,
  });
  const fmts: (Formatter | undefined)[] = [undefined, undefined];
  const suffix = cfg.encoding === 'ndjson' ? NL : undefined;
  const head = cfg.encoding === 'json-report';
  // Jobs without a slot write into `own`: `shared` points into the last job's slot, which the
  // main thread may be writing out or have lent to the next job.
  let own: ByteOut | undefined;
  let shared: ByteOut | undefined;
  const run = (
    seq: number,
    slot: number | undefined,
    n: number,
    pcapng: boolean,
    records: (i: number) => RawFrame,
    into: Uint8Array | undefined,
    place?: InPlace,
  ): JobResult => {
    let out: ByteOut;
    if (into === undefined) out = own ??= new ByteOut(1 << 20);
    else {
      out = shared ??= new ByteOut(1 << 16);
      out.into(into, place);
    }
    const pi = pcapng ? 1 : 0;
    const fmt = (fmts[pi] ??= new Formatter({ registry: defaultRegistry, pcapng, bytes: cfg.bytes }));
    const offsets = new Uint32Array(n + 1);
    const issues: [number, string, string, number][] = [];
    for (let i = 0; i < n; i++) {
      const f = dissect(records(i));
      offsets[i] = out.length;
      if (head) writeFrameHead(out, f.n, false);
      fmt.safeWriteJson(f, out, suffix);
      const iss = f.issues;
      for (let j = 0; j < iss.length; j++) issues.push([i, iss[j].kind, iss[j].code, f.linktype]);
    }
    offsets[n] = out.length;
    if (into !== undefined && out.inside(into))
      return { seq, slot, out: undefined, outStart: 0, outLen: out.length, offsets, issues };
    const b = out.take();
    return {
      seq,
      slot: undefined,
      out: b.buffer as ArrayBuffer,
      outStart: b.byteOffset,
      outLen: b.length,
      offsets,
      issues,
    };
  };
  return {
    job: (job, into, input, place) =>
      run(
        job.seq,
        job.slot,
        job.count,
        job.pcapng,
        jobRecords(job.meta!, new Bytes(input ?? new Uint8Array(job.buf!)), job.extras),
        into,
        place,
      ),
    frames: (raws, pcapng, into, place) => run(-1, undefined, raws.length, pcapng, (i) => raws[i], into, place),
  };
}
