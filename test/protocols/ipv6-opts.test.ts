import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { analyse, build, defaultRegistry, details, find, ip6, payload } from '../../src/index.js';
import { ethernet, hopopt, ipv6, ipv6Opts, udp } from '../../src/protocols/index.js';
import type { Ipv6Option } from '../../src/protocols/ipv6-opts.js';
import { SKIP_NO_CORPUS } from '../helpers/corpus.js';
import { assertWellFormed, dissectFully } from '../helpers/fuzz.js';
import { compareCapture } from '../helpers/oracle.js';
import { SKIP_NO_TSHARK, tsharkFields } from '../helpers/tshark.js';

const SRC = ip6('2001:db8::1');
const DST = ip6('2001:db8::2');

/** One option of every registered type that has an encoder, with the values to read back. */
const OPTIONS = [
  { kind: 0x05, value: 0 }, // Router Alert: MLD
  { kind: 0x04, limit: 4 }, // Tunnel Encapsulation Limit
  { kind: 0x07, doi: 3, cmptLength: 1, sensLevel: 2, checksum: 0xbeef, bitmap: 'a1b2c3d4' }, // CALIPSO
  { kind: 0x0f, scaleDtlr: 1, scaleDtls: 2, psnThisPkt: 3, psnLastRecv: 4, deltaLastRecv: 5, deltaLastSent: 6 }, // PDM
  { kind: 0x26, func: 0, rate: 5, ttl: 7, nonce: 12345, reserved: 0 }, // Quick-Start request
  { kind: 0x30, minPmtu: 1400, rtnPmtu: 1280, rFlag: 1 }, // Minimum Path MTU
  { kind: 0x12, flowMonId: 0x12345, lFlag: 1, dFlag: 0, reserved: 0 }, // AltMark
  { kind: 0x23, down: 1, rankError: 0, forwardingError: 1, flagsReserved: 0, instanceId: 9, senderRank: 256 }, // RPL
  { kind: 0x6d, seedIdType: 1, mFlag: 1, vFlag: 0, flagsReserved: 0, sequence: 42, seedId: 'abcd' }, // MPL
  { kind: 0x8b, nonce: '0102030405060708' }, // ILNP Nonce
  { kind: 0x8c, lineIdLength: 5, lineId: 'line1' }, // Line-Identification
  { kind: 0xee, version: 0, dup: 1, ret: 0, flagsReserved: 0, sequence: 777 }, // IP_DFF
  { kind: 0x1e, data: 'cafe' }, // RFC 3692-style experiment
  { kind: 0x01, length: 0 }, // PadN of zero data length (PyPCAPKit rejected it)
];

function stripMeta(o: Record<string, unknown>): Record<string, unknown> {
  const { kind: _k, name: _n, action: _a, change: _c, length: _l, meaning: _m, ...rest } = o;
  return rest;
}

test('hopopt + dstopts: build → analyse round trip with every option, padded to 8 octets', () => {
  const bytes = build(
    ethernet.make(),
    ipv6.make({ src: SRC, dst: DST }),
    hopopt.make({}, OPTIONS),
    ipv6Opts.make({}, [{ kind: 0xc9, homeAddress: '2001:db8:ffff::9' }]),
    udp.make({ srcport: 1000, dstport: 2000 }),
    payload('x'),
  );
  const f = analyse(bytes, { checksums: true, details: true });
  assert.deepEqual(f.issues, []);
  assert.deepEqual(
    f.layers.map((l) => l.protocol),
    ['ethernet', 'ipv6', 'hopopt', 'ipv6_opts', 'udp'],
  );
  assert.equal(find(f, 'ipv6')!.fields.nxt, 0);
  const h = find(f, 'hopopt')!;
  assert.equal(h.fields.nxt, 60);
  assert.equal((h.hdrEnd - h.start) % 8, 0);
  assert.equal(h.hdrEnd - h.start, ((h.fields.len ?? 0) + 1) * 8);
  const opts = details<Ipv6Option[]>(f, h, defaultRegistry)!;
  const real = opts.slice(0, OPTIONS.length);
  for (const [i, want] of OPTIONS.entries()) {
    assert.equal(real[i].kind, want.kind);
    const { kind: _k, ...values } = want as Record<string, unknown>;
    if (want.kind === 0x01) {
      assert.equal(real[i].length, 0);
      continue;
    }
    assert.deepEqual(stripMeta(real[i] as Record<string, unknown>), values, `option 0x${want.kind.toString(16)}`);
  }
  // Padding after the last option is Pad1 or PadN (RFC 8200 §4.2).
  for (const o of opts.slice(OPTIONS.length)) assert.ok(o.kind === 0 || o.kind === 1);
  // The action and change bits are shown for every option.
  const rpl = opts.find((o) => o.kind === 0x23)!;
  assert.equal(rpl.action, 0);
  assert.equal(rpl.change, 1);
  const d = find(f, 'ipv6_opts')!;
  const hoa = details<Ipv6Option[]>(f, d, defaultRegistry)!;
  assert.equal(hoa[0].name, 'home_address');
  assert.equal(hoa[0].action, 3);
  assert.equal(hoa[0].homeAddress, '2001:db8:ffff::9');
});

