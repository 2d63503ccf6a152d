/**
 * File Transfer Protocol, control connection: RFC 959 (§4.1 commands, §4.2 replies), extended by
 * RFC 2428 (EPRT/EPSV, IPv6), RFC 2389 (FEAT/OPTS), RFC 3659 (SIZE/MDTM/MLST).
 *
 *   command = verb [SP argument] CRLF                 (verbs are four or fewer letters, §5.3.1)
 *   reply   = 3DIGIT SP text CRLF                     single line
 *           / 3DIGIT "-" text CRLF *(line CRLF) 3DIGIT SP text CRLF   multi-line, same code (§4.2)
 *
 * Per packet the first line decides, as tshark shows it: a command (ftp.request.command/arg) or a
 * reply (ftp.response.code/arg); the later lines are in `details`. tshark tells requests from replies
 * by the port; one packet alone only has its bytes, so we tell them by syntax (a reply starts with
 * three digits, a command with a 3–4 letter verb, anything else continues a multi-line reply).
 * Over reassembled streams (`stream`), commands and whole multi-line replies come out as messages, and
 * PORT/EPRT commands and 227 (PASV)/229 (EPSV) replies announce the data connection through
 * `ctx.run.expect(addr, port, 'ftp-data')`, so the app stage labels its payload 'ftp-data'.
 */
import { ipv4ToString, ipv6ToString, parseIpv6 } from '../core/addr.js';
import type { Bytes } from '../core/bytes.js';
import { latin1Text } from '../core/bytes.js';
import type { Layer } from '../core/frame.js';
import { type Codec, defineProtocol, type FieldsOf } from '../core/protocol.js';
import type { AppContext, AppMessage, StreamChunk, StreamParser } from '../core/stream.js';
import { StreamBuffer } from './stream-buffer.js';

const CR = 0x0d;
const LF = 0x0a;
const SP = 0x20;

export type FtpLineType = 'request' | 'response' | 'continuation';

export interface FtpFields {
  readonly type: FtpLineType;
  /** ftp.request.command and ftp.request.arg (the first line of a request). */
  readonly command?: string;
  readonly arg?: string;
  /** ftp.response.code: the reply code of the first line. */
  readonly code?: number;
  /** The first line is "ddd-": a multi-line reply starts (RFC 959 §4.2). */
  readonly more?: boolean;
  /** ftp.response.arg: the text after the code (or the whole first line of a continuation). */
  readonly text?: string;
  /** Lines that end in this segment (a last line without CRLF counts too). */
  readonly lines: number;
  /** Bytes the layer covers (the whole segment). */
  readonly size: number;
}

const isDigit = (c: number) => c >= 0x30 && c <= 0x39;
const isAlpha = (c: number) => (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);

/** One line of control-connection text, classified. Positions are absolute; `e` excludes CRLF. */
export interface FtpLine {
  readonly type: FtpLineType;
  readonly command?: string;
  readonly arg?: string;
  readonly code?: number;
  readonly more?: boolean;
  readonly text?: string;
}

/** Classify the line u8[s, e) (line terminator excluded). */
export function parseLine(u8: Uint8Array, s: number, e: number): FtpLine {
  if (e - s >= 3 && isDigit(u8[s]) && isDigit(u8[s + 1]) && isDigit(u8[s + 2])) {
    const c4 = s + 3 < e ? u8[s + 3] : -1;
    if (c4 === -1 || c4 === SP || c4 === 0x2d) {
      const code = (u8[s] - 0x30) * 100 + (u8[s + 1] - 0x30) * 10 + (u8[s + 2] - 0x30);
      return { type: 'response', code, more: c4 === 0x2d, text: c4 === -1 ? '' : latin1Text(u8, s + 4, e) };
    }
  }
  let q = s;
  while (q < e && isAlpha(u8[q])) q++;
  if (q - s >= 3 && q - s <= 4 && (q === e || u8[q] === SP)) {
    const command = latin1Text(u8, s, q);
    return q + 1 < e ? { type: 'request', command, arg: latin1Text(u8, q + 1, e) } : { type: 'request', command };
  }
  return { type: 'continuation', text: latin1Text(u8, s, e) };
}

function decode(b: Bytes, at: number, end: number): FtpFields {
  const u8 = b.u8;
  let lines = 0;
  let first: FtpLine | undefined;
  let p = at;
  while (p < end) {
    let le = p;
    while (le < end && u8[le] !== LF) le++;
    const e = le > p && u8[le - 1] === CR ? le - 1 : le;
    if (!first) first = parseLine(u8, p, e);
    lines++;
    p = le + 1;
  }
  const f = first ?? { type: 'continuation' as const };
  return { ...f, lines, size: end - at };
}

