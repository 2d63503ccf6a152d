import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  analyse,
  build,
  defaultRegistry,
  details,
  find,
  findAll,
  ip6,
  ipv6ToString,
  readFramesSync,
} from '../../src/index.js';
import { encodeIcmpExtension } from '../../src/protocols/icmp-ext.js';
import type { Icmpv6Details } from '../../src/protocols/icmpv6.js';
import { ethernet, icmpv6, ipv6, udp } from '../../src/protocols/index.js';
import { corpusFiles, corpusPath, SKIP_NO_CORPUS } from '../helpers/corpus.js';
import { fuzzPast } from '../helpers/mutate.js';
import { compareOracle, corpusRegistry, filesWith } from '../helpers/oracle.js';
import { SKIP_NO_TSHARK, tsharkFields } from '../helpers/tshark.js';

const A = ip6('2001:db8::1');
const B = ip6('fe80::2');
const outer = (hlim = 255) => [ethernet.make(), ipv6.make({ src: A, dst: B, hlim })] as const;
const bytes = (...xs: number[]) => Uint8Array.from(xs);
const opts = (f: ReturnType<typeof analyse>) => details<Icmpv6Details>(f, find(f, 'icmpv6')!, defaultRegistry)!;

test('icmpv6: echo request round trip with the pseudo-header checksum', () => {
  const pkt = build(...outer(64), icmpv6.make({ type: 128, ident: 77, seq: 3 }), 'hello');
  const f = analyse(pkt, { checksums: true });
  assert.deepEqual(f.issues, []);
  assert.deepEqual(
    f.layers.map((l) => l.protocol),
    ['ethernet', 'ipv6', 'icmpv6'],
  );
  const l = find(f, 'icmpv6')!;
  assert.equal(l.fields.ident, 77);
  assert.equal(l.fields.seq, 3);
  assert.equal(find(f, 'ipv6')!.fields.nxt, 58);
  assert.equal(find(f, 'ipv6')!.fields.plen, 8 + 5);
  pkt[pkt.length - 1] ^= 0x20;
  assert.deepEqual(
    analyse(pkt, { checksums: true }).issues.map((i) => i.code),
    ['icmpv6.bad_checksum'],
  );
});

test('icmpv6: neighbor solicitation and router advertisement with ND options', () => {
  const ns = analyse(
    build(
      ...outer(),
      icmpv6.make({ type: 135, nsTargetAddress: B }, { options: [{ kind: 1, linkaddr: '02:00:00:00:00:01' }] }),
    ),
    { checksums: true },
  );
  assert.deepEqual(ns.issues, []);
  const l = find(ns, 'icmpv6')!;
  assert.deepEqual(l.fields.nsTargetAddress, B);
  assert.equal(l.hdrEnd, l.end); // options are header, no payload
  assert.deepEqual(opts(ns).options, [{ kind: 1, name: 'slla', length: 1, linkaddr: '02:00:00:00:00:01' }]);

  const ra = analyse(
    build(
      ...outer(),
      icmpv6.make(
        { type: 134, curHopLimit: 64, managed: 1, prf: 1, routerLifetime: 1800, reachableTime: 30000 },
        {
          options: [
            {
              kind: 3,
              prefixLength: 64,
              onLink: 1,
              autonomous: 1,
              validLifetime: 86400,
              preferredLifetime: 14400,
              prefix: '2001:db8:1::',
            },
            { kind: 5, mtu: 1500 },
            { kind: 25, lifetime: 600, servers: ['2001:db8::53', '2001:db8::54'] },
            { kind: 38, data: bytes(0x0e, 0x10, 0x00, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0) },
            { kind: 37, data: new TextEncoder().encode('https://portal.example/') },
            { kind: 24, data: bytes(48, 0x08, 0, 0, 0x0e, 0x10, 0x20, 0x01, 0x0d, 0xb8, 0, 2, 0, 0) },
            { kind: 31, data: bytes(0, 0, 0, 0, 1, 44, 7, 101, 120, 97, 109, 112, 108, 101, 3, 99, 111, 109, 0) },
            { kind: 14, data: bytes(1, 2, 3, 4, 5, 6) },
          ],
        },
      ),
    ),
    { checksums: true },
  );
  assert.deepEqual(ra.issues, []);
  const r = find(ra, 'icmpv6')!.fields;
  assert.equal(r.curHopLimit, 64);
  assert.equal(r.managed, 1);
  assert.equal(r.other, 0);
  assert.equal(r.prf, 1);
  assert.equal(r.raFlag, 0x88);
  assert.equal(r.routerLifetime, 1800);
  const o = opts(ra).options!;
  assert.deepEqual(
    o.map((x) => x.name),
    ['prefix_info', 'mtu', 'rdnss', 'pref64', 'captive_portal', 'route_info', 'dnssl', 'nonce'],
  );
  assert.equal(o[0].prefix, '2001:db8:1::');
  assert.equal(o[0].autonomous, 1);
  assert.equal(o[0].length, 4);
  assert.equal(o[1].mtu, 1500);
  assert.deepEqual(o[2].servers, ['2001:db8::53', '2001:db8::54']);
  assert.equal(o[3].prefix, '64:ff9b::');
  assert.equal(o[3].prefixLength, 96);
  assert.equal(o[3].scaledLifetime, 0x0e10 >>> 3);
  assert.equal(o[4].uri, 'https://portal.example/');
  assert.equal(o[5].prefix, '2001:db8:2::');
  assert.equal(o[5].preference, 1);
  assert.equal(o[5].routeLifetime, 3600);
  assert.deepEqual(o[6].domains, ['example.com']);
  assert.equal(o[6].lifetime, 300);
  assert.equal(o[7].nonce, '010203040506');
});

