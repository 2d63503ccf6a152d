import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fieldValues } from '../../src/api/fields.js';
import {
  analyse,
  build,
  createRegistry,
  defaultRegistry,
  defineProtocol,
  find,
  ip,
  mac,
  payload,
  u16,
  writePcap,
} from '../../src/index.js';
import { builtins, ethernet, ipv4, llc, snap, udp } from '../../src/protocols/index.js';
import { describe, framesOf, tsharkAgreement } from '../helpers/compare.js';
import { corpusPath, oraclePackets, SKIP_NO_CORPUS } from '../helpers/corpus.js';
import { fuzzLinktype } from '../helpers/mutate.js';
import { SKIP_NO_TSHARK } from '../helpers/tshark-capture.js';

const eth = () => ethernet.make({ src: mac('02:00:00:00:00:01'), dst: mac('01:80:c2:00:00:00') });

/** A stand-in for the IPX helper's protocol: only its EtherType binding matters here. */
const ipxStub = defineProtocol({
  name: 'ipx',
  abbrev: 'ipx',
  title: 'IPX (test stub)',
  layer: 'internet',
  header: { checksum: u16(0, { base: 'hex' }), length: u16(2) },
  bind: { ethertype: [0x8137] },
});
const withIpx = createRegistry([...builtins, ipxStub]);

test('llc: U, I and S formats; header length follows the control field', () => {
  const u = analyse(build(eth(), llc.make({ dsap: 0x42, ssap: 0x42, control: 0x03 }), payload(new Uint8Array(35))));
  assert.deepEqual(u.issues, []);
  const lu = find(u, 'llc')!;
  assert.equal(lu.hdrEnd - lu.start, 3);
  assert.deepEqual(lu.fields, { dsap: 0x42, ig: 0, ssap: 0x42, cr: 0, control: 0x03 });
  assert.equal(find(u, 'ethernet')?.fields.type, 38); // the 802.3 length, derived when building
  // I format: N(S)=5, N(R)=9, P=1 → octets 0x0a 0x13, read little-endian as Wireshark does
  const i = analyse(build(eth(), llc.make({ dsap: 0xf0, ssap: 0xf1, control: 0x130a }), payload('netbios')));
  const li = find(i, 'llc')!;
  assert.equal(li.hdrEnd - li.start, 4);
  assert.equal(li.fields.control, 0x130a);
  assert.equal(li.fields.cr, 1);
  // S format (RR) carries no data: the chain ends at LLC
  const s = analyse(build(eth(), llc.make({ dsap: 0xf0, ssap: 0xf0, control: 0x0201 })));
  assert.equal(find(s, 'llc')?.fields.control, 0x0201);
  assert.equal(s.layers.length, 2);
});

test('snap: RFC 1042 (OUI 0) carries an EtherType; other OUIs go to snap.pid', () => {
  const f = analyse(
    build(
      eth(),
      llc.make({ dsap: 0xaa, ssap: 0xaa }),
      snap.make({ oui: 0, pid: 0x0800 }),
      ipv4.make({ src: ip('10.0.0.1'), dst: ip('10.0.0.2') }),
      udp.make({ srcport: 7, dstport: 9 }),
      payload('ping'),
    ),
    { checksums: true },
  );
  assert.deepEqual(f.issues, []);
  assert.deepEqual(
    f.layers.map((l) => l.protocol),
    ['ethernet', 'llc', 'snap', 'ipv4', 'udp'],
  );
  assert.deepEqual(fieldValues(f, 'llc.type', defaultRegistry), ['0x0800']);
  assert.deepEqual(fieldValues(f, 'eth.type', defaultRegistry), []);
  const cdp = analyse(
    build(eth(), llc.make({ dsap: 0xaa, ssap: 0xaa }), snap.make({ oui: 0x00000c, pid: 0x2000 }), payload('cdp')),
  );
  assert.deepEqual(fieldValues(cdp, 'llc.pid', defaultRegistry), ['0x2000']);
  assert.equal(cdp.layers.length, 3);
});

