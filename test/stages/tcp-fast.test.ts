/**
 * The TCP reassembler's fast path (TcpReassembler.fast, used by StreamRun) must do exactly what
 * segment() does for the packets it takes: a run with it and a run with it disabled give the same
 * chunks, messages, statistics and flow index, on random connections with handshakes or none,
 * retransmissions, overlaps, local reordering, FIN and RST.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { defaultRegistry, type Frame } from '../../src/index.js';
import { StreamRun } from '../../src/stages/reassembly.js';
import { TcpReassembler } from '../../src/stages/tcp-stream.js';
import { FlowTracer } from '../../src/stages/trace.js';
import { framesOf, tcpPacket } from './helpers.js';

interface Step {
  dir: 0 | 1;
  len: number;
  back: number;
  fin: boolean;
  rst: boolean;
  dup: boolean;
  swap: boolean;
}

const stepArb: fc.Arbitrary<Step> = fc.record({
  dir: fc.constantFrom(0 as const, 1 as const),
  len: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 24 })),
  back: fc.oneof({ weight: 5, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 12 }) }),
  fin: fc.integer({ min: 0, max: 9 }).map((x) => x < 2),
  rst: fc.integer({ min: 0, max: 39 }).map((x) => x < 2),
  dup: fc.integer({ min: 0, max: 9 }).map((x) => x < 2),
  swap: fc.integer({ min: 0, max: 9 }).map((x) => x < 2),
});

const connArb = fc.record({
  sport: fc.integer({ min: 40000, max: 40002 }),
  isn0: fc.integer({ min: 0, max: 2 ** 32 - 1 }),
  isn1: fc.integer({ min: 0, max: 2 ** 32 - 1 }),
  open: fc.constantFrom('syn', 'ack', 'none'),
  steps: fc.array(stepArb, { maxLength: 14 }),
  close: fc.boolean(),
});

type Conn = typeof connArb extends fc.Arbitrary<infer C> ? C : never;

function packets(conns: readonly Conn[]): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (const c of conns) {
    const isn = [c.isn0, c.isn1];
    const seg = (d: number, seq: number, ack: number, flags: Record<string, 1>, data?: Uint8Array) =>
      d === 0
        ? tcpPacket({ sport: c.sport, seq: seq >>> 0, ack: ack >>> 0, flags, data })
        : tcpPacket({
            src: '10.0.0.2',
            dst: '10.0.0.1',
            sport: 80,
            dport: c.sport,
            seq: seq >>> 0,
            ack: ack >>> 0,
            flags,
            data,
          });
    const list: Uint8Array[] = [];
    if (c.open === 'syn') {
      list.push(seg(0, isn[0], 0, { syn: 1 }));
      list.push(seg(1, isn[1], isn[0] + 1, { syn: 1, ack: 1 }));
    } else if (c.open === 'ack') {
      list.push(seg(0, isn[0] + 1, isn[1] + 1, { ack: 1 }));
      list.push(seg(1, isn[1] + 1, isn[0] + 1, { ack: 1 }));
    }
    const off = [1, 1];
    for (const s of c.steps) {
      const o = Math.max(1, off[s.dir] - s.back);
      const data = new Uint8Array(s.len).map((_, i) => (o + i) & 255);
      const flags: Record<string, 1> = { ack: 1 };
      if (s.fin) flags.fin = 1;
      if (s.rst) flags.rst = 1;
      const p = seg(s.dir, isn[s.dir] + o, isn[s.dir ^ 1] + off[s.dir ^ 1], flags, data);
      if (s.swap && list.length > 0) list.splice(list.length - 1, 0, p);
      else list.push(p);
      if (s.dup) list.push(p);
      off[s.dir] = Math.max(off[s.dir], o + s.len + (s.fin ? 1 : 0));
    }
    if (c.close) {
      list.push(seg(0, isn[0] + off[0], isn[1] + off[1], { ack: 1, fin: 1 }));
      list.push(seg(1, isn[1] + off[1], isn[0] + off[0] + 1, { ack: 1, fin: 1 }));
    }
    out.push(...list);
  }
  return out;
}

function run(pkts: readonly Uint8Array[], strict: boolean, app: boolean, fast: boolean): unknown {
  const real = TcpReassembler.prototype.fast;
  if (!fast) TcpReassembler.prototype.fast = () => false;
  try {
    const frames: Frame[] = framesOf(pkts);
    const r = new StreamRun({ registry: defaultRegistry, ipv4: true, ipv6: true, tcp: true, app, strict, trace: true });
    for (const f of frames) {
      r.defrag(f);
      r.flows(f);
      r.tracer!.add(f);
    }
    r.finish();
    return {
      frames: frames.map((f) => ({
        flow: f.flow,
        chunks: (f.reassembled ?? []).map((c) => ({ ...(c as object), data: [...(c as { data: Uint8Array }).data] })),
        messages: f.messages?.length ?? 0,
      })),
      stats: { ...r.tcp!.stats },
      index: r.tracer!.close(),
    };
  } finally {
    TcpReassembler.prototype.fast = real;
  }
}

test('tcp-stream: the fast path gives what segment() gives (chunks, stats, flow index)', () => {
  fc.assert(
    fc.property(fc.array(connArb, { minLength: 1, maxLength: 3 }), fc.boolean(), fc.boolean(), (conns, strict, app) => {
      const pkts = packets(conns);
      assert.deepStrictEqual(run(pkts, strict, app, true), run(pkts, strict, app, false));
    }),
    { numRuns: 200 },
  );
});

test('trace: a tracer that finds flows through the walk’s hints gives the index one without hints gives', () => {
  fc.assert(
    fc.property(
      fc.array(connArb, { minLength: 1, maxLength: 4 }),
      fc.array(fc.integer({ min: 0, max: 9 }), { maxLength: 200 }),
      fc.record({ bidirectional: fc.boolean(), minPackets: fc.constantFrom(1, 2), onFlow: fc.boolean() }),
      (conns, gaps, o) => {
        const pkts = packets(conns);
        // Mostly a second apart, now and then a pause past the idle timeout.
        let t = 1_000_000;
        const secs = pkts.map((_, i) => (t += (gaps[i % Math.max(gaps.length, 1)] ?? 0) === 9 ? 20 : 1));
        const frames = framesOf(pkts, secs);
        const seen: string[][] = [[], []];
        const opts = (k: number) => ({
          bidirectional: o.bidirectional,
          minPackets: o.minPackets,
          idleTimeout: 10,
          onFlow: o.onFlow ? (f: { label: string }) => seen[k].push(f.label) : undefined,
        });
        const r = new StreamRun({ registry: defaultRegistry, ipv4: true, ipv6: true, tcp: true, trace: opts(0) });
        for (const f of frames) {
          r.defrag(f);
          r.flows(f);
          r.tracer!.add(f);
        }
        r.finish();
        const hinted = r.tracer!.close();
        const plain = new FlowTracer(opts(1));
        for (const f of frames) plain.add(f);
        assert.deepStrictEqual(hinted, plain.close());
        assert.deepStrictEqual(seen[0], seen[1]);
      },
    ),
    { numRuns: 200 },
  );
});