test('hopopt: a layer built without options is one 8-octet header (PadN 4)', () => {
  const f = analyse(
    build(ethernet.make(), ipv6.make({ src: SRC, dst: DST }), hopopt.make(), udp.make({ srcport: 1, dstport: 2 })),
    {
      checksums: true,
    },
  );
  assert.deepEqual(f.issues, []);
  const h = find(f, 'hopopt')!;
  assert.equal(h.fields.len, 0);
  assert.deepEqual(details(f, h, defaultRegistry), [{ kind: 1, name: 'padn', action: 0, change: 0, length: 4 }]);
});

test('dstopts: the Home Address option replaces the source in the UDP pseudo-header (RFC 6275 §6.3)', () => {
  const bytes = build(
    ethernet.make(),
    ipv6.make({ src: SRC, dst: DST }),
    ipv6Opts.make({}, [{ kind: 0xc9, homeAddress: '2001:db8:aaaa::1' }]),
    udp.make({ srcport: 7, dstport: 9 }),
    payload('home'),
  );
  assert.deepEqual(analyse(bytes, { checksums: true }).issues, []);
  // The same UDP datagram checked against the care-of source is wrong: the swap is what makes it right.
  const noHoa = build(
    ethernet.make(),
    ipv6.make({ src: SRC, dst: DST }),
    udp.make({ srcport: 7, dstport: 9 }),
    payload('home'),
  );
  const udpAt = bytes.length - 12;
  assert.notEqual(
    new DataView(bytes.buffer).getUint16(udpAt + 6),
    new DataView(noHoa.buffer).getUint16(noHoa.length - 12 + 6),
  );
  bytes[14 + 40 + 4 + 15] ^= 1; // change the home address
  assert.deepEqual(
    analyse(bytes, { checksums: true }).issues.map((i) => i.code),
    ['udp.bad_checksum'],
  );
});

test('hopopt: Hdr Ext Len past the bytes is a short layer; an option past the header is malformed', () => {
  const bytes = build(
    ethernet.make(),
    ipv6.make({ src: SRC, dst: DST }),
    hopopt.make(),
    udp.make({ srcport: 1, dstport: 2 }),
  );
  const b1 = bytes.slice();
  b1[14 + 40 + 1] = 9; // 80 octets claimed
  const f1 = analyse(b1);
  assert.equal(f1.issues[0].code, 'hopopt.short');
  assert.equal(f1.issues[0].kind, 'malformed');
  assert.equal(find(f1, 'hopopt')!.complete, false);
  assert.equal(find(f1, 'hopopt')!.fields.nxt, 17);
  const b2 = bytes.slice();
  b2[14 + 40 + 3] = 200; // PadN length runs past the header
  // The header itself stops the chain, as RFC 8200 §4.2 has a node discard it (tshark stops too).
  const f2 = analyse(b2);
  assert.deepEqual(
    f2.issues.map((i) => [i.kind, i.code]),
    [['malformed', 'hopopt.option_overrun']],
  );
  assert.equal(f2.layers.at(-1)!.protocol, 'hopopt');
  const o = details<Ipv6Option[]>(f2, find(f2, 'hopopt')!, defaultRegistry)!;
  assert.equal(o[0].malformed, true);
});

