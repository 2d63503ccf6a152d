/**
 * IPv4 and IPv6 fragment reassembly.
 *
 * - Keys as the RFCs say: IPv4 (source, destination, protocol, identification), RFC 791 §3.2;
 *   IPv6 (source, destination, identification of the Fragment header), RFC 8200 §4.5. Offsets
 *   count 8-octet units in both. (PyPCAPKit keyed IPv6 on the flow label, #353, and mixed units,
 *   #352; and it treated every IPv4 packet without DF as a one-fragment datagram: a packet is a
 *   fragment only when MF is set or the offset is not zero.)
 * - Holes are tracked with RFC 815's hole descriptors.
 * - Overlaps: first data wins. Bytes already received are never overwritten; a later fragment only
 *   fills holes (RFC 5722 asks IPv6 receivers to drop overlapping datagrams; we keep the first
 *   copy and record 'ip.defrag_overlap', or 'ip.defrag_overlap_conflict' when the bytes differ, so a
 *   report shows what an attacker tried). A fragment that adds nothing is a duplicate: counted,
 *   ignored.
 * - Timeouts run on capture time from a datagram's first fragment: 15 s for IPv4 (RFC 791's
 *   suggested lower bound for the reassembly timer) and 60 s for IPv6 (RFC 8200 §4.5).
 * - Caps: buffered payload bytes and datagrams in progress. Past either, the oldest datagram is
 *   given up (submitted incomplete in non-strict mode, dropped in strict mode), so a hostile capture
 *   cannot grow memory without bound.
 * - Strict mode submits complete datagrams only; otherwise incomplete ones are submitted too, when
 *   they time out or the input ends, with their holes listed.
 *
 * A complete datagram's payload is re-dissected from its transport protocol (registry table
 * 'ip.proto') and attached to the frame that completed it, as tshark shows the reassembled packet
 * on the last fragment that arrived.
 */
import { ipv4ToString, ipv6ToString } from '../core/addr.js';
import { Bytes } from '../core/bytes.js';
import type { Dissector } from '../core/dissect.js';
import type { Ipv6 } from '../core/fields.js';
import type { Frame, Layer } from '../core/frame.js';
import type { Registry } from '../core/registry.js';

export interface DefragOptions {
  /** Submit only complete datagrams (default false: incomplete ones too, with holes listed). */
  readonly strict?: boolean;
  /** Seconds of capture time a datagram may wait for its fragments (default 15 IPv4, 60 IPv6). */
  readonly timeout?: number;
  /** Payload bytes buffered across datagrams in progress (default 32 MiB). */
  readonly maxBytes?: number;
  /** Datagrams in progress at once (default 4096). */
  readonly maxDatagrams?: number;
  /** Fragments one datagram may collect before it is given up (default 1024). */
  readonly maxFragments?: number;
}

export interface DatagramKey {
  /** Addresses as text (RFC 5952 for IPv6). */
  readonly src: string;
  readonly dst: string;
  /** IP protocol number (IPv6: the Next Header of the Fragment header). */
  readonly proto: number;
  /** Identification (16 bits for IPv4, 32 for IPv6). */
  readonly id: number;
}

/** One reassembled (or given-up) datagram. */
export interface Datagram {
  /** Record kind in `frame.reassembled`. */
  readonly kind: 'ipv4' | 'ipv6';
  readonly version: 4 | 6;
  readonly key: DatagramKey;
  /** Addresses as numbers (IPv4 u32, IPv6 four u32), for flow keys. */
  readonly srcAddr: number | Ipv6;
  readonly dstAddr: number | Ipv6;
  /** Frames whose fragments contributed, in arrival order. */
  readonly frames: readonly number[];
  /** Frame that completed it (or the last fragment seen, when incomplete). */
  readonly frame: number;
  /** Payload length (after the IP header); -1 when the last fragment was never seen. */
  readonly length: number;
  readonly complete: boolean;
  /** Missing byte ranges [start, end) of the payload; empty when complete. */
  readonly holes: readonly (readonly [number, number])[];
  /** The payload bytes (zeros in holes). */
  readonly payload: Uint8Array;
  /** The IP header of the first fragment (offset 0) when seen (IPv6: up to the Fragment header). */
  readonly header: Uint8Array | undefined;
  /** The payload dissected from the transport layer up (complete datagrams only). */
  readonly packet: Frame | undefined;
  /** 'ip.defrag_overlap', 'ip.defrag_overlap_conflict', 'ip.defrag_multiple_tails', 'ip.defrag_timeout', … */
  readonly notes: readonly string[];
}

