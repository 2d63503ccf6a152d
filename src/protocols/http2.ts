/**
 * HTTP/2: RFC 9113 (which obsoletes RFC 7540), header compression by our HPACK (hpack.ts, RFC 7541).
 *
 *  Frame (§4.1):  +-----------------------------------------------+
 *                 |                 Length (24)                   |
 *                 +---------------+---------------+---------------+
 *                 |   Type (8)    |   Flags (8)   |
 *                 +-+-------------+---------------+-------------------------------+
 *                 |R|                 Stream Identifier (31)                      |
 *                 +=+=============================================================+
 *                 |                   Frame Payload (0...)                      ...
 *
 * Two uses. Per packet (the frame loop, no desegmentation) one `http2` layer covers the segment:
 * the client preface if it starts the segment, then every frame header that starts in it; fields
 * describe the first frame, computed tshark fields list all of them (http2.type, http2.streamid), and
 * a frame that runs past the segment is `cut`. Reached by prior knowledge (the preface, through the
 * `tcp.port` heuristics like tshark's http2_tcp heuristic), by decode-as, or after HTTP/1.1 (`h2c`
 * upgrade, the preface sent on an HTTP port, or frames on an HTTP port: the `http.upgrade` table).
 * Over reassembled streams (`stream`), frames come out whole, header blocks (HEADERS/PUSH_PROMISE +
 * CONTINUATION) are decoded with one HPACK context per connection and direction, and a stream whose
 * start was not captured, or a context lost to a gap, is reported as such instead of decoded wrongly.
 */
import type { Bytes } from '../core/bytes.js';
import { hex, latin1Text } from '../core/bytes.js';
import type { Layer, RawFrame } from '../core/frame.js';
import { type Codec, defineProtocol, type FieldsOf, need, type OptionHandler } from '../core/protocol.js';
import type { Registry } from '../core/registry.js';
import type { AppContext, AppMessage, StreamChunk, StreamParser } from '../core/stream.js';
import { type HeaderField, HpackDecoder, HpackEncoder } from './hpack.js';
import { HTTP2_ERRORS, HTTP2_FRAME_TYPES, HTTP2_SETTINGS, UPGRADE_H2C } from './names/http.js';
import { StreamBuffer } from './stream-buffer.js';

/** The client connection preface (§3.4): "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n". */
export const PREFACE: readonly number[] = [
  0x50, 0x52, 0x49, 0x20, 0x2a, 0x20, 0x48, 0x54, 0x54, 0x50, 0x2f, 0x32, 0x2e, 0x30, 0x0d, 0x0a, 0x0d, 0x0a, 0x53,
  0x4d, 0x0d, 0x0a, 0x0d, 0x0a,
];
const PREFACE_LEN = 24;
const FRAME_HEADER = 9;
/** SETTINGS_MAX_FRAME_SIZE initial value (§6.5.2): frames above it are implausible for a heuristic. */
const DEFAULT_MAX_FRAME = 16384;

export const DATA = 0;
export const HEADERS = 1;
export const PRIORITY = 2;
export const RST_STREAM = 3;
export const SETTINGS = 4;
export const PUSH_PROMISE = 5;
export const PING = 6;
export const GOAWAY = 7;
export const WINDOW_UPDATE = 8;
export const CONTINUATION = 9;

export const FLAG_END_STREAM = 0x01;
export const FLAG_ACK = 0x01;
export const FLAG_END_HEADERS = 0x04;
export const FLAG_PADDED = 0x08;
export const FLAG_PRIORITY = 0x20;

/** Flags each type defines (§6): others MUST be left unset by senders, so a heuristic can rely on it. */
const DEFINED_FLAGS: Readonly<Record<number, number>> = {
  0: 0x09,
  1: 0x2d,
  2: 0,
  3: 0,
  4: 0x01,
  5: 0x0c,
  6: 0x01,
  7: 0,
  8: 0,
  9: 0x04,
  10: 0,
  12: 0,
  16: 0,
};

/** Does this prefix of u8 match the client preface (as far as the bytes go)? */
export function prefaceAt(u8: Uint8Array, at: number, end: number): boolean {
  const n = Math.min(PREFACE_LEN, end - at);
  if (n <= 0) return false;
  for (let i = 0; i < n; i++) if (u8[at + i] !== PREFACE[i]) return false;
  return true;
}

/**
 * Could a frame header with these values be the start of a frame? §6 fixes the stream-id rule and
 * the length of every defined type, §4.1 the reserved bit, §4.2 the default maximum size. `strict`
 * (heuristics) also wants defined flags only (§4.1: unset when sending) and a known type.
 */
