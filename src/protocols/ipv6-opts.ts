/**
 * IPv6 Hop-by-Hop Options (next header 0) and Destination Options (60): RFC 8200 §4.3 and §4.6, with
 * every option in the IANA "Destination Options and Hop-by-Hop Options" registry decoded through the
 * 'ipv6.option' handler table (a user adds a type with `registry.withHandler('ipv6.option', t, h)`).
 *
 *  0               8              16                              31
 *  +---------------+---------------+-------------------------------+
 *  |  Next Header  |  Hdr Ext Len  |                               |
 *  +---------------+---------------+          Options              |
 *  |              ((Hdr Ext Len + 1) * 8 octets in all)            |
 *
 * Each option is type / length / data (the length does not count the type and length octets); Pad1 is
 * a lone zero octet. The type's two high bits are the action for a node that does not know the option,
 * the third says whether the data may change en route (§4.2); both are shown for every option.
 */
import { ip6, ipv6ToString, readIpv6 } from '../core/addr.js';
import { type Bytes, fromHex, hex, latin1Text } from '../core/bytes.js';
import type { Ipv6 } from '../core/fields.js';
import { type DecodedOption, decodeTlv, encodeTlv, type OptionIn, type TlvSpec, tlvLength } from '../core/options.js';
import { type Codec, defineProtocol, type FieldsOf, type OptionHandler, u8 } from '../core/protocol.js';
import { structHandler } from '../core/struct.js';
import { IP_PROTOCOLS } from './names/ip-protocols.js';
import { IOAM_OPTION_TYPES, IPV6_OPTION_NAMES, routerAlertName } from './names/ipv6.js';

type V = Record<string, unknown>;

/** An address as RFC 5952 text (details are for people and dumps). */
export const addrText = (b: Bytes, p: number): string => ipv6ToString(readIpv6(b.dv, p));
/** Write an address given as text or as a tuple of four u32. */
export function putAddr(b: Bytes, at: number, v: unknown): void {
  const a: Ipv6 = typeof v === 'string' ? ip6(v) : ((v as Ipv6 | undefined) ?? [0, 0, 0, 0]);
  for (let i = 0; i < 4; i++) b.dv.setUint32(at + 4 * i, a[i] >>> 0);
}
/** Bytes given as hex text or a Uint8Array. */
export const bytesOf = (v: unknown): Uint8Array =>
  v instanceof Uint8Array ? v : typeof v === 'string' ? fromHex(v) : new Uint8Array(0);
const num = (v: unknown): number => Number(v ?? 0);
const bad = (b: Bytes, s: number, e: number): V => ({ malformed: true, data: hex(b.u8, s, e) });

/** PadN (RFC 8200 §4.2): zero octets; a zero-length PadN is valid (PyPCAPKit rejected it). */
const padn: OptionHandler<V> = {
  name: 'padn',
  decode: (b, s, e) => {
    for (let i = s; i < e; i++) if (b.u8[i] !== 0) return { padding: hex(b.u8, s, e) };
    return {};
  },
  encode: (b, at, v) => {
    const p = bytesOf(v.padding);
    const n = v.padding !== undefined ? p.length : num(v.length);
    b.u8.fill(0, at, at + n);
    b.u8.set(p, at);
    return n;
  },
  encodingLength: (v) => (v.padding !== undefined ? bytesOf(v.padding).length : num(v.length)),
};

/** Router Alert (RFC 2711 §2.1): a 16-bit value saying which protocol the router should look at. */
const routerAlert = structHandler('router_alert', [['value', 'u16']], (v) => {
  if (typeof v.value === 'number') v.meaning = routerAlertName(v.value);
  return v;
});

/** Tunnel Encapsulation Limit (RFC 2473 §5.1): nested encapsulations still allowed. */
const tel = structHandler('tel', [['limit', 'u8']]);

/** Jumbo Payload (RFC 2675 §2): the real payload length when the IPv6 Payload Length is 0. */
const jumbo = structHandler('jumbo', [['payloadLength', 'u32']]);

/** Home Address (RFC 6275 §6.3): the mobile node's home address; it replaces the source for checksums. */
const homeAddress = structHandler('home_address', [['homeAddress', 'ipv6']]);