test('icmpv6: PvD ID (RFC 8801) and FMIPv6 options', () => {
  const f = analyse(
    build(
      ...outer(),
      icmpv6.make(
        { type: 134 },
        {
          options: [
            { kind: 21, data: bytes(0x80, 0x03, 0, 5, 3, 112, 118, 100, 3, 110, 101, 116, 0) },
            { kind: 19, data: bytes(2, 0x02, 0, 0, 0, 0, 9) },
          ],
        },
      ),
    ),
    { checksums: true },
  );
  assert.deepEqual(f.issues, []);
  const o = opts(f).options!;
  assert.equal(o[0].fqdn, 'pvd.net');
  assert.equal(o[0].http, 1);
  assert.equal(o[0].delay, 3);
  assert.equal(o[0].seq, 5);
  assert.equal(o[1].optionCode, 2);
  assert.equal(o[1].linkaddr, '02:00:00:00:00:09');
});

test('icmpv6: an ND option of length 0 stops the list and is marked', () => {
  const f = analyse(build(...outer(), icmpv6.make({ type: 133 }), bytes(1, 0, 0, 0, 0, 0, 0, 0)));
  assert.deepEqual(f.issues, []);
  const o = opts(f).options!;
  assert.equal(o.length, 1);
  assert.equal(o[0].malformed, true);
});

test('icmpv6: packet too big quotes IPv6 + UDP; both IPv6 headers found, no length issue', () => {
  const pkt = build(
    ...outer(64),
    icmpv6.make({ type: 2, mtu: 1280 }),
    ipv6.make({ src: B, dst: A, plen: 1452 }),
    udp.make({ srcport: 5000, dstport: 443, length: 1452, checksum: 1 }),
  );
  const f = analyse(pkt, { checksums: true });
  assert.deepEqual(f.issues, []);
  assert.deepEqual(
    f.layers.map((l) => l.protocol),
    ['ethernet', 'ipv6', 'icmpv6', 'ipv6', 'udp'],
  );
  const v6 = findAll(f, 'ipv6');
  assert.equal(ipv6ToString(v6[1].fields.src!), 'fe80::2');
  assert.equal(v6[1].fields.plen, 1452);
  assert.equal(find(f, 'icmpv6')!.fields.mtu, 1280);
});

test('icmpv6: RFC 4884 destination unreachable with an extension after a 128-byte quote', () => {
  const quote = new Uint8Array(128);
  quote.set(build(ipv6.make({ src: B, dst: A, plen: 1000 }), udp.make({ srcport: 1, dstport: 2, length: 1000 })));
  const ext = encodeIcmpExtension([{ classNum: 2, cType: 0x08, data: bytes(0, 0, 0, 7) }]);
  const f = analyse(build(...outer(64), icmpv6.make({ type: 1, code: 3, length: 16 }), quote, ext), {
    checksums: true,
  });
  assert.deepEqual(f.issues, []);
  const l = find(f, 'icmpv6')!;
  assert.equal(l.end - l.hdrEnd, 128);
  const e = opts(f).extension!;
  assert.equal(e.objects[0].ifIndex, 7);
  assert.equal(findAll(f, 'ipv6').length, 2);
});

