import assert from 'node:assert/strict';
import { test } from 'node:test';
import { analyse, build, defaultRegistry, details, find, ip, ip6, readFramesSync } from '../../src/index.js';
import { ethernet, ipv4, ipv6, ospf } from '../../src/protocols/index.js';
import { fillLsaChecksum, type OspfDetails } from '../../src/protocols/ospf.js';
import { corpusFiles, corpusPath, SKIP_NO_CORPUS } from '../helpers/corpus.js';
import { fuzzPast } from '../helpers/mutate.js';
import { compareOracle, corpusRegistry, filesWith } from '../helpers/oracle.js';
import { SKIP_NO_TSHARK, tsharkFields } from '../helpers/tshark.js';

const bytes = (...xs: number[]) => Uint8Array.from(xs);
const v4 = () => [ethernet.make(), ipv4.make({ src: ip('10.0.0.1'), dst: ip('224.0.0.5'), ttl: 1 })] as const;
const v6 = () => [ethernet.make(), ipv6.make({ src: ip6('fe80::1'), dst: ip6('ff02::5'), hlim: 1 })] as const;
const det = (f: ReturnType<typeof analyse>) => details<OspfDetails>(f, find(f, 'ospf')!, defaultRegistry)!;

// A router-LSA body (RFC 2328 A.4.2): flags, 0, one stub link 10.1.0.0/255.255.255.0 metric 10.
const routerLsaBody = bytes(0x02, 0, 0, 1, 10, 1, 0, 0, 255, 255, 255, 0, 3, 0, 0, 10);

test('ospf v2: hello round trip with the checksum over the packet less the authentication field', () => {
  const pkt = build(
    ...v4(),
    ospf.make(
      { version: 2, msg: 1, srcrouter: ip('1.1.1.1'), areaId: 0 },
      {
        hello: {
          networkMask: '255.255.255.0',
          helloInterval: 10,
          options: 0x02,
          routerPriority: 1,
          routerDeadInterval: 40,
          designatedRouter: '10.0.0.1',
          neighbors: ['2.2.2.2', '3.3.3.3'],
        },
      },
    ),
  );
  const f = analyse(pkt, { checksums: true });
  assert.deepEqual(f.issues, []);
  assert.deepEqual(
    f.layers.map((l) => l.protocol),
    ['ethernet', 'ipv4', 'ospf'],
  );
  const l = find(f, 'ospf')!;
  assert.equal(l.fields.version, 2);
  assert.equal(l.fields.msg, 1);
  assert.equal(l.fields.packetLength, 24 + 20 + 8);
  assert.equal(l.fields.srcrouter, ip('1.1.1.1'));
  assert.equal(find(f, 'ipv4')!.fields.proto, 89);
  assert.notEqual(l.fields.checksum, 0);
  const h = det(f).hello!;
  assert.equal(h.networkMask, '255.255.255.0');
  assert.equal(h.routerDeadInterval, 40);
  assert.deepEqual(h.neighbors, ['2.2.2.2', '3.3.3.3']);
  // Changing the authentication field does not change the checksum (RFC 2328 D.4.1).
  const q = Uint8Array.from(pkt);
  q[14 + 20 + 16] = 0x55;
  assert.deepEqual(analyse(q, { checksums: true }).issues, []);
  q[14 + 20 + 30] ^= 1;
  assert.deepEqual(
    analyse(q, { checksums: true }).issues.map((i) => i.code),
    ['ospf.bad_checksum'],
  );
});

test('ospf v2: simple password and cryptographic authentication (digest after the packet)', () => {
  const pw = new TextEncoder().encode('secret\0\0');
  const f = analyse(build(...v4(), ospf.make({ version: 2, msg: 1, authType: 1, auth: pw as never }, { hello: {} })), {
    checksums: true,
  });
  assert.deepEqual(f.issues, []);
  assert.deepEqual(det(f).authentication, { type: 1, password: 'secret' });
  // Key ID 7, 16-byte MD5 digest (RFC 2328 D.3), sequence number 1000; checksum not computed.
  const auth = bytes(0, 0, 7, 16, 0, 0, 3, 0xe8);
  const digest = new Uint8Array(16).fill(0xd5);
  const g = analyse(
    build(...v4(), ospf.make({ version: 2, msg: 5, authType: 2, auth: auth as never, packetLength: 24 }), digest),
    { checksums: true },
  );
  assert.deepEqual(g.issues, []);
  const l = find(g, 'ospf')!;
  assert.equal(l.fields.checksum, 0);
  assert.equal(l.fields.trailer!.end - l.fields.trailer!.start, 16);
  assert.deepEqual(det(g).authentication, { type: 2, keyId: 7, dataLength: 16, seqNbr: 1000, data: 'd5'.repeat(16) });
});

