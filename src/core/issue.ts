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
  '<proto>.short': 'the bytes end inside the fixed header (or its options); fields read so far are kept',
  '<proto>.length_exceeds': 'a length field claims more bytes than the frame holds (lenSource names it)',
  '<proto>.exception': 'the decoder threw; earlier layers are kept (a bug: please report it)',
  '<proto>.bad_checksum': 'checksum verification was asked for and the checksum does not match',
  'frame.linktype_unknown': 'no dissector for the link type; the whole frame stays raw',
  'frame.invalid_timestamp':
    "the record's fraction of a second is out of range (≥ 1 s); shown carried into the seconds",
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