test('icmpv6: MLDv1, MLDv2 query with sources and MLDv2 report with records', () => {
  const g = ip6('ff02::1:3');
  const v1 = analyse(build(...outer(1), icmpv6.make({ type: 131, multicastAddress: g })), { checksums: true });
  assert.deepEqual(v1.issues, []);
  assert.deepEqual(find(v1, 'icmpv6')!.fields.multicastAddress, g);
  assert.equal(find(v1, 'icmpv6')!.fields.maximumResponseCode, undefined);

  const src = bytes(0x20, 1, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 9);
  const q = analyse(
    build(
      ...outer(1),
      icmpv6.make({ type: 130, maximumResponseCode: 10000, suppress: 1, qrv: 2, qqi: 125, nbSources: 1 }),
      src,
    ),
    { checksums: true },
  );
  assert.deepEqual(q.issues, []);
  const qf = find(q, 'icmpv6')!.fields;
  assert.equal(qf.maximumResponseCode, 10000);
  assert.equal(qf.suppress, 1);
  assert.equal(qf.qrv, 2);
  assert.equal(qf.qqi, 125);
  assert.deepEqual(opts(q).sources, ['2001:db8::9']);

  // One record: CHANGE_TO_EXCLUDE for ff02::fb with no sources; one ALLOW_NEW with one source.
  const rec = new Uint8Array(20 + 36);
  rec[0] = 4;
  rec.set(bytes(0xff, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xfb), 4);
  rec[20] = 5;
  rec[23] = 1;
  rec.set(bytes(0xff, 0x0e, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1), 24);
  rec.set(src, 40);
  const rep = analyse(build(...outer(1), icmpv6.make({ type: 143, nbMcastRecords: 2 }), rec), { checksums: true });
  assert.deepEqual(rep.issues, []);
  const rs = opts(rep).records!;
  assert.deepEqual(rs[0], { recordType: 4, auxDataLen: 0, multicastAddress: 'ff02::fb', sources: [] });
  assert.deepEqual(rs[1], { recordType: 5, auxDataLen: 0, multicastAddress: 'ff0e::1', sources: ['2001:db8::9'] });
  // A record count larger than what is there: marked, no exception.
  const bad = analyse(build(...outer(1), icmpv6.make({ type: 143, nbMcastRecords: 3 }), rec));
  assert.equal(opts(bad).malformed, true);
});

test('icmpv6: router renumbering command and result (RFC 2894), node information (RFC 4620)', () => {
  const pco = new Uint8Array(24 + 32);
  pco.set([1, 7, 0, 48, 0, 128]);
  pco.set([0xfe, 0xc0], 8);
  pco.set([48, 16, 0xc0, 0x80, 0, 0x27, 0x8d, 0, 0, 9, 0x3a, 0x80, 0x80, 0, 0, 0, 0x3f, 0xfe, 5, 1], 24);
  const rr = analyse(build(...outer(), icmpv6.make({ type: 138, code: 0, sequenceNumber: 5, siteSpecific: 1 }), pco), {
    checksums: true,
  });
  assert.deepEqual(rr.issues, []);
  assert.equal(find(rr, 'icmpv6')!.fields.rrFlag, 0x10);
  const mp = opts(rr).matchPrefixes![0];
  assert.equal(mp.opcode, 1);
  assert.equal(mp.matchprefix, 'fec0::');
  assert.equal(mp.usePrefixes[0].useprefix, '3ffe:501::');
  assert.equal(mp.usePrefixes[0].validLifetime, 2592000);
  assert.equal(mp.usePrefixes[0].decrementValid, 1);
  const res = new Uint8Array(24);
  res.set([0, 2, 0, 48, 0, 0, 0, 3, 0x3f, 0xfe]);
  const rr2 = analyse(build(...outer(), icmpv6.make({ type: 138, code: 1 }), res));
  assert.deepEqual(opts(rr2).matchResults, [
    { b: 1, f: 0, ordinal: 0, matchedlen: 48, interfaceIndex: 3, matchedprefix: '3ffe::' },
  ]);

  const ni = analyse(
    build(
      ...outer(),
      icmpv6.make({ type: 139, code: 0, qtype: 2 }),
      bytes(...new Uint8Array(16).fill(0).map((_, i) => (i === 15 ? 1 : 0))),
    ),
  );
  assert.deepEqual(ni.issues, []);
  assert.equal(find(ni, 'icmpv6')!.fields.qtype, 2);
  assert.deepEqual(opts(ni).nodeInfo, { subject: '::1' });
  const name = bytes(0, 0, 0, 60, 4, 104, 111, 115, 116, 3, 111, 114, 103, 0);
  const reply = analyse(build(...outer(), icmpv6.make({ type: 140, code: 0, qtype: 2 }), name));
  assert.deepEqual(opts(reply).nodeInfo, { ttl: 60, names: ['host.org'] });
});

