/**
 * Flow tracing, as PyPCAPKit's TraceFlow (PYPCAPKIT.md §7.4), without its bugs.
 *
 * - Each TCP (and, on request, UDP) packet goes to its flow: by default the directional 4-tuple
 *   (PyPCAPKit's key), or both directions in one flow with `bidirectional`.
 * - A flow is labelled `{src}_{srcport}-{dst}_{dstport}-{timestamp}` with the first packet's time as
 *   Python prints a float, ':' replaced by '.' for IPv6 (a file name on every OS).
 * - A SYN (or anything) after the flow saw FIN or RST starts a new flow with the same key; RST
 *   counts (PyPCAPKit 1.4 ignored it, #435); flows with no packet for `idleTimeout` seconds of capture
 *   time end too (UDP flows end only that way).
 * - Output: one file per flow in `output`, pcap by default (byte order and nanosecond switch), with
 *   each frame's own bytes (PyPCAPKit wrote misaligned or empty records, #357, #646). Other formats
 *   plug in through `writers` (json/plist/tree come from the dumpers).
 * - Frames are kept per flow until it ends, so `filter` can drop a flow before anything is written
 *   (e.g. flows shorter than N packets, `minPackets`). A flow longer than `maxBufferedPackets` is
 *   judged then and, if kept, written as it goes.
 * - `index()` gives every flow: label, output file, frame numbers, first tcp.stream/udp.stream.
 */
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PcapWriter } from '../capture/write-pcap.js';
import { ipv4ToString, ipv6ToString } from '../core/addr.js';
import type { Ipv6 } from '../core/fields.js';
import type { Frame } from '../core/frame.js';
import {
  C_STREAM,
  C_TRACE0,
  type ConvStore,
  CS,
  newTransport,
  nextTransport,
  pairKey,
  TH_FIN,
  TH_RST,
  TH_SYN,
  type Transport,
} from './flow-key.js';
import { NO_HEADER, TraceHints } from './trace-hint.js';
import { TupleTable } from './tuple-table.js';

/** One packet of a flow (PyPCAPKit's trace record). */
export interface TracePacket {
  /** Link type of the capture (PyPCAPKit's `protocol`). */
  readonly protocol: number;
  /** Frame number. */
  readonly index: number;
  readonly frame: Frame;
  readonly syn: boolean;
  readonly fin: boolean;
  readonly rst: boolean;
  readonly src: string;
  readonly dst: string;
  readonly srcport: number;
  readonly dstport: number;
  readonly tsSec: number;
  readonly tsNsec: number;
}

export interface FlowInfo {
  readonly label: string;
  readonly protocol: 'TCP' | 'UDP';
  readonly src: string;
  readonly srcport: number;
  readonly dst: string;
  readonly dstport: number;
  /** tcp.stream / udp.stream of the first packet (-1 when not numbered). */
  readonly stream: number;
  /** Frame numbers, in order. */
  readonly frames: readonly number[];
  /** Output file, or undefined (no output folder, or dropped). */
  readonly file: string | undefined;
  readonly dropped: boolean;
}

export interface TraceFileWriter {
  write(packets: readonly TracePacket[]): void;
  close(): void;
}
export interface TraceWriterFactory {
  /** File name extension, with the dot: '.pcap'. */
  readonly ext: string;
  open(path: string, info: { readonly linktype: number; readonly label: string }): TraceFileWriter;
}

export interface TraceOptions {
  /** Folder for one file per flow; none: trace in memory only (index). */
  readonly output?: string;
  /** 'pcap' (default) or a name in `writers`. */
  readonly format?: string;
  readonly byteOrder?: 'little' | 'big';
  readonly nanosecond?: boolean;
  /** Trace UDP too (default TCP only, as PyPCAPKit). */
  readonly udp?: boolean;
  /** One flow for both directions (default false: directional, as PyPCAPKit). */
  readonly bidirectional?: boolean;
  /** Seconds of capture time without a packet that end a flow (default 600). */
  readonly idleTimeout?: number;
  /** Drop flows with fewer packets than this (default 1: keep all). */
  readonly minPackets?: number;
  /** Decide per flow, before it is written: return false to drop it. */
  readonly filter?: (flow: FlowInfo, packets: readonly TracePacket[]) => boolean;
  /** Called for each flow once it ended (written or dropped). */
  readonly onFlow?: (flow: FlowInfo) => void;
  /** Packets kept per flow before it is judged and written as it goes (default 4096). */
  readonly maxBufferedPackets?: number;
  /** Extra output formats (json, plist, tree from the dumpers). */
  readonly writers?: Readonly<Record<string, TraceWriterFactory>>;
}

