/**
 * The `server` strategy's worker side: each worker owns the flows whose address pair hashes to it
 * (route.ts) and runs the default engine's own stream stages (src/stages/reassembly.ts: ip-defrag,
 * flow numbering, TCP reassembly, application parsers, flow tracing) on its frames, in frame order. Three
 * messages per run:
 *
 * - `in`: dissect a batch, run the stages; answer how many TCP/UDP conversations each frame
 *   opened. Frames are kept until `out`.
 * - `out`: the main thread, having merged every worker's answers in global frame order, sends the
 *   global stream numbers of this worker's new conversations; frames get them (frame.flow, the
 *   `flow` of TCP pieces) and are encoded with the report's emitter, as in encode.ts.
 * - `end`: end of input; what the default engine's finish() puts on the last frame (datagrams given
 *   up, connections closed) comes back per connection with its ordering key, encoded, so the main
 *   thread can merge every worker's in the default engine's order and hand it to the owner of the
 *   last frame; traced flows come back too (trace files are written by the workers).
 */
import { Bytes } from '../../core/bytes.js';
import { createDissector } from '../../core/dissect.js';
import type { Ipv6 } from '../../core/fields.js';
import type { Frame, PacketOptions } from '../../core/frame.js';
import { Formatter, writePlain } from '../../dump/fmt.js';
import { writeFrameHead } from '../../dump/json.js';
import { ascii, ByteOut } from '../../dump/out.js';
import { defaultRegistry } from '../../protocols/index.js';
import { pairKey, type Transport } from '../../stages/flow-key.js';
import type { Datagram } from '../../stages/ip-defrag.js';
import { StreamRun } from '../../stages/reassembly.js';
import type { TcpChunk } from '../../stages/tcp-stream.js';
import type { FlowInfo, TraceOptions } from '../../stages/trace.js';
import { type JobConfig, jobRecords } from './encode.js';

/** What the stream stages of a run ask for (from the extraction's reassembly options). */
export interface StreamConfig {
  readonly ipv4: boolean;
  readonly ipv6: boolean;
  readonly tcp: boolean;
  readonly strict: boolean;
  /** Send reassembled datagrams and TCP pieces back for `extraction.reassembly`. */
  readonly store: boolean;
  /** Flow tracing (pcap files, or the index only): plain options, no callbacks. */
  readonly trace: TraceConfig | undefined;
}

export type TraceConfig = Pick<
  TraceOptions,
  'output' | 'byteOrder' | 'nanosecond' | 'udp' | 'bidirectional' | 'idleTimeout' | 'minPackets'
>;

export interface StreamIn {
  readonly kind: 'in';
  readonly seq: number;
  readonly run: number;
  readonly cfg: JobConfig;
  readonly streams: StreamConfig;
  readonly buf: ArrayBuffer;
  readonly meta: Float64Array;
  readonly count: number;
  readonly pcapng: boolean;
  readonly extras: readonly (readonly [number, readonly string[] | undefined, PacketOptions | undefined])[] | undefined;
}

export interface StreamInResult {
  readonly seq: number;
  /** Conversations each frame opened (TCP, UDP), in the worker's numbering order. */
  readonly tcpNew: Uint16Array;
  readonly udpNew: Uint16Array;
  /**
   * Keys of the conversations the job created and of the fragmented address pairs it saw: a key
   * that two workers hold means a flow was split (a tunnel, a quoted header), and the run fails.
   */
  readonly keys: readonly string[];
}

/** Global stream numbers of conversations the worker opened since the last update, in its order. */
export interface MapUpdate {
  readonly tcp: readonly number[];
  readonly udp: readonly number[];
}

export interface StreamOut {
  readonly kind: 'out';
  readonly seq: number;
  readonly run: number;
  /** The `in` job whose frames to encode. */
  readonly job: number;
  readonly maps: MapUpdate;
  /** Encoded records (JSON text) end of input adds to the last frame, when this worker holds it. */
  readonly tail: { readonly reassembled: readonly string[]; readonly messages: readonly string[] } | undefined;
}

/** A datagram or TCP piece for `extraction.reassembly`, with the frame (index in the job) that carried it. */
export type Stored = readonly [number, Datagram | TcpChunk];

export interface StreamOutResult {
  readonly seq: number;
  readonly out: ArrayBuffer;
  readonly outStart: number;
  readonly outLen: number;
  readonly offsets: Uint32Array;
  readonly issues: readonly (readonly [number, string, string, number])[];
  readonly stored: readonly Stored[];
}

