/**
 * The JSON report's encoded path ('json-report' records from the parallel engines: each record is
 * `,\n"Frame N":` and the frame's object). A batch goes out whole unless it holds the document's
 * first frame (whose head loses its comma) or a capture block is due inside it.
 */
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import type { CaptureInfo } from '../../src/capture/info.js';
import { type DumpContext, type EncodedBatch, streamSink } from '../../src/dump/dumper.js';
import { json } from '../../src/dump/json.js';
import { defaultRegistry } from '../../src/protocols/index.js';

function batch(from: number, to: number): EncodedBatch {
  const parts: string[] = [];
  const offsets: number[] = [];
  let at = 0;
  const numbers = new Float64Array(to - from);
  for (let n = from; n < to; n++) {
    const r = `,\n"Frame ${n}":{"n":${n}}`;
    offsets.push(at);
    parts.push(r);
    at += r.length;
    numbers[n - from] = n;
  }
  offsets.push(at);
  return {
    count: to - from,
    numbers,
    records: new Uint8Array(Buffer.from(parts.join(''), 'latin1')),
    offsets: Uint32Array.from(offsets),
  };
}

test("json report, encoded batches: the first frame's head loses its comma, the rest go out as they are", async () => {
  const info: CaptureInfo = { format: 'pcap', compression: [], sections: [], blocks: [], droppedBlocks: 0 };
  for (const headerless of [true, false]) {
    const chunks: Buffer[] = [];
    const ws = new Writable({
      write(c, _e, cb) {
        chunks.push(Buffer.from(c));
        cb();
      },
    });
    const ctx: DumpContext = { registry: defaultRegistry, options: { headerless }, warn: () => {} };
    const d = json.create(streamSink(ws), ctx);
    await d.open(info);
    await d.writeEncoded!(batch(1, 4));
    await d.writeEncoded!(batch(4, 9));
    await d.close({ frames: 8, bytes: 0, elapsedMs: 0, interrupted: false });
    const text = Buffer.concat(chunks).toString('latin1');
    const doc = JSON.parse(text) as Record<string, { n: number }>;
    const frames = Object.keys(doc).filter((k) => k.startsWith('Frame '));
    assert.deepEqual(
      frames,
      Array.from({ length: 8 }, (_, i) => `Frame ${i + 1}`),
      `headerless ${headerless}`,
    );
    assert.equal(doc['Frame 8'].n, 8);
    assert.equal('Global Header' in doc, !headerless);
  }
});
