/**
 * Internet Control Message Protocol: RFC 792, with RFC 950 (address mask), RFC 1191 (next-hop MTU),
 * RFC 1256 (router discovery), RFC 1393 (traceroute), RFC 2521 (Photuris), RFC 4884 (multi-part
 * messages) and RFC 8335 (extended echo).
 *
 *  0        8        16               31
 *  +--------+--------+----------------+
 *  |  Type  |  Code  |    Checksum    |
 *  |   rest of header (by type)       |
 *  |   body: quoted datagram, timestamps, router entries, extension …
 *
 * The 4-byte "rest of header" and the fixed body differ by type, so each message kind has its own
 * table (offsets written once, compiled once) and the type byte picks it. Error messages (3, 4, 5,
 * 11, 12) quote the offending IP header + at least 8 bytes (RFC 792, RFC 1812 §4.3.2.3): the quote
 * is dissected as IPv4 through the registry (`findAll(frame, 'ipv4')` shows both headers), in the
 * frame loop's quote mode, so a naturally short quoted TCP header is not an issue.
 */
import { ipv4ToString } from '../core/addr.js';
import { type Bytes, hex } from '../core/bytes.js';
import { inetChecksum } from '../core/checksum.js';
import { type Compiled, compileHeader } from '../core/compile.js';
import {
  bytes,
  type Codec,
  defineProtocol,
  flag,
  type Header,
  ipv4Field,
  type Need,
  need,
  type Span,
  u8,
  u16,
  u32,
} from '../core/protocol.js';
import type { Registry } from '../core/registry.js';
import { decodeIcmpExtension, ICMP_EXT_HANDLERS, type IcmpExtension, multipartExtensionAt } from './icmp-ext.js';
import { ICMP_TYPES, ICMP_UNREACH_CODES } from './names/icmp.js';

const COMMON = {
  type: u8(0, { names: ICMP_TYPES }),
  code: u8(1),
  checksum: u16(2, { base: 'hex' }),
} as const;

/** RFC 4884 §4.1: the original datagram's length in 32-bit words, 0 when the sender predates it. */
const length = u8(5, { label: 'length of original datagram (words)' });
/** Where the extension structure lies (absolute offsets; empty when none): set by decode, not on the wire. */
const extension = bytes(8, 0, { tshark: 'icmp.ext' });

const ECHO = { ...COMMON, ident: u16(4), seq: u16(6) } as const;
const UNREACH = { ...COMMON, unused: u8(4), length, mtu: u16(6), extension } as const; // mtu: RFC 1191 §4 (code 4)
const QUENCH = { ...COMMON, unused: u32(4) } as const;
const REDIRECT = { ...COMMON, gateway: ipv4Field(4, { tshark: 'icmp.redir_gw' }) } as const;
const ROUTER_ADV = { ...COMMON, numAddrs: u8(4), addrEntrySize: u8(5, { default: 2 }), lifetime: u16(6) } as const;
const ROUTER_SOL = { ...COMMON, reserved: u32(4) } as const;
const TIME_EXCEEDED = { ...COMMON, unused: u8(4), length, unused2: u16(6), extension } as const;
const PARAM_PROBLEM = { ...COMMON, pointer: u8(4), length, unused2: u16(6), extension } as const;
const TIMESTAMP = {
  ...ECHO,
  originateTimestamp: u32(8), // ms since midnight UT (RFC 792); high bit set = non-standard value
  receiveTimestamp: u32(12),
  transmitTimestamp: u32(16),
} as const;
const MASK = { ...ECHO, addressMask: ipv4Field(8) } as const; // RFC 950 Appendix I
/** RFC 1393 §2.2: ID, unused, outbound and return hop counts, output link speed (bytes/s) and MTU. */
const TRACEROUTE = {
  ...COMMON,
  ident: u16(4),
  unused: u16(6),
  outboundHopCount: u16(8),
  returnHopCount: u16(10),
  outputLinkSpeed: u32(12),
  outputLinkMtu: u32(16),
} as const;
/** RFC 2521 §3: reserved, then a pointer to the offending SPI's offset. */
const PHOTURIS = { ...COMMON, reserved: u16(4), pointer: u16(6) } as const;
/** RFC 8335 §2: 16-bit identifier, 8-bit sequence number, 7 reserved bits and the L (local) bit. */
const EXT_ECHO_REQ = {
  ...COMMON,
  ident: u16(4),
  extSeq: u8(6, { tshark: 'icmp.ext.echo.seq' }),
  reqRes: u8(7, { mask: 0xfe, tshark: 'icmp.ext.echo.req.res' }),
  local: flag(7, 0x01, { tshark: 'icmp.ext.echo.req.local' }),
  extension,
} as const;
/** RFC 8335 §3: State (3 bits), reserved (2), A (active), 4 (IPv4 running), 6 (IPv6 running). */
const EXT_ECHO_REPLY = {
  ...COMMON,
  ident: u16(4),
  extSeq: u8(6, { tshark: 'icmp.ext.echo.seq' }),
  state: u8(7, { mask: 0xe0, tshark: 'icmp.ext.echo.rsp.state' }),
  rspRes: u8(7, { mask: 0x18, tshark: 'icmp.ext.echo.rsp.res' }),
  active: flag(7, 0x04, { tshark: 'icmp.ext.echo.rsp.active' }),
  ipv4: flag(7, 0x02, { tshark: 'icmp.ext.echo.rsp.ipv4' }),
  ipv6: flag(7, 0x01, { tshark: 'icmp.ext.echo.rsp.ipv6' }),
} as const;
/** Unassigned or obsolete types: the rest of the header is kept as one word. */
const OTHER = { ...COMMON, restOfHeader: u32(4, { base: 'hex' }) } as const;

