/**
 * Property tests for the capture readers: random and mutated bytes never throw anything but a
 * PcapkitError, never hang, and a decoder never throws out of the frame loop (no `bug` issues).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import fc from 'fast-check';
import { readFrames, readFramesSync } from '../../src/api/read-frames.js';
import { writePcap, writePcapng } from '../../src/capture/write-pcap.js';
import { PcapkitError } from '../../src/core/errors.js';
import { corpusFiles, corpusPath, SKIP_NO_CORPUS } from '../helpers/corpus.js';
import { chunked, records } from '../helpers/frames.js';

async function drain(input: Uint8Array | AsyncIterable<Uint8Array>): Promise<number> {
  let n = 0;
  try {
    for await (const b of readFrames(input, { details: true, checksums: true }).batches()) {
      for (const f of b) {
        n++;
        for (const i of f.issues) assert.notEqual(i.kind, 'bug', `decoder threw: ${i.code} ${i.message}`);
      }
    }
  } catch (e) {
    if (!(e instanceof PcapkitError)) throw e;
  }
  return n;
}

const seeds = [
  writePcap(records(8)),
  writePcap(records(8), { byteOrder: 'big', nanosecond: true }),
  writePcapng(records(8)),
];

test('fuzz: random bytes after a capture magic', async () => {
  await fc.assert(
    fc.asyncProperty(fc.constantFrom(...seeds), fc.uint8Array({ maxLength: 600 }), async (seed, tail) => {
      const head = seed.subarray(0, seed[0] === 0x0a ? 28 : 24);
      const buf = new Uint8Array(head.length + tail.length);
      buf.set(head);
      buf.set(tail, head.length);
      await drain(buf);
    }),
    { numRuns: 300 },
  );
});

test('fuzz: mutated generated captures, split into random chunks', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom(...seeds),
      fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 12 }),
      fc.array(fc.nat(), { maxLength: 6 }),
      async (seed, edits, cuts) => {
        const buf = seed.slice();
        for (const [at, v] of edits) buf[at % buf.length] = v;
        await drain(
          chunked(
            buf,
            cuts.map((c) => c % buf.length),
          ),
        );
      },
    ),
    { numRuns: 300 },
  );
});

test('fuzz: mutated corpus captures (editcap -E style) never throw or hang', { skip: SKIP_NO_CORPUS }, async () => {
  const files = corpusFiles().filter((f) => !f.includes('empty'));
  const data = files.map((f) => readFileSync(corpusPath(f))).filter((d) => d.length < 200_000);
  await fc.assert(
    fc.asyncProperty(
      fc.integer({ min: 0, max: data.length - 1 }),
      fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 20 }),
      async (i, edits) => {
        const buf = new Uint8Array(data[i]);
        for (const [at, v] of edits) {
          const p = 24 + (at % Math.max(1, buf.length - 24)); // keep the magic so frames are reached
          buf[p] = v;
        }
        await drain(buf);
      },
    ),
    { numRuns: 400 },
  );
});

test('every corpus capture reads to the end without a decoder exception', { skip: SKIP_NO_CORPUS }, async () => {
  for (const f of corpusFiles()) {
    let n = 0;
    try {
      for (const fr of readFramesSync(corpusPath(f), { details: true, checksums: true })) {
        n++;
        for (const i of fr.issues) assert.notEqual(i.kind, 'bug', `${f} frame ${fr.n}: ${i.code} ${i.message}`);
      }
    } catch (e) {
      assert.ok(e instanceof PcapkitError, `${f}: ${e}`);
      assert.ok(['ERR_TRUNCATED_FILE'].includes(e.code), `${f}: ${e.code} ${e.message}`);
    }
    assert.ok(n >= 0);
  }
});