export function plausibleHeader(type: number, flags: number, sid: number, len: number, strict: boolean): boolean {
  // §4.1: the reserved bit MUST remain unset when sending.
  if (sid > 0x7fffffff) return false;
  const id = sid;
  const def = DEFINED_FLAGS[type];
  // Unknown types are legal (§5.5) but, with no rule to check, only believable when short.
  if (def === undefined) return !strict && len <= DEFAULT_MAX_FRAME;
  if (strict && (flags & ~def) !== 0) return false;
  // §4.2: larger frames need a SETTINGS_MAX_FRAME_SIZE a single packet cannot see.
  if (len > DEFAULT_MAX_FRAME) return false;
  switch (type) {
    case DATA:
    case HEADERS:
    case CONTINUATION:
      return id !== 0;
    case PRIORITY:
      return id !== 0 && len === 5;
    case RST_STREAM:
      return id !== 0 && len === 4;
    case SETTINGS:
      return id === 0 && len % 6 === 0 && (len === 0 || (flags & FLAG_ACK) === 0);
    case PUSH_PROMISE:
      return id !== 0 && len >= 4;
    case PING:
      return id === 0 && len === 8;
    case GOAWAY:
      return id === 0 && len >= 8;
    case WINDOW_UPDATE:
      return len === 4;
    default:
      return len <= DEFAULT_MAX_FRAME;
  }
}

/**
 * Heuristic (strict): the client preface, or a run of plausible frames that fills the bytes (the
 * last may run past them). Used on unclaimed TCP ports only for the preface, as tshark's http2_tcp
 * heuristic does; after HTTP/1 for either.
 */
function probe(b: Bytes, at: number, end: number): boolean {
  const u8 = b.u8;
  if (end - at >= 14 && prefaceAt(u8, at, end)) return true;
  return framesFill(u8, at, end);
}
function prefaceOnly(b: Bytes, at: number, end: number): boolean {
  return end - at >= 14 && prefaceAt(b.u8, at, end);
}
export function framesFill(u8: Uint8Array, at: number, end: number): boolean {
  let p = at;
  let n = 0;
  while (p + FRAME_HEADER <= end) {
    const len = (u8[p] << 16) | (u8[p + 1] << 8) | u8[p + 2];
    const sid = ((u8[p + 5] << 24) | (u8[p + 6] << 16) | (u8[p + 7] << 8) | u8[p + 8]) >>> 0;
    if (!plausibleHeader(u8[p + 3], u8[p + 4], sid, len, true)) return false;
    n++;
    p += FRAME_HEADER + len;
  }
  return n > 0 && (p >= end || p + FRAME_HEADER > end) && p >= end;
}

/** The layer's fields: the first frame in the segment, plus what the segment holds. */
export interface Http2Fields {
  /** 1 when the segment starts with the client connection preface (http2.magic). */
  readonly magic: number;
  /** Frame headers that start in this segment. */
  readonly count: number;
  /** First frame: http2.length, http2.type, http2.flags, http2.streamid, http2.r. */
  readonly length?: number;
  readonly type?: number;
  readonly flags?: number;
  readonly streamid?: number;
  readonly r?: number;
  /** 1 when the last frame (or the preface) runs past the end of the segment. */
  readonly cut: number;
  /** 1 when the segment does not start on a frame boundary (the middle of an earlier frame). */
  readonly continuation: number;
  /** Bytes the layer covers (the whole segment). */
  readonly size: number;
  /** Building only: the frames to write after the optional preface. */
  readonly frames?: readonly Http2FrameSpec[];
}

/** One frame for `build()`: type-specific fields, or a raw `payload`. Flags implied by fields are set. */
export interface Http2FrameSpec {
  readonly type: number;
  readonly flags?: number;
  readonly streamId?: number;
  readonly reserved?: number;
  /** The whole payload, as is (then no type-specific field is used). */
  readonly payload?: Uint8Array;
  /** DATA body, or GOAWAY debug data. */
  readonly data?: Uint8Array | string;
  /** PADDED: pad length (the padding is zeros). */
  readonly padLength?: number;
  /** HEADERS with PRIORITY, and PRIORITY. */
  readonly exclusive?: boolean;
  readonly streamDependency?: number;
  /** Weight field as sent (0–255; the weight is one more). */
  readonly weight?: number;
  /** HEADERS / PUSH_PROMISE / CONTINUATION: the field block fragment, or headers to encode. */
  readonly block?: Uint8Array;
  readonly headers?: readonly HeaderField[];
  readonly huffman?: boolean;
  readonly errorCode?: number;
  readonly settings?: readonly (readonly [number, number])[];
  readonly opaque?: Uint8Array;
  readonly promisedStreamId?: number;
  readonly lastStreamId?: number;
  readonly increment?: number;
}

function u24(u8: Uint8Array, p: number): number {
  return (u8[p] << 16) | (u8[p + 1] << 8) | u8[p + 2];
}
function u32(u8: Uint8Array, p: number): number {
  return ((u8[p] << 24) | (u8[p + 1] << 16) | (u8[p + 2] << 8) | u8[p + 3]) >>> 0;
}

