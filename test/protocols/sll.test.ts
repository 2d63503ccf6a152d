import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fieldValues } from '../../src/api/fields.js';
import {
  analyse,
  build,
  defaultRegistry,
  find,
  ip,
  ip6,
  mac,
  payload,
  writePcap,
  writePcapng,
} from '../../src/index.js';
import { arp, ipv4, ipv6, llc, sll, sll2, udp } from '../../src/protocols/index.js';
import { describe, oracleAgreement, tsharkAgreement } from '../helpers/compare.js';
import { SKIP_NO_CORPUS } from '../helpers/corpus.js';
import { fuzzLinktype } from '../helpers/mutate.js';
import { SKIP_NO_TSHARK } from '../helpers/tshark-capture.js';

const ip4 = () => ipv4.make({ src: ip('192.0.2.1'), dst: ip('192.0.2.2') });

test('sll: build → analyse with an Ethernet source address; protocol from the inner bind', () => {
  const bytes = build(
    sll.make({ pkttype: 4, hatype: 1, srcEth: mac('8e:36:06:44:ac:af') }),
    ip4(),
    udp.make({ srcport: 53, dstport: 5353 }),
    payload('q'),
  );
  const f = analyse(bytes, { linktype: 113, checksums: true });
  assert.deepEqual(f.issues, []);
  const l = find(f, 'sll')!;
  assert.equal(l.fields.pkttype, 4);
  assert.equal(l.fields.halen, 6);
  assert.equal(l.fields.etype, 0x0800);
  assert.equal(l.fields.ltype, undefined);
  assert.deepEqual(fieldValues(f, 'sll.src.eth', defaultRegistry), ['8e:36:06:44:ac:af']);
  assert.deepEqual(fieldValues(f, 'sll.unused', defaultRegistry), ['0000']);
  assert.equal(find(f, 'udp')?.fields.dstport, 5353);
});

test('sll2: build → analyse; interface index and the one-octet type/length fields', () => {
  const bytes = build(sll2.make({ ifindex: 26, hatype: 772, pkttype: 0, srcEth: 0 }), arp.make({ opcode: 3 }));
  const f = analyse(bytes, { linktype: 276 });
  assert.deepEqual(f.issues, []);
  const l = find(f, 'sll2')!;
  assert.deepEqual(
    [l.fields.ifindex, l.fields.hatype, l.fields.pkttype, l.fields.halen, l.fields.etype],
    [26, 772, 0, 6, 0x0806],
  );
  assert.equal(find(f, 'arp')?.fields.opcode, 3);
});

test('sll: Linux protocol types (≤ 1536) and GRE protocol types', () => {
  const toLlc = analyse(build(sll.make({ ltype: 4 }), llc.make({ dsap: 0x42, ssap: 0x42 }), payload('bpdu')), {
    linktype: 113,
  });
  assert.deepEqual(
    toLlc.layers.map((l) => l.protocol),
    ['sll', 'llc'],
  );
  assert.deepEqual(fieldValues(toLlc, 'sll.ltype', defaultRegistry), ['0x0004']);
  assert.deepEqual(fieldValues(toLlc, 'sll.etype', defaultRegistry), []);
  // ARPHRD_IPGRE: the protocol word is a GRE protocol type (as in tcpdump's babel.pcap)
  const gre = analyse(
    build(
      sll.make({ hatype: 778, gretype: 0x86dd }),
      ipv6.make({ src: ip6('fe80::1'), dst: ip6('ff02::1:6') }),
      udp.make({}),
    ),
    { linktype: 113 },
  );
  assert.deepEqual(fieldValues(gre, 'sll.gretype', defaultRegistry), ['0x86dd']);
  assert.equal(gre.layers[1].protocol, 'ipv6');
  // 1536 itself is still a Linux type ("yes, 1536 - that's how Linux does it")
  assert.equal(
    find(analyse(build(sll.make({ ltype: 1536 }), payload('x')), { linktype: 113 }), 'sll')?.fields.ltype,
    1536,
  );
});

