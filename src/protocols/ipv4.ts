/**
 * Internet Protocol version 4: RFC 791, with options from the IANA ip-parameters registry.
 *
 *  0       4       8              16    19                  31
 *  +-------+-------+---------------+-----+-------------------+
 *  |Version|  IHL  |  DSCP   |ECN  |     Total Length        |
 *  |     Identification            |Flags|  Fragment Offset  |
 *  |   TTL         |   Protocol    |    Header Checksum      |
 *  |                      Source Address                     |
 *  |                   Destination Address                   |
 *  |                  Options (IHL > 5)                      |
 */
import { ipv4ToString } from '../core/addr.js';
import { type Bytes, hex } from '../core/bytes.js';
import { inetChecksum } from '../core/checksum.js';
import { decodeTlv, encodeTlv, type OptionIn, type TlvSpec, tlvLength, u16Handler } from '../core/options.js';
import {
  type Codec,
  defineProtocol,
  type FieldsOf,
  flag,
  ipv4Field,
  type OptionHandler,
  u8,
  u16,
} from '../core/protocol.js';
import { IP_PROTOCOLS } from './names/ip-protocols.js';

/** IANA "IP Option Numbers": the full type byte (copied flag, class, number). */
export const IPV4_OPTION_NAMES: Readonly<Record<number, string>> = {
  0: 'eool',
  1: 'nop',
  7: 'rr',
  10: 'zsu',
  11: 'mtup',
  12: 'mtur',
  15: 'encode',
  25: 'qs',
  30: 'exp',
  68: 'ts',
  82: 'tr',
  94: 'exp',
  130: 'sec',
  131: 'lsr',
  133: 'esec',
  134: 'cipso',
  136: 'sid',
  137: 'ssr',
  142: 'visa',
  144: 'imitd',
  145: 'eip',
  147: 'addext',
  148: 'rtralt',
  149: 'sdb',
  151: 'dps',
  152: 'ump',
  158: 'exp',
  205: 'finn',
  222: 'exp',
};

/**
 * Total option lengths (type and length bytes included) the RFCs fix, as [min, max]: below the
 * minimum the option's fixed fields are not all there (its bytes are kept, and tshark stops listing
 * options after it); above a fixed maximum the option is decoded but marked malformed.
 */
export const IPV4_OPTION_LENGTHS: Readonly<Record<number, readonly [number, number]>> = {
  7: [3, 40], // RFC 791 §3.1 Record Route: pointer + addresses
  11: [4, 4], // RFC 1063 MTU Probe
  12: [4, 4], // RFC 1063 MTU Reply
  25: [8, 8], // RFC 4782 §3.1 Quick-Start
  68: [4, 40], // RFC 791 §3.1 Timestamp: pointer, overflow/flag
  82: [12, 12], // RFC 1393 §2.1 Traceroute
  130: [3, 40], // RFC 1108 §2 Security
  131: [3, 40], // RFC 791 §3.1 Loose Source Route
  133: [3, 40], // RFC 1108 §3 Extended Security
  134: [6, 40], // CIPSO (FIPS 188): domain of interpretation
  136: [4, 4], // RFC 791 §3.1 Stream ID
  137: [3, 40], // RFC 791 §3.1 Strict Source Route
  148: [4, 4], // RFC 2113 §2.1 Router Alert
  149: [2, 40], // RFC 1770 §2 Selective Directed Broadcast: addresses
};

const sized = (kind: number, h: OptionHandler): OptionHandler => {
  const [min, max] = IPV4_OPTION_LENGTHS[kind];
  return {
    ...h,
    decode(b, s, e) {
      const total = e - s + 2;
      if (total < min) return { malformed: true, data: hex(b.u8, s, e) };
      const v = h.decode(b, s, e);
      return total > max ? { ...v, malformed: true } : v;
    },
  };
};
const raw = (name: string): OptionHandler => ({ name, decode: (b, s, e) => ({ data: hex(b.u8, s, e) }) });

