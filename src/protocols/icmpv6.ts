/**
 * Internet Control Message Protocol for IPv6: RFC 4443, with Neighbor Discovery (RFC 4861, options
 * in icmpv6-nd.ts), MLDv1/v2 (RFC 2710, RFC 3810), Router Renumbering (RFC 2894), Node Information
 * (RFC 4620), Inverse ND (RFC 3122), Mobile IPv6 (RFC 6275 §6.5–6.8), SEND (RFC 3971 §6.4),
 * Multicast Router Discovery (RFC 4286), FMIPv6 (RFC 5568), 6LoWPAN ND (RFC 6775 §4.4), RFC 4884
 * multi-part messages and Extended Echo (RFC 8335).
 *
 *  0        8        16               31
 *  +--------+--------+----------------+
 *  |  Type  |  Code  |    Checksum    |   checksum over the IPv6 pseudo-header (RFC 4443 §2.3)
 *  |   message body (by type)         |
 *
 * As in icmp.ts, each message kind has its own table, picked by the type byte. Error messages (1–4)
 * quote as much of the invoking packet as fits (RFC 4443 §2.4(c)); the quote is dissected as IPv6
 * through the registry in the frame loop's quote mode. ND options, MLDv2 records and sources,
 * renumbering parts and node-information data are the `rest`, decoded on request.
 */
import { ipv4ToString, ipv6ToString, readIpv6 } from '../core/addr.js';
import { type Bytes, hex } from '../core/bytes.js';
import { fold, pseudoForBuild, pseudoForLayers, sum16 } from '../core/checksum.js';
import { type Compiled, compileHeader } from '../core/compile.js';
import type { DecodedOption, OptionIn } from '../core/options.js';
import { encodeTlv, tlvLength } from '../core/options.js';
import {
  bytes,
  type Codec,
  defineProtocol,
  flag,
  type Header,
  type Ipv6,
  ipv6Field,
  type Need,
  need,
  type Span,
  u8,
  u16,
  u24,
  u32,
} from '../core/protocol.js';
import type { Registry } from '../core/registry.js';
import { decodeIcmpExtension, type IcmpExtension, multipartExtensionAt } from './icmp-ext.js';
import { decodeNdOptions, dnsNames, ND_OPTION_HANDLERS, ND_OPTIONS } from './icmpv6-nd.js';
import { ICMPV6_TYPES } from './names/icmp.js';

const COMMON = {
  type: u8(0, { names: ICMPV6_TYPES }),
  code: u8(1),
  checksum: u16(2, { base: 'hex' }),
} as const;

/** Where the RFC 4884 / RFC 8335 extension structure lies (absolute offsets); set by decode. */
const extension = bytes(4, 0, { tshark: 'icmpv6.ext' });
/** RFC 4884 §4.4: the original datagram's length in 64-bit words (ICMPv6 puts it in byte 4). */
const length = u8(4);

