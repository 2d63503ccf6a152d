/**
 * The per-frame walk shared by the stream stages and APIs: number every TCP and UDP header the way
 * tshark does (flow-key.ts), set `frame.flow`, and hand each measurable TCP segment to the consumers
 * that asked for it (the reassembler, Follow, the conversation tables).
 *
 * With IP reassembly on, transport headers inside fragments are skipped and the reassembled
 * datagram's are used instead, at the frame that completed it (tshark with defragmentation on: a
 * first fragment shows no TCP, the completing frame shows the reassembled segment).
 */
import type { Frame, Layer } from '../core/frame.js';
import { type Conv, type ConvStore, FlowIndex, newTransport, nextTransport, type Transport } from './flow-key.js';
import type { Datagram } from './ip-defrag.js';
import type { TraceHints } from './trace-hint.js';

const NO_BYTES = new Uint8Array(0);

export interface SegmentView {
  /** tcp.stream. */
  readonly stream: number;
  /** Its conversation (consumers may keep per-connection state in `conv.user`). */
  readonly conv: Conv | undefined;
  /** The conversation's id: its record in FlowIndex.tcpStore (read it there, not through `conv`). */
  readonly cid: number;
  /** The source sorts second in the conversation's endpoint order (FlowIndex.lastRev). */
  readonly rev: boolean;
  readonly t: Transport;
  readonly layer: Layer;
  readonly frame: Frame;
  /** Captured payload and the payload length the IP header gives. */
  readonly data: Uint8Array;
  readonly claimed: number;
  readonly seq: number;
  readonly ack: number;
  readonly flags: number;
}

export interface SegmentConsumer {
  /** A TCP segment whose length is known (not in a fragment or an ICMP error, header complete). */
  segment?(s: SegmentView): void;
  /** Every numbered TCP/UDP header (conversation tables), `frame` being the captured frame. */
  transport?(t: Transport, stream: number, layer: Layer, frame: Frame): void;
}

export interface StreamWalkOptions {
  /** IP reassembly runs before: skip headers inside fragments, use reassembled datagrams. */
  readonly defrag?: boolean;
  readonly index?: FlowIndex;
  /** The flow tracer's hints: the walk says which conversation each frame's traced header has. */
  readonly hints?: TraceHints;
}

/** Set a stage field on a frame (frames leave the frame loop as plain objects; stages add to them). */
export function setFrameField(frame: Frame, key: 'flow' | 'flows' | 'reassembled' | 'messages', value: unknown): void {
  (frame as { -readonly [K in typeof key]?: unknown })[key] = value;
}

/**
 * The walk's SegmentView. The Conv object is looked up only when a consumer asks for it (the
 * reassembler's slow path): the common case reads the conversation's record by id.
 */
class View implements SegmentView {
  stream = 0;
  cid = -1;
  rev = false;
  layer: Layer = undefined as unknown as Layer;
  frame: Frame = undefined as unknown as Frame;
  data: Uint8Array = NO_BYTES;
  claimed = 0;
  seq = 0;
  ack = 0;
  flags = 0;
  constructor(
    private readonly index: FlowIndex,
    readonly t: Transport,
  ) {}
  get conv(): Conv | undefined {
    return this.index.tcpConv(this.cid);
  }
}

export class StreamWalk {
  readonly index: FlowIndex;
  private readonly t = newTransport();
  private readonly defrag: boolean;
  private readonly consumers: SegmentConsumer[] = [];
  private readonly hints: TraceHints | undefined;
  /** Reused view object: consumers must not keep it. */
  private readonly view: View;

  constructor(opts: StreamWalkOptions = {}) {
    this.index = opts.index ?? new FlowIndex();
    this.defrag = opts.defrag === true;
    this.hints = opts.hints;
    this.view = new View(this.index, this.t);
  }

  add(c: SegmentConsumer): this {
    this.consumers.push(c);
    return this;
  }

