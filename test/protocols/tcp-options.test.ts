import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import type { DecodedOption } from '../../src/core/options.js';
import { analyse, build, defaultRegistry, details, find, ip, readFramesSync } from '../../src/index.js';
import { ethernet, ipv4, tcp } from '../../src/protocols/index.js';
import { corpusPath, SKIP_NO_CORPUS } from '../helpers/corpus.js';
import { compareOracle, corpusRegistry } from '../helpers/oracle.js';
import { SKIP_NO_TSHARK, tsharkFields } from '../helpers/tshark.js';

const bytes = (...xs: number[]) => Uint8Array.from(xs);
const seg = (options: { kind: number; [k: string]: unknown }[], flags = { flagSyn: 1 }) =>
  build(
    ethernet.make(),
    ipv4.make({ src: ip('192.0.2.1'), dst: ip('192.0.2.2') }),
    tcp.make({ srcport: 40000, dstport: 443, seq: 1, ...flags }, options),
  );
const kindsOf = (f: ReturnType<typeof analyse>) =>
  tcp.computed!['tcp.option_kind'](find(f, 'tcp')!, f, defaultRegistry);
const opts = (f: ReturnType<typeof analyse>) => details<DecodedOption[]>(f, find(f, 'tcp')!, defaultRegistry)!;

test('tcp options: MPTCP, TCP-AO, MD5, TFO, AccECN and experimental options round-trip', () => {
  const f = analyse(
    seg([
      { kind: 30, data: bytes(0x01, 0x81, 1, 2, 3, 4, 5, 6, 7, 8) }, // MP_CAPABLE v1 (RFC 8684 §3.1)
      { kind: 29, data: bytes(7, 9, 0xaa, 0xbb, 0xcc, 0xdd) }, // TCP-AO KeyID 7, RNextKeyID 9
      { kind: 34, data: bytes(1, 2, 3, 4, 5, 6, 7, 8) }, // TFO cookie
    ]),
    { checksums: true },
  );
  assert.deepEqual(f.issues, []);
  const o = opts(f);
  assert.deepEqual(
    o.map((x) => x.name),
    ['mptcp', 'tcp_ao', 'tfo', 'eol'],
  );
  assert.equal(o[0].subtype, 0);
  assert.equal(o[0].subtypeName, 'MP_CAPABLE');
  assert.equal(o[0].version, 1);
  assert.equal(o[0].data, '01810102030405060708');
  assert.equal(o[1].keyId, 7);
  assert.equal(o[1].rnextKeyId, 9);
  assert.equal(o[1].mac, 'aabbccdd');
  assert.equal(o[2].cookie, '0102030405060708');

  const g = analyse(
    seg([
      { kind: 19, data: new Uint8Array(16).fill(0x5a) }, // RFC 2385
      { kind: 34 }, // TFO cookie request
      { kind: 172, data: bytes(0, 0, 1, 0, 0, 2, 0, 0, 3) }, // AccECN0: EE0B, ECEB, EE1B
      { kind: 1 },
      { kind: 174, data: bytes(0, 0, 9) }, // AccECN1: EE1B only
    ]),
  );
  const p = opts(g);
  assert.equal(p[0].digest, '5a'.repeat(16));
  assert.equal(p[1].request, true);
  assert.deepEqual([p[2].ee0b, p[2].eceb, p[2].ee1b], [1, 2, 3]);
  assert.equal(p[4].ee1b, 9);
  assert.equal(p[4].eceb, undefined);

  const h = analyse(
    seg([
      { kind: 254, data: bytes(0xf9, 0x89, 0xde, 0xad, 0xbe, 0xef) }, // TFO, experimental form (RFC 7413)
      { kind: 253, data: bytes(0x12, 0x34, 0x56) }, // some other experiment (RFC 6994)
      { kind: 254, data: bytes(0xac, 0xc0, 0, 0, 1) }, // AccECN, experimental form
    ]),
  );
  const q = opts(h);
  assert.deepEqual(q[0], {
    kind: 254,
    name: 'experimental',
    length: 8,
    exid: 0xf989,
    experiment: 'tfo',
    cookie: 'deadbeef',
  });
  assert.deepEqual(q[1], { kind: 253, name: 'experimental', length: 5, exid: 0x1234, data: '56' });
  assert.equal(q[2].experiment, 'accecn0');
  assert.equal(q[2].ee0b, 1);
});

