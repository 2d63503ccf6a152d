import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fieldValues } from '../../src/api/fields.js';
import { analyse, build, defaultRegistry, find, findAll, ip, mac, payload, writePcap } from '../../src/index.js';
import { arp, ethernet, ieee8021ad, ipv4, llc, udp, vlan } from '../../src/protocols/index.js';
import { describe, oracleAgreement, tsharkAgreement } from '../helpers/compare.js';
import { SKIP_NO_CORPUS } from '../helpers/corpus.js';
import { fuzzLinktype } from '../helpers/mutate.js';
import { SKIP_NO_TSHARK } from '../helpers/tshark-capture.js';

const eth = () => ethernet.make({ src: mac('02:00:00:00:00:01'), dst: mac('02:00:00:00:00:02') });
const ip4 = () => ipv4.make({ src: ip('10.0.0.1'), dst: ip('10.0.0.2') });

test('vlan: build → analyse, QinQ stack, PCP and DEI independent (PyPCAPKit derived DEI from PCP)', () => {
  const bytes = build(
    eth(),
    vlan.make({ priority: 7, dei: 0, id: 30 }),
    vlan.make({ priority: 0, dei: 1, id: 4094 }),
    ip4(),
    udp.make({ srcport: 1, dstport: 2 }),
    payload('hi'),
  );
  const f = analyse(bytes, { checksums: true });
  assert.deepEqual(f.issues, []);
  assert.deepEqual(
    f.layers.map((l) => l.protocol),
    ['ethernet', 'vlan', 'vlan', 'ipv4', 'udp'],
  );
  const [outer, inner] = findAll(f, 'vlan');
  assert.equal(find(f, 'ethernet')?.fields.type, 0x8100);
  assert.deepEqual(outer.fields, { priority: 7, dei: 0, id: 30, etype: 0x8100 });
  assert.deepEqual(inner.fields, { priority: 0, dei: 1, id: 4094, etype: 0x0800 });
  assert.deepEqual(fieldValues(f, 'vlan.id', defaultRegistry), ['30', '4094']);
  assert.deepEqual(fieldValues(f, 'vlan.etype', defaultRegistry), ['0x8100', '0x0800']);
  assert.deepEqual(fieldValues(f, 'eth.type', defaultRegistry), ['0x8100']);
});

test('ieee8021ad: S-tag then C-tag (0x88a8 → 0x8100) and the old 0x9100 tag', () => {
  const f = analyse(
    build(eth(), ieee8021ad.make({ id: 200, priority: 3 }), vlan.make({ id: 2001 }), arp.make({ opcode: 1 })),
  );
  assert.deepEqual(f.issues, []);
  assert.deepEqual(
    f.layers.map((l) => l.protocol),
    ['ethernet', 'ieee8021ad', 'vlan', 'arp'],
  );
  assert.equal(find(f, 'ethernet')?.fields.type, 0x88a8);
  assert.deepEqual(fieldValues(f, 'ieee8021ad.id', defaultRegistry), ['200']);
  assert.deepEqual(fieldValues(f, 'ieee8021ah.etype', defaultRegistry), ['0x8100']);
  assert.deepEqual(fieldValues(f, 'vlan.id', defaultRegistry), ['2001']);
  const old = analyse(build(ethernet.make({ type: 0x9100 }), vlan.make({ id: 5 }), ip4(), udp.make({})));
  assert.deepEqual(
    old.layers.map((l) => l.protocol),
    ['ethernet', 'vlan', 'ipv4', 'udp'],
  );
});

test('vlan: an 802.3 length inside the tag goes to LLC and bounds the payload', () => {
  const bytes = build(eth(), vlan.make({ id: 0 }), llc.make({ dsap: 0x42, ssap: 0x42 }), payload(new Uint8Array(35)));
  const padded = new Uint8Array(bytes.length + 6);
  padded.set(bytes);
  const f = analyse(padded);
  assert.deepEqual(f.issues, []);
  const v = findAll(f, 'vlan')[0];
  assert.equal(v.fields.etype, 38);
  assert.equal(v.end, bytes.length);
  assert.deepEqual(fieldValues(f, 'vlan.etype', defaultRegistry), []);
  assert.deepEqual(fieldValues(f, 'vlan.len', defaultRegistry), ['38']);
  assert.equal(f.layers[2].protocol, 'llc');
});

