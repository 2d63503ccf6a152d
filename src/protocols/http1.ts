/**
 * HTTP/1.x: message syntax RFC 9112, semantics RFC 9110.
 *
 *   start-line   = request-line (method SP request-target SP HTTP-version)
 *                / status-line  (HTTP-version SP status-code SP [ reason-phrase ])   §3, §4
 *   *( field-line CRLF ) CRLF [ message-body ]                                       §2.1, §5, §6
 *
 * Per packet (frame loop, no desegmentation) a segment that starts with a start line is a request
 * or a response: what is there is decoded (start line, framing headers, body bytes present) and the
 * rest marked incomplete (`headersComplete`, `bodyComplete`: notes, not issues, because a message
 * spread over segments is normal). Anything else on an HTTP port is a `continuation` (tshark labels
 * it http too). After a whole message the rest of the segment goes through the `http.upgrade` table:
 * 'http/1.1' is the next pipelined message (this protocol again), 'h2c' HTTP/2 after a 101, and its
 * heuristics (HTTP/2 frames) take continuation bytes after an upgrade or a prior-knowledge preface.
 * Header maps and bodies are decoded on request (`details`), Content-Encoding on request too
 * (`decodeContent`, node:zlib). Over reassembled streams (`stream`) messages come out whole.
 */
import { brotliDecompressSync, constants, gunzipSync, inflateRawSync, inflateSync } from 'node:zlib';
import type { Bytes } from '../core/bytes.js';
import { latin1Text as latin1Long } from '../core/bytes.js';
import type { Layer } from '../core/frame.js';
import { type Codec, defineProtocol, type FieldsOf } from '../core/protocol.js';
import type { AppContext, AppMessage, StreamChunk, StreamParser } from '../core/stream.js';
import { HTTP_METHODS, UPGRADE_H2C, UPGRADE_HTTP1, upgradeKey } from './names/http.js';
import { StreamBuffer } from './stream-buffer.js';

const CR = 0x0d;
const LF = 0x0a;
const SP = 0x20;
const HT = 0x09;

export type Http1Type = 'request' | 'response' | 'continuation' | 'preface';

export interface Http1Fields {
  readonly type: Http1Type;
  /** Request line (http.request.method, http.request.uri, http.request.version). */
  readonly method?: string;
  readonly uri?: string;
  /** 'HTTP/1.1' (request or response version). */
  readonly version?: string;
  /** Status line (http.response.code, http.response.phrase). */
  readonly code?: number;
  readonly phrase?: string;
  /** Field lines seen in this segment. */
  readonly headerCount: number;
  /** The empty line ending the header section is in this segment. */
  readonly headersComplete: boolean;
  /** Octets of start line + field lines + empty line (as far as present). */
  readonly headerLen: number;
  /** http.content_length, when the message has a valid Content-Length. */
  readonly contentLength?: number;
  /** Transfer-Encoding ends in chunked (RFC 9112 §6.1). */
  readonly chunked: boolean;
  /** Upgrade field value (RFC 9110 §7.8). */
  readonly upgrade?: string;
  /** Body octets of this message present in the segment (transfer coding included). */
  readonly bodyLen: number;
  /** The body (by its framing) ends in this segment; false also for close-delimited bodies. */
  readonly bodyComplete: boolean;
  /** Building only: field lines and body. */
  readonly headers?: readonly (readonly [string, string])[];
  readonly body?: Uint8Array | string;
}

// tchar (RFC 9110 §5.6.2).
const TCHAR = new Uint8Array(256);
for (const c of "!#$%&'*+-.^_`|~") TCHAR[c.charCodeAt(0)] = 1;
for (let c = 0x30; c <= 0x39; c++) TCHAR[c] = 1;
for (let c = 0x41; c <= 0x5a; c++) TCHAR[c] = 1;
for (let c = 0x61; c <= 0x7a; c++) TCHAR[c] = 1;

const isDigit = (c: number) => c >= 0x30 && c <= 0x39;

/** ISO-8859-1 text; short strings (methods, versions, field names) without a TextDecoder call. */
function latin1Text(u8: Uint8Array, s: number, e: number): string {
  if (e - s > 48) return latin1Long(u8, s, e);
  let out = '';
  for (let i = s; i < e; i++) out += String.fromCharCode(u8[i]);
  return out;
}
/** "HTTP/1.1" and "HTTP/1.0" without building a string each time. */
function versionText(u8: Uint8Array, p: number): string {
  if (u8[p + 5] === 0x31 && u8[p + 7] === 0x31) return 'HTTP/1.1';
  if (u8[p + 5] === 0x31 && u8[p + 7] === 0x30) return 'HTTP/1.0';
  return latin1Text(u8, p, p + 8);
}

/** End of the line starting at `p` (index of LF), or -1 when no LF before `end`. */
function lineEnd(u8: Uint8Array, p: number, end: number): number {
  for (let i = p; i < end; i++) if (u8[i] === LF) return i;
  return -1;
}
/** `e` minus a CR just before it (RFC 9112 §2.2: a bare LF is accepted as a line terminator). */
const trimCr = (u8: Uint8Array, s: number, e: number) => (e > s && u8[e - 1] === CR ? e - 1 : e);

/** "HTTP/" DIGIT "." DIGIT at p (RFC 9112 §2.3). */
function isVersion(u8: Uint8Array, p: number, end: number): boolean {
  return (
    p + 8 <= end &&
    u8[p] === 0x48 &&
    u8[p + 1] === 0x54 &&
    u8[p + 2] === 0x54 &&
    u8[p + 3] === 0x50 &&
    u8[p + 4] === 0x2f &&
    isDigit(u8[p + 5]) &&
    u8[p + 6] === 0x2e &&
    isDigit(u8[p + 7])
  );
}

/** A parsed start line; positions are absolute. */
export interface StartLine {
  readonly type: 'request' | 'response';
  readonly method?: string;
  readonly uri?: string;
  readonly version?: string;
  readonly code?: number;
  readonly phrase?: string;
  /** Just past the line terminator (or `end` when the line is cut). */
  readonly next: number;
  readonly cut: boolean;
}

/**
 * The start line at `p`, or undefined when the bytes are not one. A line cut by the end of the bytes
 * is accepted for a known method or a status line, as tshark does without desegmentation.
 */
