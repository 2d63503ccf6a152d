/**
 * Runs application protocols' stream parsers (core/stream.ts) over reassembled TCP directions.
 *
 * - The protocol of a connection is chosen the way the frame loop chooses it for a segment: the
 *   'tcp.port' table, lower port first (Wireshark's order), then the table's heuristics on the first
 *   data chunks, unless an earlier connection announced it (FTP's PORT/PASV replies:
 *   `run.expect(addr, port, 'ftp-data')`), which wins.
 * - One parser per direction, created on the direction's first chunk; `end()` when it closes. What
 *   `end()` flushes is complete only when FIN or RST closed the direction (note
 *   'app.stream_not_closed' otherwise: end of capture, idle timeout, cap).
 * - Messages are attached to the frame whose segment completed them (`frame.messages`), as tshark
 *   shows a reassembled PDU on its last segment. At the end of input, what parsers flush goes on the
 *   last frame.
 * - A parser that throws is a bug in it: the connection's parsing stops, the rest of the run goes on.
 */
import { ipv4ToString, ipv6ToString } from '../core/addr.js';
import { Bytes } from '../core/bytes.js';
import type { Frame } from '../core/frame.js';
import type { Registry } from '../core/registry.js';
import type { AppContext, AppMessage, AppRunState, StreamParser, StreamParserFactory } from '../core/stream.js';
import type { TcpChunk, TcpConn, TcpSink } from './tcp-stream.js';

function cut(m: AppMessage): AppMessage {
  return m.complete ? { ...m, complete: false, notes: [...(m.notes ?? []), 'app.stream_not_closed'] } : m;
}

export class RunState implements AppRunState {
  private readonly map = new Map<string, string>();
  expect(addr: string, port: number, protocol: string): void {
    this.map.set(`${addr}|${port}`, protocol);
  }
  expected(addr: string, port: number): string | undefined {
    const k = `${addr}|${port}`;
    const p = this.map.get(k);
    if (p !== undefined) this.map.delete(k);
    return p;
  }
}

interface AppConn {
  factory: StreamParserFactory | undefined;
  protocol: string | undefined;
  /** Heuristic tries left while no port or expectation named the protocol. */
  tries: number;
  readonly ctx: AppContext;
  readonly parsers: [StreamParser | undefined, StreamParser | undefined];
  dead: boolean;
}

export interface AppStats {
  connections: number;
  parsed: number;
  messages: number;
  parserErrors: number;
}

/** A TcpSink that feeds application parsers and collects their messages. */
export class AppDriver implements TcpSink {
  readonly run = new RunState();
  readonly stats: AppStats = { connections: 0, parsed: 0, messages: 0, parserErrors: 0 };
  /** The frame being processed: messages completed now belong to it. */
  current: Frame | undefined;
  /** Also pass each chunk on (the reassembly stage records chunks). */
  constructor(
    private readonly registry: Registry,
    private readonly onMessage: (m: AppMessage, frame: Frame | undefined) => void,
    private readonly next?: TcpSink,
  ) {}

  chunk(c: TcpChunk, conn: TcpConn): void {
    this.next?.chunk(c, conn);
    const a = this.app(conn);
    if (a.factory === undefined && a.tries > 0 && c.data.length > 0) this.guess(a, c);
    if (a.factory === undefined || a.dead) return;
    let p = a.parsers[c.dir];
    try {
      if (p === undefined) p = a.parsers[c.dir] = a.factory(a.ctx, c.dir);
      this.emit(p.push(c));
    } catch {
      this.stats.parserErrors++;
      a.dead = true;
    }
  }

  end(conn: TcpConn, dir: 0 | 1, why: 'fin' | 'rst' | 'idle' | 'evicted' | 'eof'): void {
    this.next?.end(conn, dir, why);
    const a = conn.user as AppConn | undefined;
    if (a === undefined || a.dead) return;
    const p = a.parsers[dir];
    if (p === undefined) return;
    a.parsers[dir] = undefined;
    try {
      const ms = p.end();
      // Only FIN or RST end a stream; the end of the capture, an idle timeout or a cap only stop
      // looking at it, so what was still waiting for bytes is not complete.
      this.emit(why === 'fin' || why === 'rst' ? ms : ms.map(cut));
    } catch {
      this.stats.parserErrors++;
      a.dead = true;
    }
  }

  private emit(ms: readonly AppMessage[]): void {
    for (let i = 0; i < ms.length; i++) {
      this.stats.messages++;
      this.onMessage(ms[i], this.current);
    }
  }

  /**
   * No port claimed the connection: try the 'tcp.port' heuristics on its first data chunks, as the
   * frame loop does for a segment (tshark's http_tcp heuristic on an unusual port, for example).
   */
  private guess(a: AppConn, c: TcpChunk): void {
    a.tries--;
    const hs = this.registry.heuristics('tcp.port');
    if (hs.length === 0) return;
    const b = new Bytes(c.data);
    for (const p of hs) {
      if (p.stream !== undefined && p.probe?.(b, 0, c.data.length)) {
        a.factory = p.stream;
        a.protocol = p.name;
        a.tries = 0;
        this.stats.parsed++;
        return;
      }
    }
  }

  private app(conn: TcpConn): AppConn {
    let a = conn.user as AppConn | undefined;
    if (a !== undefined) return a;
    const addr: [string, string] = conn.v6
      ? [ipv6ToString(conn.addr6[0]!), ipv6ToString(conn.addr6[1]!)]
      : [ipv4ToString(conn.addr4[0]), ipv4ToString(conn.addr4[1])];
    const port = conn.port;
    let name = this.run.expected(addr[1], port[1]) ?? this.run.expected(addr[0], port[0]);
    let factory = name === undefined ? undefined : this.registry.byName(name)?.stream;
    if (factory === undefined) {
      const lo = Math.min(port[0], port[1]);
      const hi = Math.max(port[0], port[1]);
      for (const k of lo === hi ? [lo] : [lo, hi]) {
        const p = this.registry.lookup('tcp.port', k);
        if (p?.stream !== undefined) {
          factory = p.stream;
          name = p.name;
          break;
        }
      }
    }
    a = {
      factory,
      protocol: name,
      tries: factory === undefined ? 4 : 0,
      ctx: { conn: {}, run: this.run, endpoints: { addr, port: [port[0], port[1]] } },
      parsers: [undefined, undefined],
      dead: false,
    };
    conn.user = a;
    this.stats.connections++;
    if (factory !== undefined) this.stats.parsed++;
    return a;
  }
}