export interface DefragStats {
  fragments: number;
  duplicates: number;
  overlaps: number;
  completed: number;
  incomplete: number;
  dropped: number;
  evicted: number;
  /** Bytes buffered now and the most ever buffered. */
  bufferedBytes: number;
  peakBytes: number;
  inProgress: number;
}

const MAX_PAYLOAD = 65535 + 8;
/** A datagram's first buffer; buffers of this size are reused (zeroed) once a datagram is done. */
const BUF0 = 2048;
const POOL = 32; // largest offset (8191 × 8) plus a fragment must stay under this

class Pending {
  buf: Uint8Array;
  /** RFC 815 hole descriptors as flat [first, last) pairs, sorted. */
  holes: number[] = [0, MAX_PAYLOAD];
  /** Payload length once the last fragment (MF = 0) was seen, else -1. */
  total = -1;
  frames: number[] = [];
  header: Uint8Array | undefined;
  notes: string[] | undefined;
  lastFrame = 0;
  constructor(
    readonly key: string,
    readonly version: 4 | 6,
    readonly src: number | Ipv6,
    readonly dst: number | Ipv6,
    readonly proto: number,
    readonly id: number,
    readonly startSec: number,
    buf: Uint8Array | undefined,
  ) {
    this.buf = buf ?? new Uint8Array(BUF0);
  }
  note(code: string): void {
    if (this.notes === undefined) this.notes = [code];
    else if (!this.notes.includes(code)) this.notes.push(code);
  }
}

/** One fragment as read from a frame. */
export interface FragmentIn {
  readonly version: 4 | 6;
  readonly src: number | Ipv6;
  readonly dst: number | Ipv6;
  readonly proto: number;
  readonly id: number;
  /** Offset in bytes (the header's 8-octet units × 8). */
  readonly offset: number;
  readonly more: boolean;
  /** Payload bytes present in the capture, and the length the header claims. */
  readonly data: Uint8Array;
  readonly claimed: number;
  /** Header bytes (offset-0 fragment). */
  readonly header: Uint8Array;
}

const EMPTY: readonly Datagram[] = Object.freeze([]);

/**
 * Reassembles the fragments of one IP version. `push` takes a frame and returns the datagrams it
 * completed (and any it gave up on); `flush` gives up on everything still waiting.
 */
export class IpDefragmenter {
  readonly stats: DefragStats = {
    fragments: 0,
    duplicates: 0,
    overlaps: 0,
    completed: 0,
    incomplete: 0,
    dropped: 0,
    evicted: 0,
    bufferedBytes: 0,
    peakBytes: 0,
    inProgress: 0,
  };
  private readonly pending = new Map<string, Pending>();
  /** Keys completed recently → capture second: late duplicates of a finished datagram are ignored. */
  private readonly done = new Map<string, number>();
  private readonly strict: boolean;
  private readonly timeout: number;
  private readonly maxBytes: number;
  private readonly maxDatagrams: number;
  private readonly maxFragments: number;
  private out: Datagram[] | undefined;
  /** Buffers of finished datagrams, for the next ones (one allocation less per datagram). */
  private readonly spare: Uint8Array[] = [];
  private nextExpiry = Number.NEGATIVE_INFINITY;

  constructor(
    readonly version: 4 | 6,
    private readonly registry: Registry,
    private readonly dissect: Dissector,
    opts: DefragOptions = {},
  ) {
    this.strict = opts.strict === true;
    this.timeout = opts.timeout ?? (version === 4 ? 15 : 60);
    this.maxBytes = opts.maxBytes ?? 32 * 1024 * 1024;
    this.maxDatagrams = opts.maxDatagrams ?? 4096;
    this.maxFragments = opts.maxFragments ?? 1024;
  }

