import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createProgress } from '../../src/cli/progress.js';
import { treeLines } from '../../src/dump/tree.js';

function fakeStream(isTTY: boolean) {
  const chunks: string[] = [];
  return { chunks, s: { isTTY, columns: 100, write: (c: string) => chunks.push(c) } as unknown as NodeJS.WriteStream };
}

test('progress: drawn on a TTY (bytes done of total, frames/s, ETA), cleared at the end', () => {
  const { chunks, s } = fakeStream(true);
  const p = createProgress(1000, s, true);
  p.update({ bytesRead: 250, frames: 100, elapsedMs: 1000 });
  assert.match(chunks.join(''), /25%.*250 B\/1000 B.*100 frames\/s.*ETA 0:03/);
  p.done();
  assert.equal(chunks.at(-1), '\r\x1b[K');
});

test('progress: nothing when not a TTY, or when quiet', () => {
  const a = fakeStream(false);
  createProgress(1000, a.s, true).update({ bytesRead: 1, frames: 1, elapsedMs: 1000 });
  assert.deepEqual(a.chunks, []);
  const b = fakeStream(true);
  createProgress(1000, b.s, false).update({ bytesRead: 1, frames: 1, elapsedMs: 1000 });
  assert.deepEqual(b.chunks, []);
});

test('tree: PyPCAPKit branches; arrays as |-->', () => {
  const text = treeLines({ a: 1, b: { c: 'x', d: [1, 2] }, e: true }, '');
  assert.equal(
    text,
    '  |-- a -> 1\n  |-- b\n  |     |-- c -> x\n  |     |-- d\n  |           |--> 1\n  |           |--> 2\n  |-- e -> True\n',
  );
});

test('files mode names never leave the folder', async () => {
  const { insideDir, safeFileName } = await import('../../src/dump/dumper.js');
  assert.equal(safeFileName('../../etc/passwd'), '__.._etc_passwd');
  assert.equal(safeFileName('Frame 1.json'), 'Frame 1.json');
  assert.equal(safeFileName('..'), '_');
  for (const bad of ['../x', '/abs/path', 'a/../../b', '..\\x', '.']) {
    const p = insideDir('/tmp/out-dir', bad);
    assert.ok(p.startsWith('/tmp/out-dir/'), p);
  }
});