export function parseStartLine(u8: Uint8Array, p: number, end: number): StartLine | undefined {
  // Cheap prefix checks first: most segments on an HTTP port are body bytes, rejected here without
  // scanning for the end of a line.
  if (end - p >= 12 && isVersion(u8, p, end)) {
    // status-line = HTTP-version SP status-code SP [ reason-phrase ]  (§4)
    if (u8[p + 8] !== SP || !isDigit(u8[p + 9]) || !isDigit(u8[p + 10]) || !isDigit(u8[p + 11])) return undefined;
    const le = lineEnd(u8, p + 12, end);
    const cut = le < 0;
    const e = cut ? end : trimCr(u8, p, le);
    if (e > p + 12 && u8[p + 12] !== SP) return undefined;
    const code = (u8[p + 9] - 0x30) * 100 + (u8[p + 10] - 0x30) * 10 + (u8[p + 11] - 0x30);
    return {
      type: 'response',
      version: versionText(u8, p),
      code,
      phrase: e > p + 13 ? latin1Text(u8, p + 13, e) : '',
      next: cut ? end : le + 1,
      cut,
    };
  }
  // request-line = method SP request-target SP HTTP-version  (§3)
  // The method is 1-32 token characters then SP: find the SP first (one compare per byte; a body
  // of token characters is rejected after 33), then check the token.
  let q = p;
  const qmax = Math.min(end, p + 33);
  while (q < qmax && u8[q] !== SP) q++;
  if (q === p || q >= qmax) return undefined;
  for (let i = p; i < q; i++) if (TCHAR[u8[i]] === 0) return undefined;
  const us = q + 1;
  let ue = us;
  while (ue < end && u8[ue] !== SP && u8[ue] !== LF && u8[ue] !== CR) ue++;
  if (ue === us) return undefined;
  const method = latin1Text(u8, p, q);
  if (ue >= end) {
    // Only part of the line: trust it only for a method tshark would recognise.
    if (!HTTP_METHODS.has(method)) return undefined;
    return { type: 'request', method, uri: latin1Text(u8, us, ue), next: end, cut: true };
  }
  if (u8[ue] !== SP) return undefined;
  const le = lineEnd(u8, ue, end);
  const cut = le < 0;
  const e = cut ? end : trimCr(u8, p, le);
  if (cut) {
    if (!HTTP_METHODS.has(method)) return undefined;
    const version = isVersion(u8, ue + 1, e) ? versionText(u8, ue + 1) : undefined;
    return { type: 'request', method, uri: latin1Text(u8, us, ue), version, next: end, cut };
  }
  if (ue + 9 !== e || !isVersion(u8, ue + 1, e)) return undefined;
  return { type: 'request', method, uri: latin1Text(u8, us, ue), version: versionText(u8, ue + 1), next: le + 1, cut };
}

/** Framing facts from the header section (the fields that set a length or the next protocol). */
export interface Head {
  headerCount: number;
  /** Just past the empty line, or `end` when it is not there. */
  next: number;
  complete: boolean;
  contentLength?: number;
  /** Content-Length present but not a valid number, or conflicting values (RFC 9112 §6.3 item 5). */
  badLength: boolean;
  chunked: boolean;
  transferEncoding?: string;
  upgrade?: string;
  contentEncoding?: string;
  connectionClose: boolean;
}

/** Case-insensitive compare of u8[s, e) with a lower-case ASCII name. */
function nameIs(u8: Uint8Array, s: number, e: number, name: string): boolean {
  if (e - s !== name.length) return false;
  for (let i = 0; i < name.length; i++) {
    let c = u8[s + i];
    if (c >= 0x41 && c <= 0x5a) c += 0x20;
    if (c !== name.charCodeAt(i)) return false;
  }
  return true;
}

/**
 * Field lines from `p` to the empty line (RFC 9112 §5). `fields`, when given, receives every line as
 * [name, value] in order, repeated names kept; obs-fold continuation lines (§5.2) join the previous
 * value with a space.
 */
export function parseHead(u8: Uint8Array, p: number, end: number, fields?: [string, string][]): Head {
  const h: Head = {
    headerCount: 0,
    next: end,
    complete: false,
    badLength: false,
    chunked: false,
    connectionClose: false,
  };
  while (p < end) {
    const le = lineEnd(u8, p, end);
    if (le < 0) {
      h.next = end;
      return h;
    }
    const e = trimCr(u8, p, le);
    if (e === p) {
      h.next = le + 1;
      h.complete = true;
      return h;
    }
    if ((u8[p] === SP || u8[p] === HT) && fields && fields.length > 0) {
      const last = fields[fields.length - 1];
      last[1] = `${last[1]} ${latin1Text(u8, skipWs(u8, p, e), trimWs(u8, p, e))}`;
      p = le + 1;
      continue;
    }
    let c = p;
    while (c < e && u8[c] !== 0x3a) c++;
    h.headerCount++;
    const ns = p;
    const ne = trimWs(u8, ns, c);
    const vs = c < e ? skipWs(u8, c + 1, e) : e;
    const ve = trimWs(u8, vs, e);
    if (fields) fields.push([latin1Text(u8, ns, ne), latin1Text(u8, vs, ve)]);
    if (nameIs(u8, ns, ne, 'content-length')) {
      const v = parseLength(u8, vs, ve);
      if (v < 0 || (h.contentLength !== undefined && h.contentLength !== v)) h.badLength = true;
      else h.contentLength = v;
    } else if (nameIs(u8, ns, ne, 'transfer-encoding')) {
      const v = latin1Text(u8, vs, ve);
      h.transferEncoding = h.transferEncoding ? `${h.transferEncoding}, ${v}` : v;
      // §6.1: chunked must be the final coding.
      h.chunked = endsWithChunked(u8, vs, ve);
    } else if (nameIs(u8, ns, ne, 'upgrade')) {
      h.upgrade = latin1Text(u8, vs, ve);
    } else if (nameIs(u8, ns, ne, 'content-encoding')) {
      const v = latin1Text(u8, vs, ve);
      h.contentEncoding = h.contentEncoding ? `${h.contentEncoding}, ${v}` : v;
    } else if (fields && nameIs(u8, ns, ne, 'connection')) {
      if (/(^|,)\s*close\s*(,|$)/i.test(latin1Text(u8, vs, ve))) h.connectionClose = true;
    }
    p = le + 1;
  }
  h.next = end;
  return h;
}
/** The last coding of a Transfer-Encoding value is "chunked" (any case). */
function endsWithChunked(u8: Uint8Array, s: number, e: number): boolean {
  let c = e;
  while (c > s && u8[c - 1] !== 0x2c) c--;
  const ts = skipWs(u8, c, e);
  return nameIs(u8, ts, trimWs(u8, ts, e), 'chunked');
}
function skipWs(u8: Uint8Array, s: number, e: number): number {
  while (s < e && (u8[s] === SP || u8[s] === HT)) s++;
  return s;
}
function trimWs(u8: Uint8Array, s: number, e: number): number {
  while (e > s && (u8[e - 1] === SP || u8[e - 1] === HT)) e--;
  return e;
}
/** 1*DIGIT (a list of identical values is accepted, §6.3 item 5); -1 when invalid. */
function parseLength(u8: Uint8Array, s: number, e: number): number {
  let v = -1;
  let cur = -1;
  for (let i = s; i <= e; i++) {
    const c = i < e ? u8[i] : 0x2c;
    if (isDigit(c)) {
      cur = (cur < 0 ? 0 : cur) * 10 + (c - 0x30);
      if (cur > Number.MAX_SAFE_INTEGER / 10) return -1;
    } else if (c === 0x2c) {
      if (cur < 0 || (v >= 0 && v !== cur)) return -1;
      v = cur;
      cur = -1;
    } else if (c !== SP && c !== HT) return -1;
  }
  return v;
}