  /** Read the fragment a frame carries (the innermost IP layer of our version), if any. */
  static fragmentOf(frame: Frame, version: 4 | 6): FragmentIn | undefined {
    const ls = frame.layers;
    const u8 = frame.bytes.u8;
    for (let i = ls.length - 1; i >= 0; i--) {
      const l = ls[i];
      if (version === 4 && l.protocol === 'ipv4' && l.complete) {
        const f = l.fields as {
          mf: number;
          fragOffset: number;
          src: number;
          dst: number;
          proto: number;
          id: number;
          len: number;
          hdrLen: number;
        };
        if (f.mf === 0 && f.fragOffset === 0) return undefined;
        const claimed = f.len === 0 ? l.end - l.hdrEnd : f.len - f.hdrLen;
        return {
          version: 4,
          src: f.src,
          dst: f.dst,
          proto: f.proto,
          id: f.id,
          offset: f.fragOffset * 8,
          more: f.mf === 1,
          data: u8.subarray(l.hdrEnd, Math.min(l.end, l.hdrEnd + Math.max(claimed, 0))),
          claimed: Math.max(claimed, 0),
          header: u8.subarray(l.start, l.hdrEnd),
        };
      }
      if (version === 6 && l.protocol === 'ipv6' && l.complete) return ipv6Fragment(frame, ls, i, l);
    }
    return undefined;
  }

  /**
   * Can the frame carry a fragment of either version? false only when neither fragmentOf finds one:
   * no IPv4 header with MF or an offset, no IPv6 Fragment layer, no IPv6 header whose Next Header
   * starts an extension chain. One pass over the layers for both defragmenters.
   */
  static mayHoldFragment(frame: Frame): boolean {
    const ls = frame.layers;
    for (let i = 0; i < ls.length; i++) {
      const p = ls[i].protocol;
      if (p === 'ipv4') {
        const f = ls[i].fields as { mf?: number; fragOffset?: number };
        if (f.mf !== 0 || f.fragOffset !== 0) return true;
      } else if (p === 'ipv6') {
        const nh = (ls[i].fields as { nxt?: number }).nxt;
        if (nh === undefined || nh === 0 || nh === 43 || nh === 44 || nh === 51 || nh === 60) return true;
      } else if (p === 'ipv6_frag' || p === 'ipv6.frag') return true;
    }
    return false;
  }

  /** push() for a frame known to hold no fragment (mayHoldFragment false): timeouts only. */
  pass(frame: Frame): readonly Datagram[] {
    if (this.pending.size > 0) this.expire(frame.tsSec, frame.n);
    return this.take();
  }

  push(frame: Frame): readonly Datagram[] {
    const fr = IpDefragmenter.fragmentOf(frame, this.version);
    if (fr === undefined) return this.pass(frame);
    this.add(fr, frame.n, frame.tsSec, frame);
    return this.take();
  }

