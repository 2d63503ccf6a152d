/** `--plugin` end to end: several modules at once, paths and package names, and failures (exit 2, one line). */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { build, ethernet, ip, ipv4, loadPlugins, payload, udp, writePcap } from '../../src/index.js';
import { EXAMPLES, pcapkit } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'pcapkit-plugin-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function vxlanCapture(): string {
  const p = join(dir, 'tunnel.pcap');
  const inner = build(
    ethernet.make(),
    ipv4.make({ src: ip('192.168.7.1'), dst: ip('192.168.7.2') }),
    udp.make({ srcport: 3000, dstport: 4000 }),
    payload('inner'),
  );
  const outer = build(
    ethernet.make(),
    ipv4.make({ src: ip('10.0.0.1'), dst: ip('10.0.0.2') }),
    udp.make({ srcport: 50000, dstport: 4789 }),
    Uint8Array.of(0x08, 0, 0, 0, 0, 0, 0x2a, 0),
    inner,
  );
  writeFileSync(p, writePcap([{ data: outer, tsSec: 1 }]));
  return p;
}

test('--plugin: help documents it', () => {
  const r = pcapkit(['--help'], { cwd: dir });
  assert.equal(r.code, 0);
  assert.match(r.stdout, /--plugin MODULE/);
});

test('--plugin: two plugins together (VXLAN + CSV): the CSV row shows the inner packet', () => {
  const input = vxlanCapture();
  const r = pcapkit(
    [`--plugin=${join(EXAMPLES, 'vxlan.ts')}`, '--plugin', join(EXAMPLES, 'csv-dumper.ts'), input, '-o', 'x.csv', '-q'],
    { cwd: dir },
  );
  assert.equal(r.code, 0, r.stderr);
  const rows = readFileSync(join(dir, 'x.csv'), 'utf8').split('\r\n');
  assert.equal(
    rows[1],
    '1,1.000000000,97,Ethernet:IPv4:UDP:VXLAN:Ethernet:IPv4:UDP:Raw,192.168.7.1,192.168.7.2,3000,4000,0',
  );
});

test('--plugin: a package name is resolved from the current folder; a `register` export works', () => {
  const pkg = join(dir, 'node_modules', 'pcapkit-plugin-hello');
  mkdirSync(pkg, { recursive: true });
  writeFileSync(
    join(pkg, 'package.json'),
    JSON.stringify({ name: 'pcapkit-plugin-hello', type: 'module', main: 'index.js' }),
  );
  writeFileSync(
    join(pkg, 'index.js'),
    `export function register(ext) {
  const hello = {
    name: 'hello',
    extension: '.hello',
    create: (sink) => ({
      open: () => {},
      write: (frames) => sink.write(frames.map((f) => 'hello ' + f.n + '\\n').join('')),
      close: async () => {},
    }),
  };
  return { dumpers: ext.dumpers.with(hello) };
}
`,
  );
  const input = vxlanCapture();
  const r = pcapkit(['--plugin', 'pcapkit-plugin-hello', input, '-f', 'hello', '-o', '-', '-q'], { cwd: dir });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'hello 1\n');
});

test('--plugin: failures are one-line usage errors (exit 2)', async () => {
  const input = vxlanCapture();
  const cases: [string, string, RegExp][] = [
    ['missing.mjs', '', /plugin '\.\/missing\.mjs' not found/],
    ['no-such-package-xyz', '', /cannot load plugin 'no-such-package-xyz'/],
    ['empty.mjs', 'export const x = 1;\n', /plugin '\.\/empty\.mjs' has no default export or 'register' function/],
    ['throws.mjs', "export default () => { throw new Error('boom\\nsecond line'); };\n", /plugin failed: boom$/m],
    ['syntax.mjs', 'export default (;\n', /cannot load plugin '\.\/syntax\.mjs'/],
  ];
  for (const [name, body, re] of cases) {
    if (body) writeFileSync(join(dir, name), body);
    const r = pcapkit(['--plugin', name.includes('.') ? `./${name}` : name, input, '--nofile'], { cwd: dir });
    assert.equal(r.code, 2, `${name}: ${r.stderr}`);
    assert.equal(r.stderr.trim().split('\n').length, 1, `${name}: ${r.stderr}`);
    assert.match(r.stderr, /^pcapkit: /);
    assert.match(r.stderr, re, name);
  }
  const nothing = pcapkit(['--plugin'], { cwd: dir });
  assert.equal(nothing.code, 2);
  await assert.rejects(loadPlugins(['./missing.mjs'], { cwd: dir }), { code: 'ERR_PLUGIN' });
});
