import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { fieldValues } from '../../src/api/fields.js';
import { analyse, build, defaultRegistry, find, ip, mac, payload, writePcap, writePcapng } from '../../src/index.js';
import { crc32, withFcs } from '../../src/protocols/ethernet.js';
import { ethernet, ipv4, udp } from '../../src/protocols/index.js';
import { framesOf, oracleAgreement, tsharkAgreement } from '../helpers/compare.js';
import { SKIP_NO_CORPUS } from '../helpers/corpus.js';
import { SKIP_NO_TSHARK, tsharkFields } from '../helpers/tshark-capture.js';

const frame = (body = 'x'.repeat(40)) =>
  build(
    ethernet.make({ src: mac('02:00:00:00:00:01'), dst: mac('02:00:00:00:00:02') }),
    ipv4.make({ src: ip('10.0.0.1'), dst: ip('10.0.0.2') }),
    udp.make({ srcport: 1234, dstport: 5678 }),
    payload(body),
  );

test('crc32: IEEE 802.3 check value ("123456789" → 0xCBF43926)', () => {
  const t = new TextEncoder().encode('123456789');
  assert.equal(crc32(t, 0, t.length), 0xcbf43926);
});

test('eth.fcs: pcap FCS bits — the FCS is trimmed before IP and shown as eth.fcs', async () => {
  const f1 = withFcs(frame());
  const f2 = withFcs(frame('y'));
  const cap = writePcap([{ data: f1 }, { data: f2 }], { fcsLen: 4 });
  const frames = await framesOf(cap);
  assert.equal(frames.length, 2);
  for (const [i, fr] of frames.entries()) {
    assert.equal(fr.fcsLen, 4);
    assert.deepEqual(fr.issues, []);
    const data = i === 0 ? f1 : f2;
    const want = new DataView(data.buffer).getUint32(data.length - 4);
    assert.deepEqual(fieldValues(fr, 'eth.fcs', defaultRegistry), [`0x${want.toString(16).padStart(8, '0')}`]);
    assert.equal(find(fr, 'udp')?.end, fr.end - 4);
  }
});

test('eth.fcs: pcapng if_fcslen, and a bad FCS is reported when checksums are verified', async () => {
  const good = withFcs(frame());
  const bad = withFcs(frame());
  bad[bad.length - 1] ^= 0xff;
  const cap = writePcapng([{ data: good }, { data: bad }], { fcsLen: 4 });
  const { readFrames } = await import('../../src/index.js');
  const out = [];
  for await (const b of readFrames(cap, { checksums: true }).batches()) out.push(...b);
  assert.deepEqual(
    out.map((f) => f.issues.map((i) => i.code)),
    [[], ['ethernet.bad_checksum']],
  );
  assert.equal(fieldValues(out[1], 'eth.fcs', defaultRegistry).length, 1);
});

test('eth.fcs: a snaplen cut loses the FCS first — nothing is trimmed from the captured bytes', () => {
  const f = withFcs(frame('z'.repeat(100)));
  const cut = f.subarray(0, 60);
  const fr = analyse(cut);
  // analyse() makes origLen = captured length; emulate a cut record through the reader instead.
  assert.ok(fr);
  const cap = writePcap([{ data: cut, origLen: f.length }], { fcsLen: 4 });
  return framesOf(cap).then(([r]) => {
    assert.equal(fieldValues(r, 'eth.fcs', defaultRegistry).length, 0);
    assert.equal(find(r, 'udp')?.end, r.end); // all 60 octets are packet, none FCS
  });
});

test('eth.fcs: no FCS announced — only a trailer whose last 4 octets are the CRC counts', async () => {
  const real = withFcs(frame()); // IP ends 4 octets before the frame: a trailer that is a valid FCS
  const junk = new Uint8Array(real.length);
  junk.set(real);
  junk.set([0x61, 0x62, 0x63, 0x64], real.length - 4); // Wireshark would call "abcd" an FCS
  const frames = await framesOf(writePcap([{ data: real }, { data: junk }, { data: frame() }]));
  assert.equal(fieldValues(frames[0], 'eth.fcs', defaultRegistry).length, 1);
  assert.deepEqual(fieldValues(frames[1], 'eth.fcs', defaultRegistry), []);
  assert.deepEqual(fieldValues(frames[2], 'eth.fcs', defaultRegistry), []);
});