/** CALIPSO (RFC 5570 §5.1): DOI, compartment length (32-bit words), level, CRC-16, bitmap. */
const calipso: OptionHandler<V> = {
  name: 'calipso',
  decode: (b, s, e) => {
    if (e - s < 8) return bad(b, s, e);
    const cmptLength = b.u8[s + 4];
    return {
      doi: b.dv.getUint32(s),
      cmptLength,
      sensLevel: b.u8[s + 5],
      checksum: b.dv.getUint16(s + 6),
      bitmap: hex(b.u8, s + 8, Math.min(e, s + 8 + cmptLength * 4)),
    };
  },
  encode: (b, at, v) => {
    const bm = bytesOf(v.bitmap);
    b.dv.setUint32(at, num(v.doi) >>> 0);
    b.u8[at + 4] = v.cmptLength !== undefined ? num(v.cmptLength) : bm.length >>> 2;
    b.u8[at + 5] = num(v.sensLevel);
    b.dv.setUint16(at + 6, num(v.checksum));
    b.u8.set(bm, at + 8);
    return 8 + bm.length;
  },
  encodingLength: (v) => 8 + bytesOf(v.bitmap).length,
};

/**
 * SMF_DPD (RFC 6621 §7.2): with H clear, a TaggerId of type TidTy and length TidLen + 1 (none for
 * TidTy 0) then the packet identifier; with H set, the whole data is a Hash Assist Value.
 */
const smfDpd: OptionHandler<V> = {
  name: 'smf_dpd',
  decode: (b, s, e) => {
    if (e - s < 1) return bad(b, s, e);
    const x = b.u8[s];
    if (x & 0x80) return { hashAssisted: 1, hav: hex(b.u8, s, e) };
    const tidType = (x >>> 4) & 7;
    const tidLen = x & 0x0f;
    const tl = tidType === 0 ? 0 : tidLen + 1;
    if (s + 1 + tl > e) return bad(b, s, e);
    const o: V = { hashAssisted: 0, tidType, tidLen };
    if (tl > 0) {
      o.taggerId =
        tidType === 2 && tl === 4
          ? `${b.u8[s + 1]}.${b.u8[s + 2]}.${b.u8[s + 3]}.${b.u8[s + 4]}`
          : tidType === 3 && tl === 16
            ? addrText(b, s + 1)
            : hex(b.u8, s + 1, s + 1 + tl);
    }
    o.identifier = hex(b.u8, s + 1 + tl, e);
    return o;
  },
};

/** Performance and Diagnostic Metrics (RFC 8250 §3.2). */
const pdm = structHandler('pdm', [
  ['scaleDtlr', 'u8'],
  ['scaleDtls', 'u8'],
  ['psnThisPkt', 'u16'],
  ['psnLastRecv', 'u16'],
  ['deltaLastRecv', 'u16'],
  ['deltaLastSent', 'u16'],
]);

/** Quick-Start (RFC 4782 §5.3, the IPv4 option's layout): function, rate, QS TTL, 30-bit nonce. */
const quickStart: OptionHandler<V> = {
  name: 'quickstart',
  decode: (b, s, e) => {
    if (e - s !== 6) return bad(b, s, e);
    const w = b.dv.getUint32(s + 2);
    const func = b.u8[s] >>> 4;
    // A report of approved rate (function 8) carries no QS TTL: the octet is unused (§4.1).
    return {
      func,
      rate: b.u8[s] & 0x0f,
      [func === 8 ? 'unused' : 'ttl']: b.u8[s + 1],
      nonce: w >>> 2,
      reserved: w & 3,
    };
  },
  encode: (b, at, v) => {
    b.u8[at] = ((num(v.func) & 15) << 4) | (num(v.rate) & 15);
    b.u8[at + 1] = num(v.ttl ?? v.unused);
    b.dv.setUint32(at + 2, ((num(v.nonce) << 2) | (num(v.reserved) & 3)) >>> 0);
    return 6;
  },
  encodingLength: () => 6,
};

