/**
 * FTP data connection (RFC 959 §3.2, §3.4): the file or listing octets, no framing of their own (in
 * stream mode the transfer ends when the connection closes). Per packet only the active-mode server
 * port 20 says "ftp-data"; other data connections are announced on the control connection (PORT,
 * PASV, EPRT, EPSV) and the app stage labels them through `ctx.run.expected(...)`.
 */
import type { Bytes } from '../core/bytes.js';
import { defineProtocol, type FieldsOf } from '../core/protocol.js';
import type { AppContext, AppMessage, StreamChunk, StreamParser } from '../core/stream.js';

export interface FtpDataFields {
  /** Payload octets in this segment (all of it is data). */
  readonly size: number;
  /** Building only: the data. */
  readonly data?: Uint8Array | string;
}

/** One direction of a data connection, whole. */
export interface FtpDataMessage {
  /** Octets transferred, holes included. */
  readonly length: number;
  /** The octets (up to `MAX_DATA`; holes are absent, not zero-filled). */
  readonly data: Uint8Array;
  /** Octets missing in holes (0 when the transfer was captured whole). */
  readonly missing: number;
}

export const MAX_DATA = 64 * 1024 * 1024;

class FtpDataStreamParser implements StreamParser {
  private parts: Uint8Array[] = [];
  private kept = 0;
  private length = 0;
  private missing = 0;
  private frames: number[] = [];
  private gapUnknown = false;
  constructor(
    _ctx: AppContext,
    private readonly dir: 0 | 1,
  ) {}
  push(chunk: StreamChunk): readonly AppMessage[] {
    if (chunk.gap > 0) {
      this.missing += chunk.gap;
      this.length += chunk.gap;
    } else if (chunk.gap < 0) this.gapUnknown = true;
    const d = chunk.data;
    if (this.kept < MAX_DATA && d.length > 0) {
      const take = Math.min(d.length, MAX_DATA - this.kept);
      this.parts.push(d.slice(0, take));
      this.kept += take;
    }
    this.length += d.length;
    for (const f of chunk.frames) if (!this.frames.includes(f)) this.frames.push(f);
    return [];
  }
  end(): readonly AppMessage[] {
    if (this.length === 0 && this.frames.length === 0) return [];
    const data = new Uint8Array(this.kept);
    let at = 0;
    for (const p of this.parts) {
      data.set(p, at);
      at += p.length;
    }
    const fields: FtpDataMessage = { length: this.length, data, missing: this.missing };
    const notes = [
      ...(this.missing > 0 ? ['ftp-data.gap'] : []),
      ...(this.gapUnknown ? ['ftp-data.midstream'] : []),
      ...(this.kept < this.length - this.missing ? ['ftp-data.capped'] : []),
    ];
    const m: AppMessage = {
      protocol: 'ftp-data',
      dir: this.dir,
      frames: this.frames,
      complete: this.missing === 0 && !this.gapUnknown,
      fields,
      ...(notes.length ? { notes } : {}),
    };
    this.parts = [];
    this.kept = this.length = this.missing = 0;
    this.frames = [];
    return [m];
  }
}

const te = new TextEncoder();
const dataOf = (f: Partial<FtpDataFields>) =>
  f.data === undefined ? new Uint8Array(0) : typeof f.data === 'string' ? te.encode(f.data) : f.data;

export const ftpData = defineProtocol({
  name: 'ftp-data',
  abbrev: 'ftp-data',
  alias: 'FTP-DATA',
  title: 'FTP Data',
  layer: 'application',
  minLen: 0,
  decode: (_b: Bytes, at: number, end: number): FtpDataFields => ({ size: end - at }),
  encode: (b, at, f) => b.u8.set(dataOf(f), at),
  encodingLength: (f) => dataOf(f).length,
  headerLen: (f) => f.size,
  // RFC 959 §3.2: in active mode the server connects from port L-1 = 20.
  bind: { 'tcp.port': [20] },
  stream: (ctx, dir) => new FtpDataStreamParser(ctx, dir),
  summary: (f) => `FTP data: ${f.size} bytes`,
});
declare module '../core/frame.js' {
  interface LayerMap {
    'ftp-data': FieldsOf<typeof ftpData>;
  }
}
