import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { analyse, build, defaultRegistry, details, find, ip6, ipv6ToString, payload } from '../../src/index.js';
import { ethernet, ipv6, ipv6Route, tcp, udp } from '../../src/protocols/index.js';
import { SKIP_NO_CORPUS } from '../helpers/corpus.js';
import { assertWellFormed, dissectFully } from '../helpers/fuzz.js';
import { compareCapture } from '../helpers/oracle.js';
import { SKIP_NO_TSHARK, tsharkFields } from '../helpers/tshark.js';

const SRC = ip6('2001:db8::1');
const FIRST = ip6('2001:db8:1::1');

type R = Record<string, unknown>;

function routed(type: number, segleft: number, rest: R, upper = udp.make({ srcport: 5000, dstport: 53 })) {
  return build(
    ethernet.make(),
    ipv6.make({ src: SRC, dst: FIRST }),
    ipv6Route.make({ type, segleft }, rest),
    upper,
    payload('query'),
  );
}

test('routing type 0: addresses round trip; the last one is the UDP final destination (RFC 8200 §8.1)', () => {
  const addresses = ['2001:db8:2::2', '2001:db8:3::3'];
  const bytes = routed(0, 2, { addresses });
  const f = analyse(bytes, { checksums: true });
  assert.deepEqual(f.issues, []);
  const r = find(f, 'ipv6_route')!;
  assert.deepEqual(r.fields, { nxt: 17, len: 4, type: 0, segleft: 2 });
  assert.deepEqual(details(f, r, defaultRegistry), { typeName: 'source_route', reserved: 0, addresses });
  // With no segments left the IPv6 destination is final: the same bytes now fail the check.
  bytes[14 + 40 + 3] = 0;
  assert.deepEqual(
    analyse(bytes, { checksums: true }).issues.map((i) => i.code),
    ['udp.bad_checksum'],
  );
});

test('routing type 2: home address round trip and final destination for TCP', () => {
  const bytes = routed(2, 1, { homeAddress: '2001:db8:ee::1' }, tcp.make({ srcport: 1, dstport: 80, flagSyn: 1 }));
  const f = analyse(bytes, { checksums: true });
  assert.deepEqual(f.issues, []);
  assert.deepEqual(details(f, find(f, 'ipv6_route')!, defaultRegistry), {
    typeName: 'type2',
    reserved: 0,
    homeAddress: '2001:db8:ee::1',
  });
  assert.equal(find(f, 'ipv6_route')!.fields.len, 2);
});

test('routing type 3 (RPL): CmprI/CmprE compression, Pad, and addresses re-expanded from the IPv6 destination', () => {
  // Addresses share the first 8 octets with the destination (CmprI 8) and the last shares 12 (CmprE 12).
  const addresses = ['2001:db8:1::a', '2001:db8:1::b', '2001:db8:1::c'];
  const bytes = routed(3, 3, { cmprI: 8, cmprE: 12, addresses });
  const f = analyse(bytes, { checksums: true, details: true });
  assert.deepEqual(f.issues, []);
  const r = find(f, 'ipv6_route')!;
  // 8 + 8 + 4 octets of addresses, padded by 4: the header is 8 + 24 octets.
  assert.equal(r.fields.len, 3);
  const d = r.details as R;
  assert.equal(d.cmprI, 8);
  assert.equal(d.cmprE, 12);
  assert.equal(d.pad, 4);
  assert.equal(d.addrCount, 3);
  assert.deepEqual(d.addresses, ['000000000000000a', '000000000000000b', '0000000c']);
  assert.deepEqual(d.fullAddresses, addresses);
  // Decoded on request from a frame, the same expansion happens.
  assert.deepEqual((details(f, r, defaultRegistry) as R).fullAddresses, addresses);
});

test('routing type 4 (SRH): segment list, tag, flags and TLVs including HMAC; Segment List[0] is final', () => {
  const segments = ['2001:db8:9::9', '2001:db8:8::8', '2001:db8:1::1'];
  const tlvs = [
    {
      kind: 5,
      dFlag: 0,
      reserved: 0,
      keyId: 7,
      hmac: '00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff',
    },
    { kind: 4, length: 2 },
  ];
  const bytes = routed(4, 2, { segments: segments.map(ip6), flags: 0, tag: 0x1234, tlvs });
  const f = analyse(bytes, { checksums: true });
  assert.deepEqual(f.issues, []);
  const d = details(f, find(f, 'ipv6_route')!, defaultRegistry) as R;
  assert.equal(d.lastEntry, 2);
  assert.equal(d.tag, 0x1234);
  assert.deepEqual(
    d.segments,
    segments.map((s) => ipv6ToString(ip6(s))),
  );
  const t = d.tlvs as R[];
  assert.equal(t[0].name, 'hmac');
  assert.equal(t[0].keyId, 7);
  assert.equal(t[0].hmac, tlvs[0].hmac);
  assert.equal(t[1].name, 'padn');
});

test('routing types 5/6 (CRH) and an unknown type keep their data; a user handler takes a new type', () => {
  // Five 16-bit SIDs after the 4 fixed octets: padded with one zero SID to 16 octets.
  const f5 = analyse(routed(5, 1, { sids: [1, 2, 3, 4, 5] }));
  assert.deepEqual((details(f5, find(f5, 'ipv6_route')!, defaultRegistry) as R).sids, [1, 2, 3, 4, 5, 0]);
  const f6 = analyse(routed(6, 1, { sids: [70000] }));
  assert.deepEqual((details(f6, find(f6, 'ipv6_route')!, defaultRegistry) as R).sids, [70000]);
  const bytes = routed(253, 0, { data: '0102030405060708090a0b0c' });
  const f = analyse(bytes);
  assert.deepEqual(details(f, find(f, 'ipv6_route')!, defaultRegistry), {
    typeName: 'experimental',
    data: '0102030405060708090a0b0c',
  });
  const reg = defaultRegistry.withHandler('ipv6.routing', 253, {
    name: 'mine',
    decode: (b, s) => ({ first: b.u8[s] }),
  });
  const fr = analyse(bytes, { registry: reg });
  assert.deepEqual(details(fr, find(fr, 'ipv6_route')!, reg), { typeName: 'mine', first: 1 });
});

