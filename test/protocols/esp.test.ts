import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  analyse,
  build,
  createRegistry,
  defineProtocol,
  find,
  ip,
  ip6,
  payload,
  payloadOf,
  u8,
} from '../../src/index.js';
import { builtins, esp, ethernet, ipv4, ipv6, udp, udpencap } from '../../src/protocols/index.js';
import { corpusPath, SKIP_NO_CORPUS } from '../helpers/corpus.js';
import { assertWellFormed, dissectFully } from '../helpers/fuzz.js';
import { readAll } from '../helpers/oracle.js';
import { HAVE_TSHARK, SKIP_NO_TSHARK, tsharkFields, tsharkFieldsOf } from '../helpers/tshark.js';

const A = ip('192.0.2.1');
const B = ip('192.0.2.2');
const SECRET = new Uint8Array([9, 8, 7, 6, 5, 4, 3, 2, 1, 0, 0xaa, 0xbb]);

test('ESP over IPv4 and IPv6: SPI and sequence, the rest opaque', () => {
  for (const ip of [ipv4.make({ src: A, dst: B }), ipv6.make({ src: ip6('::1'), dst: ip6('::2') })]) {
    const f = analyse(build(ethernet.make(), ip, esp.make({ spi: 0x1000, sequence: 3 }), payload(SECRET)));
    assert.deepEqual(f.issues, []);
    const e = find(f, 'esp')!;
    assert.deepEqual(e.fields, { spi: 0x1000, sequence: 3 });
    assert.deepEqual(payloadOf(f, e), SECRET);
    assert.equal(f.layers.at(-1)!.protocol, 'esp');
  }
});

test('UDP 4500 (RFC 3948): ESP, NAT-keepalive and the Non-ESP Marker before IKE', () => {
  const over = (...rest: Parameters<typeof build>) =>
    analyse(
      build(ethernet.make(), ipv4.make({ src: A, dst: B }), udp.make({ srcport: 4500, dstport: 4500 }), ...rest),
      {
        checksums: true,
      },
    );
  const e = over(udpencap.make(), esp.make({ spi: 0x77, sequence: 1 }), payload(SECRET));
  assert.deepEqual(e.issues, []);
  assert.deepEqual(
    e.layers.map((l) => l.protocol),
    ['ethernet', 'ipv4', 'udp', 'udpencap', 'esp'],
  );
  assert.equal(find(e, 'esp')!.fields.spi, 0x77);
  const k = over(udpencap.make({ natKeepalive: 1 }));
  assert.deepEqual(find(k, 'udpencap')!.fields, { natKeepalive: 1, nonEspMarker: 0 });
  assert.equal(k.layers.at(-1)!.protocol, 'udpencap');
  const ike = over(udpencap.make({ nonEspMarker: 1 }), payload('IKE message'));
  assert.deepEqual(find(ike, 'udpencap')!.fields, { natKeepalive: 0, nonEspMarker: 1 });
  // IKE is looked up by its own port (500) in 'udp.port': a user's ISAKMP dissector is found there.
  const isakmp = defineProtocol({
    name: 'isakmp',
    abbrev: 'isakmp',
    title: 'ISAKMP',
    layer: 'application',
    header: { first: u8(0) },
    bind: { 'udp.port': [500] },
  });
  const reg = createRegistry([...builtins, isakmp]);
  const bytes = build(
    ethernet.make(),
    ipv4.make({ src: A, dst: B }),
    udp.make({ srcport: 4500, dstport: 4500 }),
    udpencap.make({ nonEspMarker: 1 }),
    payload('IKE'),
  );
  assert.equal(analyse(bytes, { registry: reg }).layers.at(-1)!.protocol, 'isakmp');
});

test('UDP 10500: ESP without the zero marker is not HIP and stays raw, as in tshark', () => {
  const f = analyse(
    build(
      ethernet.make(),
      ipv4.make({ src: A, dst: B }),
      udp.make({ srcport: 10500, dstport: 10500 }),
      payload(SECRET),
    ),
  );
  assert.deepEqual(f.issues, []);
  assert.equal(f.layers.at(-1)!.protocol, 'udp');
});

test('corpus: UDP-encapsulated ESP and IKE agree with tshark (esp.spi, esp.sequence, chain)', {
  skip: SKIP_NO_CORPUS,
}, () => {
  for (const file of ['tcpdump__espudp1.pcap', 'tcpdump__isakmp4500.pcap', 'pcapplusplus__ipsec.pcapng']) {
    const frames = readAll(file);
    for (const fr of frames) assertWellFormed(fr);
    const esps = frames.filter((fr) => find(fr, 'esp'));
    assert.ok(esps.length > 0, file);
    if (!HAVE_TSHARK) continue;
    const rows = tsharkFieldsOf(corpusPath(file), [
      'frame.number',
      'esp.spi',
      'esp.sequence',
      'udpencap.non_esp_marker',
    ]);
    for (const row of rows) {
      const fr = frames[Number(row[0]) - 1];
      const e = find(fr, 'esp');
      if (row[1] === '') {
        assert.equal(e, undefined, `${file}#${row[0]}`);
        continue;
      }
      assert.equal(`0x${(e!.fields.spi ?? 0).toString(16).padStart(8, '0')}`, row[1], `${file}#${row[0]}`);
      assert.equal(String(e!.fields.sequence), row[2]);
    }
  }
});

test('tshark reads our UDP-encapsulated ESP the same way', { skip: SKIP_NO_TSHARK }, () => {
  const bytes = build(
    ethernet.make(),
    ipv4.make({ src: A, dst: B }),
    udp.make({ srcport: 4500, dstport: 4500 }),
    udpencap.make(),
    esp.make({ spi: 0xc0ffee, sequence: 42 }),
    payload(SECRET),
  );
  const [row] = tsharkFields([bytes], ['frame.protocols', 'esp.spi', 'esp.sequence']);
  assert.deepEqual(row, ['eth:ethertype:ip:udp:udpencap:esp', '0x00c0ffee', '42']);
});

test('fuzz: random UDP 4500 and IP 50 payloads never throw', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 40 }), fc.boolean(), (body, overUdp) => {
      const bytes = overUdp
        ? build(
            ethernet.make(),
            ipv4.make({ src: A, dst: B }),
            udp.make({ srcport: 4500, dstport: 4500 }),
            payload(body),
          )
        : build(ethernet.make(), ipv4.make({ src: A, dst: B, proto: 50 }), payload(body));
      assertWellFormed(dissectFully(bytes));
    }),
    { numRuns: 400 },
  );
});
