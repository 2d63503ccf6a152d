import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { analyse, build, createRegistry, defineProtocol, find, mac, readFramesSync, u16 } from '../../src/index.js';
import { builtins, ethernet, ipx } from '../../src/protocols/index.js';
import { corpusPath, SKIP_NO_CORPUS } from '../helpers/corpus.js';
import { compareOracle, corpusRegistry } from '../helpers/oracle.js';
import { SKIP_NO_TSHARK, tsharkFields } from '../helpers/tshark.js';

const hdr = {
  packetType: 0x04,
  dstNet: 0,
  dstNode: mac('ff:ff:ff:ff:ff:ff'),
  dstSocket: 0x0452,
  srcNet: 0xa8f87967,
  srcNode: mac('00:00:00:00:00:01'),
  srcSocket: 0x4008,
};

test('ipx: build → analyse round trip on Ethernet II 0x8137', () => {
  const pkt = build(
    ethernet.make({ src: mac('02:00:00:00:00:01'), dst: mac('ff:ff:ff:ff:ff:ff') }),
    ipx.make(hdr),
    'SAP!',
  );
  const f = analyse(pkt);
  assert.deepEqual(f.issues, []);
  assert.equal(find(f, 'ethernet')!.fields.type, 0x8137);
  const l = find(f, 'ipx')!;
  assert.equal(l.fields.checksum, 0xffff);
  assert.equal(l.fields.len, 34);
  assert.equal(l.fields.packetType, 4);
  assert.equal(l.fields.srcNet, 0xa8f87967);
  assert.equal(l.fields.dstNode, mac('ff:ff:ff:ff:ff:ff'));
  assert.equal(l.fields.dstSocket, 0x0452);
  assert.equal(l.fields.srcSocket, 0x4008);
  assert.equal(l.end - l.hdrEnd, 4);
});

test('ipx: the length bounds the payload; too small is malformed; too large is reported', () => {
  const pkt = build(ethernet.make(), ipx.make(hdr), new Uint8Array(10));
  const padded = new Uint8Array(pkt.length + 6);
  padded.set(pkt);
  const f = analyse(padded);
  assert.deepEqual(f.issues, []);
  assert.equal(find(f, 'ipx')!.end - find(f, 'ipx')!.hdrEnd, 10);
  const small = Uint8Array.from(pkt);
  small[14 + 3] = 29;
  assert.deepEqual(
    analyse(small).issues.map((i) => [i.kind, i.code]),
    [['malformed', 'ipx.length_too_small']],
  );
  const big = Uint8Array.from(pkt);
  big[14 + 3] = 90;
  assert.deepEqual(
    analyse(big).issues.map((i) => [i.code, i.lenSource]),
    [['ipx.length_exceeds', 'ipx.len']],
  );
});

test('ipx: payloads go through the ipx.socket table, never the IP protocol table', () => {
  // A user's SAP decoder (Novell Service Advertising Protocol, socket 0x0452).
  const sap = defineProtocol({
    name: 'ipx_sap',
    abbrev: 'ipxsap',
    title: 'IPX SAP',
    layer: 'application',
    header: { operation: u16(0), serverType: u16(2) },
    bind: { 'ipx.socket': [0x0452] },
  });
  const reg = createRegistry([...builtins, sap]);
  const f = analyse(build(ethernet.make(), ipx.make(hdr), Uint8Array.from([0, 2, 0, 4])), { registry: reg });
  assert.deepEqual(
    f.layers.map((l) => l.protocol),
    ['ethernet', 'ipx', 'ipx_sap'],
  );
  assert.equal((find(f, 'ipx_sap')!.fields as { serverType: number }).serverType, 4);
  // Sockets 6 and 17 are not TCP and UDP.
  const g = analyse(build(ethernet.make(), ipx.make({ ...hdr, dstSocket: 17, srcSocket: 6 }), new Uint8Array(20)), {
    registry: reg,
  });
  assert.deepEqual(
    g.layers.map((l) => l.protocol),
    ['ethernet', 'ipx'],
  );
});

test('ipx: tshark decodes our packets the same way', { skip: SKIP_NO_TSHARK }, () => {
  const pkts = [
    build(ethernet.make(), ipx.make(hdr), 'abcd'),
    build(
      ethernet.make(),
      ipx.make({ ...hdr, packetType: 0x11, hops: 2, dstNet: 0x8dc23c00, dstSocket: 0x0451 }),
      new Uint8Array(8),
    ),
  ];
  const rows = tsharkFields(pkts, [
    'ipx.packet_type',
    'ipx.src.net',
    'ipx.dst.net',
    'ipx.len',
    'ipx.hops',
    'ipx.dst.socket',
    'ipx.src.node',
  ]);
  assert.deepEqual(rows, [
    ['0x04', '0xa8f87967', '0x00000000', '34', '0', '0x0452', '00:00:00:00:00:01'],
    ['0x11', '0xa8f87967', '0x8dc23c00', '38', '2', '0x0451', '00:00:00:00:00:01'],
  ]);
});

test('ipx: oracle agreement on the IPX captures', { skip: SKIP_NO_CORPUS }, () => {
  let agree = 0;
  for (const file of ['tcpdump__ipx.pcap', 'tcpdump__ipx-invalid-length.pcap']) {
    const r = compareOracle(file, ['ipx.packet_type', 'ipx.src.net', 'ipx.dst.net'], corpusRegistry());
    assert.deepEqual(r.bugs, []);
    for (const [n, t] of r.fields) {
      assert.equal(t.disagree + t.missing + t.extra, 0, `${file} ${n}: ${t.examples.join('; ')}`);
      agree += t.agree;
    }
  }
  assert.equal(agree, 3 * 65);
  const bad = [...readFramesSync(corpusPath('tcpdump__ipx-invalid-length.pcap'), { registry: corpusRegistry() })][0];
  assert.deepEqual(
    bad.issues.map((i) => i.code),
    ['ipx.length_too_small'],
  );
});

test('ipx: random bytes never throw', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 80 }), (tail) => {
      const head = build(ethernet.make({ type: 0x8137 }));
      const p = new Uint8Array(14 + tail.length);
      p.set(head.subarray(0, 14));
      p.set(tail, 14);
      const f = analyse(p);
      assert.deepEqual(
        f.issues.filter((i) => i.kind === 'bug'),
        [],
      );
    }),
    { numRuns: 2000 },
  );
});