test('ospf v2: database description, request, update with LSAs, acknowledgment', () => {
  const hdr = {
    type: 1,
    lsId: '1.1.1.1',
    advRouter: '1.1.1.1',
    seqnum: 0x80000002,
    checksum: 0x1234,
    length: 36,
    options: 0x22,
  };
  const dd = analyse(
    build(
      ...v4(),
      ospf.make(
        { version: 2, msg: 2 },
        { dd: { interfaceMtu: 1500, options: 0x42, flags: 7, ddSequence: 99 }, lsaHeaders: [hdr] },
      ),
    ),
    { checksums: true },
  );
  assert.deepEqual(dd.issues, []);
  assert.deepEqual(det(dd).dd, { interfaceMtu: 1500, options: 0x42, flags: 7, ddSequence: 99 });
  assert.equal(det(dd).lsaHeaders![0].seqnum, 0x80000002);
  assert.equal(det(dd).lsaHeaders![0].options, 0x22);

  const lsr = analyse(
    build(
      ...v4(),
      ospf.make({ version: 2, msg: 3 }, { requests: [{ type: 5, lsId: '0.0.0.0', advRouter: '9.9.9.9' }] }),
    ),
    { checksums: true },
  );
  assert.deepEqual(det(lsr).requests, [{ type: 5, lsId: '0.0.0.0', advRouter: '9.9.9.9' }]);

  const ext = bytes(255, 255, 255, 0, 0x80, 0, 0, 20, 0, 0, 0, 0, 0, 0, 0, 7); // AS-external, E2, metric 20, tag 7
  const lsu = analyse(
    build(
      ...v4(),
      ospf.make(
        { version: 2, msg: 4 },
        {
          lsas: [
            { type: 1, lsId: '1.1.1.1', advRouter: '1.1.1.1', options: 0x22, body: routerLsaBody },
            { type: 5, lsId: '172.16.0.0', advRouter: '1.1.1.1', age: 3600, body: ext },
          ],
        },
      ),
    ),
    { checksums: true },
  );
  assert.deepEqual(lsu.issues, []);
  const d = det(lsu);
  assert.equal(d.numLsas, 2);
  assert.equal(d.lsas![0].checksumOk, true);
  assert.deepEqual(d.lsas![0].body, {
    flags: 2,
    numLinks: 1,
    links: [{ linkId: '10.1.0.0', linkData: '255.255.255.0', linkType: 3, numTos: 0, metric: 10, tos: [] }],
  });
  assert.equal(d.lsas![1].checksumOk, true);
  assert.equal(d.lsas![1].age, 3600);
  assert.deepEqual(d.lsas![1].body, {
    netmask: '255.255.255.0',
    entries: [{ e: 1, tos: 0, metric: 20, forwardingAddress: '0.0.0.0', externalRouteTag: 7 }],
  });

  const ack = analyse(
    build(...v4(), ospf.make({ version: 2, msg: 5 }, { lsaHeaders: [hdr, { ...hdr, lsId: '2.2.2.2' }] })),
  );
  assert.deepEqual(
    det(ack).lsaHeaders!.map((h) => h.lsId),
    ['1.1.1.1', '2.2.2.2'],
  );
});

test('ospf v3: hello and LSU over IPv6 with the pseudo-header checksum (RFC 5340 A.3.1)', () => {
  const f = analyse(
    build(
      ...v6(),
      ospf.make(
        { version: 3, msg: 1, srcrouter: ip('1.1.1.1'), areaId: 1 },
        { hello: { interfaceId: 5, routerPriority: 1, options: 0x13, neighbors: ['2.2.2.2'] } },
      ),
    ),
    { checksums: true },
  );
  assert.deepEqual(f.issues, []);
  const l = find(f, 'ospf')!;
  assert.equal(l.fields.instanceId, 0);
  assert.equal(l.fields.authType, undefined);
  assert.deepEqual(det(f).hello, {
    interfaceId: 5,
    routerPriority: 1,
    options: 0x13,
    helloInterval: 10,
    routerDeadInterval: 40,
    designatedRouter: '0.0.0.0',
    backupDesignatedRouter: '0.0.0.0',
    neighbors: ['2.2.2.2'],
  });
  // Intra-area-prefix LSA (0x2009): one prefix 2001:db8:1::/64 metric 10, referencing the router-LSA.
  const iap = bytes(0, 1, 0x20, 0x01, 0, 0, 0, 0, 1, 1, 1, 1, 64, 0, 0, 10, 0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0);
  const g = analyse(
    build(
      ...v6(),
      ospf.make({ version: 3, msg: 4 }, { lsas: [{ type: 0x2009, lsId: '0.0.0.0', advRouter: '1.1.1.1', body: iap }] }),
    ),
    { checksums: true },
  );
  assert.deepEqual(g.issues, []);
  const lsa = det(g).lsas![0];
  assert.equal(lsa.checksumOk, true);
  assert.deepEqual(lsa.body, {
    numPrefixes: 1,
    referencedLsType: 0x2001,
    referencedLsId: '0.0.0.0',
    referencedAdvRouter: '1.1.1.1',
    prefixes: [{ prefixLength: 64, prefixOptions: 0, field16: 10, prefix: '2001:db8:1::' }],
  });
});

