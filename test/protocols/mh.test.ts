import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { analyse, build, defaultRegistry, details, find, ip6, type OptionIn } from '../../src/index.js';
import { ethernet, ipv6, ipv6Opts, mh } from '../../src/protocols/index.js';
import type { MhDetails } from '../../src/protocols/mh.js';
import { SKIP_NO_CORPUS } from '../helpers/corpus.js';
import { assertWellFormed, dissectFully } from '../helpers/fuzz.js';
import { compareCapture } from '../helpers/oracle.js';
import { SKIP_NO_TSHARK, tsharkFields } from '../helpers/tshark.js';

const MN = ip6('2001:db8:1::100');
const HA = ip6('2001:db8:1::1');
type R = Record<string, unknown>;

/** One message of every type with a body layout, with the values to read back. */
const MESSAGES: [number, R][] = [
  [0, { reserved: 0 }],
  [1, { reserved: 0, homeInitCookie: '0102030405060708' }],
  [2, { reserved: 0, careOfInitCookie: '1112131415161718' }],
  [3, { homeNonceIndex: 5, homeInitCookie: '0102030405060708', homeKeygenToken: 'a1a2a3a4a5a6a7a8' }],
  [4, { careOfNonceIndex: 6, careOfInitCookie: '1112131415161718', careOfKeygenToken: 'b1b2b3b4b5b6b7b8' }],
  [5, { sequence: 37, a: 1, h: 1, l: 0, k: 1, m: 0, r: 0, p: 1, f: 0, t: 0, b: 0, flagsReserved: 0, lifetime: 3 }],
  [6, { status: 0, k: 1, r: 0, p: 0, t: 0, b: 0, flagsReserved: 0, sequence: 42, lifetime: 8 }],
  [7, { status: 1, reserved: 0, homeAddress: '2001:db8:1::100' }],
  [8, { sequence: 9, a: 1, h: 0, l: 0, k: 0, flagsReserved: 0, lifetime: 10 }],
  [9, { status: 0, k: 0, flagsReserved: 0, sequence: 9, lifetime: 10 }],
  [10, { reserved: 0 }],
  [11, { data: 'c0ffee00112233445566' }],
  [12, { numAddresses: 2, reserved: 0, homeAgentAddresses: ['2001:db8::a', '2001:db8::b'] }],
  [13, { flagsReserved: 0, u: 1, r: 0, sequence: 123456 }],
  [14, { sequence: 1, s: 1, u: 0, flagsReserved: 0, code: 2 }],
  [15, { sequence: 1, reserved: 0, code: 0 }],
  [16, { brType: 1, trigger: 2, sequence: 3, p: 1, v: 0, g: 1, flagsReserved: 0 }],
  [17, { sequence: 4, reserved: 0, lifetime: 60 }],
  [18, { sequence: 4, u: 0, flagsReserved: 0, status: 0, lifetime: 60 }],
  [19, { sequence: 5, a: 1, d: 0, flagsReserved: 0, reason: 1 }],
  [20, { sequence: 5, status: 0, reserved: 0 }],
];

/** One option of every decoded type, with the values to read back. */
const OPTIONS: R[] = [
  { kind: 2, refreshInterval: 30 },
  { kind: 3, alternateCareOfAddress: '2001:db8:2::2' },
  { kind: 4, homeNonceIndex: 1, careOfNonceIndex: 2 },
  { kind: 5, authenticator: '00112233445566778899aabb' },
  { kind: 6, reserved: 0, prefixLength: 64, prefix: '2001:db8:5::' },
  { kind: 7, optionCode: 2, linkLayerAddress: '020000000001' },
  { kind: 8, subtype: 1, identifier: 'mn@example.com' },
  { kind: 9, subtype: 1, mobilitySpi: 1000, authenticationData: 'deadbeef' },
  { kind: 10, seconds: 3000000000, fraction: 5 },
  { kind: 11 },
  {
    kind: 12,
    modifier: '000102030405060708090a0b0c0d0e0f',
    subnetPrefix: '2001db8000010000',
    collisionCount: 0,
    publicKeyAndExtensions: '3082',
  },
  { kind: 13, signature: 'abcdef' },
  { kind: 14, token: '0102' },
  { kind: 15 },
  { kind: 16, careOfKeygenToken: '0102030405060708' },
  { kind: 17, status: 0, r: 1, flagsReserved: 0, mnIdentity: 'mn' },
  { kind: 19, vendorId: 10415, subtype: 1, vendorData: '00' },
  { kind: 20, identifier: 'internet' },
  { kind: 22, reserved: 0, prefixLength: 64, prefix: '2001:db8:6::' },
  { kind: 23, reserved: 0, handoffIndicator: 1 },
  { kind: 24, reserved: 0, accessTechnologyType: 4 },
  { kind: 26, linkLocalAddress: 'fe80::1' },
  { kind: 28, reserved: 0, restartCounter: 7 },
  { kind: 29, prefixLength: 24, p: 0, flagsReserved: 0, ipv4HomeAddress: '10.1.2.3' },
  { kind: 31, f: 1, flagsReserved: 0, refreshTime: 110 },
  { kind: 32, reserved: 0, ipv4CareOfAddress: '192.0.2.7' },
  { kind: 33, reserved: 0, greKey: 99 },
  { kind: 1, length: 0 },
];

