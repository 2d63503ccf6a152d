import assert from 'node:assert/strict';
import { test } from 'node:test';
import { analyse, build, ip, ip6, payload, writePcap } from '../../src/index.js';
import { ipv4, ipv6, raw, udp } from '../../src/protocols/index.js';
import { describe, framesOf, oracleAgreement, tsharkAgreement } from '../helpers/compare.js';
import { corpusPath, oraclePackets, SKIP_NO_CORPUS } from '../helpers/corpus.js';
import { fuzzLinktype } from '../helpers/mutate.js';
import { SKIP_NO_TSHARK } from '../helpers/tshark-capture.js';

const p4 = () =>
  build(
    raw.make(),
    ipv4.make({ src: ip('10.0.0.1'), dst: ip('10.0.0.2') }),
    udp.make({ srcport: 53, dstport: 53 }),
    payload('dns'),
  );
const p6 = () =>
  build(
    raw.make(),
    ipv6.make({ src: ip6('2001:db8::1'), dst: ip6('2001:db8::2') }),
    udp.make({ srcport: 53, dstport: 53 }),
    payload('dns'),
  );

test('raw: the version nibble picks IPv4 or IPv6, under LINKTYPE_RAW (101) and DLT_RAW (12)', () => {
  for (const lt of [101, 12]) {
    const a = analyse(p4(), { linktype: lt, checksums: true });
    assert.deepEqual(a.issues, []);
    assert.deepEqual(
      a.layers.map((l) => l.protocol),
      ['raw', 'ipv4', 'udp'],
    );
    assert.equal(a.layers[0].hdrEnd, 0); // a zero-length dispatcher: the octet belongs to IP
    const b = analyse(p6(), { linktype: lt, checksums: true });
    assert.deepEqual(
      b.layers.map((l) => l.protocol),
      ['raw', 'ipv6', 'udp'],
    );
  }
  const bad = p4();
  bad[0] = 0x55;
  const c = analyse(bad, { linktype: 101 });
  assert.deepEqual(c.issues, []);
  assert.deepEqual(
    c.layers.map((l) => l.protocol),
    ['raw'],
  );
  assert.equal(analyse(new Uint8Array(0), { linktype: 101 }).issues[0]?.code, 'raw.short');
});

test('raw against tshark on captures we wrote', { skip: SKIP_NO_TSHARK }, async () => {
  for (const lt of [101, 12]) {
    const a = await tsharkAgreement(writePcap([{ data: p4() }, { data: p6() }], { linktype: lt }), [
      'ip.src',
      'ipv6.src',
      'udp.srcport',
    ]);
    assert.equal(a.mismatches.length, 0, describe(a));
    assert.equal(a.fields.get('udp.srcport')?.[0], 2);
  }
});

test('raw oracle: every corpus capture with LINKTYPE_RAW / DLT_RAW', { skip: SKIP_NO_CORPUS }, async () => {
  for (const file of [
    'tcpdump__LINKTYPE_RAW_ipv4.pcap',
    'tcpdump__LINKTYPE_RAW_ipv6.pcap',
    'pcapplusplus__raw_ip.pcap',
    'pcapplusplus__four_ipv6_http_streams.pcap',
    'scapy__pfcp.pcap',
    'pcapplusplus__many_interfaces-1.pcapng',
  ]) {
    const a = await oracleAgreement(file, ['ip.src', 'ip.dst', 'ipv6.src', 'ipv6.dst', 'udp.srcport', 'tcp.srcport']);
    assert.equal(a.mismatches.length, 0, `${file}\n${describe(a)}`);
    // and every frame tshark calls raw has our raw layer first
    const t = oraclePackets(file);
    const frames = await framesOf(corpusPath(file));
    for (const [i, row] of t.rows
      .filter((r) => r[t.col('frame.interface_id')] !== '' || !file.endsWith('pcapng'))
      .entries()) {
      if (row[t.col('frame.protocols')].startsWith('raw:'))
        assert.equal(frames[i].layers[0]?.protocol, 'raw', `${file} ${i + 1}`);
    }
  }
});

test('fuzz: mutated raw IP frames', () => {
  fuzzLinktype(101, [p4(), p6()]);
  fuzzLinktype(12, [p4()]);
});