/** Record Route, Loose/Strict Source Route (RFC 791 §3.1): pointer + a list of addresses. */
const route = (kind: number, name: string): OptionHandler =>
  sized(kind, {
    name,
    decode(b: Bytes, s: number, e: number) {
      const route: string[] = [];
      for (let p = s + 1; p + 4 <= e; p += 4) route.push(ipv4ToString(b.dv.getUint32(p)));
      return { pointer: b.u8[s], route };
    },
  });

/** Internet Timestamp (RFC 791 §3.1): pointer, overflow, flag; timestamps or (address, timestamp) pairs. */
const timestamp: OptionHandler = sized(68, {
  name: 'ts',
  decode(b, s, e) {
    const oflw = b.u8[s + 1] >>> 4;
    const flg = b.u8[s + 1] & 0x0f;
    const entries: { address?: string; timestamp: number }[] = [];
    const step = flg === 0 ? 4 : 8;
    let p = s + 2;
    for (; p + step <= e; p += step) {
      if (flg === 0) entries.push({ timestamp: b.dv.getUint32(p) });
      else entries.push({ address: ipv4ToString(b.dv.getUint32(p)), timestamp: b.dv.getUint32(p + 4) });
    }
    // A trailing partial entry is kept as bytes (tshark: "suboption would go past end of option").
    return p < e
      ? { pointer: b.u8[s], overflow: oflw, flag: flg, entries, trailing: hex(b.u8, p, e) }
      : { pointer: b.u8[s], overflow: oflw, flag: flg, entries };
  },
});

/** Security (RFC 1108 §2): classification level and protection authority flag bytes. */
const security: OptionHandler = sized(130, {
  name: 'sec',
  decode(b, s, e) {
    const authority: number[] = [];
    for (let p = s + 1; p < e; p++) authority.push(b.u8[p]);
    return { level: b.u8[s], authority };
  },
});

/** Extended Security (RFC 1108 §3): additional security information format code, then its data. */
const extSecurity: OptionHandler = sized(133, {
  name: 'esec',
  decode: (b, s, e) => ({ formatCode: b.u8[s], info: hex(b.u8, s + 1, e) }),
});

/** Traceroute (RFC 1393 §2.1): ID, outbound and return hop counts, originator address; length 12. */
const traceroute: OptionHandler = sized(82, {
  name: 'tr',
  decode(b, s) {
    return {
      id: b.dv.getUint16(s),
      outboundHops: b.dv.getUint16(s + 2),
      returnHops: b.dv.getUint16(s + 4),
      originator: ipv4ToString(b.dv.getUint32(s + 6)),
    };
  },
});

/** Quick-Start (RFC 4782 §3.1): function, rate, QS TTL, nonce; length 8. */
const quickStart: OptionHandler = sized(25, {
  name: 'qs',
  decode(b, s) {
    const w = b.dv.getUint32(s + 2);
    return { func: b.u8[s] >>> 4, rate: b.u8[s] & 0x0f, ttl: b.u8[s + 1], nonce: w >>> 2 };
  },
});

/** CIPSO (FIPS 188 §4; draft-ietf-cipso-ipsecurity): domain of interpretation + tags. */
const cipso: OptionHandler = sized(134, {
  name: 'cipso',
  decode(b, s, e) {
    const tags: { type: number; length: number }[] = [];
    for (let p = s + 4; p + 2 <= e; ) {
      const l = b.u8[p + 1];
      tags.push({ type: b.u8[p], length: l });
      if (l < 2) break;
      p += l;
    }
    return { doi: b.dv.getUint32(s), tags };
  },
});

/** Selective Directed Broadcast (RFC 1770 §2): the list of destination addresses. */
const sdb: OptionHandler = sized(149, {
  name: 'sdb',
  decode(b, s, e) {
    const addresses: string[] = [];
    for (let p = s; p + 4 <= e; p += 4) addresses.push(ipv4ToString(b.dv.getUint32(p)));
    return { addresses };
  },
});

