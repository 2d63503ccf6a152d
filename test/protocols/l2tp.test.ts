import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fieldValues } from '../../src/api/fields.js';
import { analyse, build, defaultRegistry, details, find, ip, mac, payload, writePcap } from '../../src/index.js';
import { ethernet, ipv4, l2tp, l2tpip, lcp, ppp, udp } from '../../src/protocols/index.js';
import { avpKey, type L2tpAvp } from '../../src/protocols/l2tp.js';
import { describe, oracleAgreement, tsharkAgreement } from '../helpers/compare.js';
import { corpusPath, SKIP_NO_CORPUS } from '../helpers/corpus.js';
import { fuzzLinktype } from '../helpers/mutate.js';
import { SKIP_NO_TSHARK } from '../helpers/tshark-capture.js';

const eth = () => ethernet.make({ src: mac('02:00:00:00:00:01'), dst: mac('02:00:00:00:00:02') });
const ip4 = () => ipv4.make({ src: ip('10.0.0.1'), dst: ip('10.0.0.2') });
const u = () => udp.make({ srcport: 1701, dstport: 1701 });

const sccrq = () =>
  build(
    eth(),
    ip4(),
    u(),
    l2tp.make({ type: 1, tunnel: 0, session: 0, ns: 0, nr: 0 }, [
      { type: 0, mandatory: true, messageType: 1 },
      { type: 2, mandatory: true, data: '0100' },
      { type: 7, mandatory: true, value: 'lac.example' },
      { type: 9, mandatory: true, tunnelId: 4242 },
      { type: 10, windowSize: 4 },
      { type: 3, framing: 3 },
      { type: 99, vendorId: 9, data: 'deadbeef' },
      { type: 36, hidden: true, data: '0011223344' },
    ]),
  );
const v2data = () =>
  build(
    eth(),
    ip4(),
    u(),
    l2tp.make({ type: 0, tunnel: 7, session: 9, priority: 1, offset: 3, ns: 5, nr: 6, lengthBit: 1 }),
    ppp.make({ address: 0xff, protocol: 0xc021 }),
    lcp.make({ code: 9, identifier: 1 }, { magicNumber: 0x12345678 }),
  );
const v3ctl = () =>
  build(
    eth(),
    ip4(),
    u(),
    l2tp.make({ version: 3, type: 1, ccid: 0xabcdef01, ns: 1, nr: 2 }, [
      { type: 0, mandatory: true, messageType: 10 },
      { type: 63, sessionId: 77 },
      { type: 68, pwType: 5 },
    ]),
  );
const v3data = () =>
  build(eth(), ip4(), u(), l2tp.make({ version: 3, type: 0, sid: 0x1234 }), payload('an ethernet frame, say.....'));
const ipCtl = () =>
  build(eth(), ip4(), l2tpip.make({ type: 1, ccid: 5, ns: 3, nr: 4 }, [{ type: 0, mandatory: true, messageType: 6 }]));
const ipData = () => build(eth(), ip4(), l2tpip.make({ type: 0, sid: 0x42 }), payload('abcdefgh'.repeat(4)));

test('l2tp v2 control: flags, optional fields and AVPs decoded on request', () => {
  const f = analyse(sccrq(), { checksums: true });
  assert.deepEqual(f.issues, []);
  const l = find(f, 'l2tp')!;
  assert.equal(l.fields.flags, 0xc802);
  assert.deepEqual(
    [
      l.fields.type,
      l.fields.lengthBit,
      l.fields.seqBit,
      l.fields.offsetBit,
      l.fields.version,
      l.fields.tunnel,
      l.fields.ns,
    ],
    [1, 1, 1, 0, 2, 0, 0],
  );
  assert.equal(l.fields.length, l.end - l.start);
  assert.equal(l.hdrEnd, l.end); // the AVPs are the message
  const avps = details<L2tpAvp[]>(f, l, defaultRegistry)!;
  assert.deepEqual(
    avps.map((a) => a.name),
    [
      'message_type',
      'protocol_version',
      'host_name',
      'assigned_tunnel_id',
      'receive_window_size',
      'framing_capabilities',
      'vendor',
      'random_vector',
    ],
  );
  assert.equal(avps[0].messageName, 'SCCRQ');
  assert.equal(avps[2].value, 'lac.example');
  assert.equal(avps[3].tunnelId, 4242);
  assert.deepEqual([avps[1].version, avps[1].revision], [1, 0]);
  assert.equal(avps[7].hidden, true);
  assert.equal(avps[7].data, '0011223344'); // hidden AVPs stay opaque (RFC 2661 §4.3)
  assert.deepEqual(fieldValues(f, 'l2tp.avp.message_type', defaultRegistry), ['1']);
});

test('l2tp: a vendor AVP handler added from outside (registry.withHandler)', () => {
  const reg = defaultRegistry.withHandler('l2tp.avp', avpKey(9, 99), {
    name: 'cisco_99',
    decode: (b, s, e) => ({ word: b.dv.getUint32(s), n: e - s }),
  });
  const f = analyse(sccrq(), { registry: reg });
  const avps = details<L2tpAvp[]>(f, find(f, 'l2tp')!, reg)!;
  assert.deepEqual([avps[6].name, avps[6].word, avps[6].n], ['cisco_99', 0xdeadbeef, 4]);
});