export interface StreamEnd {
  readonly kind: 'end';
  readonly seq: number;
  readonly run: number;
  readonly maps: MapUpdate;
}

/** What one unit of end-of-input work put on the last frame, with its place in the default order. */
export interface EndGroup {
  /** 0 IPv4 datagrams, 1 IPv6 datagrams, 2 TCP connections. */
  readonly phase: number;
  /** First frame of the datagram (its arrival order) or of the connection (creation order). */
  readonly key: number;
  readonly reassembled: readonly string[];
  readonly messages: readonly string[];
  readonly stored: readonly (Datagram | TcpChunk)[];
}

export interface StreamEndResult {
  readonly seq: number;
  readonly groups: readonly EndGroup[];
  /** Traced flows (global stream numbers), in order of first frame. */
  readonly flows: readonly FlowInfo[];
}

const NL = ascii('\n');

/** Per-run state of one worker. */
class StreamWorker {
  private readonly dissect;
  private readonly run: StreamRun;
  private fmt: Formatter | undefined;
  private readonly out = new ByteOut(1 << 20);
  private readonly held = new Map<number, { frames: Frame[]; kinds: Uint8Array }>();
  private readonly tcpMap: number[] = [];
  private readonly udpMap: number[] = [];
  /** Keys of conversations and fragmented pairs this job touched first (see `StreamInResult.keys`). */
  private keys: string[] = [];
  private readonly fkeys = new Set<string>();
  private readonly kbuf = new Uint32Array(11);
  private sawTcp = false;
  /** Per traced flow, in creation order: 1 when its first frame's flow was a TCP stream. */
  private readonly flowKinds: number[] = [];

  constructor(
    private readonly cfg: JobConfig,
    private readonly sc: StreamConfig,
  ) {
    this.dissect = createDissector({
      registry: defaultRegistry,
      stopAt: cfg.stopAt,
      details: cfg.details,
      checksums: cfg.checksums,
    });
    // The same options buildStages() gives the default engine's stream stages.
    this.run = new StreamRun({
      registry: defaultRegistry,
      ipv4: sc.ipv4,
      ipv6: sc.ipv6,
      tcp: sc.tcp,
      strict: sc.strict,
      flows: true,
      trace: sc.trace === undefined ? undefined : { ...sc.trace, format: 'pcap' },
    });
    // Watch the flow index: which kind of stream frame.flow is, and that every key is ours.
    const idx = this.run.index;
    const tcp = idx.tcp.bind(idx);
    const udp = idx.udp.bind(idx);
    idx.tcp = (t, l, n) => {
      const c0 = idx.tcpStreams;
      const s = tcp(t, l, n);
      if (idx.tcpStreams !== c0) this.created('t', t);
      if (s >= 0) this.sawTcp = true;
      return s;
    };
    idx.udp = (t, l, n) => {
      const c0 = idx.udpStreams;
      const s = udp(t, l, n);
      if (idx.udpStreams !== c0) this.created('u', t);
      return s;
    };
  }

  /** A conversation this worker created: its key goes to the main thread's ownership check. */
  private created(kind: string, t: Transport): void {
    pairKey(t, this.kbuf);
    this.keys.push(kind + this.kbuf.join(','));
  }

  /** The address pairs of fragments (their datagrams must meet on one worker), once per job. */
  private fragments(f: Frame): void {
    const ls = f.layers;
    for (let i = 0; i < ls.length; i++) {
      const l = ls[i];
      let key: string | undefined;
      if (l.protocol === 'ipv4') {
        const g = l.fields as { src?: number; dst?: number; mf?: number; fragOffset?: number };
        if ((g.mf === 1 || (g.fragOffset ?? 0) !== 0) && g.src !== undefined && g.dst !== undefined)
          key = g.src < g.dst ? `f${g.src},${g.dst}` : `f${g.dst},${g.src}`;
      } else if (l.protocol === 'ipv6') {
        const g = l.fields as { src?: Ipv6; dst?: Ipv6 };
        if (g.src === undefined || g.dst === undefined) continue;
        let frag = false;
        for (let j = i + 1; j < ls.length; j++) {
          const p = ls[j].protocol as string;
          if (p === 'ipv6' || p === 'ipv4') break;
          if (p === 'ipv6_frag' || p === 'ipv6.frag') frag = true;
        }
        if (frag) {
          const a = g.src.join(',');
          const b = g.dst.join(',');
          key = a < b ? `F${a}|${b}` : `F${b}|${a}`;
        }
      }
      if (key !== undefined && !this.fkeys.has(key)) {
        this.fkeys.add(key);
        this.keys.push(key);
      }
    }
  }