/** Minimum Path MTU (RFC 9268 §3): Min-PMTU, the 15 high bits of a returned PMTU, and the R flag. */
const pmtu: OptionHandler<V> = {
  name: 'pmtu',
  decode: (b, s, e) => {
    if (e - s !== 4) return bad(b, s, e);
    const w = b.dv.getUint16(s + 2);
    return { minPmtu: b.dv.getUint16(s), rtnPmtu: w & 0xfffe, rFlag: w & 1 };
  },
  encode: (b, at, v) => {
    b.dv.setUint16(at, num(v.minPmtu));
    b.dv.setUint16(at + 2, (num(v.rtnPmtu) & 0xfffe) | (num(v.rFlag) & 1));
    return 4;
  },
  encodingLength: () => 4,
};

/**
 * IOAM (RFC 9486 §4): reserved, IOAM option type, then that type's header (RFC 9197 §4.4–4.6,
 * RFC 9326 §3.2). The per-node data of a trace is kept as bytes: its layout depends on the trace type.
 */
const ioam: OptionHandler<V> = {
  name: 'ioam',
  decode: (b, s, e) => {
    if (e - s < 2) return bad(b, s, e);
    const optType = b.u8[s + 1];
    const o: V = { reserved: b.u8[s], optType, optTypeName: IOAM_OPTION_TYPES[optType] ?? 'unknown' };
    const p = s + 2;
    if ((optType === 0 || optType === 1) && e - p >= 8) {
      const w = b.dv.getUint16(p + 2);
      o.namespaceId = b.dv.getUint16(p);
      o.nodeLen = w >>> 11; // in 4-octet units
      o.flags = (w >>> 7) & 0x0f;
      o.remainingLen = w & 0x7f;
      o.traceType = (b.u8[p + 4] << 16) | (b.u8[p + 5] << 8) | b.u8[p + 6];
      o.traceReserved = b.u8[p + 7];
      o.nodeData = hex(b.u8, p + 8, e);
    } else if (optType === 2 && e - p >= 4) {
      o.namespaceId = b.dv.getUint16(p);
      o.potType = b.u8[p + 2];
      o.potFlags = b.u8[p + 3];
      o.potData = hex(b.u8, p + 4, e);
    } else if (optType === 3 && e - p >= 4) {
      o.namespaceId = b.dv.getUint16(p);
      o.e2eType = b.dv.getUint16(p + 2);
      o.e2eData = hex(b.u8, p + 4, e);
    } else if (optType === 4 && e - p >= 8) {
      const ext = b.u8[p + 3];
      o.namespaceId = b.dv.getUint16(p);
      o.flags = b.u8[p + 2];
      o.extFlags = ext;
      o.traceType = (b.u8[p + 4] << 16) | (b.u8[p + 5] << 8) | b.u8[p + 6];
      o.dexReserved = b.u8[p + 7];
      let q = p + 8;
      if (ext & 0x80 && q + 4 <= e) {
        o.flowId = b.dv.getUint32(q);
        q += 4;
      }
      if (ext & 0x40 && q + 4 <= e) {
        o.sequence = b.dv.getUint32(q);
        q += 4;
      }
      if (q < e) o.ioamData = hex(b.u8, q, e);
    } else {
      o.ioamData = hex(b.u8, p, e);
    }
    return o;
  },
};

/** Alternate-Marking (RFC 9343 §3): 20-bit FlowMonID, Loss and Delay flags. */
const altmark: OptionHandler<V> = {
  name: 'altmark',
  decode: (b, s, e) => {
    if (e - s !== 4) return bad(b, s, e);
    const w = b.dv.getUint32(s);
    return { flowMonId: w >>> 12, lFlag: (w >>> 11) & 1, dFlag: (w >>> 10) & 1, reserved: w & 0x3ff };
  },
  encode: (b, at, v) => {
    const w = (num(v.flowMonId) & 0xfffff) * 4096 + ((num(v.lFlag) & 1) << 11) + ((num(v.dFlag) & 1) << 10);
    b.dv.setUint32(at, (w + (num(v.reserved) & 0x3ff)) >>> 0);
    return 4;
  },
  encodingLength: () => 4,
};

