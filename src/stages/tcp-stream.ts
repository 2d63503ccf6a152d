/**
 * TCP stream reassembly, per connection and direction (gopacket's Reassembly shape, DESIGN §3.8).
 *
 * - Ordering: sequence numbers compare wrap-aware, `(a - b) | 0` (seq.ts).
 * - SYN and FIN each consume one sequence number (RFC 9293 §3.4); data carried on a SYN starts at
 *   ISN + 1.
 * - A direction first seen without its SYN (a capture that starts mid-way) starts at the first
 *   segment seen; its first chunk says `gap: -1` (bytes before it unknown).
 * - Retransmissions and overlaps: first data wins. Bytes already delivered or already buffered are
 *   never replaced; only the new part of a segment is used. (Wireshark's Follow keeps the first
 *   copy too; Suricata's default policy is the same "first" for most targets.)
 * - Out-of-order segments wait in a per-direction buffer. A hole is given up — the next buffered
 *   data is delivered with `gap` = the missing byte count — when the other side acknowledges past
 *   it (the receiver got bytes the capture lost, so they will not come again: Wireshark's rule),
 *   in a one-way capture when it stays open `holeTimeout` seconds, when the direction's buffer
 *   passes its cap, when the direction closes (FIN reached, RST), on
 *   idle timeout, or at the end of input. Bytes claimed by the TCP length but cut by the capture's
 *   snap length are a hole too.
 * - Strict mode delivers only data contiguous from the start of the direction: after a known hole
 *   nothing more of that direction is delivered (the follow view).
 * - RST closes both directions; FIN closes its direction once the data before it is delivered;
 *   connections idle for `idleTimeout` seconds of capture time are closed.
 * - Caps: out-of-order bytes per direction (`maxStreamBuffer`) and over all connections
 *   (`maxBuffered`); connections tracked at once (`maxConnections`, oldest closed first).
 *
 * Output goes to a sink: `chunk` for each in-order piece (a view: copy it to keep it), `end` when a
 * direction closes. The hot path is numbers and one small object per buffered segment.
 */
import { ipv4ToString, ipv6ToString } from '../core/addr.js';
import type { Ipv6 } from '../core/fields.js';
import type { StreamChunk } from '../core/stream.js';
import { cmpEndpoint, TH_ACK, TH_FIN, TH_RST, TH_SYN, type Transport } from './flow-key.js';
import { seqAdd, seqDiff } from './seq.js';

export interface TcpReassemblyOptions {
  /** Deliver only data contiguous from the start of each direction (default false). */
  readonly strict?: boolean;
  /** Out-of-order bytes buffered per direction before a hole is given up (default 1 MiB). */
  readonly maxStreamBuffer?: number;
  /** Out-of-order bytes buffered over all connections (default 64 MiB). */
  readonly maxBuffered?: number;
  /** Seconds of capture time without a packet after which a connection is closed (default 300). */
  readonly idleTimeout?: number;
  /** Connections tracked at once; past it the oldest is closed (default 1,000,000). */
  readonly maxConnections?: number;
  /**
   * One-way captures (nothing from the peer, so no ACK ever says bytes were lost): seconds of capture
   * time a hole may stay open while later data of its direction keeps coming (default 3, longer
   * than usual retransmission timeouts). With the peer in the capture its ACKs decide instead.
   */
  readonly holeTimeout?: number;
}

/** A chunk of one connection direction, as StreamChunk plus where it sits. */
export interface TcpChunk extends StreamChunk {
  /** Record kind in `frame.reassembled`. */
  readonly kind: 'tcp';
  /** tcp.stream of the connection. */
  readonly flow: number;
  /** Sequence number of the first byte of `data`. */
  readonly seq: number;
}

export interface TcpSink {
  chunk(c: TcpChunk, conn: TcpConn): void;
  /** A direction closed (FIN reached, RST, idle, cap, end of input). */
  end(conn: TcpConn, dir: 0 | 1, why: 'fin' | 'rst' | 'idle' | 'evicted' | 'eof'): void;
}

export interface TcpReassemblyStats {
  segments: number;
  /** Payload bytes delivered in order, and bytes skipped in holes. */
  delivered: number;
  gapBytes: number;
  gaps: number;
  /** Bytes of segments that brought nothing new (retransmissions, overlaps). */
  duplicate: number;
  /** Out-of-order bytes buffered now and at most. */
  buffered: number;
  peakBuffered: number;
  /** Bytes dropped in strict mode after a hole. */
  droppedAfterHole: number;
  connections: number;
  closedIdle: number;
  evicted: number;
}

