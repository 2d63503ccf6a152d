import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { analyse, build, defaultRegistry, details, find, findAll, ip, readFramesSync } from '../../src/index.js';
import type { IcmpDetails } from '../../src/protocols/icmp.js';
import { encodeIcmpExtension } from '../../src/protocols/icmp-ext.js';
import { ethernet, icmp, ipv4, tcp, udp } from '../../src/protocols/index.js';
import { corpusFiles, corpusPath, SKIP_NO_CORPUS } from '../helpers/corpus.js';
import { fuzzPast } from '../helpers/mutate.js';
import { compareOracle, corpusRegistry, filesWith } from '../helpers/oracle.js';
import { SKIP_NO_TSHARK, tsharkFields } from '../helpers/tshark.js';

const SRC = ip('192.0.2.1');
const DST = ip('198.51.100.7');
const outer = () => [ethernet.make(), ipv4.make({ src: SRC, dst: DST, id: 7 })] as const;
const bytes = (...xs: number[]) => Uint8Array.from(xs);

test('icmp: echo request round trip, checksum computed and verified', () => {
  const data = new TextEncoder().encode('abcdefgh');
  const pkt = build(...outer(), icmp.make({ type: 8, ident: 0x1234, seq: 9 }), data);
  const f = analyse(pkt, { checksums: true });
  assert.deepEqual(f.issues, []);
  assert.deepEqual(
    f.layers.map((l) => l.protocol),
    ['ethernet', 'ipv4', 'icmp'],
  );
  const l = find(f, 'icmp')!;
  assert.equal(l.fields.type, 8);
  assert.equal(l.fields.code, 0);
  assert.equal(l.fields.ident, 0x1234);
  assert.equal(l.fields.seq, 9);
  assert.notEqual(l.fields.checksum, 0);
  assert.equal(l.end - l.hdrEnd, 8);
  assert.equal(find(f, 'ipv4')!.fields.proto, 1);
  // One flipped data byte: reported, not enforced.
  pkt[pkt.length - 1] ^= 1;
  const g = analyse(pkt, { checksums: true });
  assert.deepEqual(
    g.issues.map((i) => i.code),
    ['icmp.bad_checksum'],
  );
  assert.equal(g.layers.length, 3);
});

test('icmp: port unreachable quotes IPv4 + UDP; both IPv4 headers found, no length issue', () => {
  // The quoted datagram claims 1500 bytes; only its header + 8 bytes are there (RFC 792).
  const pkt = build(
    ...outer(),
    icmp.make({ type: 3, code: 3 }),
    ipv4.make({ src: DST, dst: SRC, len: 1500, id: 0x4242, ttl: 3 }),
    udp.make({ srcport: 33434, dstport: 53, length: 1480, checksum: 0xbeef }),
  );
  const f = analyse(pkt, { checksums: true });
  assert.deepEqual(f.issues, []);
  assert.deepEqual(
    f.layers.map((l) => l.protocol),
    ['ethernet', 'ipv4', 'icmp', 'ipv4', 'udp'],
  );
  const ips = findAll(f, 'ipv4');
  assert.equal(ips.length, 2);
  assert.equal(ips[1].fields.src, DST);
  assert.equal(ips[1].fields.len, 1500);
  assert.equal(ips[1].fields.id, 0x4242);
  assert.equal(find(f, 'udp')!.fields.dstport, 53);
  assert.equal(find(f, 'icmp')!.fields.length, 0);
});

test('icmp: a quoted TCP header cut to 8 bytes is a partial layer without an issue', () => {
  const pkt = build(
    ...outer(),
    icmp.make({ type: 4 }),
    ipv4.make({ src: DST, dst: SRC, proto: 6, len: 60 }),
    bytes(0x1f, 0x90, 0xc3, 0x50, 0, 0, 0x10, 0),
  );
  const f = analyse(pkt, { checksums: true });
  assert.deepEqual(f.issues, []);
  const t = find(f, 'tcp')!;
  assert.equal(t.complete, false);
  assert.equal(t.fields.srcport, 8080);
  assert.equal(t.fields.dstport, 50000);
  assert.equal(t.fields.seq, 0x1000);
  // The same TCP bytes outside a quote are an issue.
  const g = analyse(build(...outer(), ipv4.make({ proto: 6 }), bytes(0x1f, 0x90, 0xc3, 0x50, 0, 0, 0x10, 0)));
  assert.equal(g.issues.length, 1);
});