/** RPL Option (RFC 6553 §3, type 0x23 since RFC 9008): O/R/F flags, RPLInstanceID, SenderRank, sub-TLVs. */
const rpl: OptionHandler<V> = {
  name: 'rpl',
  decode: (b, s, e) => {
    if (e - s < 4) return bad(b, s, e);
    const f = b.u8[s];
    const o: V = {
      down: f >>> 7,
      rankError: (f >>> 6) & 1,
      forwardingError: (f >>> 5) & 1,
      flagsReserved: f & 0x1f,
      instanceId: b.u8[s + 1],
      senderRank: b.dv.getUint16(s + 2),
    };
    if (e > s + 4) o.subTlvs = hex(b.u8, s + 4, e);
    return o;
  },
  encode: (b, at, v) => {
    const sub = bytesOf(v.subTlvs);
    b.u8[at] = ((num(v.down) & 1) << 7) | ((num(v.rankError) & 1) << 6) | ((num(v.forwardingError) & 1) << 5);
    b.u8[at] |= num(v.flagsReserved) & 0x1f;
    b.u8[at + 1] = num(v.instanceId);
    b.dv.setUint16(at + 2, num(v.senderRank));
    b.u8.set(sub, at + 4);
    return 4 + sub.length;
  },
  encodingLength: (v) => 4 + bytesOf(v.subTlvs).length,
};

/** MPL Option (RFC 7731 §6.1): seed-id length S (0, 2, 8, 16 octets), M and V flags, sequence, seed-id. */
const MPL_SEED = [0, 2, 8, 16];
const mpl: OptionHandler<V> = {
  name: 'mpl',
  decode: (b, s, e) => {
    if (e - s < 2) return bad(b, s, e);
    const x = b.u8[s];
    const sType = x >>> 6;
    const n = MPL_SEED[sType];
    const o: V = { seedIdType: sType, mFlag: (x >>> 5) & 1, vFlag: (x >>> 4) & 1, flagsReserved: x & 15 };
    o.sequence = b.u8[s + 1];
    if (s + 2 + n > e) return { ...o, malformed: true, data: hex(b.u8, s + 2, e) };
    // S = 0: the seed is the IPv6 source address (§4.1).
    if (n > 0) o.seedId = n === 16 ? addrText(b, s + 2) : hex(b.u8, s + 2, s + 2 + n);
    return o;
  },
  encode: (b, at, v) => {
    const sType = num(v.seedIdType) & 3;
    b.u8[at] = (sType << 6) | ((num(v.mFlag) & 1) << 5) | ((num(v.vFlag) & 1) << 4) | (num(v.flagsReserved) & 15);
    b.u8[at + 1] = num(v.sequence);
    if (sType === 3) putAddr(b, at + 2, v.seedId);
    else b.u8.set(bytesOf(v.seedId).subarray(0, MPL_SEED[sType]), at + 2);
    return 2 + MPL_SEED[sType];
  },
  encodingLength: (v) => 2 + MPL_SEED[num(v.seedIdType) & 3],
};

/** ILNP Nonce (RFC 6744 §2). */
const ilnpNonce: OptionHandler<V> = {
  name: 'ilnp_nonce',
  decode: (b, s, e) => ({ nonce: hex(b.u8, s, e) }),
  encode: (b, at, v) => {
    const n = bytesOf(v.nonce);
    b.u8.set(n, at);
    return n.length;
  },
  encodingLength: (v) => bytesOf(v.nonce).length,
};

/** Line-Identification (RFC 6788 §5): LineIDLen then the Line ID octets. */
const lio: OptionHandler<V> = {
  name: 'lio',
  decode: (b, s, e) => {
    if (e - s < 1) return bad(b, s, e);
    const n = b.u8[s];
    if (s + 1 + n > e) return bad(b, s, e);
    return { lineIdLength: n, lineId: latin1Text(b.u8, s + 1, s + 1 + n) };
  },
  encode: (b, at, v) => {
    const t = new TextEncoder().encode(String(v.lineId ?? ''));
    b.u8[at] = t.length;
    b.u8.set(t, at + 1);
    return 1 + t.length;
  },
  encodingLength: (v) => 1 + new TextEncoder().encode(String(v.lineId ?? '')).length,
};

