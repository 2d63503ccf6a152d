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

/**
 * Per-conversation numbers in one dense Int32Array, CS words (one 64-byte cache line) per
 * conversation id: with thousands of conversations taking turns, a packet's first read of a Conv
 * object somewhere in a large heap is a cache and TLB miss, while the records of the open
 * conversations sit together in a small array. The record also holds the conversation's key, so
 * the hash table is a small array of ids and a lookup reads one record line, not a wide hash slot
 * and then the record.
 * Layout: [stream, base0, base1, set bits (1: base0, 2: base1; family 4 or 6 from bit 8), rec,
 * trace0, trace1, ports (first endpoint's << 16), first address (4 words; IPv4 in the first),
 * second address (4 words; IPv4 in the first)].
 */
export const CS = 16;
export const C_STREAM = 0;
export const C_BASE0 = 1;
export const C_BASE1 = 2;
export const C_SET = 3;
export const C_REC = 4;
export const C_TRACE0 = 5;
export const C_TRACE1 = 6;
const C_PORTS = 7;
const C_A = 8;
const C_B = 12;

/** The array of conversation records (replaced when it grows; hold this, not the array). */
export interface ConvStore {
  a: Int32Array;
}

/** Per-conversation state tshark keeps that decides stream numbers (numbers: accessors over its record). */
export class Conv {
  /** Free slot for a consumer (the TCP reassembler keeps the connection here: no second lookup). */
  user: unknown = undefined;
  constructor(
    readonly stream: number,
    /** Frame number of the first packet. */
    readonly first: number,
    private readonly store: ConvStore,
    /** Conversation id: its record in the store. */
    readonly id: number,
  ) {}
  private get(k: number): number {
    return this.store.a[this.id * CS + k];
  }
  private put(k: number, v: number): void {
    this.store.a[this.id * CS + k] = v;
  }
  /** Base sequence number per Wireshark flow (flow1: src sorts after dst), as int32 bits. */
  get base0(): number {
    return this.get(C_BASE0);
  }
  get base1(): number {
    return this.get(C_BASE1);
  }
  get set0(): boolean {
    return (this.get(C_SET) & 1) !== 0;
  }
  get set1(): boolean {
    return (this.get(C_SET) & 2) !== 0;
  }
  /** Free number slot for a consumer (the TCP reassembler keeps its record id here), -1 none. */
  get rec(): number {
    return this.get(C_REC);
  }
  set rec(v: number) {
    this.put(C_REC, v);
  }
  /**
   * The flow tracer's flow ids of this pair, per direction (0: from the endpoint that sorts first),
   * -1 none: the tracer finds a frame's flow through the conversation the walk already looked up.
   */
  get trace0(): number {
    return this.get(C_TRACE0);
  }
  set trace0(v: number) {
    this.put(C_TRACE0, v);
  }
  get trace1(): number {
    return this.get(C_TRACE1);
  }
  set trace1(v: number) {
    this.put(C_TRACE1, v);
  }
}

export interface FlowIndexOptions {
  /** Conversations remembered per protocol before the oldest are forgotten (default 1,000,000). */
  readonly maxConversations?: number;
}

/**
 * Conversations by endpoint pair: an open-addressing table of conversation ids (one Int32Array,
 * 4 bytes a slot, small enough to stay in cache with tens of thousands of pairs) whose keys live in
 * the conversations' records (CS). No string and no allocation per packet; it allocates only when
 * it grows.
 */
class ConvTable {
  /** Conversation id per slot: -1 empty, -2 deleted. */
  private ids: Int32Array;
  private mask: number;
  private used = 0;
  /** Pairs in the table. */
  size = 0;
  private readonly convs: (Conv | undefined)[] = [];
  /**
   * Ids of forgotten (evicted) conversations, reused so that records grow with the conversations
   * remembered, not with every one ever seen. (A replaced pair's id is not reused: its entry in
   * `order` is still ahead.) Whoever keeps an id across frames checks the record's stream.
   */
  private readonly free: number[] = [];
  readonly store: ConvStore = { a: new Int32Array(CS * 4096) };
  /** The key being looked up, in key order: [family, ports, first address ×4, second address ×4]. */
  private readonly key = new Int32Array(10);
  /** Conversation ids in creation order, for eviction. */
  private readonly order: number[] = [];
  private orderHead = 0;
  count = 0;
  constructor(private readonly max: number) {
    this.ids = new Int32Array(8192).fill(-1);
    this.mask = 8192 - 1;
  }

  /** Fill `key` from a transport header (`rev`: its source sorts second) and return its hash. */
  private setKey(t: Transport, rev: boolean): number {
    const k = this.key;
    k[1] = rev ? (t.dport << 16) | t.sport : (t.sport << 16) | t.dport;
    if (!t.v6) {
      k[0] = 4;
      k[2] = rev ? t.dst4 : t.src4;
      k[6] = rev ? t.src4 : t.dst4;
      k[3] = k[4] = k[5] = k[7] = k[8] = k[9] = 0;
    } else {
      const a = rev ? t.dst6! : t.src6!;
      const b = rev ? t.src6! : t.dst6!;
      k[0] = 6;
      for (let i = 0; i < 4; i++) {
        k[2 + i] = a[i];
        k[6 + i] = b[i];
      }
    }
    return hashKey(k);
  }