/** A data-connection endpoint announced on the control connection. */
export interface DataEndpoint {
  readonly addr: string;
  readonly port: number;
}

/** PORT / 227 reply argument: h1,h2,h3,h4,p1,p2 (RFC 959 §4.1.2, §4.2 227). Found anywhere in `s`. */
export function parseHostPort(s: string): DataEndpoint | undefined {
  const m = /(\d{1,3})\s*,\s*(\d{1,3})\s*,\s*(\d{1,3})\s*,\s*(\d{1,3})\s*,\s*(\d{1,3})\s*,\s*(\d{1,3})/.exec(s);
  if (!m) return undefined;
  const n = m.slice(1).map(Number);
  if (n.some((x) => x > 255)) return undefined;
  return { addr: ipv4ToString(((n[0] << 24) | (n[1] << 16) | (n[2] << 8) | n[3]) >>> 0), port: n[4] * 256 + n[5] };
}

/** EPRT argument: <d>af<d>addr<d>port<d> (RFC 2428 §2); af 1 = IPv4, 2 = IPv6. */
export function parseEprt(s: string): DataEndpoint | undefined {
  const t = s.trim();
  if (t.length < 7) return undefined;
  const d = t[0];
  const parts = t.split(d);
  if (parts.length < 5) return undefined;
  const [, af, addr, port] = parts;
  const pn = Number(port);
  if (!/^\d{1,5}$/.test(port) || pn > 65535) return undefined;
  if (af === '1' && /^\d{1,3}(\.\d{1,3}){3}$/.test(addr)) return { addr, port: pn };
  if (af === '2') {
    const a6 = parseIpv6(addr);
    if (a6) return { addr: ipv6ToString(a6), port: pn };
  }
  return undefined;
}

/** 229 reply text: "... (<d><d><d>port<d>)" (RFC 2428 §3); the address is the control connection's. */
export function parseEpsv(s: string): number | undefined {
  const m = /\((.)\1\1(\d{1,5})\1\)/.exec(s);
  if (!m) return undefined;
  const p = Number(m[2]);
  return p <= 65535 ? p : undefined;
}

/** Per-packet details: every line of the segment, with data endpoints parsed. */
export interface FtpDetails {
  readonly lines: (FtpLine & { readonly endpoint?: DataEndpoint; readonly epsvPort?: number })[];
}

const details: Codec<FtpFields, FtpDetails> = {
  decode(b, start, end) {
    const u8 = b.u8;
    const lines: FtpDetails['lines'] = [];
    let p = start;
    while (p < end) {
      let le = p;
      while (le < end && u8[le] !== LF) le++;
      const e = le > p && u8[le - 1] === CR ? le - 1 : le;
      const l = parseLine(u8, p, e);
      lines.push(withEndpoint(l));
      p = le + 1;
    }
    return { lines };
  },
};

function withEndpoint(l: FtpLine): FtpDetails['lines'][number] {
  const cmd = l.command?.toUpperCase();
  if (cmd === 'PORT' && l.arg) {
    const ep = parseHostPort(l.arg);
    return ep ? { ...l, endpoint: ep } : l;
  }
  if (cmd === 'EPRT' && l.arg) {
    const ep = parseEprt(l.arg);
    return ep ? { ...l, endpoint: ep } : l;
  }
  if (l.code === 227 && l.text) {
    const ep = parseHostPort(l.text);
    return ep ? { ...l, endpoint: ep } : l;
  }
  if (l.code === 229 && l.text) {
    const port = parseEpsv(l.text);
    return port !== undefined ? { ...l, epsvPort: port } : l;
  }
  return l;
}

// ---------------------------------------------------------------------------------------------
// The stream parser: commands one per line; replies collected until the closing line of the same
// code (RFC 959 §4.2); data connections announced to the run.

/** One FTP message over a reassembled stream. */
export interface FtpMessage {
  readonly type: 'request' | 'response' | 'text';
  readonly command?: string;
  readonly arg?: string;
  readonly code?: number;
  /** First line's text after the code. */
  readonly text?: string;
  /** Every line of a reply, as sent (without CRLF). */
  readonly lines?: readonly string[];
  readonly multiline?: boolean;
  /** The data connection this command or reply announced. */
  readonly dataEndpoint?: DataEndpoint;
}

const MAX_LINE = 64 * 1024;

class FtpStreamParser implements StreamParser {
  private readonly buf = new StreamBuffer();
  private reply: { code: number; lines: string[]; text: string; start: number } | undefined;
  private notes: string[] = [];
  private skipLine = false;
  constructor(
    private readonly ctx: AppContext,
    private readonly dir: 0 | 1,
  ) {}