export const pcapTraceWriter = (byteOrder: 'little' | 'big', nanosecond: boolean): TraceWriterFactory => ({
  ext: '.pcap',
  open(path, info) {
    const w = new PcapWriter({ linktype: info.linktype, byteOrder, nanosecond });
    let started = false;
    return {
      write(packets) {
        const rec = w.records(
          packets.map((p) => ({
            data: p.frame.bytes.u8.subarray(p.frame.start, p.frame.end),
            tsSec: p.tsSec,
            tsNsec: p.tsNsec,
            origLen: p.frame.origLen,
          })),
        );
        if (!started) {
          const h = w.header();
          const all = new Uint8Array(h.length + rec.length);
          all.set(h);
          all.set(rec, h.length);
          writeFileSync(path, all);
          started = true;
        } else appendFileSync(path, rec);
      },
      close() {
        if (!started) writeFileSync(path, w.header());
      },
    };
  },
});

/**
 * Frame numbers of every flow in one typed-array log of fixed-size blocks (a cache line each); a
 * flow is a chain of blocks through `next`. Appending touches the flow's last block, instead of a
 * per-flow array that grows (and is a cache miss of its own) on every packet, and listing a flow
 * reads one block per BLOCK frames rather than one scattered entry per frame.
 */
const BLOCK = 8;
class FrameLog {
  n = new Float64Array(1024 * BLOCK);
  next = new Int32Array(1024);
  blocks = 0;
  /** A new block after block `tail` (-1: a new chain); returns it. */
  block(tail: number): number {
    const k = this.blocks;
    if (k === this.next.length) {
      const n2 = new Float64Array(k * 2 * BLOCK);
      n2.set(this.n);
      this.n = n2;
      const x2 = new Int32Array(k * 2);
      x2.set(this.next);
      this.next = x2;
    }
    this.next[k] = -1;
    if (tail >= 0) this.next[tail] = k;
    this.blocks = k + 1;
    return k;
  }
  list(head: number, count: number): number[] {
    const out: number[] = new Array(count);
    const n = this.n;
    for (let i = 0, k = head; i < count && k >= 0; k = this.next[k]) {
      const at = k * BLOCK;
      for (let j = 0; j < BLOCK && i < count; j++) out[i++] = n[at + j];
    }
    return out;
  }
}

/**
 * Frame numbers in trace order, one column of flow ids and one of frame numbers: appending is a
 * write at the end of two arrays (no read of the flow's last block, which with thousands of flows
 * taking turns is a cache miss per packet). A flow's list is made by one pass over the columns when
 * the index is asked for (all flows at once), so this log serves tracers that need no flow's list
 * before then (no `onFlow`, no `filter`); the others keep the block log.
 */
