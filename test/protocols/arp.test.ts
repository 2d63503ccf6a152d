import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fieldValues } from '../../src/api/fields.js';
import { analyse, build, defaultRegistry, find, ip, mac, writePcap } from '../../src/index.js';
import { type ArpFields, arpAlias } from '../../src/protocols/arp.js';
import { arp, ethernet } from '../../src/protocols/index.js';
import { describe, oracleAgreement, tsharkAgreement } from '../helpers/compare.js';
import { manifest, SKIP_NO_CORPUS } from '../helpers/corpus.js';
import { fuzzLinktype } from '../helpers/mutate.js';
import { SKIP_NO_TSHARK } from '../helpers/tshark-capture.js';

const eth = (type?: number) => ethernet.make({ src: mac('78:31:c1:c6:3f:c2'), dst: mac('ff:ff:ff:ff:ff:ff'), type });
const who = (opcode: number) =>
  arp.make({
    opcode,
    srcHwMac: mac('78:31:c1:c6:3f:c2'),
    srcProtoIpv4: ip('10.0.0.2'),
    dstHwMac: 0,
    dstProtoIpv4: ip('10.0.0.1'),
  });

test('arp: build → analyse a request; EtherType from the bind, addresses as numbers', () => {
  const f = analyse(build(eth(), who(1)));
  assert.deepEqual(f.issues, []);
  assert.equal(find(f, 'ethernet')?.fields.type, 0x0806);
  const a = find(f, 'arp')!;
  assert.equal(a.hdrEnd - a.start, 28);
  assert.deepEqual(
    [a.fields.hwType, a.fields.protoType, a.fields.hwSize, a.fields.protoSize, a.fields.opcode],
    [1, 0x0800, 6, 4, 1],
  );
  assert.equal(a.fields.srcProtoIpv4, ip('10.0.0.2'));
  assert.equal(a.fields.srcHwMac, mac('78:31:c1:c6:3f:c2'));
  assert.deepEqual(fieldValues(f, 'arp.dst.proto_ipv4', defaultRegistry), ['10.0.0.1']);
  assert.deepEqual(fieldValues(f, 'arp.src.hw_mac', defaultRegistry), ['78:31:c1:c6:3f:c2']);
});

test('arp family: RARP, DRARP and InARP share the decoder; find(frame, "arp") finds all; the chain name follows the opcode', () => {
  const names = new Map<number, string>();
  for (let op = 1; op <= 10; op++) {
    const f = analyse(build(eth(op === 3 || op === 4 ? 0x8035 : undefined), who(op)));
    const l = find(f, 'arp');
    assert.ok(l, String(op));
    assert.equal(l.fields.opcode, op);
    names.set(op, arp.aliasOf!(l.fields as ArpFields));
  }
  assert.deepEqual(
    [...names.values()],
    ['ARP', 'ARP', 'RARP', 'RARP', 'DRARP', 'DRARP', 'DRARP', 'InARP', 'InARP', 'ARP'],
  );
  assert.equal(arpAlias(9), 'InARP');
  assert.equal(find(analyse(build(eth(0x8035), who(3))), 'ethernet')?.fields.type, 0x8035);
});

test('arp: addresses of any length are byte spans (InARP over Frame Relay DLCIs, IPv6 protocol addresses)', () => {
  const dlci = Uint8Array.of(0x18, 0x41);
  const v6 = Uint8Array.from({ length: 16 }, (_, i) => i);
  const f = analyse(
    build(
      eth(),
      arp.make({
        hwType: 15,
        protoType: 0x86dd,
        opcode: 8,
        srcHw: dlci,
        srcProto: v6,
        dstHw: dlci,
        dstProto: new Uint8Array(16),
      } as never),
    ),
  );
  assert.deepEqual(f.issues, []);
  const a = find(f, 'arp')!;
  assert.deepEqual([a.fields.hwSize, a.fields.protoSize], [2, 16]);
  assert.equal(a.fields.srcHwMac, undefined);
  assert.deepEqual(fieldValues(f, 'arp.src.hw', defaultRegistry), ['1841']);
  assert.deepEqual(fieldValues(f, 'arp.src.proto', defaultRegistry), ['000102030405060708090a0b0c0d0e0f']);
  assert.equal(a.hdrEnd - a.start, 8 + 2 * (2 + 16));
});

test('arp: a cut packet keeps the fixed fields and the addresses before the cut', () => {
  const full = build(eth(), who(2));
  const f = analyse(full.subarray(0, 14 + 8 + 10)); // sha and spa present, tha cut
  const a = find(f, 'arp')!;
  assert.equal(a.complete, false);
  assert.equal(a.fields.opcode, 2);
  assert.equal(a.fields.srcProtoIpv4, ip('10.0.0.2'));
  assert.equal(a.fields.dstHwMac, undefined);
  assert.deepEqual(
    f.issues.map((i) => [i.code, i.need, i.have]),
    [['arp.short', 28, 18]],
  );
});

test('arp against tshark on a capture we wrote: ARP, RARP, DRARP, InARP and odd address lengths', {
  skip: SKIP_NO_TSHARK,
}, async () => {
  const frames = [];
  for (let op = 1; op <= 9; op++) frames.push(build(eth(op === 3 || op === 4 ? 0x8035 : undefined), who(op)));
  frames.push(
    build(
      eth(),
      arp.make({
        hwType: 15,
        opcode: 8,
        srcHw: Uint8Array.of(0x18, 0x41),
        dstHw: Uint8Array.of(0, 0),
        srcProtoIpv4: ip('1.2.3.4'),
        dstProtoIpv4: 0,
      } as never),
    ),
    build(
      eth(),
      arp.make({
        hwType: 6,
        protoType: 0x86dd,
        opcode: 1,
        srcHwMac: 1,
        srcProto: new Uint8Array(16),
        dstHwMac: 2,
        dstProto: new Uint8Array(16).fill(7),
      } as never),
    ),
  );
  const a = await tsharkAgreement(writePcap(frames.map((data) => ({ data }))), [
    'eth.type',
    'arp.hw.type',
    'arp.proto.type',
    'arp.hw.size',
    'arp.proto.size',
    'arp.opcode',
    'arp.src.hw_mac',
    'arp.src.proto_ipv4',
    'arp.dst.hw_mac',
    'arp.dst.proto_ipv4',
    'arp.src.hw',
    'arp.dst.hw',
    'arp.src.proto',
    'arp.dst.proto',
    'arp.dst.drarp_error_status',
  ]);
  assert.equal(a.mismatches.length, 0, describe(a));
  assert.equal(a.fields.get('arp.opcode')?.[0], 11);
});

test('arp oracle: every corpus capture with ARP or RARP', { skip: SKIP_NO_CORPUS }, async () => {
  const files = manifest()
    .filter((r) => r.protocols.split(',').includes('arp'))
    .map((r) => r.file);
  assert.ok(files.length >= 14);
  let n = 0;
  for (const file of files) {
    const a = await oracleAgreement(file, ['arp.opcode', 'arp.src.proto_ipv4', 'arp.dst.proto_ipv4']);
    assert.equal(a.mismatches.length, 0, `${file}\n${describe(a)}`);
    n += a.fields.get('arp.opcode')?.[0] ?? 0;
  }
  assert.equal(n, 62);
});

test('fuzz: mutated ARP frames', () => {
  fuzzLinktype(1, [build(eth(), who(1)), build(eth(0x8035), who(4))]);
});