/**
 * ICMP fields: type, code and checksum always; the others exist for the message kinds that carry
 * them (ident/seq for echo, gateway for redirect, …). `extension` spans the RFC 4884 / RFC 8335
 * extension structure when there is one (absolute offsets in the frame's bytes).
 */
export interface IcmpFields {
  readonly type: number;
  readonly code: number;
  readonly checksum: number;
  readonly ident?: number;
  readonly seq?: number;
  readonly unused?: number;
  readonly unused2?: number;
  readonly length?: number;
  readonly mtu?: number;
  readonly gateway?: number;
  readonly numAddrs?: number;
  readonly addrEntrySize?: number;
  readonly lifetime?: number;
  readonly reserved?: number;
  readonly pointer?: number;
  readonly originateTimestamp?: number;
  readonly receiveTimestamp?: number;
  readonly transmitTimestamp?: number;
  readonly addressMask?: number;
  readonly outboundHopCount?: number;
  readonly returnHopCount?: number;
  readonly outputLinkSpeed?: number;
  readonly outputLinkMtu?: number;
  /** Extended echo (RFC 8335): 8-bit sequence number, reserved bits, L bit / state and A, 4, 6 bits. */
  readonly extSeq?: number;
  readonly reqRes?: number;
  readonly rspRes?: number;
  readonly local?: number;
  readonly state?: number;
  readonly active?: number;
  readonly ipv4?: number;
  readonly ipv6?: number;
  readonly restOfHeader?: number;
  readonly extension?: Span;
}

const c = (name: string, h: Header): Compiled<IcmpFields> => compileHeader<IcmpFields>(`icmp.${name}`, h);
const L_ECHO = c('echo', ECHO);
const L_OTHER = c('other', OTHER);
const LAYOUTS: readonly Compiled<IcmpFields>[] = (() => {
  const t: Compiled<IcmpFields>[] = new Array(256).fill(L_OTHER);
  for (const k of [0, 8, 15, 16]) t[k] = L_ECHO; // echo, information request/reply (RFC 792)
  t[3] = c('unreach', UNREACH);
  t[4] = c('quench', QUENCH);
  t[5] = c('redirect', REDIRECT);
  t[9] = c('router_adv', ROUTER_ADV);
  t[10] = c('router_sol', ROUTER_SOL);
  t[11] = c('time_exceeded', TIME_EXCEEDED);
  t[12] = c('param_problem', PARAM_PROBLEM);
  t[13] = t[14] = c('timestamp', TIMESTAMP);
  t[17] = t[18] = c('mask', MASK);
  t[30] = c('traceroute', TRACEROUTE);
  t[40] = c('photuris', PHOTURIS);
  t[42] = c('ext_echo_req', EXT_ECHO_REQ);
  t[43] = c('ext_echo_reply', EXT_ECHO_REPLY);
  return t;
})();