test('icmp: a quoted header that is not IPv4 still reports its contradiction', () => {
  const pkt = build(
    ...outer(),
    icmp.make({ type: 11 }),
    bytes(0x65, 0, 0, 20, 0, 0, 0, 0, 1, 6, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8),
  );
  const f = analyse(pkt);
  assert.deepEqual(
    f.issues.map((i) => i.code),
    ['ip.version_mismatch'],
  );
});

test('icmp: RFC 4884 time exceeded with a length attribute and an MPLS extension', () => {
  const inner = build(
    ipv4.make({ src: DST, dst: SRC, len: 1500, ttl: 1 }),
    udp.make({ srcport: 40000, dstport: 33435, length: 1480 }),
  );
  const quote = new Uint8Array(128);
  quote.set(inner.subarray(0, 28));
  // Label 16005, TC 0, S 1, TTL 1 (RFC 4950 §7).
  const ext = encodeIcmpExtension([{ classNum: 1, cType: 1, data: bytes(0x03, 0xe8, 0x51, 0x01) }]);
  const pkt = build(...outer(), icmp.make({ type: 11, length: 32 }), quote, ext);
  const f = analyse(pkt, { checksums: true });
  assert.deepEqual(f.issues, []);
  const l = find(f, 'icmp')!;
  assert.equal(l.fields.length, 32);
  assert.equal(l.end - l.hdrEnd, 128); // the quote ends where the extension starts
  assert.deepEqual(
    f.layers.map((x) => x.protocol),
    ['ethernet', 'ipv4', 'icmp', 'ipv4', 'udp'],
  );
  const d = details<IcmpDetails>(f, l, defaultRegistry)!;
  assert.equal(d.extension!.version, 2);
  assert.equal(d.extension!.checksumOk, true);
  const o = d.extension!.objects[0];
  assert.equal(o.name, 'mpls_label_stack');
  assert.deepEqual(o.entries, [{ label: 16005, exp: 0, s: 1, ttl: 1 }]);
  // Without the length attribute (RFC 4884 §5.5 compatibility): found after 128 octets.
  const old = analyse(build(...outer(), icmp.make({ type: 11 }), quote, ext));
  const d2 = details<IcmpDetails>(old, find(old, 'icmp')!, defaultRegistry)!;
  assert.equal(d2.extension!.objects[0].name, 'mpls_label_stack');
  // A long quote with no extension header is all quote.
  const long = analyse(build(...outer(), icmp.make({ type: 11 }), quote, new Uint8Array(20)));
  assert.deepEqual(details(long, find(long, 'icmp')!, defaultRegistry), {});
});

test('icmp: RFC 5837 interface information object', () => {
  // C-Type: role 2 (outgoing), ifIndex + IP address + name + MTU present.
  const name = new TextEncoder().encode('ge-0/0/1');
  const obj = new Uint8Array(4 + 8 + 12 + 4);
  const dv = new DataView(obj.buffer);
  dv.setUint32(0, 42);
  dv.setUint16(4, 1);
  obj.set([192, 0, 2, 9], 8);
  obj[12] = 12;
  obj.set(name, 13);
  dv.setUint32(24, 1500);
  const ext = encodeIcmpExtension([{ classNum: 2, cType: 0x80 | 0x0f, data: obj }]);
  const quote = new Uint8Array(128);
  quote.set(build(ipv4.make({ src: DST, dst: SRC }), udp.make({ srcport: 1, dstport: 2 })));
  const f = analyse(build(...outer(), icmp.make({ type: 3, code: 1, length: 32 }), quote, ext));
  const o = details<IcmpDetails>(f, find(f, 'icmp')!, defaultRegistry)!.extension!.objects[0];
  assert.equal(o.name, 'interface_information');
  assert.equal(o.role, 2);
  assert.equal(o.ifIndex, 42);
  assert.equal(o.address, '192.0.2.9');
  assert.equal(o.ifName, 'ge-0/0/1');
  assert.equal(o.mtu, 1500);
});