  private maps(m: MapUpdate): void {
    for (const x of m.tcp) this.tcpMap.push(x);
    for (const x of m.udp) this.udpMap.push(x);
  }

  in(job: StreamIn): StreamInResult {
    const bytes = new Bytes(new Uint8Array(job.buf));
    const m = job.meta;
    const n = job.count;
    const frames: Frame[] = new Array(n);
    const kinds = new Uint8Array(n);
    const tcpNew = new Uint16Array(n);
    const udpNew = new Uint16Array(n);
    const ex = job.extras;
    const defrag = this.run.v4 !== undefined || this.run.v6 !== undefined;
    const idx = this.run.index;
    const tracer = this.run.tracer;
    const traced = (tracer as unknown as { all: unknown[] } | undefined)?.all ?? [];
    this.keys = [];
    this.fkeys.clear();
    const records = jobRecords(m, bytes, ex);
    for (let i = 0; i < n; i++) {
      const raw = records(i);
      const f = this.dissect(raw);
      frames[i] = f;
      if (defrag) {
        this.fragments(f);
        this.run.defrag(f);
      }
      const t0 = idx.tcpStreams;
      const u0 = idx.udpStreams;
      this.sawTcp = false;
      this.run.flows(f);
      tcpNew[i] = idx.tcpStreams - t0;
      udpNew[i] = idx.udpStreams - u0;
      kinds[i] = this.sawTcp ? 1 : 2;
      if (tracer !== undefined) {
        tracer.add(f);
        // The kind of stream a new flow's first frame carried (its FlowInfo.stream is local).
        while (this.flowKinds.length < traced.length) this.flowKinds.push(kinds[i]);
      }
    }
    this.held.set(job.seq, { frames, kinds });
    return { seq: job.seq, tcpNew, udpNew, keys: this.keys };
  }

  private remap(list: unknown[] | undefined): void {
    if (list === undefined) return;
    for (let j = 0; j < list.length; j++) {
      const c = list[j] as TcpChunk;
      if (c.kind === 'tcp') list[j] = { ...c, flow: this.tcpMap[c.flow] };
    }
  }

  outJob(msg: StreamOut): StreamOutResult {
    this.maps(msg.maps);
    const h = this.held.get(msg.job)!;
    this.held.delete(msg.job);
    const { frames, kinds } = h;
    const n = frames.length;
    const offsets = new Uint32Array(n + 1);
    const issues: [number, string, string, number][] = [];
    const stored: Stored[] = [];
    const suffix = this.cfg.encoding === 'ndjson' ? NL : undefined;
    const head = this.cfg.encoding === 'json-report';
    const out = this.out;
    for (let i = 0; i < n; i++) {
      const fr = frames[i];
      const f = fr as unknown as {
        flow?: number;
        flows?: { tcp: number; udp: number };
        reassembled?: unknown[];
        messages?: unknown[];
      };
      if (f.flow !== undefined) f.flow = kinds[i] === 1 ? this.tcpMap[f.flow] : this.udpMap[f.flow];
      if (f.flows !== undefined) f.flows = { tcp: this.tcpMap[f.flows.tcp], udp: this.udpMap[f.flows.udp] };
      this.remap(f.reassembled);
      if (this.sc.store && f.reassembled !== undefined)
        for (const x of f.reassembled) stored.push([i, portable(x as Datagram | TcpChunk)]);
      if (msg.tail !== undefined && i === n - 1) {
        if (msg.tail.reassembled.length > 0) {
          f.reassembled ??= [];
          for (const s of msg.tail.reassembled) f.reassembled.push(JSON.parse(s));
        }
        if (msg.tail.messages.length > 0) {
          f.messages ??= [];
          for (const s of msg.tail.messages) f.messages.push(JSON.parse(s));
        }
      }
      const fmt = (this.fmt ??= new Formatter({
        registry: defaultRegistry,
        pcapng: this.pcapngRun,
        bytes: this.cfg.bytes,
      }));
      offsets[i] = out.length;
      if (head) writeFrameHead(out, fr.n, false);
      fmt.safeWriteJson(fr, out, suffix);
      const iss = fr.issues;
      for (let j = 0; j < iss.length; j++) issues.push([i, iss[j].kind, iss[j].code, fr.linktype]);
    }
    offsets[n] = out.length;
    const b = out.take();
    return {
      seq: msg.seq,
      out: b.buffer as ArrayBuffer,
      outStart: b.byteOffset,
      outLen: b.length,
      offsets,
      issues,
      stored,
    };
  }

