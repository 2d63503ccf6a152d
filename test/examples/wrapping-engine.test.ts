import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import register, { type EngineCounts, udpOnly, wrapEngine } from '../../examples/wrapping-engine.js';
import {
  applyPlugins,
  build,
  defaultEngine,
  defaultEngines,
  ethernet,
  extensionOptions,
  extract,
  find,
  ip,
  ipv4,
  payload,
  tcp,
  udp,
  writePcap,
} from '../../src/index.js';
import { EXAMPLES, pcapkit } from '../helpers/cli.js';
import { corpusPath, SKIP_NO_CORPUS } from '../helpers/corpus.js';

const dir = mkdtempSync(join(tmpdir(), 'pcapkit-engine-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function capture(): string {
  const p = join(dir, 'mixed.pcap');
  const v4 = ipv4.make({ src: ip('10.0.0.1'), dst: ip('10.0.0.2') });
  const u = (n: number) => build(ethernet.make(), v4, udp.make({ srcport: 1000 + n, dstport: 9 }), payload('u'));
  const t = (n: number) => build(ethernet.make(), v4, tcp.make({ srcport: 2000 + n, dstport: 9 }), payload('t'));
  writeFileSync(p, writePcap([u(1), t(2), u(3), t(4), t(5)].map((data) => ({ data }))));
  return p;
}

test('wrapping-engine example: filters and counts the default engine’s frames', async () => {
  const input = capture();
  let counts: EngineCounts | undefined;
  const tcpOnly = wrapEngine(defaultEngine, {
    name: 'tcp-only',
    keep: (f) => find(f, 'tcp') !== undefined,
    onEnd: (c) => (counts = { ...c }),
  });
  assert.equal(tcpOnly.supports, defaultEngine.supports);
  const x = extract(input, { engine: tcpOnly, store: true });
  await x.run();
  assert.deepEqual(
    x.frames.map((f) => f.n),
    [2, 4, 5],
  );
  assert.deepEqual(counts, { seen: 5, kept: 3 });
  // Registered by name, selectable with `engine`.
  const y = extract(input, { engines: defaultEngines.with(udpOnly), engine: 'udp-only', store: true });
  await y.run();
  assert.deepEqual(
    y.frames.map((f) => f.n),
    [1, 3],
  );
  assert.equal(y.engine.name, 'udp-only');
});

test('wrapping-engine example: counts every frame of a corpus capture, as the default engine reads it', {
  skip: SKIP_NO_CORPUS,
}, async () => {
  let counts: EngineCounts | undefined;
  const counting = wrapEngine(defaultEngine, { name: 'counting', onEnd: (c) => (counts = { ...c }) });
  const x = extract(corpusPath('pypcapkit__in.pcap'), { engine: counting });
  await x.run();
  const plain = extract(corpusPath('pypcapkit__in.pcap'));
  await plain.run();
  assert.ok(plain.stats.frames > 0);
  assert.deepEqual(counts, { seen: plain.stats.frames, kept: plain.stats.frames });
});

test('wrapping-engine example: -E udp-only through --plugin', async () => {
  const input = capture();
  const ext = await applyPlugins([register]);
  assert.ok(extensionOptions(ext).engines!.get('udp-only'));
  const r = pcapkit(
    ['--plugin', join(EXAMPLES, 'wrapping-engine.ts'), '-E', 'udp-only', input, '-f', 'ndjson', '-o', '-'],
    { cwd: dir },
  );
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { frame: { number: number } } & Record<string, unknown>);
  assert.equal(lines.length, 2);
  assert.match(r.stderr, /udp-only: kept 2 of 5 frames/);
  // Without the plugin the engine is unknown: exit 2.
  const bad = pcapkit(['-E', 'udp-only', input, '--nofile'], { cwd: dir });
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /unknown engine 'udp-only'/);
});
