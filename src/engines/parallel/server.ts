/**
 * The `server` strategy with stream stages (reassembly, flow numbering) on the encoded route: the
 * main thread frames records and routes each to the worker owning its address pair (route.ts);
 * workers run the stages on their flows and encode (streams.ts). Per read chunk ("batch"):
 *
 *   1. `in` to every worker with frames in the batch; each answers how many TCP/UDP conversations
 *      each of its frames opened.
 *   2. The main thread walks the batch in frame order and gives those conversations their global
 *      numbers (tshark numbers in order of a conversation's first frame, flow-key.ts), batches in
 *      order, so the numbers equal the default engine's.
 *   3. `out` with the numbers; workers encode; the main thread interleaves the records in frame
 *      order (and the stored datagrams / TCP pieces for `extraction.reassembly`).
 *
 * At the end of input, `end` to every worker: what the default engine's finish() puts on the last
 * frame (datagrams given up, connections closed at EOF) comes back in groups keyed as the default
 * engine orders them (datagrams by first fragment, connections by first frame), merged here and
 * handed to the last frame's owner before its `out`.
 *
 * Caps and timeouts (ip-defrag's datagram/byte caps and reassembly timeout, tcp-stream's idle
 * timeout and connection cap, the flow index's conversation cap) hold per worker: a capture that
 * reaches one can differ from the default engine in where a given-up datagram or an idle
 * connection's leftovers are reported, and tracing's idle timeout ends flows per worker. Workers
 * report every conversation key and fragmented address pair they create; one held by two workers
 * (a flow seen both inside a UDP tunnel and outside it, a fragmented ICMP error) fails the run
 * (ERR_ENGINE) rather than numbering flows differently. Not checked: an FTP data connection
 * announced for an address outside the control connection's pair (FXP) may not be labelled
 * ftp-data when it lands on another worker.
 */
import { readCapture } from '../../capture/read.js';
import { PcapkitError } from '../../core/errors.js';
import type { RawFrame } from '../../core/frame.js';
import type { Datagram } from '../../stages/ip-defrag.js';
import type { TcpChunk } from '../../stages/tcp-stream.js';
import type { EncodedFrames, EncodedRun, EncodeRequest, EngineOptions, StreamRequest } from '../engine.js';
import {
  type JobConfig,
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
} from './encode.js';
import type { WorkerPool } from './pool.js';
import { routeHash } from './route.js';
import {
  type EndGroup,
  restore,
  type StreamConfig,
  type StreamEndResult,
  type StreamInResult,
  type StreamOutResult,
} from './streams.js';

export interface StreamRunConfig {
  readonly workers: number;
  /** Captured bytes per batch. */
  readonly batchBytes: number;
  readonly pool: () => WorkerPool;
  readonly done: (pool: WorkerPool, ok: boolean) => Promise<void>;
}

let runIds = 0;

interface Batch {
  readonly count: number;
  readonly numbers: Float64Array;
  /** Worker and index in that worker's job, per frame. */
  readonly owner: Uint16Array;
  readonly index: Uint32Array;
  readonly capBytes: number;
  readonly wireBytes: number;
  /** Per worker: the `in` job's seq and answer (undefined: no frames for it). */
  readonly jobs: (readonly [number, Promise<StreamInResult>] | undefined)[];
  /** The encoded frames, and what goes to `extraction.reassembly` (kept in batch order when yielded). */
  out?: Promise<{ frames: EncodedFrames; stored: (Datagram | TcpChunk)[] }>;
}

