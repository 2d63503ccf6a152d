/**
 * reassemble('ipv4' | 'ipv6' | 'tcp', opts): a stand-alone reassembler fed by hand, PyPCAPKit's
 * `reassemble()` (PYPCAPKIT.md §1.3) without its traps: `strict` means what it says (complete
 * datagrams only), incomplete datagrams carry their holes, and TCP gives each connection direction
 * as one record with its gaps marked instead of ACK-keyed fragments.
 *
 *   const r = reassemble('ipv4');
 *   for await (const f of readFrames('in.pcap')) r.push(f);
 *   r.flush(); for (const d of r.datagrams) console.log(d.key, d.complete, d.packet?.layers);
 */
import { createDissector } from '../core/dissect.js';
import { PcapkitError } from '../core/errors.js';
import type { Frame } from '../core/frame.js';
import type { Registry } from '../core/registry.js';
import type { AppMessage } from '../core/stream.js';
import { defaultRegistry } from '../protocols/index.js';
import { AppDriver } from '../stages/app.js';
import { type Datagram, type DefragOptions, type DefragStats, IpDefragmenter } from '../stages/ip-defrag.js';
import { StreamWalk } from '../stages/streams.js';
import {
  type TcpChunk,
  type TcpConn,
  TcpReassembler,
  type TcpReassemblyOptions,
  type TcpReassemblyStats,
  type TcpSink,
} from '../stages/tcp-stream.js';

export interface ReassembleOptions extends DefragOptions, TcpReassemblyOptions {
  readonly registry?: Registry;
  /** Functions that receive each list of submitted datagrams. */
  readonly callbacks?: readonly ((list: readonly any[]) => void)[];
  /** TCP: run application parsers over each direction (default true). */
  readonly app?: boolean;
}

/** One TCP connection direction, reassembled. */
export interface TcpStreamRecord {
  readonly kind: 'tcp';
  /** tcp.stream. */
  readonly flow: number;
  /** 0: node 0 (first packet's sender) → node 1; 1: the reverse. */
  readonly dir: 0 | 1;
  readonly src: string;
  readonly dst: string;
  /** Frames whose bytes are in the payload, in delivery order. */
  readonly frames: readonly number[];
  /** The bytes, holes left out. */
  readonly payload: Uint8Array;
  /** Holes: `offset` in the payload where bytes are missing, `length` (-1: unknown, start not seen). */
  readonly gaps: readonly { readonly offset: number; readonly length: number }[];
  /** No hole, start seen (SYN) and closed by FIN. */
  readonly complete: boolean;
  /** Why the direction ended: 'fin' | 'rst' | 'idle' | 'evicted' | 'eof'. */
  readonly end: string;
  /** Application messages parsed from this direction. */
  readonly messages: readonly AppMessage[];
}

export interface Reassembler<Out> {
  /** Feed one frame; returns what it submitted. */
  push(frame: Frame): readonly Out[];
  /** End of input: submit what is left (incomplete ones unless strict). */
  flush(): readonly Out[];
  /** Feed many frames and flush (PyPCAPKit's `run`). */
  run(frames: Iterable<Frame>): readonly Out[];
  /** Everything submitted so far (PyPCAPKit's `datagram`). */
  readonly datagrams: readonly Out[];
  readonly count: number;
  /** Submitted plus still in progress, without removing anything (PyPCAPKit's `fetch`). */
  fetch(): readonly Out[];
  /** Index in `datagrams` of the one that holds frame n, or -1 (PyPCAPKit's `index`). */
  index(n: number): number;
  /** Add a callback that receives each submitted list. */
  register(cb: (list: readonly Out[]) => void): void;
  readonly stats: Readonly<DefragStats> | Readonly<TcpReassemblyStats>;
}

export function reassemble(kind: 'ipv4' | 'ipv6', opts?: ReassembleOptions): Reassembler<Datagram>;
export function reassemble(kind: 'tcp', opts?: ReassembleOptions): Reassembler<TcpStreamRecord>;
export function reassemble(kind: string, opts?: ReassembleOptions): Reassembler<Datagram | TcpStreamRecord>;
export function reassemble(kind: string, opts: ReassembleOptions = {}): Reassembler<any> {
  const k = kind.toLowerCase();
  if (k === 'ipv4' || k === 'ipv6') return ipReassembler(k === 'ipv4' ? 4 : 6, opts);
  if (k === 'tcp') return tcpReassembler(opts);
  throw new PcapkitError('ERR_USAGE', `reassemble: unknown protocol '${kind}' (ipv4, ipv6, tcp)`);
}

