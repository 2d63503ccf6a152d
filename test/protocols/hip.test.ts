import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { analyse, build, defaultRegistry, details, find, ip, ip6, payload } from '../../src/index.js';
import type { HipParameter } from '../../src/protocols/hip.js';
import { ethernet, hip, ipv4, ipv6, udp } from '../../src/protocols/index.js';
import { corpusPath, SKIP_NO_CORPUS } from '../helpers/corpus.js';
import { assertWellFormed, dissectFully } from '../helpers/fuzz.js';
import { compareCapture, readAll } from '../helpers/oracle.js';
import { HAVE_TSHARK, SKIP_NO_TSHARK, tsharkFields, tsharkFieldsOf } from '../helpers/tshark.js';

type R = Record<string, unknown>;
const HIT_I = ip6('2001:20::1');
const HIT_R = ip6('2001:20::2');

/** Parameters with encoders, in ascending type order as RFC 7401 §5.2.1 wants them. */
const PARAMS: R[] = [
  { type: 65, reserved: 0, keymatIndex: 72, oldSpi: 0, newSpi: 0x12345678 },
  { type: 129, reserved: 0, counter: '000000000000000b' },
  {
    type: 193,
    locators: [
      {
        trafficType: 0,
        locatorType: 0,
        locatorLength: 4,
        reserved: 0,
        preferred: 1,
        lifetime: 60,
        address: '2001:db8::7',
      },
      {
        trafficType: 2,
        locatorType: 1,
        locatorLength: 5,
        reserved: 0,
        preferred: 0,
        lifetime: 60,
        spi: 9,
        address: '2001:db8::8',
      },
    ],
  },
  { type: 257, k: 10, lifetime: 39, opaque: 0, randomI: '6776df0a57c5ca9c' },
  { type: 321, k: 10, reserved: 0, opaque: 0, randomI: '6776df0a57c5ca9c', solutionJ: '15707799a6c888d5' },
  { type: 385, updateId: 7 },
  { type: 449, peerUpdateIds: [7, 8] },
  { type: 511, groupIds: [7, 9, 3] },
  { type: 513, values: [{ groupId: 7, publicValue: 'aabbccdd' }] },
  { type: 579, cipherIds: [4, 2, 1] },
  { type: 608, reserved: 0, modeIds: [1, 2] },
  { type: 610, minTa: 500 },
  { type: 641, reserved: 0, encrypted: '00112233445566778899aabbccddeeff' },
  {
    type: 705,
    hiLength: 8,
    diType: 1,
    diLength: 8,
    algorithm: 7,
    curve: 1,
    publicKey: '0102030405ab',
    domainId: 'host.one',
  },
  { type: 715, suiteIds: [0x10, 0x20] },
  { type: 768, certGroup: 1, certCount: 1, certId: 1, certType: 3, certificate: '3082' },
  { type: 832, reserved: 0, notifyType: 16384, notificationData: '01' },
  { type: 897, opaqueData: 'cafe' },
  { type: 930, minLifetime: 1, maxLifetime: 200, regTypes: [1, 2] },
  { type: 932, lifetime: 100, regTypes: [1] },
  { type: 936, failureType: 1, regTypes: [2] },
  { type: 950, port: 10500, protocol: 17, reserved: 0, address: '2001:db8::7' },
  { type: 2049, formats: [4095] },
  { type: 4095, reserved: 0, suiteIds: [1, 2] },
  { type: 61505, hmac: '00112233445566778899aabbccddeeff00112233' },
  { type: 61697, sigAlg: 5, signature: 'deadbeef' },
  { type: 63661, opaqueData: 'beef' },
  { type: 63998, port: 1, protocol: 17, reserved: 0, address: '::1' },
  { type: 65498, address: '2001:db8::9' },
  { type: 65502, addresses: ['2001:db8::a', '2001:db8::b'] },
];

function strip(o: R): R {
  const { type: _t, name: _n, critical: _c, length: _l, groups: _g, ciphers: _ci, suites: _s, ...rest } = o;
  const out: R = {};
  for (const [k, v] of Object.entries(rest)) if (!k.endsWith('Name') && !k.endsWith('Names')) out[k] = v;
  return out;
}