export function streamsRun(
  path: string,
  o: EngineOptions,
  enc: EncodeRequest,
  sr: StreamRequest,
  rc: StreamRunConfig,
): EncodedRun {
  const reader = readCapture(path, { handlers: o.registry, ...o.read, signal: o.signal, reuseBuffers: true });
  const limit = o.limit ?? Number.POSITIVE_INFINITY;
  const cfg: JobConfig = {
    stopAt: o.stopAt,
    details: o.details === true,
    checksums: o.checksums === true,
    encoding: enc.encoding,
    bytes: enc.bytes,
  };
  const streams: StreamConfig = {
    ipv4: sr.ipv4,
    ipv6: sr.ipv6,
    tcp: sr.tcp,
    strict: sr.strict,
    store: sr.store,
    trace: sr.trace,
  };
  const res = sr.results;
  const keep = (x: Datagram | TcpChunk): void => {
    const y = restore(x);
    if (y.kind === 'tcp') res.tcp?.push(y);
    else if (y.kind === 'ipv6') res.ipv6?.push(y);
    else res.ipv4?.push(y);
  };

  /** A batch handed out: its stored results go to `extraction.reassembly` in frame order. */
  const hand = (x: { frames: EncodedFrames; stored: (Datagram | TcpChunk)[] }): EncodedFrames => {
    for (const y of x.stored) keep(y);
    return x.frames;
  };

  async function* batches(): AsyncGenerator<EncodedFrames, void, undefined> {
    if (limit <= 0) return;
    const N = rc.workers;
    const pool = rc.pool();
    const run = ++runIds;
    let seq = 0;
    let ok = false;
    let rr = 0;
    let n = 0;
    let pcapng = false;
    let infoKnown = false;
    let tcpNext = 0;
    let udpNext = 0;
    const maps = Array.from({ length: N }, () => ({ tcp: [] as number[], udp: [] as number[] }));
    const takeMaps = (w: number) => {
      const m = maps[w];
      maps[w] = { tcp: [], udp: [] };
      return m;
    };
    // Batches are numbered one after another: each waits for the one before.
    let chain: Promise<void> = Promise.resolve();
    const fifo: Batch[] = [];
    let current: Batch | undefined;
    /** Which worker holds each conversation / fragmented pair key. */
    const owners = new Map<string, number>();
    const track = <T>(p: Promise<T>): Promise<T> => {
      p.catch(() => {});
      return p;
    };

    const dispatch = (raws: readonly RawFrame[]): Batch => {
      const count = raws.length;
      const owner = new Uint16Array(count);
      const index = new Uint32Array(count);
      const numbers = new Float64Array(count);
      const groups: RawFrame[][] = Array.from({ length: N }, () => []);
      let capBytes = 0;
      let wireBytes = 0;
      for (let i = 0; i < count; i++) {
        const r = raws[i];
        const h = routeHash(r.bytes.u8, r.start, r.end, r.linktype);
        const w = h < 0 ? rr++ % N : h % N;
        owner[i] = w;
        index[i] = groups[w].length;
        groups[w].push(r);
        numbers[i] = r.n;
        capBytes += r.end - r.start;
        wireBytes += r.origLen;
      }
      const jobs: Batch['jobs'] = [];
      for (let w = 0; w < N; w++) {
        const g = groups[w];
        if (g.length === 0) {
          jobs.push(undefined);
          continue;
        }
        const s = seq++;
        const job = packFrames(g);
        const msg = { kind: 'in', seq: s, run, cfg, streams, count: g.length, pcapng, ...job };
        const t = [job.buf, job.meta.buffer as ArrayBuffer];
        jobs.push([s, track(pool.send<StreamInResult>(w, s, msg, t))]);
      }
      return { count, numbers, owner, index, capBytes, wireBytes, jobs };
    };

    const finalize = (b: Batch, last: boolean): void => {
      const before = chain;
      let release!: () => void;
      chain = new Promise<void>((r) => {
        release = r;
      });
      b.out = track(
        (async (): Promise<{ frames: EncodedFrames; stored: (Datagram | TcpChunk)[] }> => {
          const outs: (Promise<StreamOutResult> | undefined)[] = [];
          let groups: EndGroup[] = [];
          try {
            await before;
            const ins: (StreamInResult | undefined)[] = await Promise.all(b.jobs.map((j) => j?.[1]));
            // Every conversation (and fragmented pair) must live on one worker only.
            for (let w = 0; w < N; w++) {
              const r = ins[w];
              if (r === undefined) continue;
              for (const k of r.keys) {
                const o = owners.get(k);
                if (o === undefined) owners.set(k, w);
                else if (o !== w)
                  throw new PcapkitError(
                    'ERR_ENGINE',
                    `engine 'server' split a flow over two workers (a tunnel or quoted header its router does not follow) in frames ${b.numbers[0]}–${b.numbers[b.count - 1]}; use --engine default or pipeline`,
                  );
              }
            }
            // Global stream numbers, in frame order.
            for (let i = 0; i < b.count; i++) {
              const w = b.owner[i];
              const r = ins[w]!;
              const k = b.index[i];
              for (let t = r.tcpNew[k]; t > 0; t--) maps[w].tcp.push(tcpNext++);
              for (let t = r.udpNew[k]; t > 0; t--) maps[w].udp.push(udpNext++);
            }
            let tail: { reassembled: string[]; messages: string[] } | undefined;
            if (last) {
              const ends = await Promise.all(
                Array.from({ length: N }, (_, w) => {
                  const s = seq++;
                  return track(pool.send<StreamEndResult>(w, s, { kind: 'end', seq: s, run, maps: takeMaps(w) }));
                }),
              );
              // The default engine's finish(): IPv4 given up, IPv6 given up, then connections, each in
              // order of first frame (a frame has one owner: no ties across workers).
              if (sr.trace !== undefined) {
                // The flow index in order of first frame, as one tracer keeps it.
                const flows = ends.flatMap((e) => e.flows);
                flows.sort((x, y) => (x.frames[0] ?? 0) - (y.frames[0] ?? 0));
                sr.onFlows?.(flows);
              }
              groups = ends.flatMap((e) => e.groups);
              groups.sort((x, y) => x.phase - y.phase || x.key - y.key);
              tail = { reassembled: [], messages: [] };
              for (const g of groups) {
                tail.reassembled.push(...g.reassembled);
                tail.messages.push(...g.messages);
              }
            }
            const lastOwner = b.owner[b.count - 1];
            for (let w = 0; w < N; w++) {
              const j = b.jobs[w];
              if (j === undefined) {
                outs.push(undefined);
                continue;
              }
              const s = seq++;
              const msg = {
                kind: 'out',
                seq: s,
                run,
                job: j[0],
                maps: takeMaps(w),
                tail: w === lastOwner ? tail : undefined,
              };
              outs.push(track(pool.send<StreamOutResult>(w, s, msg)));
            }
          } finally {
            release();
          }
          const rs = await Promise.all(outs);
          // Interleave the workers' records in frame order.
          let total = 0;
          for (const r of rs) if (r !== undefined) total += r.outLen;
          const records = Buffer.allocUnsafe(total);
          const offsets = new Uint32Array(b.count + 1);
          const views = rs.map((r) => (r === undefined ? undefined : new Uint8Array(r.out, r.outStart, r.outLen)));
          const sp = new Uint32Array(N);
          const stored: (Datagram | TcpChunk)[] = [];
          let at = 0;
          for (let i = 0; i < b.count; i++) {
            const w = b.owner[i];
            const r = rs[w]!;
            const k = b.index[i];
            const from = r.offsets[k];
            const to = r.offsets[k + 1];
            offsets[i] = at;
            records.set(views[w]!.subarray(from, to), at);
            at += to - from;
            const st = r.stored;
            while (sp[w] < st.length && st[sp[w]][0] === k) stored.push(st[sp[w]++][1]);
          }
          offsets[b.count] = at;
          for (const g of groups) for (const x of g.stored) stored.push(x);
          const issues: [number, string, string, number][] = [];
          for (const r of rs)
            if (r !== undefined) for (const x of r.issues) issues.push(x as [number, string, string, number]);
          return {
            frames: {
              count: b.count,
              numbers: b.numbers,
              records,
              offsets,
              capBytes: b.capBytes,
              wireBytes: b.wireBytes,
              issues,
            },
            stored,
          };
        })(),
      );
    };

    const maxAhead = N * 2 + 2;
    try {
      for await (const raws of reader.batches()) {
        if (!infoKnown) {
          pcapng = (await reader.info).format === 'pcapng';
          infoKnown = true;
        }
        const take = Math.min(raws.length, limit - n);
        // Batches of about `batchBytes` (never spanning reads: see parallel.ts).
        for (let i = 0; i < take; ) {
          let j = i;
          let bytes = 0;
          while (j < take && (j === i || bytes < rc.batchBytes)) {
            bytes += raws[j].end - raws[j].start + 16;
            j++;
          }
          const b = dispatch(i === 0 && j === raws.length ? raws : raws.slice(i, j));
          i = j;
          if (current !== undefined) {
            finalize(current, false);
            fifo.push(current);
          }
          current = b;
          while (fifo.length >= maxAhead) yield hand(await fifo.shift()!.out!);
        }
        n += take;
        if (n >= limit) break;
      }
      if (current !== undefined) {
        finalize(current, true);
        fifo.push(current);
      }
      while (fifo.length > 0) yield hand(await fifo.shift()!.out!);
      ok = true;
    } finally {
      // On error or early stop the pool is terminated: outstanding jobs reject (and are caught).
      await rc.done(pool, ok);
    }
  }

  return { info: reader.info, batches };
}

