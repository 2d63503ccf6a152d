import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import { readFramesSync, trace } from '../../src/index.js';
import { pyTimestamp } from '../../src/stages/trace.js';
import { corpusPath, SKIP_NO_CORPUS } from '../helpers/corpus.js';
import { framesOf, tcpPacket, udpPacket } from './helpers.js';

const A = { src: '10.0.0.1', dst: '10.0.0.2', sport: 40000, dport: 80 };
const B = { src: '10.0.0.2', dst: '10.0.0.1', sport: 80, dport: 40000 };

/** The float-to-text reference pyTimestamp's fast path must agree with (Python's str(float)). */
function floatText(sec: number, nsec: number): string {
  const v = sec + nsec / 1e9;
  const s = String(v);
  return Number.isInteger(v) && !s.includes('e') ? `${s}.0` : s;
}

test('pyTimestamp: the written microsecond digits equal the shortest float text (edges of the 2^30..2^32 range, ns fractions, whole seconds)', () => {
  for (const sec of [0x3fffffff, 0x40000000, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff, 1_700_000_000]) {
    for (const nsec of [0, 1000, 999_999_000, 500_000_000, 100_000, 123_456_000, 999_999_999, 1, 7]) {
      assert.equal(pyTimestamp(sec, nsec), floatText(sec, nsec), `${sec} ${nsec}`);
    }
  }
  fc.assert(
    fc.property(
      fc.integer({ min: 0x3ff00000, max: 0xffffffff }),
      fc.oneof(
        fc.integer({ min: 0, max: 999_999 }).map((u) => u * 1000),
        fc.integer({ min: 0, max: 999_999_999 }),
      ),
      (sec, nsec) => pyTimestamp(sec, nsec) === floatText(sec, nsec),
    ),
    { numRuns: 20_000 },
  );
});

test('labels as PyPCAPKit: src_port-dst_port-timestamp, Python float text, IPv6 colons as dots', () => {
  assert.equal(pyTimestamp(1795421763, 508080000), '1795421763.50808');
  assert.equal(pyTimestamp(12, 0), '12.0');
  const t = trace();
  const fr = framesOf(
    [tcpPacket({ ...A, seq: 1, flags: { syn: 1 } }), tcpPacket({ v6: true, seq: 1, sport: 5, dport: 6 })],
    [10, 11],
  );
  t.push(fr[0]);
  t.push(fr[1]);
  assert.deepEqual(
    t.close().map((f) => f.label),
    ['10.0.0.1_40000-10.0.0.2_80-10.0', '2001.db8..1_5-2001.db8..2_6-11.0'],
  );
});

test('directional by default, bidirectional on request; a SYN after FIN starts a new flow', () => {
  const pk = [
    tcpPacket({ ...A, seq: 1, flags: { syn: 1 } }),
    tcpPacket({ ...B, seq: 9, ack: 2, flags: { syn: 1, ack: 1 } }),
    tcpPacket({ ...A, seq: 2, ack: 10, data: 'x' }),
    tcpPacket({ ...A, seq: 3, ack: 10, flags: { fin: 1, ack: 1 } }),
    tcpPacket({ ...A, seq: 4, ack: 11 }), // last ACK: same flow
    tcpPacket({ ...A, seq: 500, flags: { syn: 1 } }), // port reuse: new flow
    udpPacket('10.0.0.1', '10.0.0.2', 53, 53),
  ];
  const dir = trace();
  for (const f of framesOf(pk)) dir.push(f);
  assert.deepEqual(
    dir.close().map((f) => f.frames),
    [[1, 3, 4, 5], [2], [6]],
  );
  const both = trace({ bidirectional: true, udp: true });
  for (const f of framesOf(pk)) both.push(f);
  const idx = both.close();
  assert.deepEqual(
    idx.map((f) => [f.protocol, f.frames, f.stream]),
    [
      ['TCP', [1, 2, 3, 4, 5], 0],
      ['TCP', [6], 1],
      ['UDP', [7], 0],
    ],
  );
});

test('one pcap file per flow, with the frames’ own bytes; short flows dropped before writing', {
  skip: SKIP_NO_CORPUS,
}, () => {
  const out = mkdtempSync(join(tmpdir(), 'pcapkit-trace-'));
  const file = corpusPath('dpkt__http.pcap');
  const t = trace({ output: out, minPackets: 5, nanosecond: true, byteOrder: 'big' });
  const all = [...readFramesSync(file)];
  for (const f of all) t.push(f);
  const idx = t.close();
  const kept = idx.filter((f) => !f.dropped);
  assert.ok(idx.some((f) => f.dropped));
  assert.deepEqual(readdirSync(out).sort(), kept.map((f) => `${f.label}.pcap`).sort());
  for (const f of kept) {
    const back = [...readFramesSync(f.file!)];
    assert.deepEqual(
      back.map((x) => x.origLen),
      f.frames.map((n) => all[n - 1].origLen),
    );
    const orig = all[f.frames[0] - 1];
    assert.deepEqual(
      back[0].bytes.u8.subarray(back[0].start, back[0].end),
      orig.bytes.u8.subarray(orig.start, orig.end),
    );
    assert.equal(back[0].tsNsec, orig.tsNsec);
    assert.equal(readFileSync(f.file!)[0], 0xa1); // big-endian nanosecond magic a1b23c4d
  }
});

test('a filter callback sees each flow before it is written', () => {
  const seen: number[] = [];
  const t = trace({
    filter: (f, packets) => {
      seen.push(packets.length);
      return f.srcport !== 80;
    },
  });
  for (const f of framesOf([tcpPacket({ ...A, seq: 1 }), tcpPacket({ ...B, seq: 1 })])) t.push(f);
  const idx = t.close();
  assert.deepEqual(seen, [1, 1]);
  assert.deepEqual(
    idx.map((f) => f.dropped),
    [false, true],
  );
});