/** The first upgrade token of an Upgrade field value ("h2c", "websocket"), lower-cased. */
function firstToken(v: string | undefined): string | undefined {
  if (v === undefined) return undefined;
  const t = v.split(',')[0].trim().toLowerCase();
  return t || undefined;
}

export interface ChunkWalk {
  /** Octets of chunked body walked (through the last complete piece). */
  consumed: number;
  /** The last-chunk and trailer section were seen. */
  complete: boolean;
  /** Malformed chunk-size line. */
  bad: boolean;
}

/**
 * Walk a chunked body (RFC 9112 §7.1) from `p`: chunk-size [ext] CRLF data CRLF … 0 CRLF trailers CRLF.
 * `data` receives the chunk data ranges; `trailers` the trailer field lines.
 */
export function walkChunks(
  u8: Uint8Array,
  p: number,
  end: number,
  data?: [number, number][],
  trailers?: [string, string][],
): ChunkWalk {
  const start = p;
  for (;;) {
    const le = lineEnd(u8, p, end);
    if (le < 0) {
      if (data && p < end) data.push([p, p]); // nothing decodable yet
      return { consumed: end - start, complete: false, bad: false };
    }
    let q = p;
    let size = 0;
    let digits = 0;
    for (; q < le; q++) {
      const c = u8[q];
      const d = isDigit(c) ? c - 0x30 : c >= 0x61 && c <= 0x66 ? c - 0x57 : c >= 0x41 && c <= 0x46 ? c - 0x37 : -1;
      if (d < 0) break;
      size = size * 16 + d;
      digits++;
    }
    if (digits === 0 || digits > 13) return { consumed: p - start, complete: false, bad: true };
    const ds = le + 1;
    if (size === 0) {
      const h = parseHead(u8, ds, end, trailers);
      return { consumed: h.next - start, complete: h.complete, bad: false };
    }
    if (ds + size > end) {
      if (data) data.push([ds, end]);
      return { consumed: end - start, complete: false, bad: false };
    }
    if (data) data.push([ds, ds + size]);
    p = ds + size;
    // CRLF after the data (tolerate a bare LF).
    if (p < end && u8[p] === CR) p++;
    if (p < end && u8[p] === LF) p++;
    else if (p >= end) return { consumed: end - start, complete: false, bad: false };
  }
}

/** RFC 9110 §15.2, §15.3.5, §15.4.5: 1xx, 204 and 304 responses never have content. */
const noBodyStatus = (code: number) => (code >= 100 && code < 200) || code === 204 || code === 304;

/** One literal shape for every layer (DESIGN §3.5 rule 8); absent values are undefined. */
function fieldsOf(
  type: Http1Type,
  sl: StartLine | undefined,
  h: Head | undefined,
  headerLen: number,
  bodyLen: number,
  bodyComplete: boolean,
): Http1Fields {
  return {
    type,
    method: sl?.method,
    uri: sl?.uri,
    version: sl?.version,
    code: sl?.code,
    phrase: sl?.phrase,
    headerCount: h ? h.headerCount : 0,
    headersComplete: h ? h.complete : false,
    headerLen,
    contentLength: h?.contentLength,
    chunked: h ? h.chunked : false,
    upgrade: h?.upgrade,
    bodyLen,
    bodyComplete,
  };
}

function decode(b: Bytes, at: number, end: number): Http1Fields {
  const u8 = b.u8;
  if (end - at >= 14 && prefaceStart(u8, at, end)) return fieldsOf('preface', undefined, undefined, 0, 0, true);
  const sl = parseStartLine(u8, at, end);
  if (!sl) return fieldsOf('continuation', undefined, undefined, 0, 0, false);
  const h = sl.cut ? undefined : parseHead(u8, sl.next, end);
  const headerEnd = h ? h.next : end;
  let bodyLen = 0;
  let bodyComplete = false;
  if (h?.complete) {
    const avail = end - headerEnd;
    if (sl.type === 'response' && (noBodyStatus(sl.code!) || sl.code === 101)) bodyComplete = true;
    else if (h.chunked) {
      const w = walkChunks(u8, headerEnd, end);
      bodyLen = w.consumed;
      bodyComplete = w.complete;
    } else if (h.contentLength !== undefined && !h.badLength) {
      bodyLen = Math.min(h.contentLength, avail);
      bodyComplete = h.contentLength <= avail;
    } else if (sl.type === 'request')
      bodyComplete = true; // §6.3 item 7: no framing → no body
    else bodyLen = avail; // §6.3 item 8: read until the connection closes
  }
  return fieldsOf(sl.type, sl, h, headerEnd - at, bodyLen, bodyComplete);
}

