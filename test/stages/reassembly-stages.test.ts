import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  type Datagram,
  defaultRegistry,
  type Frame,
  readFrames,
  readFramesSync,
  reassemble,
  streamStages,
  type TcpChunk,
} from '../../src/index.js';
import { corpusPath, SKIP_NO_CORPUS } from '../helpers/corpus.js';

test('stages: a fragmented HTTP request is reassembled, re-dissected and numbered on its last fragment', {
  skip: SKIP_NO_CORPUS,
}, async () => {
  const seen: Datagram[][] = [];
  const { stages, run } = streamStages({
    registry: defaultRegistry,
    ipv4: true,
    ipv6: true,
    tcp: true,
    trace: { udp: true },
    onDatagrams: (l) => seen.push([...l]),
  });
  let src: AsyncIterable<readonly Frame[]> = readFrames(corpusPath('pcapplusplus__frag_http_req.pcap')).batches();
  for (const s of stages) src = s(src);
  const frames: Frame[] = [];
  for await (const b of src) frames.push(...b);
  const f11 = frames[10];
  const dg = (f11.reassembled ?? []).find((r) => (r as Datagram).kind === 'ipv4') as Datagram;
  assert.equal(dg.complete, true);
  assert.equal(dg.length, 1480);
  assert.deepEqual(dg.frames, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
  assert.equal(dg.packet?.layers[0].protocol, 'tcp');
  assert.equal(f11.flow, 0);
  const pieces = (f11.reassembled ?? []).filter((r) => (r as TcpChunk).kind === 'tcp') as TcpChunk[];
  assert.equal(
    pieces.reduce((n, c) => n + c.data.length, 0),
    1460,
  );
  // fragments before the last carry no flow (tshark with defragmentation shows no TCP there)
  assert.equal(frames[0].flow, undefined);
  assert.equal(seen.length, 1);
  assert.equal(run.tracer!.index().length, 1);
});

test('reassemble("ipv4"): PyPCAPKit surface — datagrams, count, fetch, index, callbacks', {
  skip: SKIP_NO_CORPUS,
}, () => {
  const lists: number[] = [];
  const r = reassemble('ipv4', { callbacks: [(l) => lists.push(l.length)] });
  let late = 0;
  r.register(() => late++);
  const frames = [...readFramesSync(corpusPath('pcapplusplus__ip4_fragments.pcap'))];
  for (const f of frames.slice(0, 8)) r.push(f);
  assert.equal(r.count, 1);
  assert.equal(r.fetch().length, 2); // one done, one in progress (frames 7, 8)
  assert.equal(r.fetch()[1].complete, false);
  r.run(frames.slice(8));
  assert.equal(r.datagrams.filter((d) => d.complete).length, 6);
  assert.equal(r.index(3), 0);
  assert.equal(r.index(12), 1);
  assert.ok(lists.length >= 6 && late === lists.length);
  assert.throws(() => reassemble('sctp'), /unknown protocol/);
});