/** Depth-First Forwarding (RFC 6971 §4.1): version, DUP and RET flags, sequence number. */
const ipDff: OptionHandler<V> = {
  name: 'ip_dff',
  decode: (b, s, e) => {
    if (e - s !== 3) return bad(b, s, e);
    const x = b.u8[s];
    return {
      version: x >>> 6,
      dup: (x >>> 5) & 1,
      ret: (x >>> 4) & 1,
      flagsReserved: x & 15,
      sequence: b.dv.getUint16(s + 1),
    };
  },
  encode: (b, at, v) => {
    b.u8[at] =
      ((num(v.version) & 3) << 6) | ((num(v.dup) & 1) << 5) | ((num(v.ret) & 1) << 4) | (num(v.flagsReserved) & 15);
    b.dv.setUint16(at + 1, num(v.sequence));
    return 3;
  },
  encodingLength: () => 3,
};

const raw = (name: string): OptionHandler<V> => ({
  name,
  decode: (b, s, e) => ({ data: hex(b.u8, s, e) }),
  encode: (b, at, v) => {
    const d = bytesOf(v.data);
    b.u8.set(d, at);
    return d.length;
  },
  encodingLength: (v) => bytesOf(v.data).length,
});

export const IPV6_OPTION_HANDLERS: Readonly<Record<number, OptionHandler<any>>> = {
  0: { name: 'pad1', decode: () => ({}) },
  1: padn,
  4: tel,
  5: routerAlert,
  7: calipso,
  8: smfDpd,
  15: pdm,
  17: ioam,
  18: altmark,
  35: rpl,
  38: quickStart,
  48: pmtu,
  49: ioam,
  99: rpl,
  109: mpl,
  139: ilnpNonce,
  140: lio,
  194: jumbo,
  201: homeAddress,
  238: ipDff,
  30: raw('experimental'),
  62: raw('experimental'),
  94: raw('experimental'),
  126: raw('experimental'),
  158: raw('experimental'),
  190: raw('experimental'),
  222: raw('experimental'),
  254: raw('experimental'),
};

const SPEC: TlvSpec = {
  table: 'ipv6.option',
  single: new Set([0]),
  lenIncludesHeader: false,
  names: IPV6_OPTION_NAMES,
};

/** An IPv6 option as `details()` gives it: the action and change bits shown for every type (RFC 8200 §4.2). */
export interface Ipv6Option extends DecodedOption {
  readonly action: number;
  readonly change: number;
}

/** Decode the options in [start, end) (after Next Header and Hdr Ext Len). */
export function decodeIpv6Options(b: Bytes, start: number, end: number, reg: Parameters<typeof decodeTlv>[4]) {
  const list = decodeTlv(SPEC, b, start, end, reg);
  const out: Ipv6Option[] = new Array(list.length);
  for (let i = 0; i < list.length; i++) {
    const { kind, name, ...rest } = list[i];
    out[i] = { kind, name, action: kind >>> 6, change: (kind >>> 5) & 1, ...rest } as Ipv6Option;
  }
  return out;
}

/** Octets of padding that make `n` option octets after the 2-octet header a multiple of 8. */
const padFor = (n: number) => (8 - ((2 + n) % 8)) % 8;

/** The options tail: decoded through 'ipv6.option'; built padded to 8 octets with Pad1 or PadN (§4.2). */
export const ipv6Options: Codec<any, readonly OptionIn[]> = {
  decode: (b, start, end, _f, reg) => decodeIpv6Options(b, start, end, reg),
  encode(b, at, v, _f, reg) {
    const n = encodeTlv(SPEC, b, at, v, reg);
    const pad = padFor(n);
    if (pad === 1) b.u8[at + n] = 0;
    else if (pad > 1) {
      b.u8[at + n] = 1;
      b.u8[at + n + 1] = pad - 2;
      b.u8.fill(0, at + n + 2, at + n + pad);
    }
    return n + pad;
  },
  encodingLength(v, _f, reg) {
    const n = tlvLength(SPEC, v, reg);
    return n + padFor(n);
  },
};

