import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import type { DecodedOption } from '../../src/core/options.js';
import { analyse, build, defaultRegistry, details, find, ip, readFramesSync } from '../../src/index.js';
import { ethernet, icmp, ipv4 } from '../../src/protocols/index.js';
import { corpusPath, SKIP_NO_CORPUS } from '../helpers/corpus.js';
import { compareOracle, corpusRegistry } from '../helpers/oracle.js';
import { SKIP_NO_TSHARK, tsharkFields } from '../helpers/tshark.js';

const bytes = (...xs: number[]) => Uint8Array.from(xs);
const optType = (f: ReturnType<typeof analyse>) => {
  const l = find(f, 'ipv4')!;
  return ipv4.computed!['ip.opt.type'](l, f, defaultRegistry);
};
const withOptions = (options: { kind: number; [k: string]: unknown }[]) =>
  analyse(
    build(ethernet.make(), ipv4.make({ src: ip('10.0.0.1'), dst: ip('10.0.0.2') }, options), icmp.make({ type: 8 })),
    { checksums: true },
  );
const opts = (f: ReturnType<typeof analyse>) => details<DecodedOption[]>(f, find(f, 'ipv4')!, defaultRegistry)!;

test('ipv4 options: every kind with a decoder round-trips through build → analyse', () => {
  const f = withOptions([
    { kind: 148, value: 0 }, // Router Alert (RFC 2113)
    { kind: 7, data: bytes(4, 10, 0, 0, 1, 0, 0, 0, 0) }, // Record Route, one address recorded
    { kind: 68, data: bytes(9, 0x01, 192, 0, 2, 1, 0, 0, 0, 42) }, // Timestamp, flag 1
    { kind: 130, data: bytes(0xab, 0x20) }, // Security (RFC 1108)
    { kind: 133, data: bytes(1, 0xee) }, // Extended Security
    { kind: 0 },
  ]);
  const g = withOptions([
    { kind: 82, data: bytes(0, 7, 0, 3, 0xff, 0xff, 10, 0, 0, 1) }, // Traceroute (RFC 1393)
    { kind: 25, data: bytes(0x05, 64, 0, 0, 0, 4) }, // Quick-Start (RFC 4782)
    { kind: 149, data: bytes(10, 0, 0, 255) }, // Selective Directed Broadcast (RFC 1770)
    { kind: 11, mtu: 1500 }, // MTU probe (RFC 1063)
    { kind: 0 },
  ]);
  assert.deepEqual(f.issues, []);
  assert.deepEqual(g.issues, []);
  const o = [...opts(f).slice(0, -1), ...opts(g)];
  assert.deepEqual(
    o.map((x) => x.name),
    ['rtralt', 'rr', 'ts', 'sec', 'esec', 'tr', 'qs', 'sdb', 'mtup', 'eool'],
  );
  assert.equal(o[0].value, 0);
  assert.deepEqual(o[1].route, ['10.0.0.1', '0.0.0.0']);
  assert.equal(o[1].pointer, 4);
  assert.deepEqual(o[2].entries, [{ address: '192.0.2.1', timestamp: 42 }]);
  assert.equal(o[3].level, 0xab);
  assert.equal(o[4].formatCode, 1);
  assert.equal(o[5].returnHops, 0xffff);
  assert.equal(o[5].originator, '10.0.0.1');
  assert.equal(o[6].rate, 5);
  assert.equal(o[6].ttl, 64);
  assert.deepEqual(o[7].addresses, ['10.0.0.255']);
  assert.equal(o[8].mtu, 1500);
  assert.deepEqual(optType(f), [148, 7, 68, 130, 133, 0]);
  assert.deepEqual(optType(g), [82, 25, 149, 11, 0]);
  assert.equal(find(f, 'ipv4')!.fields.hdrLen! % 4, 0);
});

test('ipv4 options: registered kinds without a public format keep their bytes', () => {
  const f = withOptions([
    { kind: 10, data: bytes(1, 2) },
    { kind: 145, data: bytes(3) },
    { kind: 30, data: bytes(4, 5, 6) },
    { kind: 222, data: bytes() },
  ]);
  const o = opts(f);
  assert.deepEqual(
    o.map((x) => [x.name, x.data]),
    [
      ['zsu', '0102'],
      ['eip', '03'],
      ['exp', '040506'],
      ['exp', ''],
      ['eool', undefined],
    ],
  );
});