const ECHO = {
  ...COMMON,
  ident: u16(4, { tshark: 'icmpv6.echo.identifier' }),
  seq: u16(6, { tshark: 'icmpv6.echo.sequence_number' }),
} as const;
const UNREACH = { ...COMMON, length, unused: u24(5), extension } as const;
const TOO_BIG = { ...COMMON, mtu: u32(4) } as const;
const PARAM = { ...COMMON, pointer: u32(4) } as const;
/** MLDv1 (RFC 2710 §3) query, report, done; also an MLDv2 query's first 24 bytes. */
const MLD1 = {
  ...COMMON,
  maximumResponseDelay: u16(4, { tshark: 'icmpv6.mld.maximum_response_delay' }),
  reserved: u16(6),
  multicastAddress: ipv6Field(8, { tshark: 'icmpv6.mld.multicast_address' }),
} as const;
/** MLDv2 query (RFC 3810 §5.1): a query of 28 bytes or more (§8.1). */
const MLD2_QUERY = {
  ...COMMON,
  maximumResponseCode: u16(4, { tshark: 'icmpv6.mld.maximum_response_code' }),
  reserved: u16(6),
  multicastAddress: ipv6Field(8, { tshark: 'icmpv6.mld.multicast_address' }),
  mldFlag: u8(24, { base: 'hex', tshark: 'icmpv6.mld.flag' }),
  suppress: flag(24, 0x08, { tshark: 'icmpv6.mld.flag.s' }),
  qrv: u8(24, { mask: 0x07, tshark: 'icmpv6.mld.flag.qrv' }),
  qqi: u8(25, { tshark: 'icmpv6.mld.qqi' }),
  nbSources: u16(26, { tshark: 'icmpv6.mld.nb_sources' }),
} as const;
/** MLDv2 report (RFC 3810 §5.2). */
const MLD2_REPORT = {
  ...COMMON,
  reserved: u16(4),
  nbMcastRecords: u16(6, { tshark: 'icmpv6.mldr.nb_mcast_records' }),
} as const;
const RS = { ...COMMON, reserved: u32(4) } as const; // RFC 4861 §4.1; also Inverse ND (RFC 3122 §2)
/** Router Advertisement (RFC 4861 §4.2; H RFC 6275 §7.1, Prf RFC 4191 §2.2, P RFC 4389 §4.1). */
const RA = {
  ...COMMON,
  curHopLimit: u8(4, { tshark: 'icmpv6.nd.ra.cur_hop_limit' }),
  raFlag: u8(5, { base: 'hex', tshark: 'icmpv6.nd.ra.flag' }),
  managed: flag(5, 0x80, { tshark: 'icmpv6.nd.ra.flag.m' }),
  other: flag(5, 0x40, { tshark: 'icmpv6.nd.ra.flag.o' }),
  homeAgent: flag(5, 0x20, { tshark: 'icmpv6.nd.ra.flag.h' }),
  prf: u8(5, { mask: 0x18, tshark: 'icmpv6.nd.ra.flag.prf' }),
  proxy: flag(5, 0x04, { tshark: 'icmpv6.nd.ra.flag.p' }),
  routerLifetime: u16(6, { tshark: 'icmpv6.nd.ra.router_lifetime' }),
  reachableTime: u32(8, { tshark: 'icmpv6.nd.ra.reachable_time' }),
  retransTimer: u32(12, { tshark: 'icmpv6.nd.ra.retrans_timer' }),
} as const;
const NS = {
  ...COMMON,
  reserved: u32(4),
  nsTargetAddress: ipv6Field(8, { tshark: 'icmpv6.nd.ns.target_address' }),
} as const;
/** Neighbor Advertisement (RFC 4861 §4.4): R, S, O flags in the first word. */
const NA = {
  ...COMMON,
  naFlag: u32(4, { base: 'hex', tshark: 'icmpv6.nd.na.flag' }),
  router: flag(4, 0x80, { tshark: 'icmpv6.nd.na.flag.r' }),
  solicited: flag(4, 0x40, { tshark: 'icmpv6.nd.na.flag.s' }),
  override: flag(4, 0x20, { tshark: 'icmpv6.nd.na.flag.o' }),
  naTargetAddress: ipv6Field(8, { tshark: 'icmpv6.nd.na.target_address' }),
} as const;
const REDIRECT = {
  ...COMMON,
  reserved: u32(4),
  rdTargetAddress: ipv6Field(8, { tshark: 'icmpv6.nd.rd.target_address' }),
  rdDestinationAddress: ipv6Field(24, { tshark: 'icmpv6.rd.na.destination_address' }),
} as const;
/** Router Renumbering header (RFC 2894 §3.1); code 0 command, 1 result, 255 sequence number reset. */
const RR = {
  ...COMMON,
  sequenceNumber: u32(4, { tshark: 'icmpv6.rr.sequence_number' }),
  segmentNumber: u8(8, { tshark: 'icmpv6.rr.segment_number' }),
  rrFlag: u8(9, { base: 'hex', tshark: 'icmpv6.rr.flag' }),
  test: flag(9, 0x80, { tshark: 'icmpv6.rr.flag.t' }),
  resultRequested: flag(9, 0x40, { tshark: 'icmpv6.rr.flag.r' }),
  allInterfaces: flag(9, 0x20, { tshark: 'icmpv6.rr.flag.a' }),
  siteSpecific: flag(9, 0x10, { tshark: 'icmpv6.rr.flag.s' }),
  processedPreviously: flag(9, 0x08, { tshark: 'icmpv6.rr.flag.p' }),
  maxdelay: u16(10, { tshark: 'icmpv6.rr.maxdelay' }),
  rrReserved: u32(12, { tshark: 'icmpv6.reserved' }),
} as const;
/** Node Information query/reply (RFC 4620 §4): Qtype, flags, 64-bit nonce. */
const NI = {
  ...COMMON,
  qtype: u16(4, { tshark: 'icmpv6.ni.qtype' }),
  niFlag: u16(6, { base: 'hex', tshark: 'icmpv6.ni.flag' }),
  nonce: bytes(8, 8, { tshark: 'icmpv6.ni.nonce' }),
} as const;
/** Mobile IPv6 (RFC 6275 §6.5–6.8): HAAD request/reply and mobile prefix solicitation/advertisement. */
const MIP6 = {
  ...COMMON,
  mip6Identifier: u16(4, { tshark: 'icmpv6.mip6.identifier' }),
  reserved: u16(6),
} as const;
const MPA = {
  ...COMMON,
  mip6Identifier: u16(4, { tshark: 'icmpv6.mip6.identifier' }),
  mip6Flag: u16(6, { base: 'hex', tshark: 'icmpv6.mip6.flag' }),
  mip6Managed: flag(6, 0x80, { tshark: 'icmpv6.mip6.flag.m' }),
  mip6Other: flag(6, 0x40, { tshark: 'icmpv6.mip6.flag.o' }),
} as const;
/** SEND certification path solicitation / advertisement (RFC 3971 §6.4.1–6.4.2). */
const CPS = {
  ...COMMON,
  sendIdentifier: u16(4, { tshark: 'icmpv6.send.identifier' }),
  component: u16(6, { tshark: 'icmpv6.send.component' }),
} as const;
const CPA = {
  ...COMMON,
  sendIdentifier: u16(4, { tshark: 'icmpv6.send.identifier' }),
  allComponents: u16(6, { tshark: 'icmpv6.send.all_components' }),
  component: u16(8, { tshark: 'icmpv6.send.component' }),
  reserved: u16(10),
} as const;
/** Multicast Router Advertisement (RFC 4286 §5): the code is the advertisement interval. */
const MRD_ADV = {
  ...COMMON,
  queryInterval: u16(4, { tshark: 'icmpv6.mcast_ra.query_interval' }),
  robustnessVariable: u16(6, { tshark: 'icmpv6.mcast_ra.robustness_variable' }),
} as const;
/** FMIPv6 (RFC 5568 §6.1): subtype, reserved, identifier, options. */
const FMIP = {
  ...COMMON,
  fmip6Subtype: u8(4, { tshark: 'icmpv6.fmip6.subtype' }),
  fmip6Flag: u8(5, { base: 'hex', tshark: 'icmpv6.fmip6.hi.flag' }),
  fmip6Identifier: u16(6, { tshark: 'icmpv6.fmip6.identifier' }),
} as const;
/** Duplicate Address Request/Confirmation (RFC 6775 §4.4). */
const DA = {
  ...COMMON,
  daStatus: u8(4, { tshark: 'icmpv6.6lowpannd.da.status' }),
  daRsv: u8(5, { tshark: 'icmpv6.6lowpannd.da.rsv' }),
  daLifetime: u16(6, { tshark: 'icmpv6.6lowpannd.da.lifetime' }),
  daEui64: bytes(8, 8, { tshark: 'icmpv6.6lowpannd.da.eui64' }),
  daRegAddr: ipv6Field(16, { tshark: 'icmpv6.6lowpannd.da.reg_addr' }),
} as const;
/** Extended Echo (RFC 8335 §2–3), as for ICMP. */
const EXT_ECHO_REQ = {
  ...COMMON,
  ident: u16(4, { tshark: 'icmpv6.echo.identifier' }),
  extSeq: u8(6, { tshark: 'icmpv6.ext.echo.seq' }),
  reqRes: u8(7, { mask: 0xfe, tshark: 'icmpv6.ext.echo.req.res' }),
  local: flag(7, 0x01, { tshark: 'icmpv6.ext.echo.req.local' }),
  extension,
} as const;
const EXT_ECHO_REPLY = {
  ...COMMON,
  ident: u16(4, { tshark: 'icmpv6.echo.identifier' }),
  extSeq: u8(6, { tshark: 'icmpv6.ext.echo.seq' }),
  state: u8(7, { mask: 0xe0, tshark: 'icmpv6.ext.echo.rsp.state' }),
  rspRes: u8(7, { mask: 0x18, tshark: 'icmpv6.ext.echo.rsp.res' }),
  active: flag(7, 0x04, { tshark: 'icmpv6.ext.echo.rsp.active' }),
  ipv4: flag(7, 0x02, { tshark: 'icmpv6.ext.echo.rsp.ipv4' }),
  ipv6: flag(7, 0x01, { tshark: 'icmpv6.ext.echo.rsp.ipv6' }),
} as const;
/** Messages with nothing after the checksum (MRD solicitation/termination, RFC 4286 §6–7; RPL's body). */
const BARE = { ...COMMON } as const;
/** Unassigned types: the first word after the checksum is kept as a number. */
const OTHER = { ...COMMON, restOfHeader: u32(4, { base: 'hex' }) } as const;