  /** Copy the key of the record at word `at` into `key`. */
  private recKey(at: number): void {
    const a = this.store.a;
    const k = this.key;
    k[0] = a[at + C_SET] >> 8;
    k[1] = a[at + C_PORTS];
    for (let i = 0; i < 4; i++) {
      k[2 + i] = a[at + C_A + i];
      k[6 + i] = a[at + C_B + i];
    }
  }

  /** Does the record at word `at` hold `key`? */
  private same(at: number): boolean {
    const a = this.store.a;
    const k = this.key;
    if (a[at + C_PORTS] !== k[1] || a[at + C_A] !== k[2] || a[at + C_B] !== k[6] || a[at + C_SET] >> 8 !== k[0]) {
      return false;
    }
    if (k[0] === 4) return true;
    for (let i = 1; i < 4; i++) if (a[at + C_A + i] !== k[2 + i] || a[at + C_B + i] !== k[6 + i]) return false;
    return true;
  }

  /** Read ahead: `touch.a[id * touchStride]` is read with each candidate's record (see touchTcp). */
  touch: { a: Float64Array } | undefined = undefined;
  touchStride = 0;
  /** What the read-ahead loads, kept so that they are not optimised away. */
  private sink = 0;

  /** The slot holding `key` (hash `h`), or -1. */
  private slotOf(h: number): number {
    const ids = this.ids;
    const tr = this.touch;
    let s = h & this.mask;
    for (;;) {
      const v = ids[s];
      if (v === -1) return -1;
      // Issued before the key compare below waits for the conversation's record: both loads
      // (cache misses, with thousands of conversations taking turns) then overlap.
      if (tr !== undefined && v >= 0 && v * this.touchStride < tr.a.length) this.sink ^= tr.a[v * this.touchStride] & 1;
      if (v >= 0 && this.same(v * CS)) return s;
      s = (s + 1) & this.mask;
    }
  }

  /** Put id `id` (key in `key`, hash `h`, not in the table) into a free slot. */
  private insert(h: number, id: number): void {
    const ids = this.ids;
    let s = h & this.mask;
    for (;;) {
      const v = ids[s];
      if (v === -1) {
        this.used++;
        break;
      }
      if (v === -2) break;
      s = (s + 1) & this.mask;
    }
    ids[s] = id;
    this.size++;
  }

  /** The conversation id of a pair (`rev`: cmpEndpoint(t) > 0), or -1. */
  find(t: Transport, rev: boolean): number {
    const s = this.slotOf(this.setKey(t, rev));
    return s < 0 ? -1 : this.ids[s];
  }

  conv(id: number): Conv | undefined {
    return this.convs[id];
  }

  /** A new conversation for this pair (replacing any earlier one, as conversation_new does); its id. */
  create(t: Transport, frame: number, rev: boolean): number {
    const id = this.free.length > 0 ? this.free.pop()! : this.convs.length;
    if ((id + 1) * CS > this.store.a.length) {
      const a2 = new Int32Array(this.store.a.length * 2);
      a2.set(this.store.a);
      this.store.a = a2;
    }
    const h = this.setKey(t, rev);
    const a = this.store.a;
    const k = this.key;
    const at = id * CS;
    const stream = this.count++;
    a[at + C_STREAM] = stream;
    a[at + C_BASE0] = 0;
    a[at + C_BASE1] = 0;
    a[at + C_SET] = k[0] << 8;
    a[at + C_REC] = -1;
    a[at + C_TRACE0] = -1;
    a[at + C_TRACE1] = -1;
    a[at + C_PORTS] = k[1];
    for (let i = 0; i < 4; i++) {
      a[at + C_A + i] = k[2 + i];
      a[at + C_B + i] = k[6 + i];
    }
    const c = new Conv(stream, frame, this.store, id);
    if (id === this.convs.length) this.convs.push(c);
    else this.convs[id] = c;
    const s = this.slotOf(h);
    if (s >= 0) {
      this.convs[this.ids[s]] = undefined;
      this.ids[s] = id;
    } else {
      if ((this.used + 1) * 2 > this.mask + 1) {
        this.grow();
        this.setKey(t, rev);
      }
      this.insert(h, id);
    }
    this.order.push(id);
    if (this.size > this.max) this.evict();
    return id;
  }

  private evict(): void {
    while (this.size > this.max && this.orderHead < this.order.length) {
      const id = this.order[this.orderHead++];
      if (this.convs[id] === undefined) continue;
      this.recKey(id * CS);
      const ids = this.ids;
      let s = hashKey(this.key) & this.mask;
      while (ids[s] !== id) s = (s + 1) & this.mask;
      ids[s] = -2;
      this.size--;
      this.convs[id] = undefined;
      this.free.push(id);
    }
    if (this.orderHead > 65536 && this.orderHead * 2 > this.order.length) {
      this.order.splice(0, this.orderHead);
      this.orderHead = 0;
    }
  }