test('icmpv6: other message kinds keep their fixed fields', () => {
  const cases: [NonNullable<Parameters<typeof icmpv6.make>[0]>, Record<string, unknown>][] = [
    [{ type: 4, code: 1, pointer: 40 }, { pointer: 40 }],
    [
      { type: 136, router: 1, solicited: 1, naTargetAddress: A },
      { router: 1, solicited: 1, override: 0, naFlag: 0xc0000000 },
    ],
    [{ type: 137, rdTargetAddress: B, rdDestinationAddress: A }, { reserved: 0 }],
    [{ type: 144, mip6Identifier: 9 }, { mip6Identifier: 9 }],
    [{ type: 147, mip6Identifier: 9, mip6Managed: 1 }, { mip6Flag: 0x8000 }],
    [{ type: 151, code: 20, queryInterval: 125, robustnessVariable: 2 }, { queryInterval: 125 }],
    [{ type: 152 }, { code: 0 }],
    [{ type: 157, daStatus: 0, daLifetime: 60, daRegAddr: A }, { daLifetime: 60 }],
    [
      { type: 161, ident: 1, extSeq: 2, state: 2, active: 1, ipv4: 1 },
      { extSeq: 2, state: 2, active: 1, ipv4: 1, ipv6: 0 },
    ],
    [{ type: 200, restOfHeader: 0x01020304 }, { restOfHeader: 0x01020304 }],
  ];
  for (const [given, want] of cases) {
    const f = analyse(build(...outer(), icmpv6.make(given)), { checksums: true });
    assert.deepEqual(f.issues, [], `type ${given.type}`);
    const l = find(f, 'icmpv6')!;
    for (const [k, v] of Object.entries(want))
      assert.equal((l.fields as Record<string, unknown>)[k], v, `${given.type}.${k}`);
  }
  // Extended echo request with an interface name object (RFC 8335 §2.1).
  const obj = encodeIcmpExtension([{ classNum: 3, cType: 1, data: new TextEncoder().encode('eth0') }]);
  const x = analyse(build(...outer(), icmpv6.make({ type: 160, ident: 1, extSeq: 1, local: 1 }), obj), {
    checksums: true,
  });
  assert.deepEqual(x.issues, []);
  assert.equal(opts(x).extension!.objects[0].ifName, 'eth0');
});

test('icmpv6: a short neighbor solicitation is malformed with the fields it has', () => {
  const pkt = build(...outer(), icmpv6.make({ type: 135, nsTargetAddress: B }));
  const cut = Uint8Array.from(pkt.subarray(0, pkt.length - 8));
  cut[14 + 5] = 16; // plen: 16 of the 24 bytes
  const f = analyse(cut);
  assert.deepEqual(
    f.issues.map((i) => [i.kind, i.code]),
    [['malformed', 'icmpv6.short']],
  );
  assert.equal(find(f, 'icmpv6')!.fields.reserved, 0);
  assert.equal(find(f, 'icmpv6')!.fields.nsTargetAddress, undefined);
});