test('ipv6.option handler table: a user handler decodes a type the registry did not know', () => {
  const reg = defaultRegistry.withHandler('ipv6.option', 0x3e, {
    name: 'mine',
    decode: (b, s) => ({ first: b.u8[s] }),
  });
  const bytes = build(
    ethernet.make(),
    ipv6.make({ src: SRC, dst: DST }),
    ipv6Opts.make({}, [{ kind: 0x3e, data: '2a00' }]),
    udp.make({ srcport: 1, dstport: 2 }),
  );
  const f = analyse(bytes, { registry: reg });
  const o = details<Ipv6Option[]>(f, find(f, 'ipv6_opts')!, reg)!;
  assert.equal(o[0].name, 'mine');
  assert.equal(o[0].first, 0x2a);
  // Unknown types keep type, length and data.
  const plain = details<Ipv6Option[]>(f, find(f, 'ipv6_opts')!, defaultRegistry)!;
  assert.deepEqual(plain[0], { kind: 0x3e, name: 'experimental', action: 0, change: 1, length: 2, data: '2a00' });
});

test('oracle: ipv6.hopopts.nxt and ipv6.dstopts.nxt agree with tshark', { skip: SKIP_NO_CORPUS }, () => {
  const files = [
    'zeek__ipv6-hbh-routing0.pcap',
    'zeek__ipv6-mobility-dst-opts.pcap',
    'zeek__mobile-ipv6_ipv6-mobile-hoa.pcap',
    'pcapplusplus__ipv6_options.pcap',
    'tcpdump__ipv6_jumbogram_1.pcap',
    'tcpdump__ipv6hdr-heapoverflow.pcap',
    'tcpdump__ipv6-next-header-oobr-1.pcap',
    'pcapplusplus__IcmpV6_Generic.pcap',
    'openhip__pass1_dig-enp.dump',
    'zeek__trunc_ip6-ext-trunc.pcap',
  ];
  // zeek__ipv6-mobility-dst-opts.pcap frame 3 carries a Home Address option of length 1, then more
  // options and a PadN cut by the end of the header. tshark reads 16 octets of address regardless
  // (RFC 6275 §6.3 fixes the length at 16) and so never sees the cut option; we stop at the malformed
  // header (RFC 8200 §4.2), as tshark does for frame 1. Checked separately below.
  const skip = (file: string) => (n: number) => file === 'zeek__ipv6-mobility-dst-opts.pcap' && n === 3;
  let compared = 0;
  for (const file of files) {
    const fields = ['ipv6.hopopts.nxt', 'ipv6.dstopts.nxt', 'udp.srcport', 'udp.length'];
    const { scores, frames } = compareCapture(file, fields, defaultRegistry, skip(file));
    for (const fr of frames) assertWellFormed(fr);
    for (const [name, s] of Object.entries(scores)) {
      assert.equal(s.disagree + s.missing, 0, `${name}: ${s.firstBad.join('; ')}`);
      compared += s.agree;
    }
  }
  assert.ok(compared >= 20, `compared ${compared}`);
  const { frames } = compareCapture('zeek__ipv6-mobility-dst-opts.pcap', []);
  assert.deepEqual(
    frames.map((f) => f.issues.map((i) => i.code).join()),
    ['ipv6_opts.option_overrun', 'ipv6_opts.short', 'ipv6_opts.option_overrun'],
  );
});

