import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  analyse,
  build,
  createDissector,
  defaultRegistry,
  type Frame,
  find,
  ip,
  ip6,
  readFramesSync,
} from '../../src/index.js';
import { ethernet, ipv4, ipv6 } from '../../src/protocols/index.js';
import { type Datagram, IpDefragmenter } from '../../src/stages/ip-defrag.js';
import { corpusPath, SKIP_NO_CORPUS } from '../helpers/corpus.js';
import { SKIP_NO_TSHARK, tshark } from './helpers.js';

const dissect = createDissector({ registry: defaultRegistry });
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

function defrag(file: string): Datagram[] {
  const v4 = new IpDefragmenter(4, defaultRegistry, dissect);
  const v6 = new IpDefragmenter(6, defaultRegistry, dissect);
  const out: Datagram[] = [];
  for (const f of readFramesSync(corpusPath(file))) out.push(...v4.push(f), ...v6.push(f));
  return out;
}

/** What tshark 4.0 shows with defragmentation on (checked with tshark here; see the next test). */
const EXPECTED: Record<string, [frame: number, length: number, top: string][]> = {
  'zeek__ipv4_fragmented-1.pcap': [[3, 164, 'udp']],
  'zeek__ipv4_fragmented-syn.pcap': [[2, 40, 'tcp']],
  'pcapplusplus__ip4_fragments.pcap': [6, 12, 18, 28, 40, 53].map((n) => [n, 8320, 'udp']),
  'pcapplusplus__ip6_fragments.pcap': [
    [7, 741, 'udp'],
    [20, 1452, 'udp'],
    [29, 1003, 'udp'],
    [36, 786, 'udp'],
  ],
  'pcapplusplus__frag_http_req.pcap': [[11, 1480, 'tcp']],
  'zeek__ipv6-fragmented-dns.pcap': [[8, 3238, 'udp']],
  'pcapplusplus__ipv6_opt_fragments.pcap': [[4, 5387, 'udp']],
};

test('fragmented corpus captures reassemble to the datagrams tshark shows', { skip: SKIP_NO_CORPUS }, () => {
  for (const [file, want] of Object.entries(EXPECTED)) {
    const got = defrag(file)
      .filter((d) => d.complete)
      .map((d) => [d.frame, d.length, d.packet?.layers[0]?.protocol ?? '']);
    assert.deepEqual(got, want, file);
  }
});

test('reassembled payload bytes equal tshark’s ip/ipv6.reassembled.data', {
  skip: SKIP_NO_TSHARK || SKIP_NO_CORPUS,
}, () => {
  for (const file of Object.keys(EXPECTED)) {
    const lines = tshark([
      '-r',
      corpusPath(file),
      '-Y',
      'ip.reassembled.length || ipv6.reassembled.length',
      '-T',
      'fields',
      '-e',
      'frame.number',
      '-e',
      'ip.reassembled.data',
      '-e',
      'ipv6.reassembled.data',
    ])
      .trim()
      .split('\n');
    const want = new Map(lines.map((l) => l.split('\t')).map(([n, a, b]) => [Number(n), a || b]));
    for (const d of defrag(file).filter((x) => x.complete)) {
      if (file === 'zeek__ipv4_fragmented-1.pcap') {
        // Conflicting overlap: we keep the first bytes to arrive (frame 2's), tshark keeps the
        // offset-0 fragment of frame 3 over frame 2 where they overlap (its fragments are merged in
        // offset order). Outside the overlap the bytes agree.
        assert.equal(hex(d.payload).slice(0, 36), want.get(d.frame)!.slice(0, 36));
        assert.ok(d.notes.includes('ip.defrag_overlap_conflict'));
        continue;
      }
      assert.equal(hex(d.payload), want.get(d.frame), `${file} frame ${d.frame}`);
    }
  }
});

function v4Fragments(payload: Uint8Array, cuts: number[], id: number, proto = 17): Uint8Array[] {
  const bounds = [0, ...cuts, payload.length];
  const out: Uint8Array[] = [];
  for (let i = 0; i + 1 < bounds.length; i++) {
    const a = bounds[i];
    const b = bounds[i + 1];
    out.push(
      build(
        ethernet.make(),
        ipv4.make({
          src: ip('192.0.2.1'),
          dst: ip('192.0.2.2'),
          id,
          proto,
          mf: b < payload.length ? 1 : 0,
          fragOffset: a / 8,
        }),
        payload.subarray(a, b),
      ),
    );
  }
  return out;
}

function v6Fragments(payload: Uint8Array, cuts: number[], id: number): Uint8Array[] {
  const bounds = [0, ...cuts, payload.length];
  const out: Uint8Array[] = [];
  for (let i = 0; i + 1 < bounds.length; i++) {
    const a = bounds[i];
    const b = bounds[i + 1];
    const fh = new Uint8Array(8);
    const dv = new DataView(fh.buffer);
    fh[0] = 17;
    dv.setUint16(2, ((a / 8) << 3) | (b < payload.length ? 1 : 0));
    dv.setUint32(4, id);
    out.push(
      build(
        ethernet.make(),
        ipv6.make({ src: ip6('2001:db8::1'), dst: ip6('2001:db8::2'), nxt: 44 }),
        fh,
        payload.subarray(a, b),
      ),
    );
  }
  return out;
}

const frameOf = (p: Uint8Array, n: number, sec = 100): Frame => ({ ...analyse(p), n, tsSec: sec, tsNsec: 0 });

/** A UDP datagram (header + data) as an IP payload, a multiple of 8 long plus a tail. */
const udpPayload = (data: Uint8Array) => {
  const u = new Uint8Array(8 + data.length);
  const dv = new DataView(u.buffer);
  dv.setUint16(0, 5000);
  dv.setUint16(2, 53);
  dv.setUint16(4, u.length);
  u.set(data, 8);
  return u;
};