class FrameColumns {
  /** Fixed-size chunks: growing never copies (nor touches twice the memory). */
  private readonly flows: Int32Array[] = [];
  private readonly ns: Float64Array[] = [];
  private flow = new Int32Array(0);
  private n = new Float64Array(0);
  /** Entries in the last chunk. */
  private at = COL_CHUNK;
  length = 0;
  push(id: number, n: number): void {
    let i = this.at;
    if (i === COL_CHUNK) {
      this.flow = new Int32Array(COL_CHUNK);
      this.n = new Float64Array(COL_CHUNK);
      this.flows.push(this.flow);
      this.ns.push(this.n);
      i = 0;
    }
    this.flow[i] = id;
    this.n[i] = n;
    this.at = i + 1;
    this.length++;
  }
  /** Every flow's frame numbers, by flow id. */
  lists(flows: number): number[][] {
    const pos = new Int32Array(flows);
    const last = this.flows.length - 1;
    for (let c = 0; c <= last; c++) {
      const fl = this.flows[c];
      const m = c === last ? this.at : COL_CHUNK;
      for (let k = 0; k < m; k++) pos[fl[k]]++;
    }
    // Counting sort: scattered into one typed array by flow (one cache miss per entry, where a
    // store through each flow's own array chases its object and then its elements), then each
    // flow's list copied out in order.
    const start = new Int32Array(flows + 1);
    for (let id = 0; id < flows; id++) {
      start[id + 1] = start[id] + pos[id];
      pos[id] = start[id];
    }
    const sorted = new Float64Array(start[flows]);
    for (let c = 0; c <= last; c++) {
      const fl = this.flows[c];
      const n = this.ns[c];
      const m = c === last ? this.at : COL_CHUNK;
      for (let k = 0; k < m; k++) sorted[pos[fl[k]]++] = n[k];
    }
    const out: number[][] = new Array(flows);
    for (let id = 0; id < flows; id++) {
      const from = start[id];
      const len = start[id + 1] - from;
      const list: number[] = new Array(len);
      for (let j = 0; j < len; j++) {
        const v = sorted[from + j];
        // Small integers stay small integers: the lists keep their packed-integer elements instead
        // of each being converted to doubles on its first store (a reallocation per flow).
        list[j] = v <= 0x3fffffff ? v | 0 : v;
      }
      out[id] = list;
    }
    return out;
  }
}

/** Entries per FrameColumns chunk. */
const COL_CHUNK = 1 << 15;

/**
 * The per-packet state of every flow in one typed array, four numbers per flow id: frame count,
 * last block in the log, capture second of the last packet, state (bit 0 FIN/RST seen, bit 1 no
 * longer open). Thousands of flows take turns: a flow's packet then reads one dense record in a
 * small array, not a Flow object somewhere in a large heap (measured: that read was most of the
 * tracer's cost per packet).
 */
const ENDED = 1;
const CLOSED = 2;
class FlowRecords {
  a = new Float64Array(4 * 1024);
  count = 0;
  /** A new record (count 0, no block, open); returns its id. */
  add(): number {
    const id = this.count++;
    if (id * 4 === this.a.length) {
      const a2 = new Float64Array(this.a.length * 2);
      a2.set(this.a);
      this.a = a2;
    }
    this.a[id * 4 + 1] = -1;
    return id;
  }
}

/** Append frame `n` to the flow whose record starts at `at` (count, tail) and the log. */
function appendFrame(a: Float64Array, at: number, log: FrameLog, n: number): void {
  const count = a[at];
  const pos = count % BLOCK;
  let tail = a[at + 1];
  if (pos === 0) {
    tail = log.block(tail);
    a[at + 1] = tail;
  }
  log.n[tail * BLOCK + pos] = n;
  a[at] = count + 1;
}

/**
 * IPv6 address text, made once per address: the flows of a capture share their addresses (a server
 * appears in every flow to it), and formatting IPv6 (RFC 5952) costs microseconds where a lookup
 * costs a fraction. The dotted form (':' → '.') is what labels use. (IPv4 text is cheaper to make
 * than to look up.)
 */
class AddrNames {
  private readonly table = new TupleTable(4, 1024);
  readonly text: string[] = [];
  readonly dotted: string[] = [];
  /** Index of an IPv6 address's text. */
  at(a: Ipv6): number {
    let i = this.table.get(a);
    if (i < 0) {
      i = this.text.length;
      const t = ipv6ToString(a);
      this.text.push(t);
      this.dotted.push(t.replaceAll(':', '.'));
      this.table.set(a, i);
    }
    return i;
  }
}