test('ipv4 options: a length the RFC forbids is malformed; too short, or past the header, ends the list', () => {
  // Router Alert must be 4 bytes long (RFC 2113 §2.1): 3 is too short to read; nothing after it is listed.
  const f = withOptions([{ kind: 1 }, { kind: 148, data: bytes(0) }, { kind: 1 }]);
  const o = opts(f);
  assert.equal(o[1].malformed, true);
  assert.equal(o[1].value, undefined);
  assert.deepEqual(optType(f), [1, 148]);
  // 5 is too long: decoded, marked, and the options after it still count.
  const g = withOptions([{ kind: 148, data: bytes(0, 7, 0) }, { kind: 1 }]);
  assert.equal(opts(g)[0].malformed, true);
  assert.equal(opts(g)[0].value, 7);
  assert.deepEqual(optType(g), [148, 1, 0]);
  // A length byte below 2.
  const pkt = build(ethernet.make(), ipv4.make({}, [{ kind: 1 }, { kind: 1 }, { kind: 1 }, { kind: 1 }]));
  pkt[14 + 22] = 131; // LSR with its length byte = 0x01 (NOP) … too short
  pkt[14 + 23] = 1;
  const h = analyse(pkt);
  assert.deepEqual(optType(h), [1, 1]);
  assert.equal(opts(h).at(-1)!.malformed, true);
  assert.deepEqual(h.issues, []);
});

test('ipv4 options: EOL ends the list; the padding after it is not listed', () => {
  const f = withOptions([{ kind: 148, value: 0 }, { kind: 0 }, { kind: 0 }, { kind: 0 }, { kind: 0 }]);
  assert.deepEqual(optType(f), [148, 0]);
  assert.equal(opts(f).length, 2);
});

test('ipv4 options: tshark lists the same option types for packets we built', { skip: SKIP_NO_TSHARK }, () => {
  const sets = [
    [{ kind: 148, value: 0 }],
    [{ kind: 130, data: bytes(0xab, 0x20) }, { kind: 0 }],
    [{ kind: 82, data: bytes(0, 7, 0, 3, 0xff, 0xff, 10, 0, 0, 1) }, { kind: 1 }, { kind: 11, mtu: 1500 }],
    [
      { kind: 25, data: bytes(0x05, 64, 0, 0, 0, 4) },
      { kind: 149, data: bytes(10, 0, 0, 255) },
    ],
    [
      { kind: 137, data: bytes(4, 10, 9, 9, 9) },
      { kind: 68, data: bytes(5, 0, 0, 0, 0, 1) },
    ],
    [{ kind: 1 }, { kind: 148, data: bytes(0) }, { kind: 1 }],
    [{ kind: 148, data: bytes(0, 0, 0) }, { kind: 1 }],
    [{ kind: 7, data: bytes() }, { kind: 1 }],
    [{ kind: 82, data: bytes(0, 0, 0, 0, 0, 0, 0, 0, 0) }, { kind: 1 }],
    [{ kind: 134, data: bytes(0, 0, 0, 1, 0, 0) }, { kind: 1 }],
    [{ kind: 149, data: bytes(1, 2) }, { kind: 1 }],
  ];
  const pkts = sets.map((s) =>
    build(ethernet.make(), ipv4.make({ src: ip('10.0.0.1'), dst: ip('10.0.0.2') }, s), icmp.make({ type: 8 })),
  );
  const rows = tsharkFields(pkts, ['ip.opt.type']);
  for (const [i, p] of pkts.entries()) {
    assert.equal((optType(analyse(p)) as number[]).join(','), rows[i][0], `packet ${i + 1}`);
  }
});