test('HIP over IPv6 (protocol 139): header and every parameter round trip; the checksum is valid', () => {
  const bytes = build(
    ethernet.make(),
    ipv6.make({ src: ip6('2001:db8::1'), dst: ip6('2001:db8::2') }),
    hip.make({ packetType: 2, version: 2, hitSndr: HIT_I, hitRcvr: HIT_R }, PARAMS as never),
  );
  const f = analyse(bytes, { checksums: true });
  assert.deepEqual(f.issues, []);
  const h = find(f, 'hip')!;
  assert.equal(find(f, 'ipv6')!.fields.nxt, 139);
  assert.deepEqual(
    { ...h.fields, hitSndr: undefined, hitRcvr: undefined },
    {
      marker: 0,
      proto: 59,
      hdrLen: (h.hdrEnd - h.start) / 8 - 1,
      fixedP: 0,
      packetType: 2,
      version: 2,
      reserved: 0,
      fixedS: 1,
      checksum: h.fields.checksum,
      controls: 0,
      anonymous: 0,
      hitSndr: undefined,
      hitRcvr: undefined,
    },
  );
  assert.deepEqual(h.fields.hitSndr, HIT_I);
  const params = details<HipParameter[]>(f, h, defaultRegistry)!;
  assert.equal(params.length, PARAMS.length);
  for (const [i, want] of PARAMS.entries()) {
    assert.equal(params[i].type, want.type);
    assert.equal(params[i].critical, (want.type as number) & 1);
    const w = { ...want } as R;
    if (want.type === 513)
      w.values = [{ groupId: 7, group: 'NIST P-256', publicValueLength: 4, publicValue: 'aabbccdd' }];
    assert.deepEqual(strip(params[i] as R), strip(w), `parameter ${want.type}`);
  }
  // Corrupting one octet of a parameter breaks the checksum.
  bytes[bytes.length - 1] ^= 1;
  assert.deepEqual(
    analyse(bytes, { checksums: true }).issues.map((i) => i.code),
    ['hip.bad_checksum'],
  );
});

test('HIP over UDP 10500 behind the zero marker (RFC 5770 §5.1); unknown parameters stay raw', () => {
  const bytes = build(
    ethernet.make(),
    ipv4.make({ src: ip('192.168.100.3'), dst: ip('192.168.100.2') }),
    udp.make({ srcport: 10500, dstport: 10500 }),
    hip.make({ marker: 1, packetType: 1, version: 1, hitSndr: HIT_I, hitRcvr: HIT_R }, [{ type: 4242, data: '0102' }]),
  );
  const f = analyse(bytes, { checksums: true });
  assert.deepEqual(f.issues, []);
  assert.deepEqual(
    f.layers.map((l) => l.protocol),
    ['ethernet', 'ipv4', 'udp', 'hip'],
  );
  const h = find(f, 'hip')!;
  assert.equal(h.fields.marker, 1);
  assert.equal(h.fields.checksum, 0);
  assert.equal(h.fields.packetType, 1);
  assert.deepEqual(details(f, h, defaultRegistry), [
    { type: 4242, name: 'unknown', critical: 0, length: 2, data: '0102' },
  ]);
});

test('HIP: Header Length below 4 is malformed (RFC 7401 §5.1)', () => {
  const bytes = build(ethernet.make(), ipv6.make({ src: HIT_I, dst: HIT_R }), hip.make({ packetType: 1 }));
  bytes[14 + 40 + 1] = 3;
  const f = analyse(bytes);
  assert.deepEqual(
    f.issues.map((i) => [i.kind, i.code]),
    [['malformed', 'hip.hdr_len_too_small']],
  );
});

