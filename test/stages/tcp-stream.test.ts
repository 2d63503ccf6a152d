import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { defaultRegistry, readFramesSync } from '../../src/index.js';
import { newTransport } from '../../src/stages/flow-key.js';
import { StreamRun } from '../../src/stages/reassembly.js';
import { type TcpChunk, type TcpConn, TcpReassembler, type TcpReassemblyOptions } from '../../src/stages/tcp-stream.js';
import { corpusFiles, corpusPath, oracleStreams, SKIP_NO_CORPUS } from '../helpers/corpus.js';

const SYN = 0x02;
const ACK = 0x10;
const FIN = 0x01;

function harness(opts: TcpReassemblyOptions = {}) {
  const chunks: TcpChunk[][] = [[], []];
  const ends: string[] = [];
  const r = new TcpReassembler(
    {
      chunk: (c) => chunks[c.dir].push({ ...c, data: c.data.slice() }),
      end: (_c, d, why) => ends.push(`${d}:${why}`),
    },
    opts,
  );
  const t = newTransport();
  t.proto = 6;
  t.src4 = 1;
  t.dst4 = 2;
  t.sport = 1000;
  t.dport = 80;
  const conn = (flow = 0): TcpConn => r.conn(flow, t, 1);
  let n = 0;
  const seg = (c: TcpConn, dir: 0 | 1, seq: number, flags: number, data: Uint8Array | string = '', ack = 0) => {
    const d = typeof data === 'string' ? new TextEncoder().encode(data) : data;
    r.segment(c, dir, seq >>> 0, ack >>> 0, flags, d, d.length, ++n, 1000, 0);
  };
  const bytes = (dir: 0 | 1) => Buffer.concat(chunks[dir].map((c) => c.data));
  return { r, chunks, ends, conn, seg, bytes };
}

test('in order, SYN and FIN consume a sequence number, wrap-around', () => {
  const h = harness();
  const c = h.conn();
  const isn = 0xfffffff8;
  h.seg(c, 0, isn, SYN);
  h.seg(c, 0, isn + 1, ACK, 'hello ');
  h.seg(c, 0, isn + 7, ACK, 'wrapped world');
  h.seg(c, 0, isn + 20, FIN | ACK);
  assert.equal(h.bytes(0).toString(), 'hello wrapped world');
  assert.deepEqual(
    h.chunks[0].map((x) => x.gap),
    [0, 0],
  );
  assert.deepEqual(h.ends, ['0:fin']);
});

test('mid-stream start: the first chunk says gap -1', () => {
  const h = harness();
  const c = h.conn();
  h.seg(c, 1, 5000, ACK, 'late');
  h.seg(c, 1, 5004, ACK, 'r');
  assert.deepEqual(
    h.chunks[1].map((x) => x.gap),
    [-1, 0],
  );
});

test('first data wins on overlaps; retransmissions add nothing', () => {
  const h = harness();
  const c = h.conn();
  h.seg(c, 0, 100, SYN);
  h.seg(c, 0, 106, ACK, 'BBBBBBBB'); // out of order: [105+1 .. )
  h.seg(c, 0, 101, ACK, 'aaaaaXXX'); // fills [101,109): 106..108 already buffered as B
  h.seg(c, 0, 101, ACK, 'zzzzz'); // retransmission with other bytes: ignored
  assert.equal(h.bytes(0).toString(), 'aaaaaBBBBBBBB');
  assert.ok(h.r.stats.duplicate >= 8);
});

test('a hole is given up when the peer acknowledges past it; strict mode stops there', () => {
  for (const strict of [false, true]) {
    const h = harness({ strict });
    const c = h.conn();
    h.seg(c, 0, 100, SYN);
    h.seg(c, 0, 101, ACK, 'abc');
    h.seg(c, 0, 110, ACK, 'xyz'); // 6 bytes missing before it
    assert.equal(h.bytes(0).toString(), 'abc');
    h.seg(c, 1, 900, ACK, '', 113); // the receiver got everything
    if (strict) assert.equal(h.bytes(0).toString(), 'abc');
    else {
      assert.equal(h.bytes(0).toString(), 'abcxyz');
      assert.equal(h.chunks[0][1].gap, 6);
    }
  }
});

test('FIN before the data in front of it waits; close flushes with gaps', () => {
  const h = harness();
  const c = h.conn();
  h.seg(c, 0, 0, SYN);
  h.seg(c, 0, 4, ACK | FIN, 'def');
  assert.deepEqual(h.ends, []);
  h.seg(c, 0, 1, ACK, 'abc');
  assert.equal(h.bytes(0).toString(), 'abcdef');
  assert.deepEqual(h.ends, ['0:fin']);
  const g = harness();
  const d = g.conn();
  g.seg(d, 0, 0, SYN);
  g.seg(d, 0, 10, ACK, 'tail');
  g.r.flush();
  assert.equal(g.bytes(0).toString(), 'tail');
  assert.equal(g.chunks[0][0].gap, 9);
  assert.deepEqual(g.ends, ['0:eof', '1:eof']);
});