test('icmpv6: our decoding of built packets matches tshark', { skip: SKIP_NO_TSHARK }, () => {
  const pkts = [
    build(
      ...outer(),
      icmpv6.make({ type: 135, nsTargetAddress: B }, { options: [{ kind: 1, linkaddr: '02:00:00:00:00:01' }] }),
    ),
    build(
      ...outer(),
      icmpv6.make({ type: 134, curHopLimit: 64, other: 1, routerLifetime: 600 }, { options: [{ kind: 5, mtu: 1400 }] }),
    ),
    build(
      ...outer(64),
      icmpv6.make({ type: 2, mtu: 1280 }),
      ipv6.make({ src: B, dst: A, plen: 1452 }),
      udp.make({ srcport: 5000, dstport: 443, length: 1452 }),
    ),
    build(...outer(1), icmpv6.make({ type: 130, maximumResponseCode: 1000, qqi: 125, nbSources: 0 })),
    build(...outer(), icmpv6.make({ type: 129, ident: 5, seq: 6 })),
  ];
  const names = [
    'icmpv6.type',
    'icmpv6.code',
    'icmpv6.checksum.status',
    'icmpv6.nd.ra.cur_hop_limit',
    'icmpv6.nd.ra.router_lifetime',
    'icmpv6.opt.mtu',
    'icmpv6.mtu',
    'icmpv6.mld.qqi',
    'icmpv6.echo.identifier',
    'ipv6.plen',
    'udp.dstport',
    'icmpv6.nd.ns.target_address',
  ];
  const rows = tsharkFields(pkts, names).map((r) =>
    r.map((x) => (/^0x[0-9a-f]+$/.test(x) ? String(Number.parseInt(x, 16)) : x)),
  );
  const want = [
    ['135', '0', '1', '', '', '', '', '', '', '32', '', 'fe80::2'],
    ['134', '0', '1', '64', '600', '1400', '', '', '', '24', '', ''],
    ['2', '0', '1', '', '', '', '1280', '', '', '56,1452', '443', ''],
    ['130', '0', '1', '', '', '', '', '125', '', '28', '', ''],
    ['129', '0', '1', '', '', '', '', '', '5', '8', '', ''],
  ];
  assert.deepEqual(rows, want);
  // and ours, field by field, from the same bytes
  const got = pkts.map((p) => {
    const f = analyse(p, { checksums: true });
    const l = find(f, 'icmpv6')!;
    const o = details<Icmpv6Details>(f, l, defaultRegistry)!;
    return [
      String(l.fields.type),
      String(l.fields.code),
      f.issues.length === 0 ? '1' : '2',
      l.fields.curHopLimit === undefined ? '' : String(l.fields.curHopLimit),
      l.fields.routerLifetime === undefined ? '' : String(l.fields.routerLifetime),
      String(o.options?.find((x) => x.kind === 5)?.mtu ?? ''),
      l.fields.mtu === undefined ? '' : String(l.fields.mtu),
      l.fields.qqi === undefined ? '' : String(l.fields.qqi),
      l.fields.ident === undefined ? '' : String(l.fields.ident),
      findAll(f, 'ipv6')
        .map((x) => x.fields.plen)
        .join(','),
      find(f, 'udp')?.fields.dstport === undefined ? '' : String(find(f, 'udp')!.fields.dstport),
      l.fields.nsTargetAddress === undefined ? '' : ipv6ToString(l.fields.nsTargetAddress),
    ];
  });
  assert.deepEqual(got, want);
});

test('icmpv6: oracle agreement on every corpus capture with ICMPv6', { skip: SKIP_NO_CORPUS }, () => {
  const names = ['icmpv6.type', 'icmpv6.code'];
  const files = filesWith(corpusFiles(), names);
  assert.ok(files.length >= 15);
  let agree = 0;
  for (const file of files) {
    // corpusRegistry() stands in for the IPv6 extension headers and AH when ipv6-ext.ts/ah.ts are absent.
    const r = compareOracle(file, names, corpusRegistry());
    assert.deepEqual(r.bugs, [], file);
    for (const [n, t] of r.fields) {
      assert.equal(t.disagree, 0, `${file} ${n}: ${t.examples.join('; ')}`);
      assert.equal(t.extra, 0, `${file} ${n}: ${t.examples.join('; ')}`);
      agree += t.agree;
    }
  }
  assert.ok(agree >= 2 * 40, `agree ${agree}`);
  // The captures our chain fully reaches today agree on every frame.
  for (const file of ['tcpdump__icmpv6-RFC2894-RR.pcap', 'tcpdump__icmpv6-ra-pref64.pcap', 'pypcapkit__in.pcap']) {
    const r = compareOracle(file, [...names, 'ipv6.src', 'ipv6.dst', 'ipv6.plen'], corpusRegistry());
    for (const [n, t] of r.fields)
      assert.equal(t.disagree + t.missing + t.extra, 0, `${file} ${n}: ${t.examples.join('; ')}`);
  }
});