  /** Feed one fragment directly (the frame number and capture second it came with). */
  add(fr: FragmentIn, n: number, tsSec: number, frame?: Frame): void {
    this.stats.fragments++;
    this.expire(tsSec, n);
    const key = fragmentKey(fr);
    let p = this.pending.get(key);
    if (p === undefined) {
      const doneAt = this.done.get(key);
      if (doneAt !== undefined && tsSec - doneAt <= this.timeout) {
        this.stats.duplicates++;
        return;
      }
      const spare = this.spare.pop();
      if (spare !== undefined) spare.fill(0);
      p = new Pending(key, fr.version, fr.src, fr.dst, fr.proto, fr.id, tsSec, spare);
      this.account(p.buf.length);
      this.pending.set(key, p);
      this.stats.inProgress = this.pending.size;
    }
    p.frames.push(n);
    p.lastFrame = n;
    if (fr.offset === 0) p.header ??= fr.header.slice();
    const first = fr.offset;
    const last = first + fr.data.length;
    if (first + fr.claimed > MAX_PAYLOAD - 8) {
      // RFC 791: a datagram is at most 65,535 octets; a fragment past that is bogus (ping of death).
      p.note('ip.defrag_too_long');
      this.giveUp(p, 'ip.defrag_too_long');
      return;
    }
    if (!fr.more) {
      const end = first + fr.claimed;
      if (p.total < 0) {
        p.total = end;
        trimHoles(p, end);
      } else if (p.total !== end) p.note('ip.defrag_multiple_tails');
    } else if (p.total >= 0 && first + fr.claimed > p.total) p.note('ip.defrag_past_end');
    const added = this.fill(p, first, last, fr.data);
    if (added === 0) this.stats.duplicates++;
    if (p.frames.length > this.maxFragments) {
      this.giveUp(p, 'ip.defrag_too_many_fragments');
      return;
    }
    if (p.total >= 0 && p.holes.length === 0) this.submit(p, true, frame);
    else this.enforceCaps();
  }

  /** Give up on everything still waiting (end of input). */
  flush(): readonly Datagram[] {
    for (const p of [...this.pending.values()]) this.giveUp(p, 'ip.defrag_end_of_input');
    return this.take();
  }

  /** Datagrams in progress, as incomplete records (PyPCAPKit's fetch: nothing is removed). */
  peek(): Datagram[] {
    return [...this.pending.values()].map((p) => this.record(p, false, undefined));
  }

  private take(): readonly Datagram[] {
    const o = this.out;
    if (o === undefined) return EMPTY;
    this.out = undefined;
    return o;
  }

  /** Copy the parts of [first, last) that fall in holes (first data wins); returns bytes added. */
  private fill(p: Pending, first: number, last: number, data: Uint8Array): number {
    const h = p.holes;
    let added = 0;
    let overlapped = false;
    let conflict = false;
    if (last > p.buf.length) {
      let n = p.buf.length;
      while (n < last) n *= 2;
      const nb = new Uint8Array(Math.min(n, MAX_PAYLOAD));
      nb.set(p.buf);
      this.account(nb.length - p.buf.length);
      p.buf = nb;
    }
    // Walk the holes the fragment meets; the parts of the fragment between them are already present
    // (an overlap): compare those bytes to tell a plain retransmission from a conflicting one.
    let cursor = first;
    const next: number[] = [];
    for (let i = 0; i < h.length; i += 2) {
      const hf = h[i];
      const hl = h[i + 1];
      if (hl <= first || hf >= last) {
        next.push(hf, hl);
        continue;
      }
      const s = Math.max(hf, first);
      const e = Math.min(hl, last);
      if (s > cursor) {
        overlapped = true;
        if (!conflict && !sameBytes(p.buf, cursor, data, cursor - first, s - cursor)) conflict = true;
      }
      p.buf.set(data.subarray(s - first, e - first), s);
      added += e - s;
      if (hf < s) next.push(hf, s);
      if (e < hl) next.push(e, hl);
      cursor = e;
    }
    if (cursor < last) {
      overlapped = true;
      if (!conflict && !sameBytes(p.buf, cursor, data, cursor - first, last - cursor)) conflict = true;
    }
    p.holes = next;
    if (overlapped && last > first) {
      this.stats.overlaps++;
      p.note(conflict ? 'ip.defrag_overlap_conflict' : 'ip.defrag_overlap');
    }
    return added;
  }

  private account(n: number): void {
    const s = this.stats;
    s.bufferedBytes += n;
    if (s.bufferedBytes > s.peakBytes) s.peakBytes = s.bufferedBytes;
  }

  private expire(nowSec: number, _n: number): void {
    // Timers have one-second resolution: look at most once per second of capture time.
    if (nowSec < this.nextExpiry) return;
    this.nextExpiry = nowSec + 1;
    for (const p of this.pending.values()) {
      if (nowSec - p.startSec <= this.timeout) break; // insertion order ≈ arrival order
      this.giveUp(p, 'ip.defrag_timeout');
    }
    if (this.done.size > 0) {
      for (const [k, t] of this.done) {
        if (nowSec - t <= this.timeout) break;
        this.done.delete(k);
      }
    }
  }