test('tshark decodes our options the same way', { skip: SKIP_NO_TSHARK }, () => {
  const bytes = build(
    ethernet.make(),
    ipv6.make({ src: SRC, dst: DST }),
    hopopt.make({}, OPTIONS),
    // tshark 4.0 knows the RPL option only as 0x63 (RFC 6553), not as 0x23 (RFC 9008 §2).
    ipv6Opts.make({}, [
      { kind: 0xc9, homeAddress: '2001:db8:ffff::9' },
      { kind: 0x63, down: 0, rankError: 1, forwardingError: 0, flagsReserved: 0, instanceId: 9, senderRank: 256 },
    ]),
    udp.make({ srcport: 1000, dstport: 2000 }),
    payload('x'),
  );
  const fields = [
    'ipv6.hopopts.nxt',
    'ipv6.hopopts.len',
    'ipv6.opt.type',
    'ipv6.opt.router_alert',
    'ipv6.opt.tel',
    'ipv6.opt.calipso.doi',
    'ipv6.opt.pdm.psn_last_recv',
    'ipv6.opt.qs_rate',
    'ipv6.opt.qs_ttl',
    'ipv6.opt.pmtu.min',
    'ipv6.opt.rpl.instance_id',
    'ipv6.opt.rpl.sender_rank',
    'ipv6.opt.mpl.sequence',
    'ipv6.opt.lio.line_id',
    'ipv6.opt.dff.sequence_number',
    'ipv6.opt.mipv6.home_address',
    'udp.checksum.status',
  ];
  const [row] = tsharkFields([bytes], fields, { args: ['-o', 'udp.check_checksum:TRUE'] });
  const f = analyse(bytes, { details: true });
  const h = find(f, 'hopopt')!;
  const opts = details<Ipv6Option[]>(f, h, defaultRegistry)!;
  const col = (n: string) => row[fields.indexOf(n)];
  assert.equal(col('ipv6.hopopts.nxt'), String(h.fields.nxt));
  assert.equal(col('ipv6.hopopts.len'), String(h.fields.len));
  const types = [...opts, ...details<Ipv6Option[]>(f, find(f, 'ipv6_opts')!, defaultRegistry)!].map((o) => o.kind);
  assert.equal(col('ipv6.opt.type'), types.map((t) => `0x${t.toString(16).padStart(2, '0')}`).join(','));
  assert.equal(col('ipv6.opt.router_alert'), '0');
  assert.equal(col('ipv6.opt.tel'), '4');
  assert.equal(col('ipv6.opt.calipso.doi'), '3');
  assert.equal(col('ipv6.opt.pdm.psn_last_recv'), '4');
  assert.equal(col('ipv6.opt.qs_rate'), '5');
  assert.equal(col('ipv6.opt.qs_ttl'), '7');
  assert.equal(col('ipv6.opt.pmtu.min'), '1400');
  assert.equal(col('ipv6.opt.rpl.instance_id'), '0x09');
  assert.equal(col('ipv6.opt.rpl.sender_rank'), '0x0100');
  assert.equal(col('ipv6.opt.mpl.sequence'), '0x2a');
  assert.equal(col('ipv6.opt.lio.line_id'), 'line1');
  assert.equal(col('ipv6.opt.dff.sequence_number'), '777');
  assert.equal(col('ipv6.opt.mipv6.home_address'), '2001:db8:ffff::9');
  assert.equal(col('udp.checksum.status'), '1'); // tshark agrees with our Home Address pseudo-header
});

test('fuzz: random option bytes in Hop-by-Hop and Destination Options never throw', () => {
  const base = build(ethernet.make(), ipv6.make({ src: SRC, dst: DST }), hopopt.make({}, OPTIONS));
  fc.assert(
    fc.property(
      fc.uint8Array({ minLength: 0, maxLength: 120 }),
      fc.constantFrom(0, 60),
      fc.nat(255),
      (tail, nh, len) => {
        const bytes = new Uint8Array(14 + 40 + 2 + tail.length);
        bytes.set(base.subarray(0, 54));
        bytes[20] = nh;
        new DataView(bytes.buffer).setUint16(18, 2 + tail.length);
        bytes[54] = 17;
        bytes[55] = len % 16;
        bytes.set(tail, 56);
        const f = dissectFully(bytes);
        assertWellFormed(f);
        const l = f.layers[2];
        assert.ok(l === undefined || l.protocol === (nh === 0 ? 'hopopt' : 'ipv6_opts'));
      },
    ),
    { numRuns: 400 },
  );
});

test('fuzz: mutated built packets with every option never throw', () => {
  const base = build(
    ethernet.make(),
    ipv6.make({ src: SRC, dst: DST }),
    hopopt.make({}, OPTIONS),
    ipv6Opts.make({}, [{ kind: 0xc9, homeAddress: '::1' }]),
    udp.make({ srcport: 1, dstport: 2 }),
  );
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.nat(base.length - 1), fc.nat(255)), { maxLength: 8 }),
      fc.nat(base.length),
      (muts, cut) => {
        const b = base.slice(0, Math.max(cut, 14));
        for (const [i, v] of muts) if (i < b.length) b[i] = v;
        assertWellFormed(dissectFully(b));
      },
    ),
    { numRuns: 400 },
  );
});