const PRI = [0x50, 0x52, 0x49, 0x20, 0x2a, 0x20, 0x48, 0x54, 0x54, 0x50, 0x2f, 0x32, 0x2e, 0x30];
/** "PRI * HTTP/2.0" – the HTTP/2 client preface (RFC 9113 §3.4) sent on an HTTP port. */
function prefaceStart(u8: Uint8Array, at: number, end: number): boolean {
  if (end - at < PRI.length) return false;
  for (let i = 0; i < PRI.length; i++) if (u8[at + i] !== PRI[i]) return false;
  return true;
}

/** Where the rest of the segment goes (`http.upgrade` table; -1 = its heuristics only). */
function next(f: Http1Fields) {
  if (f.type === 'preface') return { table: 'http.upgrade', key: UPGRADE_H2C };
  if (f.type === 'continuation') return { table: 'http.upgrade', key: -1 };
  if (f.type === 'response' && f.code === 101) {
    const t = firstToken(f.upgrade);
    return { table: 'http.upgrade', key: t ? upgradeKey(t) : -1 };
  }
  if (!f.bodyComplete) return undefined;
  return { table: 'http.upgrade', key: UPGRADE_HTTP1 };
}

/** Heuristic on unclaimed TCP ports: a complete-enough start line (tshark's http_tcp heuristic). */
function probe(b: Bytes, at: number, end: number): boolean {
  // The HTTP/2 preface parses as a request line ("PRI * HTTP/2.0"): leave it to HTTP/2's heuristic.
  if (prefaceStart(b.u8, at, end)) return false;
  const sl = parseStartLine(b.u8, at, end);
  return sl !== undefined && (!sl.cut || sl.type === 'request');
}

/** On request: the header fields (order and repeats kept), the body with transfer coding undone. */
export interface Http1Details {
  readonly headers: [string, string][];
  /** Message body octets present, chunked coding removed (content coding still applied). */
  readonly body: Uint8Array;
  readonly trailers?: [string, string][];
  readonly contentEncoding?: string;
  readonly contentType?: string;
}

const restCodec: Codec<Http1Fields, Http1Details | undefined> = {
  decode(b, start, end, f) {
    if (f.type !== 'request' && f.type !== 'response') return undefined;
    const u8 = b.u8;
    const sl = parseStartLine(u8, start, end);
    if (!sl) return undefined;
    const headers: [string, string][] = [];
    const h = sl.cut ? undefined : parseHead(u8, sl.next, end, headers);
    const bs = h?.next ?? end;
    let body: Uint8Array;
    let trailers: [string, string][] | undefined;
    if (f.chunked && h?.complete) {
      const parts: [number, number][] = [];
      trailers = [];
      walkChunks(u8, bs, end, parts, trailers);
      body = joinRanges(u8, parts);
    } else body = u8.slice(bs, end);
    const get = (n: string) => headers.find((x) => x[0].toLowerCase() === n)?.[1];
    return {
      headers,
      body,
      ...(trailers?.length ? { trailers } : {}),
      ...(h?.contentEncoding !== undefined ? { contentEncoding: h.contentEncoding } : {}),
      ...(get('content-type') !== undefined ? { contentType: get('content-type') } : {}),
    };
  },
};

function joinRanges(u8: Uint8Array, parts: readonly [number, number][]): Uint8Array {
  let n = 0;
  for (const [s, e] of parts) n += e - s;
  const out = new Uint8Array(n);
  let at = 0;
  for (const [s, e] of parts) {
    out.set(u8.subarray(s, e), at);
    at += e - s;
  }
  return out;
}

export interface ContentResult {
  readonly data: Uint8Array;
  /** Codings that could not be undone ('unsupported:zstd', 'gzip: unexpected end of file', …). */
  readonly error?: string;
}

/**
 * Undo Content-Encoding (RFC 9110 §8.4.1): gzip/x-gzip, deflate (zlib, or raw DEFLATE as some
 * servers send), br; codings are undone last-applied first. Partial input (a body cut by the capture
 * or the segment) decodes as far as it goes.
 */
export function decodeContent(body: Uint8Array, contentEncoding: string | undefined): ContentResult {
  if (!contentEncoding) return { data: body };
  const codings = contentEncoding
    .toLowerCase()
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s && s !== 'identity');
  let data = body;
  for (let i = codings.length - 1; i >= 0; i--) {
    const c = codings[i];
    try {
      if (c === 'gzip' || c === 'x-gzip') data = gunzipSync(data, { finishFlush: constants.Z_SYNC_FLUSH });
      else if (c === 'deflate') {
        try {
          data = inflateSync(data, { finishFlush: constants.Z_SYNC_FLUSH });
        } catch {
          data = inflateRawSync(data, { finishFlush: constants.Z_SYNC_FLUSH });
        }
      } else if (c === 'br') data = brotliDecompressSync(data, { finishFlush: constants.BROTLI_OPERATION_FLUSH });
      else return { data, error: `unsupported:${c}` };
    } catch (e) {
      return { data, error: `${c}: ${e instanceof Error ? e.message : String(e)}` };
    }
    data = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  }
  return { data };
}

// ---------------------------------------------------------------------------------------------
// Building: start line, field lines, empty line, body. Content-Length is added for a body unless
// the caller gave Content-Length or Transfer-Encoding (RFC 9112 §6.2).

const te = new TextEncoder();
function headBytes(f: Partial<Http1Fields>): Uint8Array {
  const lines: string[] = [];
  if (f.type === 'preface') return Uint8Array.from([...PRI, CR, LF, CR, LF, 0x53, 0x4d, CR, LF, CR, LF]);
  if (f.type === 'continuation') return new Uint8Array(0);
  if (f.type === 'response' || (f.type === undefined && f.code !== undefined)) {
    // RFC 9112 §4: the SP after the status code is there even when the reason phrase is empty.
    lines.push(`${f.version ?? 'HTTP/1.1'} ${f.code ?? 200} ${f.phrase ?? ''}`);
  } else lines.push(`${f.method ?? 'GET'} ${f.uri ?? '/'} ${f.version ?? 'HTTP/1.1'}`);
  const hs = [...(f.headers ?? [])];
  const body = bodyBytes(f);
  const has = (n: string) => hs.some(([k]) => k.toLowerCase() === n);
  if (body.length > 0 && !has('content-length') && !has('transfer-encoding'))
    hs.push(['Content-Length', String(body.length)]);
  for (const [k, v] of hs) lines.push(`${k}: ${v}`);
  return latin1Bytes(`${lines.join('\r\n')}\r\n\r\n`);
}
function latin1Bytes(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i) & 0xff;
  return out;
}
const bodyBytes = (f: Partial<Http1Fields>) =>
  f.body === undefined ? new Uint8Array(0) : typeof f.body === 'string' ? te.encode(f.body) : f.body;