test('tcp options: option_kind keeps listing after EOL, as the zero padding is', () => {
  const f = analyse(
    seg([
      { kind: 2, mss: 1460 },
      { kind: 1 },
      { kind: 3, shift: 7 },
      { kind: 1 },
      { kind: 1 },
      { kind: 4 },
      { kind: 0 },
    ]),
  );
  // 4 + 1 + 3 + 1 + 1 + 2 + 1 = 13 bytes, padded to 16 with zeros: three more EOLs on the wire.
  assert.deepEqual(kindsOf(f), [2, 1, 3, 1, 1, 4, 0, 0, 0, 0]);
  // The decoded list stops at the first EOL (RFC 9293 §3.2: what follows is padding).
  assert.deepEqual(
    opts(f).map((o) => o.kind),
    [2, 1, 3, 1, 1, 4, 0],
  );
});

test('tcp options: a length below 2 or past the header ends option_kind, unlisted', () => {
  const pkt = seg([{ kind: 1 }, { kind: 1 }, { kind: 1 }, { kind: 1 }]);
  pkt[14 + 20 + 22] = 8; // timestamps with length 10 in a 4-byte option area
  pkt[14 + 20 + 23] = 10;
  const f = analyse(pkt);
  assert.deepEqual(kindsOf(f), [1, 1]);
  assert.equal(opts(f).at(-1)!.malformed, true);
});

test('tcp options: tshark lists the same option kinds for segments we built', { skip: SKIP_NO_TSHARK }, () => {
  const sets = [
    [{ kind: 2, mss: 1460 }, { kind: 4 }, { kind: 8, tsval: 1, tsecr: 0 }, { kind: 1 }, { kind: 3, shift: 7 }],
    [
      { kind: 30, data: bytes(0x01, 0x81, 1, 2, 3, 4, 5, 6, 7, 8) },
      { kind: 34, data: bytes(1, 2, 3, 4) },
    ],
    [
      { kind: 29, data: bytes(7, 9, 0xaa, 0xbb) },
      { kind: 19, data: new Uint8Array(16) },
    ],
    [
      { kind: 172, data: bytes(0, 0, 1, 0, 0, 2, 0, 0, 3) },
      { kind: 254, data: bytes(0xf9, 0x89) },
    ],
    [{ kind: 5, blocks: [{ left: 10, right: 20 }] }, { kind: 99, data: bytes(1) }, { kind: 0 }],
  ];
  const pkts = sets.map((s) => seg(s));
  const rows = tsharkFields(pkts, [
    'tcp.option_kind',
    'tcp.options.mss_val',
    'tcp.options.mptcp.subtype',
    'tcp.options.tfo.cookie',
    'tcp.options.acc_ecn.eceb',
    'tcp.options.sack_le',
  ]);
  for (const [i, p] of pkts.entries()) {
    const f = analyse(p);
    assert.equal((kindsOf(f) as number[]).join(','), rows[i][0], `segment ${i + 1}`);
    const o = opts(f);
    const mss = o.find((x) => x.kind === 2)?.mss;
    assert.equal(mss === undefined ? '' : String(mss), rows[i][1]);
    const mp = o.find((x) => x.kind === 30)?.subtype;
    assert.equal(mp === undefined ? '' : String(mp), rows[i][2]);
    const ck = o.find((x) => x.kind === 34)?.cookie as string | undefined;
    assert.equal(ck ?? '', rows[i][3].replace(/:/g, ''));
    const ec = o.find((x) => x.kind === 172)?.eceb;
    assert.equal(ec === undefined ? '' : String(ec), rows[i][4]);
  }
});