  /** Rehash (dropping tombstones), doubling when live pairs fill a quarter of the slots. */
  private grow(): void {
    const old = this.ids;
    const cap = this.size * 4 > old.length ? old.length * 2 : old.length;
    this.ids = new Int32Array(cap).fill(-1);
    this.mask = cap - 1;
    this.used = 0;
    this.size = 0;
    for (let s = 0; s < old.length; s++) {
      const id = old[s];
      if (id < 0) continue;
      this.recKey(id * CS);
      this.insert(hashKey(this.key), id);
    }
  }
}

/** Hash of a key (ConvTable's order); an IPv4 key hashes its family, ports and two addresses only. */
function hashKey(k: Int32Array): number {
  let h = 0x811c9dc5;
  h = mix(h, k[0]);
  h = mix(h, k[1]);
  h = mix(h, k[2]);
  h = mix(h, k[6]);
  if (k[0] !== 4) {
    for (let i = 1; i < 4; i++) {
      h = mix(h, k[2 + i]);
      h = mix(h, k[6 + i]);
    }
  }
  return Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
}

function mix(h: number, w: number): number {
  const x = Math.imul(h ^ w, 0x01000193);
  return x ^ (x >>> 13);
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
  get lastTcp(): Conv | undefined {
    return this.lastTcpId < 0 ? undefined : this.tcpT.conv(this.lastTcpId);
  }
  /** The conversation of the last udp() call that returned a stream. */
  get lastUdp(): Conv | undefined {
    return this.lastUdpId < 0 ? undefined : this.udpT.conv(this.lastUdpId);
  }
  /**
   * A consumer keeps a record per TCP conversation at `a[id * stride]` (the reassembler's
   * connections, whose record ids are the conversation ids): lookups read it together with the
   * conversation's own record, so the consumer's first read of it comes from cache.
   */
  touchTcp(records: { a: Float64Array }, stride: number): void {
    this.tcpT.touch = records;
    this.tcpT.touchStride = stride;
  }
  /** The TCP conversation with id `id` (-1: none), while remembered. */
  tcpConv(id: number): Conv | undefined {
    return id < 0 ? undefined : this.tcpT.conv(id);
  }
  /** Their ids, records in `tcpStore` / `udpStore` (-1 none). */
  lastTcpId = -1;
  lastUdpId = -1;
  /** Whether the last header numbered came from the endpoint that sorts second (pairKey's order). */
  lastRev = false;
  private readonly udpT: ConvTable;
  constructor(opts: FlowIndexOptions = {}) {
    const max = opts.maxConversations ?? 1_000_000;
    this.tcpT = new ConvTable(max);
    this.udpT = new ConvTable(max);
    this.tcpStore = this.tcpT.store;
    this.udpStore = this.udpT.store;
  }
  /** The conversation records of TCP and UDP (see CS). */
  readonly tcpStore: ConvStore;
  readonly udpStore: ConvStore;

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
    const tbl = this.tcpT;
    // Wireshark's fwd flow: flow1 when src sorts after dst (ports break a tie; equal ports → flow2).
    const fwd1 = cmpEndpoint(t) > 0;
    let id = tbl.find(t, fwd1);
    if (id < 0) id = tbl.create(t, frame, fwd1);
    let a = tbl.store.a;
    if ((flags & (TH_SYN | TH_ACK)) === TH_SYN) {
      const at = id * CS;
      const set = (a[at + C_SET] & (fwd1 ? 1 : 2)) !== 0;
      const base = fwd1 ? a[at + C_BASE0] : a[at + C_BASE1];
      if (set && (seq | 0) !== base) {
        id = tbl.create(t, frame, fwd1);
        a = tbl.store.a;
      }
    }
    const at = id * CS;
    // tcp_analyze_sequence_number: only for segments tshark can measure.
    const hlen = f.hdrLen ?? 0;
    if (!t.fragmented && !t.inError && t.reportedLen >= hlen) {
      const own = fwd1 ? 1 : 2;
      if ((a[at + C_SET] & own) === 0) {
        a[at + (fwd1 ? C_BASE0 : C_BASE1)] = flags & TH_SYN ? seq : seqAdd(seq, -1);
        a[at + C_SET] |= own;
      }
      const peer = fwd1 ? 2 : 1;
      if (flags & TH_ACK && (a[at + C_SET] & peer) === 0) {
        a[at + (fwd1 ? C_BASE1 : C_BASE0)] = seqAdd(f.ack!, -1);
        a[at + C_SET] |= peer;
      }
    }
    this.lastTcpId = id;
    this.lastRev = fwd1;
    return a[at + C_STREAM];
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
    const rev = cmpEndpoint(t) > 0;
    let id = this.udpT.find(t, rev);
    if (id < 0) id = this.udpT.create(t, frame, rev);
    this.lastUdpId = id;
    this.lastRev = rev;
    return this.udpT.store.a[id * CS + C_STREAM];
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