// ---------------------------------------------------------------------------------------------
// The stream parser: one per connection direction; request methods shared through ctx.conn so a
// response to HEAD or CONNECT is framed right (RFC 9112 §6.3 items 1–2).

/** One HTTP/1 message over a reassembled stream. */
export interface Http1Message {
  readonly type: 'request' | 'response';
  readonly method?: string;
  readonly uri?: string;
  readonly version?: string;
  readonly code?: number;
  readonly phrase?: string;
  readonly headers: [string, string][];
  /** Body with transfer coding undone (capped at MAX_BODY; `bodyLength` counts all of it, holes included). */
  readonly body: Uint8Array;
  readonly bodyLength: number;
  readonly chunked: boolean;
  readonly trailers?: [string, string][];
  readonly contentEncoding?: string;
  readonly upgrade?: string;
  /** For a response: the request it answers (pipelined requests are matched in order). */
  readonly request?: { readonly method: string; readonly uri: string };
}

interface Http1Conn {
  /** Requests sent and not yet answered by a final (non-1xx) response, oldest first. */
  readonly pending: { method: string; uri: string }[];
  /** The client asked to upgrade (Upgrade field in a request). */
  upgradeRequested?: string;
  /** HTTP2-Settings of that request. */
  h2Settings?: string;
}
function http1Conn(ctx: AppContext): Http1Conn {
  let c = ctx.conn.http1 as Http1Conn | undefined;
  if (!c) ctx.conn.http1 = c = { pending: [] };
  return c;
}

/** Body cap per message: bytes beyond are counted, not kept (memory bound for hostile captures). */
export const MAX_BODY = 64 * 1024 * 1024;
/** A header section longer than this is not HTTP (or not worth keeping): resync. */
const MAX_HEAD = 256 * 1024;

type Mode = 'start' | 'head' | 'length' | 'chunked' | 'close' | 'resync' | 'handoff' | 'tunnel';

interface Building {
  start: number;
  sl: StartLine;
  head: Head;
  headers: [string, string][];
  parts: Uint8Array[];
  bodyLength: number;
  remaining: number;
  request?: { method: string; uri: string };
  notes: string[];
  complete: boolean;
  trailers?: [string, string][];
}

class Http1StreamParser implements StreamParser {
  private readonly buf = new StreamBuffer();
  private mode: Mode = 'start';
  private cur: Building | undefined;
  private notes: string[] = [];
  private inner: StreamParser | undefined;
  /** Chunked body state: octets left in the current chunk (0: expecting a size line). */
  private chunkLeft = 0;
  private chunkPhase: 'size' | 'data' | 'crlf' | 'trailers' = 'size';
  private readonly conn: Http1Conn;

  constructor(
    private readonly ctx: AppContext,
    private readonly dir: 0 | 1,
  ) {
    this.conn = http1Conn(ctx);
  }

  push(chunk: StreamChunk): readonly AppMessage[] {
    if (this.mode === 'handoff') return this.inner ? this.inner.push(chunk) : [];
    if (this.held() && chunk.gap === 0) {
      // Bytes held for the other side's verdict, and the verdict is HTTP/2: hand everything over.
      this.buf.append(chunk.data, chunk.frames);
      const out: AppMessage[] = [];
      this.mode = 'handoff';
      this.handoff(out, chunk);
      return out;
    }
    const out: AppMessage[] = [];
    if (chunk.gap !== 0) this.gap(chunk.gap, out);
    if (this.mode === 'tunnel') return out;
    this.buf.append(chunk.data, chunk.frames);
    this.run(out);
    if ((this.mode as Mode) === 'handoff') this.handoff(out, chunk);
    return out;
  }

  end(): readonly AppMessage[] {
    if (this.held()) {
      const out: AppMessage[] = [];
      this.mode = 'handoff';
      this.handoff(out, { data: new Uint8Array(0), dir: this.dir, frames: [], gap: 0, tsSec: 0, tsNsec: 0 });
      return this.inner ? [...out, ...this.inner.end()] : out;
    }
    if (this.mode === 'handoff') return this.inner ? this.inner.end() : [];
    const out: AppMessage[] = [];
    const b = this.cur;
    if (b) {
      if (this.mode === 'close') {
        // §6.3 item 8: a close-delimited body ends with the connection: the message is whole.
        this.takeBody(this.buf.length);
        this.emit(out, this.buf.end, true);
      } else {
        this.drainPartial();
        b.notes.push('http1.cut');
        this.emit(out, this.buf.end, false);
      }
    } else if (this.mode === 'start' || this.mode === 'head') this.partialHead(out, 'http1.cut');
    this.buf.consume(this.buf.length);
    return out;
  }

  private gap(gap: number, out: AppMessage[]): void {
    const b = this.cur;
    // Inside a body whose length we know, a hole only costs body octets: keep counting.
    if (b && this.mode === 'length' && gap > 0 && this.buf.length + gap <= b.remaining) {
      const held = this.buf.length;
      this.takeBody(held);
      b.remaining -= held + gap;
      b.bodyLength += gap;
      b.complete = false;
      b.notes.push('http1.gap_in_body');
      this.buf.skip(gap);
      return;
    }
    if (b && this.mode === 'close' && gap > 0) {
      this.takeBody(this.buf.length);
      b.bodyLength += gap;
      b.complete = false;
      b.notes.push('http1.gap_in_body');
      this.buf.skip(gap);
      return;
    }
    if (this.mode === 'tunnel') {
      this.buf.skip(gap);
      return;
    }
    if (b) {
      this.drainPartial();
      b.notes.push('http1.gap');
      this.emit(out, this.buf.end, false);
    } else if (this.mode === 'start' || this.mode === 'head') this.partialHead(out, 'http1.gap');
    // Anything else: drop what we hold and look for the next start line (DESIGN §3.8).
    const midstream = gap < 0 && this.buf.end === 0;
    this.buf.skip(gap > 0 ? gap : 0);
    if (midstream) this.notes.push('http1.midstream');
    this.mode = 'resync';
  }

