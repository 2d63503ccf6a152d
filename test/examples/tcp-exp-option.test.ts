import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import register, { EXAMPLE_EXID, withExperiment } from '../../examples/tcp-exp-option.js';
import {
  analyse,
  applyPlugins,
  buildWith,
  defaultRegistry,
  details,
  ethernet,
  extensionOptions,
  extract,
  find,
  ip,
  ipv4,
  payload,
  tcp,
  writePcap,
} from '../../src/index.js';
import { EXAMPLES, pcapkit } from '../helpers/cli.js';

const reg = withExperiment(defaultRegistry);
const dir = mkdtempSync(join(tmpdir(), 'pcapkit-tcpexp-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const OURS = {
  kind: 253,
  name: 'experimental',
  length: 9,
  exid: EXAMPLE_EXID,
  experiment: 'pcapkit-example',
  token: 0xdeadbeef,
  hops: 3,
};

function segment(): Uint8Array {
  return buildWith(
    reg,
    ethernet.make(),
    ipv4.make({ src: ip('10.0.0.1'), dst: ip('10.0.0.2') }),
    tcp.make({ srcport: 40000, dstport: 80, flagSyn: 1 }, [
      { kind: 2, mss: 1460 },
      { kind: 253, exid: EXAMPLE_EXID, token: 0xdeadbeef, hops: 3 },
      { kind: 254, data: 'f98901020304' }, // TCP Fast Open's ExID: still the built-in decoder
    ]),
    payload('x'),
  );
}

test('tcp-exp-option example: ExID 0x7e57 decoded into named fields; other ExIDs as before', () => {
  const f = analyse(segment(), { registry: reg, checksums: true });
  assert.deepEqual(f.issues, []);
  const opts = details<Record<string, unknown>[]>(f, find(f, 'tcp')!, reg)!;
  assert.deepEqual(opts[1], OURS);
  assert.equal(opts[2].experiment, 'tfo');
  assert.equal(opts[2].cookie, '01020304');
  // Without the handler: the built-in one keeps the bytes.
  const plain = details<Record<string, unknown>[]>(f, find(f, 'tcp')!, defaultRegistry)!;
  assert.equal(plain[1].exid, EXAMPLE_EXID);
  assert.equal(plain[1].token, undefined);
  assert.equal(plain[1].data, 'deadbeef03');
});

test('tcp-exp-option example: a wrong length is flagged, not thrown', () => {
  const b = segment();
  const f = analyse(b, { registry: reg });
  const o = details<Record<string, unknown>[]>(f, find(f, 'tcp')!, reg)!;
  assert.equal(o[1].malformed, undefined);
  // Shorten our option's data to 4 bytes: kind 253 len 6 → ExID + 2 bytes; the rest becomes NOPs.
  const at = b.indexOf(253, 54);
  b[at + 1] = 6;
  b[at + 6] = 1;
  b[at + 7] = 1;
  b[at + 8] = 1;
  const g = analyse(b, { registry: reg });
  const p = details<Record<string, unknown>[]>(g, find(g, 'tcp')!, reg)!;
  assert.equal(p[1].malformed, true);
  assert.equal(p[1].data, 'dead');
});

test('tcp-exp-option example: the fields appear in JSON, NDJSON and tree reports (library and CLI)', async () => {
  const path = join(dir, 'exp.pcap');
  writeFileSync(path, writePcap([{ data: segment() }]));
  const ext = await applyPlugins([register]);
  for (const format of ['json', 'ndjson']) {
    const out = join(dir, `lib.${format}`);
    await extract(path, { ...extensionOptions(ext), output: out, format, onWarning: () => {} }).run();
    const text = readFileSync(out, 'utf8');
    const doc = JSON.parse(format === 'ndjson' ? text.trim().split('\n')[0] : text);
    const json = JSON.stringify(doc);
    assert.match(json, /"experiment":"pcapkit-example","token":3735928559,"hops":3/, format);
  }
  const tree = join(dir, 'lib.txt');
  await extract(path, { ...extensionOptions(ext), output: tree, format: 'tree', onWarning: () => {} }).run();
  const t = readFileSync(tree, 'utf8');
  assert.match(t, /pcapkit-example/);
  assert.match(t, /token/);
  assert.match(t, /hops/);

  const plugin = join(EXAMPLES, 'tcp-exp-option.ts');
  for (const format of ['json', 'ndjson', 'tree']) {
    const r = pcapkit(['--plugin', plugin, path, '-f', format, '-o', '-', '-q'], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /pcapkit-example/, format);
    assert.match(r.stdout, /3735928559|0xdeadbeef/i, format);
  }
  // Without the plugin the CLI shows the raw bytes only.
  const bare = pcapkit([path, '-f', 'json', '-o', '-', '-q'], { cwd: dir });
  assert.equal(bare.code, 0, bare.stderr);
  assert.doesNotMatch(bare.stdout, /pcapkit-example/);
});
