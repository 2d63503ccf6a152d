import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fieldValues } from '../../src/api/fields.js';
import { analyse, build, defaultRegistry, details, find, ip, ip6, mac, payload, writePcap } from '../../src/index.js';
import { ethernet, ipcp, ipv4, ipv6, ipv6cp, lcp, ppp, pppoed, pppoes, udp } from '../../src/protocols/index.js';
import { describe, tsharkAgreement } from '../helpers/compare.js';
import { corpusPath, SKIP_NO_CORPUS } from '../helpers/corpus.js';
import { fuzzLinktype } from '../helpers/mutate.js';
import { SKIP_NO_TSHARK } from '../helpers/tshark-capture.js';

const eth = () => ethernet.make({ src: mac('e0:a1:d7:18:c2:73'), dst: mac('00:17:33:61:00:00') });
const ip4 = () => ipv4.make({ src: ip('10.0.0.1'), dst: ip('10.0.0.2') });

test('pppoes → ppp → ipv4: session stage, PPP without address/control, payload bounded by LENGTH', () => {
  const bytes = build(
    eth(),
    pppoes.make({ code: 0, sessionId: 0x1234 }),
    ppp.make({ protocol: 0x0021 }),
    ip4(),
    udp.make({ srcport: 53, dstport: 53 }),
    payload('dns'),
  );
  const padded = new Uint8Array(bytes.length + 10);
  padded.set(bytes);
  const f = analyse(padded, { checksums: true });
  assert.deepEqual(f.issues, []);
  assert.deepEqual(
    f.layers.map((l) => l.protocol),
    ['ethernet', 'pppoes', 'ppp', 'ipv4', 'udp'],
  );
  const s = find(f, 'pppoes')!;
  assert.deepEqual(s.fields, { version: 1, type: 1, code: 0, sessionId: 0x1234, payloadLength: bytes.length - 20 });
  assert.equal(s.end, bytes.length);
  const p = find(f, 'ppp')!;
  assert.deepEqual(p.fields, { address: undefined, control: undefined, protocol: 0x21, hdrLen: 2 });
  assert.equal(find(f, 'ethernet')?.fields.type, 0x8864);
});

test('ppp: HDLC-like address/control, protocol-field compression, IPv6 and control protocols', () => {
  const hdlc = analyse(
    build(
      ppp.make({ address: 0xff, protocol: 0x0057 }),
      ipv6.make({ src: ip6('fe80::1'), dst: ip6('ff02::1') }),
      udp.make({}),
    ),
    { linktype: 9 },
  );
  assert.deepEqual(
    hdlc.layers.map((l) => l.protocol),
    ['ppp', 'ipv6', 'udp'],
  );
  assert.equal(find(hdlc, 'ppp')?.fields.hdrLen, 4);
  // PFC: protocol 0x21 in one octet (RFC 1661 §6.5)
  const pfc = analyse(build(ppp.make({ protocol: 0x21, hdrLen: 1 }), ip4(), udp.make({})), { linktype: 9 });
  assert.equal(find(pfc, 'ppp')?.fields.hdrLen, 1);
  assert.equal(pfc.layers[1].protocol, 'ipv4');
  // LCP Configure-Request with options, decoded on request
  const opts = [{ kind: 1, mru: 1492 }, { kind: 5, magicNumber: 0xdeadbeef }, { kind: 7 }, { kind: 8 }];
  const cr = analyse(build(ppp.make({ protocol: 0xc021 }), lcp.make({ code: 1, identifier: 7 }, { options: opts })), {
    linktype: 9,
  });
  assert.deepEqual(cr.issues, []);
  const l = find(cr, 'lcp')!;
  assert.equal(l.fields.length, 4 + 4 + 6 + 2 + 2);
  const d = details<{ options: { kind: number; name: string; mru?: number; magicNumber?: number }[] }>(
    cr,
    l,
    defaultRegistry,
  )!;
  assert.deepEqual(
    d.options.map((o) => o.name),
    ['mru', 'magic_number', 'pfc', 'acfc'],
  );
  assert.equal(d.options[0].mru, 1492);
  assert.deepEqual(fieldValues(cr, 'lcp.opt.type', defaultRegistry), ['1', '5', '7', '8']);
  // IPCP and IPV6CP through the 'ppp.proto' table
  const ic = analyse(
    build(
      ppp.make({ protocol: 0x8021 }),
      ipcp.make({ code: 1 }, { options: [{ kind: 3, data: Uint8Array.of(10, 0, 0, 9) }] }),
    ),
    { linktype: 9 },
  );
  const ico = details<{ options: { name: string; address?: string }[] }>(ic, find(ic, 'ipcp')!, defaultRegistry)!;
  assert.deepEqual(ico.options[0], { kind: 3, name: 'ip_address', length: 6, address: '10.0.0.9' });
  const v6 = analyse(
    build(
      ppp.make({ protocol: 0x8057 }),
      ipv6cp.make({ code: 2 }, { options: [{ kind: 1, data: '0011223344556677' }] }),
    ),
    { linktype: 9 },
  );
  assert.equal(find(v6, 'ipv6cp')?.fields.code, 2);
});