function mhPacket(type: number, body: R, options: R[] = [], src = MN) {
  return build(
    ethernet.make(),
    ipv6.make({ src, dst: HA }),
    mh.make({ mhtype: type }, { ...body, options: options as unknown as OptionIn[] }),
  );
}

function strip(o: R): R {
  const { kind: _k, name: _n, length: _l, ...rest } = o;
  return rest;
}

test('MH: every message type round trips, padded to 8 octets, with a valid checksum', () => {
  for (const [type, body] of MESSAGES) {
    const f = analyse(mhPacket(type, body), { checksums: true });
    assert.deepEqual(f.issues, [], `type ${type}`);
    const l = find(f, 'mh')!;
    assert.equal(l.fields.mhtype, type);
    assert.equal(l.fields.proto, 59);
    assert.equal((l.hdrEnd - l.start) % 8, 0);
    assert.equal(l.hdrEnd - l.start, ((l.fields.hlen ?? 0) + 1) * 8);
    const d = details<MhDetails>(f, l, defaultRegistry)!;
    const { typeName: _t, options: _o, statusText: _s, ...got } = d;
    assert.deepEqual(got, body, `type ${type}`);
  }
});

test('MH: every mobility option round trips in a Binding Update', () => {
  const f = analyse(mhPacket(5, MESSAGES[5][1], OPTIONS), { checksums: true });
  assert.deepEqual(f.issues, []);
  const d = details<MhDetails>(f, find(f, 'mh')!, defaultRegistry)!;
  const opts = d.options as unknown as R[];
  for (const [i, want] of OPTIONS.entries()) {
    assert.equal(opts[i].kind, want.kind);
    if (want.kind === 1) continue;
    assert.deepEqual(strip(opts[i]), strip(want), `option ${want.kind}`);
  }
});

test('MH: unknown types and options stay raw; a user adds a message type through mh.type', () => {
  const bytes = build(ethernet.make(), ipv6.make({ src: MN, dst: HA }), mh.make({ mhtype: 99 }, { data: '0102' }));
  const f = analyse(bytes);
  assert.deepEqual(details(f, find(f, 'mh')!, defaultRegistry), {
    typeName: 'unknown',
    data: '0102000000000000'.slice(0, 4),
  });
  const opt = analyse(mhPacket(0, { reserved: 0 }, [{ kind: 200, data: 'aabb' }]));
  assert.deepEqual((details<MhDetails>(opt, find(opt, 'mh')!, defaultRegistry)!.options as unknown as R[])[0], {
    kind: 200,
    name: 'unknown',
    length: 2,
    data: 'aabb',
  });
});

test('MH: the checksum pseudo-header takes the Home Address option as source (RFC 6275 §6.3)', () => {
  const bytes = build(
    ethernet.make(),
    ipv6.make({ src: ip6('2001:db8:99::5'), dst: HA }),
    ipv6Opts.make({}, [{ kind: 0xc9, homeAddress: MN }]),
    mh.make({ mhtype: 5 }, { sequence: 1, a: 1, h: 1, lifetime: 10 }),
  );
  assert.deepEqual(analyse(bytes, { checksums: true }).issues, []);
  bytes[bytes.length - 1] ^= 0xff;
  assert.deepEqual(
    analyse(bytes, { checksums: true }).issues.map((i) => i.code),
    ['mh.bad_checksum'],
  );
});

test('MH: a Header Len past the bytes keeps the fixed fields', () => {
  const bytes = mhPacket(1, MESSAGES[1][1]);
  bytes[14 + 40 + 1] = 7;
  const f = analyse(bytes);
  const l = find(f, 'mh')!;
  assert.equal(l.complete, false);
  assert.equal(l.fields.mhtype, 1);
  assert.deepEqual(
    f.issues.map((i) => i.code),
    ['mh.short'],
  );
});