test('eth.fcs against tshark: pcap FCS bits and pcapng if_fcslen', { skip: SKIP_NO_TSHARK }, async () => {
  const frames = [withFcs(frame()), withFcs(frame('a')), withFcs(frame('b'.repeat(200)))];
  for (const cap of [
    writePcap(
      frames.map((data) => ({ data })),
      { fcsLen: 4 },
    ),
    writePcapng(
      frames.map((data) => ({ data })),
      { fcsLen: 4 },
    ),
  ]) {
    const a = await tsharkAgreement(cap, ['eth.fcs', 'eth.type', 'ip.len', 'udp.length']);
    assert.equal(a.mismatches.length, 0, JSON.stringify(a.mismatches));
    assert.equal(a.fields.get('eth.fcs')?.[0], 3);
  }
});

test('802.3 length frames: eth.len instead of eth.type; 1501–1535 is invalid_lentype', () => {
  const f = build(ethernet.make({ dst: mac('01:80:c2:00:00:00') }), payload(Uint8Array.of(0x42, 0x42, 0x03, 0, 0)));
  assert.equal(find(analyse(f), 'ethernet')?.fields.type, 5);
  const fr = analyse(f);
  assert.deepEqual(fieldValues(fr, 'eth.type', defaultRegistry), []);
  assert.deepEqual(fieldValues(fr, 'eth.len', defaultRegistry), ['5']);
  const g = build(ethernet.make({ type: 1520 }), payload('abcd'));
  const gr = analyse(g);
  assert.deepEqual(fieldValues(gr, 'eth.invalid_lentype', defaultRegistry), ['1520']);
  assert.equal(gr.layers.length, 1);
  assert.deepEqual(gr.issues, []);
});

test('eth.* oracle: 802.3 frames carry no eth.type (tcpdump ipx, MSTP BPDUs)', { skip: SKIP_NO_CORPUS }, async () => {
  for (const file of [
    'tcpdump__ipx.pcap',
    'tcpdump__MSTP_Intra-Region_BPDUs.pcap',
    'pcapng-decoder__name_resolution_test.pcapng',
  ]) {
    const a = await oracleAgreement(file, ['eth.src', 'eth.dst', 'eth.type']);
    assert.equal(a.mismatches.length, 0, `${file}: ${JSON.stringify(a.mismatches.slice(0, 3))}`);
  }
});

test('eth.fcs on corpus files where tshark guesses an FCS: we agree wherever the CRC holds', {
  skip: SKIP_NO_CORPUS || SKIP_NO_TSHARK,
}, async () => {
  const { corpusPath } = await import('../helpers/corpus.js');
  const { readFileSync } = await import('node:fs');
  let agree = 0;
  let tsharkOnly = 0;
  for (const file of [
    'tcpdump__OSPFv2_Capture_FINAL.pcapng',
    'scapy__netflowv9.pcap',
    'zeek__tcp_options.pcap',
    'tcpdump__dhcp-rfc4388.pcap',
  ]) {
    const cap = new Uint8Array(readFileSync(corpusPath(file)));
    const rows = tsharkFields(cap, ['eth.fcs', 'eth.fcs.status'], ['-o', 'eth.check_fcs:TRUE']);
    const frames = await framesOf(cap);
    for (const [i, [fcs, status]] of rows.entries()) {
      const ours = fieldValues(frames[i], 'eth.fcs', defaultRegistry).join(',');
      if (fcs === '') assert.equal(ours, '', `${file} ${i + 1}`);
      else if (status === '1') {
        assert.equal(ours, fcs, `${file} frame ${i + 1}`);
        agree++;
      } else {
        assert.equal(ours, '', `${file} frame ${i + 1}: tshark's guess fails the CRC`);
        tsharkOnly++;
      }
    }
  }
  assert.ok(agree >= 30 && tsharkOnly >= 10, `${agree} ${tsharkOnly}`);
});

test('fuzz: random Ethernet frames with and without FCS never throw', async () => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 0, maxLength: 200 }), fc.boolean(), (data, fcs) => {
      const fr = analyse(data, { checksums: true });
      assert.ok(fr.issues.every((i) => i.kind !== 'bug'));
      const f = find(fr, 'ethernet');
      if (f) {
        fieldValues(fr, 'eth.fcs', defaultRegistry);
        fieldValues(fr, 'eth.type', defaultRegistry);
      }
      if (fcs && data.length >= 18) {
        const with4 = withFcs(data);
        assert.ok(analyse(with4).issues.every((i) => i.kind !== 'bug'));
      }
    }),
    { numRuns: 500 },
  );
});