interface Seg {
  seq: number;
  data: Uint8Array;
  frame: number;
  tsSec: number;
  tsNsec: number;
  /** Bytes claimed past `data` that the capture cut (snap length). */
  lost: number;
}

/**
 * The per-packet state of connections lives in one dense typed array, REC numbers per connection
 * (a record), not in the TcpConn and TcpHalf objects: with thousands of connections taking turns,
 * each packet's first read of an object somewhere in a large heap is a cache and TLB miss
 * (measured: most of the reassembler's cost per packet), while the records of the open
 * connections sit together in a small array. The objects read and write their record through
 * accessors; segment()'s common case (StreamRun's fast path) reads the record alone, and only its
 * first eight numbers (one cache line's worth): flow (-1: record free), lastSec, then per direction
 * next and bits, then per direction delivered. The rest: the connection's waiting count, then per
 * direction gapPending, finAt and waiting. The bits also say whether gapPending is not 0 (B_GAP),
 * finAt is set (B_FIN), and in direction 0's word, whether the connection has segments waiting
 * (B_CWAIT) and which endpoint order node 0 has (B_REV0).
 */
export const REC = 16;
export const R_FLOW = 0;
export const R_LAST = 1;
/** next and bits of direction d: R_NEXT + 2d, R_NEXT + 2d + 1. */
export const R_NEXT = 2;
/** delivered of direction d: R_DELIVERED + d. */
export const R_DELIVERED = 6;
export const R_WAITING = 8;
/** gapPending, finAt, waiting of direction d: R_COLD + 3d + (0, 1, 2). */
export const R_COLD = 10;
export const B_CLOSED = 1;
export const B_STARTED = 2;
export const B_SYN = 4;
export const B_FRESH = 8;
export const B_BROKEN = 16;
export const B_GAP = 32;
export const B_FIN = 64;
export const B_CWAIT = 128;
export const B_REV0 = 256;

/** Where records live: the reassembler's shared array, or a connection's own once it is forgotten. */
export interface RecordStore {
  a: Float64Array;
}

/** Set or clear bit `b` of a[i]. */
function flag(a: Float64Array, i: number, b: number, on: boolean): void {
  a[i] = on ? a[i] | b : a[i] & ~b;
}

/** One direction. Hot fields are accessors over the connection's record. */
export class TcpHalf {
  private readonly oNext: number;
  private readonly oBits: number;
  private readonly oDelivered: number;
  private readonly oCold: number;
  constructor(
    private readonly conn: TcpConn,
    dir: 0 | 1,
  ) {
    this.oNext = R_NEXT + 2 * dir;
    this.oBits = R_NEXT + 2 * dir + 1;
    this.oDelivered = R_DELIVERED + dir;
    this.oCold = R_COLD + 3 * dir;
  }
  private bit(b: number): boolean {
    return (this.conn.store.a[this.conn.rec + this.oBits] & b) !== 0;
  }
  private setBit(b: number, v: boolean): void {
    flag(this.conn.store.a, this.conn.rec + this.oBits, b, v);
  }
  get closed(): boolean {
    return this.bit(B_CLOSED);
  }
  set closed(v: boolean) {
    this.setBit(B_CLOSED, v);
  }
  get started(): boolean {
    return this.bit(B_STARTED);
  }
  set started(v: boolean) {
    this.setBit(B_STARTED, v);
  }
  get synSeen(): boolean {
    return this.bit(B_SYN);
  }
  set synSeen(v: boolean) {
    this.setBit(B_SYN, v);
  }
  /** The first chunk has not been delivered yet. */
  get fresh(): boolean {
    return this.bit(B_FRESH);
  }
  set fresh(v: boolean) {
    this.setBit(B_FRESH, v);
  }
  /** Strict mode: a hole was given up; nothing more is delivered. */
  get broken(): boolean {
    return this.bit(B_BROKEN);
  }
  set broken(v: boolean) {
    this.setBit(B_BROKEN, v);
  }
  /** Next sequence number expected, as int32 bits (`| 0`; compared with seqDiff). */
  get next(): number {
    return this.conn.store.a[this.conn.rec + this.oNext];
  }
  set next(v: number) {
    this.conn.store.a[this.conn.rec + this.oNext] = v;
  }
  get delivered(): number {
    return this.conn.store.a[this.conn.rec + this.oDelivered];
  }
  set delivered(v: number) {
    this.conn.store.a[this.conn.rec + this.oDelivered] = v;
  }
  /** Bytes missing before the next chunk (a given-up hole or bytes cut by the capture). */
  get gapPending(): number {
    return this.conn.store.a[this.conn.rec + this.oCold];
  }
  set gapPending(v: number) {
    this.conn.store.a[this.conn.rec + this.oCold] = v;
    this.setBit(B_GAP, v !== 0);
  }
  /** Sequence number of the FIN when it arrived before the data in front of it; -1 none. */
  get finAt(): number {
    return this.conn.store.a[this.conn.rec + this.oCold + 1];
  }
  set finAt(v: number) {
    this.conn.store.a[this.conn.rec + this.oCold + 1] = v;
    this.setBit(B_FIN, v >= 0);
  }
  /** pending.length, kept here: the per-packet checks then read no array. */
  get waiting(): number {
    return this.conn.store.a[this.conn.rec + this.oCold + 2];
  }
  set waiting(v: number) {
    this.conn.store.a[this.conn.rec + this.oCold + 2] = v;
  }
  pending: Seg[] = [];
  pendingBytes = 0;
  /** Capture second the oldest waiting hole was first seen. */
  holeSince = 0;
  gapBytes = 0;
  /** Bytes inside segments that the capture cut (snap length): claimed by TCP, never captured. */
  cutBytes = 0;
}

