/**
 * Driving application stream parsers directly, as stages/app.ts will: one parser per connection
 * direction sharing one context, chunks fed in any split, gaps marked, expectations recorded.
 */
import type { Registry } from '../../src/core/registry.js';
import type { AppContext, AppMessage, AppRunState, StreamParser } from '../../src/core/stream.js';
import { defaultRegistry } from '../../src/protocols/index.js';

export interface TestRun extends AppRunState {
  readonly expectations: { addr: string; port: number; protocol: string }[];
}
export function testRun(): TestRun {
  const expectations: { addr: string; port: number; protocol: string }[] = [];
  return {
    expectations,
    expect: (addr, port, protocol) => expectations.push({ addr, port, protocol }),
    expected: (addr, port) => expectations.find((e) => e.addr === addr && e.port === port)?.protocol,
  };
}

export interface Conn {
  readonly ctx: AppContext;
  readonly run: TestRun;
  readonly parsers: [StreamParser, StreamParser];
  readonly messages: AppMessage[];
  /** Feed bytes in one direction (optionally split into pieces of the given sizes). */
  feed(dir: 0 | 1, data: Uint8Array | string, opts?: { gap?: number; frames?: number[]; split?: number }): AppMessage[];
  end(dir?: 0 | 1): AppMessage[];
}

const te = new TextEncoder();
export const bytes = (s: Uint8Array | string) => (typeof s === 'string' ? te.encode(s) : s);

/** A connection with parsers of `protocol` on both sides (dir 0 = client, from `ports[0]`). */
export function conn(
  protocol: string,
  o: {
    ports?: [number, number];
    addrs?: [string, string];
    run?: TestRun;
    registry?: Registry;
  } = {},
): Conn {
  const reg = o.registry ?? defaultRegistry;
  const run = o.run ?? testRun();
  const ctx: AppContext = {
    conn: {},
    run,
    endpoints: { addr: o.addrs ?? ['10.0.0.1', '10.0.0.2'], port: o.ports ?? [40000, 80] },
    registry: reg,
    open: (name, dir) => reg.byName(name)?.stream?.(ctx, dir),
  };
  const p = reg.byName(protocol);
  if (!p?.stream) throw new Error(`no stream parser for ${protocol}`);
  const parsers: [StreamParser, StreamParser] = [p.stream(ctx, 0), p.stream(ctx, 1)];
  const messages: AppMessage[] = [];
  let frame = 0;
  return {
    ctx,
    run,
    parsers,
    messages,
    feed(dir, data, opts = {}) {
      const u = bytes(data);
      const out: AppMessage[] = [];
      const step = opts.split ?? Math.max(1, u.length);
      let first = true;
      for (let i = 0; i < u.length || (u.length === 0 && first); i += step) {
        const piece = u.subarray(i, Math.min(u.length, i + step));
        const f = opts.frames ?? [++frame];
        out.push(
          ...parsers[dir].push({ data: piece, dir, frames: f, gap: first ? (opts.gap ?? 0) : 0, tsSec: 0, tsNsec: 0 }),
        );
        first = false;
        if (u.length === 0) break;
      }
      messages.push(...out);
      return out;
    },
    end(dir) {
      const out: AppMessage[] = [];
      for (const d of dir === undefined ? ([0, 1] as const) : [dir]) out.push(...parsers[d].end());
      messages.push(...out);
      return out;
    },
  };
}

/** Feed the same byte streams split at every byte position (two pieces), returning each run's messages. */
export function everySplit(data: Uint8Array, make: () => Conn, dir: 0 | 1 = 0): AppMessage[][] {
  const runs: AppMessage[][] = [];
  for (let cut = 0; cut <= data.length; cut++) {
    const c = make();
    c.feed(dir, data.subarray(0, cut));
    c.feed(dir, data.subarray(cut));
    c.end(dir);
    runs.push(c.messages);
  }
  return runs;
}

/** Messages without the frame numbers (which differ between splits). */
export function strip(ms: readonly AppMessage[]): unknown[] {
  return ms.map(({ frames: _f, ...m }) => m);
}