/** A 16-bit value in an option of length 4: Stream ID (RFC 791), MTU probe/reply (RFC 1063), Router Alert (RFC 2113). */
const u16Option = (kind: number, name: string, key: string) => sized(kind, u16Handler(name, key));

export const IPV4_OPTION_HANDLERS: Readonly<Record<number, OptionHandler<any>>> = {
  0: { name: 'eool', decode: () => ({}) },
  1: { name: 'nop', decode: () => ({}) },
  7: route(7, 'rr'),
  10: raw('zsu'), // ZSU, experimental measurement (Finn): no public format
  11: u16Option(11, 'mtup', 'mtu'), // RFC 1063 (obsoleted by RFC 1191)
  12: u16Option(12, 'mtur', 'mtu'),
  15: raw('encode'), // VerSteeg: no public format
  25: quickStart,
  30: raw('exp'), // RFC 4727 §2.5 experiments
  68: timestamp,
  82: traceroute,
  94: raw('exp'),
  130: security,
  131: route(131, 'lsr'),
  133: extSecurity,
  134: cipso,
  136: u16Option(136, 'sid', 'streamId'), // RFC 791 Stream ID (RFC 6814: deprecated)
  137: route(137, 'ssr'),
  142: raw('visa'), // Estrin: experimental access control
  144: raw('imitd'), // Lee: IMI traffic descriptor
  145: raw('eip'), // RFC 1385 Extended Internet Protocol
  147: raw('addext'), // Ullmann: address extension
  148: u16Option(148, 'rtralt', 'value'), // RFC 2113 Router Alert
  149: sdb,
  151: raw('dps'), // Malis: dynamic packet state
  152: raw('ump'), // Farinacci: upstream multicast packet
  158: raw('exp'),
  205: raw('finn'), // Finn: experimental flow control
  222: raw('exp'),
};

const IPV4_OPTIONS: TlvSpec = {
  table: 'ipv4.option',
  single: new Set([0, 1]),
  end: 0,
  lenIncludesHeader: true,
  names: IPV4_OPTION_NAMES,
  padTo: 4,
  padByte: 0,
};

const options: Codec<any, readonly OptionIn[]> = {
  decode: (b, start, end, _f, reg) => decodeTlv(IPV4_OPTIONS, b, start, end, reg),
  tlv: IPV4_OPTIONS,
  encode: (b, at, v, _f, reg) => encodeTlv(IPV4_OPTIONS, b, at, v, reg),
  encodingLength: (v, _f, reg) => tlvLength(IPV4_OPTIONS, v, reg),
};

/**
 * The option types as tshark's ip.opt.type lists them: EOL ends the list (the padding after it is not
 * listed, RFC 791 §3.1); an option whose length byte is missing, below 2 or past the header is not
 * listed and ends the list; an option too short for its fixed fields is listed and ends the list.
 * Unlike tshark 4.0, registered types it has no decoder for (ZSU, EIP, …) are listed too.
 */
export function optionTypes(u8: Uint8Array, start: number, end: number): number[] {
  const out: number[] = [];
  let p = start;
  while (p < end) {
    const kind = u8[p];
    if (kind <= 1) {
      out.push(kind);
      if (kind === 0) break;
      p++;
      continue;
    }
    if (p + 2 > end) break;
    const len = u8[p + 1];
    if (len < 2 || p + len > end) break;
    out.push(kind);
    const lim = IPV4_OPTION_LENGTHS[kind];
    if (lim !== undefined && len < lim[0]) break;
    p += len;
  }
  return out;
}