test('ospf: a packet length past the bytes, a bad version, a short length', () => {
  const pkt = build(...v4(), ospf.make({ version: 2, msg: 1 }, { hello: {} }));
  const long = Uint8Array.from(pkt);
  long[14 + 20 + 3] = 200;
  assert.deepEqual(
    analyse(long).issues.map((i) => i.code),
    ['ospf.short'],
  );
  const bad = Uint8Array.from(pkt);
  bad[14 + 20] = 4;
  assert.deepEqual(
    analyse(bad).issues.map((i) => i.code),
    ['ospf.version_unknown'],
  );
  const small = Uint8Array.from(pkt);
  small[14 + 20 + 3] = 20;
  assert.deepEqual(
    analyse(small).issues.map((i) => i.code),
    ['ospf.packet_length_too_small'],
  );
});

test('ospf: LSA Fletcher checksums we compute equal those in the corpus', { skip: SKIP_NO_CORPUS }, () => {
  const reg = corpusRegistry();
  let n = 0;
  for (const file of [
    'tcpdump__OSPFv2_Capture_FINAL.pcapng',
    'tcpdump__OSPFv3_broadcast_adjacency.pcap',
    'tcpdump__ospf_graceful_restart_rfc3623.pcap',
  ]) {
    for (const f of readFramesSync(corpusPath(file), { registry: reg, checksums: true })) {
      const l = find(f, 'ospf');
      if (!l) continue;
      assert.deepEqual(f.issues, [], `${file}#${f.n}`);
      const d = details<OspfDetails>(f, l, reg)!;
      if (!d.lsas) continue;
      let p = l.start + (l.fields.version === 3 ? 16 : 24) + 4;
      for (const lsa of d.lsas) {
        assert.equal(lsa.checksumOk, true);
        const copy = f.bytes.u8.slice(p, p + lsa.length);
        fillLsaChecksum(copy, 0, copy.length);
        assert.equal((copy[16] << 8) | copy[17], lsa.checksum, `${file}#${f.n}`);
        p += lsa.length;
        n++;
      }
    }
  }
  assert.equal(n, 49);
});

test('ospf: corpus captures decode to the details tshark shows', { skip: SKIP_NO_CORPUS }, () => {
  const reg = corpusRegistry();
  const first = (file: string) => {
    const f = [...readFramesSync(corpusPath(file), { registry: reg })][0];
    return details<OspfDetails>(f, find(f, 'ospf')!, reg)!;
  };
  // Cryptographic authentication, then an LLS block with extended options and crypto TLVs (RFC 5613).
  const h = first('tcpdump__OSPFv2_Capture_FINAL.pcapng');
  assert.deepEqual(h.hello!.neighbors, ['192.168.255.11', '192.168.255.14']);
  assert.equal(h.authentication!.data, '91b01c6bd6c7093c11861e76334ba858');
  assert.equal(h.lls!.tlvs[0].extendedOptions, 1);
  assert.equal(h.lls!.tlvs[1].authData, '62a849db4649604c9fda6c0a9fdf2586');
  // Grace-LSA (RFC 3623): 40 s, reason 0, restart IP 192.85.1.4.
  const gr = first('tcpdump__ospf_graceful_restart_rfc3623.pcap').lsas![0].body!;
  assert.equal(gr.opaqueType, 3);
  assert.deepEqual(
    (gr.tlvs as Record<string, unknown>[]).map((t) => t.gracePeriod ?? t.restartReason ?? t.restartIp),
    [40, 0, '192.85.1.4'],
  );
  // Router-LSA of an NSSA border router: flags Nt (0x10, RFC 3101 §2.3), E and B.
  const nssa = first('tcpdump__ospf-nssa-bitnt.pcap').lsas![0];
  assert.equal(nssa.checksumOk, true);
  assert.equal(nssa.body!.flags, 0x13);
  assert.equal(nssa.options, 0x28); // N/P and DC
});

