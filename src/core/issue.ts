/**
 * Errors inside a frame are values (DESIGN rule 5). Every code is listed here once, documented and
 * stable, like Zeek's weird names. Protocols add their own codes as `<abbrev>.<what>`; the generic
 * ones below are used by the frame loop for every protocol.
 */
export type IssueKind = 'truncated' | 'malformed' | 'unsupported' | 'bug' | 'checksum';

export type IssueCode = string;

export interface Issue {
  readonly kind: IssueKind;
  readonly code: IssueCode;
  /** Index of the layer in `frame.layers` the issue belongs to (-1: the frame itself). */
  readonly layer: number;
  /** Absolute offset in the chunk where the problem starts. */
  readonly at: number;
  readonly need?: number;
  readonly have?: number;
  /** Which length field made the claim: 'capture', 'ip.len', 'udp.length', … */
  readonly lenSource?: string;
  /** Free text for `bug` issues (the exception message). */
  readonly message?: string;
}

/** Generic codes; `<proto>` stands for a protocol name. */
export const ISSUE_CODES: Readonly<Record<string, string>> = {
  // Notes on reassembled datagrams (Datagram.notes), stages/ip-defrag.ts. '<ip>' is ip or ipv6 alike.
  'ip.defrag_overlap': 'a fragment overlapped bytes already received with the same bytes (first data kept)',
  'ip.defrag_overlap_conflict':
    'a fragment overlapped bytes already received with different bytes (first data kept; RFC 5722)',
  'ip.defrag_multiple_tails': 'two last fragments (MF = 0) gave different total lengths (the first one counts)',
  'ip.defrag_past_end': 'a fragment reaches past the end the last fragment gave',
  'ip.defrag_too_long': 'fragments claim more than 65,535 octets (RFC 791 limit): the datagram is given up',
  'ip.defrag_too_many_fragments': 'more fragments than the per-datagram cap: the datagram is given up',
  'ip.defrag_timeout': 'the reassembly timer ran out (capture time; 15 s IPv4, 60 s IPv6 by default)',
  'ip.defrag_evicted': 'given up to stay under the byte or datagram cap',
  'ip.defrag_end_of_input': 'the input ended with the datagram incomplete',
  'app.stream_not_closed':
    'an application message flushed when its TCP direction stopped without FIN/RST (end of capture, idle timeout, cap): not complete',
  '<proto>.short': 'the bytes end inside the fixed header (or its options); fields read so far are kept',
  '<proto>.length_exceeds': 'a length field claims more bytes than the frame holds (lenSource names it)',
  '<proto>.exception': 'the decoder threw; earlier layers are kept (a bug: please report it)',
  '<proto>.bad_checksum': 'checksum verification was asked for and the checksum does not match',
  'frame.linktype_unknown': 'no dissector for the link type; the whole frame stays raw',
  'frame.invalid_timestamp':
    "the record's fraction of a second is out of range (≥ 1 s); shown carried into the seconds",
  'dump.exception':
    'a report could not format this frame (a decoder or codec threw); the record keeps the frame header',
  'frame.decode_as_unknown': 'decode-as named a protocol the registry does not hold',
  'ip.version_mismatch': 'IPv4 header whose version is not 4',
  'ip.hdr_len_too_small': 'IPv4 IHL < 5 (RFC 791 §3.1)',
  'ip.len_too_small': 'IPv4 total length smaller than the header',
  'ipv6.version_mismatch': 'IPv6 header whose version is not 6',
  'tcp.hdr_len_too_small': 'TCP data offset < 5 (RFC 9293 §3.1)',
  'geneve.unknown_version': 'GENEVE version other than 0 (RFC 8926 §3.4)',
  'udp.length_too_small': 'UDP length between 1 and 7 (RFC 768)',
  'ethernet.bad_checksum': 'the Ethernet FCS the capture announces is not the CRC-32 of the frame (IEEE 802.3 §3.2.9)',
  'l2tp.unknown_version': 'L2TP header whose version is neither 2 (RFC 2661) nor 3 (RFC 3931); 1 is Cisco L2F',
  'lcp.length_too_small': 'LCP packet whose Length is below its 4-octet header (RFC 1661 §5)',
  'ipcp.length_too_small': 'IPCP packet whose Length is below its 4-octet header (RFC 1332, RFC 1661 §5)',
  'ipv6cp.length_too_small': 'IPV6CP packet whose Length is below its 4-octet header (RFC 5072, RFC 1661 §5)',
  'hopopt.option_overrun': 'an IPv6 Hop-by-Hop option runs past the end of its header (RFC 8200 §4.2)',
  'ipv6_opts.option_overrun': 'an IPv6 Destination option runs past the end of its header (RFC 8200 §4.2)',
  'hip.hdr_len_too_small': 'HIP Header Length < 4: shorter than the fixed 40-octet header (RFC 7401 §5.1)',
  // Application stream parsers: notes on AppMessage.notes (core/stream.ts), never frame issues.
  'http1.midstream': 'the direction was captured from the middle: bytes before the first start line skipped',
  'http1.gap': 'bytes missing inside a start line, header section or chunked body: the message is cut here',
  'http1.gap_in_body': 'bytes missing inside a Content-Length or close-delimited body: counted, message incomplete',
  'http1.resync': 'first message after a gap or a non-HTTP stretch (found at the next start line)',
  'http1.cut': 'the stream ended inside this message',
  'http1.head_too_long': 'a header section over 256 KiB: not kept; resynchronising',
  'http1.te_and_cl': 'both Transfer-Encoding and Content-Length (RFC 9112 §6.3 item 3; request smuggling sign)',
  'http1.bad_content_length': 'Content-Length invalid or conflicting (RFC 9112 §6.3 item 5)',
  'http1.bad_chunk': 'a malformed chunk-size line or chunk terminator (RFC 9112 §7.1)',
  'http2.midstream': 'the direction was captured from the middle: frame alignment and HPACK context unknown',
  'http2.gap': 'bytes missing: frame alignment lost and the HPACK context of this direction poisoned',
  'http2.resync': 'first frame found again after a gap (a plausible frame header chain)',
  'http2.unparsed': 'bytes left at the end that could not be aligned to a frame',
  'http2.frame_cut': 'the stream ended inside this frame',
  'http2.stream_start_missing': 'DATA or a response HEADERS on a stream whose opening HEADERS was not captured',
  'http2.hpack_desync': 'a header block not decoded: this direction lost its HPACK context (gap or decoding error)',
  'http2.hpack_resync': 'HPACK context known again: the block began with a dynamic table size update to 0',
  'http2.header_block_interrupted': 'a frame other than CONTINUATION inside a header block (RFC 9113 §6.10)',
  'http2.unexpected_continuation': 'CONTINUATION without a header block in progress on its stream (RFC 9113 §6.10)',
  'http2.bad_padding': 'Pad Length as long as the payload or longer (RFC 9113 §6.1); also in frame details',
  'http2.frame_size': 'a frame length its type does not allow (RFC 9113 §6); also in frame details',
  'http2.handler_failed': 'a user frame handler threw; the frame is kept undecoded',
  'hpack.no_context': 'header block not decoded: the dynamic table state is unknown (frame details, notes)',
  'hpack.integer_overflow': 'HPACK integer beyond 2^31 (RFC 7541 §5.1)',
  'hpack.truncated': 'header block ends inside a representation',
  'hpack.index_zero': 'indexed field with index 0 (RFC 7541 §6.1)',
  'hpack.index_out_of_range': 'index past the static and dynamic tables (RFC 7541 §2.3.3)',
  'hpack.huffman_eos': 'Huffman string contains EOS (RFC 7541 §5.2)',
  'hpack.huffman_padding': 'Huffman padding over 7 bits or not all ones (RFC 7541 §5.2)',
  'hpack.size_update_too_large': 'table size update above SETTINGS_HEADER_TABLE_SIZE (RFC 7541 §6.3)',
  'hpack.size_update_late': 'table size update after the first field of a block (RFC 7541 §4.2)',
  'ftp.midstream': 'the direction was captured from the middle: the first partial line skipped',
  'ftp.gap': 'bytes missing: the reply in progress ends here, the broken line is skipped',
  'ftp.cut': 'the stream ended inside a multi-line reply',
  'ftp.unexpected_line': 'a line that is not a command (client) or a reply line (server)',
  'ftp.line_too_long': 'a line over 64 KiB without CRLF: dropped',
  'ftp-data.gap': 'bytes missing in the transfer (counted in `missing`)',
  'ftp-data.midstream': 'the data connection was captured from the middle',
  'ftp-data.capped': 'more than 64 MiB: the rest is counted, not kept',
  'ospf.version_unknown': 'OSPF version other than 2 (RFC 2328) or 3 (RFC 5340); the header is kept',
  'ipx.length_too_small': 'IPX length shorter than the 30-byte header',
  'ospf.packet_length_too_small': "OSPF packet length shorter than its version's header (24 or 16 bytes)",
};

export const NO_ISSUES: readonly Issue[] = Object.freeze([]);

export function issue(
  kind: IssueKind,
  code: IssueCode,
  layer: number,
  at: number,
  extra?: Partial<Pick<Issue, 'need' | 'have' | 'lenSource' | 'message'>>,
): Issue {
  return extra ? { kind, code, layer, at, ...extra } : { kind, code, layer, at };
}

/** An issue that ends the chain (everything but checksum results). */
export function isStopping(i: Issue): boolean {
  return i.kind !== 'checksum';
}