test('tcp options: oracle agreement on the option captures', { skip: SKIP_NO_CORPUS }, () => {
  const files = [
    'pcapplusplus__TcpPacketWithOptions.pcap',
    'zeek__tcp_options.pcap',
    'zeek__tcp_option-sack.pcap',
    'tcpdump__mptcp-v1.pcap',
    'tcpdump__tfo-5c1fa7f9ae91.pcap',
    'tcpdump__accecn_handshake.pcap',
    'zeek__tcp_truncated-header.pcap',
    'zeek__ipv4_fragmented-syn.pcap',
    'tcpdump__tcp-auth-heapoverflow.pcap',
  ];
  let agree = 0;
  for (const file of files) {
    const r = compareOracle(file, ['tcp.option_kind', 'tcp.hdr_len', 'tcp.srcport'], corpusRegistry());
    assert.deepEqual(r.bugs, []);
    for (const [n, t] of r.fields) {
      assert.equal(t.disagree + t.missing + t.extra, 0, `${file} ${n}: ${t.examples.join('; ')}`);
      if (n === 'tcp.option_kind') agree += t.agree;
    }
  }
  assert.equal(agree, 44);
  const reg = corpusRegistry();
  const all = (file: string) =>
    [...readFramesSync(corpusPath(file), { registry: reg })].flatMap((f) => {
      const l = find(f, 'tcp');
      return l?.complete ? (details<DecodedOption[]>(f, l, reg) ?? []) : [];
    });
  const mp = all('tcpdump__mptcp-v1.pcap').filter((o) => o.kind === 30);
  assert.ok(mp.length > 10);
  const subtypes = new Set(mp.map((o) => o.subtypeName));
  for (const s of ['MP_CAPABLE', 'DSS']) assert.ok(subtypes.has(s), s);
  assert.ok(mp.filter((o) => o.subtypeName === 'MP_CAPABLE').every((o) => o.version === 1));
  const tfo = all('tcpdump__tfo-5c1fa7f9ae91.pcap').filter((o) => o.exid === 0xf989);
  assert.ok(tfo.some((o) => o.request === true));
  assert.ok(tfo.some((o) => o.cookie === '090909090000'));
  const acc = all('tcpdump__accecn_handshake.pcap').filter((o) => o.experiment === 'accecn0');
  assert.deepEqual([acc[0].ee0b, acc[0].eceb, acc[0].ee1b], [1, 0, 0]);
  const sack = all('zeek__tcp_option-sack.pcap').filter((o) => o.kind === 5);
  assert.deepEqual(sack[1].blocks, [
    { left: 1, right: 16 },
    { left: 256, right: 4096 },
  ]);
});

test('tcp options: random option bytes never throw', () => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 1, maxLength: 40 }), fc.boolean(), (o, cut) => {
      const n = Math.ceil(o.length / 4) * 4;
      const base = seg([]);
      const buf = new Uint8Array(base.length + n);
      buf.set(base);
      buf.set(o, base.length);
      buf[14 + 20 + 12] = ((20 + n) / 4) << 4;
      buf[16] = (40 + n) >> 8;
      buf[17] = (40 + n) & 0xff;
      const f = analyse(cut ? buf.subarray(0, base.length + (o.length >> 1)) : buf, { details: true });
      assert.deepEqual(
        f.issues.filter((i) => i.kind === 'bug'),
        [],
      );
      const kinds = kindsOf(f) as number[] | undefined;
      if (kinds === undefined) return;
      const all = opts(f) ?? [];
      for (const [i, k] of kinds.slice(0, all.length).entries()) assert.equal(all[i].kind, k);
    }),
    { numRuns: 3000 },
  );
});
