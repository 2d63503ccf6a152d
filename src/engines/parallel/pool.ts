/**
 * Worker threads for a parallel engine. Jobs are answered in submission order by the caller (it
 * keeps the promises in a FIFO); the pool only routes, and turns every failure into a rejection:
 * a worker that throws, crashes or exits with jobs outstanding fails the run with a clear error.
 * `terminate()` stops every worker (abort, break, error, end).
 *
 * NO_DETACH: messages are copied, never sent with a transfer list. Transferring an ArrayBuffer
 * detaches it, and the first detach in a thread invalidates V8's ArrayBufferDetaching protector:
 * every optimized function with typed-array access is thrown away and recompiled with a detach
 * check on each access (`node --trace-protector-invalidation` shows it). Job data lives in shared
 * slots anyway; what is copied is small (a job's record offsets) or rare (a job no slot took).
 * Measured on the 1M-frame NDJSON run: pipeline 3–4 % faster. The server strategy's stream jobs
 * (`send`, server.ts) still transfer their packed frames and encoded results, which are fresh
 * buffers per job: copying them would cost a second pass over every byte.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { PcapkitError } from '../../core/errors.js';
import { type HexAt, hexSimdAt, sharedMemory } from '../../dump/hex-simd.js';
import type { InPlace } from '../../dump/out.js';
import {
  type Job,
  type JobResult,
  META,
  SLOT_FRAMES,
  SLOT_IN,
  SLOT_OUT,
  type SlotBuffers,
  type SlotSet,
} from './encode.js';

let live = 0;
let started = 0;
/** Worker threads alive now, and started since the process began (tests check termination). */
export function workerCounts(): { live: number; started: number } {
  return { live, started };
}

interface Pending {
  readonly resolve: (r: unknown) => void;
  readonly reject: (e: unknown) => void;
}

interface Slot {
  readonly worker: Worker;
  readonly pending: Map<number, Pending>;
  /** Shared buffers of this worker's job slots, and the free ones. */
  readonly bufs: readonly { readonly input: Uint8Array; readonly meta: Float64Array; readonly out: Uint8Array }[];
  readonly free: number[];
  /** The WebAssembly memory holding every slot of this worker, when there is one. */
  readonly memory: WebAssembly.Memory | undefined;
  /** This thread's hex module over that memory (made on first use). */
  hex: HexAt | undefined;
}

/** Where the main thread packs a job for a worker's slot. */
export interface Target {
  readonly worker: number;
  readonly slot: number;
  readonly input: Uint8Array;
  readonly meta: Float64Array;
}

/**
 * Job slots per worker: at most this many chunks per worker, being read, queued, running or
 * answered but not yet written out, use shared buffers (pages are touched only as used: a 1 MiB
 * batch uses about 5.5 MiB). The main thread's share takes slots too, as it encodes chunks where
 * they were read. With 6 a run fell back to buffers of its own for 1 chunk in 8 and ran 11 % slower;
 * 8 to 16 measured alike (1M-frame NDJSON run).
 */
const SLOTS = 10;

/**
 * The worker script beside this module: in dist/, the one-file bundle `npm run build` makes
 * (scripts/bundle-worker.mjs: a fresh isolate loads one file about twice as fast as the ~300 modules
 * of `worker.js`, which is the fallback when the bundle is absent); or, running from source
 * under tsx (tests), `worker.ts` through a bootstrap that registers tsx's loader first (Node 20 does
 * not apply `--import` hooks to a worker's entry module, so execArgv alone fails on `.ts`).
 */
export function newWorker(name: string): Worker {
  const here = import.meta.url;
  // Workers inherit the process's flags; `--input-type` (a script given with -e) makes any worker
  // fail. Flags are passed explicitly only then: an explicit list is validated, and per-process
  // flags (--cpu-prof, --max-old-space-size, …) in it would be refused.
  const ea = process.execArgv;
  const execArgv = ea.some((a) => a.startsWith('--input-type'))
    ? ea.filter((a) => !a.startsWith('--input-type'))
    : undefined;
  if (!here.endsWith('.ts')) return new Worker(compiledWorker(here), { name, execArgv });
  const api = import.meta.resolve('tsx/esm/api');
  const target = new URL('./worker.ts', here).href;
  const code = `import(${JSON.stringify(api)}).then((m) => { m.register(); return import(${JSON.stringify(target)}); })`;
  return new Worker(code, { eval: true, name, execArgv });
}