test('property: any permutation (with duplicates) of fragments reassembles the original datagram, IPv4 and IPv6', () => {
  fc.assert(
    fc.property(
      fc.uint8Array({ minLength: 1, maxLength: 3000 }),
      fc.array(fc.nat(400), { maxLength: 12 }),
      fc.array(fc.nat(), { maxLength: 30 }),
      fc.boolean(),
      fc.nat(0xffff),
      (data, rawCuts, order, v6, id) => {
        const payload = udpPayload(data);
        const cuts = [
          ...new Set([8, ...rawCuts.map((c) => Math.floor(((c * 8) % payload.length) / 8) * 8)].filter((c) => c > 0)),
        ].sort((a, b) => a - b);
        const pk = v6 ? v6Fragments(payload, cuts, id) : v4Fragments(payload, cuts, id);
        const idx = pk.map((_, i) => i);
        for (const o of order) idx.push(o % pk.length); // duplicates
        for (let i = idx.length - 1; i > 0; i--) {
          const j = (order[i % Math.max(1, order.length)] ?? i) % (i + 1);
          [idx[i], idx[j]] = [idx[j], idx[i]];
        }
        const d = new IpDefragmenter(v6 ? 6 : 4, defaultRegistry, dissect);
        const got: Datagram[] = [];
        for (const [n, k] of idx.entries()) got.push(...d.push(frameOf(pk[k], n + 1)));
        got.push(...d.flush());
        const complete = got.filter((x) => x.complete);
        assert.equal(complete.length, 1);
        assert.deepEqual(complete[0].payload, payload);
        assert.deepEqual(complete[0].holes, []);
        assert.equal(complete[0].packet?.layers[0]?.protocol, 'udp');
        assert.equal(complete[0].key.id, id);
        assert.equal(d.stats.bufferedBytes, 0);
      },
    ),
    { numRuns: 200 },
  );
});

test('a lost fragment: non-strict submits the datagram with its hole at the end, strict drops it', () => {
  const payload = udpPayload(new Uint8Array(100).fill(7));
  const pk = v4Fragments(payload, [32, 64], 9);
  for (const strict of [false, true]) {
    const d = new IpDefragmenter(4, defaultRegistry, dissect, { strict });
    assert.deepEqual(d.push(frameOf(pk[0], 1)), []);
    assert.deepEqual(d.push(frameOf(pk[2], 2)), []);
    const out = d.flush();
    if (strict) {
      assert.equal(out.length, 0);
      assert.equal(d.stats.dropped, 1);
    } else {
      assert.equal(out.length, 1);
      assert.equal(out[0].complete, false);
      assert.deepEqual(out[0].holes, [[32, 64]]);
      assert.equal(out[0].length, payload.length);
      assert.deepEqual(out[0].frames, [1, 2]);
    }
  }
});

test('timeout runs on capture time: 15 s for IPv4', () => {
  const pk = v4Fragments(udpPayload(new Uint8Array(40)), [16], 3);
  const d = new IpDefragmenter(4, defaultRegistry, dissect);
  d.push(frameOf(pk[0], 1, 100));
  const late = d.push(frameOf(pk[1], 2, 116)); // 16 s later: the first is given up, the second starts anew
  assert.equal(late.length, 1);
  assert.equal(late[0].complete, false);
  assert.ok(late[0].notes.includes('ip.defrag_timeout'));
});

test('the key is (src, dst, proto, id): a different protocol with the same id is another datagram', () => {
  const p = udpPayload(new Uint8Array(40));
  const a = v4Fragments(p, [16], 5, 17);
  const b = v4Fragments(p, [16], 5, 6);
  const d = new IpDefragmenter(4, defaultRegistry, dissect);
  const out = [a[0], b[1], b[0], a[1]].flatMap((x, i) => [...d.push(frameOf(x, i + 1))]);
  assert.deepEqual(
    out.map((x) => [x.key.proto, x.frames]),
    [
      [6, [2, 3]],
      [17, [1, 4]],
    ],
  );
});

test('property: hostile fragments stay under the caps', () => {
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.nat(0xffff), fc.nat(8000)), { minLength: 1, maxLength: 400 }), (list) => {
      const opts = { maxBytes: 64 * 1024, maxDatagrams: 50 };
      const d = new IpDefragmenter(4, defaultRegistry, dissect, opts);
      list.forEach(([id, off], i) => {
        const pk = build(
          ethernet.make(),
          ipv4.make({ src: ip('198.51.100.1'), dst: ip('198.51.100.2'), id, proto: 17, mf: 1, fragOffset: off }),
          new Uint8Array(64),
        );
        d.push(frameOf(pk, i + 1));
        assert.ok(d.stats.inProgress <= opts.maxDatagrams);
        assert.ok(d.stats.bufferedBytes <= opts.maxBytes + 65_543);
      });
    }),
    { numRuns: 50 },
  );
});

test('a non-fragment is left alone (PyPCAPKit made every DF-clear packet a datagram)', () => {
  const d = new IpDefragmenter(4, defaultRegistry, dissect);
  const pk = build(
    ethernet.make(),
    ipv4.make({ src: ip('10.0.0.1'), dst: ip('10.0.0.2'), df: 0, proto: 17 }),
    udpPayload(new Uint8Array(4)),
  );
  assert.deepEqual(d.push(frameOf(pk, 1)), []);
  assert.deepEqual(d.flush(), []);
  assert.equal(find(frameOf(pk, 1), 'ipv4')?.fields.mf, 0);
});