  /** Is this direction the server's? Its port is 21 (or the peer's is not and it sends replies). */
  private role(line: FtpLine): 'server' | 'client' {
    const role = this.ctx.conn[`ftpRole${this.dir}`] as 'server' | 'client' | undefined;
    if (role) return role;
    const ports = this.ctx.endpoints.port;
    const r: 'server' | 'client' =
      ports[this.dir] === 21
        ? 'server'
        : ports[this.dir ^ 1] === 21
          ? 'client'
          : line.type === 'request'
            ? 'client'
            : 'server';
    this.ctx.conn[`ftpRole${this.dir}`] = r;
    return r;
  }

  push(chunk: StreamChunk): readonly AppMessage[] {
    const out: AppMessage[] = [];
    if (chunk.gap !== 0) {
      if (this.reply) this.flushReply(out, false, 'ftp.gap');
      // The partial line before the hole is lost; so is the start of the line after it.
      this.buf.skip(chunk.gap > 0 ? chunk.gap : 0);
      this.notes.push(chunk.gap < 0 ? 'ftp.midstream' : 'ftp.gap');
      this.skipLine = true;
    }
    this.buf.append(chunk.data, chunk.frames);
    for (;;) {
      const v = this.buf.view();
      const le = v.indexOf(LF);
      if (le < 0) {
        if (v.length > MAX_LINE) {
          this.notes.push('ftp.line_too_long');
          this.buf.consume(v.length);
          this.skipLine = true;
        }
        break;
      }
      const start = this.buf.base;
      const e = le > 0 && v[le - 1] === CR ? le - 1 : le;
      if (this.skipLine) {
        this.skipLine = false;
        // After a gap the first line may be a tail: keep it only if it parses as a line start.
        const l = parseLine(v, 0, e);
        if (l.type === 'continuation') {
          this.buf.consume(le + 1);
          continue;
        }
      }
      this.line(out, parseLine(v, 0, e), latin1Text(v, 0, e), start, start + le + 1, true);
      this.buf.consume(le + 1);
      this.buf.release(this.buf.base);
    }
    return out;
  }

  end(): readonly AppMessage[] {
    const out: AppMessage[] = [];
    const v = this.buf.view();
    if (v.length > 0) {
      const start = this.buf.base;
      this.line(out, parseLine(v, 0, v.length), latin1Text(v, 0, v.length), start, start + v.length, false);
      this.buf.consume(v.length);
    }
    if (this.reply) this.flushReply(out, false, 'ftp.cut');
    return out;
  }

  private line(out: AppMessage[], l: FtpLine, raw: string, start: number, end: number, whole: boolean): void {
    if (this.reply) {
      this.reply.lines.push(raw);
      // §4.2: the reply ends with a line starting with the same code followed by a space.
      if (l.type === 'response' && l.code === this.reply.code && !l.more) this.flushReply(out, whole, undefined, end);
      return;
    }
    const role = this.role(l);
    if (role === 'client') {
      if (l.type !== 'request') {
        out.push(this.msg({ type: 'text', text: raw }, start, end, whole, 'ftp.unexpected_line'));
        return;
      }
      const fields: FtpMessage = {
        type: 'request',
        command: l.command,
        ...(l.arg !== undefined ? { arg: l.arg } : {}),
      };
      const cmd = l.command!.toUpperCase();
      let ep: DataEndpoint | undefined;
      if (cmd === 'PORT' && l.arg) ep = parseHostPort(l.arg);
      else if (cmd === 'EPRT' && l.arg) ep = parseEprt(l.arg);
      // Active mode: the server will connect to the client's announced address and port.
      if (ep) this.ctx.run.expect(ep.addr, ep.port, 'ftp-data');
      out.push(this.msg(ep ? { ...fields, dataEndpoint: ep } : fields, start, end, whole));
      return;
    }
    if (l.type !== 'response') {
      out.push(this.msg({ type: 'text', text: raw }, start, end, whole, 'ftp.unexpected_line'));
      return;
    }
    this.reply = { code: l.code!, lines: [raw], text: l.text ?? '', start };
    if (!l.more) this.flushReply(out, whole, undefined, end);
  }

  private flushReply(out: AppMessage[], complete: boolean, note?: string, end = this.buf.end): void {
    const r = this.reply!;
    this.reply = undefined;
    let ep: DataEndpoint | undefined;
    if (r.code === 227) ep = parseHostPort(r.text);
    else if (r.code === 229) {
      const port = parseEpsv(r.text);
      // RFC 2428 §3: the data connection goes to the address of the control connection's server.
      if (port !== undefined) ep = { addr: this.ctx.endpoints.addr[this.dir], port };
    }
    // Passive mode: the client will connect to the server's announced address and port.
    if (ep) this.ctx.run.expect(ep.addr, ep.port, 'ftp-data');
    const fields: FtpMessage = {
      type: 'response',
      code: r.code,
      text: r.text,
      lines: r.lines,
      multiline: r.lines.length > 1,
      ...(ep ? { dataEndpoint: ep } : {}),
    };
    out.push(this.msg(fields, r.start, end, complete, note));
  }

