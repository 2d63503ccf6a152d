import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PcapWriter, writePcap } from '../../src/capture/write-pcap.js';
import { chunked, collect, collectWithError, frameData, records } from '../helpers/frames.js';

for (const byteOrder of ['little', 'big'] as const) {
  for (const nanosecond of [false, true]) {
    test(`pcap: ${byteOrder}-endian ${nanosecond ? 'ns' : 'µs'} reads every record exactly`, async () => {
      const recs = records(50);
      const file = writePcap(recs, { byteOrder, nanosecond, linktype: 1 });
      const frames = await collect(file);
      assert.equal(frames.length, 50);
      for (const [i, f] of frames.entries()) {
        assert.equal(f.n, i + 1);
        assert.deepEqual(frameData(f), recs[i].data);
        assert.equal(f.tsSec, recs[i].tsSec);
        assert.equal(f.tsNsec, nanosecond ? recs[i].tsNsec : Math.floor(recs[i].tsNsec! / 1000) * 1000);
        assert.equal(f.linktype, 1);
        assert.equal(f.origLen, recs[i].data.length);
        assert.deepEqual(
          f.layers.map((l) => l.protocol),
          ['ethernet', 'ipv4', 'udp'],
        );
      }
    });
  }
}

test('pcap: Kuznetzov "modified" magic with 24-byte record headers', async () => {
  const rec = records(3);
  // Build a modified file by hand: header with magic a1b2cd34, records with 8 extra bytes.
  const std = new PcapWriter({ byteOrder: 'little' });
  const h = std.header();
  new DataView(h.buffer).setUint32(0, 0xa1b2cd34, true);
  const parts: Uint8Array[] = [h];
  for (const r of rec) {
    const hdr = new Uint8Array(24);
    const dv = new DataView(hdr.buffer);
    dv.setUint32(0, r.tsSec!, true);
    dv.setUint32(4, 5, true);
    dv.setUint32(8, r.data.length, true);
    dv.setUint32(12, r.data.length, true);
    dv.setUint32(16, 2, true); // ifindex
    parts.push(hdr, r.data);
  }
  const file = Buffer.concat(parts);
  const frames = await collect(new Uint8Array(file));
  assert.equal(frames.length, 3);
  assert.deepEqual(frameData(frames[2]), rec[2].data);
  assert.equal(frames[0].tsNsec, 5000);
});

test('pcap: FCS bits in the link-type field trim the FCS before dissection', async () => {
  const recs = records(2).map((r) => ({ ...r, data: new Uint8Array([...r.data, 0xde, 0xad, 0xbe, 0xef]) }));
  const frames = await collect(writePcap(recs, { fcsLen: 4 }));
  assert.equal(frames[0].fcsLen, 4);
  assert.deepEqual(frames[0].issues, []);
  assert.equal(frames[0].end - frames[0].start, recs[0].data.length);
});

test('pcap: a record cut at EOF keeps every complete frame and reports the truncation', async () => {
  const file = writePcap(records(10));
  const cut = file.subarray(0, file.length - 5);
  const { frames, error } = await collectWithError(cut);
  assert.equal(frames.length, 9);
  assert.equal(error?.code, 'ERR_TRUNCATED_FILE');
  assert.match(error!.message, /record 10/);
});

test('pcap: an absurd captured length is a broken file, never an allocation', async () => {
  const file = writePcap(records(3));
  const dv = new DataView(file.buffer, file.byteOffset);
  const second = 24 + 16 + records(1)[0].data.length;
  dv.setUint32(second + 8, 0x7fffffff, true);
  const { frames, error } = await collectWithError(file);
  assert.equal(frames.length, 1);
  assert.equal(error?.code, 'ERR_BAD_RECORD');
});

test('pcap: bad magic, empty input and a header cut short are one-line errors', async () => {
  let r = await collectWithError(new TextEncoder().encode('GET / HTTP/1.1\r\n\r\n'));
  assert.equal(r.error?.code, 'ERR_BAD_MAGIC');
  r = await collectWithError(new Uint8Array(0));
  assert.equal(r.error?.code, 'ERR_BAD_MAGIC');
  r = await collectWithError(writePcap([]).subarray(0, 10));
  assert.equal(r.error?.code, 'ERR_TRUNCATED_FILE');
  r = await collectWithError(writePcap([]));
  assert.equal(r.error, undefined);
  assert.equal(r.frames.length, 0);
});

test('pcap: any split of the input into chunks yields the same frames', async () => {
  const file = writePcap(records(20));
  const whole = (await collect(file)).map(frameData);
  for (const cuts of [[1], [23, 24, 25], [40, 41], Array.from({ length: 60 }, (_, i) => i * 17 + 3)]) {
    const got = (await collect(chunked(file, cuts))).map(frameData);
    assert.deepEqual(got, whole);
  }
});