class Flow {
  slot = -1;
  addr4 = -1;
  openIdx = -1;
  packets: TracePacket[] = [];
  /** First block of its frame chain in the log (count, last block: the record). */
  head = -1;
  /** Its record in FlowRecords (also its place in the tracer's list of every flow). */
  readonly id: number;
  /**
   * The conversation slot (C_TRACE0/C_TRACE1 word in `cStore`) that names this flow, if any: it
   * holds `id * 2 | ended` while the flow is open, so that a hinted packet decides on the slot alone.
   */
  cStore: ConvStore | undefined = undefined;
  cAt = -1;
  committed = false;
  dropped = false;
  writer: TraceFileWriter | undefined;
  file: string | undefined;
  // Address strings and the label are made on first use: most flows of a run never need them.
  private srcS: string | undefined;
  private dstS: string | undefined;
  private labelS: string | undefined;
  private readonly src6: Ipv6 | undefined;
  private readonly dst6: Ipv6 | undefined;
  /** IPv6 addresses' entries in AddrNames (-1 for IPv4). */
  private readonly srcName: number;
  private readonly dstName: number;
  private readonly dst4: number;
  private readonly tsSec: number;
  private readonly tsNsec: number;
  constructor(
    private readonly rec: FlowRecords,
    private readonly names: AddrNames,
    readonly log: FrameLog,
    readonly protocol: 'TCP' | 'UDP',
    t: Transport,
    readonly stream: number,
    readonly linktype: number,
    frame: Frame,
  ) {
    this.srcport = t.sport;
    this.dstport = t.dport;
    this.v6 = t.v6;
    this.addr4 = t.v6 ? -1 : t.src4;
    this.dst4 = t.v6 ? -1 : t.dst4;
    this.src6 = t.v6 ? t.src6 : undefined;
    this.dst6 = t.v6 ? t.dst6 : undefined;
    // Named now, while the address tuples are in cache (at the index they are cold: ~3 µs a flow).
    this.srcName = t.v6 ? names.at(t.src6!) : -1;
    this.dstName = t.v6 ? names.at(t.dst6!) : -1;
    this.tsSec = frame.tsSec;
    this.tsNsec = frame.tsNsec;
    this.id = rec.add();
  }
  /** Packets so far (exact when the tracer's countAll is set; otherwise ≥ 1 once it has any). */
  get count(): number {
    return this.rec.a[this.id * 4];
  }
  get lastSec(): number {
    return this.rec.a[this.id * 4 + 2];
  }
  set lastSec(v: number) {
    this.rec.a[this.id * 4 + 2] = v;
  }
  /** FIN or RST seen (or ended by the tracer). */
  get ended(): boolean {
    return (this.rec.a[this.id * 4 + 3] & ENDED) !== 0;
  }
  set ended(v: boolean) {
    const at = this.id * 4 + 3;
    this.rec.a[at] = (this.rec.a[at] & ~ENDED) | (v ? ENDED : 0);
    const cs = this.cStore;
    if (cs !== undefined && cs.a[this.cAt] >> 1 === this.id) cs.a[this.cAt] = this.id * 2 + (v ? 1 : 0);
  }
  /** Name this flow in a conversation slot. */
  link(cs: ConvStore, at: number): void {
    cs.a[at] = this.id * 2 + (this.ended ? 1 : 0);
    this.cStore = cs;
    this.cAt = at;
  }
  /** No longer open: its packets go to a new flow (the conversation slot forgets it). */
  close(): void {
    this.rec.a[this.id * 4 + 3] |= CLOSED;
    const cs = this.cStore;
    if (cs !== undefined) {
      if (cs.a[this.cAt] >> 1 === this.id) cs.a[this.cAt] = -1;
      this.cStore = undefined;
    }
  }
  readonly srcport: number;
  readonly dstport: number;
  readonly v6: boolean;
  get src(): string {
    return (this.srcS ??= this.v6 ? this.names.text[this.srcName] : ipv4ToString(this.addr4));
  }
  get dst(): string {
    return (this.dstS ??= this.v6 ? this.names.text[this.dstName] : ipv4ToString(this.dst4));
  }
  get label(): string {
    if (this.labelS === undefined) {
      const ts = pyTimestamp(this.tsSec, this.tsNsec);
      if (!this.v6) this.labelS = `${this.src}_${this.srcport}-${this.dst}_${this.dstport}-${ts}`;
      else {
        // IPv6 ':' become '.'; ports and the time hold none, so the addresses are converted alone.
        const n = this.names;
        const s = this.srcName;
        const d = this.dstName;
        this.srcS ??= n.text[s];
        this.dstS ??= n.text[d];
        this.labelS = `${n.dotted[s]}_${this.srcport}-${n.dotted[d]}_${this.dstport}-${ts}`;
      }
    }
    return this.labelS;
  }
  /** Frame numbers, in order (block log only; with columns the tracer lists them). */
  get frames(): number[] {
    return this.log.list(this.head, this.count);
  }
  addFrame(n: number, cols: FrameColumns | undefined): void {
    const a = this.rec.a;
    const at = this.id * 4;
    if (cols !== undefined) {
      cols.push(this.id, n);
      a[at] += 1;
      return;
    }
    appendFrame(a, at, this.log, n);
    if (this.head < 0) this.head = a[at + 1];
  }
  /** Is this header in the flow's first direction? */
  fwd(t: Transport): boolean {
    if (t.sport !== this.srcport || t.v6 !== this.v6) return false;
    if (!t.v6) return t.src4 === this.addr4;
    const a = t.src6!;
    const b = this.src6!;
    return a[0] === b[0] && a[1] === b[1] && a[2] === b[2] && a[3] === b[3];
  }
  info(frames?: number[]): FlowInfo {
    return {
      label: this.label,
      protocol: this.protocol,
      src: this.src,
      srcport: this.srcport,
      dst: this.dst,
      dstport: this.dstport,
      stream: this.stream,
      frames: frames ?? this.frames,
      file: this.file,
      dropped: this.dropped,
    };
  }
}

