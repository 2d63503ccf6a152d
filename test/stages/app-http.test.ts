import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { type AppMessage, defaultRegistry, type Frame, find, readFrames, streamStages } from '../../src/index.js';
import { CORPUS, corpusPath, oraclePackets, SKIP_NO_CORPUS } from '../helpers/corpus.js';
import { SKIP_NO_TSHARK, tshark } from './helpers.js';

/** Frames where complete HTTP/1 messages end, through the stream stages (IP and TCP reassembly on). */
async function httpFrames(file: string): Promise<{ frames: string[]; tcpFrames: number }> {
  const { stages } = streamStages({ registry: defaultRegistry, ipv4: true, ipv6: true, tcp: true });
  let src: AsyncIterable<readonly Frame[]> = readFrames(corpusPath(file)).batches();
  for (const s of stages) src = s(src);
  const frames: string[] = [];
  let tcpFrames = 0;
  for await (const b of src) {
    for (const f of b) {
      if (find(f, 'tcp') !== undefined) tcpFrames++;
      for (const m of (f.messages ?? []) as AppMessage[])
        if (m.protocol === 'http1' && m.complete) frames.push(String(f.n));
    }
  }
  return { frames, tcpFrames };
}

test('HTTP/1 messages spanning segments complete on the frames tshark shows them on', {
  skip: SKIP_NO_CORPUS,
}, async () => {
  assert.deepEqual((await httpFrames('dpkt__http.pcap')).frames, ['4', '18', '27', '38']);
  // One-way capture with a lost segment: the hole is given up after holeTimeout, as tshark resumes.
  assert.deepEqual((await httpFrames('pcapplusplus__unidirectional_tcp_stream_with_missing_packet.pcap')).frames, [
    '11',
  ]);
});

/**
 * tshark 4.0 disagreements, checked by hand (ours: frames we add; theirs: frames only tshark has):
 * - zeek__http_206_example_b.pcap frame 953: the first 206 response (frames 5–953, many
 *   retransmissions) completes there — its last byte is what the next request acknowledges; tshark's
 *   desegmentation shows no HTTP response for it.
 * - pcapplusplus__pcapng-example.pcapng frame 139: the capture is cut at 94 bytes a packet (snap
 *   length); tshark shows the response line of the cut segment as a response, we report the response
 *   incomplete (its body was never captured) where the gap is known, frame 141.
 */
const KNOWN: Record<string, { ours?: string[]; theirs?: string[] }> = {
  'zeek__http_206_example_b.pcap': { ours: ['953'] },
  'pcapplusplus__pcapng-example.pcapng': { theirs: ['139'] },
};

test('every HTTP/1 capture we reach: complete messages on the same frames as tshark', {
  skip: SKIP_NO_TSHARK || SKIP_NO_CORPUS,
}, async (t) => {
  const manifest = readFileSync(join(CORPUS, 'MANIFEST.tsv'), 'utf8').split('\n');
  const col = manifest[0].split('\t').indexOf('protocols');
  const files = manifest
    .slice(1)
    .map((l) => l.split('\t'))
    .filter((r) => /(^|[,:])http([,:]|$)/.test(r[col] ?? ''))
    .map((r) => r[0]);
  let compared = 0;
  let skipped = 0;
  for (const file of files) {
    const tab = oraclePackets(file);
    const want = tab.rows.filter((r) => r[tab.col('tcp.srcport')] !== '').length;
    let got: Awaited<ReturnType<typeof httpFrames>>;
    try {
      got = await httpFrames(file);
    } catch {
      skipped++;
      continue;
    }
    if (got.tcpFrames < want) {
      skipped++; // a link layer this build does not dissect yet
      continue;
    }
    const out = tshark([
      '-r',
      corpusPath(file),
      '-Y',
      'http.request || http.response',
      '-T',
      'fields',
      '-e',
      'frame.number',
      '-e',
      'http.request.method',
      '-e',
      'http.response.code',
    ]);
    const expected = out
      .trim()
      .split('\n')
      .filter(Boolean)
      .flatMap((l) => {
        const [f, m, c] = l.split('\t');
        const n = (m ? m.split(',').length : 0) + (c ? c.split(',').length : 0);
        return Array<string>(Math.max(1, n)).fill(f);
      });
    const known = KNOWN[file] ?? {};
    assert.deepEqual(
      got.frames.filter((f) => !known.ours?.includes(f)),
      expected.filter((f) => !known.theirs?.includes(f)),
      file,
    );
    compared++;
  }
  t.diagnostic(`HTTP/1: ${compared} captures agree with tshark, ${skipped} not reached by this build`);
  assert.ok(compared >= 15);
});