test('vlan against tshark on a capture we wrote (C-tag, S-tag, 0x9100, 802.3 inside, every PCP/DEI)', {
  skip: SKIP_NO_TSHARK,
}, async () => {
  const frames: Uint8Array[] = [];
  for (let pcp = 0; pcp < 8; pcp++)
    frames.push(
      build(
        eth(),
        vlan.make({ priority: pcp, dei: pcp & 1, id: 100 + pcp }),
        ip4(),
        udp.make({}),
        payload('x'.repeat(20)),
      ),
    );
  frames.push(
    build(eth(), ieee8021ad.make({ id: 300, priority: 5, dei: 1 }), vlan.make({ id: 7 }), ip4(), udp.make({})),
  );
  frames.push(build(eth(), ieee8021ad.make({ id: 301 }), ip4(), udp.make({}), payload('y'.repeat(30))));
  frames.push(build(ethernet.make({ type: 0x9100 }), vlan.make({ id: 9 }), vlan.make({ id: 10 }), ip4(), udp.make({})));
  frames.push(build(eth(), vlan.make({ id: 11 }), llc.make({ dsap: 0x42, ssap: 0x42 }), payload(new Uint8Array(40))));
  const cap = writePcap(frames.map((data) => ({ data })));
  const a = await tsharkAgreement(cap, [
    'eth.type',
    'vlan.id',
    'vlan.priority',
    'vlan.dei',
    'vlan.etype',
    'vlan.len',
    'ieee8021ad.id',
    'ieee8021ad.priority',
    'ieee8021ad.dei',
    'ieee8021ah.etype',
    'llc.dsap',
  ]);
  assert.equal(a.mismatches.length, 0, describe(a));
  assert.ok((a.fields.get('vlan.dei')?.[1] ?? 0) >= 8);
});

test('vlan oracle: every corpus capture with VLAN tags', { skip: SKIP_NO_CORPUS }, async () => {
  const files = [
    'zeek__q-in-q.pcap',
    'zeek__vlan-qinqinq.pcap',
    'zeek__vlan-pcp-dei.pcapng',
    'zeek__http-qinq-0.pcap',
    'tcpdump__802.1ad_QinQ.pcap',
    'tcpdump__arp-too-long-tha.pcap',
    'tcpdump__MSTP_Intra-Region_BPDUs.pcap',
    'tcpdump__ipv4_tcp_http_xml.pcap',
    'pcapplusplus__VlanPackets.pcap',
    'pcapplusplus__QinQ_802.1_AD.pcapng',
    'pcapplusplus__ArpRequestWithVlan.pcap',
  ];
  let compared = 0;
  for (const file of files) {
    const a = await oracleAgreement(file, ['eth.type', 'vlan.id', 'vlan.etype']);
    assert.equal(a.mismatches.length, 0, `${file}\n${describe(a)}`);
    for (const [, [, n]] of a.fields) compared += n;
  }
  assert.ok(compared > 150);
});

test('vlan oracle beyond the table: vlan.priority / vlan.dei on zeek vlan-pcp-dei against tshark', {
  skip: SKIP_NO_CORPUS || SKIP_NO_TSHARK,
}, async () => {
  const { readFileSync } = await import('node:fs');
  const { corpusPath } = await import('../helpers/corpus.js');
  const a = await tsharkAgreement(new Uint8Array(readFileSync(corpusPath('zeek__vlan-pcp-dei.pcapng'))), [
    'vlan.id',
    'vlan.priority',
    'vlan.dei',
  ]);
  assert.equal(a.mismatches.length, 0, describe(a));
  assert.ok((a.fields.get('vlan.dei')?.[0] ?? 0) >= 6);
});

test('fuzz: mutated VLAN / QinQ frames', () => {
  fuzzLinktype(1, [
    build(eth(), vlan.make({ id: 1 }), vlan.make({ id: 2 }), ip4(), udp.make({}), payload('abc')),
    build(
      eth(),
      ieee8021ad.make({ id: 3 }),
      vlan.make({ id: 4 }),
      llc.make({ dsap: 0xaa, ssap: 0xaa }),
      payload(new Uint8Array(8)),
    ),
  ]);
});