const ZEROS = ['', '0', '00', '000', '0000', '00000'];

/** Python's str(float) for a capture time: shortest round-trip digits, '.0' for whole seconds. */
export function pyTimestamp(sec: number, nsec: number): string {
  const v = sec + nsec / 1e9;
  // Seconds in [2^30, 2^32 - 1) (2004-2106) with a whole number of microseconds: String(v) is
  // sec.micro with trailing zeros dropped, written here without the float-to-shortest conversion (a
  // few hundred ns, once per flow label). v is the double nearest that decimal: the decimal lies at
  // least 64 / (1e6 · 2^23) from any midpoint between doubles (spacing 2^-22 or 2^-21 here), far
  // more than the 2^-54 nsec / 1e9 can be off. And no other decimal with at most six fraction
  // digits rounds to v: it lies ≥ 1e-6 from this one, more than the spacing.
  if (sec >= 0x40000000 && sec < 0xffffffff && nsec > 0 && nsec < 1e9 && nsec % 1000 === 0 && sec % 1 === 0) {
    let u = nsec / 1000;
    let w = 6;
    while (u % 10 === 0) {
      u /= 10;
      w--;
    }
    const ds = String(u);
    return `${sec}.${ZEROS[w - ds.length]}${ds}`;
  }
  const s = String(v);
  return Number.isInteger(v) && !s.includes('e') ? `${s}.0` : s;
}

export class FlowTracer {
  /** Open flows: tuple → slot. */
  private readonly table = new TupleTable(12, 4096);
  private readonly slots: (Flow | undefined)[] = [];
  private readonly free: number[] = [];
  private readonly key = new Uint32Array(12);
  /**
   * The tuple of the open flow in each slot (12 words per slot), for its removal from the table: one
   * array instead of a 12-word Uint32Array (and its ArrayBuffer, ~230 bytes of heap) per flow.
   */
  private keys = new Uint32Array(12 * 256);
  private readonly oldKey = new Uint32Array(12);
  private readonly openList: Flow[] = [];
  private readonly log = new FrameLog();
  /** The frame log when no flow's list is needed before index() (see FrameColumns). */
  private readonly cols: FrameColumns | undefined;
  /**
   * Count every packet in the flow records. With columns and no minimum above one packet nothing
   * reads a count before index(), which counts the columns: the hinted path then reads no record.
   */
  private readonly countAll: boolean;
  private readonly rec = new FlowRecords();
  private readonly names = new AddrNames();
  private readonly all: Flow[] = [];
  /** Packets are kept only when something will read them (files, a filter). */
  private readonly keep: boolean;
  private readonly bidi: boolean;
  private readonly t: Transport = newTransport();
  private readonly writer: TraceWriterFactory | undefined;
  private readonly idle: number;
  private readonly minPackets: number;
  private readonly maxBuf: number;
  private lastSweep = Number.NEGATIVE_INFINITY;
  private dirMade = false;
  /** Set by hints(): the flow walk of the same run says where each frame's flow is. */
  private hints: TraceHints | undefined;