  /** A start line (and maybe some field lines) without the end of its header section: report it. */
  private partialHead(out: AppMessage[], note: string): void {
    const v = this.buf.view();
    const sl = v.length > 0 ? parseStartLine(v, 0, v.length) : undefined;
    if (!sl) return;
    const headers: [string, string][] = [];
    if (!sl.cut) parseHead(v, sl.next, v.length, headers);
    const fields: Http1Message = {
      type: sl.type,
      ...(sl.method !== undefined ? { method: sl.method, uri: sl.uri } : {}),
      ...(sl.version !== undefined ? { version: sl.version } : {}),
      ...(sl.code !== undefined ? { code: sl.code, phrase: sl.phrase } : {}),
      headers,
      body: new Uint8Array(0),
      bodyLength: 0,
      chunked: false,
    };
    out.push({
      protocol: 'http1',
      dir: this.dir,
      frames: this.buf.framesFor(this.buf.base, this.buf.end),
      complete: false,
      fields,
      notes: [...this.notes, note],
    });
    this.notes = [];
  }

  private run(out: AppMessage[]): void {
    for (;;) {
      const v = this.buf.view();
      const n = v.length;
      switch (this.mode) {
        case 'resync': {
          const at = findStartLine(v);
          if (at < 0) {
            // Drop what cannot start a start line; keep a candidate whose line is not complete yet.
            // No message is open, so the frame marks of what was dropped can go too.
            this.buf.consume(-at - 1);
            this.buf.release(this.buf.base);
            return;
          }
          if (at > 0) this.buf.consume(at);
          this.notes.push('http1.resync');
          this.mode = 'start';
          continue;
        }
        case 'start': {
          // §2.2: ignore empty lines before a request line.
          let p = 0;
          while (p < n && (v[p] === CR || v[p] === LF)) p++;
          if (p > 0) {
            this.buf.consume(p);
            continue;
          }
          if (n === 0) return;
          if (prefaceStart(v, 0, n) || (n < PRI.length && PRI.slice(0, n).every((c, i) => v[i] === c))) {
            if (n < PRI.length) return;
            // Prior knowledge on an HTTP port (RFC 9113 §3.3), or the client's preface after an
            // Upgrade: h2c it asked for (§3.2): the rest of the connection is HTTP/2.
            this.ctx.conn.h2Prior = true;
            if (this.conn.upgradeRequested === 'h2c' && this.ctx.conn.h2cUpgrade === undefined) {
              const settings = this.conn.h2Settings ? base64url(this.conn.h2Settings) : undefined;
              this.ctx.conn.h2cUpgrade = { clientDir: this.dir, ...(settings ? { settings } : {}) };
            }
            this.mode = 'handoff';
            return;
          }
          // The connection went HTTP/2 (the other side's preface or 101): hand over, unless this
          // is the server's 101 response itself still to come.
          if (
            (this.ctx.conn.h2Prior === true || this.ctx.conn.h2cUpgrade !== undefined) &&
            !(n >= 5 && v[0] === 0x48 && v[1] === 0x54 && v[2] === 0x54 && v[3] === 0x50 && v[4] === 0x2f)
          ) {
            if (n < 5 && v[0] === 0x48) return;
            this.mode = 'handoff';
            return;
          }
          // An octet 0x00 never starts HTTP/1 text: before any message, it is an HTTP/2 server's
          // SETTINGS sent ahead of the client preface (RFC 9113 §3.4). Hold it until the other side
          // tells which protocol this is.
          if (!this.seen && v[0] === 0 && n < MAX_HEAD) return;
          const le = v.indexOf(LF);
          if (le < 0) {
            // Wait for the line only while it can still be one: holding (and rescanning) up to
            // MAX_HEAD of a stream that is not HTTP costs memory and time on every connection.
            if (n > MAX_HEAD || !startLinePrefix(v, n)) this.resync();
            return;
          }
          const sl = parseStartLine(v, 0, n);
          if (!sl) {
            this.resync();
            continue;
          }
          this.mode = 'head';
          continue;
        }
        case 'head': {
          const sl = parseStartLine(v, 0, n)!;
          const headers: [string, string][] = [];
          const h = parseHead(v, sl.next, n, headers);
          if (!h.complete) {
            if (n > MAX_HEAD) {
              this.notes.push('http1.head_too_long');
              this.resync();
              continue;
            }
            return;
          }
          this.startMessage(sl, h, headers);
          this.buf.consume(h.next);
          if (this.cur === undefined) continue;
          continue;
        }
        case 'length': {
          const b = this.cur!;
          const take = Math.min(n, b.remaining);
          this.takeBody(take);
          b.remaining -= take;
          if (b.remaining > 0) return;
          this.emit(out, this.buf.base, b.complete);
          continue;
        }
        case 'chunked': {
          if (!this.chunked(out)) return;
          continue;
        }
        case 'close': {
          this.takeBody(n);
          return;
        }
        case 'tunnel':
        case 'handoff':
          return;
      }
    }
  }

  private resync(): void {
    this.mode = 'resync';
    this.buf.consume(1);
  }

  /** A header section is complete: decide the body framing (RFC 9112 §6.3). */
  private startMessage(sl: StartLine, h: Head, headers: [string, string][]): void {
    const b: Building = {
      start: this.buf.base,
      sl,
      head: h,
      headers,
      parts: [],
      bodyLength: 0,
      remaining: 0,
      notes: this.notes,
      complete: true,
    };
    this.notes = [];
    this.cur = b;
    if (h.chunked && h.contentLength !== undefined) b.notes.push('http1.te_and_cl'); // §6.3 item 3
    if (h.badLength && !h.chunked) b.notes.push('http1.bad_content_length');
    if (sl.type === 'request') {
      const req = { method: sl.method!, uri: sl.uri! };
      this.conn.pending.push(req);
      if (h.upgrade) {
        this.conn.upgradeRequested = firstToken(h.upgrade);
        const s = headers.find(([k]) => k.toLowerCase() === 'http2-settings');
        if (s) this.conn.h2Settings = s[1];
      }
      if (h.chunked) this.beginChunked();
      else if (h.contentLength !== undefined && !h.badLength && h.contentLength > 0) {
        b.remaining = h.contentLength;
        this.mode = 'length';
      } else this.finishHead(); // §6.3 item 7: no body
      return;
    }
    const code = sl.code!;
    const interim = code >= 100 && code < 200;
    // 1xx are interim: the request stays pending for the final response (RFC 9110 §15.2).
    const req = interim ? this.conn.pending[0] : this.conn.pending.shift();
    if (req) b.request = req;
    if (code === 101) {
      this.finishHead();
      return;
    }
    if (req?.method === 'HEAD' || noBodyStatus(code)) this.finishHead();
    else if (req?.method === 'CONNECT' && code >= 200 && code < 300) this.finishHead('tunnel');
    else if (h.chunked) this.beginChunked();
    else if (h.contentLength !== undefined && !h.badLength) {
      b.remaining = h.contentLength;
      if (b.remaining === 0) this.finishHead();
      else this.mode = 'length';
    } else this.mode = 'close'; // §6.3 item 8
  }

