/** The extension-header chain as a whole: any order, No Next Header, unknown headers (RFC 8200 §4). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { analyse, build, find, ip6, payload, rawRest } from '../../src/index.js';
import { ah, ethernet, hopopt, ipv6, ipv6Frag, ipv6Opts, ipv6Route, mh, udp } from '../../src/protocols/index.js';
import { SKIP_NO_CORPUS } from '../helpers/corpus.js';
import { readAll } from '../helpers/oracle.js';

const SRC = ip6('2001:db8::1');
const DST = ip6('2001:db8::2');

test('chain: extension headers in any order up to UDP, next-header fields filled from the inner layer', () => {
  const bytes = build(
    ethernet.make(),
    ipv6.make({ src: SRC, dst: DST }),
    hopopt.make(),
    ipv6Opts.make(),
    ipv6Route.make({ type: 0, segleft: 1 }, { addresses: ['2001:db8::3'] }),
    ipv6Frag.make({ ident: 5 }),
    ah.make({ spi: 1, sequence: 1 }),
    ipv6Opts.make(),
    udp.make({ srcport: 1, dstport: 2 }),
    payload('deep'),
  );
  const f = analyse(bytes, { checksums: true });
  assert.deepEqual(f.issues, []);
  assert.deepEqual(
    f.layers.map((l) => l.protocol),
    ['ethernet', 'ipv6', 'hopopt', 'ipv6_opts', 'ipv6_route', 'ipv6_frag', 'ah', 'ipv6_opts', 'udp'],
  );
  assert.deepEqual(
    f.layers.slice(1, -1).map((l) => {
      const x = l.fields as { nxt?: number; nextHeader?: number };
      return x.nxt ?? x.nextHeader;
    }),
    [0, 60, 43, 44, 51, 60, 17],
  );
  assert.equal(find(f, 'ipv6')!.fields.plen, bytes.length - 54);
});

test('chain: No Next Header (59) ends it with no issue; the bytes after stay raw', () => {
  const bytes = build(
    ethernet.make(),
    ipv6.make({ src: SRC, dst: DST }),
    hopopt.make({ nxt: 59 }),
    payload('trailing'),
  );
  const f = analyse(bytes);
  assert.deepEqual(f.issues, []);
  assert.equal(f.layers.at(-1)!.protocol, 'hopopt');
  assert.equal(new TextDecoder().decode(rawRest(f)), 'trailing');
  // An unassigned next header ends it the same way.
  const g = analyse(build(ethernet.make(), ipv6.make({ src: SRC, dst: DST, nxt: 253 }), payload('x')));
  assert.deepEqual(g.issues, []);
  assert.equal(g.layers.at(-1)!.protocol, 'ipv6');
});

test('chain: the Mobility Header is final (payload proto 59), routed by a type 2 header', () => {
  const f = analyse(
    build(
      ethernet.make(),
      ipv6.make({ src: SRC, dst: DST }),
      ipv6Route.make({ type: 2, segleft: 1 }, { homeAddress: '2001:db8::100' }),
      mh.make({ mhtype: 6 }, { status: 0, sequence: 1, lifetime: 2 }),
    ),
    { checksums: true },
  );
  assert.deepEqual(f.issues, []);
  assert.deepEqual(
    f.layers.map((l) => l.protocol),
    ['ethernet', 'ipv6', 'ipv6_route', 'mh'],
  );
});

test('corpus: No Next Header capture reads as IPv6 alone', { skip: SKIP_NO_CORPUS }, () => {
  const [f] = readAll('tcpdump__ipv6_no_next_header.pcap');
  assert.deepEqual(f.issues, []);
  assert.deepEqual(
    f.layers.map((l) => l.protocol),
    ['ethernet', 'ipv6'],
  );
  assert.equal(find(f, 'ipv6')!.fields.nxt, 59);
});