test('routing: a length past the captured bytes is a short layer with its fixed fields', () => {
  const bytes = routed(0, 1, { addresses: ['::1'] });
  bytes[14 + 40 + 1] = 20;
  const f = analyse(bytes);
  const r = find(f, 'ipv6_route')!;
  assert.equal(r.complete, false);
  assert.equal(r.fields.segleft, 1);
  assert.deepEqual(
    f.issues.map((i) => i.code),
    ['ipv6_route.short'],
  );
});

test('oracle: ipv6.routing.type and ipv6.routing.nxt agree with tshark', { skip: SKIP_NO_CORPUS }, () => {
  const files = [
    'zeek__ipv6-hbh-routing0.pcap',
    'tcpdump__ipv6-routing-header.pcap',
    'tcpdump__ipv6-srh-ext-header.pcap',
    'tcpdump__ipv6-srh-tlv-pad1-padn-5-trunc.pcap',
    'pcapplusplus__ipv6_options.pcap',
  ];
  let compared = 0;
  for (const file of files) {
    const { scores, frames } = compareCapture(file, [
      'ipv6.routing.type',
      'ipv6.routing.nxt',
      'udp.srcport',
      'udp.length',
    ]);
    for (const fr of frames) assertWellFormed(fr);
    for (const [name, s] of Object.entries(scores)) {
      assert.equal(s.disagree + s.missing, 0, `${name}: ${s.firstBad.join('; ')}`);
      compared += s.agree;
    }
  }
  assert.ok(compared >= 20, `compared ${compared}`);
});

test('tshark decodes our RPL and SRH headers the same way, and agrees on the final-destination checksums', {
  skip: SKIP_NO_TSHARK,
}, () => {
  const rplAddrs = ['2001:db8:1::a', '2001:db8:1::b', '2001:db8:1::c'];
  const srhSegs = ['2001:db8:9::9', '2001:db8:8::8'];
  const packets = [
    routed(3, 3, { cmprI: 8, cmprE: 12, addresses: rplAddrs }),
    routed(4, 1, { segments: srhSegs, tag: 5 }),
    routed(0, 1, { addresses: ['2001:db8:7::7'] }),
    routed(2, 1, { homeAddress: '2001:db8:ee::1' }),
  ];
  const fields = [
    'ipv6.routing.type',
    'ipv6.routing.segleft',
    'ipv6.routing.len',
    'ipv6.routing.rpl.cmprI',
    'ipv6.routing.rpl.cmprE',
    'ipv6.routing.rpl.pad',
    'ipv6.routing.rpl.full_address',
    'ipv6.routing.srh.last_entry',
    'ipv6.routing.srh.addr',
    'ipv6.routing.src.addr',
    'ipv6.routing.mipv6.home_address',
    'udp.checksum.status',
  ];
  const rows = tsharkFields(packets, fields, { args: ['-o', 'udp.check_checksum:TRUE'] });
  const col = (r: number, n: string) => rows[r][fields.indexOf(n)];
  assert.equal(col(0, 'ipv6.routing.type'), '3');
  assert.equal(col(0, 'ipv6.routing.len'), '3');
  assert.equal(col(0, 'ipv6.routing.rpl.cmprI'), '8');
  assert.equal(col(0, 'ipv6.routing.rpl.cmprE'), '12');
  assert.equal(col(0, 'ipv6.routing.rpl.pad'), '4');
  assert.equal(col(0, 'ipv6.routing.rpl.full_address'), rplAddrs.join(','));
  assert.equal(col(1, 'ipv6.routing.srh.last_entry'), '1');
  assert.equal(col(1, 'ipv6.routing.srh.addr'), srhSegs.join(','));
  assert.equal(col(2, 'ipv6.routing.src.addr'), '2001:db8:7::7');
  assert.equal(col(3, 'ipv6.routing.mipv6.home_address'), '2001:db8:ee::1');
  for (let i = 0; i < packets.length; i++) {
    assert.equal(col(i, 'udp.checksum.status'), '1', `packet ${i}`);
    assert.deepEqual(analyse(packets[i], { checksums: true }).issues, []);
  }
});

test('fuzz: random routing headers never throw', () => {
  fc.assert(
    fc.property(
      fc.nat(255),
      fc.nat(255),
      fc.uint8Array({ maxLength: 100 }),
      fc.nat(3),
      (type, segleft, body, lenAdj) => {
        const hdr = new Uint8Array(4 + body.length);
        hdr[0] = 17;
        hdr[1] = Math.max(0, Math.ceil((4 + body.length) / 8) - 1 + lenAdj - 1);
        hdr[2] = type % 8 === 7 ? type : type % 8;
        hdr[3] = segleft;
        hdr.set(body, 4);
        const bytes = build(ethernet.make(), ipv6.make({ src: SRC, dst: FIRST, nxt: 43 }), payload(hdr));
        assertWellFormed(dissectFully(bytes));
      },
    ),
    { numRuns: 500 },
  );
});
