/**
 * Flow keys and tshark-compatible stream numbering (tcp.stream, udp.stream).
 *
 * tshark numbers a TCP or UDP "conversation" the first time a packet of it is dissected, in frame
 * order, from 0, separately for TCP and UDP (Wireshark epan/conversation.c, get_tcp_conversation_data
 * and get_udp_conversation_data). A conversation is keyed by the unordered pair of (address, port)
 * endpoints of the IP header just outside the transport header (so a tunnel's inner TCP uses the
 * inner addresses, and UDP quoted by an ICMP error shares its flow's number). What we copy:
 *
 * - TCP port reuse (packet-tcp.c, dissect_tcp): a pure SYN (SYN without ACK) whose sequence number
 *   differs from the base sequence number already recorded for its direction starts a new
 *   conversation, hence a new stream index; the same SYN again (a retransmission) does not.
 * - The base sequence number of a direction is set by the first segment tshark analyses in that
 *   direction (seq for a SYN, seq − 1 otherwise), or from the ACK of a segment in the other
 *   direction (ack − 1). Segments inside IP fragments or ICMP errors, or shorter than their header,
 *   are not analysed (tcph->th_have_seglen is false there), so they set nothing.
 * - tshark reads ports, sequence numbers, flags and window (16 bytes) before it looks the
 *   conversation up: a TCP header cut before 16 bytes gets no stream index.
 * - UDP conversations are never split; a UDP header shorter than 8 bytes, or whose length field is
 *   below 8, gets no stream index.
 *
 * Keys are tuples of u32 words in a typed-array hash table (tuple-table.ts): no string and no
 * allocation per packet. A cap on remembered conversations bounds memory on hostile input: past it
 * the oldest are forgotten (a forgotten pair seen again gets a new number; tshark never forgets).
 */
import type { Ipv6 } from '../core/fields.js';
import type { Frame, Layer } from '../core/frame.js';
import { seqAdd } from './seq.js';
import { StreamWalk } from './streams.js';
import { TupleTable } from './tuple-table.js';

export const TH_FIN = 0x01;
export const TH_SYN = 0x02;
export const TH_RST = 0x04;
export const TH_ACK = 0x10;

/** One transport header of a frame with its IP endpoints. Reused (a scratch value), never kept. */
export interface Transport {
  /** 6 TCP, 17 UDP. */
  proto: number;
  v6: boolean;
  /** IPv4 addresses as u32 (v6 false). */
  src4: number;
  dst4: number;
  /** IPv6 addresses (v6 true). */
  src6: Ipv6 | undefined;
  dst6: Ipv6 | undefined;
  sport: number;
  dport: number;
  /** Index of the transport layer and of the IP layer before it in frame.layers. */
  layer: number;
  ip: number;
  /** Quoted inside an ICMP/ICMPv6 error. */
  inError: boolean;
  /** Inside an IP fragment that was not reassembled. */
  fragmented: boolean;
  /** Transport length the IP header claims (tvb_reported_length in tshark). */
  reportedLen: number;
}

export function newTransport(): Transport {
  return {
    proto: 0,
    v6: false,
    src4: 0,
    dst4: 0,
    src6: undefined,
    dst6: undefined,
    sport: 0,
    dport: 0,
    layer: -1,
    ip: -1,
    inError: false,
    fragmented: false,
    reportedLen: 0,
  };
}

const isIcmp = (p: string): boolean => p === 'icmp' || p === 'icmpv6';

/**
 * Find the next TCP or UDP layer at index ≥ `from` with an IP layer before it; fill `t` and return
 * its index, or -1. Layers of other protocols are skipped, so a tunnel yields several.
 */
export function nextTransport(frame: Frame, from: number, t: Transport): number {
  const layers = frame.layers;
  for (let i = from; i < layers.length; i++) {
    const l = layers[i];
    const p = l.protocol;
    if (p !== 'tcp' && p !== 'udp') continue;
    let ip = -1;
    let inError = false;
    let fragmented = false;
    for (let j = i - 1; j >= 0; j--) {
      const q = layers[j].protocol;
      if (ip < 0 && (q === 'ipv4' || q === 'ipv6')) ip = j;
      else if (ip < 0 && (q === 'ipv6_frag' || q === 'ipv6.frag')) {
        const ff = layers[j].fields as { offset?: number; more?: number };
        if (ff.offset !== 0 || ff.more === 1) fragmented = true;
      } else if (ip >= 0 && isIcmp(q)) {
        inError = true;
        break;
      }
    }
    if (ip < 0) continue;
    const il = layers[ip];
    // tshark's reported length is what the IP header claims, bounded by the frame's wire length.
    const wire = frame.origLen - (l.start - frame.start);
    const f = l.fields as { srcport?: number; dstport?: number };
    if (f.srcport === undefined || f.dstport === undefined) continue;
    t.proto = p === 'tcp' ? 6 : 17;
    t.sport = f.srcport;
    t.dport = f.dstport;
    t.layer = i;
    t.ip = ip;
    t.inError = inError;
    if (il.protocol === 'ipv4') {
      const g = il.fields as { src: number; dst: number; mf: number; fragOffset: number; len: number; hdrLen: number };
      t.v6 = false;
      t.src4 = g.src;
      t.dst4 = g.dst;
      t.src6 = undefined;
      t.dst6 = undefined;
      t.fragmented = g.mf === 1 || g.fragOffset !== 0;
      t.reportedLen = Math.min(wire, g.len === 0 ? wire : il.start + g.len - l.start);
    } else {
      const g = il.fields as { src: Ipv6; dst: Ipv6; plen: number };
      t.v6 = true;
      t.src6 = g.src;
      t.dst6 = g.dst;
      t.fragmented = fragmented;
      t.reportedLen = Math.min(wire, g.plen === 0 ? wire : il.start + 40 + g.plen - l.start);
    }
    return i;
  }
  return -1;
}

