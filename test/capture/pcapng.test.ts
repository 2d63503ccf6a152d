import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readCapture } from '../../src/capture/read.js';
import { splitTicks, ticksPerSecond } from '../../src/capture/ticks.js';
import { writePcapng } from '../../src/capture/write-pcap.js';
import { chunked, collect, collectWithError, frameData, records, udpPacket } from '../helpers/frames.js';
import { Ng } from '../helpers/pcapng.js';

test('pcapng: writer → reader round trip with comments, both byte orders, µs and ns', async () => {
  for (const byteOrder of ['little', 'big'] as const) {
    for (const resolution of ['us', 'ns'] as const) {
      const recs = records(12).map((r, i) => ({ ...r, comments: i % 3 === 0 ? [`frame ${i}`, 'second'] : undefined }));
      const frames = await collect(writePcapng(recs, { byteOrder, resolution }));
      assert.equal(frames.length, 12);
      for (const [i, f] of frames.entries()) {
        assert.deepEqual(frameData(f), recs[i].data);
        assert.equal(f.tsSec, recs[i].tsSec);
        assert.equal(f.tsNsec, resolution === 'ns' ? recs[i].tsNsec : Math.floor(recs[i].tsNsec! / 1000) * 1000);
        assert.deepEqual(f.comments, recs[i].comments);
      }
    }
  }
});

test('pcapng: if_tsresol powers of 10 and of 2, if_tsoffset, exact to the nanosecond', async () => {
  const ng = new Ng(true);
  const data = udpPacket(1);
  const file = ng.cat(
    ng.shb(),
    ng.idb(1, 0, ng.opt(9, Uint8Array.of(9)), ng.opt(14, ng.u64(100n))), // ns, +100 s
    ng.idb(1, 0, ng.opt(9, Uint8Array.of(0x80 | 20))), // 2^-20 s
    ng.idb(1, 0, ng.opt(9, Uint8Array.of(3))), // ms
    ng.epb(0, 1_700_000_000_123_456_789n, data),
    ng.epb(1, (1_700_000_000n << 20n) + 524288n, data), // + half a second
    ng.epb(2, 1_700_000_000_999n, data),
  );
  const f = await collect(file);
  assert.deepEqual(
    f.map((x) => [x.tsSec, x.tsNsec, x.iface]),
    [
      [1_700_000_100, 123_456_789, 0],
      [1_700_000_000, 500_000_000, 1],
      [1_700_000_000, 999_000_000, 2],
    ],
  );
});

test('pcapng: tick splitting is exact where floating point is not', () => {
  const t = { sec: 0, nsec: 0 };
  // 2^53 + 1 ns cannot be a double; the limb division must still be exact.
  const ticks = 2n ** 53n + 1n;
  splitTicks(Number(ticks >> 32n), Number(ticks & 0xffffffffn), 1e9, t);
  assert.equal(BigInt(t.sec) * 1_000_000_000n + BigInt(t.nsec), ticks);
  for (const e of [0, 3, 6, 9, 12, 15]) {
    const tps = ticksPerSecond(e);
    const T = 1_700_000_123n * BigInt(tps) + BigInt(tps) / 3n;
    splitTicks(Number(T >> 32n), Number(T & 0xffffffffn), tps, t);
    assert.equal(t.sec, 1_700_000_123, `10^-${e}`);
    assert.equal(BigInt(t.nsec), ((BigInt(tps) / 3n) * 1_000_000_000n) / BigInt(tps), `10^-${e}`);
  }
});