  private enforceCaps(): void {
    while (
      this.pending.size > 0 &&
      (this.stats.bufferedBytes > this.maxBytes || this.pending.size > this.maxDatagrams)
    ) {
      const oldest = this.pending.values().next().value as Pending;
      this.stats.evicted++;
      this.giveUp(oldest, 'ip.defrag_evicted');
    }
  }

  private giveUp(p: Pending, why: string): void {
    p.note(why);
    if (this.strict) {
      this.stats.dropped++;
      this.remove(p);
      return;
    }
    this.submit(p, false, undefined);
  }

  private remove(p: Pending): void {
    // Records copy the payload out of the buffer (slice), so it can serve the next datagram.
    if (p.buf.length === BUF0 && this.spare.length < POOL) this.spare.push(p.buf);
    this.pending.delete(p.key);
    this.account(-p.buf.length);
    this.stats.inProgress = this.pending.size;
  }

  private submit(p: Pending, complete: boolean, frame: Frame | undefined): void {
    this.remove(p);
    if (complete) {
      this.stats.completed++;
      this.done.set(p.key, frame?.tsSec ?? p.startSec);
    } else this.stats.incomplete++;
    const d = this.record(p, complete, frame);
    (this.out ??= []).push(d);
  }

  private record(p: Pending, complete: boolean, frame: Frame | undefined): Datagram {
    const len = p.total;
    const size = len >= 0 ? len : highestFilled(p);
    const payload = p.buf.slice(0, size);
    const holes: [number, number][] = [];
    for (let i = 0; i < p.holes.length; i += 2) {
      const a = p.holes[i];
      const b = Math.min(p.holes[i + 1], size);
      if (a < b) holes.push([a, b]);
    }
    let packet: Frame | undefined;
    if (complete) {
      const first = this.registry.lookup('ip.proto', p.proto);
      const bytes = new Bytes(payload);
      packet = this.dissect(
        {
          n: frame?.n ?? p.lastFrame,
          bytes,
          start: 0,
          end: payload.length,
          origLen: payload.length,
          tsSec: frame?.tsSec ?? 0,
          tsNsec: frame?.tsNsec ?? 0,
          linktype: frame?.linktype ?? -1,
          iface: frame?.iface ?? 0,
          fcsLen: 0,
          comments: undefined,
          opts: undefined,
          section: frame?.section ?? 0,
          hasTs: frame?.hasTs ?? true,
        },
        first,
      );
      if (first === undefined) packet = { ...packet, layers: [], issues: [] };
    }
    return {
      kind: p.version === 4 ? 'ipv4' : 'ipv6',
      version: p.version,
      key: {
        src: p.version === 4 ? ipv4ToString(p.src as number) : ipv6ToString(p.src as Ipv6),
        dst: p.version === 4 ? ipv4ToString(p.dst as number) : ipv6ToString(p.dst as Ipv6),
        proto: p.proto,
        id: p.id,
      },
      srcAddr: p.src,
      dstAddr: p.dst,
      frames: p.frames,
      frame: frame?.n ?? p.lastFrame,
      length: len,
      complete,
      holes,
      payload,
      header: p.header,
      packet,
      notes: p.notes ?? [],
    };
  }
}

/**
 * The reassembly key of a fragment as a short string of 16-bit code units (internal: Map keys):
 * IPv4 source, destination, protocol, identification; IPv6 source, destination, identification.
 * Cheaper to make and to hash than decimal text of the same numbers.
 */