test('ipv4 options: tshark 4.0 does not list option types it has no decoder for', { skip: SKIP_NO_TSHARK }, () => {
  // ZSU (10) is a registered option type (IANA); tshark 4.0 shows it as "Unknown" without ip.opt.type.
  const p = build(
    ethernet.make(),
    ipv4.make({}, [{ kind: 10, data: bytes(1, 2) }, { kind: 1 }, { kind: 1 }]),
    icmp.make({ type: 8 }),
  );
  assert.deepEqual(optType(analyse(p)), [10, 1, 1, 0]);
  assert.deepEqual(tsharkFields([p], ['ip.opt.type']), [['1,1,0']]);
});

test('ipv4 options: oracle agreement on the option captures', { skip: SKIP_NO_CORPUS }, () => {
  const files = [
    'pcapplusplus__ipv4-options.pcap',
    'tcpdump__ip_ts_opts_asan.pcap',
    'tcpdump__ip_printroute_asan.pcap',
  ];
  let agree = 0;
  for (const file of files) {
    const r = compareOracle(file, ['ip.opt.type', 'ip.hdr_len', 'ip.src'], corpusRegistry());
    assert.deepEqual(r.bugs, []);
    for (const [n, t] of r.fields) {
      assert.equal(t.disagree + t.missing + t.extra, 0, `${file} ${n}: ${t.examples.join('; ')}`);
      if (n === 'ip.opt.type') agree += t.agree;
    }
  }
  assert.equal(agree, 8);
  const reg = corpusRegistry();
  const frames = [...readFramesSync(corpusPath('pcapplusplus__ipv4-options.pcap'), { registry: reg })];
  const od = (n: number) => details<DecodedOption[]>(frames[n - 1], find(frames[n - 1], 'ipv4')!, reg)!;
  assert.equal(od(1)[0].name, 'cipso');
  assert.equal(od(2)[0].name, 'ts');
  assert.equal((od(2)[0].entries as unknown[]).length, 9);
  assert.equal(od(3)[0].value, 0); // router alert
  assert.equal((od(4)[0].route as string[]).length, 9);
  assert.deepEqual(od(6)[1].route, ['0.0.0.0']); // strict source route
  // The fuzzed timestamp option: one entry and a trailing partial one; then an option running past the header.
  const ts = [...readFramesSync(corpusPath('tcpdump__ip_ts_opts_asan.pcap'), { registry: reg })][0];
  const t = details<DecodedOption[]>(ts, find(ts, 'ipv4')!, reg)!;
  assert.deepEqual(t[0].entries, [{ address: '0.0.52.112', timestamp: 1229070338 }]);
  assert.equal(t[1].kind, 0xf5);
  assert.equal(t[1].malformed, true);
  // A header cut by the capture: the layer is partial, no option types are claimed.
  const pr = [...readFramesSync(corpusPath('tcpdump__ip_printroute_asan.pcap'), { registry: reg })][0];
  assert.equal(find(pr, 'ipv4')!.complete, false);
  assert.deepEqual(
    pr.issues.map((i) => [i.kind, i.code]),
    [['truncated', 'ipv4.short']],
  );
});

test('ipv4 options: random option bytes never throw', () => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 1, maxLength: 40 }), (o) => {
      const n = Math.ceil(o.length / 4) * 4;
      const pkt = build(ethernet.make(), ipv4.make({ hdrLen: 20 + n }), icmp.make({ type: 8 }));
      const buf = new Uint8Array(pkt.length + n);
      buf.set(pkt.subarray(0, 34));
      buf.set(o, 34);
      buf.set(pkt.subarray(34), 34 + n);
      buf[14] = 0x40 | ((20 + n) / 4);
      buf[16] = (28 + n) >> 8;
      buf[17] = (28 + n) & 0xff;
      const f = analyse(buf, { details: true });
      assert.deepEqual(
        f.issues.filter((i) => i.kind === 'bug'),
        [],
      );
      const kinds = optType(f) as number[];
      assert.ok(Array.isArray(kinds));
      // The listed types are a prefix of the decoded options, in order.
      const all = opts(f) ?? [];
      assert.ok(kinds.length <= all.length);
      for (const [i, k] of kinds.entries()) assert.equal(all[i].kind, k);
    }),
    { numRuns: 3000 },
  );
});
