import type { Registry } from './registry.js';

/**
 * The contract between TCP reassembly (stages/tcp-stream.ts, stages/app.ts) and application
 * protocols (HTTP/1, HTTP/2, FTP…). A protocol that can parse a byte stream exports
 * `stream(ctx, dir)` on its definition; the app stage creates one parser per connection direction and
 * feeds it ordered chunks (gopacket's Reassembly shape). Parsers keep their own small buffer, emit
 * messages, and never throw: a gap is a note, never a crash (DESIGN §3.8).
 */

/** One in-order piece of a TCP direction's byte stream. */
export interface StreamChunk {
  readonly data: Uint8Array;
  /** 0: the direction of the connection's first packet (tshark's node 0 → node 1); 1: the reverse. */
  readonly dir: 0 | 1;
  /** Frame numbers whose bytes are in `data`. */
  readonly frames: readonly number[];
  /** Bytes missing just before this chunk: 0 none, > 0 a hole of that size, -1 unknown (stream start not seen). */
  readonly gap: number;
  /** Capture time of the last frame that contributed. */
  readonly tsSec: number;
  readonly tsNsec: number;
}

/** One application message (an HTTP request, an HTTP/2 frame, an FTP command or reply). */
export interface AppMessage<F = unknown> {
  /** Protocol name in the registry: 'http1', 'http2', 'ftp', 'ftp-data'. */
  readonly protocol: string;
  readonly dir: 0 | 1;
  /** Frames that carried the message's bytes, first to last. */
  readonly frames: readonly number[];
  /** True when the whole message was seen (false: cut by a gap, the end of the capture, or a cap). */
  readonly complete: boolean;
  readonly fields: F;
  /** Issue codes noted while parsing (e.g. 'http2.hpack_desync', 'http1.resync'). */
  readonly notes?: readonly string[];
}

/** What a run shares across connections: e.g. FTP announces the data connection it expects. */
export interface AppRunState {
  /** Expect a future TCP connection to `addr`:`port` (addr as text, RFC 5952 for IPv6) to carry `protocol`. */
  expect(addr: string, port: number, protocol: string): void;
  /** The protocol expected for a connection to `addr`:`port`, if any (consumed by the caller). */
  expected(addr: string, port: number): string | undefined;
}

export interface AppContext {
  /** State shared by both directions of one connection (HTTP/2 settings, FTP mode). */
  readonly conn: Record<string, unknown>;
  readonly run: AppRunState;
  /** Connection endpoints as text, direction 0 = client side (first packet's sender). */
  readonly endpoints: { readonly addr: readonly [string, string]; readonly port: readonly [number, number] };
  /** The registry in use (option/frame handler tables users extend); absent: the protocol's built-ins. */
  readonly registry?: Registry;
  /**
   * A parser of another protocol for one direction of this same connection (same `conn`), for
   * in-band protocol switches: HTTP/1.1 `Upgrade: h2c` (RFC 9113 §3.2) hands the rest of the stream
   * to HTTP/2. Undefined when the registry has no such protocol or it has no stream parser.
   */
  open?(protocol: string, dir: 0 | 1): StreamParser | undefined;
}

export interface StreamParser {
  push(chunk: StreamChunk): readonly AppMessage[];
  /** The direction closed (FIN, RST, end of capture): flush what is buffered, marked incomplete. */
  end(): readonly AppMessage[];
}

export type StreamParserFactory = (ctx: AppContext, dir: 0 | 1) => StreamParser;
