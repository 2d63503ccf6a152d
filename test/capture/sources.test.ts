import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { test } from 'node:test';
import { readFrames, readFramesSync } from '../../src/api/read-frames.js';
import { lz4Frames } from '../../src/capture/lz4.js';
import { readCapture } from '../../src/capture/read.js';
import { writePcap } from '../../src/capture/write-pcap.js';
import { collect, collectWithError, frameData, records } from '../helpers/frames.js';

const dir = mkdtempSync(join(tmpdir(), 'pcapkit-src-'));
const recs = records(300, { size: (i) => 20 + ((i * 37) % 900) });
const file = writePcap(recs);
const path = join(dir, 'plain.bin'); // no capture extension: the format comes from the bytes
writeFileSync(path, file);
const want = recs.map((r) => r.data);

test('sources: path, Uint8Array, Node Readable, web ReadableStream, async and sync iterables', async () => {
  const inputs: [string, () => unknown][] = [
    ['path', () => path],
    ['URL', () => new URL(`file://${path}`)],
    ['bytes', () => file],
    ['Readable', () => Readable.from([file.subarray(0, 1000), file.subarray(1000)])],
    ['ReadableStream', () => new Blob([file as Uint8Array<ArrayBuffer>]).stream()],
    [
      'async iterable',
      () =>
        (async function* () {
          yield file.subarray(0, 7);
          yield file.subarray(7);
        })(),
    ],
    ['iterable', () => [file.subarray(0, 100), file.subarray(100)]],
  ];
  for (const [name, make] of inputs) {
    const got = (await collect(make() as never)).map(frameData);
    assert.deepEqual(got, want, name);
  }
  assert.deepEqual([...readFramesSync(path)].map(frameData), want);
});

test("sources: '-' reads stdin incrementally (frames arrive before the stream ends)", async () => {
  const stdin = new PassThrough();
  const it = readFrames('-', { stdin })[Symbol.asyncIterator]();
  const half = 24 + recs.slice(0, 10).reduce((a, r) => a + 16 + r.data.length, 0);
  stdin.write(file.subarray(0, half));
  const first = await it.next();
  assert.equal(first.done, false);
  assert.equal((first.value as { n: number }).n, 1);
  stdin.end(file.subarray(half));
  let n = 1;
  while (!(await it.next()).done) n++;
  assert.equal(n, 300);
});

test('sources: break and AbortSignal stop cleanly and close the source', async () => {
  const src = Readable.from(
    (function* () {
      for (let i = 0; i < 300; i += 10)
        yield i === 0 ? file.subarray(0, 24 + 50) : file.subarray(24 + 50 + (i - 10) * 10, 24 + 50 + i * 10);
    })(),
  );
  let seen = 0;
  for await (const _ of readFrames(Readable.from([file]))) {
    if (++seen === 5) break;
  }
  assert.equal(seen, 5);
  const ac = new AbortController();
  let count = 0;
  const r = await (async () => {
    try {
      for await (const _ of readFrames(src, { signal: ac.signal, chunkSize: 64 })) {
        if (++count === 2) ac.abort();
      }
      return undefined;
    } catch (e) {
      return e as { code: string };
    }
  })();
  assert.equal(r?.code, 'ERR_ABORTED');
  assert.ok(count >= 2);
  const pre = new AbortController();
  pre.abort();
  const r2 = await collectWithError(path, { signal: pre.signal });
  assert.equal(r2.error?.code, 'ERR_ABORTED');
});

test('sources: a missing file and a directory are clear errors', async () => {
  let r = await collectWithError(join(dir, 'nope.pcap'));
  assert.equal(r.error?.code, 'ERR_NOT_FOUND');
  r = await collectWithError(dir);
  assert.equal(r.error?.code, 'ERR_IO');
});

function tool(cmd: string): boolean {
  return spawnSync(cmd, ['--version'], { stdio: 'ignore' }).status === 0;
}

for (const [name, cmd, args] of [
  ['gzip', 'gzip', ['-c']],
  ['zstd', 'zstd', ['-c', '-q']],
  ['xz', 'xz', ['-c']],
  ['lz4 (frame, linked blocks)', 'lz4', ['-c', '-q', '-BD', '-B4']],
  ['lz4 (frame, independent blocks, checksums)', 'lz4', ['-c', '-q', '-BX', '--content-size']],
] as const) {
  test(`compressed captures: ${name} is detected by magic and streamed`, {
    skip: tool(cmd) ? false : `${cmd} not installed`,
  }, async () => {
    const big = writePcap(records(3000, { size: (i) => 20 + ((i * 131) % 1400) }));
    const z = spawnSync(cmd, [...args], { input: big, maxBuffer: 1 << 28 });
    assert.equal(z.status, 0, String(z.stderr));
    const p = join(dir, `c-${cmd}-${args.length}`);
    writeFileSync(p, z.stdout);
    const frames = await collect(p);
    assert.equal(frames.length, 3000);
    const plain = await collect(big);
    assert.deepEqual(frames.map(frameData), plain.map(frameData));
    // nested: gzip around the compressed file
    if (cmd !== 'gzip') {
      const g = spawnSync('gzip', ['-c'], { input: z.stdout, maxBuffer: 1 << 28 });
      const nested = await collect(new Uint8Array(g.stdout));
      assert.equal(nested.length, 3000);
    }
  });
}

test('lz4: a corrupt stream is an error, never a hang', async () => {
  const bad = Uint8Array.of(0x04, 0x22, 0x4d, 0x18, 0x64, 0x40, 0xa7, 0x10, 0, 0, 0, 0xff, 0xff);
  await assert.rejects(async () => {
    for await (const _ of lz4Frames(
      (async function* () {
        yield bad;
      })(),
    )) {
      /* drain */
    }
  });
});

test("plain files: chunks are read into buffers the caller lends (`buffer`), or the reader's own", async () => {
  // The parallel engine lends worker slots in one shared memory. Frames read into a lent buffer
  // must point into it, with the same bytes as a plain read; `undefined` means "use your own",
  // and records longer than the headroom that cross a chunk boundary are merged elsewhere.
  const big = records(200, { size: (i) => (i % 50 === 7 ? 70_000 : 20 + ((i * 37) % 900)) });
  const p = join(dir, 'lend.pcap');
  writeFileSync(p, writePcap(big));
  const memory = new SharedArrayBuffer(64 << 20);
  let next = 0;
  let asked = 0;
  const lent = new Set<ArrayBufferLike>();
  const reader = readCapture(p, {
    chunkSize: 1 << 16,
    reuseBuffers: true,
    buffer: (bytes) => {
      asked++;
      if (asked % 3 === 0) return undefined; // every third chunk: the reader's own buffer
      const u8 = new Uint8Array(memory, next, bytes);
      next += bytes;
      lent.add(u8.buffer);
      return u8;
    },
  });
  const got: Uint8Array[] = [];
  let inLent = 0;
  for await (const batch of reader.batches())
    for (const r of batch) {
      if (r.bytes.u8.buffer === memory) inLent++;
      got.push(r.bytes.u8.slice(r.start, r.end));
    }
  assert.deepEqual(
    got,
    big.map((r) => r.data),
  );
  assert.ok(asked >= 5, `${asked} chunks`);
  assert.ok(inLent > 0 && inLent < big.length, `${inLent} frames read into lent buffers`);
});