test('sll/sll2 against tshark on captures we wrote', { skip: SKIP_NO_TSHARK }, async () => {
  const names = [
    'sll.pkttype',
    'sll.hatype',
    'sll.halen',
    'sll.src.eth',
    'sll.src.ipv4',
    'sll.src.other',
    'sll.unused',
    'sll.etype',
    'sll.ltype',
    'sll.gretype',
    'sll.ifindex',
    'ip.src',
    'ipv6.dst',
    'llc.dsap',
  ];
  const v1 = [
    build(sll.make({ pkttype: 1, hatype: 1, srcEth: mac('30:46:9a:23:fb:fa') }), ip4(), udp.make({}), payload('a')),
    build(sll.make({ pkttype: 3, hatype: 768, srcIpv4: ip('10.9.8.7') }), ip4(), udp.make({})),
    build(
      sll.make({ pkttype: 0, hatype: 778, gretype: 0x86dd }),
      ipv6.make({ src: ip6('fe80::1'), dst: ip6('ff02::1:6') }),
      udp.make({}),
    ),
    build(
      sll.make({ pkttype: 4, hatype: 1, halen: 3, ltype: 4 }),
      llc.make({ dsap: 0x42, ssap: 0x42 }),
      payload('bpdu'),
    ),
    build(sll.make({ pkttype: 2, hatype: 1, halen: 8, etype: 0x0800 }), ip4(), udp.make({})),
  ];
  const a1 = await tsharkAgreement(
    writePcap(
      v1.map((data) => ({ data })),
      { linktype: 113 },
    ),
    names,
  );
  assert.equal(a1.mismatches.length, 0, describe(a1));
  const v2 = [
    build(sll2.make({ ifindex: 1, hatype: 772, pkttype: 0, srcEth: 0 }), ip4(), udp.make({})),
    build(sll2.make({ ifindex: 7, hatype: 1, pkttype: 4, srcEth: mac('02:00:00:00:00:09') }), arp.make({ opcode: 1 })),
  ];
  const a2 = await tsharkAgreement(writePcapng(v2.map((data) => ({ data, linktype: 276 }))), names);
  assert.equal(a2.mismatches.length, 0, describe(a2));
});

test('sll oracle: every corpus capture with LINKTYPE_LINUX_SLL / SLL2', { skip: SKIP_NO_CORPUS }, async () => {
  const files = [
    'pcapplusplus__sll.pcap',
    'pcapplusplus__sll2.pcap',
    'pcapplusplus__Sll2Packet.pcap',
    'pcapplusplus__pcapng-example.pcapng',
    'zeek__linux_dlt_sll2.pcap',
    'zeek__linuxsll-arp.pcap',
    'tcpdump__babel.pcap',
    'tcpdump__mptcp-v1.pcap',
    'tcpdump__tcp-handshake-nano.pcap',
    'tcpdump__timestamp_invalid_nano.pcap',
  ];
  let n = 0;
  for (const file of files) {
    const a = await oracleAgreement(file, [
      'sll.pkttype',
      'sll.etype',
      'arp.opcode',
      'arp.src.proto_ipv4',
      'arp.dst.proto_ipv4',
      'ip.src',
      'ipv6.src',
    ]);
    assert.equal(a.mismatches.length, 0, `${file}\n${describe(a)}`);
    n += a.fields.get('sll.pkttype')?.[0] ?? 0;
  }
  assert.ok(n >= 690, String(n));
});

test('fuzz: mutated SLL and SLL2 frames', () => {
  const s1 = build(sll.make({ srcEth: 1 }), ip4(), udp.make({}), payload('x'));
  const s2 = build(sll2.make({ srcEth: 1 }), arp.make({}));
  fuzzLinktype(113, [s1, build(sll.make({ ltype: 4 }), llc.make({}))]);
  fuzzLinktype(276, [s2]);
});
