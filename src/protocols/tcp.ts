/**
 * Transmission Control Protocol: RFC 9293 §3.1, options from the IANA tcp-parameters registry.
 *
 *  0               16              31
 *  +---------------+---------------+
 *  |  Source Port  |   Dest Port   |
 *  |        Sequence Number        |
 *  |     Acknowledgment Number     |
 *  |Off|Rsv|Flags  |    Window     |
 *  |   Checksum    |Urgent Pointer |
 *  |   Options (Off > 5)           |
 */
import type { Bytes } from '../core/bytes.js';
import { hex } from '../core/bytes.js';
import { fold, pseudoForBuild, pseudoForLayers, sum16 } from '../core/checksum.js';
import type { Frame, Layer } from '../core/frame.js';
import {
  decodeTlv,
  emptyHandler,
  encodeTlv,
  type OptionIn,
  type TlvSpec,
  tlvLength,
  u8Handler,
  u16Handler,
} from '../core/options.js';
import { type Codec, defineProtocol, type FieldsOf, flag, type OptionHandler, u16, u32 } from '../core/protocol.js';
import { lowFirst } from '../core/registry.js';

export const TCP_OPTION_NAMES: Readonly<Record<number, string>> = {
  0: 'eol',
  1: 'nop',
  2: 'mss',
  3: 'wscale',
  4: 'sack_perm',
  5: 'sack',
  6: 'echo',
  7: 'echo_reply',
  8: 'timestamp',
  9: 'poc_permitted',
  10: 'poc_service_profile',
  11: 'cc',
  12: 'cc_new',
  13: 'cc_echo',
  14: 'alt_checksum_request',
  15: 'alt_checksum_data',
  18: 'trailer_checksum',
  19: 'md5',
  27: 'quick_start',
  28: 'user_timeout',
  29: 'tcp_ao',
  30: 'mptcp',
  34: 'tfo',
  69: 'encryption_negotiation',
  172: 'accecn0',
  174: 'accecn1',
  253: 'experimental',
  254: 'experimental',
};

const u32Handler = (name: string, key: string): OptionHandler => ({
  name,
  decode: (b, s, e) => (e - s >= 4 ? { [key]: b.dv.getUint32(s) } : { malformed: true }),
  encode: (b, at, v) => {
    b.dv.setUint32(at, Number(v[key] ?? 0) >>> 0);
    return 4;
  },
  encodingLength: () => 4,
});
const opaque = (name: string, key: string): OptionHandler => ({
  name,
  decode: (b, s, e) => ({ [key]: hex(b.u8, s, e) }),
});

/** SACK (RFC 2018 §3): pairs of 32-bit left/right edges. */
const sack: OptionHandler = {
  name: 'sack',
  decode(b: Bytes, s: number, e: number) {
    const blocks: { left: number; right: number }[] = [];
    for (let p = s; p + 8 <= e; p += 8) blocks.push({ left: b.dv.getUint32(p), right: b.dv.getUint32(p + 4) });
    return { blocks };
  },
  encode(b, at, v) {
    const blocks = (v.blocks ?? []) as { left: number; right: number }[];
    for (const [i, x] of blocks.entries()) {
      b.dv.setUint32(at + i * 8, x.left >>> 0);
      b.dv.setUint32(at + i * 8 + 4, x.right >>> 0);
    }
    return blocks.length * 8;
  },
  encodingLength: (v) => ((v.blocks ?? []) as unknown[]).length * 8,
};

/** Timestamps (RFC 7323 §3): TSval and TSecr. */
const timestamps: OptionHandler = {
  name: 'timestamp',
  decode: (b, s, e) => (e - s >= 8 ? { tsval: b.dv.getUint32(s), tsecr: b.dv.getUint32(s + 4) } : { malformed: true }),
  encode(b, at, v) {
    b.dv.setUint32(at, Number(v.tsval ?? 0) >>> 0);
    b.dv.setUint32(at + 4, Number(v.tsecr ?? 0) >>> 0);
    return 8;
  },
  encodingLength: () => 8,
};

/** User Timeout (RFC 5482 §2): granularity bit (1 = minutes) and a 15-bit timeout. */
const userTimeout: OptionHandler = {
  name: 'user_timeout',
  decode: (b, s, e) => {
    if (e - s < 2) return { malformed: true };
    const w = b.dv.getUint16(s);
    return { granularity: w >>> 15 ? 'minutes' : 'seconds', timeout: w & 0x7fff };
  },
};