  constructor(private readonly opts: TraceOptions = {}) {
    this.idle = opts.idleTimeout ?? 600;
    this.minPackets = opts.minPackets ?? 1;
    this.maxBuf = opts.maxBufferedPackets ?? 4096;
    this.keep = opts.output !== undefined || opts.filter !== undefined;
    this.bidi = opts.bidirectional === true;
    this.cols = opts.onFlow === undefined && opts.filter === undefined ? new FrameColumns() : undefined;
    this.countAll = this.cols === undefined || this.minPackets > 1;
    if (opts.output !== undefined) {
      const fmt = opts.format ?? 'pcap';
      this.writer =
        opts.writers?.[fmt] ??
        (fmt === 'pcap' ? pcapTraceWriter(opts.byteOrder ?? 'little', opts.nanosecond === true) : undefined);
      if (this.writer === undefined) throw new RangeError(`trace: no writer for format '${fmt}'`);
    }
  }

  /**
   * Hints from a flow walk that sees every frame before this tracer does, in the same order
   * (StreamRun's): made once, passed to the walk.
   */
  useHints(): TraceHints {
    this.hints ??= new TraceHints();
    return this.hints;
  }

  /** Trace one frame; returns the label of its flow, or undefined. */
  push(frame: Frame): string | undefined {
    const id = this.trace(frame);
    return id < 0 ? undefined : this.all[id].label;
  }

  /** Trace one frame, as push without making the flow's label (the stage's per-frame call). */
  add(frame: Frame): void {
    this.trace(frame);
  }