test('property: any permutation, duplication and overlap of a stream’s segments reassembles to the original', () => {
  fc.assert(
    fc.property(
      fc.uint8Array({ minLength: 1, maxLength: 600 }),
      fc.integer({ min: 0, max: 0xffffffff }),
      fc.array(fc.tuple(fc.nat(), fc.nat()), { minLength: 1, maxLength: 40 }),
      fc.array(fc.nat(), { maxLength: 60 }),
      fc.boolean(),
      (data, isn, cuts, order, wrapNear) => {
        const base = wrapNear ? (0xffffffff - (isn % 300)) >>> 0 : isn;
        // A cover of [0, len): consecutive segments, plus random overlapping and duplicate ranges.
        const len = data.length;
        const segs: [number, number][] = [];
        for (let at = 0, i = 0; at < len; i++) {
          const step = 1 + ((cuts[i % cuts.length][0] + i) % 97);
          segs.push([at, Math.min(len, at + step)]);
          at += step;
        }
        for (const [a, b] of cuts) {
          const s = a % len;
          segs.push([s, Math.min(len, s + 1 + (b % 200))]);
        }
        // Permute.
        for (let i = segs.length - 1; i > 0; i--) {
          const j = (order[i % Math.max(1, order.length)] ?? i) % (i + 1);
          [segs[i], segs[j]] = [segs[j], segs[i]];
        }
        const h = harness();
        const c = h.conn();
        h.seg(c, 0, base, SYN);
        for (const [a, b] of segs) h.seg(c, 0, base + 1 + a, ACK, data.subarray(a, b));
        h.seg(c, 0, base + 1 + len, ACK | FIN);
        assert.deepEqual(new Uint8Array(h.bytes(0)), data);
        assert.ok(h.chunks[0].every((x) => x.gap === 0));
        assert.deepEqual(h.ends, ['0:fin']);
        assert.equal(h.r.stats.buffered, 0);
      },
    ),
    { numRuns: 300 },
  );
});

test('property: hostile input stays under the buffer caps', () => {
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.nat(50), fc.nat(), fc.nat(3000)), { minLength: 1, maxLength: 300 }), (segs) => {
      const opts = { maxStreamBuffer: 8 * 1024, maxBuffered: 32 * 1024 };
      const h = harness(opts);
      const conns = new Map<number, TcpConn>();
      for (const [flow, seq, size] of segs) {
        let c = conns.get(flow);
        if (c === undefined) {
          c = h.conn(flow);
          conns.set(flow, c);
          h.seg(c, 0, 0, SYN);
        }
        h.seg(c, 0, 2 + (seq % 1_000_000), ACK, new Uint8Array(size));
        assert.ok(h.r.stats.buffered <= opts.maxBuffered);
        for (const k of h.r.conns.values()) {
          assert.ok(k.half[0].pendingBytes <= opts.maxStreamBuffer);
        }
      }
    }),
    { numRuns: 100 },
  );
});

test('after-hole data covers what the oracle calls seq_covered, for every stream we reach', {
  skip: SKIP_NO_CORPUS,
}, (t) => {
  let ok = 0;
  let total = 0;
  const bad: string[] = [];
  for (const file of corpusFiles()) {
    const tab = oracleStreams(file);
    if (tab === undefined || tab.rows.length === 0) continue;
    const got = new Map<number, { n: [number, number]; node0: string; viaFragments: boolean }>();
    const run = new StreamRun({ registry: defaultRegistry, ipv4: true, ipv6: true });
    const r = new TcpReassembler({
      chunk(c: TcpChunk) {
        got.get(c.flow)!.n[c.dir] += c.data.length;
      },
      end(conn, dir) {
        got.get(conn.flow)!.n[dir] += conn.half[dir].cutBytes;
      },
    });
    run.walk.add({
      segment(v) {
        const c = r.conn(v.stream, v.t, v.frame.n);
        let g = got.get(v.stream);
        if (g === undefined) got.set(v.stream, (g = { n: [0, 0], node0: c.endpoint(0), viaFragments: false }));
        if (v.frame !== undefined && v.t.ip < 0) g.viaFragments = true; // from a reassembled datagram
        r.segment(c, c.dirOf(v.t), v.seq, v.ack, v.flags, v.data, v.claimed, v.frame.n, v.frame.tsSec, v.frame.tsNsec);
      },
    });
    try {
      for (const f of readFramesSync(corpusPath(file))) {
        run.defrag(f);
        run.flows(f);
      }
    } catch {
      // cut files: what was read counts
    }
    r.flush();
    const c = (n: string) => tab.col(n);
    for (const row of tab.rows) {
      const g = got.get(Number(row[c('tcp.stream')]));
      if (g === undefined || g.node0 !== row[c('node0')] || g.viaFragments) continue;
      for (const dir of [0, 1] as const) {
        total++;
        const want = Number(row[c(dir === 0 ? 'seq_covered_node0_to_node1' : 'seq_covered_node1_to_node0')]);
        if (g.n[dir] === want) ok++;
        else bad.push(`${file} stream ${row[c('tcp.stream')]} dir ${dir}: ours ${g.n[dir]} oracle ${want}`);
      }
    }
  }
  t.diagnostic(`seq_covered: ${ok}/${total} directions agree`);
  assert.deepEqual(bad, []);
  assert.ok(total >= 150);
});