/** TCP-AO (RFC 5925 §2.2): KeyID, RNextKeyID, MAC. Kept as bytes past the ids. */
const tcpAo: OptionHandler = {
  name: 'tcp_ao',
  decode: (b, s, e) =>
    e - s >= 2 ? { keyId: b.u8[s], rnextKeyId: b.u8[s + 1], mac: hex(b.u8, s + 2, e) } : { malformed: true },
};

/** MPTCP option subtypes (RFC 8684 §7 / IANA "MPTCP Option Subtypes"). */
export const MPTCP_SUBTYPES: Readonly<Record<number, string>> = {
  0: 'MP_CAPABLE',
  1: 'MP_JOIN',
  2: 'DSS',
  3: 'ADD_ADDR',
  4: 'REMOVE_ADDR',
  5: 'MP_PRIO',
  6: 'MP_FAIL',
  7: 'MP_FASTCLOSE',
  8: 'MP_TCPRST',
  15: 'MP_EXPERIMENTAL',
};

/**
 * Multipath TCP (RFC 8684 §3): the subtype (high nibble of the first value byte) and, for
 * MP_CAPABLE, the version (low nibble, RFC 8684 §3.1; 0 is RFC 6824); the rest stays raw.
 */
const mptcp: OptionHandler = {
  name: 'mptcp',
  decode: (b, s, e) => {
    if (e - s < 1) return { malformed: true, data: '' };
    const st = b.u8[s] >>> 4;
    const o: Record<string, unknown> = { subtype: st, subtypeName: MPTCP_SUBTYPES[st] ?? 'unknown' };
    if (st === 0) o.version = b.u8[s] & 0x0f;
    o.data = hex(b.u8, s, e);
    return o;
  },
};

/**
 * TCP Fast Open cookie (RFC 7413 §4.1.1): an empty option is a cookie request; a cookie is 4 to 16
 * bytes. The same value rides in experimental option 254 with ExID 0xF989 (§4.1.1, RFC 6994).
 */
const tfo: OptionHandler = {
  name: 'tfo',
  decode: (b, s, e) => (e === s ? { request: true } : { cookie: hex(b.u8, s, e) }),
};

/**
 * Accurate ECN (draft-ietf-tcpm-accurate-ecn §3.2.3): up to three 24-bit byte counters. Kind 172
 * (AccECN0) orders them EE0B, ECEB, EE1B; kind 174 (AccECN1) orders them EE1B, ECEB, EE0B. A length
 * of 2, 5, 8 or 11 carries 0 to 3 of them.
 */
const accecn = (name: string, order: readonly string[]): OptionHandler => ({
  name,
  decode: (b, s, e) => {
    const o: Record<string, unknown> = {};
    let i = 0;
    for (let p = s; p + 3 <= e && i < 3; p += 3, i++) o[order[i]] = (b.u8[p] << 16) | (b.u8[p + 1] << 8) | b.u8[p + 2];
    if ((e - s) % 3 !== 0 || e - s > 9) o.malformed = true;
    return o;
  },
});

/** Quick-Start Response (RFC 4782 §4.2): rate request, TTL diff, nonce. */
const quickStart: OptionHandler = {
  name: 'quick_start',
  decode: (b, s, e) =>
    e - s >= 6
      ? { func: b.u8[s] >>> 4, rate: b.u8[s] & 0x0f, ttlDiff: b.u8[s + 1], nonce: b.dv.getUint32(s + 2) >>> 2 }
      : { malformed: true },
};

/** Experiment identifiers decoded here (IANA "TCP Experimental Option Experiment Identifiers"). */
export const TCP_EXIDS: Readonly<Record<number, string>> = {
  44224: 'accecn0', // draft-ietf-tcpm-accurate-ecn §3.2.3, before kinds 172/174 were assigned
  44225: 'accecn1',
  63881: 'tfo', // RFC 7413 §4.1.1
};
const ACCECN0 = accecn('accecn0', ['ee0b', 'eceb', 'ee1b']);
const ACCECN1 = accecn('accecn1', ['ee1b', 'eceb', 'ee0b']);

/**
 * Experimental options (RFC 6994 §3): a 16-bit ExID, then data. TFO's (0xF989) and AccECN's
 * (0xACC0/0xACC1) experimental forms decode as those options; users register their own ExID
 * decoders over this handler.
 */
const experimental: OptionHandler = {
  name: 'experimental',
  decode: (b, s, e) => {
    if (e - s < 2) return { data: hex(b.u8, s, e) };
    const exid = b.dv.getUint16(s);
    const n = TCP_EXIDS[exid];
    const inner = exid === 0xf989 ? tfo : exid === 0xacc0 ? ACCECN0 : exid === 0xacc1 ? ACCECN1 : undefined;
    if (inner === undefined) return { exid, data: hex(b.u8, s + 2, e) };
    return { exid, experiment: n, ...inner.decode(b, s + 2, e) };
  },
};