let compiled: URL | undefined;
function compiledWorker(here: string): URL {
  if (compiled === undefined) {
    const bundle = new URL('./worker.bundle.js', here);
    compiled = existsSync(fileURLToPath(bundle)) ? bundle : new URL('./worker.js', here);
  }
  return compiled;
}

export class WorkerPool {
  private readonly slots: Slot[] = [];
  private failed: unknown;
  private closed = false;

  constructor(n: number, name: string, slots = SLOTS) {
    for (let i = 0; i < n; i++) {
      const worker = newWorker(`pcapkit-${name}-${i}`);
      live++;
      started++;
      // Every slot's input and output in one shared WebAssembly memory where possible: the worker then
      // hex-encodes payloads in place (hex-simd.ts); pages are committed only as they are touched.
      const memory = sharedMemory(slots * (SLOT_IN + SLOT_OUT));
      const shared: SlotBuffers[] = [];
      for (let k = 0; k < slots; k++) {
        const meta = new SharedArrayBuffer(SLOT_FRAMES * META * 8);
        if (memory !== undefined) {
          const at = k * (SLOT_IN + SLOT_OUT);
          const b = memory.buffer as unknown as SharedArrayBuffer;
          shared.push({ input: b, inputAt: at, meta, out: b, outAt: at + SLOT_IN });
        } else
          shared.push({
            input: new SharedArrayBuffer(SLOT_IN),
            inputAt: 0,
            meta,
            out: new SharedArrayBuffer(SLOT_OUT),
            outAt: 0,
          });
      }
      const set: SlotSet = { slots: shared, memory };
      worker.postMessage(set);
      const slot: Slot = {
        worker,
        pending: new Map(),
        bufs: shared.map((b) => ({
          input: new Uint8Array(b.input, b.inputAt, SLOT_IN),
          meta: new Float64Array(b.meta),
          out: new Uint8Array(b.out, b.outAt, SLOT_OUT),
        })),
        free: shared.map((_, k) => k),
        memory,
        hex: undefined,
      };
      worker.on('message', (m: JobResult & { error?: string }) => {
        const p = slot.pending.get(m.seq);
        if (p === undefined) return;
        slot.pending.delete(m.seq);
        if (slot.pending.size === 0) worker.unref();
        if (m.error !== undefined)
          p.reject(new PcapkitError('ERR_ENGINE', `${name} worker failed: ${m.error.split('\n')[0]}`));
        else p.resolve(m);
      });
      worker.on('error', (e) =>
        this.fail(slot, new PcapkitError('ERR_ENGINE', `${name} worker crashed: ${e.message}`, { cause: e })),
      );
      worker.on('exit', (code) => {
        live--;
        if (!this.closed || slot.pending.size > 0)
          this.fail(slot, new PcapkitError('ERR_ENGINE', `${name} worker exited (code ${code}) with work outstanding`));
      });
      // Idle workers must not keep the process alive after a run that was never closed.
      worker.unref();
      this.slots.push(slot);
    }
  }

  private fail(slot: Slot, e: unknown): void {
    this.failed ??= e;
    for (const p of slot.pending.values()) p.reject(e);
    slot.pending.clear();
  }

  /** Jobs not yet answered, over all workers. */
  get inflight(): number {
    let n = 0;
    for (const s of this.slots) n += s.pending.size;
    return n;
  }

  /** The least-loaded worker's queue length. */
  get minLoad(): number {
    let m = Number.POSITIVE_INFINITY;
    for (const s of this.slots) m = Math.min(m, s.pending.size);
    return m;
  }

  private least(): number {
    let best = 0;
    for (let i = 1; i < this.slots.length; i++)
      if (this.slots[i].pending.size < this.slots[best].pending.size) best = i;
    return best;
  }