test('l2tp v2 data: length, sequence, offset padding and priority; PPP inside', () => {
  const f = analyse(v2data());
  assert.deepEqual(f.issues, []);
  assert.deepEqual(
    f.layers.map((l) => l.protocol),
    ['ethernet', 'ipv4', 'udp', 'l2tp', 'ppp', 'lcp'],
  );
  const l = find(f, 'l2tp')!;
  assert.deepEqual(
    [l.fields.flags, l.fields.offset, l.fields.hdrLen, l.fields.priority],
    [0x4b02, 3, 2 + 2 + 4 + 4 + 2 + 3, 1],
  );
  assert.deepEqual(fieldValues(f, 'lcp.magic_number', defaultRegistry), ['0x12345678']);
});

test('l2tp v3: control and data over UDP and over IP (protocol 115)', () => {
  const c = analyse(v3ctl());
  assert.deepEqual(c.issues, []);
  assert.deepEqual([find(c, 'l2tp')?.fields.version, find(c, 'l2tp')?.fields.ccid], [3, 0xabcdef01]);
  const d = analyse(v3data());
  assert.deepEqual([find(d, 'l2tp')?.fields.sid, find(d, 'l2tp')?.fields.hdrLen, d.layers.length], [0x1234, 8, 4]);
  const ic = analyse(ipCtl());
  assert.deepEqual(ic.issues, []);
  const il = find(ic, 'l2tpip')!;
  assert.deepEqual([il.fields.sid, il.fields.ccid, il.fields.type, il.fields.length], [0, 5, 1, 20]);
  assert.equal(details<L2tpAvp[]>(ic, il, defaultRegistry)?.[0].messageName, 'HELLO');
  const id = analyse(ipData());
  assert.deepEqual([find(id, 'l2tpip')?.fields.sid, find(id, 'l2tpip')?.hdrEnd], [0x42, 14 + 20 + 4]);
});

test('l2tp: a message longer than the capture keeps its AVPs and names the length field; a bad version stops', () => {
  const full = sccrq();
  const cut = full.subarray(0, full.length - 10);
  const f = analyse(cut);
  const l = find(f, 'l2tp')!;
  assert.ok(l.complete);
  assert.deepEqual(
    f.issues.map((i) => [i.code, i.lenSource]),
    [
      ['ipv4.length_exceeds', 'ip.len'],
      ['udp.length_exceeds', 'udp.length'],
      ['l2tp.length_exceeds', 'l2tp.length'],
    ],
  );
  const avps = details<L2tpAvp[]>(f, l, defaultRegistry)!;
  assert.equal(avps[0].messageName, 'SCCRQ');
  assert.ok(avps[avps.length - 1].malformed);
  const bad = sccrq();
  bad[14 + 20 + 8 + 1] = 0x01; // version 1 (L2F)
  const g = analyse(bad);
  assert.deepEqual(
    g.issues.map((i) => [i.kind, i.code]),
    [['malformed', 'l2tp.unknown_version']],
  );
});

const L2TP_FIELDS = [
  'l2tp.flags',
  'l2tp.type',
  'l2tp.length_bit',
  'l2tp.seq_bit',
  'l2tp.offset_bit',
  'l2tp.priority',
  'l2tp.version',
  'l2tp.length',
  'l2tp.tunnel',
  'l2tp.session',
  'l2tp.Ns',
  'l2tp.Nr',
  'l2tp.offset',
  'l2tp.ccid',
  'l2tp.sid',
  'l2tp.avp.type',
  'l2tp.avp.vendor_id',
  'l2tp.avp.ciscotype',
  'l2tp.avp.length',
  'l2tp.avp.mandatory',
  'l2tp.avp.hidden',
  'l2tp.avp.message_type',
  'ppp.protocol',
];

test('l2tp against tshark on a capture we wrote (v2, v3 over UDP and IP)', { skip: SKIP_NO_TSHARK }, async () => {
  const cap = writePcap([sccrq(), v2data(), v3ctl(), v3data(), ipCtl(), ipData()].map((data) => ({ data })));
  const a = await tsharkAgreement(cap, L2TP_FIELDS);
  assert.equal(a.mismatches.length, 0, describe(a));
  assert.equal(a.fields.get('l2tp.version')?.[0], 5); // a v3 data message over IP has no version field
});

test('l2tp oracle and tshark: dpkt nb6-http (real L2TPv2 over PPPoE) and the fuzzed avp-overflow file', {
  skip: SKIP_NO_CORPUS,
}, async () => {
  for (const file of ['dpkt__nb6-http.pcap', 'tcpdump__l2tp-avp-overflow.pcap']) {
    const a = await oracleAgreement(file, ['l2tp.version', 'l2tp.type', 'udp.srcport', 'ip.src']);
    assert.equal(a.mismatches.filter((m) => m.field.startsWith('l2tp')).length, 0, `${file}\n${describe(a)}`);
    if (!SKIP_NO_TSHARK) {
      const b = await tsharkAgreement(new Uint8Array(readFileSync(corpusPath(file))), L2TP_FIELDS);
      assert.equal(b.mismatches.length, 0, `${file}\n${describe(b)}`);
    }
  }
});

test('fuzz: mutated L2TP over UDP and over IP', () => {
  fuzzLinktype(1, [sccrq(), v2data(), v3ctl(), v3data(), ipCtl(), ipData()], 800);
});