export const TCP_OPTION_HANDLERS: Readonly<Record<number, OptionHandler<any>>> = {
  0: { name: 'eol', decode: () => ({}) },
  1: { name: 'nop', decode: () => ({}) },
  2: u16Handler('mss', 'mss'), // RFC 9293 §3.2
  3: u8Handler('wscale', 'shift'), // RFC 7323 §2.2
  4: emptyHandler('sack_perm'), // RFC 2018 §2
  5: sack,
  6: u32Handler('echo', 'value'), // RFC 1072
  7: u32Handler('echo_reply', 'value'),
  8: timestamps,
  9: emptyHandler('poc_permitted'), // RFC 1693
  10: {
    name: 'poc_service_profile',
    decode: (b, s, e) => (e - s >= 1 ? { start: b.u8[s] >>> 7, end: (b.u8[s] >>> 6) & 1 } : { malformed: true }),
  },
  11: u32Handler('cc', 'value'), // RFC 1644
  12: u32Handler('cc_new', 'value'),
  13: u32Handler('cc_echo', 'value'),
  14: u8Handler('alt_checksum_request', 'algorithm'), // RFC 1146
  15: opaque('alt_checksum_data', 'data'),
  19: opaque('md5', 'digest'), // RFC 2385
  27: quickStart,
  28: userTimeout,
  29: tcpAo,
  30: mptcp,
  34: tfo,
  172: ACCECN0,
  174: ACCECN1,
  253: experimental,
  254: experimental,
};

const TCP_OPTIONS: TlvSpec = {
  table: 'tcp.option',
  single: new Set([0, 1]),
  end: 0,
  lenIncludesHeader: true,
  names: TCP_OPTION_NAMES,
  padTo: 4,
  padByte: 0,
};

const options: Codec<any, readonly OptionIn[]> = {
  decode: (b, start, end, _f, reg) => decodeTlv(TCP_OPTIONS, b, start, end, reg),
  tlv: TCP_OPTIONS,
  encode: (b, at, v, _f, reg) => encodeTlv(TCP_OPTIONS, b, at, v, reg),
  encodingLength: (v, _f, reg) => tlvLength(TCP_OPTIONS, v, reg),
};

export const tcp = defineProtocol({
  name: 'tcp',
  abbrev: 'tcp',
  alias: 'TCP',
  title: 'Transmission Control Protocol',
  layer: 'transport',
  header: {
    srcport: u16(0),
    dstport: u16(2),
    seq: u32(4, { tshark: 'tcp.seq_raw' }),
    ack: u32(8, { tshark: 'tcp.ack_raw' }),
    hdrLen: u16(12, { mask: 0xf000, scale: 4, default: 20 }), // tcp.hdr_len in bytes; Data Offset counts words
    flags: u16(12, { mask: 0x0fff, base: 'hex' }), // 12 bits: reserved, AE (ex-NS), CWR, ECE, URG, ACK, PSH, RST, SYN, FIN
    flagNs: flag(12, 0x01, { tshark: 'tcp.flags.ns' }), // RFC 3540 (historic), AccECN's AE bit
    flagCwr: flag(13, 0x80, { tshark: 'tcp.flags.cwr' }),
    flagEce: flag(13, 0x40, { tshark: 'tcp.flags.ecn' }),
    flagUrg: flag(13, 0x20, { tshark: 'tcp.flags.urg' }),
    flagAck: flag(13, 0x10, { tshark: 'tcp.flags.ack' }),
    flagPsh: flag(13, 0x08, { tshark: 'tcp.flags.push' }),
    flagRst: flag(13, 0x04, { tshark: 'tcp.flags.reset' }),
    flagSyn: flag(13, 0x02, { tshark: 'tcp.flags.syn' }),
    flagFin: flag(13, 0x01, { tshark: 'tcp.flags.fin' }),
    window: u16(14, { tshark: 'tcp.window_size_value' }),
    checksum: u16(16, { base: 'hex' }),
    urgentPointer: u16(18),
  },
  bind: { 'ip.proto': [6] },
  rest: options,
  check: (f) => (f.hdrLen < 20 ? 'tcp.hdr_len_too_small' : undefined),
  headerLen: (f) => f.hdrLen,
  next: (f) => lowFirst('tcp.port', f.srcport, f.dstport),
  verify: (b, l, layers) => {
    const ps = pseudoForLayers(b.u8, layers, layers.indexOf(l), 6, l.end - l.start);
    return ps === undefined || fold(sum16(b.u8, l.start, l.end, ps)) === 0;
  },
  derive: (_g, size) => ({ hdrLen: size.header }),
  finish: (given, l, ctx) => {
    if (given.checksum !== undefined) return;
    const ps = pseudoForBuild(ctx.b.u8, ctx.layers, ctx.index, 6, l.end - l.at);
    if (ps === undefined) return;
    ctx.b.dv.setUint16(l.at + 16, 0);
    ctx.b.dv.setUint16(l.at + 16, fold(sum16(ctx.b.u8, l.at, l.end, ps)));
  },
  handlers: { 'tcp.option': TCP_OPTION_HANDLERS },
  computed: {
    // A header quoted by an ICMP error (8 bytes, no data offset) has no payload length to speak of.
    'tcp.len': (l, fr) => segmentLength(l, fr as Frame),
    // Lengths are checked against the header length the segment claims; a header cut by the capture
    // lists the options whose kind and length bytes were captured, as tshark does.
    'tcp.option_kind': (l, fr) => {
      const hl = (l.fields as { hdrLen?: number }).hdrLen;
      return hl !== undefined && hl > 20 ? optionKinds(fr.bytes.u8, l.start + 20, l.start + hl, l.hdrEnd) : undefined;
    },
  },
  summary: (f) => `${f.srcport} → ${f.dstport} [${tcpFlagString(f.flags)}] seq=${f.seq} ack=${f.ack} win=${f.window}`,
});
declare module '../core/frame.js' {
  interface LayerMap {
    tcp: FieldsOf<typeof tcp>;
  }
}