/** Messages that quote the offending datagram (RFC 792; RFC 1812 §4.3.2.3). */
const QUOTES: readonly boolean[] = Array.from(
  { length: 256 },
  (_, i) => i === 3 || i === 4 || i === 5 || i === 11 || i === 12,
);
/** RFC 4884 §4.1: the multi-part messages, with the Length attribute in byte 5. */
const MULTIPART = (t: number) => t === 3 || t === 11 || t === 12;

function decode(b: Bytes, at: number, end: number): IcmpFields | Need<IcmpFields> {
  if (end <= at) return need<IcmpFields>(8);
  const type = b.u8[at];
  const L = LAYOUTS[type];
  if (end - at < L.minLen) return need(L.minLen, L.decodePartial(b, at, end - at));
  const f = L.decode(b, at, end) as { -readonly [K in keyof IcmpFields]: IcmpFields[K] };
  if (MULTIPART(type)) {
    // The quoted datagram is `length` 32-bit words (RFC 4884 §4.1), or the §5.5 layout.
    const ext = multipartExtensionAt(b, at, end, 5, 4);
    if (ext >= 0) f.extension = { start: ext, end };
  } else if (type === 42) {
    f.extension = { start: at + 8, end }; // RFC 8335 §2: the Interface Identification Object
  }
  return f;
}

const extLen = (f: IcmpFields): number => (f.extension === undefined ? 0 : f.extension.end - f.extension.start);

export interface IcmpRouterEntry {
  readonly routerAddress: string;
  /** Signed, twos-complement (RFC 1256 §3.1); 0x80000000 means "never use as default". */
  readonly preferenceLevel: number;
}
/** RFC 5944 §2.1 extensions after a router advertisement's entries (mobility agent advertisement). */
export interface IcmpMobilityExt {
  readonly type: number;
  readonly length?: number;
  readonly [field: string]: unknown;
}
export interface IcmpDetails {
  readonly entries?: readonly IcmpRouterEntry[];
  readonly mobility?: readonly IcmpMobilityExt[];
  readonly extension?: IcmpExtension;
}

/** Router advertisement (RFC 1256 §3.1): entries of `addrEntrySize` words; then RFC 5944 extensions. */
function routerAdvert(b: Bytes, s: number, e: number, f: IcmpFields): IcmpDetails {
  const n = f.numAddrs ?? 0;
  const size = (f.addrEntrySize ?? 2) * 4;
  const entries: IcmpRouterEntry[] = [];
  let p = s;
  if (size >= 8) {
    for (let i = 0; i < n && p + size <= e; i++, p += size) {
      entries.push({ routerAddress: ipv4ToString(b.dv.getUint32(p)), preferenceLevel: b.dv.getInt32(p + 4) });
    }
  }
  if (p >= e) return { entries };
  const mobility: IcmpMobilityExt[] = [];
  while (p < e) {
    const type = b.u8[p];
    if (type === 0) {
      mobility.push({ type }); // one-byte padding
      p++;
      continue;
    }
    if (p + 2 > e) break;
    const len = b.u8[p + 1];
    const ve = Math.min(e, p + 2 + len);
    if (type === 16 && len >= 6 && p + 8 <= e) {
      // Mobility Agent Advertisement (RFC 5944 §2.1.1): sequence, lifetime, flags, care-of addresses.
      const coa: string[] = [];
      for (let q = p + 8; q + 4 <= ve; q += 4) coa.push(ipv4ToString(b.dv.getUint32(q)));
      mobility.push({
        type,
        length: len,
        seq: b.dv.getUint16(p + 2),
        registrationLifetime: b.dv.getUint16(p + 4),
        flags: b.dv.getUint16(p + 6),
        careOfAddresses: coa,
      });
    } else {
      mobility.push({ type, length: len, data: hex(b.u8, p + 2, ve) });
    }
    p += 2 + len;
  }
  return { entries, mobility };
}