function decode(b: Bytes, at: number, end: number): Http2Fields | ReturnType<typeof need> {
  const u8 = b.u8;
  const size = end - at;
  let p = at;
  let magic = 0;
  if (prefaceAt(u8, at, end) && end - at >= 14) {
    magic = 1;
    if (end - at < PREFACE_LEN) return { magic, count: 0, cut: 1, continuation: 0, size };
    p += PREFACE_LEN;
  }
  if (end - p < FRAME_HEADER) {
    if (magic === 1) return { magic, count: 0, cut: end > p ? 1 : 0, continuation: 0, size };
    // Fewer than 9 octets and no preface: the tail of an earlier frame (or nothing to decode).
    return end > p
      ? { magic, count: 0, cut: 0, continuation: 1, size }
      : need(FRAME_HEADER, { magic, count: 0, cut: 0, continuation: 0, size });
  }
  const length = u24(u8, p);
  const type = u8[p + 3];
  const flags = u8[p + 4];
  const raw = u32(u8, p + 5);
  // A segment that does not start with a sensible frame header is the middle of an earlier frame
  // (tshark's PDU tracking shows such a segment as a bare continuation): decode nothing from it.
  if (magic === 0 && !plausibleHeader(type, flags, raw, length, false)) {
    return { magic, count: 0, cut: 0, continuation: 1, size };
  }
  let count = 0;
  let q = p;
  while (q + FRAME_HEADER <= end) {
    count++;
    q += FRAME_HEADER + u24(u8, q);
  }
  return {
    magic,
    count,
    length,
    type,
    flags,
    streamid: raw & 0x7fffffff,
    r: raw >>> 31,
    cut: q !== end ? 1 : 0,
    continuation: 0,
    size,
  };
}

/** Visit each frame header that starts in [at, end) of a layer decoded as above. */
function eachFrame(
  u8: Uint8Array,
  l: Layer,
  visit: (p: number, len: number, type: number, flags: number, sid: number) => void,
): void {
  const f = l.fields as Partial<Http2Fields>;
  if (!f.count) return;
  let p = l.start + (f.magic ? PREFACE_LEN : 0);
  const end = l.hdrEnd;
  while (p + FRAME_HEADER <= end) {
    const len = u24(u8, p);
    visit(p, len, u8[p + 3], u8[p + 4], u32(u8, p + 5) & 0x7fffffff);
    p += FRAME_HEADER + len;
  }
}
function listOf(key: 'type' | 'sid' | 'len' | 'flags') {
  return (l: Layer, fr: RawFrame): number[] | undefined => {
    const out: number[] = [];
    eachFrame(fr.bytes.u8, l, (_p, len, type, flags, sid) =>
      out.push(key === 'type' ? type : key === 'sid' ? sid : key === 'len' ? len : flags),
    );
    return out.length ? out : undefined;
  };
}

// ---------------------------------------------------------------------------------------------
// Frame payloads (§6). `start` is the payload's first octet (the 9-octet header precedes it),
// `fend` where the frame ends, `avail` where the captured bytes end (≤ fend when cut).

export interface FrameDetail {
  readonly type: number;
  readonly name: string;
  readonly length: number;
  readonly flags: number;
  readonly streamId: number;
  readonly reserved: number;
  /** The frame runs past the captured bytes: payload fields are what was there. */
  readonly cut?: true;
  /** A length or padding that contradicts §6 (e.g. 'http2.bad_padding'). */
  readonly malformed?: string;
  readonly [field: string]: unknown;
}

type PayloadFields = Record<string, unknown>;

/** PADDED: the Pad Length octet and where the padding starts (§6.1). */
function padding(
  u8: Uint8Array,
  flags: number,
  s: number,
  fend: number,
  avail: number,
  o: PayloadFields,
): [number, number] | undefined {
  if ((flags & FLAG_PADDED) === 0) return [s, fend];
  o.padded = true;
  if (s >= fend || s >= avail) {
    o.malformed = 'http2.bad_padding';
    return undefined;
  }
  const pad = u8[s];
  o.padLength = pad;
  // §6.1: padding as long as the payload or longer is a PROTOCOL_ERROR.
  if (pad >= fend - s) {
    o.malformed = 'http2.bad_padding';
    return undefined;
  }
  return [s + 1, fend - pad];
}