function fragmentKey(fr: FragmentIn): string {
  const c = String.fromCharCode;
  if (fr.version === 4) {
    const a = fr.src as number;
    const b = fr.dst as number;
    return c(4, a >>> 16, a & 0xffff, b >>> 16, b & 0xffff, fr.proto, fr.id >>> 16, fr.id & 0xffff);
  }
  const a = fr.src as Ipv6;
  const b = fr.dst as Ipv6;
  const id = fr.id;
  return (
    c(
      6,
      a[0] >>> 16,
      a[0] & 0xffff,
      a[1] >>> 16,
      a[1] & 0xffff,
      a[2] >>> 16,
      a[2] & 0xffff,
      a[3] >>> 16,
      a[3] & 0xffff,
    ) +
    c(b[0] >>> 16, b[0] & 0xffff, b[1] >>> 16, b[1] & 0xffff, b[2] >>> 16, b[2] & 0xffff, b[3] >>> 16, b[3] & 0xffff) +
    c(id >>> 16, id & 0xffff)
  );
}

function trimHoles(p: Pending, end: number): void {
  const h = p.holes;
  const next: number[] = [];
  for (let i = 0; i < h.length; i += 2) {
    if (h[i] >= end) continue;
    next.push(h[i], Math.min(h[i + 1], end));
  }
  p.holes = next;
}

function highestFilled(p: Pending): number {
  // Without the last fragment, the payload runs to the start of the final (open-ended) hole.
  const h = p.holes;
  return h.length >= 2 && h[h.length - 1] >= MAX_PAYLOAD ? h[h.length - 2] : p.buf.length;
}

function sameBytes(a: Uint8Array, at: number, b: Uint8Array, bt: number, n: number): boolean {
  for (let i = 0; i < n; i++) if (a[at + i] !== b[bt + i]) return false;
  return true;
}

/**
 * IPv6: the Fragment header (RFC 8200 §4.5) is the 'ipv6_frag' layer when the extension-header
 * protocols are in the registry; without them we walk the extension chain from the IPv6 header
 * ourselves (Hop-by-Hop 0, Routing 43, Destination Options 60: (len + 1) × 8 octets; AH 51:
 * (len + 2) × 4) to find Next Header 44.
 */
function ipv6Fragment(frame: Frame, ls: readonly Layer[], i: number, l: Layer): FragmentIn | undefined {
  const f = l.fields as { src: Ipv6; dst: Ipv6; plen: number; nxt: number };
  const u8 = frame.bytes.u8;
  const payloadEnd = f.plen === 0 ? l.end : Math.min(l.hdrEnd + f.plen, frame.end);
  const claimedEnd = f.plen === 0 ? l.end : l.hdrEnd + f.plen;
  let fragAt = -1;
  for (let j = i + 1; j < ls.length; j++) {
    const p = ls[j].protocol;
    if (p === 'ipv6_frag' || p === 'ipv6.frag') {
      fragAt = ls[j].start;
      break;
    }
    if (p === 'ipv6' || p === 'ipv4') break;
  }
  if (fragAt < 0) {
    let nh = f.nxt;
    let at = l.hdrEnd;
    for (let hops = 0; hops < 16 && at + 8 <= payloadEnd; hops++) {
      if (nh === 44) {
        fragAt = at;
        break;
      }
      if (nh === 0 || nh === 43 || nh === 60) {
        const next = u8[at];
        at += (u8[at + 1] + 1) * 8;
        nh = next;
      } else if (nh === 51) {
        const next = u8[at];
        at += (u8[at + 1] + 2) * 4;
        nh = next;
      } else return undefined;
    }
  }
  if (fragAt < 0 || fragAt + 8 > payloadEnd) return undefined;
  const dv = frame.bytes.dv;
  const w = dv.getUint16(fragAt + 2);
  const offset = (w >>> 3) * 8;
  const more = (w & 1) === 1;
  // RFC 6946: an atomic fragment (offset 0, M = 0) is processed on its own, never reassembled.
  if (offset === 0 && !more) return undefined;
  const start = fragAt + 8;
  return {
    version: 6,
    src: f.src,
    dst: f.dst,
    proto: u8[fragAt],
    id: dv.getUint32(fragAt + 4),
    offset,
    more,
    data: u8.subarray(start, Math.max(start, payloadEnd)),
    claimed: Math.max(0, claimedEnd - start),
    header: u8.subarray(l.start, fragAt),
  };
}