  /** A message with no body: emit it on the next run step. */
  private finishHead(then: Mode = 'start'): void {
    this.mode = 'length';
    this.cur!.remaining = 0;
    this.after = then;
  }
  private after: Mode = 'start';
  /** A message was parsed in this direction (HTTP/1 confirmed). */
  private seen = false;

  private beginChunked(): void {
    this.mode = 'chunked';
    this.chunkPhase = 'size';
    this.chunkLeft = 0;
    this.cur!.trailers = [];
  }

  /** Advance the chunked body; true when the message finished (loop again). */
  private chunked(out: AppMessage[]): boolean {
    const b = this.cur!;
    for (;;) {
      const v = this.buf.view();
      const n = v.length;
      if (this.chunkPhase === 'data') {
        const take = Math.min(n, this.chunkLeft);
        this.takeBody(take);
        this.chunkLeft -= take;
        if (this.chunkLeft > 0) return false;
        this.chunkPhase = 'crlf';
        continue;
      }
      if (this.chunkPhase === 'crlf') {
        if (n === 0) return false;
        if (v[0] === CR) {
          if (n < 2) return false;
          this.buf.consume(v[1] === LF ? 2 : 1);
        } else if (v[0] === LF) this.buf.consume(1);
        else b.notes.push('http1.bad_chunk');
        this.chunkPhase = 'size';
        continue;
      }
      if (this.chunkPhase === 'trailers') {
        const h = parseHead(v, 0, n, b.trailers);
        if (!h.complete) {
          b.trailers!.length = 0;
          if (n > MAX_HEAD) {
            b.notes.push('http1.head_too_long');
            this.emit(out, this.buf.base, false);
            this.resync();
            return true;
          }
          return false;
        }
        this.buf.consume(h.next);
        this.emit(out, this.buf.base, b.complete);
        return true;
      }
      // size line
      const le = v.indexOf(LF);
      if (le < 0) {
        if (n > 1024) {
          b.notes.push('http1.bad_chunk');
          this.emit(out, this.buf.base, false);
          this.resync();
          return true;
        }
        return false;
      }
      let size = 0;
      let digits = 0;
      for (let q = 0; q < le; q++) {
        const c = v[q];
        const d = isDigit(c) ? c - 0x30 : c >= 0x61 && c <= 0x66 ? c - 0x57 : c >= 0x41 && c <= 0x46 ? c - 0x37 : -1;
        if (d < 0) break;
        size = size * 16 + d;
        digits++;
      }
      if (digits === 0 || digits > 13) {
        b.notes.push('http1.bad_chunk');
        this.emit(out, this.buf.base, false);
        this.resync();
        return true;
      }
      this.buf.consume(le + 1);
      if (size === 0) this.chunkPhase = 'trailers';
      else {
        this.chunkLeft = size;
        this.chunkPhase = 'data';
      }
    }
  }

  /** Body octets already buffered for a message about to be cut short (not chunk framing). */
  private drainPartial(): void {
    const n = this.buf.length;
    if (this.mode === 'length') this.takeBody(Math.min(n, this.cur!.remaining));
    else if (this.mode === 'chunked' && this.chunkPhase === 'data') this.takeBody(Math.min(n, this.chunkLeft));
  }

  /** Move `n` body octets from the buffer into the message being built. */
  private takeBody(n: number): void {
    if (n <= 0) return;
    const b = this.cur!;
    const v = this.buf.view();
    const kept = b.parts.reduce((a, p) => a + p.length, 0);
    if (kept < MAX_BODY) b.parts.push(v.slice(0, Math.min(n, MAX_BODY - kept)));
    b.bodyLength += n;
    this.buf.consume(n);
  }

  private emit(out: AppMessage[], endOffset: number, complete: boolean): void {
    const b = this.cur!;
    this.cur = undefined;
    this.seen = true;
    const body = concat(b.parts);
    const sl = b.sl;
    const h = b.head;
    const fields: Http1Message = {
      type: sl.type,
      ...(sl.method !== undefined ? { method: sl.method, uri: sl.uri } : {}),
      ...(sl.version !== undefined ? { version: sl.version } : {}),
      ...(sl.code !== undefined ? { code: sl.code, phrase: sl.phrase } : {}),
      headers: b.headers,
      body,
      bodyLength: b.bodyLength,
      chunked: h.chunked,
      ...(b.trailers?.length ? { trailers: b.trailers } : {}),
      ...(h.contentEncoding !== undefined ? { contentEncoding: h.contentEncoding } : {}),
      ...(h.upgrade !== undefined ? { upgrade: h.upgrade } : {}),
      ...(b.request ? { request: b.request } : {}),
    };
    out.push({
      protocol: 'http1',
      dir: this.dir,
      frames: this.buf.framesFor(b.start, Math.max(endOffset, b.start + 1)),
      complete: complete && b.complete,
      fields,
      ...(b.notes.length ? { notes: b.notes } : {}),
    });
    this.buf.release(endOffset);
    this.mode = this.after;
    this.after = 'start';
    // 101 Switching Protocols (RFC 9110 §15.2.2): the connection now speaks the upgrade protocol.
    if (sl.type === 'response' && sl.code === 101) {
      const token = firstToken(h.upgrade) ?? this.conn.upgradeRequested;
      if (token === 'h2c') {
        const settings = this.conn.h2Settings ? base64url(this.conn.h2Settings) : undefined;
        this.ctx.conn.h2cUpgrade = { clientDir: (this.dir ^ 1) as 0 | 1, ...(settings ? { settings } : {}) };
        this.mode = 'handoff';
      } else this.mode = 'tunnel';
      this.ctx.conn.upgraded = token ?? 'unknown';
    }
  }