function decodePayload(
  u8: Uint8Array,
  type: number,
  flags: number,
  s: number,
  fend: number,
  avail: number,
): PayloadFields {
  const o: PayloadFields = {};
  const lim = (x: number) => Math.min(x, avail);
  switch (type) {
    case DATA: {
      o.endStream = (flags & FLAG_END_STREAM) !== 0;
      const r = padding(u8, flags, s, fend, avail, o);
      if (r) o.data = u8.subarray(lim(r[0]), lim(r[1]));
      return o;
    }
    case HEADERS: {
      o.endStream = (flags & FLAG_END_STREAM) !== 0;
      o.endHeaders = (flags & FLAG_END_HEADERS) !== 0;
      const r = padding(u8, flags, s, fend, avail, o);
      if (!r) return o;
      let p = r[0];
      if (flags & FLAG_PRIORITY) {
        if (r[1] - p < 5) {
          o.malformed = 'http2.frame_size';
          return o;
        }
        if (p + 5 <= avail) {
          const d = u32(u8, p);
          o.exclusive = d >>> 31 === 1;
          o.streamDependency = d & 0x7fffffff;
          o.weight = u8[p + 4];
        }
        p += 5;
      }
      o.block = u8.subarray(lim(p), lim(r[1]));
      return o;
    }
    case PRIORITY: {
      if (fend - s !== 5) o.malformed = 'http2.frame_size'; // §6.3
      if (s + 5 <= avail) {
        const d = u32(u8, s);
        o.exclusive = d >>> 31 === 1;
        o.streamDependency = d & 0x7fffffff;
        o.weight = u8[s + 4];
      }
      return o;
    }
    case RST_STREAM:
    case WINDOW_UPDATE: {
      if (fend - s !== 4) o.malformed = 'http2.frame_size'; // §6.4, §6.9
      if (s + 4 <= avail) {
        const v = u32(u8, s);
        if (type === RST_STREAM) {
          o.errorCode = v;
          o.errorName = HTTP2_ERRORS[v] ?? 'unknown';
        } else {
          o.windowSizeIncrement = v & 0x7fffffff;
          o.reserved = v >>> 31;
        }
      }
      return o;
    }
    case SETTINGS: {
      o.ack = (flags & FLAG_ACK) !== 0;
      if ((fend - s) % 6 !== 0 || (o.ack && fend !== s)) o.malformed = 'http2.frame_size'; // §6.5
      const list: { id: number; name: string; value: number }[] = [];
      for (let p = s; p + 6 <= lim(fend); p += 6) {
        const id = (u8[p] << 8) | u8[p + 1];
        list.push({ id, name: HTTP2_SETTINGS[id] ?? 'unknown', value: u32(u8, p + 2) });
      }
      o.settings = list;
      return o;
    }
    case PUSH_PROMISE: {
      o.endHeaders = (flags & FLAG_END_HEADERS) !== 0;
      const r = padding(u8, flags, s, fend, avail, o);
      if (!r) return o;
      if (r[1] - r[0] < 4) {
        o.malformed = 'http2.frame_size';
        return o;
      }
      if (r[0] + 4 <= avail) o.promisedStreamId = u32(u8, r[0]) & 0x7fffffff;
      o.block = u8.subarray(lim(r[0] + 4), lim(r[1]));
      return o;
    }
    case PING: {
      o.ack = (flags & FLAG_ACK) !== 0;
      if (fend - s !== 8) o.malformed = 'http2.frame_size'; // §6.7
      o.opaque = hex(u8, s, lim(fend));
      return o;
    }
    case GOAWAY: {
      if (fend - s < 8) {
        o.malformed = 'http2.frame_size';
        return o;
      }
      if (s + 8 <= avail) {
        o.lastStreamId = u32(u8, s) & 0x7fffffff;
        o.errorCode = u32(u8, s + 4);
        o.errorName = HTTP2_ERRORS[o.errorCode as number] ?? 'unknown';
      }
      o.debugData = hex(u8, lim(s + 8), lim(fend));
      return o;
    }
    case CONTINUATION: {
      o.endHeaders = (flags & FLAG_END_HEADERS) !== 0;
      o.block = u8.subarray(s, lim(fend));
      return o;
    }
    case 10: {
      // ALTSVC, RFC 7838 §4: Origin-Len, Origin, Alt-Svc-Field-Value.
      if (fend - s < 2) {
        o.malformed = 'http2.frame_size';
        return o;
      }
      const ol = (u8[s] << 8) | u8[s + 1];
      o.origin = latin1Text(u8, lim(s + 2), lim(Math.min(fend, s + 2 + ol)));
      o.fieldValue = latin1Text(u8, lim(Math.min(fend, s + 2 + ol)), lim(fend));
      return o;
    }
    case 12: {
      // ORIGIN, RFC 8336 §2: Origin-Entry* (length-prefixed ASCII).
      const origins: string[] = [];
      for (let p = s; p + 2 <= lim(fend); ) {
        const n = (u8[p] << 8) | u8[p + 1];
        origins.push(latin1Text(u8, p + 2, lim(Math.min(fend, p + 2 + n))));
        p += 2 + n;
      }
      o.origins = origins;
      return o;
    }
    case 16: {
      // PRIORITY_UPDATE, RFC 9218 §7.1: Prioritized Stream ID, Priority Field Value.
      if (fend - s < 4) {
        o.malformed = 'http2.frame_size';
        return o;
      }
      if (s + 4 <= avail) o.prioritizedStreamId = u32(u8, s) & 0x7fffffff;
      o.fieldValue = latin1Text(u8, lim(s + 4), lim(fend));
      return o;
    }
    default:
      o.payload = hex(u8, s, lim(fend));
      return o;
  }
}

/** Built-in frame-type handlers (table 'http2.frame'); a user adds a type with `registry.withHandler`. */
function builtin(type: number): OptionHandler {
  return {
    name: HTTP2_FRAME_TYPES[type] ?? `UNKNOWN_${type}`,
    // The frame header (flags at start - 5) precedes the payload [start, end).
    decode: (b, start, end) => decodePayload(b.u8, type, b.u8[start - 5], start, end, end),
  };
}
export const HTTP2_FRAME_HANDLERS: Readonly<Record<number, OptionHandler>> = Object.fromEntries(
  Object.keys(HTTP2_FRAME_TYPES).map((k) => [Number(k), builtin(Number(k))]),
);