const optionTypes = (l: { start: number; hdrEnd: number }, fr: { bytes: Bytes }) => {
  const out: number[] = [];
  const u = fr.bytes.u8;
  for (let p = l.start + 2; p < l.hdrEnd; ) {
    out.push(u[p]);
    if (u[p] === 0) p++;
    else if (p + 1 < l.hdrEnd) p += 2 + u[p + 1];
    else break;
  }
  return out.length > 0 ? out : undefined;
};

/** tshark's len_oct: the header length in octets, (Hdr Ext Len + 1) * 8. */
const lenOct = (l: { fields: unknown }) => {
  const n = (l.fields as { len?: number }).len;
  return n === undefined ? undefined : (n + 1) * 8;
};

/**
 * An option whose length runs past the end of its header makes the header malformed (RFC 8200 §4.2);
 * a node would discard the packet, and tshark stops there too. Checked only when the whole header was
 * captured: a cut capture is `<name>.short` instead.
 */
function optionsOverrun(f: { len: number }, b: Bytes, at: number, end: number): boolean {
  const he = at + (f.len + 1) * 8;
  if (he > end) return false;
  const u = b.u8;
  let p = at + 2;
  while (p < he) {
    if (u[p] === 0) {
      p++;
      continue;
    }
    if (p + 2 > he) return true;
    p += 2 + u[p + 1];
  }
  return p > he;
}

const header = {
  nxt: u8(0, { names: IP_PROTOCOLS }),
  len: u8(1), // in 8-octet units, not counting the first 8 (RFC 8200 §4.3)
};

/** Hop-by-Hop Options (RFC 8200 §4.3): must come first after the IPv6 header; routers may read it. */
export const hopopt = defineProtocol({
  name: 'hopopt',
  abbrev: 'ipv6.hopopts',
  alias: 'HOPOPT',
  title: 'IPv6 Hop-by-Hop Option',
  layer: 'internet',
  header,
  bind: { 'ip.proto': [0] },
  selector: { table: 'ip.proto', field: 'nxt' },
  rest: ipv6Options,
  emptyRest: [],
  check: (f, b, at, end) => (optionsOverrun(f, b, at, end) ? 'hopopt.option_overrun' : undefined),
  headerLen: (f) => (f.len + 1) * 8,
  next: (f) => ({ table: 'ip.proto', key: f.nxt }),
  derive: (_g, size) => ({ len: (size.header >>> 3) - 1 }),
  handlers: { 'ipv6.option': IPV6_OPTION_HANDLERS },
  computed: {
    'ipv6.hopopts.len_oct': lenOct,
    'ipv6.opt.type': optionTypes,
  },
  summary: (f) => `Hop-by-Hop Options, next ${IP_PROTOCOLS[f.nxt] ?? f.nxt}`,
});

/** Destination Options (RFC 8200 §4.6): for the next destination (before a Routing header) or the final one. */
export const ipv6Opts = defineProtocol({
  name: 'ipv6_opts',
  abbrev: 'ipv6.dstopts',
  alias: 'IPv6-Opts',
  title: 'Destination Options for IPv6',
  layer: 'internet',
  header,
  bind: { 'ip.proto': [60] },
  selector: { table: 'ip.proto', field: 'nxt' },
  rest: ipv6Options,
  emptyRest: [],
  check: (f, b, at, end) => (optionsOverrun(f, b, at, end) ? 'ipv6_opts.option_overrun' : undefined),
  headerLen: (f) => (f.len + 1) * 8,
  next: (f) => ({ table: 'ip.proto', key: f.nxt }),
  derive: (_g, size) => ({ len: (size.header >>> 3) - 1 }),
  handlers: { 'ipv6.option': IPV6_OPTION_HANDLERS },
  computed: {
    'ipv6.dstopts.len_oct': lenOct,
    'ipv6.opt.type': optionTypes,
  },
  summary: (f) => `Destination Options, next ${IP_PROTOCOLS[f.nxt] ?? f.nxt}`,
});

declare module '../core/frame.js' {
  interface LayerMap {
    hopopt: FieldsOf<typeof hopopt>;
    ipv6_opts: FieldsOf<typeof ipv6Opts>;
  }
}
