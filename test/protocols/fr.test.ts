import assert from 'node:assert/strict';
import { test } from 'node:test';
import { analyse, build, find, ip, ip6, payload, writePcap } from '../../src/index.js';
import { fr, ipv4, ipv6, udp } from '../../src/protocols/index.js';
import { describe, oracleAgreement, tsharkAgreement } from '../helpers/compare.js';
import { SKIP_NO_CORPUS } from '../helpers/corpus.js';
import { fuzzLinktype } from '../helpers/mutate.js';
import { SKIP_NO_TSHARK } from '../helpers/tshark-capture.js';

const v6 = () => [
  ipv6.make({ src: ip6('fe80::3'), dst: ip6('ff02::5') }),
  udp.make({ srcport: 1, dstport: 2 }),
  payload('x'),
];
const v4 = () => [
  ipv4.make({ src: ip('10.0.0.1'), dst: ip('10.0.0.2') }),
  udp.make({ srcport: 1, dstport: 2 }),
  payload('x'),
];
const cisco = () => build(fr.make({ dlci: 302 }), ...v6());
const nlpid = () => build(fr.make({ dlci: 16, nlpid: 0xcc, becn: 1 }), ...v4());
const snap = () => build(fr.make({ dlci: 1000, nlpid: 0x80, snapOui: 0, snapPid: 0x86dd, de: 1 }), ...v6());

test('fr: Q.922 address, Cisco and RFC 2427 encapsulations', () => {
  const a = analyse(cisco(), { linktype: 107, checksums: true });
  assert.deepEqual(a.issues, []);
  assert.deepEqual(
    a.layers.map((l) => l.protocol),
    ['fr', 'ipv6', 'udp'],
  );
  assert.deepEqual([find(a, 'fr')?.fields.dlci, find(a, 'fr')?.fields.chdlctype], [302, 0x86dd]);
  const b = analyse(nlpid(), { linktype: 107 });
  assert.deepEqual([find(b, 'fr')?.fields.nlpid, find(b, 'fr')?.fields.becn, b.layers[1].protocol], [0xcc, 1, 'ipv4']);
  const c = analyse(snap(), { linktype: 107 });
  assert.deepEqual([find(c, 'fr')?.fields.dlci, find(c, 'fr')?.fields.hdrLen, c.layers[1].protocol], [1000, 9, 'ipv6']);
});

test('fr against tshark on a capture we wrote', { skip: SKIP_NO_TSHARK }, async () => {
  const a = await tsharkAgreement(
    writePcap(
      [cisco(), nlpid(), snap()].map((data) => ({ data })),
      { linktype: 107 },
    ),
    [
      'fr.dlci',
      'fr.cr',
      'fr.becn',
      'fr.de',
      'fr.chdlctype',
      'fr.nlpid',
      'fr.snap.pid',
      'fr.snaptype',
      'ip.src',
      'ipv6.src',
    ],
  );
  assert.equal(a.mismatches.length, 0, describe(a));
});

test('fr oracle: tcpdump OSPFv3 over Frame Relay', { skip: SKIP_NO_CORPUS }, async () => {
  const a = await oracleAgreement('tcpdump__OSPFv3_multipoint_adjacencies.pcap', [
    'ipv6.src',
    'ipv6.dst',
    'ipv6.nxt',
    'ipv6.plen',
  ]);
  assert.equal(a.mismatches.length, 0, describe(a));
  assert.equal(a.fields.get('ipv6.src')?.[0], 73);
});

test('fuzz: mutated Frame Relay frames', () => {
  fuzzLinktype(107, [cisco(), nlpid(), snap()]);
});