test('novell raw 802.3 and LLC SAP 0xE0 both reach IPX through the EtherType table', () => {
  const ipxHeader = Uint8Array.of(0xff, 0xff, 0x00, 0x1e, ...new Array(26).fill(0));
  const raw = analyse(build(eth(), payload(ipxHeader)), { registry: withIpx });
  assert.deepEqual(
    raw.layers.map((l) => l.protocol),
    ['ethernet', 'novell', 'ipx'],
  );
  assert.equal(raw.layers[1].hdrEnd, raw.layers[1].start); // a zero-length marker
  const sap = analyse(build(eth(), llc.make({ dsap: 0xe0, ssap: 0xe0 }), payload(ipxHeader)), { registry: withIpx });
  assert.deepEqual(
    sap.layers.map((l) => l.protocol),
    ['ethernet', 'llc', 'ipx'],
  );
  // without an IPX protocol the chain simply ends (no issue)
  assert.deepEqual(analyse(build(eth(), payload(ipxHeader))).issues, []);
});

test('llc/snap against tshark on a capture we wrote', { skip: SKIP_NO_TSHARK }, async () => {
  const frames = [
    build(eth(), llc.make({ dsap: 0x42, ssap: 0x42 }), payload(new Uint8Array(40))),
    build(eth(), llc.make({ dsap: 0xf0, ssap: 0xf1, control: 0x130a }), payload(new Uint8Array(40))),
    build(eth(), llc.make({ dsap: 0xf0, ssap: 0xf0, control: 0x0201 }), payload(new Uint8Array(40))),
    build(
      eth(),
      llc.make({ dsap: 0xaa, ssap: 0xaa }),
      snap.make({ oui: 0, pid: 0x0800 }),
      ipv4.make({ src: ip('10.1.1.1'), dst: ip('10.1.1.2') }),
      udp.make({ srcport: 1, dstport: 2 }),
      payload('abc'),
    ),
    build(
      eth(),
      llc.make({ dsap: 0xaa, ssap: 0xaa }),
      snap.make({ oui: 0x00000c, pid: 0x2000 }),
      payload(new Uint8Array(40)),
    ),
    build(eth(), llc.make({ dsap: 0x42, ssap: 0x43, control: 0x13 }), payload(new Uint8Array(40))),
  ];
  const a = await tsharkAgreement(writePcap(frames.map((data) => ({ data }))), [
    'eth.len',
    'eth.type',
    'llc.dsap',
    'llc.ssap',
    'llc.control',
    'llc.oui',
    'llc.type',
    'ip.src',
    'udp.dstport',
  ]);
  assert.equal(a.mismatches.length, 0, describe(a));
});

test('llc oracle: frames tshark shows with llc (and ipx) have an llc layer, others none', {
  skip: SKIP_NO_CORPUS,
}, async () => {
  let checked = 0;
  for (const file of [
    'tcpdump__ipx.pcap',
    'tcpdump__ipx-invalid-length.pcap',
    'tcpdump__MSTP_Intra-Region_BPDUs.pcap',
    'pcapplusplus__VlanPackets.pcap',
    'pcapng-decoder__name_resolution_test.pcapng',
  ]) {
    const t = oraclePackets(file);
    const pc = t.col('frame.protocols');
    const frames = await framesOf(corpusPath(file), withIpx);
    for (const [i, row] of t.rows.entries()) {
      const stack = row[pc].split(':');
      const ours = frames[i].layers.map((l) => l.protocol);
      assert.equal(ours.includes('llc'), stack.includes('llc'), `${file} ${i + 1}: ${ours} vs ${row[pc]}`);
      if (stack.includes('ipx')) assert.ok(ours.includes('ipx'), `${file} ${i + 1}`);
      checked++;
    }
  }
  assert.ok(checked > 700);
});

test('fuzz: mutated 802.3 / LLC / SNAP / Novell frames', () => {
  fuzzLinktype(1, [
    build(eth(), llc.make({ dsap: 0xaa, ssap: 0xaa }), snap.make({ oui: 0, pid: 0x0800 }), ipv4.make({}), udp.make({})),
    build(eth(), llc.make({ dsap: 0xf0, ssap: 0xf0, control: 0x0000 }), payload('x')),
    build(eth(), payload(Uint8Array.of(0xff, 0xff, 0, 30, 0, 0))),
  ]);
});