test('pcapng: several sections of different byte orders, SPB, obsolete PB, NRB, ISB, DSB, custom and unknown blocks', async () => {
  const le = new Ng(true);
  const be = new Ng(false);
  const d1 = udpPacket(1);
  const d2 = udpPacket(2);
  const nrbBody = le.cat(
    le.u16(1),
    le.u16(4 + 12),
    Uint8Array.of(10, 0, 0, 1),
    new TextEncoder().encode('host.example'),
    le.u16(0),
    le.u16(0),
  );
  const file = le.cat(
    le.shb(le.opt(1, 'first section'), le.opt(4, 'test')),
    le.idb(1, 96, le.opt(2, 'eth0'), le.opt(3, 'the first NIC'), le.opt(13, Uint8Array.of(0))),
    le.spb(d1, d1.length + 40), // snaplen 96 < data: captured length is the smaller
    le.block(4, nrbBody),
    le.block(0x0a, le.cat(le.u32(0x544c534b), le.u32(5), new TextEncoder().encode('CLIEN'), new Uint8Array(3))),
    le.block(0x0bad, le.cat(le.u32(32473), Uint8Array.of(1, 2, 3, 4))),
    le.block(0x12345, new Uint8Array(8)),
    le.pb(0, 7, 1_700_000_000_000_000n, d2, le.opt(1, 'old style')),
    le.block(5, le.cat(le.u32(0), le.u32(0), le.u32(0), le.opts(le.opt(4, le.u64(10n)), le.opt(5, le.u64(1n))))),
    be.shb(),
    be.idb(1, 0),
    be.epb(0, 1_700_000_001_000_000n, d2, d2.length, be.opt(1, 'big'), be.opt(2, be.u32(1)), be.opt(4, be.u64(3n))),
  );
  const reader = readCapture(file);
  const frames: import('../../src/core/frame.js').RawFrame[] = [];
  for await (const b of reader.batches()) frames.push(...b);
  const info = await reader.info;
  assert.equal(frames.length, 3);
  assert.equal(frames[0].hasTs, false);
  assert.equal(frames[0].end - frames[0].start, Math.min(96, d1.length));
  assert.equal(frames[0].origLen, d1.length + 40);
  assert.deepEqual(frames[1].comments, ['old style']);
  assert.equal(frames[1].opts?.dropcount, 7);
  assert.equal(frames[2].section, 1);
  assert.deepEqual(frames[2].comments, ['big']);
  assert.equal(frames[2].opts?.flags, 1);
  assert.equal(frames[2].opts?.dropcount, 3);
  assert.equal(frames[2].tsSec, 1_700_000_001);
  assert.equal(info.sections.length, 2);
  assert.equal(info.sections[0].byteOrder, 'little');
  assert.equal(info.sections[1].byteOrder, 'big');
  assert.deepEqual(info.sections[0].comments, ['first section']);
  assert.equal(info.sections[0].userappl, 'test');
  assert.equal(info.sections[0].interfaces[0].name, 'eth0');
  assert.equal(info.sections[0].interfaces[0].description, 'the first NIC');
  const kinds = info.blocks.map((b) => b.kind);
  assert.deepEqual(kinds, ['shb', 'idb', 'nrb', 'dsb', 'custom', 'unknown', 'isb', 'shb', 'idb']);
  const nrb = info.blocks.find((b) => b.kind === 'nrb')!;
  assert.deepEqual((nrb as { records: unknown }).records, [
    { type: 'ipv4', code: 1, address: '10.0.0.1', names: ['host.example'] },
  ]);
  const dsb = info.blocks.find((b) => b.kind === 'dsb') as { secretsName: string; data: Uint8Array };
  assert.equal(dsb.secretsName, 'TLS Key Log');
  assert.equal(new TextDecoder().decode(dsb.data), 'CLIEN');
  const isb = info.blocks.find((b) => b.kind === 'isb') as { stats: { ifrecv: number; ifdrop: number } };
  assert.deepEqual(isb.stats, { ifrecv: 10, ifdrop: 1 });
  // The same file split anywhere gives the same frames.
  for (const cuts of [[5], [28, 29, 30, 31], Array.from({ length: 40 }, (_, i) => i * 13 + 1)]) {
    const g = await collect(chunked(file, cuts));
    assert.deepEqual(
      g.map(frameData),
      frames.map((f) => f.bytes.u8.slice(f.start, f.end)),
    );
  }
});

test('pcapng: broken blocks are one-line errors after the good frames', async () => {
  const ng = new Ng(true);
  const d = udpPacket(1);
  const good = ng.cat(ng.shb(), ng.idb(1), ng.epb(0, 0n, d));
  // a packet block naming an interface that does not exist
  let r = await collectWithError(ng.cat(good, ng.epb(3, 0n, d)));
  assert.equal(r.frames.length, 1);
  assert.equal(r.error?.code, 'ERR_BAD_BLOCK');
  // a block length that is not a multiple of 4
  const bad = ng.epb(0, 0n, d);
  new DataView(bad.buffer).setUint32(4, 13, true);
  r = await collectWithError(ng.cat(good, bad));
  assert.equal(r.frames.length, 1);
  assert.equal(r.error?.code, 'ERR_BAD_BLOCK');
  // cut in the middle of a block
  r = await collectWithError(ng.cat(good, ng.epb(0, 0n, d)).subarray(0, good.length + 20));
  assert.equal(r.frames.length, 1);
  assert.equal(r.error?.code, 'ERR_TRUNCATED_FILE');
  // does not start with a section header
  r = await collectWithError(ng.cat(ng.idb(1), ng.epb(0, 0n, d)));
  assert.equal(r.error?.code, 'ERR_BAD_MAGIC');
});