const body: Codec<IcmpFields, IcmpDetails> = {
  decode(b: Bytes, start: number, end: number, f: IcmpFields, reg: Registry): IcmpDetails {
    if (f.type === 9) return routerAdvert(b, start, end, f);
    if (f.extension !== undefined && f.extension.end > f.extension.start) {
      return { extension: decodeIcmpExtension(b, f.extension.start, f.extension.end, reg) };
    }
    return {};
  },
};

/** Every field a message kind may carry, for labels and tshark names (the per-type tables decode). */
const ALL_FIELDS: Header = Object.assign(
  {},
  OTHER,
  ECHO,
  UNREACH,
  QUENCH,
  REDIRECT,
  ROUTER_ADV,
  ROUTER_SOL,
  TIME_EXCEEDED,
  PARAM_PROBLEM,
  TIMESTAMP,
  MASK,
  TRACEROUTE,
  PHOTURIS,
  EXT_ECHO_REQ,
  EXT_ECHO_REPLY,
);

export const icmp = defineProtocol<'icmp', IcmpFields, IcmpDetails>({
  name: 'icmp',
  abbrev: 'icmp',
  alias: 'ICMP',
  title: 'Internet Control Message Protocol',
  layer: 'internet',
  header: ALL_FIELDS,
  minLen: 8,
  decode,
  encode: (b, at, f) => LAYOUTS[f.type ?? 0].encode(b, at, f),
  encodingLength: (f) => LAYOUTS[f.type ?? 0].minLen,
  bind: { 'ip.proto': [1] },
  // Router advertisements: entries (and RFC 5944 extensions) to the end; extended echo: its object.
  headerLen: (f, avail) =>
    f.type === 9
      ? Math.max(8 + (f.numAddrs ?? 0) * (f.addrEntrySize ?? 0) * 4, avail)
      : f.type === 42
        ? 8 + extLen(f)
        : LAYOUTS[f.type].minLen,
  // The quoted datagram ends where an RFC 4884 extension starts (the extension runs to the end).
  payloadLen: (f, avail) => (MULTIPART(f.type) ? avail - extLen(f) : avail),
  quote: (f) => QUOTES[f.type],
  next: (f) => (QUOTES[f.type] ? { table: 'ethertype', key: 0x0800 } : undefined),
  rest: body,
  // The checksum covers the whole message (RFC 792), extension included; not when bytes are missing.
  verify: (b, l, _layers, frame) => {
    const f = l.fields as IcmpFields;
    const e = Math.max(l.end, f.extension?.end ?? 0);
    if (frame.end - frame.start < frame.origLen && e >= frame.end - frame.fcsLen) return true;
    return inetChecksum(b.u8, l.start, e) === 0;
  },
  finish: (given, l, ctx) => {
    if (given.checksum !== undefined) return;
    ctx.b.dv.setUint16(l.at + 2, 0);
    ctx.b.dv.setUint16(l.at + 2, inetChecksum(ctx.b.u8, l.at, l.end));
  },
  handlers: { 'icmp.ext_class': ICMP_EXT_HANDLERS },
  summary: (f) => {
    const name = ICMP_TYPES[f.type] ?? `type ${f.type}`;
    if (f.type === 3) return `${name} (${ICMP_UNREACH_CODES[f.code] ?? f.code})`;
    if (f.ident !== undefined && (f.seq ?? f.extSeq) !== undefined)
      return `${name} id=${f.ident} seq=${f.seq ?? f.extSeq}`;
    return f.code === 0 ? name : `${name} code ${f.code}`;
  },
});
declare module '../core/frame.js' {
  interface LayerMap {
    icmp: IcmpFields;
  }
}