  /** Trace one frame; returns its flow's id, or -1. */
  private trace(frame: Frame): number {
    if (frame.tsSec - this.lastSweep >= 10) this.sweep(frame.tsSec);
    const t = this.t;
    const udpToo = this.opts.udp === true;
    // The walk's hint: the frame's innermost header outside ICMP errors and its conversation.
    let at = -1;
    let conv: ConvStore | undefined;
    let cid = -1;
    let side = 0;
    const hs = this.hints;
    if (hs !== undefined) {
      const w = hs.take(frame);
      if (w === NO_HEADER) return -1;
      if (w >= 0 && (udpToo || frame.layers[w >> 1].protocol === 'tcp')) {
        at = w >> 1;
        cid = hs.id;
        // The id may have been reused since (its conversation forgotten): then it is no hint.
        if (cid >= 0 && hs.store!.a[cid * CS + C_STREAM] === hs.stream) conv = hs.store;
        side = this.bidi ? 0 : w & 1;
      }
    }
    let cached: Flow | undefined;
    const slot = cid * CS + C_TRACE0 + side;
    if (conv !== undefined) {
      // The conversation names the open flow of this direction (id * 2 | ended; -1 none): it is
      // the tuple's flow. Decided on the slot alone; the flow's record is only written.
      const v = conv.a[slot];
      if (v >= 0) {
        const id = v >> 1;
        const l = frame.layers[at];
        const flags = l.protocol === 'tcp' ? ((l.fields as { flags?: number }).flags ?? 0) : 0;
        if (!this.keep && !(v & 1 && flags & TH_SYN)) {
          // The common case: no Flow object is read.
          const a = this.rec.a;
          const r = id * 4;
          const cols = this.cols;
          if (cols !== undefined) {
            cols.push(id, frame.n);
            if (this.countAll) a[r] += 1;
          } else appendFrame(a, r, this.log, frame.n);
          a[r + 2] = frame.tsSec;
          if (flags & (TH_FIN | TH_RST)) {
            a[r + 3] = ENDED;
            conv.a[slot] = v | 1;
          }
          return id;
        }
        cached = this.all[id];
      }
    }
    let found = at;
    if (found >= 0) nextTransport(frame, found, t);
    else {
      let i = -1;
      let last = -1;
      // The innermost TCP (or UDP) header outside ICMP errors is the frame's flow.
      while ((i = nextTransport(frame, i + 1, t)) >= 0) {
        last = i;
        if (t.inError) continue;
        if (t.proto === 6 || udpToo) found = i;
      }
      if (found < 0) return -1;
      if (found !== last) nextTransport(frame, found, t);
    }
    const l = frame.layers[found];
    const flags = t.proto === 6 ? ((l.fields as { flags?: number }).flags ?? 0) : 0;
    const f0 = cached ?? this.lookup(t);
    let f = f0;
    // After FIN/RST a SYN opens a new flow; anything else (the last ACKs) still belongs to the old one.
    if (f?.ended && flags & TH_SYN) {
      this.finish(f);
      f = undefined;
    }
    if (f === undefined) f = this.create(t, frame);
    if (conv !== undefined) f.link(conv, slot);
    f.addFrame(frame.n, this.cols);
    f.lastSec = frame.tsSec;
    if (this.keep && !f.dropped) {
      const p: TracePacket = {
        protocol: frame.linktype,
        index: frame.n,
        frame: this.opts.output !== undefined ? detach(frame) : frame,
        syn: (flags & TH_SYN) !== 0,
        fin: (flags & TH_FIN) !== 0,
        rst: (flags & TH_RST) !== 0,
        src: f.fwd(t) ? f.src : f.dst,
        dst: f.fwd(t) ? f.dst : f.src,
        srcport: t.sport,
        dstport: t.dport,
        tsSec: frame.tsSec,
        tsNsec: frame.tsNsec,
      };
      if (f.committed) this.write(f, [p]);
      else {
        f.packets.push(p);
        if (f.packets.length >= this.maxBuf) this.commit(f);
      }
    }
    if (flags & (TH_FIN | TH_RST)) f.ended = true;
    return f.id;
  }

  /** The tuple of a header: directional, or the pair in key order when bidirectional. */
  private fill(t: Transport): Uint32Array {
    const k = this.key;
    if (this.bidi) pairKey(t, k);
    else if (!t.v6) {
      k[0] = 4;
      k[1] = k[2] = k[3] = k[6] = k[7] = k[8] = 0;
      k[4] = t.src4;
      k[9] = t.dst4;
      k[5] = t.sport;
      k[10] = t.dport;
    } else {
      const a = t.src6!;
      const b = t.dst6!;
      k[0] = 6;
      k[1] = a[0];
      k[2] = a[1];
      k[3] = a[2];
      k[4] = a[3];
      k[5] = t.sport;
      k[6] = b[0];
      k[7] = b[1];
      k[8] = b[2];
      k[9] = b[3];
      k[10] = t.dport;
    }
    k[11] = t.proto;
    return k;
  }

  /** The open flow of a transport header (a typed-array table: no strings per packet). */
  private lookup(t: Transport): Flow | undefined {
    const id = this.table.get(this.fill(t));
    return id < 0 ? undefined : this.slots[id];
  }

  private create(t: Transport, frame: Frame): Flow {
    const f = new Flow(
      this.rec,
      this.names,
      this.log,
      t.proto === 6 ? 'TCP' : 'UDP',
      t,
      frame.flow ?? -1,
      frame.linktype,
      frame,
    );
    const k = this.fill(t);
    f.slot = this.free.length > 0 ? this.free.pop()! : this.slots.length;
    this.slots[f.slot] = f;
    if ((f.slot + 1) * 12 > this.keys.length) {
      const grown = new Uint32Array(this.keys.length * 2);
      grown.set(this.keys);
      this.keys = grown;
    }
    this.keys.set(k, f.slot * 12);
    this.table.set(k, f.slot);
    f.openIdx = this.openList.length;
    this.openList.push(f);
    this.all.push(f);
    return f;
  }

