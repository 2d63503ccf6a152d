import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import register, { type UdpFlow, udpFlowTracer } from '../../examples/udp-flow-tracer.js';
import {
  applyPlugins,
  build,
  ethernet,
  extensionOptions,
  extract,
  type FlowInfo,
  ip,
  ipv4,
  payload,
  readFramesSync,
  tcp,
  udp,
  writePcap,
} from '../../src/index.js';
import { EXAMPLES, pcapkit } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'pcapkit-udpflows-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const A = ip('10.0.0.1');
const B = ip('10.0.0.2');
const C = ip('10.0.0.3');
const u = (src: number, dst: number, sp: number, dp: number) =>
  build(ethernet.make(), ipv4.make({ src, dst }), udp.make({ srcport: sp, dstport: dp }), payload('data'));

/** Flow 1: 3 packets both ways; flow 2: 1 packet; flow 3: 2 packets; and one TCP segment. */
function capture(): string {
  const p = join(dir, 'udp.pcap');
  const frames = [
    u(A, B, 5000, 53), // 1 flow 1
    u(B, A, 53, 5000), // 2 flow 1
    u(A, C, 6000, 123), // 3 flow 2 (alone)
    build(ethernet.make(), ipv4.make({ src: A, dst: B }), tcp.make({ srcport: 1, dstport: 2 })), // 4
    u(C, B, 7000, 7001), // 5 flow 3
    u(A, B, 5000, 53), // 6 flow 1
    u(C, B, 7000, 7001), // 7 flow 3
  ];
  writeFileSync(p, writePcap(frames.map((data, i) => ({ data, tsSec: 1000 + i }))));
  return p;
}

test('udp-flow-tracer example: flows shorter than N packets are dropped before they are written', async () => {
  const input = capture();
  const out = join(dir, 'flows');
  const seen: [string, number, boolean][] = [];
  const x = extract(input, {
    stages: [
      udpFlowTracer({ minPackets: 2, output: out, onFlow: (f, kept) => seen.push([f.key, f.frames.length, kept]) }),
    ],
  });
  await x.run();
  assert.deepEqual(seen, [
    ['10.0.0.1:5000-10.0.0.2:53', 3, true],
    ['10.0.0.1:6000-10.0.0.3:123', 1, false],
    ['10.0.0.2:7001-10.0.0.3:7000', 2, true],
  ]);
  const kept = x.results.extra.udpFlows as UdpFlow[];
  assert.deepEqual(
    kept.map((f) => f.frames),
    [
      [1, 2, 6],
      [5, 7],
    ],
  );
  // One pcap per kept flow, holding exactly its frames; nothing for the dropped one.
  assert.deepEqual(readdirSync(out).sort(), ['10.0.0.1_5000-10.0.0.2_53.pcap', '10.0.0.2_7001-10.0.0.3_7000.pcap']);
  const f1 = readFramesSync(kept[0].file!);
  assert.deepEqual(
    [...f1].map((f) => f.tsSec),
    [1000, 1001, 1005],
  );
  // A callback of your own decides instead of the count.
  const y = extract(input, { stages: [udpFlowTracer({ keep: (f) => f.dstport === 123 })] });
  await y.run();
  assert.deepEqual(
    (y.results.extra.udpFlows as UdpFlow[]).map((f) => f.key),
    ['10.0.0.1:6000-10.0.0.3:123'],
  );
});

test('udp-flow-tracer example: replaces the built-in tracer (trace.implementation); the built-in one has the same callback', async () => {
  const input = capture();
  const own = extract(input, { trace: { implementation: udpFlowTracer({ minPackets: 3 }) } });
  await own.run();
  assert.deepEqual(
    (own.results.extra.udpFlows as UdpFlow[]).map((f) => f.frames.length),
    [3],
  );
  assert.deepEqual(own.flows, []); // the built-in tracer did not run
  // Built in: trace UDP too, drop flows under 2 packets with minPackets, or decide with filter.
  const out = join(dir, 'builtin');
  const ended: FlowInfo[] = [];
  const b = extract(input, {
    trace: {
      udp: true,
      bidirectional: true,
      output: out,
      minPackets: 2,
      filter: (f) => f.protocol === 'UDP',
      onFlow: (f) => ended.push(f),
    },
  });
  await b.run();
  const flows = b.flows!;
  assert.deepEqual(
    flows.filter((f) => !f.dropped).map((f) => f.frames),
    [
      [1, 2, 6],
      [5, 7],
    ],
  );
  assert.deepEqual(
    flows
      .filter((f) => f.dropped)
      .map((f) => f.frames)
      .sort(),
    [[3], [4]],
  );
  assert.equal(ended.length, 4);
  assert.equal(readdirSync(out).length, 2);
});

test('udp-flow-tracer example: as a --plugin, with N from the environment', async () => {
  const input = capture();
  const ext = await applyPlugins([register]);
  assert.equal(extensionOptions(ext).stages!.length, 1);
  const plugin = join(EXAMPLES, 'udp-flow-tracer.ts');
  const r = pcapkit(['--plugin', plugin, input, '--nofile'], { cwd: dir });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /udp flow 10\.0\.0\.1:5000-10\.0\.0\.2:53: 3 packets/);
  assert.match(r.stderr, /udp flow 10\.0\.0\.2:7001-10\.0\.0\.3:7000: 2 packets/);
  assert.doesNotMatch(r.stderr, /:123/);
  assert.match(r.stderr, /udp-flow-tracer: 2 flow\(s\) kept, 1 dropped \(fewer than 2 packets\)/);
  const out = join(dir, 'cli-flows');
  const r3 = pcapkit(['--plugin', plugin, input, '--nofile'], {
    cwd: dir,
    env: { PCAPKIT_UDP_MIN_PACKETS: '3', PCAPKIT_UDP_FLOWS: out },
  });
  assert.equal(r3.code, 0, r3.stderr);
  assert.match(r3.stderr, /1 flow\(s\) kept, 2 dropped \(fewer than 3 packets\)/);
  assert.deepEqual(readdirSync(out), ['10.0.0.1_5000-10.0.0.2_53.pcap']);
  assert.ok(existsSync(join(out, '10.0.0.1_5000-10.0.0.2_53.pcap')));
});