  /** Set by the run: whether the capture is pcapng (the formatter differs). */
  pcapngRun = false;

  /** End of input seen. */
  ended = false;
  /** No batch waiting to be encoded. */
  get idle(): boolean {
    return this.held.size === 0;
  }

  end(msg: StreamEnd): StreamEndResult {
    this.ended = true;
    this.maps(msg.maps);
    const groups: EndGroup[] = [];
    const run = this.run;
    const r = run as unknown as { current: Frame | undefined };
    const enc = new ByteOut(1 << 12);
    const text = (v: unknown): string => {
      writePlain(enc, v);
      return enc.take().toString('utf8');
    };
    const collect = (phase: number, key: number, d: { reassembled?: unknown[]; messages?: unknown[] }): void => {
      this.remap(d.reassembled);
      const re = d.reassembled ?? [];
      const ms = d.messages ?? [];
      if (re.length === 0 && ms.length === 0) return;
      groups.push({
        phase,
        key,
        reassembled: re.map(text),
        messages: ms.map(text),
        stored: this.sc.store ? re.map((x) => portable(x as Datagram | TcpChunk)) : [],
      });
    };
    for (const [phase, d] of [
      [0, run.v4],
      [1, run.v6],
    ] as const) {
      if (d === undefined) continue;
      for (const dg of d.flush()) collect(phase, dg.frames[0] ?? dg.frame, { reassembled: [dg] });
    }
    const tcp = run.tcp;
    if (tcp !== undefined) {
      for (const c of [...tcp.conns.values()]) {
        const box = { reassembled: undefined, messages: undefined } as unknown as Frame & {
          reassembled?: unknown[];
          messages?: unknown[];
        };
        r.current = box;
        if (run.app !== undefined) run.app.current = box;
        tcp.close(c, 'eof');
        collect(2, c.firstFrame, box);
      }
      r.current = undefined;
      if (run.app !== undefined) run.app.current = undefined;
    }
    const tracer = run.tracer;
    const flows: FlowInfo[] = [];
    if (tracer !== undefined) {
      const list = tracer.close();
      for (let j = 0; j < list.length; j++) {
        const x = list[j];
        const map = this.flowKinds[j] === 1 ? this.tcpMap : this.udpMap;
        flows.push(x.stream < 0 ? x : { ...x, stream: map[x.stream] });
      }
    }
    return { seq: msg.seq, groups, flows };
  }
}

/**
 * A datagram or TCP piece made fit for structured clone: its bytes copied out of the job's buffer
 * (a view would clone the whole buffer), a dissected datagram's Bytes as its Uint8Array (restored
 * by `restore()` on the main thread).
 */
function portable(x: Datagram | TcpChunk): Datagram | TcpChunk {
  if (x.kind === 'tcp') return { ...x, data: x.data.slice() };
  // A datagram's payload and header are copies already (ip-defrag.ts), its packet's bytes the payload.
  const p = x.packet;
  return p === undefined ? x : { ...x, packet: { ...p, bytes: p.bytes.u8 } as unknown as Frame };
}

/** Undo `portable()` for a datagram's dissected payload. */
export function restore(x: Datagram | TcpChunk): Datagram | TcpChunk {
  if (x.kind === 'tcp' || x.packet === undefined) return x;
  const p = x.packet as unknown as { bytes: Uint8Array };
  return { ...x, packet: { ...x.packet, bytes: new Bytes(p.bytes) } };
}

const runs = new Map<number, StreamWorker>();

/** A worker's (or the main thread's) handler for the stream messages. */
export function streamMessage(
  msg: StreamIn | StreamOut | StreamEnd,
): StreamInResult | StreamOutResult | StreamEndResult {
  if (msg.kind === 'in') {
    let w = runs.get(msg.run);
    if (w === undefined) {
      // One run at a time per worker: a new run drops what an aborted one left.
      runs.clear();
      w = new StreamWorker(msg.cfg, msg.streams);
      w.pcapngRun = msg.pcapng;
      runs.set(msg.run, w);
    }
    return w.in(msg);
  }
  const w = runs.get(msg.run);
  if (w === undefined) {
    // A worker that was given no frame at all has nothing to flush.
    if (msg.kind === 'end') return { seq: msg.seq, groups: [], flows: [] };
    throw new Error(`stream run ${msg.run} unknown`);
  }
  const r = msg.kind === 'out' ? w.outJob(msg) : w.end(msg);
  // Done once the input ended and every batch was encoded: free the run's state.
  if (w.ended && w.idle) runs.delete(msg.run);
  return r;
}
