import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fieldValues } from '../../src/api/fields.js';
import { concat } from '../../src/core/bytes.js';
import { analyse, build, defaultRegistry, find, ip, ip6, payload, writePcap } from '../../src/index.js';
import { ipv4, ipv6, loop, nullLoopback, ppp, udp } from '../../src/protocols/index.js';
import { describe, oracleAgreement, tsharkAgreement } from '../helpers/compare.js';
import { SKIP_NO_CORPUS } from '../helpers/corpus.js';
import { fuzzLinktype } from '../helpers/mutate.js';
import { SKIP_NO_TSHARK } from '../helpers/tshark-capture.js';

const v4 = () => [
  ipv4.make({ src: ip('127.0.0.1'), dst: ip('127.0.0.1') }),
  udp.make({ srcport: 1, dstport: 2 }),
  payload('lo'),
];
const v6 = () => [ipv6.make({ src: ip6('::1'), dst: ip6('::1') }), udp.make({ srcport: 1, dstport: 2 }), payload('lo')];
const body4 = () => build(...v4());

test('null: build → analyse; the family follows the inner protocol (IPv6 as BSD 24), little-endian', () => {
  const a = build(nullLoopback.make(), ...v4());
  assert.deepEqual([...a.subarray(0, 4)], [2, 0, 0, 0]);
  const fa = analyse(a, { linktype: 0, checksums: true });
  assert.deepEqual(fa.issues, []);
  assert.deepEqual(find(fa, 'null')?.fields, { family: 2, type: undefined, ppp: false });
  assert.ok(find(fa, 'udp'));
  const b = build(nullLoopback.make(), ...v6());
  assert.deepEqual([...b.subarray(0, 4)], [24, 0, 0, 0]);
  const fb = analyse(b, { linktype: 0 });
  assert.equal(fb.layers[1].protocol, 'ipv6');
  for (const fam of [28, 30, 10]) {
    const f = analyse(build(nullLoopback.make({ family: fam }), ...v6()), { linktype: 0 });
    assert.equal(f.layers[1]?.protocol, 'ipv6', String(fam));
  }
});

test('null: the four header shapes Wireshark reads (host order either way, IRIX snoop, Linux EtherType) and FF 03', () => {
  const headers: [number[], Record<string, unknown>][] = [
    [[2, 0, 0, 0], { family: 2 }], // little-endian host
    [[0, 0, 0, 2], { family: 2 }], // big-endian host
    [[0, 2, 0, 0], { family: 2 }], // IRIX/UNICOS snoop, read on little-endian
    [[0x0f, 0, 8, 0], { type: 0x0800 }], // old Linux DLT_NULL (pcapplusplus null_loopback frame 3)
    [[0, 0, 8, 0], { type: 0x0800 }],
  ];
  for (const [h, want] of headers) {
    const f = analyse(concat([Uint8Array.from(h), body4()]), { linktype: 0 });
    const l = find(f, 'null')!;
    for (const [k, v] of Object.entries(want)) assert.equal((l.fields as Record<string, unknown>)[k], v, `${h}`);
    assert.equal(f.layers[1]?.protocol, 'ipv4', `${h}`);
  }
  const p = analyse(build(ppp.make({ address: 0xff, protocol: 0x21 }), ...v4()), { linktype: 0 });
  assert.deepEqual(
    p.layers.map((l) => l.protocol),
    ['null', 'ppp', 'ipv4', 'udp'],
  );
  assert.equal(p.layers[0].hdrEnd, p.layers[0].start);
  // an unknown family ends the chain with no issue; null.family shows it
  const u = analyse(concat([Uint8Array.of(99, 0, 0, 0), body4()]), { linktype: 0 });
  assert.deepEqual(u.issues, []);
  assert.deepEqual(fieldValues(u, 'null.family', defaultRegistry), ['99']);
});

test('loop: the family in network byte order', () => {
  const f = analyse(build(loop.make(), ...v6()), { linktype: 108 });
  assert.deepEqual(f.issues, []);
  assert.deepEqual([...f.bytes.u8.subarray(0, 4)], [0, 0, 0, 24]);
  assert.deepEqual(fieldValues(f, 'null.family', defaultRegistry), ['24']);
  assert.equal(f.layers[1].protocol, 'ipv6');
});

test('null/loop against tshark on captures we wrote', { skip: SKIP_NO_TSHARK }, async () => {
  const names = ['null.family', 'null.type', 'ip.src', 'ipv6.src', 'ppp.protocol', 'udp.dstport'];
  const withHeader = (h: number[], inner: Uint8Array) => concat([Uint8Array.from(h), inner]);
  const b6 = build(...v6());
  const nul = [
    withHeader([2, 0, 0, 0], body4()),
    withHeader([0, 0, 0, 2], body4()),
    withHeader([0, 2, 0, 0], body4()),
    withHeader([0x0f, 0, 8, 0], body4()),
    withHeader([24, 0, 0, 0], b6),
    withHeader([28, 0, 0, 0], b6),
    withHeader([30, 0, 0, 0], b6),
    withHeader([0, 0, 0, 30], b6),
    withHeader([7, 0, 0, 0], body4()),
    build(ppp.make({ address: 0xff, protocol: 0x21 }), ...v4()),
  ];
  const a = await tsharkAgreement(
    writePcap(
      nul.map((data) => ({ data })),
      { linktype: 0 },
    ),
    names,
  );
  assert.equal(a.mismatches.length, 0, describe(a));
  const lp = [
    build(loop.make({ family: 2 }), ...v4()),
    build(loop.make({ family: 24 }), ...v6()),
    build(loop.make({ family: 28 }), ...v6()),
  ];
  const b = await tsharkAgreement(
    writePcap(
      lp.map((data) => ({ data })),
      { linktype: 108 },
    ),
    names,
  );
  assert.equal(b.mismatches.length, 0, describe(b));
  assert.equal(b.fields.get('null.family')?.[0], 3);
});

test('null oracle: every corpus capture with LINKTYPE_NULL', { skip: SKIP_NO_CORPUS }, async () => {
  const { manifest } = await import('../helpers/corpus.js');
  const files = manifest()
    .filter((r) => /(^|,)0 \(NULL\)/.test(r.linktype))
    .map((r) => r.file);
  assert.ok(files.length >= 15, String(files.length));
  let n = 0;
  for (const file of files) {
    const a = await oracleAgreement(file, ['null.family', 'ip.src', 'ip.dst', 'ipv6.src', 'ipv6.dst']);
    assert.equal(a.mismatches.length, 0, `${file}\n${describe(a)}`);
    n += a.fields.get('null.family')?.[0] ?? 0;
  }
  assert.equal(n, 660);
});

test('fuzz: mutated NULL and LOOP frames', () => {
  fuzzLinktype(0, [build(nullLoopback.make(), ...v4()), build(ppp.make({ address: 0xff }), ...v4())]);
  fuzzLinktype(108, [build(loop.make(), ...v6())]);
});
