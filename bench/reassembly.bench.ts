/**
 * Reassembly benchmark (issue 4): frames/s with IPv4 + IPv6 defragmentation, TCP reassembly (with
 * application parsers and reassembled pieces recorded on frames) and flow tracing (in memory) on,
 * over a generated capture with many concurrent connections.
 *
 *   npx tsx bench/reassembly.bench.ts [--connections 12000] [--segments 40] [--reps 3] [--file …] [--app]
 *
 * The capture: `connections` TCP connections open at once (handshake, then data both ways in
 * interleaved order across all connections, FIN), 25 % over IPv6; 1 % of segments arrive out of
 * order and 1 % are retransmitted; every 50th frame is a UDP datagram sent as two IPv4 fragments.
 * Reported (process CPU time, steadier than wall time on a shared machine): frames/s for dissection
 * alone and for dissection + the stream stages, the stages' own cost per frame, the most out-of-order
 * bytes buffered, and peak RSS.
 */
import { closeSync, existsSync, mkdirSync, openSync, statSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { build } from '../src/api/build.js';
import { readCaptureSync } from '../src/capture/read.js';
import { PcapWriter, type RecordIn } from '../src/capture/write-pcap.js';
import { createDissector } from '../src/core/dissect.js';
import type { Frame } from '../src/core/frame.js';
import { defaultRegistry, ethernet, ipv4, ipv6, tcp, udp } from '../src/protocols/index.js';
import { StreamRun } from '../src/stages/reassembly.js';

const { values } = parseArgs({
  options: {
    connections: { type: 'string' },
    segments: { type: 'string' },
    reps: { type: 'string' },
    file: { type: 'string' },
    app: { type: 'boolean' },
  },
});
/** Application parsers too (the generated payload is filler: HTTP/1 would only resynchronise). */
const APP = values.app === true;
const CONNS = Number(values.connections ?? 12_000);
const SEGS = Number(values.segments ?? 40);
const REPS = Number(values.reps ?? 3);
const FILE = values.file ?? `bench/out/reasm-${CONNS}x${SEGS}.pcap`;

function rng(seed: number) {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
}

function generate(path: string): number {
  const r = rng(7);
  const w = new PcapWriter({ linktype: 1 });
  const recs: RecordIn[] = [];
  let t = 1_700_000_000 * 1e6;
  const body = new Uint8Array(536).fill(0x61);
  const eth = ethernet.make({ src: 0x020000000001, dst: 0x020000000002 });
  const inet = (c: number, toServer: boolean) => {
    if (c % 4 === 0) {
      const a = [0x20010db8, 0, 0, c] as const;
      const b = [0x20010db8, 1, 0, 1] as const;
      return ipv6.make({ src: toServer ? a : b, dst: toServer ? b : a });
    }
    const a = 0x0a000000 + c;
    const b = 0xc0a80001;
    return ipv4.make({ src: toServer ? a : b, dst: toServer ? b : a, df: 1 });
  };
  const seg = (c: number, toServer: boolean, seq: number, ack: number, flags: number, data: Uint8Array) =>
    build(
      eth,
      inet(c, toServer),
      tcp.make({
        srcport: toServer ? 1024 + (c % 60000) : 80,
        dstport: toServer ? 80 : 1024 + (c % 60000),
        seq: seq >>> 0,
        ack: ack >>> 0,
        flagSyn: flags & 2 ? 1 : 0,
        flagAck: flags & 16 ? 1 : 0,
        flagFin: flags & 1 ? 1 : 0,
        window: 501,
      }),
      data,
    );
  const push = (data: Uint8Array) => {
    t += 1 + Math.floor(r() * 20);
    recs.push({ data, tsSec: Math.floor(t / 1e6), tsNsec: (t % 1e6) * 1000 });
  };
  // Per connection: next step index; steps = SYN, SYN/ACK, then SEGS data segments alternating, FINs.
  const isn = (c: number, s: number) => (c * 2654435761 + s * 40503) >>> 0;
  const step = new Int32Array(CONNS);
  const total = SEGS + 4;
  const active = Array.from({ length: CONNS }, (_, i) => i);
  let held: Uint8Array | undefined;
  let frag = 0;
  while (active.length > 0) {
    const ai = Math.floor(r() * active.length);
    const c = active[ai];
    const k = step[c];
    if (k === total - 1) {
      active[ai] = active[active.length - 1];
      active.pop();
    }
    step[c]++;
    const ci = isn(c, 0);
    const si = isn(c, 1);
    let p: Uint8Array;
    if (k === 0) p = seg(c, true, ci, 0, 2, new Uint8Array(0));
    else if (k === 1) p = seg(c, false, si, ci + 1, 18, new Uint8Array(0));
    else if (k < total - 2) {
      const d = k - 2;
      const toServer = d % 2 === 0;
      const n = d >> 1;
      p = toServer
        ? seg(c, true, ci + 1 + n * body.length, si + 1 + n * body.length, 16, body)
        : seg(c, false, si + 1 + n * body.length, ci + 1 + (n + 1) * body.length, 16, body);
    } else if (k === total - 2) p = seg(c, true, ci + 1 + (SEGS >> 1) * body.length, si + 1, 17, new Uint8Array(0));
    else
      p = seg(c, false, si + 1 + (SEGS >> 1) * body.length, ci + 2 + (SEGS >> 1) * body.length, 17, new Uint8Array(0));
    const x = r();
    if (held !== undefined) {
      push(p);
      push(held); // swapped: out of order
      held = undefined;
    } else if (x < 0.01) held = p;
    else {
      push(p);
      if (x > 0.99) push(p); // retransmission
    }
    if (recs.length % 50 === 0) {
      // a UDP datagram in two IPv4 fragments
      const id = frag++ & 0xffff;
      const payload = new Uint8Array(1200).fill(0x62);
      const u = build(udp.make({ srcport: 5000, dstport: 6000 }), payload);
      const a = 0x0a100000 + (id & 0xff);
      push(build(eth, ipv4.make({ src: a, dst: 0xc0a80002, id, proto: 17, mf: 1 }), u.subarray(0, 600)));
      push(build(eth, ipv4.make({ src: a, dst: 0xc0a80002, id, proto: 17, fragOffset: 75 }), u.subarray(600)));
    }
  }
  if (held !== undefined) push(held);
  mkdirSync(dirname(path), { recursive: true });
  const fd = openSync(path, 'w');
  try {
    writeSync(fd, w.header());
    for (let i = 0; i < recs.length; i += 8192) writeSync(fd, w.records(recs.slice(i, i + 8192)));
  } finally {
    closeSync(fd);
  }
  return recs.length;
}

function run(withStages: boolean): { frames: number; ms: number; peak: number } {
  const dissect = createDissector({ registry: defaultRegistry });
  const runState = withStages
    ? new StreamRun({ registry: defaultRegistry, ipv4: true, ipv6: true, tcp: true, app: APP, trace: true })
    : undefined;
  let n = 0;
  // CPU time of this process (user + system): steadier than wall time on a shared machine.
  const c0 = process.cpuUsage();
  for (const batch of readCaptureSync(FILE)) {
    for (let i = 0; i < batch.length; i++) {
      const f: Frame = dissect(batch[i]);
      n++;
      if (runState !== undefined) {
        runState.defrag(f);
        runState.flows(f);
        runState.tracer!.add(f);
      }
    }
  }
  runState?.finish();
  runState?.tracer?.close();
  const c = process.cpuUsage(c0);
  const ms = (c.user + c.system) / 1000;
  return { frames: n, ms, peak: runState?.tcp?.stats.peakBuffered ?? 0 };
}

if (!existsSync(FILE)) {
  const t0 = performance.now();
  const n = generate(FILE);
  console.error(`generated ${n} frames (${CONNS} connections) in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}
console.error(`capture ${FILE}: ${(statSync(FILE).size / 1e6).toFixed(1)} MB`);
let best0 = Number.POSITIVE_INFINITY;
let best1 = Number.POSITIVE_INFINITY;
let frames = 0;
let peak = 0;
for (let i = 0; i < REPS; i++) {
  const a = run(false);
  const b = run(true);
  frames = a.frames;
  peak = b.peak;
  best0 = Math.min(best0, a.ms);
  best1 = Math.min(best1, b.ms);
}
const fps = (ms: number) => Math.round((frames / ms) * 1000);
console.log(
  JSON.stringify({
    frames,
    connections: CONNS,
    app: APP,
    dissectFps: fps(best0),
    withStagesFps: fps(best1),
    stagesNsPerFrame: Math.round(((best1 - best0) * 1e6) / frames),
    stagesOnlyFps: Math.round(frames / ((best1 - best0) / 1000)),
    peakBufferedBytes: peak,
    rssMB: Math.round(process.memoryUsage().rss / 1e6),
  }),
);