/** One connection (one tcp.stream). Node 0 sent the first packet seen (tshark's Follow order). */
export class TcpConn {
  /** Its record: in `store.a` from index `rec` (the reassembler's array while it tracks it). */
  store: RecordStore;
  rec = 0;
  /** Record id in the reassembler's array, -1 when the connection has its own. */
  rid = -1;
  private readonly p0: number;
  private readonly a0: number;
  readonly v6: boolean;
  /** Does node 0 sort second in the conversation's endpoint order (FlowIndex.lastRev)? */
  readonly rev0: boolean;
  /** Direction 0 and 1 (the same objects as `half`). */
  readonly h0: TcpHalf;
  readonly h1: TcpHalf;
  rst = false;
  /** Forgotten by the reassembler (closed other than by RST): a later packet makes a new one. */
  gone = false;
  readonly half: readonly [TcpHalf, TcpHalf];
  /** Free slot for the layer above (the app driver's parsers). */
  user: unknown = undefined;
  /** Node 0 and node 1: IPv4 addresses (u32), IPv6 addresses, ports. */
  readonly addr4: readonly [number, number];
  readonly addr6: readonly [Ipv6 | undefined, Ipv6 | undefined];
  readonly port: readonly [number, number];
  constructor(
    readonly flow: number,
    t: Transport,
    readonly firstFrame: number,
    /** Where the fresh record is made (the reassembler's scratch, copied into its array at once). */
    scratch?: RecordStore,
  ) {
    this.p0 = t.sport;
    this.a0 = t.src4;
    this.v6 = t.v6;
    this.rev0 = cmpEndpoint(t) > 0;
    this.addr4 = [t.src4, t.dst4];
    this.addr6 = [t.src6, t.dst6];
    this.port = [t.sport, t.dport];
    this.store = scratch ?? { a: new Float64Array(REC) };
    initRecord(this.store.a, 0, flow, this.rev0);
    this.h0 = new TcpHalf(this, 0);
    this.h1 = new TcpHalf(this, 1);
    this.half = [this.h0, this.h1];
  }
  get lastSec(): number {
    return this.store.a[this.rec + R_LAST];
  }
  set lastSec(v: number) {
    this.store.a[this.rec + R_LAST] = v;
  }
  /** Segments waiting in both directions: with none (the common case) segment() reads one half only. */
  get waiting(): number {
    return this.store.a[this.rec + R_WAITING];
  }
  set waiting(v: number) {
    this.store.a[this.rec + R_WAITING] = v;
    flag(this.store.a, this.rec + R_NEXT + 1, B_CWAIT, v > 0);
  }
  /** 0 when the transport's source is node 0, else 1. */
  dirOf(t: Transport): 0 | 1 {
    if (t.sport !== this.p0) return 1;
    if (!this.v6) return t.src4 === this.a0 ? 0 : 1;
    const a = t.src6!;
    const b = this.addr6[0]!;
    return a[0] === b[0] && a[1] === b[1] && a[2] === b[2] && a[3] === b[3] ? 0 : 1;
  }
  /**
   * dirOf from the endpoint order the flow index already worked out (`rev`: the source sorts
   * second): no address compare. The same answer, since two distinct endpoints never share an order.
   */
  dirOfRev(rev: boolean): 0 | 1 {
    return rev === this.rev0 ? 0 : 1;
  }
  /** 'addr:port' of a node, IPv6 in brackets (as tshark's Follow prints it). */
  endpoint(node: 0 | 1): string {
    return this.v6
      ? `[${ipv6ToString(this.addr6[node]!)}]:${this.port[node]}`
      : `${ipv4ToString(this.addr4[node])}:${this.port[node]}`;
  }
}

