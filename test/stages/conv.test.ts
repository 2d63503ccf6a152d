import assert from 'node:assert/strict';
import { test } from 'node:test';
import { conversations, parseZ, type ZSpec, zStatistics } from '../../src/index.js';
import { formatSize, printfFixed } from '../../src/stages/conv.js';
import { corpusPath, SKIP_NO_CORPUS } from '../helpers/corpus.js';
import { SKIP_NO_TSHARK, tshark } from './helpers.js';

test('format_size and printf rounding as tshark prints them', () => {
  assert.equal(formatSize(1351), '1351 bytes');
  assert.equal(formatSize(9999), '9999 bytes');
  assert.equal(formatSize(10000), '10 kB');
  assert.equal(formatSize(19999), '19 kB');
  assert.equal(formatSize(12_345_678), '12 MB');
  assert.equal(printfFixed(0.03125, 4), '0.0312'); // a tie: C rounds to even, toFixed would say 0.0313
  assert.equal(printfFixed(0.0625, 3), '0.062');
  assert.equal(printfFixed(0.0375, 3), '0.037'); // not a tie in binary: exact value is below .0375
  assert.equal(printfFixed(30.39373, 4), '30.3937');
});

const FILES = [
  'dpkt__http.pcap',
  'pcapplusplus__IcmpPackets.pcap',
  'pcapplusplus__ip4_fragments.pcap',
  'pcapplusplus__ip6_fragments.pcap',
  'zeek__ipv6-fragmented-dns.pcap',
  'zeek__tcp_reassembly.pcap',
  'zeek__tcp_truncated-header.pcap',
  'pcapplusplus__frag_http_req.pcap',
  'tcpdump__geneve.pcap',
];

test('-z conv,tcp|udp|ip|ipv6 tables are byte-for-byte what tshark prints', {
  skip: SKIP_NO_TSHARK || SKIP_NO_CORPUS,
}, async () => {
  for (const file of FILES) {
    const kinds = ['tcp', 'udp', 'ip', 'ipv6'] as const;
    const got = await conversations(corpusPath(file), kinds);
    const want = tshark(['-r', corpusPath(file), '-q', ...kinds.flatMap((k) => ['-z', `conv,${k}`])]);
    // tshark prints the last -z first.
    assert.equal(
      got
        .map((c) => c.text)
        .reverse()
        .join(''),
      want,
      file,
    );
  }
});

test('conversation rows as NDJSON carry the raw numbers', { skip: SKIP_NO_CORPUS }, async () => {
  const [tcp] = await conversations(corpusPath('dpkt__http.pcap'), ['tcp']);
  const rows = tcp.ndjson
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  assert.equal(rows.length, 2);
  assert.equal(rows[0].src, '145.254.160.237');
  assert.equal(rows[0].srcport, 3372);
  assert.equal(rows[0].stream, 0);
  assert.equal(rows[0].frames, 34);
  assert.equal(rows[0].rxFrames + rows[0].txFrames, 34);
  assert.equal(typeof rows[0].bytes, 'number');
});

test('parseZ and zStatistics: several -z in one pass, printed in tshark order', {
  skip: SKIP_NO_TSHARK || SKIP_NO_CORPUS,
}, async () => {
  const args = ['conv,ip', 'follow,tcp,ascii,1', 'conv,tcp', 'follow,tcp,hex,0'];
  const specs = args.map(parseZ);
  assert.ok(specs.every((s) => s !== undefined));
  assert.equal(parseZ('follow,udp,ascii,0'), undefined);
  assert.equal(parseZ('conv,eth'), undefined);
  const file = corpusPath('dpkt__http.pcap');
  const got = await zStatistics(file, specs as ZSpec[]);
  assert.equal(got, tshark(['-r', file, '-q', ...args.flatMap((a) => ['-z', a])]));
});