/**
 * One worker's frames of a batch: each frame's bytes copied into one fresh buffer (a worker's
 * frames are interleaved with the others', so not one span as in parallel.ts) and the metadata
 * into a Float64Array, both transferred.
 */
function packFrames(raws: readonly RawFrame[]): {
  buf: ArrayBuffer;
  meta: Float64Array;
  extras: [number, readonly string[] | undefined, RawFrame['opts']][] | undefined;
} {
  let total = 0;
  for (const r of raws) total += r.end - r.start;
  const u8 = new Uint8Array(total);
  const m = new Float64Array(raws.length * META);
  let extras: [number, readonly string[] | undefined, RawFrame['opts']][] | undefined;
  let at = 0;
  for (let i = 0; i < raws.length; i++) {
    const r = raws[i];
    const len = r.end - r.start;
    u8.set(r.bytes.u8.subarray(r.start, r.end), at);
    const k = i * META;
    m[k + M_N] = r.n;
    m[k + M_START] = at;
    m[k + M_END] = at + len;
    m[k + M_ORIG] = r.origLen;
    m[k + M_SEC] = r.tsSec;
    m[k + M_NSEC] = r.tsNsec;
    m[k + M_HASTS] = r.hasTs ? 1 : 0;
    m[k + M_LINK] = r.linktype;
    m[k + M_IFACE] = r.iface;
    m[k + M_FCS] = r.fcsLen;
    m[k + M_SECTION] = r.section;
    if (r.comments !== undefined || r.opts !== undefined) (extras ??= []).push([i, r.comments, r.opts]);
    at += len;
  }
  return { buf: u8.buffer, meta: m, extras };
}