test('oracle: mip6.mhtype agrees with tshark', { skip: SKIP_NO_CORPUS }, () => {
  const files = [
    'tcpdump__ipv6_mobility_1.pcap',
    'zeek__mobile-ipv6_mip6_back.pcap',
    'zeek__mobile-ipv6_mip6_bu.pcap',
    'zeek__mobile-ipv6_mip6_hot.pcap',
    'zeek__mobile-ipv6_mip6_hoti.pcap',
    'tcpdump__mobility_opt_asan.pcap',
    'tcpdump__mobility_opt_asan_3.pcap',
  ];
  let compared = 0;
  for (const file of files) {
    const { scores, frames } = compareCapture(file, ['mip6.mhtype', 'ipv6.nxt', 'ipv6.plen']);
    for (const fr of frames) assertWellFormed(fr);
    for (const [name, s] of Object.entries(scores)) {
      assert.equal(s.disagree + s.missing, 0, `${name}: ${s.firstBad.join('; ')}`);
      compared += s.agree;
    }
  }
  assert.ok(compared >= 70, `compared ${compared}`);
});

test('tshark reads our Mobility Headers the same way', { skip: SKIP_NO_TSHARK }, () => {
  const packets = [
    mhPacket(1, MESSAGES[1][1]),
    mhPacket(5, MESSAGES[5][1], OPTIONS.slice(0, 4)),
    mhPacket(6, MESSAGES[6][1]),
    mhPacket(7, MESSAGES[7][1]),
    mhPacket(3, MESSAGES[3][1]),
  ];
  const fields = [
    'mip6.proto',
    'mip6.hlen',
    'mip6.mhtype',
    'mip6.hoti.cookie',
    'mip6.bu.seqnr',
    'mip6.bu.a_flag',
    'mip6.bu.p_flag',
    'mip6.bu.lifetime',
    'mip6.bra.interval',
    'mip6.acoa.acoa',
    'mip6.ni.hni',
    'mip6.ni.cni',
    'mip6.ba.status',
    'mip6.ba.seqnr',
    'mip6.be.status',
    'mip6.be.haddr',
    'mip6.hot.nindex',
    'mip6.hot.token',
  ];
  const rows = tsharkFields(packets, fields);
  const col = (r: number, n: string) => rows[r][fields.indexOf(n)];
  for (let i = 0; i < packets.length; i++) {
    const l = find(analyse(packets[i]), 'mh')!;
    assert.equal(col(i, 'mip6.proto'), '59');
    assert.equal(col(i, 'mip6.hlen'), String(l.fields.hlen));
    assert.equal(col(i, 'mip6.mhtype'), String(l.fields.mhtype));
  }
  assert.equal(col(0, 'mip6.hoti.cookie'), '0x0102030405060708');
  assert.equal(col(1, 'mip6.bu.seqnr'), '37');
  assert.equal(col(1, 'mip6.bu.a_flag'), '1');
  assert.equal(col(1, 'mip6.bu.p_flag'), '1');
  assert.equal(col(1, 'mip6.bu.lifetime'), '3');
  assert.equal(col(1, 'mip6.bra.interval'), '30');
  assert.equal(col(1, 'mip6.acoa.acoa'), '2001:db8:2::2');
  assert.equal(col(1, 'mip6.ni.hni'), '1');
  assert.equal(col(1, 'mip6.ni.cni'), '2');
  assert.equal(col(2, 'mip6.ba.status'), '0');
  assert.equal(col(2, 'mip6.ba.seqnr'), '42');
  assert.equal(col(3, 'mip6.be.status'), '1');
  assert.equal(col(3, 'mip6.be.haddr'), '2001:db8:1::100');
  assert.equal(col(4, 'mip6.hot.nindex'), '5');
  assert.equal(col(4, 'mip6.hot.token'), '0xa1a2a3a4a5a6a7a8');
});

test('fuzz: random Mobility Headers never throw', () => {
  fc.assert(
    fc.property(fc.nat(30), fc.nat(6), fc.uint8Array({ maxLength: 90 }), (type, hlen, body) => {
      const hdr = new Uint8Array(6 + body.length);
      hdr[0] = 59;
      hdr[1] = hlen;
      hdr[2] = type;
      hdr.set(body, 6);
      const bytes = build(ethernet.make(), ipv6.make({ src: MN, dst: HA, nxt: 135 }), { payload: hdr });
      assertWellFormed(dissectFully(bytes));
    }),
    { numRuns: 500 },
  );
});
