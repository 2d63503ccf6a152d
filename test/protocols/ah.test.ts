import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { analyse, build, defaultRegistry, details, find, ip, ip6, payload } from '../../src/index.js';
import { ah, ethernet, ipv4, ipv6, tcp, udp } from '../../src/protocols/index.js';
import { SKIP_NO_CORPUS } from '../helpers/corpus.js';
import { assertWellFormed, dissectFully } from '../helpers/fuzz.js';
import { compareCapture } from '../helpers/oracle.js';
import { SKIP_NO_TSHARK, tsharkFields } from '../helpers/tshark.js';

const ICV = '0102030405060708090a0b0c';

test('AH over IPv4: build → analyse round trip; the TCP segment after it is dissected', () => {
  const bytes = build(
    ethernet.make(),
    ipv4.make({ src: ip('10.0.0.1'), dst: ip('10.0.0.2') }),
    ah.make({ spi: 0x01020304, sequence: 99 }, { icv: ICV }),
    tcp.make({ srcport: 179, dstport: 40000, flagAck: 1 }),
    payload('bgp'),
  );
  const f = analyse(bytes, { checksums: true });
  assert.deepEqual(f.issues, []);
  assert.deepEqual(
    f.layers.map((l) => l.protocol),
    ['ethernet', 'ipv4', 'ah', 'tcp'],
  );
  assert.equal(find(f, 'ipv4')!.fields.proto, 51);
  const a = find(f, 'ah')!;
  assert.deepEqual(a.fields, { nextHeader: 6, length: 4, reserved: 0, spi: 0x01020304, sequence: 99 });
  assert.equal(a.hdrEnd - a.start, 24); // (4 + 2) * 4 octets (RFC 4302 §2.2)
  assert.deepEqual(details(f, a, defaultRegistry), { icv: ICV });
});

test('AH as an IPv6 extension header, with the default 96-bit ICV', () => {
  const f = analyse(
    build(
      ethernet.make(),
      ipv6.make({ src: ip6('fe80::1'), dst: ip6('ff02::5') }),
      ah.make({ spi: 256, sequence: 32 }),
      udp.make({ srcport: 1, dstport: 2 }),
    ),
    { checksums: true },
  );
  assert.deepEqual(f.issues, []);
  const a = find(f, 'ah')!;
  assert.equal(a.fields.length, 4);
  assert.equal((a.hdrEnd - a.start) % 8, 0);
  assert.equal(find(f, 'udp')!.fields.dstport, 2);
});

test('AH with Payload Len 0 is 8 octets long; the payload is dissected from octet 8 (as tshark does)', () => {
  const bytes = build(
    ethernet.make(),
    ipv6.make({ src: ip6('2000:1300::1'), dst: ip6('2000:1300::2') }),
    ah.make({ length: 0, spi: 0 }, { icv: '' }),
    udp.make({ srcport: 1, dstport: 2 }),
    payload('0123'),
  );
  // build() wrote a 12-octet AH: drop the sequence number so the header is the 8 octets it claims.
  const cut = new Uint8Array(bytes.length - 4);
  cut.set(bytes.subarray(0, 14 + 40 + 8));
  cut.set(bytes.subarray(14 + 40 + 12), 14 + 40 + 8);
  new DataView(cut.buffer).setUint16(14 + 4, cut.length - 54);
  const f = analyse(cut);
  assert.deepEqual(f.issues, []);
  const a = find(f, 'ah')!;
  assert.equal(a.hdrEnd - a.start, 8);
  assert.equal(find(f, 'udp')!.fields.srcport, 1);
});

test('oracle: ah.spi and ah.next_header agree with tshark', { skip: SKIP_NO_CORPUS }, () => {
  const files: [string, (n: number) => boolean][] = [
    ['tcpdump__OSPFv3_with_AH.pcap', () => false],
    ['pcapplusplus__ipsec.pcapng', () => false],
    ['pcapplusplus__ipv6_options.pcap', () => false],
    ['tcpdump__heapoverflow-ip_demux_print.pcap', () => false],
    // Frame 6 quotes the AH packet inside an ICMPv6 error: that is ICMPv6's to dissect.
    ['zeek__ipv6_zero_len_ah.pcap', (n) => n === 6],
  ];
  let compared = 0;
  for (const [file, skip] of files) {
    const { scores, frames } = compareCapture(
      file,
      ['ah.spi', 'ah.next_header', 'ipv6.nxt', 'ip.proto'],
      defaultRegistry,
      skip,
    );
    for (const fr of frames) assertWellFormed(fr);
    for (const [name, s] of Object.entries(scores)) {
      assert.equal(s.disagree + s.missing, 0, `${name}: ${s.firstBad.join('; ')}`);
      compared += s.agree;
    }
  }
  assert.ok(compared >= 130, `compared ${compared}`);
});

test('tshark reads our AH the same way', { skip: SKIP_NO_TSHARK }, () => {
  const bytes = build(
    ethernet.make(),
    ipv4.make({ src: ip('10.0.0.1'), dst: ip('10.0.0.2') }),
    ah.make({ spi: 0xabcdef01, sequence: 7 }, { icv: ICV }),
    udp.make({ srcport: 1, dstport: 2 }),
  );
  const [row] = tsharkFields(
    [bytes],
    ['ah.next_header', 'ah.length', 'ah.spi', 'ah.sequence', 'ah.icv', 'udp.dstport'],
  );
  assert.deepEqual(row, ['17', '4', '0xabcdef01', '7', ICV, '2']);
});

test('fuzz: random AH headers never throw', () => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 0, maxLength: 80 }), fc.boolean(), (body, v6) => {
      const bytes = v6
        ? build(ethernet.make(), ipv6.make({ src: ip6('::1'), dst: ip6('::2'), nxt: 51 }), payload(body))
        : build(ethernet.make(), ipv4.make({ src: 1, dst: 2, proto: 51 }), payload(body));
      assertWellFormed(dissectFully(bytes));
    }),
    { numRuns: 500 },
  );
});
