/**
 * The link-layer fields over the whole corpus: agreement with the tshark oracle for every field the
 * oracle has for these protocols, every capture read to the end with no decoder exception, and
 * corpus frames with mutated octets (Wireshark's `editcap -E` idea) through the link decoders.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { analyse } from '../../src/api/analyse.js';
import { type Agreement, describe, framesOf, oracleAgreement } from '../helpers/compare.js';
import { corpusFiles, corpusPath, manifest, SKIP_NO_CORPUS } from '../helpers/corpus.js';

const LINK_FIELDS = [
  'eth.src',
  'eth.dst',
  'eth.type',
  'vlan.id',
  'vlan.etype',
  'arp.opcode',
  'arp.src.proto_ipv4',
  'arp.dst.proto_ipv4',
  'null.family',
  'sll.pkttype',
  'sll.etype',
  'l2tp.version',
  'l2tp.type',
];

test('link fields agree with the tshark oracle on ≥ 99.5% of values, field by field', {
  skip: SKIP_NO_CORPUS,
  timeout: 600_000,
}, async () => {
  const total = new Map<string, [number, number]>();
  const bad: string[] = [];
  for (const file of corpusFiles()) {
    let a: Agreement;
    try {
      a = await oracleAgreement(file, LINK_FIELDS);
    } catch {
      continue; // no oracle for this file
    }
    for (const [k, [ok, n]] of a.fields) {
      const t = total.get(k) ?? [0, 0];
      total.set(k, [t[0] + ok, t[1] + n]);
    }
    if (a.mismatches.length) bad.push(`${file}\n${describe(a)}`);
  }
  const lines = [...total].map(([k, [ok, n]]) => `${k} ${ok}/${n} (${((100 * ok) / n).toFixed(2)}%)`);
  for (const k of LINK_FIELDS) {
    const [ok, n] = total.get(k) ?? [0, 0];
    assert.ok(n > 0, `${k}: nothing compared`);
    assert.ok(ok / n >= 0.995, `${k}: ${ok}/${n}\n${lines.join('\n')}\n${bad.join('\n')}`);
  }
});

test('every corpus capture reads to the end with no decoder exception', {
  skip: SKIP_NO_CORPUS,
  timeout: 600_000,
}, async () => {
  const rows = new Map(manifest().map((r) => [r.file, r]));
  for (const file of corpusFiles()) {
    const frames = await framesOf(corpusPath(file));
    const bugs = frames.flatMap((f) =>
      f.issues.filter((i) => i.kind === 'bug').map((i) => `${f.n}: ${i.code} ${i.message}`),
    );
    assert.deepEqual(bugs, [], file);
    const want = Number.parseInt(rows.get(file)?.frames ?? '', 10);
    if (Number.isFinite(want) && !/pcapng/.test(file)) assert.equal(frames.length, want, file);
  }
});

test('mutated corpus frames of every link type we decode never throw', {
  skip: SKIP_NO_CORPUS,
  timeout: 600_000,
}, async () => {
  const files = [
    'dpkt__nb6-http.pcap',
    'tcpdump__l2tp-avp-overflow.pcap',
    'zeek__vlan-qinqinq.pcap',
    'tcpdump__802.1ad_QinQ.pcap',
    'pcapplusplus__sll.pcap',
    'zeek__linux_dlt_sll2.pcap',
    'pcapplusplus__null_loopback.pcap',
    'pcapplusplus__raw_ip.pcap',
    'tcpdump__ipx.pcap',
    'pcapplusplus__VlanPackets.pcap',
    'zeek__arp-who-has.pcap',
    'tcpdump__babel.pcap',
  ];
  const seeds: { data: Uint8Array; linktype: number }[] = [];
  for (const file of files) {
    for (const f of (await framesOf(corpusPath(file))).slice(0, 40)) {
      seeds.push({ data: f.bytes.u8.slice(f.start, f.end), linktype: f.linktype });
    }
  }
  fc.assert(
    fc.property(
      fc.constantFrom(...seeds),
      fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }),
      fc.nat(),
      ({ data, linktype }, flips, cut) => {
        const d = data.slice(0, 1 + (cut % data.length));
        for (const [at, v] of flips) d[at % d.length] = v;
        const fr = analyse(d, { linktype, checksums: true });
        for (const i of fr.issues) assert.notEqual(i.kind, 'bug', `${i.code} ${i.message}`);
      },
    ),
    { numRuns: 3000 },
  );
});
