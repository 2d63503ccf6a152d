import assert from 'node:assert/strict';
import { test } from 'node:test';
import { analyse, build, defaultRegistry, details, findAll, ip, mac, payload, writePcap } from '../../src/index.js';
import type { GeneveOption } from '../../src/protocols/geneve.js';
import { ethernet, geneve, ipv4, udp } from '../../src/protocols/index.js';
import { describe, oracleAgreement, tsharkAgreement } from '../helpers/compare.js';
import { SKIP_NO_CORPUS } from '../helpers/corpus.js';
import { fuzzLinktype } from '../helpers/fuzz.js';
import { SKIP_NO_TSHARK } from '../helpers/tshark.js';

const outer = () => [
  ethernet.make({ src: mac('00:1b:21:3c:ab:64'), dst: mac('00:1b:21:3c:ac:30') }),
  ipv4.make({ src: ip('20.0.0.1'), dst: ip('20.0.0.2') }),
  udp.make({ srcport: 12345, dstport: 6081 }),
];
const inner = () => [
  ethernet.make({ src: mac('b6:9e:d2:49:51:48'), dst: mac('fe:71:d8:83:72:4f') }),
  ipv4.make({ src: ip('30.0.0.1'), dst: ip('30.0.0.2') }),
  udp.make({ srcport: 1, dstport: 2 }),
  payload('inner'),
];
const withOpts = () =>
  build(
    ...outer(),
    geneve.make({ critical: 1, vni: 10 }, [{ class: 0, type: 0x80, data: Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8) }]),
    ...inner(),
  );
const plain = () => build(...outer(), geneve.make({ vni: 11 }), ...inner());

test('geneve: build → analyse, options decoded on request, inner Ethernet through the link-type table', () => {
  const f = analyse(withOpts(), { checksums: true });
  assert.deepEqual(f.issues, []);
  assert.deepEqual(
    f.layers.map((l) => l.protocol),
    ['ethernet', 'ipv4', 'udp', 'geneve', 'ethernet', 'ipv4', 'udp'],
  );
  const g = findAll(f, 'geneve')[0];
  assert.deepEqual([g.fields.optLen, g.fields.critical, g.fields.vni, g.fields.protoType], [12, 1, 10, 0x6558]);
  const o = details<GeneveOption[]>(f, g, defaultRegistry)!;
  assert.deepEqual(o, [{ class: 0, type: 0x80, length: 8, critical: true, data: '0102030405060708' }]);
  assert.equal(findAll(f, 'ethernet').length, 2);
});

test('geneve against tshark on a capture we wrote', { skip: SKIP_NO_TSHARK }, async () => {
  const a = await tsharkAgreement(writePcap([{ data: withOpts() }, { data: plain() }]), [
    'geneve.version',
    'geneve.flags',
    'geneve.flags.critical',
    'geneve.proto_type',
    'geneve.vni',
    'geneve.option.class',
    'eth.src',
    'eth.type',
    'ip.src',
    'udp.dstport',
  ]);
  assert.equal(a.mismatches.length, 0, describe(a));
});

test('geneve oracle: tcpdump geneve.pcap — the inner Ethernet header shows in eth.*', {
  skip: SKIP_NO_CORPUS,
}, async () => {
  const a = await oracleAgreement('tcpdump__geneve.pcap', [
    'eth.src',
    'eth.dst',
    'eth.type',
    'ip.src',
    'ip.dst',
    'tcp.srcport',
    'udp.dstport',
  ]);
  assert.equal(a.mismatches.length, 0, describe(a));
  assert.equal(a.fields.get('eth.src')?.[0], 39);
});

test('fuzz: mutated Geneve frames', () => {
  fuzzLinktype(1, [withOpts(), plain()]);
});