/** Wireshark's cmp_address on the transport's addresses: > 0 when src sorts after dst. */
export function cmpAddr(t: Transport): number {
  if (!t.v6) return t.src4 > t.dst4 ? 1 : t.src4 < t.dst4 ? -1 : 0;
  const a = t.src6!;
  const b = t.dst6!;
  for (let k = 0; k < 4; k++) if (a[k] !== b[k]) return a[k] > b[k] ? 1 : -1;
  return 0;
}

/**
 * The endpoint pair of a transport header in key order (the endpoint that sorts first, first):
 * [family, 4 address words, port, 4 address words, port]; IPv4 addresses sit in the last word.
 */
export function pairKey(t: Transport, out: Uint32Array): void {
  const rev = cmpEndpoint(t) > 0;
  if (!t.v6) {
    out[0] = 4;
    out[1] = out[2] = out[3] = out[6] = out[7] = out[8] = 0;
    out[4] = rev ? t.dst4 : t.src4;
    out[9] = rev ? t.src4 : t.dst4;
  } else {
    const a = rev ? t.dst6! : t.src6!;
    const b = rev ? t.src6! : t.dst6!;
    out[0] = 6;
    out[1] = a[0];
    out[2] = a[1];
    out[3] = a[2];
    out[4] = a[3];
    out[6] = b[0];
    out[7] = b[1];
    out[8] = b[2];
    out[9] = b[3];
  }
  out[5] = rev ? t.dport : t.sport;
  out[10] = rev ? t.sport : t.dport;
}

/** Per-conversation state tshark keeps that decides stream numbers. */
export class Conv {
  // Hot fields first (one cache line for the per-packet reads).
  /**
   * Base sequence number per Wireshark flow (flow1: src sorts after dst), and whether it is set.
   * Kept as int32 bits (`| 0`): a u32 above 2^31 would be a boxed double, one more cache miss.
   */
  base0 = 0;
  base1 = 0;
  set0 = false;
  set1 = false;
  /** Free slot for a consumer (the TCP reassembler keeps the connection here: no second lookup). */
  user: unknown = undefined;
  /** Free number slot for a consumer (the TCP reassembler keeps its record id here). */
  rec = -1;
  /**
   * The flow tracer's flow ids of this pair, per direction (0: from the endpoint that sorts first),
   * -1 none: the tracer finds a frame's flow through the conversation the walk already looked up.
   */
  trace0 = -1;
  trace1 = -1;
  /** Slot id and key tuple, for eviction. */
  id = -1;
  k: Uint32Array | undefined;
  constructor(
    readonly stream: number,
    /** Frame number of the first packet. */
    readonly first: number,
  ) {}
}

export interface FlowIndexOptions {
  /** Conversations remembered per protocol before the oldest are forgotten (default 1,000,000). */
  readonly maxConversations?: number;
}

class ConvTable {
  private readonly table = new TupleTable(11, 4096);
  private readonly convs: (Conv | undefined)[] = [];
  private readonly key = new Uint32Array(11);
  /** Conversation ids in creation order, for eviction. */
  private readonly order: number[] = [];
  private orderHead = 0;
  count = 0;
  constructor(private readonly max: number) {}

  get size(): number {
    return this.table.size;
  }

  get(t: Transport): Conv | undefined {
    pairKey(t, this.key);
    const id = this.table.get(this.key);
    return id < 0 ? undefined : this.convs[id];
  }

  /** A new conversation for this pair (replacing any earlier one, as conversation_new does). */
  create(t: Transport, frame: number): Conv {
    const c = new Conv(this.count++, frame);
    pairKey(t, this.key);
    const id = this.convs.length;
    c.id = id;
    c.k = this.key.slice();
    const old = this.table.get(this.key);
    if (old >= 0) this.convs[old] = undefined;
    this.convs.push(c);
    this.table.set(this.key, id);
    this.order.push(id);
    if (this.table.size > this.max) this.evict();
    return c;
  }

  private evict(): void {
    while (this.table.size > this.max && this.orderHead < this.order.length) {
      const id = this.order[this.orderHead++];
      const c = this.convs[id];
      if (c === undefined) continue;
      this.table.delete(c.k!);
      this.convs[id] = undefined;
    }
    if (this.orderHead > 65536 && this.orderHead * 2 > this.order.length) {
      this.order.splice(0, this.orderHead);
      this.orderHead = 0;
    }
  }
}