  /**
   * Walk one frame; returns the frame's flow (the stream of its TCP header, else of its UDP header;
   * headers quoted in ICMP errors count only when the frame has no other), or -1.
   */
  frame(frame: Frame): number {
    const t = this.t;
    const ls = frame.layers;
    let tcpFlow = -1;
    let udpFlow = -1;
    let tcpQuoted = -1;
    let udpQuoted = -1;
    // For the tracer: the innermost header outside ICMP errors, and its conversation when numbered.
    let hintAt = -1;
    let hintStore: ConvStore | undefined;
    let hintId = -1;
    let hintStream = -1;
    let hintRev = false;
    for (let i = nextTransport(frame, 0, t); i >= 0; i = nextTransport(frame, i + 1, t)) {
      if (!t.inError) {
        hintAt = i;
        hintId = -1;
      }
      if (this.defrag && t.fragmented) continue;
      if (t.proto === 6) {
        const s = this.index.tcp(t, ls[i], frame.n);
        if (s < 0) continue;
        this.tap(s, ls[i], frame);
        if (t.inError) tcpQuoted = s;
        else {
          tcpFlow = s;
          hintStore = this.index.tcpStore;
          hintId = this.index.lastTcpId;
          hintStream = s;
          hintRev = this.index.lastRev;
          this.feed(s, ls[i], frame, frame.bytes.u8);
        }
      } else {
        const s = this.index.udp(t, ls[i], frame.n);
        if (s < 0) continue;
        this.tap(s, ls[i], frame);
        if (t.inError) udpQuoted = s;
        else {
          udpFlow = s;
          hintStore = this.index.udpStore;
          hintId = this.index.lastUdpId;
          hintStream = s;
          hintRev = this.index.lastRev;
        }
      }
    }
    if (this.hints !== undefined) this.hints.push(frame, hintAt, hintStore, hintId, hintStream, hintRev);
    const re = frame.reassembled;
    if (re !== undefined) {
      // Indexed: records the loop itself attaches (TCP chunks) are visited too, as for…of does.
      for (let k = 0; k < re.length; k++) {
        const r = re[k] as { kind?: unknown };
        // TCP chunks (one per data segment, attached just above) carry no packet: skip them by
        // their kind, so the packet read below sees datagrams only (one shape).
        if (r.kind === 'tcp') continue;
        const d = r as Datagram;
        if (d.packet === undefined || d.packet.layers.length === 0) continue;
        const l = d.packet.layers[0];
        if (l.protocol !== 'tcp' && l.protocol !== 'udp') continue;
        datagramTransport(d, l, t);
        if (t.proto === 6) {
          const s = this.index.tcp(t, l, frame.n);
          if (s >= 0) {
            this.tap(s, l, frame);
            tcpFlow = s;
            this.feed(s, l, d.packet, d.packet.bytes.u8, frame);
          }
        } else {
          const s = this.index.udp(t, l, frame.n);
          if (s >= 0) {
            this.tap(s, l, frame);
            udpFlow = s;
          }
        }
      }
    }
    if (tcpFlow < 0) tcpFlow = tcpQuoted;
    if (udpFlow < 0) udpFlow = udpQuoted;
    const flow = tcpFlow >= 0 ? tcpFlow : udpFlow;
    if (flow >= 0) {
      (frame as { flow?: number }).flow = flow;
      // Both kinds in one frame (TCP tunnelled over UDP): say which is which.
      if (tcpFlow >= 0 && udpFlow >= 0) setFrameField(frame, 'flows', { tcp: tcpFlow, udp: udpFlow });
    }
    return flow;
  }

  private tap(stream: number, l: Layer, frame: Frame): void {
    const cs = this.consumers;
    for (let i = 0; i < cs.length; i++) cs[i].transport?.(this.t, stream, l, frame);
  }

  private feed(stream: number, l: Layer, pkt: Frame, u8: Uint8Array, outer?: Frame): void {
    const t = this.t;
    if (this.consumers.length === 0 || t.fragmented || t.inError || !l.complete) return;
    const f = l.fields as { seq: number; ack: number; flags: number; hdrLen: number };
    if (t.reportedLen < f.hdrLen) return; // tshark: "short segment", length unknown
    const v = this.view;
    v.stream = stream;
    v.cid = this.index.lastTcpId;
    v.rev = this.index.lastRev;
    v.layer = l;
    v.frame = outer ?? pkt;
    v.data = l.end > l.hdrEnd ? this.payloadView(u8, l.hdrEnd, l.end) : NO_BYTES; // pure ACKs make no view
    v.claimed = t.reportedLen - f.hdrLen;
    v.seq = f.seq;
    v.ack = f.ack;
    v.flags = f.flags;
    for (let i = 0; i < this.consumers.length; i++) this.consumers[i].segment?.(v);
  }

  /** The buffer and offset of the last frame bytes viewed (frames of one read share them). */
  private viewU8: Uint8Array = NO_BYTES;
  private viewBuf: ArrayBufferLike = NO_BYTES.buffer;
  private viewOff = 0;

  /**
   * u8.subarray(start, end) without subarray's species lookup, and without reading `buffer` and
   * `byteOffset` per segment (runtime calls in Node 20's V8): a plain Uint8Array is viewed through
   * its buffer, remembered per batch buffer. A Buffer (or other subclass) and an end past the bytes
   * keep subarray, so the view's type and bounds are what subarray gives.
   */
  private payloadView(u8: Uint8Array, start: number, end: number): Uint8Array {
    if (u8.constructor !== Uint8Array || end > u8.length) return u8.subarray(start, end);
    if (u8 !== this.viewU8) {
      this.viewU8 = u8;
      this.viewBuf = u8.buffer;
      this.viewOff = u8.byteOffset;
    }
    return new Uint8Array(this.viewBuf, this.viewOff + start, end - start);
  }
}

/** Fill a Transport from a reassembled datagram whose packet starts with `l` (TCP or UDP). */
export function datagramTransport(d: Datagram, l: Layer, t: Transport): void {
  const f = l.fields as { srcport: number; dstport: number };
  t.proto = l.protocol === 'tcp' ? 6 : 17;
  t.v6 = d.version === 6;
  if (t.v6) {
    t.src6 = d.srcAddr as Transport['src6'];
    t.dst6 = d.dstAddr as Transport['dst6'];
  } else {
    t.src4 = d.srcAddr as number;
    t.dst4 = d.dstAddr as number;
    t.src6 = undefined;
    t.dst6 = undefined;
  }
  t.sport = f.srcport;
  t.dport = f.dstport;
  t.layer = 0;
  t.ip = -1;
  t.inError = false;
  t.fragmented = false;
  t.reportedLen = d.payload.length;
}