/** A fresh record at `at`: nothing seen in either direction. */
function initRecord(a: Float64Array, at: number, flow: number, rev0: boolean): void {
  a.fill(0, at, at + REC);
  a[at + R_FLOW] = flow;
  a[at + R_NEXT + 1] = B_FRESH | (rev0 ? B_REV0 : 0);
  a[at + R_NEXT + 3] = B_FRESH;
  a[at + R_COLD + 1] = -1;
  a[at + R_COLD + 4] = -1;
}

const EMPTY_FRAMES: readonly number[] = Object.freeze([]);

export class TcpReassembler {
  readonly stats: TcpReassemblyStats = {
    segments: 0,
    delivered: 0,
    gapBytes: 0,
    gaps: 0,
    duplicate: 0,
    buffered: 0,
    peakBuffered: 0,
    droppedAfterHole: 0,
    connections: 0,
    closedIdle: 0,
    evicted: 0,
  };
  readonly conns = new Map<number, TcpConn>();
  /** Records of the tracked connections (see REC), their connections, and free record ids. */
  private readonly recs: RecordStore = { a: new Float64Array(REC * 1024) };
  private recCount = 0;
  /** A new connection's record is made here and moved into `recs` (adopt): no array per connection. */
  private readonly scratch: RecordStore = { a: new Float64Array(REC) };
  private readonly freeRecs: number[] = [];
  private readonly connOf: (TcpConn | undefined)[] = [];
  private readonly strict: boolean;
  private readonly maxStream: number;
  private readonly maxTotal: number;
  private readonly idle: number;
  private readonly maxConns: number;
  private readonly holeTimeout: number;
  private lastSweep = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly sink: TcpSink,
    opts: TcpReassemblyOptions = {},
  ) {
    this.strict = opts.strict === true;
    this.maxStream = opts.maxStreamBuffer ?? 1024 * 1024;
    this.maxTotal = opts.maxBuffered ?? 64 * 1024 * 1024;
    this.idle = opts.idleTimeout ?? 300;
    this.maxConns = opts.maxConnections ?? 1_000_000;
    this.holeTimeout = opts.holeTimeout ?? 3;
  }

  /** The records of the tracked connections (see REC), for a caller that reads ahead (FlowIndex.touchTcp). */
  get records(): RecordStore {
    return this.recs;
  }

  /**
   * The connection for a stream, made on first sight with the transport's source as node 0.
   * `rid`: the record id it should get when free (the conversation id: FlowIndex then knows where
   * the record is as soon as it has found the conversation).
   */
  conn(flow: number, t: Transport, frame: number, rid = -1): TcpConn {
    let c = this.conns.get(flow);
    if (c === undefined) {
      c = new TcpConn(flow, t, frame, this.scratch);
      this.adopt(c, rid);
      this.conns.set(flow, c);
      this.stats.connections++;
      if (this.conns.size > this.maxConns) {
        const oldest = this.conns.values().next().value as TcpConn;
        this.stats.evicted++;
        this.close(oldest, 'evicted');
      }
    }
    return c;
  }

  /**
   * One TCP segment. `data` is the captured payload, `claimed` the payload length the IP header
   * gives (≥ data.length when the capture cut the packet).
   */
  segment(
    c: TcpConn,
    dir: 0 | 1,
    seq: number,
    ack: number,
    flags: number,
    data: Uint8Array,
    claimed: number,
    frame: number,
    tsSec: number,
    tsNsec: number,
  ): void {
    this.stats.segments++;
    c.lastSec = tsSec;
    if (tsSec - this.lastSweep >= 10) this.sweep(tsSec);
    const h = dir === 0 ? c.h0 : c.h1;
    const other = dir === 0 ? c.h1 : c.h0;
    // The peer acknowledged past the hole in front of the other direction's buffered data: those
    // bytes reached the peer but not the capture, and will not be sent again.
    if (flags & TH_ACK && c.waiting > 0 && other.waiting > 0 && !other.closed) {
      if (seqDiff(ack, other.pending[0].seq) > 0) this.skipHole(c, (dir ^ 1) as 0 | 1, ack);
    }
    if (h.closed) {
      if (data.length > 0) this.stats.duplicate += data.length;
      return;
    }
    // One-way capture (nothing seen from the peer, so no ACK will ever tell): a hole nobody filled
    // for holeTimeout seconds while the sender went on is lost in the capture.
    if (h.waiting > 0 && !other.started && tsSec - h.holeSince >= this.holeTimeout) {
      while (h.pending.length > 0) this.skipHole(c, dir, undefined);
    }
    let dseq = seq;
    if (flags & TH_SYN) {
      dseq = seqAdd(seq, 1);
      if (!h.synSeen && (!h.started || h.fresh)) {
        h.next = dseq | 0;
        h.started = true;
        h.synSeen = true;
      }
    }
    if (!h.started) {
      h.next = dseq | 0;
      h.started = true;
    }
    const len = Math.max(claimed, data.length);
    if (len > 0) {
      const rel = seqDiff(dseq, h.next);
      if (rel + len <= 0) this.stats.duplicate += data.length;
      else if (rel <= 0 && h.waiting === 0) {
        // The common case: in order, nothing waiting. Delivered as a view, no copy.
        if (rel < 0) this.stats.duplicate += -rel;
        this.deliverSeg(c, dir, h, dseq, data, len - data.length, frame, tsSec, tsNsec);
        this.maybeFin(c, dir, h);
      } else {
        // Out of order, or in order but overlapping what waits: buffer (bytes already waiting win), drain.
        this.buffer(c, dir, h, dseq, data, len - data.length, frame, tsSec, tsNsec);
        if (rel <= 0) this.drain(c, dir, h);
      }
    }
    if (flags & TH_FIN) {
      const fin = seqAdd(dseq, len);
      if (h.finAt < 0) h.finAt = fin;
      this.maybeFin(c, dir, h);
    }
    if (flags & TH_RST) {
      c.rst = true;
      this.close(c, 'rst');
    }
  }

  /** Close every connection (end of input). */
  flush(): void {
    for (const c of [...this.conns.values()]) this.close(c, 'eof');
  }

  /** Close connections idle since before `nowSec - idleTimeout`. */
  sweep(nowSec: number): void {
    this.lastSweep = nowSec;
    for (const c of this.conns.values()) {
      if (nowSec - c.lastSec > this.idle) {
        if (!c.half[0].closed || !c.half[1].closed) this.stats.closedIdle++;
        this.close(c, 'idle');
      }
    }
  }

  /**
   * Deliver everything buffered (holes given up) and end both directions. RST keeps the connection
   * as a tombstone (late packets are recognised); the other reasons forget it.
   */
  close(c: TcpConn, why: 'fin' | 'rst' | 'idle' | 'evicted' | 'eof'): void {
    for (const d of [0, 1] as const) {
      const h = c.half[d];
      if (h.closed) continue;
      while (h.pending.length > 0) this.skipHole(c, d, undefined);
      if (h.closed) continue; // the data in front of a waiting FIN arrived: ended by 'fin'
      h.closed = true;
      this.sink.end(c, d, why);
    }
    if (why !== 'rst' && this.conns.get(c.flow) === c) {
      this.conns.delete(c.flow);
      c.gone = true;
      this.release(c);
    }
  }

  /** Move a new connection's record into the shared array. */
  private adopt(c: TcpConn, want: number): void {
    const co = this.connOf;
    // A wish is granted only while it keeps the records within a bound of the connections tracked
    // (conversation ids keep growing in a long capture; the records must not).
    let rid = want < 2 * this.conns.size + 4096 ? want : -1;
    if (rid < 0 || co[rid] !== undefined) {
      // No wish, or the wished record is taken: a free one (ids taken meanwhile by a wish skipped).
      rid = -1;
      while (rid < 0 && this.freeRecs.length > 0) {
        const r = this.freeRecs.pop()!;
        if (co[r] === undefined) rid = r;
      }
      while (rid < 0) {
        const r = this.recCount++;
        if (co[r] === undefined) rid = r;
      }
    }
    if (rid >= this.recCount) this.recCount = rid + 1;
    while (co.length < rid) co.push(undefined); // stays a dense array
    let size = this.recs.a.length;
    while ((rid + 1) * REC > size) size *= 2;
    if (size > this.recs.a.length) {
      const a2 = new Float64Array(size);
      a2.set(this.recs.a);
      this.recs.a = a2;
    }
    const from = c.store.a;
    const to = this.recs.a;
    for (let i = 0; i < REC; i++) to[rid * REC + i] = from[c.rec + i];
    c.store = this.recs;
    c.rec = rid * REC;
    c.rid = rid;
    this.connOf[rid] = c;
  }

  /** A forgotten connection keeps a copy of its record; the shared one is free for another. */
  private release(c: TcpConn): void {
    const rid = c.rid;
    if (rid < 0) return;
    const own = this.recs.a.slice(c.rec, c.rec + REC);
    this.recs.a[c.rec + R_FLOW] = -1;
    c.store = { a: own };
    c.rec = 0;
    c.rid = -1;
    this.connOf[rid] = undefined;
    this.freeRecs.push(rid);
  }

  /** The connection holding record `rid` when it is stream `flow`'s (and still tracked), else undefined. */
  connAt(rid: number, flow: number): TcpConn | undefined {
    if (rid < 0) return undefined;
    const c = this.connOf[rid];
    return c !== undefined && c.flow === flow && !c.gone ? c : undefined;
  }

  /**
   * segment() for its common case, on the connection's record alone (no TcpConn or TcpHalf object
   * is read): an in-order segment, or an old one, of a started, open direction with nothing
   * waiting, no hole pending and no FIN yet, flags ACK/PSH/FIN only (its first chunk, and a FIN
   * with nothing missing in front of it, included); or a direction's opening SYN without data. `rid` is the record id the caller remembered for stream
   * `stream`, `rev` the direction as FlowIndex.lastRev. Returns false, having changed nothing, when
   * the segment needs segment().
   */
  fast(
    rid: number,
    stream: number,
    rev: boolean,
    seq: number,
    flags: number,
    data: Uint8Array,
    claimed: number,
    frame: number,
    tsSec: number,
    tsNsec: number,
  ): boolean {
    if (rid < 0) return false;
    const a = this.recs.a;
    const r = rid * REC;
    if (a[r + R_FLOW] !== stream) return false;
    const b0 = a[r + R_NEXT + 1];
    if (b0 & B_CWAIT || flags & TH_RST) return false;
    if (claimed > data.length || tsSec - this.lastSweep >= 10) return false;
    const dir: 0 | 1 = rev === ((b0 & B_REV0) !== 0) ? 0 : 1;
    const h = r + R_NEXT + 2 * dir;
    const bits = a[h + 1];
    if (flags & TH_SYN) {
      // The first packet of a direction is its SYN (the SYN/ACK), as segment(): next = seq + 1.
      if (flags & TH_FIN || data.length !== 0 || (bits & (B_STARTED | B_SYN | B_CLOSED)) !== 0) return false;
      this.stats.segments++;
      a[r + R_LAST] = tsSec;
      a[h] = seqAdd(seq, 1) | 0;
      a[h + 1] = bits | B_STARTED | B_SYN;
      return true;
    }
    const want = B_CLOSED | B_STARTED | B_BROKEN | B_GAP | B_FIN;
    if ((bits & want) !== B_STARTED) return false;
    const len = data.length;
    const rel = len > 0 ? seqDiff(seq, a[h]) : 0;
    if (rel > 0) return false; // out of order: buffered by segment()
    this.stats.segments++;
    a[r + R_LAST] = tsSec;
    if (len > 0) {
      if (rel + len <= 0) this.stats.duplicate += len;
      else this.fastDeliver(a, r, h, rid, dir, stream, rel, seq, data, frame, tsSec, tsNsec);
    }
    if (flags & TH_FIN) this.fastFin(a, r, rid, dir, seqAdd(seq, len));
    return true;
  }

  /** fast(): deliver the new part (rel ≤ 0, some bytes new) as a view, as deliverSeg and emit do. */
  private fastDeliver(
    a: Float64Array,
    r: number,
    h: number,
    rid: number,
    dir: 0 | 1,
    stream: number,
    rel: number,
    seq: number,
    data: Uint8Array,
    frame: number,
    tsSec: number,
    tsNsec: number,
  ): void {
    const bits = a[h + 1];
    if (rel < 0) this.stats.duplicate += -rel;
    const skip = -rel;
    const piece = skip > 0 ? data.subarray(skip) : data;
    const pseq = seqAdd(seq, skip);
    a[h] = seqAdd(pseq, piece.length) | 0;
    a[r + R_DELIVERED + dir] += piece.length;
    this.stats.delivered += piece.length;
    // The direction's first chunk (as emit: no hole pending here) says whether its start was seen.
    let gap = 0;
    if (bits & B_FRESH) {
      if (!(bits & B_SYN)) gap = -1;
      a[h + 1] = bits & ~B_FRESH;
    }
    const chunk: TcpChunk = {
      kind: 'tcp',
      data: piece,
      dir,
      frames: frame > 0 ? [frame] : EMPTY_FRAMES,
      gap,
      tsSec,
      tsNsec,
      flow: stream,
      seq: pseq,
    };
    this.sink.chunk(chunk, this.connOf[rid]!);
  }

  /**
   * fast(): a FIN at `fin` in a direction with no FIN yet and nothing waiting, as segment() and
   * maybeFin do: remember it; when nothing is missing in front of it, close the direction.
   */
  private fastFin(a: Float64Array, r: number, rid: number, dir: 0 | 1, fin: number): void {
    const h = r + R_NEXT + 2 * dir;
    a[r + R_COLD + 3 * dir + 1] = fin; // finAt
    a[h + 1] |= B_FIN;
    if (seqDiff(fin, a[h]) > 0) return; // data in front of the FIN is still missing
    a[h] = seqAdd(fin, 1) | 0;
    a[h + 1] |= B_CLOSED;
    this.sink.end(this.connOf[rid]!, dir, 'fin');
  }

  private maybeFin(c: TcpConn, dir: 0 | 1, h: TcpHalf): void {
    if (h.finAt < 0 || h.closed) return;
    const rel = seqDiff(h.finAt, h.next);
    if (rel > 0) return; // data in front of the FIN is still missing
    h.next = seqAdd(h.finAt, 1) | 0;
    h.closed = true;
    this.dropPending(c, h);
    this.sink.end(c, dir, 'fin');
    // Both directions closed: the connection stays as a tombstone until the idle sweep, so late
    // retransmissions and ACKs are recognised instead of starting a "new" mid-stream connection.
  }

  private dropPending(c: TcpConn, h: TcpHalf): void {
    if (h.pendingBytes > 0) this.unbuffer(h.pendingBytes);
    h.pending = [];
    h.pendingBytes = 0;
    c.waiting -= h.waiting;
    h.waiting = 0;
  }

  /** Deliver the part of a segment at or after `h.next` (the caller checked it reaches past it). */
  private deliverSeg(
    c: TcpConn,
    dir: 0 | 1,
    h: TcpHalf,
    seq: number,
    data: Uint8Array,
    lost: number,
    frame: number,
    tsSec: number,
    tsNsec: number,
  ): void {
    const skip = seqDiff(h.next, seq); // bytes already delivered (first data wins)
    const end = seqAdd(seq, data.length + lost);
    if (skip < data.length) {
      const piece = skip > 0 ? data.subarray(skip) : data;
      this.emit(c, dir, h, seqAdd(seq, Math.max(skip, 0)), piece, frame, tsSec, tsNsec);
    }
    // Bytes the capture cut: a hole inside the segment.
    const cut = seqDiff(end, h.next);
    if (cut > 0) {
      h.cutBytes += cut;
      h.gapPending += cut;
      h.next = end | 0;
    }
  }

  private emit(
    c: TcpConn,
    dir: 0 | 1,
    h: TcpHalf,
    seq: number,
    data: Uint8Array,
    frame: number,
    tsSec: number,
    tsNsec: number,
  ): void {
    const gap = h.fresh && !h.synSeen ? -1 : h.gapPending;
    if (h.gapPending > 0) {
      this.stats.gaps++;
      this.stats.gapBytes += h.gapPending;
      h.gapBytes += h.gapPending;
    }
    h.gapPending = 0;
    h.fresh = false;
    h.next = seqAdd(seq, data.length) | 0;
    if (h.broken) {
      this.stats.droppedAfterHole += data.length;
      return;
    }
    h.delivered += data.length;
    this.stats.delivered += data.length;
    const chunk: TcpChunk = {
      kind: 'tcp',
      data,
      dir,
      frames: frame > 0 ? [frame] : EMPTY_FRAMES,
      gap,
      tsSec,
      tsNsec,
      flow: c.flow,
      seq,
    };
    this.sink.chunk(chunk, c);
  }

  /** Deliver buffered segments that now touch or overlap `h.next`. */
  private drain(c: TcpConn, dir: 0 | 1, h: TcpHalf): void {
    const p = h.pending;
    let i = 0;
    while (i < p.length && seqDiff(p[i].seq, h.next) <= 0) {
      const s = p[i++];
      this.unbuffer(s.data.length);
      h.pendingBytes -= s.data.length;
      if (seqDiff(seqAdd(s.seq, s.data.length + s.lost), h.next) > 0) {
        this.deliverSeg(c, dir, h, s.seq, s.data, s.lost, s.frame, s.tsSec, s.tsNsec);
      } else this.stats.duplicate += s.data.length;
    }
    if (i > 0) {
      p.splice(0, i);
      h.waiting -= i;
      c.waiting -= i;
    }
    this.maybeFin(c, dir, h);
  }

  /**
   * Give up the hole in front of the first buffered segment: jump to it (or, with `ack`, at most
   * there), record the gap, deliver what follows. Strict mode stops the direction instead.
   */
  private skipHole(c: TcpConn, dir: 0 | 1, ack: number | undefined): void {
    const h = c.half[dir];
    if (h.pending.length === 0) return;
    const first = h.pending[0];
    const hole = seqDiff(first.seq, h.next);
    if (hole > 0) {
      if (this.strict) {
        this.stats.droppedAfterHole += h.pendingBytes;
        h.broken = true;
        this.dropPending(c, h);
        h.next = first.seq | 0;
        return;
      }
      h.gapPending += hole;
      h.next = first.seq | 0;
    }
    void ack;
    this.drain(c, dir, h);
  }

  /** Keep an out-of-order segment, minus bytes already buffered (first data wins). */
  private buffer(
    c: TcpConn,
    dir: 0 | 1,
    h: TcpHalf,
    seq: number,
    data: Uint8Array,
    lost: number,
    frame: number,
    tsSec: number,
    tsNsec: number,
  ): void {
    if (h.broken) {
      this.stats.droppedAfterHole += data.length;
      return;
    }
    const p = h.pending;
    // Positions relative to h.next keep comparisons valid across wrap-around. Buffered segments never
    // overlap each other, so their ends are sorted too.
    const s0 = seqDiff(seq, h.next);
    const e = s0 + data.length;
    const eClaim = e + lost;
    let lo = 0;
    let hi = p.length;
    while (lo < hi) {
      const m = (lo + hi) >>> 1;
      const q = p[m];
      if (seqDiff(q.seq, h.next) + q.data.length + q.lost <= s0) lo = m + 1;
      else hi = m;
    }
    // Subtract what is buffered already from [s0, eClaim): the rest goes in as pieces.
    let cur = s0;
    let at = lo;
    for (let i = lo; i < p.length && cur < eClaim; i++) {
      const q = p[i];
      const qs = seqDiff(q.seq, h.next);
      if (qs >= eClaim) break;
      const qe = qs + q.data.length + q.lost;
      if (qs > cur) {
        this.insert(c, h, i, seq, s0, cur, qs, e, data, frame, tsSec, tsNsec);
        i++;
      }
      this.stats.duplicate += Math.max(0, Math.min(qe, e) - Math.max(qs, s0));
      if (qe > cur) cur = qe;
      at = i + 1;
    }
    if (cur < eClaim) this.insert(c, h, at, seq, s0, cur, eClaim, e, data, frame, tsSec, tsNsec);
    if (h.pendingBytes > this.maxStream) {
      while (h.pendingBytes > this.maxStream && h.pending.length > 0) this.skipHole(c, dir, undefined);
    }
    if (this.stats.buffered > this.maxTotal) {
      this.skipAll(c, dir);
      if (this.stats.buffered > this.maxTotal) {
        for (const o of this.conns.values()) {
          this.skipAll(o, 0);
          this.skipAll(o, 1);
          if (this.stats.buffered <= this.maxTotal) break;
        }
      }
    }
  }

  /** Buffer the part [a, b) (relative to h.next) of a segment starting at s0, at index `at`. */
  private insert(
    c: TcpConn,
    h: TcpHalf,
    at: number,
    seq: number,
    s0: number,
    a: number,
    b: number,
    e: number,
    data: Uint8Array,
    frame: number,
    tsSec: number,
    tsNsec: number,
  ): void {
    if (h.pending.length === 0) h.holeSince = tsSec;
    const piece = data.slice(Math.min(a, e) - s0, Math.min(b, e) - s0);
    const lost = b > e ? b - Math.max(a, e) : 0;
    h.pending.splice(at, 0, { seq: seqAdd(seq, a - s0), data: piece, frame, tsSec, tsNsec, lost });
    h.waiting++;
    c.waiting++;
    h.pendingBytes += piece.length;
    this.rebuffer(piece.length);
  }

  private skipAll(c: TcpConn, dir: 0 | 1): void {
    const h = c.half[dir];
    while (h.pending.length > 0) this.skipHole(c, dir, undefined);
  }

  private rebuffer(n: number): void {
    const s = this.stats;
    s.buffered += n;
    if (s.buffered > s.peakBuffered) s.peakBuffered = s.buffered;
  }
  private unbuffer(n: number): void {
    this.stats.buffered -= n;
  }
}