/** Decode the frame whose header is at `p`, payload bounded by the captured bytes at `avail`. */
export function decodeFrame(u8: Uint8Array, p: number, avail: number, reg?: Registry, b?: Bytes): FrameDetail {
  const length = u24(u8, p);
  const type = u8[p + 3];
  const flags = u8[p + 4];
  const raw = u32(u8, p + 5);
  const s = p + FRAME_HEADER;
  const fend = s + length;
  const cut = fend > avail;
  const h = reg?.handler('http2.frame', type);
  let payload: PayloadFields;
  if (h === undefined || h === HTTP2_FRAME_HANDLERS[type] || b === undefined)
    payload = decodePayload(u8, type, flags, s, fend, avail);
  else {
    try {
      payload = h.decode(b, s, Math.min(fend, avail)) as PayloadFields;
    } catch {
      payload = { malformed: 'http2.handler_failed' };
    }
  }
  const name = h?.name ?? HTTP2_FRAME_TYPES[type] ?? `UNKNOWN_${type}`;
  const d: Record<string, unknown> = { type, name, length, flags, streamId: raw & 0x7fffffff, reserved: raw >>> 31 };
  if (cut) d.cut = true;
  for (const k in payload) d[k] = payload[k];
  return d as FrameDetail;
}

/** Per-packet details: every frame, header blocks decoded with a context fresh for this segment. */
export interface Http2Details {
  readonly magic: boolean;
  readonly frames: FrameDetail[];
}

const details: Codec<Http2Fields, Http2Details> = {
  decode(b, start, end, f, reg) {
    const u8 = b.u8;
    const frames: FrameDetail[] = [];
    const out: Http2Details = { magic: f.magic === 1, frames };
    if (f.continuation || !f.count) return out;
    let p = start + (f.magic ? PREFACE_LEN : 0);
    // Without the connection's earlier blocks, entries from before this segment are unknown: a
    // reference to one is reported ('hpack.index_out_of_range'), never guessed. Size limit unknown too.
    const hp = new HpackDecoder(0x7fffffff);
    let block: Uint8Array[] | undefined;
    let broken = false;
    while (p + FRAME_HEADER <= end) {
      const d = decodeFrame(u8, p, end, reg, b) as Record<string, unknown>;
      frames.push(d as unknown as FrameDetail);
      const t = d.type as number;
      if ((t === HEADERS || t === PUSH_PROMISE) && d.block instanceof Uint8Array) block = [d.block];
      else if (t === CONTINUATION && block && d.block instanceof Uint8Array) block.push(d.block);
      else if (t === CONTINUATION) block = undefined;
      if (block && d.endHeaders === true && !d.cut) {
        if (broken) d.hpackError = 'hpack.no_context';
        else {
          const all = block.length === 1 ? block[0] : concatBlocks(block);
          const r = hp.decode(all, 0, all.length);
          if (r.error) {
            d.hpackError = r.error;
            broken = true;
          } else d.headers = r.fields.map((x) => [x.name, x.value] as HeaderField);
        }
        block = undefined;
      }
      p += FRAME_HEADER + (d.length as number);
    }
    return out;
  },
};