  private msg(fields: FtpMessage, start: number, end: number, complete: boolean, note?: string): AppMessage {
    const notes = note ? [...this.notes, note] : this.notes;
    this.notes = [];
    return {
      protocol: 'ftp',
      dir: this.dir,
      frames: this.buf.framesFor(start, end),
      complete,
      fields,
      ...(notes.length ? { notes } : {}),
    };
  }
}

// ---------------------------------------------------------------------------------------------

const te = new TextEncoder();
function lineBytes(f: Partial<FtpFields>): Uint8Array {
  let s: string;
  if (f.type === 'response' || (f.type === undefined && f.code !== undefined)) {
    s = `${String(f.code ?? 200).padStart(3, '0')}${f.more ? '-' : ' '}${f.text ?? ''}`;
  } else if (f.type === 'continuation') s = f.text ?? '';
  else s = f.arg !== undefined ? `${f.command ?? 'NOOP'} ${f.arg}` : (f.command ?? 'NOOP');
  return te.encode(`${s}\r\n`);
}

const text =
  (k: 'command' | 'arg' | 'code' | 'text', only: FtpLineType) =>
  (l: Layer): string | number | undefined => {
    const f = l.fields as Partial<FtpFields>;
    return f.type === only ? f[k] : undefined;
  };

/** The endpoint a PORT/EPRT command or a 227 reply in the layer's first line announces. */
function endpointOf(l: Layer, what: 'PORT' | 'EPRT' | 227): DataEndpoint | undefined {
  const f = l.fields as Partial<FtpFields>;
  if (what === 227) return f.type === 'response' && f.code === 227 && f.text ? parseHostPort(f.text) : undefined;
  if (f.type !== 'request' || f.command?.toUpperCase() !== what || !f.arg) return undefined;
  return what === 'PORT' ? parseHostPort(f.arg) : parseEprt(f.arg);
}

export const ftp = defineProtocol({
  name: 'ftp',
  abbrev: 'ftp',
  alias: 'FTP',
  title: 'File Transfer Protocol',
  layer: 'application',
  minLen: 0,
  decode,
  encode: (b, at, f) => b.u8.set(lineBytes(f), at),
  encodingLength: (f) => lineBytes(f).length,
  headerLen: (f) => f.size,
  bind: { 'tcp.port': [21] },
  rest: details,
  computed: {
    'ftp.request.command': text('command', 'request'),
    'ftp.request.arg': text('arg', 'request'),
    'ftp.response.code': text('code', 'response'),
    // Data-connection endpoints announced by this line (tshark parses the same syntax).
    'ftp.active.cip': (l) => endpointOf(l, 'PORT')?.addr,
    'ftp.active.port': (l) => endpointOf(l, 'PORT')?.port,
    'ftp.passive.ip': (l) => endpointOf(l, 227)?.addr,
    'ftp.passive.port': (l) => endpointOf(l, 227)?.port,
    'ftp.eprt.ip': (l) => {
      const e = endpointOf(l, 'EPRT');
      return e && !e.addr.includes(':') ? e.addr : undefined;
    },
    'ftp.eprt.ipv6': (l) => {
      const e = endpointOf(l, 'EPRT');
      return e?.addr.includes(':') ? e.addr : undefined;
    },
    'ftp.eprt.port': (l) => endpointOf(l, 'EPRT')?.port,
    'ftp.epsv.port': (l) => {
      const f = l.fields as Partial<FtpFields>;
      return f.type === 'response' && f.code === 229 && f.text ? parseEpsv(f.text) : undefined;
    },
    'ftp.response.arg': (l) => {
      const f = l.fields as Partial<FtpFields>;
      return f.type === 'response' || f.type === 'continuation' ? f.text || undefined : undefined;
    },
  },
  stream: (ctx, dir) => new FtpStreamParser(ctx, dir),
  summary: (f) =>
    f.type === 'request'
      ? `Request: ${f.command}${f.arg !== undefined ? ` ${f.arg}` : ''}`
      : f.type === 'response'
        ? `Response: ${f.code}${f.more ? '-' : ' '}${f.text ?? ''}`
        : 'Continuation',
});
declare module '../core/frame.js' {
  interface LayerMap {
    ftp: FieldsOf<typeof ftp>;
  }
}
