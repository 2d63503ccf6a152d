import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { analyse, build, find, ip6, payload, rawRest } from '../../src/index.js';
import { ethernet, hopopt, ipv6, ipv6Frag, udp } from '../../src/protocols/index.js';
import { SKIP_NO_CORPUS } from '../helpers/corpus.js';
import { assertWellFormed, dissectFully } from '../helpers/fuzz.js';
import { compareCapture } from '../helpers/oracle.js';
import { SKIP_NO_TSHARK, tsharkFields } from '../helpers/tshark.js';

const SRC = ip6('2001:db8::1');
const DST = ip6('2001:db8::2');

function first(more: number) {
  // A 1000-octet UDP datagram of which only 48 octets ride in this fragment.
  return build(
    ethernet.make(),
    ipv6.make({ src: SRC, dst: DST }),
    ipv6Frag.make({ offset: 0, more, ident: 0xdeadbeef }),
    udp.make({ srcport: 53, dstport: 5353, length: more ? 1000 : undefined, checksum: more ? 0x1234 : undefined }),
    payload(new Uint8Array(40)),
  );
}

test('fragment: the first fragment goes on to UDP, and its length claim is not an issue', () => {
  const f = analyse(first(1), { checksums: true });
  assert.deepEqual(f.issues, []);
  assert.deepEqual(
    f.layers.map((l) => l.protocol),
    ['ethernet', 'ipv6', 'ipv6_frag', 'udp'],
  );
  const fr = find(f, 'ipv6_frag')!;
  assert.deepEqual(fr.fields, { nxt: 17, reservedOctet: 0, offset: 0, reservedBits: 0, more: 1, ident: 0xdeadbeef });
  assert.equal(find(f, 'ipv6')!.fields.nxt, 44);
  assert.equal(find(f, 'udp')!.fields.length, 1000);
});

test('fragment: a non-first fragment stops the chain and its bytes stay raw', () => {
  const bytes = build(
    ethernet.make(),
    ipv6.make({ src: SRC, dst: DST }),
    ipv6Frag.make({ nxt: 17, offset: 6, more: 0, ident: 7 }),
    payload('0123456789abcdef'),
  );
  const f = analyse(bytes, { checksums: true });
  assert.deepEqual(f.issues, []);
  assert.deepEqual(
    f.layers.map((l) => l.protocol),
    ['ethernet', 'ipv6', 'ipv6_frag'],
  );
  assert.equal(find(f, 'ipv6_frag')!.fields.offset, 6); // 8-octet units, as tshark shows it
  assert.equal(new TextDecoder().decode(rawRest(f)), '0123456789abcdef');
});

test('fragment: an atomic fragment (offset 0, M clear, RFC 6946) is checked like a whole packet', () => {
  const bytes = first(0);
  assert.deepEqual(analyse(bytes, { checksums: true }).issues, []);
  new DataView(bytes.buffer).setUint16(14 + 40 + 8 + 4, 1000); // UDP length
  assert.deepEqual(
    analyse(bytes).issues.map((i) => i.code),
    ['udp.length_exceeds'],
  );
});

test('fragment: extension headers chain in any order around it', () => {
  const bytes = build(
    ethernet.make(),
    ipv6.make({ src: SRC, dst: DST }),
    hopopt.make(),
    ipv6Frag.make({ offset: 0, more: 1, ident: 1 }),
    udp.make({ srcport: 1, dstport: 2, length: 500, checksum: 1 }),
  );
  assert.deepEqual(
    analyse(bytes).layers.map((l) => l.protocol),
    ['ethernet', 'ipv6', 'hopopt', 'ipv6_frag', 'udp'],
  );
});

test('oracle: ipv6.fraghdr.* and the UDP header of first fragments agree with tshark', { skip: SKIP_NO_CORPUS }, () => {
  const files = [
    'pcapplusplus__ip6_fragments.pcap',
    'pcapplusplus__ipv6_opt_fragments.pcap',
    'zeek__ipv6-fragmented-dns.pcap',
    'tcpdump__ip6_frag_asan.pcap',
  ];
  const fields = [
    'ipv6.fraghdr.offset',
    'ipv6.fraghdr.more',
    'ipv6.fraghdr.ident',
    'udp.srcport',
    'udp.dstport',
    'udp.length',
  ];
  let compared = 0;
  for (const file of files) {
    const { scores, frames } = compareCapture(file, fields);
    for (const fr of frames) assertWellFormed(fr);
    for (const [name, s] of Object.entries(scores)) {
      assert.equal(s.disagree + s.missing, 0, `${name}: ${s.firstBad.join('; ')}`);
      compared += s.agree;
    }
  }
  assert.ok(compared >= 150, `compared ${compared}`);
});

test('tshark reads our fragment headers the same way', { skip: SKIP_NO_TSHARK }, () => {
  const packets = [
    first(1),
    build(
      ethernet.make(),
      ipv6.make({ src: SRC, dst: DST }),
      ipv6Frag.make({ nxt: 17, offset: 6, ident: 0xdeadbeef }),
      payload('tail'),
    ),
  ];
  const rows = tsharkFields(
    packets,
    ['ipv6.fraghdr.nxt', 'ipv6.fraghdr.offset', 'ipv6.fraghdr.more', 'ipv6.fraghdr.ident', 'udp.length'],
    {
      args: ['-o', 'ipv6.defragment:FALSE'],
    },
  );
  assert.deepEqual(rows[0], ['17', '0', '1', '0xdeadbeef', '1000']);
  assert.deepEqual(rows[1], ['17', '6', '0', '0xdeadbeef', '']);
});

test('fuzz: random fragment headers and payloads never throw', () => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 0, maxLength: 64 }), fc.nat(0xffff), (body, word) => {
      const hdr = new Uint8Array(8 + body.length);
      hdr[0] = [17, 6, 58, 0, 44, 43][word % 6];
      new DataView(hdr.buffer).setUint16(2, word);
      hdr.set(body, 8);
      const bytes = build(ethernet.make(), ipv6.make({ src: SRC, dst: DST, nxt: 44 }), payload(hdr));
      assertWellFormed(dissectFully(bytes.subarray(0, bytes.length - (word % 9))));
    }),
    { numRuns: 500 },
  );
});
