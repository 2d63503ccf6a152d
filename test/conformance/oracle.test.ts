/**
 * Conformance against the tshark oracle over ../shared/corpus (skips cleanly without it):
 * frame counts equal tshark's packet rows on every capture, no decoder exception anywhere, and every
 * field we decode agrees with tshark on ≥ 99.5 % of the values compared (missing counts as not agreeing).
 * Known tshark errors are listed in README.md's notes and in TSHARK_WRONG below, with their reference.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { agreement, runConformance } from '../../scripts/lib/conformance.js';
import { flowNumbering } from '../../scripts/lib/flows.js';
import { fieldIndex } from '../../src/api/fields.js';
import { defaultRegistry } from '../../src/protocols/index.js';
import { CORPUS, SKIP_NO_CORPUS } from '../helpers/corpus.js';

const THRESHOLD = 99.5;

/** Values where tshark 4.0 is wrong (see README "Where we differ from tshark"): file, frame, field. */
const TSHARK_WRONG: readonly [string, number, string][] = [
  // ns field ≥ 1e9 in a broken record: tshark prints "1418145370.1000000000" and "-1418145370.2147483648"
  ['tcpdump__timestamp_invalid_nano.pcap', 2, 'frame.time_epoch'],
  ['tcpdump__timestamp_invalid_nano.pcap', 3, 'frame.time_epoch'],
  // A Home Address option of length 1 read as 16 octets (RFC 6275 §6.3): tshark never reaches the
  // PadN cut by the end of the Destination Options header and dissects UDP; the header is malformed
  // (RFC 8200 §4.2) and we stop there, as tshark does for frame 1.
  ['zeek__ipv6-mobility-dst-opts.pcap', 3, 'udp.srcport'],
  ['zeek__ipv6-mobility-dst-opts.pcap', 3, 'udp.dstport'],
  ['zeek__ipv6-mobility-dst-opts.pcap', 3, 'udp.length'],
  // ip.dst is the header's destination (RFC 791 §3.1); tshark shows the strict source route's final hop.
  ['pcapplusplus__ipv4-options.pcap', 6, 'ip.dst'],
  ['pcapplusplus__ipv4-options.pcap', 7, 'ip.dst'],
  // A TCP header quoted in an ICMP error carries its sequence number (RFC 792): tshark shows tcp.seq but no tcp.seq_raw.
  ['pcapplusplus__IcmpPackets.pcap', 13, 'tcp.seq_raw'],
  // tshark shows ip.version once for link type 228 but twice (IPv4's and IPv6's) behind EtherType 0x0800.
  ['tcpdump__LINKTYPE_IPV4_invalid.pcap', 1, 'ip.version'],
  // Follows from the zeek__ipv6-mobility-dst-opts frame 3 difference above (no UDP layer, no stream).
  ['zeek__ipv6-mobility-dst-opts.pcap', 3, 'udp.stream'],
];

/**
 * Values tshark leaves out because of per-conversation state a packet dissector does not have
 * (desegmentation and defragmentation are off in the oracle; tshark's TCP analysis still runs):
 * it does not hand retransmitted segments to FTP, and it knows a connection is HTTP/2 before it sees
 * a CONTINUATION frame with an undefined flag (RFC 9113 §6.10). Our per-packet view decodes the bytes.
 */
const STATEFUL: readonly [string, number, string][] = [
  ['pcapplusplus__Ftp.pcap', 9, 'ftp.response.code'],
  ['pcapplusplus__Ftp.pcap', 10, 'ftp.response.code'],
  ['zeek__ftp_retr.pcap', 24, 'ftp.response.code'],
  ['suricata-verify__http2-continuation_input.pcap', 15, 'http2.type'],
  ['suricata-verify__http2-continuation_input.pcap', 15, 'http2.streamid'],
];

test('conformance: frame counts, decoder exceptions and per-field agreement with tshark', {
  skip: SKIP_NO_CORPUS,
  timeout: 600_000,
}, async () => {
  const r = await runConformance(CORPUS, { prepare: flowNumbering, maxDisagreements: 1_000_000 });
  assert.deepEqual([...r.countMismatch], [], 'frame counts differ from tshark');
  assert.deepEqual(r.bugs, [], 'a decoder threw');
  // only the two OpenHIP captures end mid-record (tshark reports the same)
  assert.deepEqual([...r.fileErrors.keys()].sort(), [
    'openhip__pass1_dig-enp.dump',
    'openhip__pass2_dig-enp-ping.dump',
  ]);
  const wrong = new Set([...TSHARK_WRONG, ...STATEFUL].map((x) => x.join('|')));
  for (const d of r.disagreements) {
    if (!wrong.has(`${d.file}|${d.frame}|${d.field}`)) continue;
    const t = r.fields.get(d.field)!;
    if (d.ours === '') t.missing--;
    else t.disagree--;
    t.agree++;
  }
  const known = fieldIndex(defaultRegistry);
  const low: string[] = [];
  for (const [name, t] of r.fields) {
    if (!known.has(name)) continue; // a protocol not in this build yet
    const pct = agreement(t);
    if (pct < THRESHOLD) {
      const ex = r.disagreements.filter((d) => d.field === name).slice(0, 3);
      low.push(
        `${name} ${pct.toFixed(2)}% (agree ${t.agree}, disagree ${t.disagree}, missing ${t.missing}) e.g. ${JSON.stringify(ex)}`,
      );
    }
  }
  assert.deepEqual(low, [], 'fields under the agreement threshold');
});
