import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { fieldValues } from '../../src/api/fields.js';
import { analyse, build, defaultRegistry, details, findAll, ip, mac, payload } from '../../src/index.js';
import { ethernet, geneve, ipv4, udp } from '../../src/protocols/index.js';
import { corpusPath, oraclePackets, SKIP_NO_CORPUS } from '../helpers/corpus.js';
import { collect } from '../helpers/frames.js';

test('geneve: build → analyse round trip with an inner Ethernet/IPv4/UDP frame and options', () => {
  const bytes = build(
    ethernet.make(),
    ipv4.make({ src: ip('10.0.0.1'), dst: ip('10.0.0.2') }),
    udp.make({ srcport: 40000, dstport: 6081 }),
    geneve.make({ vni: 0xabcdef, protoType: 0x6558, optLen: 8 }),
    Uint8Array.of(0x01, 0x02, 0x80, 0x01, 0xde, 0xad, 0xbe, 0xef),
    build(
      ethernet.make({ src: mac('02:00:00:00:00:0a') }),
      ipv4.make({ src: ip('192.168.0.1'), dst: ip('192.168.0.2') }),
      udp.make({ srcport: 1, dstport: 2 }),
      payload('inner'),
    ),
  );
  // optLen 8 given: the options bytes were placed as the start of the payload; decode sees them as options
  const f = analyse(bytes, { checksums: true });
  assert.deepEqual(f.issues, []);
  assert.deepEqual(
    f.layers.map((l) => l.protocol),
    ['ethernet', 'ipv4', 'udp', 'geneve', 'ethernet', 'ipv4', 'udp'],
  );
  const g = findAll(f, 'geneve')[0];
  assert.equal(g.fields.vni, 0xabcdef);
  assert.equal(g.fields.optLen, 8);
  assert.deepEqual(details(f, g, defaultRegistry), [
    { class: 0x0102, type: 0x80, critical: 1, length: 4, data: 'deadbeef' },
  ]);
  assert.equal(findAll(f, 'ipv4')[1].fields.src, ip('192.168.0.1'));
});

test('geneve: oracle (tcpdump__geneve.pcap): inner Ethernet and IP agree with tshark', {
  skip: SKIP_NO_CORPUS,
}, async () => {
  const frames = await collect(corpusPath('tcpdump__geneve.pcap'));
  const t = oraclePackets('tcpdump__geneve.pcap');
  assert.equal(frames.length, t.rows.length);
  let compared = 0;
  for (const [i, f] of frames.entries()) {
    for (const name of ['eth.src', 'eth.dst', 'eth.type', 'ip.src', 'ip.dst', 'udp.srcport']) {
      const want = t.rows[i][t.col(name)].replace(/0x([0-9a-f]+)/g, (_, h) => String(Number.parseInt(h, 16)));
      const got = fieldValues(f, name, defaultRegistry)
        .join(',')
        .replace(/0x([0-9a-f]+)/g, (_, h) => String(Number.parseInt(h, 16)));
      assert.equal(got, want, `frame ${f.n} ${name}`);
      compared++;
    }
  }
  assert.ok(compared > 0);
});

test('geneve: fuzz', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 200 }), (b) => {
      const f = analyse(b, { protocol: 'geneve', details: true });
      assert.ok(f.issues.every((i) => i.kind !== 'bug'));
    }),
  );
});
