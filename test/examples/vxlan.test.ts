import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, test } from 'node:test';
import fc from 'fast-check';
import register, { VXLAN_PORT, vxlan } from '../../examples/vxlan.js';
import {
  analyse,
  applyPlugins,
  buildWith,
  defaultRegistry,
  ethernet,
  extensionOptions,
  extract,
  find,
  findAll,
  ip,
  ipv4,
  mac,
  payload,
  udp,
  writePcap,
} from '../../src/index.js';
import { EXAMPLES, pcapkit } from '../helpers/cli.js';

const reg = defaultRegistry.with(vxlan);
const dir = mkdtempSync(join(tmpdir(), 'pcapkit-vxlan-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function frame(vni: number, inner = 'inner'): Uint8Array {
  return buildWith(
    reg,
    ethernet.make(),
    ipv4.make({ src: ip('10.0.0.1'), dst: ip('10.0.0.2') }),
    udp.make({ srcport: 51000, dstport: VXLAN_PORT }),
    vxlan.make({ vni }),
    buildWith(
      reg,
      ethernet.make({ src: mac('02:00:00:00:00:0a'), dst: mac('02:00:00:00:00:0b') }),
      ipv4.make({ src: ip('192.168.1.1'), dst: ip('192.168.1.2') }),
      udp.make({ srcport: 1111, dstport: 2222 }),
      payload(inner),
    ),
  );
}

test('vxlan example: build → analyse round trip, inner frame chain and fields', () => {
  const bytes = frame(0x123456);
  // The header on the wire (RFC 7348 §5): I flag set, 24 reserved bits, VNI, 8 reserved bits.
  assert.deepEqual([...bytes.subarray(42, 50)], [0x08, 0, 0, 0, 0x12, 0x34, 0x56, 0]);
  const f = analyse(bytes, { registry: reg, checksums: true });
  assert.deepEqual(f.issues, []);
  assert.deepEqual(
    f.layers.map((l) => l.protocol),
    ['ethernet', 'ipv4', 'udp', 'vxlan', 'ethernet', 'ipv4', 'udp'],
  );
  const v = find(f, 'vxlan')!;
  assert.equal(v.fields.vni, 0x123456);
  assert.equal(v.fields.flagI, 1);
  assert.equal(v.fields.flags, 0x0800);
  assert.equal(v.fields.reserved8, 0);
  assert.equal(findAll(f, 'ipv4')[1].fields.src, ip('192.168.1.1'));
  assert.equal(findAll(f, 'udp')[1].fields.dstport, 2222);
  // Without the plugin the same bytes stop at UDP.
  assert.deepEqual(
    analyse(bytes).layers.map((l) => l.protocol),
    ['ethernet', 'ipv4', 'udp'],
  );
});

test('vxlan example: the I flag clear is the vxlan.no_vni issue', () => {
  const bytes = frame(7);
  bytes[42] = 0;
  const f = analyse(bytes, { registry: reg });
  assert.ok(f.issues.some((i) => i.code === 'vxlan.no_vni'));
});

test('vxlan example: fuzzed VXLAN payloads never throw', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 120 }), (b) => {
      const f = analyse(b, { registry: reg, protocol: 'vxlan' });
      assert.ok(f.issues.every((i) => i.kind !== 'bug'));
    }),
    { numRuns: 300 },
  );
});

test('vxlan example: as a plugin through extract() and the CLI', async () => {
  const path = join(dir, 'vxlan.pcap');
  writeFileSync(path, writePcap([{ data: frame(42) }, { data: frame(43, 'second') }]));
  const ext = await applyPlugins([register]);
  const x = extract(path, { ...extensionOptions(ext), store: true, onWarning: () => {} });
  await x.run();
  assert.deepEqual(
    x.frames.map((f) => find(f, 'vxlan')?.fields.vni),
    [42, 43],
  );

  const r = pcapkit(['--plugin', join(EXAMPLES, 'vxlan.ts'), path, '-f', 'ndjson', '-o', '-', '-q'], { cwd: dir });
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  assert.equal(lines.length, 2);
  assert.match(JSON.stringify(lines[0]), /"vni":42/);
  assert.match(JSON.stringify(lines[1]), /"vni":43/);
  // A path relative to the current folder, as a user types it; -v lists the chain.
  const rel = pcapkit(['--plugin', relative(dir, join(EXAMPLES, 'vxlan.ts')), path, '--nofile', '-v'], { cwd: dir });
  assert.equal(rel.code, 0, rel.stderr);
  assert.match(rel.stderr, /Frame {3}1: Ethernet:IPv4:UDP:VXLAN:Ethernet:IPv4:UDP/);
});