test('pppoed: discovery tags, decoded on request', () => {
  const f = analyse(
    build(
      ethernet.make({ dst: mac('ff:ff:ff:ff:ff:ff') }),
      pppoed.make({ code: 0x09 }, [
        { type: 0x0101, data: '' },
        { type: 0x0103, data: Uint8Array.of(1, 2, 3, 4) },
        { type: 0x0120, data: Uint8Array.of(0x05, 0xdc) },
      ]),
    ),
  );
  assert.deepEqual(f.issues, []);
  const d = find(f, 'pppoed')!;
  assert.equal(d.fields.payloadLength, 4 + 8 + 6);
  const tags = details<{ name: string; value?: string; maxPayload?: number; data?: string }[]>(f, d, defaultRegistry)!;
  assert.deepEqual(
    tags.map((t) => t.name),
    ['service_name', 'Host-Uniq', 'max_payload'],
  );
  assert.equal(tags[0].value, '');
  assert.equal(tags[1].data, '01020304');
  assert.equal(tags[2].maxPayload, 1500);
  assert.deepEqual(fieldValues(f, 'pppoed.tags.host_uniq', defaultRegistry), ['01020304']);
});

test('ppp family against tshark on a capture we wrote (PPPoE discovery/session, PFC, LCP, IPCP)', {
  skip: SKIP_NO_TSHARK,
}, async () => {
  const frames = [
    build(
      ethernet.make({ dst: mac('ff:ff:ff:ff:ff:ff') }),
      pppoed.make({ code: 0x09 }, [
        { type: 0x0101, data: 'isp' },
        { type: 0x0103, data: Uint8Array.of(9, 9) },
      ]),
    ),
    build(eth(), pppoed.make({ code: 0x65, sessionId: 0x0042 }, [{ type: 0x0102, data: 'ac' }])),
    build(
      eth(),
      pppoes.make({ sessionId: 0x42 }),
      ppp.make({ protocol: 0xc021 }),
      lcp.make(
        { code: 1, identifier: 3 },
        {
          options: [
            { kind: 1, mru: 1492 },
            { kind: 5, magicNumber: 7 },
          ],
        },
      ),
    ),
    build(
      eth(),
      pppoes.make({ sessionId: 0x42 }),
      ppp.make({ protocol: 0xc021 }),
      lcp.make({ code: 9, identifier: 4 }, { magicNumber: 0xcafebabe }),
    ),
    build(
      eth(),
      pppoes.make({ sessionId: 0x42 }),
      ppp.make({ protocol: 0x8021 }),
      ipcp.make(
        { code: 3, identifier: 5 },
        {
          options: [
            { kind: 3, data: Uint8Array.of(10, 1, 2, 3) },
            { kind: 129, data: Uint8Array.of(8, 8, 8, 8) },
          ],
        },
      ),
    ),
    build(
      eth(),
      pppoes.make({ sessionId: 0x42 }),
      ppp.make({ protocol: 0x0021 }),
      ip4(),
      udp.make({ srcport: 1, dstport: 2 }),
      payload('x'),
    ),
    build(
      eth(),
      pppoes.make({ sessionId: 0x42 }),
      ppp.make({ protocol: 0x0057 }),
      ipv6.make({ src: ip6('2001:db8::1'), dst: ip6('2001:db8::2') }),
      udp.make({}),
    ),
  ];
  const a = await tsharkAgreement(writePcap(frames.map((data) => ({ data }))), [
    'eth.type',
    'pppoe.version',
    'pppoe.type',
    'pppoe.code',
    'pppoe.session_id',
    'pppoe.payload_length',
    'pppoed.tags.service_name',
    'pppoed.tags.ac_name',
    'pppoed.tags.host_uniq',
    'ppp.protocol',
    'ppp.code',
    'ppp.identifier',
    'ppp.length',
    'lcp.opt.type',
    'lcp.magic_number',
    'ipcp.opt.type',
    'ip.src',
    'ipv6.src',
  ]);
  assert.equal(a.mismatches.length, 0, describe(a));
  const b = await tsharkAgreement(
    writePcap(
      [
        build(ppp.make({ address: 0xff, protocol: 0x0021 }), ip4(), udp.make({})),
        build(ppp.make({ protocol: 0x21, hdrLen: 1 }), ip4(), udp.make({})),
        build(ppp.make({ address: 0xff, protocol: 0xc021 }), lcp.make({ code: 10, identifier: 1 }, { magicNumber: 1 })),
      ].map((data) => ({ data })),
      { linktype: 9 },
    ),
    ['ppp.address', 'ppp.control', 'ppp.protocol', 'ip.src', 'lcp.magic_number'],
  );
  assert.equal(b.mismatches.length, 0, describe(b));
});

test('ppp family against tshark on dpkt nb6-http (PPPoE, L2TP, PPP, LCP)', {
  skip: SKIP_NO_CORPUS || SKIP_NO_TSHARK,
}, async () => {
  const a = await tsharkAgreement(new Uint8Array(readFileSync(corpusPath('dpkt__nb6-http.pcap'))), [
    'pppoe.version',
    'pppoe.type',
    'pppoe.code',
    'pppoe.session_id',
    'pppoe.payload_length',
    'ppp.address',
    'ppp.control',
    'ppp.protocol',
    'ppp.code',
    'ppp.identifier',
    'ppp.length',
    'lcp.magic_number',
    'ipv6.src',
  ]);
  assert.equal(a.mismatches.length, 0, describe(a));
  assert.equal(a.fields.get('pppoe.session_id')?.[0], 46);
});

test('fuzz: mutated PPPoE / PPP / LCP frames', () => {
  fuzzLinktype(1, [
    build(
      eth(),
      pppoes.make({}),
      ppp.make({ protocol: 0xc021 }),
      lcp.make({ code: 1 }, { options: [{ kind: 1, mru: 1 }] }),
    ),
    build(eth(), pppoed.make({ code: 9 }, [{ type: 0x0101, data: 'x' }])),
  ]);
  fuzzLinktype(9, [
    build(
      ppp.make({ address: 0xff, protocol: 0x8021 }),
      ipcp.make({ code: 2 }, { options: [{ kind: 3, data: '0a000001' }] }),
    ),
  ]);
});