  /** A free slot on the least-loaded worker big enough for the job, or undefined. */
  acquire(bytes: number, frames: number): Target | undefined {
    if (bytes > SLOT_IN || frames > SLOT_FRAMES || this.slots.length === 0) return undefined;
    const w = this.least();
    const k = this.slots[w].free.pop();
    if (k === undefined) return undefined;
    const b = this.slots[w].bufs[k];
    return { worker: w, slot: k, input: b.input, meta: b.meta };
  }

  /**
   * A free slot's input, `bytes` long at its start, for the reader to read a chunk into: the
   * chunk is then a job's input as it stands (nothing packed). Only slots in a WebAssembly memory
   * are lent, so whoever encodes the job hex-encodes in place. `holds()` finds the slot a
   * batch's frames were read into.
   */
  lend(bytes: number): Target | undefined {
    if (this.slots.length === 0 || this.slots[this.least()].memory === undefined) return undefined;
    return this.acquire(bytes, 0);
  }

  /** Whether `u8` lies inside the input of lent slot `t`. */
  holds(t: Target, u8: Uint8Array): boolean {
    const input = this.slots[t.worker].bufs[t.slot].input;
    return (
      u8.buffer === input.buffer &&
      u8.byteOffset >= input.byteOffset &&
      u8.byteOffset + u8.length <= input.byteOffset + input.length
    );
  }

  /**
   * In-place hex for this thread encoding records read from `src` (inside slot `t`'s input) into
   * the slot's output, or undefined without a WebAssembly memory.
   */
  inPlace(t: Target, src: Uint8Array): InPlace | undefined {
    const s = this.slots[t.worker];
    if (s.memory === undefined) return undefined;
    const h = (s.hex ??= hexSimdAt(s.memory));
    if (h === undefined) return undefined;
    return { src, srcAt: src.byteOffset, outAt: s.bufs[t.slot].out.byteOffset, h };
  }

  /** The records a job left in its slot. */
  output(t: Target): Uint8Array {
    return this.slots[t.worker].bufs[t.slot].out;
  }

  release(t: Target): void {
    this.slots[t.worker].free.push(t.slot);
  }

  /** Post a job: to the target's worker (its slot holds the data) or to the least-loaded one. */
  submit(job: Job, target?: Target): Promise<JobResult> {
    if (this.failed !== undefined) return Promise.reject(this.failed);
    if (this.closed) return Promise.reject(new PcapkitError('ERR_ENGINE', 'worker pool is closed'));
    const best = this.slots[target === undefined ? this.least() : target.worker];
    return new Promise<JobResult>((resolve, reject) => {
      best.pending.set(job.seq, { resolve: resolve as (r: unknown) => void, reject });
      best.worker.ref();
      // Copied, not transferred (NO_DETACH, top of this file); a job has its own buffers only when no slot was free.
      best.worker.postMessage(job);
    });
  }

  /** Post any message answered by `{ seq }` to worker `w` (the server strategy's stream jobs). */
  send<R>(w: number, seq: number, msg: unknown, transfer: ArrayBuffer[] = []): Promise<R> {
    if (this.failed !== undefined) return Promise.reject(this.failed);
    if (this.closed) return Promise.reject(new PcapkitError('ERR_ENGINE', 'worker pool is closed'));
    const s = this.slots[w];
    return new Promise<R>((resolve, reject) => {
      s.pending.set(seq, { resolve: resolve as (r: unknown) => void, reject });
      s.worker.ref();
      s.worker.postMessage(msg, transfer);
    });
  }

  /** False once a worker failed or the pool was terminated. */
  get usable(): boolean {
    return this.failed === undefined && !this.closed;
  }

  /** Stop every worker now; outstanding jobs reject. */
  async terminate(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const closed = new PcapkitError('ERR_ENGINE', 'worker pool terminated');
    for (const s of this.slots) {
      for (const p of s.pending.values()) p.reject(closed);
      s.pending.clear();
    }
    await Promise.all(this.slots.map((s) => s.worker.terminate().catch(() => 0)));
  }

  /** Number of live workers. */
  get size(): number {
    return this.slots.length;
  }
}