/**
 * The kind of every well-formed option, as tshark's tcp.option_kind lists them: the walk stops at a
 * length below 2 or past the header (that option is not listed), and it does not stop at EOL, so
 * the zero padding after an EOL shows as more EOLs (RFC 9293 §3.2: padding is zeros). `captured`
 * is where the bytes end when the capture cut the header short.
 */
export function optionKinds(u8: Uint8Array, start: number, end: number, captured = end): number[] {
  const out: number[] = [];
  let p = start;
  const stop = Math.min(end, captured);
  while (p < stop) {
    const kind = u8[p];
    if (kind <= 1) {
      out.push(kind);
      p++;
      continue;
    }
    if (p + 2 > end || p + 1 >= captured) break;
    const len = u8[p + 1];
    if (len < 2 || p + len > end) break;
    out.push(kind);
    p += len;
  }
  return out;
}

/**
 * tcp.len as tshark reports it: the payload length the IP header claims minus the TCP header length
 * (RFC 9293 §3.8: SEG.LEN), even when the capture cut the bytes; none for a contradictory header or
 * inside an IP fragment (the segment is not whole).
 */
function segmentLength(l: Layer, fr: Frame): number | undefined {
  const hl = (l.fields as { hdrLen?: number }).hdrLen;
  if (hl === undefined || hl < 20) return undefined;
  // Wireshark bounds every length by the frame's reported (original) length, not by what was captured.
  const reported = fr.start + fr.origLen - fr.fcsLen;
  const hdrEnd = l.start + hl;
  if (hdrEnd > reported) return undefined; // the header itself is cut short: no segment length
  const ls = fr.layers;
  const idx = ls.indexOf(l);
  for (let i = idx - 1; i >= 0; i--) {
    const o = ls[i];
    const f = o.fields as Record<string, number | undefined>;
    if (o.protocol === 'ipv6_frag') return undefined;
    if (o.protocol === 'ipv4') {
      if (f.mf === 1 || (f.fragOffset ?? 0) !== 0) return undefined;
      if (!f.len) break; // TSO: length 0, trust the bytes
      return Math.max(0, Math.min(o.start + f.len, reported) - hdrEnd);
    }
    if (o.protocol === 'ipv6') {
      if (f.plen === undefined || (f.plen === 0 && f.nxt === 0)) break; // jumbogram
      return Math.max(0, Math.min(o.start + 40 + f.plen, reported) - hdrEnd);
    }
  }
  return Math.max(0, reported - hdrEnd);
}

const FLAG_LETTERS: readonly [number, string][] = [
  [0x100, 'N'],
  [0x80, 'C'],
  [0x40, 'E'],
  [0x20, 'U'],
  [0x10, 'A'],
  [0x08, 'P'],
  [0x04, 'R'],
  [0x02, 'S'],
  [0x01, 'F'],
];
/** 'SA', 'FA', 'PA' …, scapy style. */
export function tcpFlagString(flags: number): string {
  let s = '';
  for (const [bit, c] of FLAG_LETTERS) if (flags & bit) s += c;
  return s;
}
