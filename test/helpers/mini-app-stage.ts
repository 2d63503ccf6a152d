/**
 * A small stand-in for stages/tcp-stream.ts + stages/app.ts, for testing the application stream
 * parsers on the corpus before the real stages land: per-direction ordering by sequence number
 * (retransmitted bytes dropped, out-of-order segments held until the hole fills, holes reported as
 * gaps), protocol by expectation (FTP data), then by port (lower first, as the frame loop does).
 */
import { ipv4ToString, ipv6ToString } from '../../src/core/addr.js';
import type { Frame } from '../../src/core/frame.js';
import type { Registry } from '../../src/core/registry.js';
import type { AppContext, AppMessage, StreamParser } from '../../src/core/stream.js';
import { testRun } from './app-stream.js';

interface Dir {
  next: number | undefined;
  pending: { seq: number; data: Uint8Array; n: number }[];
  started: boolean;
}
interface Conn {
  readonly key: string;
  readonly protocol: string | undefined;
  readonly parsers: (StreamParser | undefined)[];
  readonly dirs: [Dir, Dir];
  readonly src: string;
  readonly sport: number;
}

export interface StageResult {
  /** Messages in the order produced, with the connection's index (order of first appearance). */
  readonly messages: (AppMessage & { readonly conn: number; readonly connProtocol: string | undefined })[];
  /** Per connection: the protocol chosen and its endpoints (node 0 first). */
  readonly conns: { protocol: string | undefined; endpoints: string[] }[];
}

const diff = (a: number, b: number) => (a - b) | 0;

export function runApp(frames: readonly Frame[], reg: Registry): StageResult {
  const run = testRun();
  const conns = new Map<string, Conn & { idx: number }>();
  const out: StageResult['messages'][number][] = [];
  const list: StageResult['conns'] = [];
  const emit = (c: Conn & { idx: number }, ms: readonly AppMessage[]) => {
    for (const m of ms) out.push({ ...m, conn: c.idx, connProtocol: c.protocol });
  };
  const deliver = (c: Conn & { idx: number }, d: 0 | 1, data: Uint8Array, gap: number, n: number) => {
    const p = c.parsers[d];
    if (!p) return;
    emit(c, p.push({ data, dir: d, frames: [n], gap, tsSec: 0, tsNsec: 0 }));
  };
  for (const f of frames) {
    const t = f.layers.find((l) => l.protocol === 'tcp');
    const i = f.layers.findIndex((l) => l.protocol === 'ipv4' || l.protocol === 'ipv6');
    if (!t || i < 0 || !t.complete) continue;
    const ipL = f.layers[i];
    const ipf = ipL.fields as { src: number | number[]; dst: number | number[] };
    const src = ipL.protocol === 'ipv4' ? ipv4ToString(ipf.src as number) : ipv6ToString(ipf.src as number[]);
    const dst = ipL.protocol === 'ipv4' ? ipv4ToString(ipf.dst as number) : ipv6ToString(ipf.dst as number[]);
    const tf = t.fields as { srcport: number; dstport: number; seq: number; flagSyn: number; flagAck: number };
    const a = `${src}/${tf.srcport}`;
    const b = `${dst}/${tf.dstport}`;
    const key = a < b ? `${a}|${b}` : `${b}|${a}`;
    let c = conns.get(key);
    if (c && c.protocol === undefined && t.end > t.hdrEnd && !tf.flagSyn) {
      // Decided on a packet without payload: look again at the first one that has some.
      conns.delete(key);
      c = undefined;
    }
    if (!c) {
      // The responder is the SYN's destination; without a SYN, the first packet's destination.
      const expected = run.expected(dst, tf.dstport) ?? run.expected(src, tf.srcport);
      const lo = Math.min(tf.srcport, tf.dstport);
      const hi = Math.max(tf.srcport, tf.dstport);
      const byPort = reg.lookup('tcp.port', lo) ?? reg.lookup('tcp.port', hi);
      // Else the application protocol the frame loop found in this packet (heuristics: HTTP on 8899).
      const app = f.layers.find(
        (l) => reg.byName(l.protocol)?.layer === 'application' && reg.byName(l.protocol)?.stream,
      );
      const protocol = expected ?? (byPort?.stream ? byPort.name : app?.protocol);
      const proto = protocol ? reg.byName(protocol) : undefined;
      const ctx: AppContext = {
        conn: {},
        run,
        endpoints: { addr: [src, dst], port: [tf.srcport, tf.dstport] },
        registry: reg,
        open: (name, d) => reg.byName(name)?.stream?.(ctx, d),
      };
      c = {
        key,
        protocol,
        parsers: [proto?.stream?.(ctx, 0), proto?.stream?.(ctx, 1)],
        dirs: [
          { next: undefined, pending: [], started: false },
          { next: undefined, pending: [], started: false },
        ],
        src,
        sport: tf.srcport,
        idx: list.length,
      };
      conns.set(key, c);
      list.push({ protocol, endpoints: [a, b] });
    }
    const d: 0 | 1 = src === c.src && tf.srcport === c.sport ? 0 : 1;
    const st = c.dirs[d];
    if (tf.flagSyn) {
      st.next = (tf.seq + 1) >>> 0;
      continue;
    }
    const data = f.bytes.u8.subarray(t.hdrEnd, t.end);
    if (data.length === 0) continue;
    let gap = 0;
    if (st.next === undefined) {
      st.next = tf.seq;
      gap = -1;
    }
    const rel = diff(tf.seq, st.next);
    if (rel > 0) {
      st.pending.push({ seq: tf.seq, data: data.slice(), n: f.n });
      continue;
    }
    if (-rel >= data.length) continue; // retransmission
    const fresh = data.subarray(-rel);
    deliver(c, d, fresh, gap, f.n);
    st.started = true;
    st.next = (st.next + fresh.length) >>> 0;
    drain(c, d, deliver);
  }
  // End of capture: what is still held goes out after its holes, then every parser ends.
  for (const c of conns.values()) {
    for (const d of [0, 1] as const) {
      const st = c.dirs[d];
      st.pending.sort((x, y) => diff(x.seq, y.seq));
      while (st.pending.length) {
        const p = st.pending.shift()!;
        const rel = diff(p.seq, st.next!);
        if (-rel >= p.data.length) continue;
        deliver(c, d, rel > 0 ? p.data : p.data.subarray(-rel), Math.max(rel, 0), p.n);
        st.next = (p.seq + p.data.length) >>> 0;
      }
      const p = c.parsers[d];
      if (p) emit(c, p.end());
    }
  }
  return { messages: out, conns: list };
}

function drain(
  c: Conn & { idx: number },
  d: 0 | 1,
  deliver: (c: any, d: 0 | 1, x: Uint8Array, g: number, n: number) => void,
) {
  const st = c.dirs[d];
  for (;;) {
    const i = st.pending.findIndex((p) => diff(p.seq, st.next!) <= 0);
    if (i < 0) return;
    const p = st.pending.splice(i, 1)[0];
    const rel = diff(p.seq, st.next!);
    if (-rel >= p.data.length) continue;
    const fresh = p.data.subarray(-rel);
    deliver(c, d, fresh, 0, p.n);
    st.next = (st.next! + fresh.length) >>> 0;
  }
}