test('icmp: message kinds decode their own rest-of-header fields', () => {
  const cases: [NonNullable<Parameters<typeof icmp.make>[0]>, Record<string, unknown>][] = [
    [
      { type: 0, ident: 1, seq: 2 },
      { ident: 1, seq: 2 },
    ],
    [{ type: 3, code: 4, mtu: 1400 }, { mtu: 1400 }],
    [{ type: 5, code: 1, gateway: ip('10.9.8.7') }, { gateway: ip('10.9.8.7') }],
    [{ type: 12, pointer: 9 }, { pointer: 9 }],
    [
      { type: 13, ident: 3, seq: 4, originateTimestamp: 1000, receiveTimestamp: 2000, transmitTimestamp: 3000 },
      { originateTimestamp: 1000, receiveTimestamp: 2000, transmitTimestamp: 3000 },
    ],
    [{ type: 18, ident: 5, seq: 6, addressMask: ip('255.255.255.0') }, { addressMask: ip('255.255.255.0') }],
    [{ type: 10 }, { reserved: 0 }],
    [
      { type: 30, ident: 7, outboundHopCount: 3, returnHopCount: 0xffff, outputLinkSpeed: 1e6, outputLinkMtu: 1500 },
      { ident: 7, outboundHopCount: 3, returnHopCount: 0xffff, outputLinkSpeed: 1e6, outputLinkMtu: 1500 },
    ],
    [{ type: 40, code: 4, pointer: 12 }, { pointer: 12 }],
    [
      { type: 43, ident: 9, extSeq: 1, state: 3, active: 1, ipv6: 1 },
      { extSeq: 1, state: 3, active: 1, ipv4: 0, ipv6: 1 },
    ],
    [{ type: 77, restOfHeader: 0xdeadbeef }, { restOfHeader: 0xdeadbeef }],
  ];
  for (const [given, want] of cases) {
    const f = analyse(build(...outer(), icmp.make(given)), { checksums: true });
    assert.deepEqual(f.issues, [], `type ${given.type}`);
    const l = find(f, 'icmp')!;
    for (const [k, v] of Object.entries(want))
      assert.equal((l.fields as Record<string, unknown>)[k], v, `${given.type}.${k}`);
  }
});

test('icmp: router advertisement entries (RFC 1256) and extended echo request (RFC 8335)', () => {
  const entries = bytes(10, 0, 0, 1, 0, 0, 0, 5, 10, 0, 0, 2, 0xff, 0xff, 0xff, 0xfe);
  const f = analyse(build(...outer(), icmp.make({ type: 9, numAddrs: 2, addrEntrySize: 2, lifetime: 1800 }), entries));
  assert.deepEqual(f.issues, []);
  const d = details<IcmpDetails>(f, find(f, 'icmp')!, defaultRegistry)!;
  assert.deepEqual(d.entries, [
    { routerAddress: '10.0.0.1', preferenceLevel: 5 },
    { routerAddress: '10.0.0.2', preferenceLevel: -2 },
  ]);
  // Entries claimed past the message end: the header runs out.
  const short = analyse(build(...outer(), icmp.make({ type: 9, numAddrs: 3, addrEntrySize: 2 }), entries));
  assert.deepEqual(
    short.issues.map((i) => i.code),
    ['icmp.short'],
  );

  const obj = encodeIcmpExtension([{ classNum: 3, cType: 3, data: bytes(0, 1, 4, 0, 192, 0, 2, 1) }]);
  const g = analyse(build(...outer(), icmp.make({ type: 42, ident: 5, extSeq: 1, local: 0 }), obj), {
    checksums: true,
  });
  assert.deepEqual(g.issues, []);
  const l = find(g, 'icmp')!;
  assert.equal(l.hdrEnd, l.end); // the object is part of the message, not a payload
  const o = details<IcmpDetails>(g, l, defaultRegistry)!.extension!.objects[0];
  assert.equal(o.address, '192.0.2.1');
  assert.equal(o.afi, 1);
});

test('icmp: a timestamp message cut short is malformed with the fields that are there', () => {
  const pkt = build(...outer(), icmp.make({ type: 13, ident: 1, seq: 2, originateTimestamp: 5 }));
  const cut = pkt.subarray(0, pkt.length - 6);
  // Keep the IP total length honest to the cut so that only ICMP is short.
  const ipLen = cut.length - 14;
  cut[16] = ipLen >> 8;
  cut[17] = ipLen & 0xff;
  const f = analyse(cut);
  assert.deepEqual(
    f.issues.map((i) => [i.kind, i.code]),
    [['malformed', 'icmp.short']],
  );
  const l = find(f, 'icmp')!;
  assert.equal(l.complete, false);
  assert.equal(l.fields.originateTimestamp, 5);
  assert.equal(l.fields.receiveTimestamp, undefined);
});