function base<Out>(
  opts: ReassembleOptions,
  push: (f: Frame) => readonly Out[],
  flush: () => readonly Out[],
  pending: () => readonly Out[],
  framesOf: (o: Out) => readonly number[],
  stats: Reassembler<Out>['stats'],
): Reassembler<Out> {
  const done: Out[] = [];
  const cbs: ((list: readonly Out[]) => void)[] = [...((opts.callbacks ?? []) as ((l: readonly Out[]) => void)[])];
  const submit = (list: readonly Out[]): readonly Out[] => {
    if (list.length > 0) {
      done.push(...list);
      for (const cb of cbs) cb(list);
    }
    return list;
  };
  const r: Reassembler<Out> = {
    push: (f) => submit(push(f)),
    flush: () => submit(flush()),
    run(frames) {
      const out: Out[] = [];
      for (const f of frames) out.push(...r.push(f));
      out.push(...r.flush());
      return out;
    },
    get datagrams() {
      return done;
    },
    get count() {
      return done.length;
    },
    fetch: () => [...done, ...pending()],
    index: (n) => done.findIndex((o) => framesOf(o).includes(n)),
    register: (cb) => {
      cbs.push(cb);
    },
    stats,
  };
  return r;
}

function ipReassembler(version: 4 | 6, opts: ReassembleOptions): Reassembler<Datagram> {
  const reg = opts.registry ?? defaultRegistry;
  const d = new IpDefragmenter(version, reg, createDissector({ registry: reg }), opts);
  return base(
    opts,
    (f) => d.push(f),
    () => d.flush(),
    () => d.peek(),
    (o) => o.frames,
    d.stats,
  );
}

class Acc {
  parts: Uint8Array[] = [];
  size = 0;
  frames: number[] = [];
  gaps: { offset: number; length: number }[] = [];
  messages: AppMessage[] = [];
}

function tcpReassembler(opts: ReassembleOptions): Reassembler<TcpStreamRecord> {
  const reg = opts.registry ?? defaultRegistry;
  const acc = new Map<string, Acc>();
  let out: TcpStreamRecord[] = [];
  const get = (flow: number, dir: number): Acc => {
    const k = `${flow}/${dir}`;
    let a = acc.get(k);
    if (a === undefined) acc.set(k, (a = new Acc()));
    return a;
  };
  const record = (conn: TcpConn, dir: 0 | 1, end: string, a: Acc): TcpStreamRecord => {
    const payload = new Uint8Array(a.size);
    let at = 0;
    for (const p of a.parts) {
      payload.set(p, at);
      at += p.length;
    }
    const h = conn.half[dir];
    return {
      kind: 'tcp',
      flow: conn.flow,
      dir,
      src: conn.endpoint(dir),
      dst: conn.endpoint((dir ^ 1) as 0 | 1),
      frames: a.frames,
      payload,
      gaps: a.gaps,
      complete: a.gaps.length === 0 && h.synSeen && end === 'fin',
      end,
      messages: a.messages,
    };
  };
  const collect: TcpSink = {
    chunk(c: TcpChunk) {
      const a = get(c.flow, c.dir);
      if (c.gap !== 0) a.gaps.push({ offset: a.size, length: c.gap });
      a.parts.push(c.data.slice());
      a.size += c.data.length;
      for (const n of c.frames) if (a.frames[a.frames.length - 1] !== n) a.frames.push(n);
    },
    end(conn: TcpConn, dir: 0 | 1, why) {
      const k = `${conn.flow}/${dir}`;
      const a = acc.get(k) ?? new Acc();
      acc.delete(k);
      if (opts.strict === true && (a.gaps.some((g) => g.length > 0) || why !== 'fin')) return;
      out.push(record(conn, dir, why, a));
    },
  };
  let lastDir: { flow: number; dir: number } | undefined;
  const app =
    opts.app === false
      ? undefined
      : new AppDriver(
          reg,
          (m) => {
            if (lastDir !== undefined) get(lastDir.flow, m.dir).messages.push(m);
          },
          undefined,
        );
  const sink: TcpSink = {
    chunk(c, conn) {
      lastDir = { flow: c.flow, dir: c.dir };
      collect.chunk(c, conn);
      app?.chunk(c, conn);
    },
    end(conn, dir, why) {
      lastDir = { flow: conn.flow, dir };
      app?.end(conn, dir, why);
      collect.end(conn, dir, why);
    },
  };
  const tcp = new TcpReassembler(sink, opts);
  const walk = new StreamWalk({ defrag: true }).add({
    segment(v) {
      const c = tcp.conn(v.stream, v.t, v.frame.n);
      tcp.segment(c, c.dirOf(v.t), v.seq, v.ack, v.flags, v.data, v.claimed, v.frame.n, v.frame.tsSec, v.frame.tsNsec);
    },
  });
  const take = () => {
    const o = out;
    out = [];
    return o;
  };
  return base(
    opts,
    (f) => {
      walk.frame(f);
      return take();
    },
    () => {
      tcp.flush();
      return take();
    },
    () => {
      const list: TcpStreamRecord[] = [];
      for (const c of tcp.conns.values()) {
        for (const d of [0, 1] as const) {
          const a = acc.get(`${c.flow}/${d}`);
          if (a !== undefined) list.push(record(c, d, 'open', a));
        }
      }
      return list;
    },
    (o) => o.frames,
    tcp.stats,
  );
}
