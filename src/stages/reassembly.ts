/**
 * The stream stages (DESIGN §3.1): ip-defrag → flows (tshark numbering, TCP reassembly,
 * application parsers) → trace. They share one StreamRun (the flow numbering and the reassemblers),
 * and each is a plain Stage over batches.
 *
 * What they add to frames:
 * - `reassembled`: IP datagrams this frame completed (Datagram, kind 'ipv4'/'ipv6'); with TCP
 *   reassembly reported, the TCP stream pieces this frame made contiguous (TcpRecord, kind 'tcp');
 * - `flow`: tcp.stream of the frame's TCP header, else udp.stream of its UDP header;
 * - `messages`: application messages this frame completed (HTTP requests spanning many segments…).
 */
import { createDissector, type Dissector } from '../core/dissect.js';
import type { Frame } from '../core/frame.js';
import type { Registry } from '../core/registry.js';
import type { Stage } from '../core/stage.js';
import type { AppMessage } from '../core/stream.js';
import { AppDriver } from './app.js';
import { C_REC, CS, FlowIndex } from './flow-key.js';
import { type Datagram, type DefragOptions, IpDefragmenter } from './ip-defrag.js';
import { type SegmentView, StreamWalk, setFrameField } from './streams.js';
import {
  REC,
  type TcpChunk,
  type TcpConn,
  TcpReassembler,
  type TcpReassemblyOptions,
  type TcpSink,
} from './tcp-stream.js';
import { FlowTracer, type TraceOptions } from './trace.js';

export interface StreamStageOptions {
  readonly registry: Registry;
  /** IP defragmentation (true: defaults). */
  readonly ipv4?: boolean | DefragOptions;
  readonly ipv6?: boolean | DefragOptions;
  /** TCP reassembly reported on frames (`reassembled` TcpRecords). */
  readonly tcp?: boolean | TcpReassemblyOptions;
  /** Run application stream parsers (default: on when tcp is on). */
  readonly app?: boolean;
  /** Strict mode for all reassemblers: complete datagrams / contiguous data only. */
  readonly strict?: boolean;
  readonly trace?: boolean | TraceOptions;
  /** Called with each list of datagrams a frame submitted. */
  readonly onDatagrams?: (list: readonly Datagram[]) => void;
  /** Number flows even when nothing else asks (sets frame.flow). */
  readonly flows?: boolean;
}

/** A TCP stream piece, as recorded on the frame that made it contiguous. */
export type TcpRecord = TcpChunk;

const NONE: readonly Datagram[] = Object.freeze([]);

/** State shared by the stream stages of one run. */
export class StreamRun {
  readonly index = new FlowIndex();
  readonly dissect: Dissector;
  readonly v4: IpDefragmenter | undefined;
  readonly v6: IpDefragmenter | undefined;
  readonly walk: StreamWalk;
  readonly tcp: TcpReassembler | undefined;
  readonly app: AppDriver | undefined;
  readonly tracer: FlowTracer | undefined;
  /** The frame being walked: chunks and messages go on it. */
  private current: Frame | undefined;
  private lastFrame: Frame | undefined;

  constructor(readonly opts: StreamStageOptions) {
    this.dissect = createDissector({ registry: opts.registry });
    const strict = opts.strict === true;
    const dopt = (o: boolean | DefragOptions | undefined): DefragOptions =>
      typeof o === 'object' ? { strict, ...o } : { strict };
    this.v4 = opts.ipv4 ? new IpDefragmenter(4, opts.registry, this.dissect, dopt(opts.ipv4)) : undefined;
    this.v6 = opts.ipv6 ? new IpDefragmenter(6, opts.registry, this.dissect, dopt(opts.ipv6)) : undefined;
    if (opts.trace) this.tracer = new FlowTracer(typeof opts.trace === 'object' ? opts.trace : {});
    this.walk = new StreamWalk({
      index: this.index,
      defrag: this.v4 !== undefined || this.v6 !== undefined,
      hints: this.tracer?.useHints(),
    });
    const wantTcp = opts.tcp !== undefined && opts.tcp !== false;
    const wantApp = opts.app ?? wantTcp;
    if (wantTcp || wantApp) {
      const record: TcpSink | undefined = wantTcp
        ? {
            chunk: (c: TcpChunk) => this.attachChunk(c),
            end: () => {},
          }
        : undefined;
      let sink: TcpSink = record ?? { chunk: () => {}, end: () => {} };
      if (wantApp) {
        this.app = new AppDriver(opts.registry, (m: AppMessage, f) => this.attach('messages', m, f), record);
        sink = this.app;
      }
      this.tcp = new TcpReassembler(sink, typeof opts.tcp === 'object' ? { strict, ...opts.tcp } : { strict });
      const tcp = this.tcp;
      const convs = this.index.tcpStore;
      this.index.touchTcp(tcp.records, REC);
      this.walk.add({
        segment(v: SegmentView) {
          const fr = v.frame;
          // The common case on the connection's record alone (its id is kept in the conversation's).
          const rec = v.cid >= 0 ? convs.a[v.cid * CS + C_REC] : -1;
          if (tcp.fast(rec, v.stream, v.rev, v.seq, v.flags, v.data, v.claimed, fr.n, fr.tsSec, fr.tsNsec)) return;
          // The connection through its record id (no Conv object read), else the one kept on the
          // conversation: one table lookup per packet, not two.
          let c = tcp.connAt(rec, v.stream);
          if (c === undefined) {
            const cv = v.conv;
            c = cv?.user as TcpConn | undefined;
            if (c === undefined || c.gone || c.flow !== v.stream) {
              c = tcp.conn(v.stream, v.t, fr.n, v.cid);
              if (cv !== undefined) cv.user = c;
            }
          }
          tcp.segment(c, c.dirOfRev(v.rev), v.seq, v.ack, v.flags, v.data, v.claimed, fr.n, fr.tsSec, fr.tsNsec);
          if (v.cid >= 0) convs.a[v.cid * CS + C_REC] = c.rid;
        },
      });
    }
  }