test('icmp: our decoding of built packets matches tshark', { skip: SKIP_NO_TSHARK }, () => {
  const pkts = [
    build(...outer(), icmp.make({ type: 8, ident: 1, seq: 2 }), 'ping'),
    build(
      ...outer(),
      icmp.make({ type: 5, code: 1, gateway: ip('10.1.2.3') }),
      ipv4.make({ src: DST, dst: SRC }),
      udp.make({ srcport: 5, dstport: 6 }),
    ),
    build(
      ...outer(),
      icmp.make({ type: 3, code: 4, mtu: 1280 }),
      ipv4.make({ src: DST, dst: SRC, len: 1500 }),
      tcp.make({ srcport: 80, dstport: 9 }),
    ),
    build(...outer(), icmp.make({ type: 17, ident: 1, seq: 1, addressMask: 0 })),
    build(
      ...outer(),
      icmp.make({ type: 14, ident: 1, seq: 1, originateTimestamp: 1, receiveTimestamp: 2, transmitTimestamp: 3 }),
    ),
  ];
  const names = [
    'icmp.type',
    'icmp.code',
    'icmp.ident',
    'icmp.seq',
    'icmp.redir_gw',
    'icmp.mtu',
    'icmp.address_mask',
    'icmp.transmit_timestamp',
    'ip.src',
    'ip.len',
    'udp.dstport',
    'tcp.srcport',
  ];
  const rows = tsharkFields(pkts, names);
  const frames = pkts.map((p) => analyse(p));
  assert.equal(rows.length, frames.length);
  for (const [i, fr] of frames.entries()) {
    const ours = (n: string): string => {
      const vals: string[] = [];
      for (const l of fr.layers) {
        const p = defaultRegistry.byName(l.protocol)!;
        for (const [k, fd] of Object.entries(p.header)) {
          if ((fd.tshark ?? `${p.abbrev}.${k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)}`) !== n) continue;
          const v = (l.fields as Record<string, unknown>)[k];
          if (typeof v === 'number')
            vals.push(fd.kind === 'ipv4' ? `${v >>> 24}.${(v >>> 16) & 255}.${(v >>> 8) & 255}.${v & 255}` : String(v));
        }
      }
      return vals.join(',');
    };
    for (const [j, n] of names.entries()) {
      // tshark prints ident/seq in hex-and-decimal form for some fields; compare the leading number.
      const t = (rows[i][j] ?? '')
        .split(',')
        .map((x) => (/^0x/.test(x) ? String(Number.parseInt(x, 16)) : x))
        .join(',');
      assert.equal(ours(n), t, `frame ${i + 1} ${n}`);
    }
  }
});

test('icmp: RFC 4884 extensions decode as tshark decodes them', { skip: SKIP_NO_TSHARK }, () => {
  const ext = encodeIcmpExtension([
    { classNum: 1, cType: 1, data: bytes(0x03, 0xe8, 0x51, 0x01) },
    // RFC 5837: role 2, ifIndex + IPv4 address + name "et0" + MTU.
    { classNum: 2, cType: 0x8f, data: bytes(0, 0, 0, 42, 0, 1, 0, 0, 192, 0, 2, 9, 4, 101, 116, 48, 0, 0, 5, 220) },
  ]);
  const quoteOf = (len: number) => {
    const q = new Uint8Array(128);
    q.set(
      build(ipv4.make({ src: DST, dst: SRC, len, ttl: 1 }), udp.make({ srcport: 40000, dstport: 33435, length: 8 })),
    );
    return q;
  };
  const pkts = [
    build(...outer(), icmp.make({ type: 11, length: 32 }), quoteOf(28), ext),
    build(...outer(), icmp.make({ type: 11 }), quoteOf(28), ext), // RFC 4884 §5.5 layout
    build(...outer(), icmp.make({ type: 3, code: 3, length: 32 }), quoteOf(28), ext),
  ];
  const names = [
    'icmp.ext.class',
    'icmp.mpls.label',
    'icmp.int_info.index',
    'icmp.int_info.ipv4',
    'icmp.int_info.name',
    'icmp.int_info.mtu',
  ];
  const rows = tsharkFields(pkts, names);
  for (const [i, p] of pkts.entries()) {
    const f = analyse(p, { checksums: true });
    assert.deepEqual(f.issues, []);
    const o = details<IcmpDetails>(f, find(f, 'icmp')!, defaultRegistry)!.extension!.objects;
    const mpls = (o[0].entries as { label: number }[])[0].label;
    assert.deepEqual(
      [
        o.map((x) => x.classNum).join(','),
        String(mpls),
        String(o[1].ifIndex),
        o[1].address,
        o[1].ifName,
        String(o[1].mtu),
      ],
      rows[i],
    );
  }
  // tshark 4.0 (default preferences) looks for extensions only when the quoted datagram's own IP
  // length is at most 128: with a Length attribute (RFC 4884 §4.1) the extension is there anyway.
  const long = build(...outer(), icmp.make({ type: 11, length: 32 }), quoteOf(1500), ext);
  assert.deepEqual(tsharkFields([long], ['icmp.type', 'icmp.ext.class']), [['11', '']]);
  const lf = analyse(long);
  assert.equal(details<IcmpDetails>(lf, find(lf, 'icmp')!, defaultRegistry)!.extension!.objects.length, 2);
});