test('ospf: oracle agreement on every corpus capture with OSPF', { skip: SKIP_NO_CORPUS }, () => {
  const names = ['ospf.version', 'ospf.msg'];
  const files = filesWith(corpusFiles(), names);
  assert.ok(files.length >= 8);
  let agree = 0;
  for (const file of files) {
    const r = compareOracle(file, names, corpusRegistry());
    assert.deepEqual(r.bugs, [], file);
    for (const [n, t] of r.fields) {
      assert.equal(t.disagree + t.extra, 0, `${file} ${n}: ${t.examples.join('; ')}`);
      agree += t.agree;
    }
  }
  // OSPFv3 behind AH (RFC 4552: tcpdump__OSPFv3_with_AH, pcapplusplus__ipv6_options) decodes after
  // AH (corpusRegistry() stands in for ah.ts when absent); Frame Relay (tcpdump__OSPFv3_multipoint_
  // adjacencies) needs a Frame Relay link type.
  const reached = 2 * (30 + 38 + 3 + 1 + 1 + 1 + 61 + 2);
  assert.ok(agree >= reached, `agree ${agree}`);
});

test('ospf: our decoding of built packets matches tshark', { skip: SKIP_NO_TSHARK }, () => {
  const pkts = [
    build(
      ...v4(),
      ospf.make(
        { version: 2, msg: 1, srcrouter: ip('1.1.1.1') },
        { hello: { helloInterval: 30, neighbors: ['2.2.2.2'] } },
      ),
    ),
    build(
      ...v4(),
      ospf.make(
        { version: 2, msg: 4 },
        { lsas: [{ type: 1, lsId: '1.1.1.1', advRouter: '1.1.1.1', body: routerLsaBody }] },
      ),
    ),
    build(...v6(), ospf.make({ version: 3, msg: 1, srcrouter: ip('1.1.1.1') }, { hello: { helloInterval: 5 } })),
    build(
      ...v6(),
      ospf.make({ version: 3, msg: 3 }, { requests: [{ type: 0x2001, lsId: '0.0.0.0', advRouter: '2.2.2.2' }] }),
    ),
  ];
  const rows = tsharkFields(pkts, [
    'ospf.version',
    'ospf.msg',
    'ospf.packet_length',
    'ospf.srcrouter',
    'ospf.hello.hello_interval',
    'ospf.lsa.chksum',
    'ospf.advrouter',
    'ospf.checksum',
  ]);
  for (const [i, p] of pkts.entries()) {
    const f = analyse(p, { checksums: true });
    assert.deepEqual(f.issues, []);
    const l = find(f, 'ospf')!;
    const d = det(f);
    assert.equal(rows[i][0], String(l.fields.version));
    assert.equal(rows[i][1], String(l.fields.msg));
    assert.equal(rows[i][2], String(l.fields.packetLength));
    assert.equal(rows[i][4], d.hello ? String(d.hello.helloInterval) : '');
    assert.equal(rows[i][5], d.lsas ? `0x${d.lsas[0].checksum.toString(16).padStart(4, '0')}` : '');
    assert.equal(Number.parseInt(rows[i][7], 16), l.fields.checksum);
  }
});

test('ospf: random and mutated bytes never throw and never record a bug', () => {
  const seeds = [
    build(
      ...v4(),
      ospf.make(
        { version: 2, msg: 4 },
        {
          lsas: [
            { type: 1, lsId: '1.1.1.1', advRouter: '1.1.1.1', body: routerLsaBody },
            { type: 10, lsId: '3.0.0.0', advRouter: '1.1.1.1', body: bytes(0, 1, 0, 4, 0, 0, 0, 40) },
          ],
        },
      ),
    ),
    build(
      ...v6(),
      ospf.make(
        { version: 3, msg: 4 },
        {
          lsas: [
            { type: 0x2009, lsId: '0.0.0.0', advRouter: '1.1.1.1', body: new Uint8Array(24) },
            { type: 8, lsId: '0.0.0.5', advRouter: '1.1.1.1', body: new Uint8Array(28) },
          ],
        },
      ),
    ),
    build(
      ...v4(),
      ospf.make({ version: 2, msg: 1, authType: 2, packetLength: 44 }, { hello: { options: 0x12 } }),
      new Uint8Array(40),
    ),
    build(...v6(), ospf.make({ version: 3, msg: 2 }, { dd: { options: 0x613 } }), new Uint8Array(32)),
  ];
  fuzzPast(seeds, (s) => (s % 2 === 0 ? 34 : 54), { cut: true, numRuns: 3000 });
  if (SKIP_NO_CORPUS) return;
  const reg = corpusRegistry();
  const frames = ['tcpdump__OSPFv2_Capture_FINAL.pcapng', 'tcpdump__OSPFv3_broadcast_adjacency.pcap']
    .flatMap((file) => [...readFramesSync(corpusPath(file), { registry: reg })])
    .map((f) => Uint8Array.from(f.bytes.u8.subarray(f.start, f.end)));
  fuzzPast(frames, 34, { minFlips: 1, maxFlips: 6 });
});