/**
 * ICMPv6 fields: type, code and checksum always; the rest exist for the message kinds that carry
 * them. Key names follow tshark's (`nsTargetAddress` is icmpv6.nd.ns.target_address).
 */
export interface Icmpv6Fields {
  readonly type: number;
  readonly code: number;
  readonly checksum: number;
  readonly ident?: number;
  readonly seq?: number;
  readonly length?: number;
  readonly unused?: number;
  readonly mtu?: number;
  readonly pointer?: number;
  readonly maximumResponseDelay?: number;
  readonly maximumResponseCode?: number;
  readonly reserved?: number;
  readonly multicastAddress?: Ipv6;
  readonly mldFlag?: number;
  readonly suppress?: number;
  readonly qrv?: number;
  readonly qqi?: number;
  readonly nbSources?: number;
  readonly nbMcastRecords?: number;
  readonly curHopLimit?: number;
  readonly raFlag?: number;
  readonly managed?: number;
  readonly other?: number;
  readonly homeAgent?: number;
  readonly prf?: number;
  readonly proxy?: number;
  readonly routerLifetime?: number;
  readonly reachableTime?: number;
  readonly retransTimer?: number;
  readonly nsTargetAddress?: Ipv6;
  readonly naFlag?: number;
  readonly router?: number;
  readonly solicited?: number;
  readonly override?: number;
  readonly naTargetAddress?: Ipv6;
  readonly rdTargetAddress?: Ipv6;
  readonly rdDestinationAddress?: Ipv6;
  readonly sequenceNumber?: number;
  readonly segmentNumber?: number;
  readonly rrFlag?: number;
  readonly test?: number;
  readonly resultRequested?: number;
  readonly allInterfaces?: number;
  readonly siteSpecific?: number;
  readonly processedPreviously?: number;
  readonly maxdelay?: number;
  readonly rrReserved?: number;
  readonly qtype?: number;
  readonly niFlag?: number;
  readonly nonce?: Span;
  readonly mip6Identifier?: number;
  readonly mip6Flag?: number;
  readonly mip6Managed?: number;
  readonly mip6Other?: number;
  readonly sendIdentifier?: number;
  readonly allComponents?: number;
  readonly component?: number;
  readonly queryInterval?: number;
  readonly robustnessVariable?: number;
  readonly fmip6Subtype?: number;
  readonly fmip6Flag?: number;
  readonly fmip6Identifier?: number;
  readonly daStatus?: number;
  readonly daRsv?: number;
  readonly daLifetime?: number;
  readonly daEui64?: Span;
  readonly daRegAddr?: Ipv6;
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

type L = Compiled<Icmpv6Fields>;
const c = (name: string, h: Header): L => compileHeader<Icmpv6Fields>(`icmpv6.${name}`, h);
const L_OTHER = c('other', OTHER);
const L_MLD1 = c('mld1', MLD1);
const L_MLD2Q = c('mld2_query', MLD2_QUERY);
const LAYOUTS: readonly L[] = (() => {
  const t: L[] = new Array(256).fill(L_OTHER);
  t[1] = t[3] = c('unreach', UNREACH);
  t[2] = c('too_big', TOO_BIG);
  t[4] = c('param', PARAM);
  t[128] = t[129] = c('echo', ECHO);
  t[130] = t[131] = t[132] = L_MLD1;
  t[133] = t[141] = t[142] = c('rs', RS);
  t[134] = c('ra', RA);
  t[135] = c('ns', NS);
  t[136] = c('na', NA);
  t[137] = c('redirect', REDIRECT);
  t[138] = c('rr', RR);
  t[139] = t[140] = c('ni', NI);
  t[143] = c('mld2_report', MLD2_REPORT);
  t[144] = t[145] = t[146] = c('mip6', MIP6);
  t[147] = c('mpa', MPA);
  t[148] = c('cps', CPS);
  t[149] = c('cpa', CPA);
  t[151] = c('mrd_adv', MRD_ADV);
  t[152] = t[153] = t[155] = c('bare', BARE);
  t[154] = c('fmip', FMIP);
  t[157] = t[158] = c('da', DA);
  t[160] = c('ext_echo_req', EXT_ECHO_REQ);
  t[161] = c('ext_echo_reply', EXT_ECHO_REPLY);
  return t;
})();

/** The table for a message: MLD queries of 28 bytes or more are MLDv2 (RFC 3810 §8.1). */
function layoutOf(type: number, size: number): L {
  return type === 130 && size >= 28 ? L_MLD2Q : LAYOUTS[type];
}

/** When building, an MLD query given MLDv2 fields is an MLDv2 query. */
const buildLayout = (f: Partial<Icmpv6Fields>): L =>
  layoutOf(f.type ?? 0, f.nbSources !== undefined || f.qqi !== undefined || f.qrv !== undefined ? 28 : 0);

/** Error messages quoting the invoking packet (RFC 4443 §3). */
const QUOTES = (t: number) => t >= 1 && t <= 4;
/** RFC 4884 §4.4: ICMPv6 Destination Unreachable and Time Exceeded carry the Length attribute. */
const MULTIPART = (t: number) => t === 1 || t === 3;
/** Messages whose body (options, records, parts, data) runs to the end of the message. */
const BODY_TO_END: readonly boolean[] = (() => {
  const t = new Array<boolean>(256).fill(false);
  for (const k of [130, 133, 134, 135, 136, 137, 138, 139, 140, 141, 142, 143, 145, 147, 148, 149, 154, 155])
    t[k] = true;
  return t;
})();

function decode(b: Bytes, at: number, end: number): Icmpv6Fields | Need<Icmpv6Fields> {
  if (end <= at) return need<Icmpv6Fields>(4);
  const type = b.u8[at];
  const lay = layoutOf(type, end - at);
  if (end - at < lay.minLen) return need(lay.minLen, lay.decodePartial(b, at, end - at));
  const f = lay.decode(b, at, end) as { -readonly [K in keyof Icmpv6Fields]: Icmpv6Fields[K] };
  if (MULTIPART(type)) {
    // Quote of `length` 64-bit words (RFC 4884 §4.4), or the §5.5 compatibility layout.
    const ext = multipartExtensionAt(b, at, end, 4, 8);
    if (ext >= 0) f.extension = { start: ext, end };
  } else if (type === 160) {
    f.extension = { start: at + 8, end };
  }
  return f;
}

const extLen = (f: Icmpv6Fields): number => (f.extension === undefined ? 0 : f.extension.end - f.extension.start);

export interface MldRecord {
  readonly recordType: number;
  readonly auxDataLen: number;
  readonly multicastAddress: string;
  readonly sources: readonly string[];
  readonly auxData?: string;
  readonly malformed?: true;
}
export interface RrMatchPrefix {
  readonly opcode: number;
  readonly oplength: number;
  readonly ordinal: number;
  readonly matchlen: number;
  readonly minlen: number;
  readonly maxlen: number;
  readonly matchprefix: string;
  readonly usePrefixes: readonly {
    readonly uselen: number;
    readonly keeplen: number;
    readonly flagmask: number;
    readonly raflags: number;
    readonly validLifetime: number;
    readonly preferredLifetime: number;
    readonly decrementValid: number;
    readonly decrementPreferred: number;
    readonly useprefix: string;
  }[];
  readonly malformed?: true;
}
export interface RrMatchResult {
  readonly b: number;
  readonly f: number;
  readonly ordinal: number;
  readonly matchedlen: number;
  readonly interfaceIndex: number;
  readonly matchedprefix: string;
}
export interface NodeInfoData {
  readonly subject?: string;
  readonly names?: readonly string[];
  readonly ttl?: number;
  readonly addresses?: readonly { readonly ttl: number; readonly address: string }[];
  readonly data?: string;
}
export interface Icmpv6Details {
  /** ND options; when building, options as `{ kind, ...fields }` or `{ kind, data }`. */
  readonly options?: readonly (DecodedOption | OptionIn)[];
  readonly sources?: readonly string[];
  readonly records?: readonly MldRecord[];
  readonly matchPrefixes?: readonly RrMatchPrefix[];
  readonly matchResults?: readonly RrMatchResult[];
  readonly nodeInfo?: NodeInfoData;
  readonly homeAgents?: readonly string[];
  readonly extension?: IcmpExtension;
  readonly data?: string;
  /** A count or length in the body said more than the message holds. */
  readonly malformed?: true;
}

const ip6 = (b: Bytes, p: number): string => ipv6ToString(readIpv6(b.dv, p));

/** MLDv2 Multicast Address Records (RFC 3810 §5.2.4). */
function mldRecords(b: Bytes, s: number, e: number, n: number): Icmpv6Details {
  const records: MldRecord[] = [];
  let p = s;
  for (let i = 0; i < n; i++) {
    if (p + 20 > e) return { records, malformed: true };
    const auxDataLen = b.u8[p + 1];
    const ns = b.dv.getUint16(p + 2);
    const rec = { recordType: b.u8[p], auxDataLen, multicastAddress: ip6(b, p + 4) };
    const sources: string[] = [];
    let q = p + 20;
    for (let k = 0; k < ns && q + 16 <= e; k++, q += 16) sources.push(ip6(b, q));
    const next = p + 20 + ns * 16 + auxDataLen * 4;
    if (next > e) return { records: [...records, { ...rec, sources, malformed: true }], malformed: true };
    records.push(auxDataLen ? { ...rec, sources, auxData: hex(b.u8, q, next) } : { ...rec, sources });
    p = next;
  }
  return { records };
}

/** Router Renumbering body (RFC 2894 §3.2–3.3): Prefix Control Operations, or Match Results. */
function renumbering(b: Bytes, s: number, e: number, code: number): Icmpv6Details {
  if (code === 1) {
    const matchResults: RrMatchResult[] = [];
    for (let p = s; p + 24 <= e; p += 24) {
      const fl = b.dv.getUint16(p);
      matchResults.push({
        b: (fl >>> 1) & 1,
        f: fl & 1,
        ordinal: b.u8[p + 2],
        matchedlen: b.u8[p + 3],
        interfaceIndex: b.dv.getUint32(p + 4),
        matchedprefix: ip6(b, p + 8),
      });
    }
    return { matchResults };
  }
  if (code !== 0) return s < e ? { data: hex(b.u8, s, e) } : {};
  const matchPrefixes: RrMatchPrefix[] = [];
  let p = s;
  while (p + 24 <= e) {
    const oplength = b.u8[p + 1]; // in units of 8 octets: 3 + 4N (RFC 2894 §3.2.1)
    const pe = Math.min(e, p + oplength * 8);
    const usePrefixes: RrMatchPrefix['usePrefixes'][number][] = [];
    for (let q = p + 24; q + 32 <= pe; q += 32) {
      const vp = b.dv.getUint32(q + 12);
      usePrefixes.push({
        uselen: b.u8[q],
        keeplen: b.u8[q + 1],
        flagmask: b.u8[q + 2],
        raflags: b.u8[q + 3],
        validLifetime: b.dv.getUint32(q + 4),
        preferredLifetime: b.dv.getUint32(q + 8),
        decrementValid: vp >>> 31,
        decrementPreferred: (vp >>> 30) & 1,
        useprefix: ip6(b, q + 16),
      });
    }
    const mp = {
      opcode: b.u8[p],
      oplength,
      ordinal: b.u8[p + 2],
      matchlen: b.u8[p + 3],
      minlen: b.u8[p + 4],
      maxlen: b.u8[p + 5],
      matchprefix: ip6(b, p + 8),
      usePrefixes,
    };
    if (oplength < 3 || p + oplength * 8 > e) {
      matchPrefixes.push({ ...mp, malformed: true });
      return { matchPrefixes, malformed: true };
    }
    matchPrefixes.push(mp);
    p += oplength * 8;
  }
  return { matchPrefixes };
}

/** Node Information data (RFC 4620 §5–6): the query's subject, or the reply's names/addresses. */
function nodeInfo(b: Bytes, s: number, e: number, f: Icmpv6Fields): NodeInfoData {
  if (s >= e) return {};
  if (f.type === 139) {
    if (f.code === 0 && e - s >= 16) return { subject: ip6(b, s) };
    if (f.code === 2 && e - s >= 4) return { subject: ipv4ToString(b.dv.getUint32(s)) };
    if (f.code === 1) return { names: dnsNames(b, s, e) };
    return { data: hex(b.u8, s, e) };
  }
  if (f.code !== 0) return { data: hex(b.u8, s, e) };
  if (f.qtype === 2 && e - s >= 4) return { ttl: b.dv.getUint32(s), names: dnsNames(b, s + 4, e) };
  if (f.qtype === 3 || f.qtype === 4) {
    const step = f.qtype === 3 ? 20 : 8;
    const addresses: { ttl: number; address: string }[] = [];
    for (let p = s; p + step <= e; p += step) {
      addresses.push({
        ttl: b.dv.getUint32(p),
        address: f.qtype === 3 ? ip6(b, p + 4) : ipv4ToString(b.dv.getUint32(p + 4)),
      });
    }
    return { addresses };
  }
  return { data: hex(b.u8, s, e) };
}

const body: Codec<Icmpv6Fields, Icmpv6Details> = {
  decode(b: Bytes, start: number, end: number, f: Icmpv6Fields, reg: Registry): Icmpv6Details {
    const at = start - 4; // the codec starts after type, code and checksum (minLen 4)
    const s = at + layoutOf(f.type, end - at).minLen;
    switch (f.type) {
      case 130:
        if (f.nbSources === undefined) return {};
        return sources(b, s, end, f.nbSources);
      case 143:
        return mldRecords(b, s, end, f.nbMcastRecords ?? 0);
      case 138:
        return renumbering(b, s, end, f.code);
      case 139:
      case 140:
        return { nodeInfo: nodeInfo(b, s, end, f) };
      case 145: {
        const homeAgents: string[] = [];
        for (let p = s; p + 16 <= end; p += 16) homeAgents.push(ip6(b, p));
        return { homeAgents };
      }
      case 155:
        return s < end ? { data: hex(b.u8, s, end) } : {};
      default:
        if (BODY_TO_END[f.type]) return { options: decodeNdOptions(b, s, end, reg) };
        if (f.extension !== undefined && f.extension.end > f.extension.start) {
          return { extension: decodeIcmpExtension(b, f.extension.start, f.extension.end, reg) };
        }
        return {};
    }
  },
  // Building: `{ options }` (RFC 4861 §4.6) after the fixed part, the same shape decode gives back.
  encode: (b, at, v, _f, reg) => encodeTlv(ND_OPTIONS, b, at, (v.options ?? []) as readonly OptionIn[], reg),
  encodingLength: (v, _f, reg) => tlvLength(ND_OPTIONS, (v.options ?? []) as readonly OptionIn[], reg),
};

function sources(b: Bytes, s: number, e: number, n: number): Icmpv6Details {
  const out: string[] = [];
  let p = s;
  for (let i = 0; i < n; i++, p += 16) {
    if (p + 16 > e) return { sources: out, malformed: true };
    out.push(ip6(b, p));
  }
  return { sources: out };
}

/** Every field a message kind may carry, for labels and tshark names (the per-type tables decode). */
const ALL_FIELDS: Header = Object.assign(
  {},
  OTHER,
  ECHO,
  UNREACH,
  TOO_BIG,
  PARAM,
  MLD1,
  MLD2_QUERY,
  MLD2_REPORT,
  RS,
  RA,
  NS,
  NA,
  REDIRECT,
  RR,
  NI,
  MIP6,
  MPA,
  CPS,
  CPA,
  MRD_ADV,
  FMIP,
  DA,
  EXT_ECHO_REQ,
  EXT_ECHO_REPLY,
);

export const icmpv6 = defineProtocol<'icmpv6', Icmpv6Fields, Icmpv6Details>({
  name: 'icmpv6',
  abbrev: 'icmpv6',
  alias: 'ICMPv6',
  title: 'Internet Control Message Protocol v6',
  layer: 'internet',
  header: ALL_FIELDS,
  minLen: 4,
  decode,
  encode: (b, at, f) => buildLayout(f).encode(b, at, f),
  encodingLength: (f) => buildLayout(f).minLen,
  bind: { 'ip.proto': [58] },
  headerLen: (f, avail) =>
    BODY_TO_END[f.type] ? avail : f.type === 160 ? 8 + extLen(f) : layoutOf(f.type, avail).minLen,
  payloadLen: (f, avail) => (MULTIPART(f.type) ? avail - extLen(f) : avail),
  quote: (f) => QUOTES(f.type),
  next: (f) => (QUOTES(f.type) ? { table: 'ethertype', key: 0x86dd } : undefined),
  rest: body,
  // RFC 4443 §2.3: over the IPv6 pseudo-header (next header 58; the final destination when a
  // Routing header is present, RFC 8200 §8.1) and the whole message.
  verify: (b, l, layers, frame) => {
    const f = l.fields as Icmpv6Fields;
    const e = Math.max(l.end, f.extension?.end ?? 0);
    if (frame.end - frame.start < frame.origLen && e >= frame.end - frame.fcsLen) return true;
    const ps = pseudoForLayers(b.u8, layers, layers.indexOf(l), 58, e - l.start);
    return ps === undefined || fold(sum16(b.u8, l.start, e, ps)) === 0;
  },
  finish: (given, l, ctx) => {
    if (given.checksum !== undefined) return;
    const ps = pseudoForBuild(ctx.b.u8, ctx.layers, ctx.index, 58, l.end - l.at);
    if (ps === undefined) return;
    ctx.b.dv.setUint16(l.at + 2, 0);
    ctx.b.dv.setUint16(l.at + 2, fold(sum16(ctx.b.u8, l.at, l.end, ps)));
  },
  handlers: { 'icmpv6.nd_option': ND_OPTION_HANDLERS },
  summary: (f) => {
    const name = ICMPV6_TYPES[f.type] ?? `type ${f.type}`;
    if (f.ident !== undefined && f.seq !== undefined) return `${name} id=${f.ident} seq=${f.seq}`;
    const t = f.nsTargetAddress ?? f.naTargetAddress ?? f.rdTargetAddress;
    if (t !== undefined) return `${name} for ${ipv6ToString(t)}`;
    return f.code === 0 ? name : `${name} code ${f.code}`;
  },
});
declare module '../core/frame.js' {
  interface LayerMap {
    icmpv6: Icmpv6Fields;
  }
}