  private unlink(f: Flow): void {
    f.close();
    if (f.slot >= 0) {
      const k = this.oldKey;
      const at = f.slot * 12;
      for (let i = 0; i < 12; i++) k[i] = this.keys[at + i];
      if (this.table.get(k) === f.slot) this.table.delete(k);
      this.slots[f.slot] = undefined;
      this.free.push(f.slot);
      f.slot = -1;
    }
    const i = f.openIdx;
    if (i >= 0) {
      const lastF = this.openList[this.openList.length - 1];
      this.openList[i] = lastF;
      lastF.openIdx = i;
      this.openList.pop();
      f.openIdx = -1;
    }
  }

  /** End flows idle for longer than the timeout. */
  sweep(nowSec: number): void {
    this.lastSweep = nowSec;
    for (const f of [...this.openList]) if (nowSec - f.lastSec > this.idle) this.finish(f);
  }

  /** End every flow (end of input); returns the index. */
  close(): FlowInfo[] {
    this.end();
    return this.index();
  }

  /** End every flow (end of input), without making the index (the stage's call: index() is asked later). */
  end(): void {
    const open = [...this.openList];
    // Every open flow ends: empty the tuple table at once rather than a lookup per flow.
    for (const f of open) {
      f.close();
      if (f.slot >= 0) {
        this.slots[f.slot] = undefined;
        this.free.push(f.slot);
        f.slot = -1;
      }
      f.openIdx = -1;
    }
    this.openList.length = 0;
    this.table.clear();
    for (const f of open) this.finish(f);
  }

  /** Every flow so far, in order of first packet. */
  index(): FlowInfo[] {
    const cols = this.cols;
    if (cols === undefined) return this.all.map((f) => f.info());
    const lists = cols.lists(this.all.length);
    return this.all.map((f, id) => f.info(lists[id]));
  }

  private judge(f: Flow): boolean {
    if (f.count < this.minPackets && f.ended) return false;
    if (this.opts.filter !== undefined && !this.opts.filter(f.info(), f.packets)) return false;
    return true;
  }

  private commit(f: Flow): void {
    if (!this.judge(f)) {
      f.dropped = true;
      f.packets = [];
      return;
    }
    f.committed = true;
    const pk = f.packets;
    f.packets = [];
    this.write(f, pk);
  }

  private write(f: Flow, packets: readonly TracePacket[]): void {
    if (this.writer === undefined || this.opts.output === undefined) return;
    if (f.writer === undefined) {
      if (!this.dirMade) {
        mkdirSync(this.opts.output, { recursive: true });
        this.dirMade = true;
      }
      f.file = join(this.opts.output, `${f.label}${this.writer.ext}`);
      f.writer = this.writer.open(f.file, { linktype: f.linktype, label: f.label });
    }
    if (packets.length > 0) f.writer.write(packets);
  }

  private finish(f: Flow): void {
    this.unlink(f);
    f.ended = true;
    if (!f.committed && !f.dropped) {
      if (f.count < this.minPackets) {
        f.dropped = true;
        f.packets = [];
      } else this.commit(f);
    }
    if (f.writer !== undefined) {
      f.writer.close();
      f.writer = undefined;
    }
    this.opts.onFlow?.(f.info());
  }
}

/** A frame whose bytes no longer pin the read chunk (kept frames hold only their own bytes). */
function detach<F extends Frame>(frame: F): F {
  const u8 = frame.bytes.u8.slice(frame.start, frame.end);
  const shift = frame.start;
  const bytes = new (frame.bytes.constructor as new (u: Uint8Array) => Frame['bytes'])(u8);
  return {
    ...frame,
    bytes,
    start: 0,
    end: u8.length,
    layers: frame.layers.map((l) => ({ ...l, start: l.start - shift, hdrEnd: l.hdrEnd - shift, end: l.end - shift })),
  };
}