test('icmpv6: PREF64 (RFC 8781) and router renumbering corpus captures decode fully', { skip: SKIP_NO_CORPUS }, () => {
  const reg = corpusRegistry();
  const pref = [...readFramesSync(corpusPath('tcpdump__icmpv6-ra-pref64.pcap'), { registry: reg, checksums: true })];
  assert.equal(pref.length, 4);
  const p64 = pref.map((f) => details<Icmpv6Details>(f, find(f, 'icmpv6')!, reg)!.options!.find((o) => o.kind === 38)!);
  assert.equal(p64[0].prefix, '2001:db8:1:64:ff9b::');
  assert.equal(p64[1].plc, 6); // frame 2: an invalid prefix length code, as tshark flags it
  assert.equal(p64[1].malformed, true);
  assert.equal(p64[2].scaledLifetime, 225);
  for (const f of pref) assert.deepEqual(f.issues, []);
  const rr = [...readFramesSync(corpusPath('tcpdump__icmpv6-RFC2894-RR.pcap'), { registry: reg, checksums: true })];
  assert.equal(rr.length, 6);
  for (const f of rr) {
    assert.deepEqual(f.issues, []);
    const d = details<Icmpv6Details>(f, find(f, 'icmpv6')!, reg)!;
    assert.equal(d.matchPrefixes![0].usePrefixes[0].keeplen, 16);
  }
});

test('icmpv6: checksums over a Routing header use the final destination (RFC 8200 §8.1)', {
  skip: SKIP_NO_CORPUS,
}, () => {
  const reg = corpusRegistry();
  let n = 0;
  for (const file of [
    'tcpdump__ipv6-routing-header.pcap',
    'tcpdump__ipv6-srh-ext-header.pcap',
    'tcpdump__icmpv6.pcap',
  ]) {
    for (const f of readFramesSync(corpusPath(file), { registry: reg, checksums: true })) {
      if (!find(f, 'icmpv6')) continue;
      n++;
      assert.deepEqual(
        f.issues.filter((i) => i.code === 'icmpv6.bad_checksum'),
        [],
        `${file}#${f.n}`,
      );
    }
  }
  assert.ok(n >= 5, `${n} frames`);
});

test('icmpv6: random and mutated bytes never throw and never record a bug', () => {
  const seeds = [
    build(
      ...outer(),
      icmpv6.make(
        { type: 134, routerLifetime: 1 },
        {
          options: [
            { kind: 3, prefix: '2001:db8::' },
            { kind: 25, servers: ['::1'] },
          ],
        },
      ),
    ),
    build(
      ...outer(64),
      icmpv6.make({ type: 1, code: 4 }),
      ipv6.make({ src: B, dst: A, plen: 100 }),
      udp.make({ srcport: 1, dstport: 2, length: 100 }),
    ),
    build(...outer(1), icmpv6.make({ type: 143, nbMcastRecords: 1 }), new Uint8Array(20)),
    build(...outer(), icmpv6.make({ type: 138, code: 0 }), new Uint8Array(56).fill(7)),
    build(...outer(), icmpv6.make({ type: 140, code: 0, qtype: 3 }), new Uint8Array(20)),
    build(...outer(), icmpv6.make({ type: 130, nbSources: 2 }), new Uint8Array(32)),
  ];
  const check = (pkt: Uint8Array) => {
    const f = analyse(pkt, { checksums: true, details: true });
    assert.deepEqual(
      f.issues.filter((i) => i.kind === 'bug'),
      [],
    );
    for (const l of f.layers) details(f, l, defaultRegistry);
  };
  fuzzPast(seeds, 54, { cut: true, numRuns: 2000 });
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 200 }), (tail) => {
      const head = build(...outer(), icmpv6.make({ type: 135 }));
      const p = new Uint8Array(54 + tail.length);
      p.set(head.subarray(0, 54));
      p.set(tail, 54);
      check(p);
    }),
    { numRuns: 2000 },
  );
  if (SKIP_NO_CORPUS) return;
  const reg = corpusRegistry();
  const frames = ['tcpdump__icmpv6.pcap', 'tcpdump__icmpv6-ra-pref64.pcap']
    .flatMap((file) => [...readFramesSync(corpusPath(file), { registry: reg })])
    .map((f) => Uint8Array.from(f.bytes.u8.subarray(f.start, f.end)));
  fuzzPast(frames, 54, { minFlips: 1, maxFlips: 6 });
});