  /** attach('reassembled', c) for the per-segment call: a named property, not a keyed one. */
  private attachChunk(c: TcpChunk): void {
    const fr = (this.current ?? this.lastFrame) as { reassembled?: unknown[] } | undefined;
    if (fr === undefined) return;
    const list = fr.reassembled;
    if (list === undefined) fr.reassembled = [c];
    else list.push(c);
  }

  private attach(key: 'reassembled' | 'messages', v: unknown, f: Frame | undefined = this.current): void {
    const fr = f ?? this.lastFrame;
    if (fr === undefined) return;
    const list = fr[key] as unknown[] | undefined;
    if (list === undefined) setFrameField(fr, key, [v]);
    else list.push(v);
  }

  /** ip-defrag for one frame. */
  defrag(f: Frame): void {
    let out: Datagram[] | undefined;
    // One look at the layers for both versions; most frames hold no fragment.
    const frag = IpDefragmenter.mayHoldFragment(f);
    const a = this.v4 === undefined ? NONE : frag ? this.v4.push(f) : this.v4.pass(f);
    const b = this.v6 === undefined ? NONE : frag ? this.v6.push(f) : this.v6.pass(f);
    if (a.length > 0 || b.length > 0) out = [...a, ...b];
    if (out !== undefined) {
      this.opts.onDatagrams?.(out);
      for (const dg of out) this.attach('reassembled', dg, f);
    }
  }

  /** Flow numbering, TCP reassembly and application parsing for one frame. */
  flows(f: Frame): void {
    this.current = f;
    if (this.app !== undefined) this.app.current = f;
    this.walk.frame(f);
    this.lastFrame = f;
    this.current = undefined;
  }

  /** End of input: give up on incomplete datagrams, close connections (on the last frame). */
  finish(): void {
    this.current = this.lastFrame;
    if (this.app !== undefined) this.app.current = this.lastFrame;
    for (const d of [this.v4, this.v6]) {
      if (d === undefined) continue;
      const got = d.flush();
      if (got.length > 0) {
        this.opts.onDatagrams?.(got);
        for (const dg of got) this.attach('reassembled', dg);
      }
    }
    this.tcp?.flush();
    this.current = undefined;
  }
}

/** ip-defrag stage. */
export function defragStage(run: StreamRun): Stage {
  return async function* (src) {
    for await (const batch of src) {
      for (let i = 0; i < batch.length; i++) run.defrag(batch[i]);
      yield batch;
    }
  };
}

/**
 * Flow stage: numbering, TCP reassembly, application parsing. Holds back one batch so that what
 * the end of input flushes lands on the last frame; finishes the run's reassemblers at the end
 * (including the datagrams that never completed).
 */
export function flowStage(run: StreamRun): Stage {
  return async function* (src) {
    let held: readonly Frame[] | undefined;
    for await (const batch of src) {
      for (let i = 0; i < batch.length; i++) run.flows(batch[i]);
      if (held !== undefined) yield held;
      held = batch;
    }
    run.finish();
    if (held !== undefined) yield held;
  };
}

/** Trace stage: each frame to its flow; the flow files are written as flows end. */
export function traceStage(run: StreamRun): Stage {
  const tracer = run.tracer;
  return async function* (src) {
    if (tracer === undefined) {
      yield* src;
      return;
    }
    try {
      for await (const batch of src) {
        for (let i = 0; i < batch.length; i++) tracer.add(batch[i]);
        yield batch;
      }
    } finally {
      tracer.end();
    }
  };
}

/** The stream stages an options object asks for, in pipeline order (for buildStages). */
export function streamStages(opts: StreamStageOptions): { run: StreamRun; stages: Stage[] } {
  const run = new StreamRun(opts);
  const stages: Stage[] = [];
  if (run.v4 !== undefined || run.v6 !== undefined) stages.push(defragStage(run));
  if (run.tcp !== undefined || run.tracer !== undefined || opts.flows === true || stages.length > 0) {
    stages.push(flowStage(run));
  }
  if (run.tracer !== undefined) stages.push(traceStage(run));
  return { run, stages };
}

/** The stream options of `extract()` / the CLI (`--reassemble ipv4,ipv6,tcp`, `--strict`, `--trace`). */
export interface ExtractStreamOptions {
  readonly registry: Registry;
  readonly reassemble?: boolean | { readonly ipv4?: boolean; readonly ipv6?: boolean; readonly tcp?: boolean };
  readonly strict?: boolean;
  readonly trace?: boolean | TraceOptions;
  /** Number flows (frame.flow) even when nothing else is on. */
  readonly flows?: boolean;
}

/** The stream stages for extract options (for buildStages): [] when none is asked for. */
export function stagesForExtract(o: ExtractStreamOptions): Stage[] {
  const r = o.reassemble;
  const all = r === true;
  const want = (k: 'ipv4' | 'ipv6' | 'tcp') => all || (typeof r === 'object' && r[k] === true);
  if (!want('ipv4') && !want('ipv6') && !want('tcp') && !o.trace && !o.flows) return [];
  return streamStages({
    registry: o.registry,
    ipv4: want('ipv4'),
    ipv6: want('ipv6'),
    tcp: want('tcp'),
    strict: o.strict,
    trace: o.trace,
    flows: o.flows,
  }).stages;
}