  /** This direction holds bytes and the connection turned out to be HTTP/2. */
  private held(): boolean {
    return (
      this.mode === 'start' &&
      !this.seen &&
      this.buf.length > 0 &&
      this.buf.view()[0] === 0 &&
      (this.ctx.conn.h2Prior === true || this.ctx.conn.h2cUpgrade !== undefined)
    );
  }

  /** Hand the rest of this direction to the protocol switched to (HTTP/2), or keep it raw. */
  private handoff(out: AppMessage[], chunk: StreamChunk): void {
    const token = (this.ctx.conn.upgraded as string | undefined) ?? (this.ctx.conn.h2Prior ? 'h2c' : undefined);
    this.inner = token === 'h2c' ? this.ctx.open?.('http2', this.dir) : undefined;
    const rest = this.buf.view().slice();
    const frames = this.buf.framesFor(this.buf.base, this.buf.end);
    this.buf.consume(rest.length);
    if (!this.inner) {
      this.mode = 'tunnel';
      return;
    }
    if (rest.length > 0) {
      for (const m of this.inner.push({ ...chunk, data: rest, frames: frames.length ? frames : chunk.frames, gap: 0 }))
        out.push(m);
    }
  }
}

/** A start line longer than this is not looked for while resynchronising. */
const MAX_RESYNC_LINE = 16 * 1024;

/**
 * Where the first start line in `v` is, at a line start or (after a gap the old message may run on)
 * where "HTTP/" or an upper-case token follows a non-token octet mid-line; only a whole, strictly
 * valid line counts. Returns its offset, or -(k + 1) where k is how many leading octets can be
 * dropped (no start line can begin in them, whatever follows), so every octet is scanned once.
 */
/** Longest method token taken as one (RFC 9110 §9: registered methods have at most 17 characters). */
const MAX_METHOD = 32;
const HTTP_SLASH = [0x48, 0x54, 0x54, 0x50, 0x2f];

/**
 * Can `v[0, n)`, with no LF yet, still begin a start line (RFC 9112 §3, §4)? A status line begins
 * with "HTTP/"; a request line with a method token (tchar) ended by SP within MAX_METHOD octets.
 */
function startLinePrefix(v: Uint8Array, n: number): boolean {
  let http = true;
  for (let i = 0; i < n && i < HTTP_SLASH.length; i++) if (v[i] !== HTTP_SLASH[i]) http = false;
  if (http) return true;
  const m = Math.min(n, MAX_METHOD + 1);
  for (let i = 0; i < m; i++) {
    if (v[i] === SP) return i > 0;
    if (!TCHAR[v[i]]) return false;
  }
  return n <= MAX_METHOD;
}

function findStartLine(v: Uint8Array): number {
  const n = v.length;
  let le = v.indexOf(LF); // the first LF at or after p (-1: none left), found once per line
  for (let p = 0; p < n; p++) {
    const c = v[p];
    const lineStart = p === 0 || v[p - 1] === LF;
    if (!lineStart && !(c >= 0x41 && c <= 0x5a && (c === 0x48 || !TCHAR[v[p - 1]]))) continue;
    if (le >= 0 && le < p) le = v.indexOf(LF, p);
    if (le < 0) {
      // Wait for the rest of this line only if it can still be a start line.
      if (n - p <= MAX_RESYNC_LINE && startLinePrefix(v.subarray(p), n - p)) return -(p + 1);
      continue;
    }
    if (le - p > MAX_RESYNC_LINE) continue;
    const sl = parseStartLine(v, p, le + 1);
    if (sl && !sl.cut) return p;
  }
  return -(n + 1);
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0];
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function base64url(s: string): Uint8Array | undefined {
  try {
    return new Uint8Array(Buffer.from(s.trim(), 'base64url'));
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------------

const field =
  <K extends keyof Http1Fields>(k: K, only?: Http1Type) =>
  (l: Layer) => {
    const f = l.fields as Partial<Http1Fields>;
    if (only && f.type !== only) return undefined;
    const v = f[k];
    return typeof v === 'string' || typeof v === 'number' ? v : undefined;
  };

/** Default TCP ports of tshark's HTTP dissector ("http.tcp.port" range). */
export const HTTP_TCP_PORTS: readonly number[] = [80, 3128, 3132, 5985, 8080, 8088, 11371, 1900, 2869, 2710];

export const http1 = defineProtocol({
  name: 'http1',
  abbrev: 'http',
  alias: 'HTTP',
  title: 'Hypertext Transfer Protocol',
  layer: 'application',
  minLen: 0,
  decode,
  encode: (b, at, f) => {
    const h = headBytes(f);
    b.u8.set(h, at);
    b.u8.set(bodyBytes(f), at + h.length);
  },
  encodingLength: (f) => headBytes(f).length + bodyBytes(f).length,
  headerLen: (f) => f.headerLen + f.bodyLen,
  next,
  // UDP 1900: SSDP (UPnP) speaks HTTP/1.1 syntax over UDP; tshark dissects it with the HTTP dissector.
  bind: { 'tcp.port': HTTP_TCP_PORTS, 'udp.port': [1900], 'http.upgrade': [UPGRADE_HTTP1] },
  heuristic: ['tcp.port'],
  probe,
  rest: restCodec,
  computed: {
    'http.request.method': field('method'),
    'http.request.uri': field('uri'),
    'http.request.version': field('version', 'request'),
    'http.response.version': field('version', 'response'),
    'http.response.code': field('code'),
    'http.response.phrase': field('phrase'),
    'http.content_length': field('contentLength'),
    'http.upgrade': field('upgrade'),
    'http.request': (l) => ((l.fields as Partial<Http1Fields>).type === 'request' ? 1 : undefined),
    'http.response': (l) => ((l.fields as Partial<Http1Fields>).type === 'response' ? 1 : undefined),
  },
  stream: (ctx, dir) => new Http1StreamParser(ctx, dir),
  summary: (f) =>
    f.type === 'request'
      ? `${f.method} ${f.uri}${f.version ? ` ${f.version}` : ''}`
      : f.type === 'response'
        ? `${f.version} ${f.code} ${f.phrase ?? ''}`.trimEnd()
        : f.type === 'preface'
          ? 'HTTP/2 connection preface'
          : 'Continuation',
});
declare module '../core/frame.js' {
  interface LayerMap {
    http1: FieldsOf<typeof http1>;
  }
}