export const ipv4 = defineProtocol({
  name: 'ipv4',
  abbrev: 'ip',
  alias: 'IPv4',
  title: 'Internet Protocol Version 4',
  layer: 'internet',
  header: {
    version: u8(0, { mask: 0xf0, default: 4 }),
    hdrLen: u8(0, { mask: 0x0f, scale: 4, default: 20 }), // ip.hdr_len in bytes; RFC 791 counts 32-bit words
    dsfield: u8(1, { base: 'hex' }),
    dscp: u8(1, { mask: 0xfc, tshark: 'ip.dsfield.dscp' }), // RFC 2474
    ecn: u8(1, { mask: 0x03, tshark: 'ip.dsfield.ecn' }), // RFC 3168
    len: u16(2),
    id: u16(4, { base: 'hex' }),
    flags: u8(6, { mask: 0xe0, base: 'hex' }),
    rb: flag(6, 0x80, { tshark: 'ip.flags.rb' }),
    df: flag(6, 0x40, { tshark: 'ip.flags.df' }),
    mf: flag(6, 0x20, { tshark: 'ip.flags.mf' }),
    fragOffset: u16(6, { mask: 0x1fff }), // ip.frag_offset, in 8-octet units as RFC 791 counts them
    ttl: u8(8, { default: 64 }),
    proto: u8(9, { names: IP_PROTOCOLS }),
    checksum: u16(10, { base: 'hex' }),
    src: ipv4Field(12),
    dst: ipv4Field(16),
  },
  bind: { ethertype: [0x0800], linktype: [228], 'ip.proto': [4] },
  selector: { table: 'ip.proto', field: 'proto' },
  rest: options,
  check: (f) =>
    f.version === 6
      ? undefined
      : f.version !== 4
        ? 'ip.version_mismatch'
        : f.hdrLen < 20
          ? 'ip.hdr_len_too_small'
          : f.len !== 0 && f.len < f.hdrLen
            ? 'ip.len_too_small'
            : undefined,
  // Version 6 behind EtherType 0x0800 or link type 228: handed to IPv6 at the same offset, as Wireshark's
  // IP dissector does; the IPv4 layer is then zero-length and marked (ip.version_mismatch).
  warn: (f) => (f.version === 6 ? 'ip.version_mismatch' : undefined),
  headerLen: (f) => (f.version === 6 ? 0 : f.hdrLen),
  // Total length 0 is what TSO/GSO captures show: trust the captured bytes (as Wireshark does).
  payloadLen: (f, avail) => (f.len === 0 || f.version === 6 ? avail : f.len - f.hdrLen),
  lenSource: 'ip.len',
  fragment: (f) => f.version === 4 && (f.mf === 1 || f.fragOffset !== 0),
  // A non-first fragment carries no upper-layer header: it stays raw until reassembly (stages/ip-defrag).
  next: (f) =>
    f.version === 6
      ? { table: 'linktype', key: 229 }
      : f.fragOffset !== 0
        ? undefined
        : { table: 'ip.proto', key: f.proto },
  verify: (b, l) => inetChecksum(b.u8, l.start, l.hdrEnd) === 0,
  derive: (_given, size) => ({ hdrLen: size.header, len: size.header + size.payload }),
  finish: (given, l, ctx) => {
    if (given.checksum !== undefined) return;
    const dv = ctx.b.dv;
    dv.setUint16(l.at + 10, 0);
    dv.setUint16(l.at + 10, inetChecksum(ctx.b.u8, l.at, l.hdrEnd));
  },
  handlers: { 'ipv4.option': IPV4_OPTION_HANDLERS },
  computed: {
    'ip.opt.type': (l, fr) =>
      l.complete && l.hdrEnd - l.start > 20 ? optionTypes(fr.bytes.u8, l.start + 20, l.hdrEnd) : undefined,
  },
  summary: (f) => `${ipv4ToString(f.src)} → ${ipv4ToString(f.dst)} ${IP_PROTOCOLS[f.proto] ?? f.proto}`,
});
declare module '../core/frame.js' {
  interface LayerMap {
    ipv4: FieldsOf<typeof ipv4>;
  }
}