test('icmp: oracle agreement on every corpus capture with ICMP', { skip: SKIP_NO_CORPUS }, () => {
  const names = ['icmp.type', 'icmp.code'];
  const files = filesWith(corpusFiles(), names);
  assert.ok(files.length >= 10);
  let agree = 0;
  for (const file of files) {
    const r = compareOracle(file, names);
    assert.deepEqual(r.bugs, [], file);
    for (const [n, t] of r.fields) {
      assert.equal(t.disagree, 0, `${file} ${n}: ${t.examples.join('; ')}`);
      assert.equal(t.extra, 0, `${file} ${n}: ${t.examples.join('; ')}`);
      agree += t.agree;
    }
  }
  assert.ok(agree >= 80, `agree ${agree}`);
});

test('icmp: quoted headers decode exactly as tshark shows them', { skip: SKIP_NO_CORPUS }, () => {
  // Every value of every listed column, outer and quoted headers joined, on the ICMP-only captures.
  const names = [
    'icmp.type',
    'icmp.code',
    'ip.src',
    'ip.dst',
    'ip.id',
    'ip.ttl',
    'ip.proto',
    'ip.checksum',
    'ip.flags',
    'ip.hdr_len',
    'udp.srcport',
    'udp.dstport',
    'udp.length',
    'tcp.srcport',
    'tcp.dstport',
  ];
  for (const file of [
    'pcapplusplus__IcmpPackets.pcap',
    'zeek__icmp_icmp-timeexceeded.pcap',
    'tcpdump__dhcp-rfc4388.pcap',
    'tcpdump__icmp-rfc8335.pcap',
  ]) {
    const r = compareOracle(file, names, corpusRegistry());
    for (const [n, t] of r.fields) {
      assert.equal(t.disagree + t.missing + t.extra, 0, `${file} ${n}: ${t.examples.join('; ')}`);
    }
  }
});

test('icmp: random and mutated bytes never throw and never record a bug', () => {
  const seeds = [
    build(
      ...outer(),
      icmp.make({ type: 3, code: 3 }),
      ipv4.make({ src: DST, dst: SRC, len: 1500 }),
      udp.make({ srcport: 1, dstport: 53, length: 1480 }),
    ),
    build(
      ...outer(),
      icmp.make({ type: 9, numAddrs: 1, addrEntrySize: 2 }),
      bytes(1, 2, 3, 4, 0, 0, 0, 0, 16, 6, 0, 1, 0, 2, 0, 0),
    ),
    build(
      ...outer(),
      icmp.make({ type: 42, ident: 1 }),
      encodeIcmpExtension([{ classNum: 3, cType: 1, data: bytes(101, 116, 104, 48) }]),
    ),
    build(
      ...outer(),
      icmp.make({ type: 11, length: 32 }),
      new Uint8Array(128),
      encodeIcmpExtension([{ classNum: 2, cType: 0x0f, data: bytes(0, 0, 0, 1) }]),
    ),
  ];
  const check = (pkt: Uint8Array) => {
    const f = analyse(pkt, { checksums: true, details: true });
    assert.deepEqual(
      f.issues.filter((i) => i.kind === 'bug'),
      [],
    );
    for (const l of f.layers) details(f, l, defaultRegistry);
  };
  fuzzPast(seeds, 34, { cut: true, numRuns: 2000 });
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 200 }), (tail) => {
      const head = build(...outer(), icmp.make({ type: 3 }));
      const p = new Uint8Array(head.length - 8 + tail.length);
      p.set(head.subarray(0, 34));
      p.set(tail, 34);
      check(p);
    }),
    { numRuns: 2000 },
  );
  // Mutated corpus frames with ICMP.
  if (SKIP_NO_CORPUS) return;
  const frames = [...readFramesSync(corpusPath('pcapplusplus__IcmpPackets.pcap'))].map((f) =>
    Uint8Array.from(f.bytes.u8.subarray(f.start, f.end)),
  );
  fuzzPast(frames, 14, { minFlips: 1, maxFlips: 6 });
});