test('oracle: hip.packet_type agrees with tshark, and the parameters match its decoding', {
  skip: SKIP_NO_CORPUS,
}, () => {
  for (const file of ['openhip__pass1_dig-enp.dump', 'openhip__pass2_dig-enp-ping.dump']) {
    const { scores, frames } = compareCapture(file, ['hip.packet_type', 'udp.srcport', 'udp.length']);
    for (const fr of frames) assertWellFormed(fr);
    for (const [name, s] of Object.entries(scores)) {
      assert.equal(s.disagree + s.missing, 0, `${name}: ${s.firstBad.join('; ')}`);
      assert.ok(s.agree >= 4);
    }
    if (!HAVE_TSHARK) continue;
    const fields = [
      'frame.number',
      'hip.hdr_len',
      'hip.version',
      'hip.type',
      'hip.tlv_puzzle_k',
      'hip.tlv.dh_group_id',
      'hip.tlv.dh_pv_length',
      'hip.tlv.host_id_length',
      'hip.fqdn',
      'hip.tlv.sig_alg',
      'hip.tlv_esp_info_new_spi',
    ];
    const all = readAll(file);
    for (const row of tsharkFieldsOf(corpusPath(file), fields)) {
      if (row[1] === '') continue;
      const fr = all[Number(row[0]) - 1];
      const h = find(fr, 'hip')!;
      const ps = details<HipParameter[]>(fr, h, defaultRegistry)!;
      const by = (t: number) => ps.filter((p) => p.type === t);
      const at = `${file}#${row[0]}`;
      assert.equal(String(h.fields.hdrLen), row[1], at);
      assert.equal(String(h.fields.version), row[2], at);
      assert.equal(ps.map((p) => p.type).join(','), row[3], at);
      assert.equal(
        by(257)
          .map((p) => p.k)
          .join(','),
        row[4],
        at,
      );
      const dh = by(513).flatMap((p) => p.values as R[]);
      assert.equal(dh.map((v) => v.groupId).join(','), row[5], at);
      assert.equal(dh.map((v) => v.publicValueLength).join(','), row[6], at);
      assert.equal(
        by(705)
          .map((p) => p.hiLength)
          .join(','),
        row[7],
        at,
      );
      assert.equal(
        by(705)
          .map((p) => p.domainId)
          .join(','),
        row[8],
        at,
      );
      assert.equal([...by(61633), ...by(61697)].map((p) => p.sigAlg).join(','), row[9], at);
      assert.equal(
        by(65)
          .map((p) => `0x${(p.newSpi as number).toString(16).padStart(8, '0')}`)
          .join(','),
        row[10],
        at,
      );
    }
  }
});

test('tshark verifies our native HIP checksum and reads our parameters the same way', { skip: SKIP_NO_TSHARK }, () => {
  // tshark 4.0 decodes parameters with the version 1 layouts (RFC 5201): build a version 1 packet.
  const rsa = { type: 705, algorithm: 5, e: '010001', n: 'c0ffee0123456789', domainId: 'dig-1024' };
  const v1 = [
    ...PARAMS.filter((p) => [65, 129, 257, 321, 385, 513].includes(p.type as number)),
    rsa,
    ...PARAMS.filter((p) => [832, 930, 61505, 61697].includes(p.type as number)),
  ];
  const bytes = build(
    ethernet.make(),
    ipv6.make({ src: ip6('2001:db8::1'), dst: ip6('2001:db8::2') }),
    hip.make(
      { packetType: 3, version: 1, hitSndr: HIT_I, hitRcvr: HIT_R },
      v1.map((p) => (p.type === 61697 ? { ...p, sigAlg: 5 } : p)) as never,
    ),
  );
  const fields = [
    'hip.packet_type',
    'hip.version',
    'hip.hdr_len',
    'hip.checksum.status',
    'hip.hit_sndr',
    'hip.type',
    'hip.tlv_esp_info_new_spi',
    'hip.tlv_puzzle_k',
    'hip.tlv.dh_group_id',
    'hip.tlv.notification_type',
    'hip.tlv.reg_ltmax',
    'hip.tlv.sig_alg',
    'hip.tlv.host_id_e',
    'hip.tlv.host_id_n',
    'hip.fqdn',
  ];
  const [row] = tsharkFields([bytes], fields);
  const h = find(analyse(bytes), 'hip')!;
  assert.deepEqual(row, [
    '3',
    '1',
    String(h.fields.hdrLen),
    '1',
    '20010020000000000000000000000001',
    v1.map((p) => p.type).join(','),
    '0x12345678',
    '10',
    '7',
    '16384',
    '200',
    '5',
    '010001',
    'c0ffee0123456789',
    'dig-1024',
  ]);
  // And we read the version 1 HOST_ID back the same way.
  const ps = details<HipParameter[]>(analyse(bytes), h, defaultRegistry)!;
  const hid = ps.find((p) => p.type === 705)!;
  assert.deepEqual(
    [hid.algorithm, hid.e, hid.n, hid.domainId, hid.hiFlags],
    [5, '010001', 'c0ffee0123456789', 'dig-1024', 0x0202],
  );
});

test('fuzz: random HIP packets on IP 139 and UDP 10500 never throw', () => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 0, maxLength: 160 }), fc.boolean(), (body, overUdp) => {
      const b = body.slice();
      if (b.length > 1) b[1] = b[1] % 24;
      const bytes = overUdp
        ? build(
            ethernet.make(),
            ipv4.make({ src: 1, dst: 2 }),
            udp.make({ srcport: 10500, dstport: 10500 }),
            payload(new Uint8Array([0, 0, 0, 0, ...b])),
          )
        : build(ethernet.make(), ipv6.make({ src: HIT_I, dst: HIT_R, nxt: 139 }), payload(b));
      assertWellFormed(dissectFully(bytes));
    }),
    { numRuns: 500 },
  );
});