/** Endpoint order for keys: address, then port. > 0 when (src, sport) sorts after (dst, dport). */
export function cmpEndpoint(t: Transport): number {
  const c = cmpAddr(t);
  return c !== 0 ? c : t.sport - t.dport;
}

/** The tshark stream numbering for TCP and UDP, fed one transport header at a time in frame order. */
export class FlowIndex {
  private readonly tcpT: ConvTable;
  /** The conversation of the last tcp() call that returned a stream. */
  lastTcp: Conv | undefined = undefined;
  /** The conversation of the last udp() call that returned a stream. */
  lastUdp: Conv | undefined = undefined;
  /** Whether the last header numbered came from the endpoint that sorts second (pairKey's order). */
  lastRev = false;
  private readonly udpT: ConvTable;
  constructor(opts: FlowIndexOptions = {}) {
    const max = opts.maxConversations ?? 1_000_000;
    this.tcpT = new ConvTable(max);
    this.udpT = new ConvTable(max);
  }

  /** Streams numbered so far. */
  get tcpStreams(): number {
    return this.tcpT.count;
  }
  get udpStreams(): number {
    return this.udpT.count;
  }

  /**
   * The tcp.stream of a TCP header, or -1 when tshark would give none (fewer than 16 bytes).
   * `layer` is frame.layers[t.layer].
   */
  tcp(t: Transport, layer: Layer, frame: number): number {
    const f = layer.fields as { seq?: number; ack?: number; flags?: number; window?: number; hdrLen?: number };
    if (f.window === undefined || f.flags === undefined) return -1;
    const seq = f.seq!;
    const flags = f.flags;
    let c = this.tcpT.get(t);
    if (c === undefined) c = this.tcpT.create(t, frame);
    // Wireshark's fwd flow: flow1 when src sorts after dst (ports break a tie; equal ports → flow2).
    const ca = cmpAddr(t);
    const fwd1 = ca > 0 || (ca === 0 && t.sport > t.dport);
    if ((flags & (TH_SYN | TH_ACK)) === TH_SYN) {
      const set = fwd1 ? c.set0 : c.set1;
      const base = fwd1 ? c.base0 : c.base1;
      if (set && (seq | 0) !== base) c = this.tcpT.create(t, frame);
    }
    // tcp_analyze_sequence_number: only for segments tshark can measure.
    const hlen = f.hdrLen ?? 0;
    if (!t.fragmented && !t.inError && t.reportedLen >= hlen) {
      if (fwd1 ? !c.set0 : !c.set1) {
        const b = (flags & TH_SYN ? seq : seqAdd(seq, -1)) | 0;
        if (fwd1) {
          c.base0 = b;
          c.set0 = true;
        } else {
          c.base1 = b;
          c.set1 = true;
        }
      }
      if (flags & TH_ACK && (fwd1 ? !c.set1 : !c.set0)) {
        const b = seqAdd(f.ack!, -1) | 0;
        if (fwd1) {
          c.base1 = b;
          c.set1 = true;
        } else {
          c.base0 = b;
          c.set0 = true;
        }
      }
    }
    this.lastTcp = c;
    this.lastRev = fwd1;
    return c.stream;
  }

  /**
   * The udp.stream of a UDP header, or -1 when tshark gives none: it reads the whole 8-byte header
   * before the conversation lookup and returns early on a length below 8 (0 is allowed over IPv6,
   * RFC 2675 jumbograms).
   */
  udp(t: Transport, layer: Layer, frame: number): number {
    if (!layer.complete) return -1;
    const len = (layer.fields as { length: number }).length;
    if (len < 8 && !(len === 0 && t.v6)) return -1;
    let c = this.udpT.get(t);
    if (c === undefined) c = this.udpT.create(t, frame);
    this.lastUdp = c;
    this.lastRev = cmpEndpoint(t) > 0;
    return c.stream;
  }
}

/** tcp.stream and udp.stream of every transport header in a frame, outermost first (tests, tools). */
export function frameStreams(
  index: FlowIndex,
  frame: Frame,
  t: Transport = newTransport(),
): { tcp: number[]; udp: number[] } {
  const out = { tcp: [] as number[], udp: [] as number[] };
  for (let i = nextTransport(frame, 0, t); i >= 0; i = nextTransport(frame, i + 1, t)) {
    if (t.proto === 6) {
      const s = index.tcp(t, frame.layers[i], frame.n);
      if (s >= 0) out.tcp.push(s);
    } else {
      const s = index.udp(t, frame.layers[i], frame.n);
      if (s >= 0) out.udp.push(s);
    }
  }
  return out;
}

/**
 * Number the flows of a capture's frames in order, as tshark does with IP reassembly off (the
 * oracle's setting): sets `flow` and `flows` on each frame and returns the same frames.
 */
export function numberFlows(frames: readonly Frame[]): Frame[] {
  const walk = new StreamWalk();
  for (const f of frames) walk.frame(f);
  return frames as Frame[];
}