function concatBlocks(parts: readonly Uint8Array<ArrayBufferLike>[]): Uint8Array {
  let n = 0;
  for (const x of parts) n += x.length;
  const out = new Uint8Array(n);
  let at = 0;
  for (const x of parts) {
    out.set(x, at);
    at += x.length;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Building.

function padded(spec: Http2FrameSpec, body: Uint8Array): Uint8Array {
  if (spec.padLength === undefined) return body;
  const out = new Uint8Array(1 + body.length + spec.padLength);
  out[0] = spec.padLength;
  out.set(body, 1);
  return out;
}
const enc = new TextEncoder();
const bytesOf = (x: Uint8Array | string | undefined) =>
  x === undefined ? new Uint8Array(0) : typeof x === 'string' ? enc.encode(x) : x;

/** The payload and implied flags of one frame spec. */
function payloadOf(spec: Http2FrameSpec): { payload: Uint8Array; flags: number } {
  let flags = spec.flags ?? 0;
  if (spec.padLength !== undefined) flags |= FLAG_PADDED;
  if (spec.payload) return { payload: spec.payload, flags };
  const block = () =>
    spec.block ??
    (spec.headers
      ? new HpackEncoder().encode(spec.headers, { huffman: spec.huffman, rep: 'without' })
      : new Uint8Array(0));
  const prio = () => {
    const p = new Uint8Array(5);
    const dv = new DataView(p.buffer);
    dv.setUint32(0, ((spec.exclusive ? 0x80000000 : 0) | (spec.streamDependency ?? 0)) >>> 0);
    p[4] = spec.weight ?? 15;
    return p;
  };
  const word = (v: number, extra: Uint8Array<ArrayBufferLike> = new Uint8Array(0)) => {
    const p = new Uint8Array(4 + extra.length);
    new DataView(p.buffer).setUint32(0, v >>> 0);
    p.set(extra, 4);
    return p;
  };
  switch (spec.type) {
    case DATA:
      return { payload: padded(spec, bytesOf(spec.data)), flags };
    case HEADERS: {
      const hasPrio = spec.streamDependency !== undefined || spec.weight !== undefined || spec.exclusive !== undefined;
      if (hasPrio) flags |= FLAG_PRIORITY;
      const b = block();
      const body = hasPrio ? concatBlocks([prio(), b]) : b;
      return { payload: padded(spec, body), flags };
    }
    case PRIORITY:
      return { payload: prio(), flags };
    case RST_STREAM:
      return { payload: word(spec.errorCode ?? 0), flags };
    case SETTINGS: {
      const list = spec.settings ?? [];
      const p = new Uint8Array(list.length * 6);
      const dv = new DataView(p.buffer);
      list.forEach(([id, v], i) => {
        dv.setUint16(i * 6, id);
        dv.setUint32(i * 6 + 2, v >>> 0);
      });
      return { payload: p, flags };
    }
    case PUSH_PROMISE:
      return { payload: padded(spec, word(spec.promisedStreamId ?? 0, block())), flags };
    case PING:
      return { payload: spec.opaque ?? new Uint8Array(8), flags };
    case GOAWAY: {
      const p = new Uint8Array(8);
      const dv = new DataView(p.buffer);
      dv.setUint32(0, (spec.lastStreamId ?? 0) >>> 0);
      dv.setUint32(4, (spec.errorCode ?? 0) >>> 0);
      return { payload: concatBlocks([p, bytesOf(spec.data)]), flags };
    }
    case WINDOW_UPDATE:
      return { payload: word(spec.increment ?? 0), flags };
    case CONTINUATION:
      return { payload: block(), flags };
    default:
      return { payload: bytesOf(spec.data), flags };
  }
}

/** One frame's octets (§4.1). */
export function frameBytes(spec: Http2FrameSpec): Uint8Array {
  const { payload, flags } = payloadOf(spec);
  const out = new Uint8Array(FRAME_HEADER + payload.length);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, (payload.length << 8) | (spec.type & 0xff));
  out[4] = flags & 0xff;
  dv.setUint32(5, (((spec.reserved ?? 0) << 31) | (spec.streamId ?? 0)) >>> 0);
  out.set(payload, FRAME_HEADER);
  return out;
}

function encodeAll(f: Partial<Http2Fields>): Uint8Array {
  const parts: Uint8Array[] = [];
  if (f.magic) parts.push(Uint8Array.from(PREFACE));
  for (const s of f.frames ?? []) parts.push(frameBytes(s));
  return concatBlocks(parts);
}

// ---------------------------------------------------------------------------------------------
// The stream parser: one per connection direction, HPACK context per direction in `ctx.conn`.

interface StreamInfo {
  /** The direction that opened it (sent the first HEADERS, or PUSH_PROMISE for a pushed stream). */
  readonly opener: 0 | 1;
}
interface H2Conn {
  clientDir: 0 | 1 | undefined;
  readonly decoders: [HpackDecoder, HpackDecoder];
  /** The HPACK context of a direction is lost (gap, capture started mid-connection, decoding error). */
  readonly poisoned: [boolean, boolean];
  readonly streams: Map<number, StreamInfo>;
  readonly settings: [Map<number, number>, Map<number, number>];
  /** The h2c upgrade facts from HTTP/1 were taken in. */
  upgradeApplied: boolean;
}

/** What an HTTP/1.1 parser leaves in `ctx.conn` when it hands a connection over (RFC 9113 §3.2). */
export interface H2cUpgrade {
  readonly clientDir: 0 | 1;
  /** HTTP2-Settings from the upgrade request: the client's SETTINGS payload (base64url-decoded). */
  readonly settings?: Uint8Array;
}

function connOf(ctx: AppContext): H2Conn {
  let c = ctx.conn.http2 as H2Conn | undefined;
  if (!c) {
    c = {
      clientDir: undefined,
      decoders: [new HpackDecoder(), new HpackDecoder()],
      poisoned: [false, false],
      streams: new Map(),
      settings: [new Map(), new Map()],
      upgradeApplied: false,
    };
    ctx.conn.http2 = c;
  }
  const up = ctx.conn.h2cUpgrade as H2cUpgrade | undefined;
  if (up && !c.upgradeApplied) {
    // §3.2: the upgrade request is stream 1, half-closed (local) for the client; the response
    // comes back on it as HTTP/2. Its HTTP2-Settings are the client's initial SETTINGS. (The
    // HTTP/1 side may learn of the upgrade after this context was made: checked on every frame.)
    c.upgradeApplied = true;
    c.clientDir = up.clientDir;
    if (!c.streams.has(1)) c.streams.set(1, { opener: up.clientDir });
    if (up.settings) applySettings(c, up.clientDir, up.settings, 0, up.settings.length);
  }
  return c;
}

function applySettings(c: H2Conn, dir: 0 | 1, u8: Uint8Array, s: number, e: number): void {
  for (let p = s; p + 6 <= e; p += 6) {
    const id = (u8[p] << 8) | u8[p + 1];
    const v = u32(u8, p + 2);
    c.settings[dir].set(id, v);
    // SETTINGS_HEADER_TABLE_SIZE bounds the *peer's* encoder, i.e. the blocks flowing the other way.
    if (id === 1) c.decoders[dir ^ 1].limit = v;
  }
}

type Phase = 'start' | 'frames' | 'lost';

class Http2StreamParser implements StreamParser {
  private readonly buf = new StreamBuffer();
  private phase: Phase = 'start';
  private notes: string[] = [];
  private block: { type: number; streamId: number; parts: Uint8Array[]; start: number } | undefined;
  private readonly c: H2Conn;
  constructor(
    private readonly ctx: AppContext,
    private readonly dir: 0 | 1,
  ) {
    this.c = connOf(ctx);
  }

  push(chunk: StreamChunk): readonly AppMessage[] {
    const out: AppMessage[] = [];
    if (chunk.gap !== 0) this.gap(chunk.gap);
    this.buf.append(chunk.data, chunk.frames);
    this.run(out);
    return out;
  }

  end(): readonly AppMessage[] {
    const out: AppMessage[] = [];
    const n = this.buf.length;
    if (n > 0) {
      const v = this.buf.view();
      const note = this.phase === 'lost' ? 'http2.unparsed' : 'http2.frame_cut';
      const fields: Record<string, unknown> =
        this.phase === 'frames' && n >= FRAME_HEADER ? { ...decodeFrame(v, 0, n, this.ctx.registry) } : { bytes: n };
      out.push(this.msg(fields, this.buf.base, this.buf.end, false, [note]));
      this.buf.consume(n);
    }
    return out;
  }

  private gap(gap: number): void {
    const started = this.buf.end > 0 || this.phase !== 'start';
    // A lost stretch of bytes loses frame alignment and, worse, any header block in it: the HPACK
    // context of this direction can no longer be trusted (DESIGN §3.8).
    this.c.poisoned[this.dir] = true;
    this.block = undefined;
    this.notes.push(gap < 0 ? 'http2.midstream' : 'http2.gap');
    this.buf.skip(gap > 0 ? gap : 0);
    if (started || gap !== 0) this.phase = 'lost';
  }

  private run(out: AppMessage[]): void {
    for (;;) {
      const v = this.buf.view();
      const n = v.length;
      if (this.phase === 'start') {
        if (n === 0) return;
        if (prefaceAt(v, 0, n)) {
          if (n < PREFACE_LEN) return;
          this.c.clientDir = this.dir;
          out.push(
            this.msg(
              { magic: true, type: -1, name: 'MAGIC', length: PREFACE_LEN },
              this.buf.base,
              this.buf.base + PREFACE_LEN,
              true,
            ),
          );
          this.buf.consume(PREFACE_LEN);
        }
        this.phase = 'frames';
        continue;
      }
      if (this.phase === 'lost') {
        const at = resyncPoint(v);
        if (at < 0) {
          this.buf.consume(-at - 1);
          return;
        }
        this.buf.consume(at);
        this.notes.push('http2.resync');
        this.phase = 'frames';
        continue;
      }
      if (n < FRAME_HEADER) return;
      const len = u24(v, 0);
      if (n < FRAME_HEADER + len) return;
      const start = this.buf.base;
      const d = decodeFrame(v, 0, FRAME_HEADER + len, this.ctx.registry) as Record<string, unknown>;
      // Payload bytes are views into the buffer: copy what the message keeps.
      for (const k of ['data', 'block'] as const) if (d[k] instanceof Uint8Array) d[k] = (d[k] as Uint8Array).slice();
      const notes = this.frame(d);
      out.push(this.msg(d, start, start + FRAME_HEADER + len, true, notes));
      this.buf.consume(FRAME_HEADER + len);
      this.buf.release(this.buf.base);
    }
  }

  /** Stream bookkeeping and header blocks for one whole frame; returns notes for its message. */
  private frame(d: Record<string, unknown>): string[] {
    const notes: string[] = [];
    const c = connOf(this.ctx);
    const dir = this.dir;
    const type = d.type as number;
    const sid = d.streamId as number;
    if (typeof d.malformed === 'string') notes.push(d.malformed);
    if (c.clientDir === undefined && c.poisoned[dir] === false && c.poisoned[dir ^ 1] === false) {
      // No preface seen but the connection start was: the side that opens odd streams is the
      // client (§5.1.1).
      if (type === HEADERS && sid % 2 === 1 && !c.streams.has(sid)) c.clientDir = dir;
    }
    if (c.clientDir === undefined && (type === HEADERS || type === DATA)) {
      // Started mid-connection: guess the client as the side with the higher (ephemeral) port.
      const [p0, p1] = this.ctx.endpoints.port;
      c.clientDir = p0 > p1 ? 0 : p1 > p0 ? 1 : undefined;
    }
    if (type === SETTINGS && d.ack !== true && Array.isArray(d.settings)) {
      for (const s of d.settings as { id: number; value: number }[]) {
        c.settings[dir].set(s.id, s.value);
        if (s.id === 1) c.decoders[dir ^ 1].limit = s.value;
      }
    }
    // Streams: HEADERS opens a stream, PUSH_PROMISE reserves one (§5.1). DATA, or a HEADERS from the
    // side that did not open it, on a stream never seen means its start was not captured.
    if (sid !== 0 && (type === DATA || type === HEADERS)) {
      const known = c.streams.get(sid);
      if (known === undefined) {
        const clientOpened = sid % 2 === 1;
        const opener: 0 | 1 | undefined =
          c.clientDir === undefined ? undefined : clientOpened ? c.clientDir : ((c.clientDir ^ 1) as 0 | 1);
        if (type === HEADERS && (opener === undefined || opener === dir)) c.streams.set(sid, { opener: dir });
        else {
          d.streamStartMissing = true;
          notes.push('http2.stream_start_missing');
          c.streams.set(sid, { opener: opener ?? ((dir ^ 1) as 0 | 1) });
        }
      }
    }
    if (type === PUSH_PROMISE && typeof d.promisedStreamId === 'number') {
      c.streams.set(d.promisedStreamId, { opener: dir });
    }
    // Header blocks: HEADERS/PUSH_PROMISE then CONTINUATION until END_HEADERS, nothing in between (§6.10).
    if (type === HEADERS || type === PUSH_PROMISE) {
      if (this.block) {
        notes.push('http2.header_block_interrupted');
        c.poisoned[dir] = true;
      }
      this.block = d.block instanceof Uint8Array ? { type, streamId: sid, parts: [d.block], start: 0 } : undefined;
    } else if (type === CONTINUATION) {
      if (!this.block || this.block.streamId !== sid) {
        notes.push('http2.unexpected_continuation');
        this.block = undefined;
      } else if (d.block instanceof Uint8Array) this.block.parts.push(d.block);
    } else if (this.block) {
      notes.push('http2.header_block_interrupted');
      c.poisoned[dir] = true;
      this.block = undefined;
    }
    if (this.block && d.endHeaders === true) {
      const all = concatBlocks(this.block.parts);
      d.blockStreamId = this.block.streamId;
      d.blockType = HTTP2_FRAME_TYPES[this.block.type];
      this.block = undefined;
      const dec = c.decoders[dir];
      if (c.poisoned[dir] && all.length > 0 && all[0] === 0x20) {
        // §4.2/§6.3: a size update to 0 empties the table, so from here on its content is known again.
        dec.table.resize(0);
        c.poisoned[dir] = false;
        notes.push('http2.hpack_resync');
      }
      if (c.poisoned[dir]) {
        d.hpackError = 'hpack.no_context';
        notes.push('http2.hpack_desync');
      } else {
        const r = dec.decode(all, 0, all.length);
        if (r.error) {
          d.hpackError = r.error;
          c.poisoned[dir] = true;
          notes.push('http2.hpack_desync');
        } else d.headers = r.fields.map((x) => [x.name, x.value] as HeaderField);
      }
    }
    return notes;
  }

  private msg(
    fields: Record<string, unknown>,
    start: number,
    end: number,
    complete: boolean,
    extra: readonly string[] = [],
  ): AppMessage {
    const notes = this.notes.length || extra.length ? [...this.notes, ...extra] : undefined;
    this.notes = [];
    const m: AppMessage = {
      protocol: 'http2',
      dir: this.dir,
      frames: this.buf.framesFor(start, end),
      complete: complete && !(notes ?? []).some((x) => x === 'http2.frame_cut'),
      fields,
      ...(notes ? { notes } : {}),
    };
    return m;
  }
}

/**
 * Where a plausible frame chain starts in `v` (a complete frame followed by a plausible frame header
 * or by the end): its offset, or -(k + 1) where k octets at the front can be dropped (no chain can
 * start in them), so a long stretch of non-HTTP/2 bytes is scanned once.
 */
function resyncPoint(v: Uint8Array): number {
  const n = v.length;
  for (let p = 0; p + FRAME_HEADER <= n; p++) {
    const len = u24(v, p);
    if (!plausibleHeader(v[p + 3], v[p + 4], u32(v, p + 5), len, true)) continue;
    const q = p + FRAME_HEADER + len;
    if (q === n) return p;
    if (q > n || q + FRAME_HEADER > n) return -(p + 1); // decided when more bytes come
    if (plausibleHeader(v[q + 3], v[q + 4], u32(v, q + 5), u24(v, q), true)) return p;
  }
  return -(Math.max(0, n - FRAME_HEADER + 1) + 1);
}

export const http2 = defineProtocol<'http2', Http2Fields, Http2Details>({
  name: 'http2',
  abbrev: 'http2',
  alias: 'HTTP/2',
  title: 'HyperText Transfer Protocol 2',
  layer: 'application',
  minLen: 0,
  decode,
  encode: (b, at, f) => b.u8.set(encodeAll(f), at),
  encodingLength: (f) => encodeAll(f).length,
  headerLen: (f) => f.size,
  // No registered TCP port (RFC 9113 §3.3 uses "http" ports): prior knowledge by the preface, an
  // HTTP/1.1 upgrade (`http.upgrade` h2c), or decode-as.
  bind: { 'http.upgrade': [UPGRADE_H2C] },
  heuristic: ['tcp.port', 'http.upgrade'],
  probe,
  rest: details,
  handlers: { 'http2.frame': HTTP2_FRAME_HANDLERS },
  computed: {
    'http2.type': listOf('type'),
    'http2.streamid': listOf('sid'),
    'http2.length': listOf('len'),
    'http2.flags': listOf('flags'),
    'http2.magic': (l) => ((l.fields as Partial<Http2Fields>).magic ? 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n' : undefined),
  },
  stream: (ctx, dir) => new Http2StreamParser(ctx, dir),
  summary: (f) =>
    f.count === 0
      ? f.magic
        ? 'Magic'
        : 'Continuation'
      : `${f.magic ? 'Magic, ' : ''}${HTTP2_FRAME_TYPES[f.type!] ?? `type ${f.type}`}[${f.streamid}]${f.count > 1 ? ` +${f.count - 1}` : ''}`,
});
declare module '../core/frame.js' {
  interface LayerMap {
    http2: FieldsOf<typeof http2>;
  }
}

/** The preface-only heuristic, for registries that want tshark's exact http2_tcp behaviour. */
export const http2PrefaceProbe = prefaceOnly;
