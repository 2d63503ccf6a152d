/**
 * IPv6 Routing header (next header 43): RFC 8200 §4.4. The type-specific data is decoded through the
 * 'ipv6.routing' handler table keyed by Routing Type, so a user adds a type with
 * `registry.withHandler('ipv6.routing', 253, handler)`.
 *
 *  0               8              16              24              31
 *  +---------------+---------------+---------------+---------------+
 *  |  Next Header  |  Hdr Ext Len  |  Routing Type | Segments Left |
 *  |                      type-specific data                       |
 *
 * Types: 0 Source Route (RFC 2460 §4.4, deprecated by RFC 5095), 2 Mobile IPv6 (RFC 6275 §6.4),
 * 3 RPL Source Route (RFC 6554 §3), 4 Segment Routing (RFC 8754 §2), 5/6 Compact Routing (RFC 9631).
 * With segments left, the last address is the final destination the upper-layer checksum uses
 * (RFC 8200 §8.1; core/checksum.ts reads it).
 */
import type { Bytes } from '../core/bytes.js';
import { hex } from '../core/bytes.js';
import type { Ipv6 } from '../core/fields.js';
import { decodeTlv, encodeTlv, type OptionIn, type TlvSpec, tlvLength } from '../core/options.js';
import { type Codec, defineProtocol, type FieldsOf, type OptionHandler, u8 } from '../core/protocol.js';
import type { Registry } from '../core/registry.js';
import { addrText, bytesOf, putAddr } from './ipv6-opts.js';
import { IP_PROTOCOLS } from './names/ip-protocols.js';
import { ROUTING_TYPES, SRH_TLV_NAMES } from './names/ipv6.js';

type V = Record<string, unknown>;
const num = (v: unknown): number => Number(v ?? 0);

/** What a routing type's handler may need besides its bytes. */
export interface RoutingCtx {
  readonly len: number;
  readonly segleft: number;
  /** The IPv6 destination address, when the header was decoded inside a frame. */
  readonly dst?: Ipv6;
  readonly reg: Registry;
}

/** A handler for one routing type: bytes after Segments Left up to the end of the header. */
export interface RoutingHandler extends OptionHandler<V> {
  decode(b: Bytes, start: number, end: number, ctx?: RoutingCtx): V;
  encode?(b: Bytes, at: number, v: V, ctx?: RoutingCtx): number;
  encodingLength?(v: V, ctx?: RoutingCtx): number;
}

const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/** Type 0 (RFC 2460 §4.4): reserved, then Hdr Ext Len / 2 addresses. */
const sourceRoute: RoutingHandler = {
  name: 'source_route',
  decode(b, s, e) {
    if (e - s < 4) return { malformed: true, data: hex(b.u8, s, e) };
    const addresses: string[] = [];
    for (let p = s + 4; p + 16 <= e; p += 16) addresses.push(addrText(b, p));
    return { reserved: b.dv.getUint32(s), addresses };
  },
  encode(b, at, v) {
    b.dv.setUint32(at, num(v.reserved) >>> 0);
    const a = list(v.addresses);
    for (let i = 0; i < a.length; i++) putAddr(b, at + 4 + 16 * i, a[i]);
    return 4 + 16 * a.length;
  },
  encodingLength: (v) => 4 + 16 * list(v.addresses).length,
};

/** Type 2 (RFC 6275 §6.4): reserved, the mobile node's home address. */
const type2: RoutingHandler = {
  name: 'type2',
  decode(b, s, e) {
    if (e - s < 20) return { malformed: true, data: hex(b.u8, s, e) };
    return { reserved: b.dv.getUint32(s), homeAddress: addrText(b, s + 4) };
  },
  encode(b, at, v) {
    b.dv.setUint32(at, num(v.reserved) >>> 0);
    putAddr(b, at + 4, v.homeAddress);
    return 20;
  },
  encodingLength: () => 20,
};

function dstBytes(dst: Ipv6): Uint8Array {
  const o = new Uint8Array(16);
  for (let i = 0; i < 4; i++) {
    o[4 * i] = dst[i] >>> 24;
    o[4 * i + 1] = (dst[i] >>> 16) & 0xff;
    o[4 * i + 2] = (dst[i] >>> 8) & 0xff;
    o[4 * i + 3] = dst[i] & 0xff;
  }
  return o;
}

/**
 * Type 3, RPL Source Route (RFC 6554 §3): CmprI/CmprE octets elided from every address but the last
 * / from the last, Pad octets at the end; n = ((Hdr Ext Len * 8 - Pad - (16 - CmprE)) / (16 - CmprI)) + 1.
 * The elided octets are those of the IPv6 Destination Address, so addresses are re-expanded from it
 * when the header is decoded inside a frame.
 */
const rplRoute: RoutingHandler = {
  name: 'rpl',
  decode(b, s, e, ctx) {
    if (e - s < 4) return { malformed: true, data: hex(b.u8, s, e) };
    const w = b.dv.getUint32(s);
    const cmprI = w >>> 28;
    const cmprE = (w >>> 24) & 15;
    const pad = (w >>> 20) & 15;
    const len = ctx?.len ?? (e - s + 4) / 8 - 1;
    const n = len > 0 ? Math.floor((len * 8 - pad - (16 - cmprE)) / (16 - cmprI)) + 1 : 0;
    const o: V = { cmprI, cmprE, pad, reserved: w & 0xfffff, addrCount: n };
    const addresses: string[] = [];
    const full: string[] = [];
    const base = ctx?.dst ? dstBytes(ctx.dst) : undefined;
    let p = s + 4;
    for (let i = 0; i < n; i++) {
      const k = i === n - 1 ? 16 - cmprE : 16 - cmprI;
      if (p + k > e) {
        o.malformed = true;
        break;
      }
      addresses.push(hex(b.u8, p, p + k));
      if (base) {
        const a = base.slice();
        a.set(b.u8.subarray(p, p + k), 16 - k);
        full.push(addrText({ u8: a, dv: new DataView(a.buffer) } as Bytes, 0));
      }
      p += k;
    }
    o.addresses = addresses;
    if (base) o.fullAddresses = full;
    return o;
  },
  encode(b, at, v) {
    const cmprI = num(v.cmprI) & 15;
    const cmprE = num(v.cmprE) & 15;
    const a = list(v.addresses);
    let p = at + 4;
    for (let i = 0; i < a.length; i++) {
      const k = i === a.length - 1 ? 16 - cmprE : 16 - cmprI;
      const x = a[i];
      // Full addresses (text or tuple) are compressed here; hex strings are taken as already compressed.
      if (typeof x === 'string' && !x.includes(':')) b.u8.set(bytesOf(x).subarray(0, k), p);
      else {
        const tmp = new Uint8Array(16);
        putAddr({ u8: tmp, dv: new DataView(tmp.buffer) } as Bytes, 0, x);
        b.u8.set(tmp.subarray(16 - k), p);
      }
      p += k;
    }
    const used = p - at - 4;
    const pad = v.pad !== undefined ? num(v.pad) & 15 : (8 - (used % 8)) % 8;
    b.u8.fill(0, p, p + pad);
    b.dv.setUint32(at, ((cmprI << 28) | (cmprE << 24) | (pad << 20) | (num(v.reserved) & 0xfffff)) >>> 0);
    return 4 + used + pad;
  },
  encodingLength(v) {
    const a = list(v.addresses);
    if (a.length === 0) return 4;
    const used = (a.length - 1) * (16 - (num(v.cmprI) & 15)) + 16 - (num(v.cmprE) & 15);
    return 4 + used + (v.pad !== undefined ? num(v.pad) & 15 : (8 - (used % 8)) % 8);
  },
};

/** SRH TLVs (RFC 8754 §2.1): Pad1 is one octet; the length does not count type and length. */
const SRH_TLVS: TlvSpec = {
  table: 'ipv6.srh.tlv',
  single: new Set([0]),
  lenIncludesHeader: false,
  names: SRH_TLV_NAMES,
};

/** HMAC TLV (RFC 8754 §2.1.2): D flag, reserved, HMAC Key ID, HMAC. */
const srhHmac: OptionHandler<V> = {
  name: 'hmac',
  decode(b, s, e) {
    if (e - s < 6) return { malformed: true, data: hex(b.u8, s, e) };
    const w = b.dv.getUint16(s);
    return { dFlag: w >>> 15, reserved: w & 0x7fff, keyId: b.dv.getUint32(s + 2), hmac: hex(b.u8, s + 6, e) };
  },
  encode(b, at, v) {
    const h = bytesOf(v.hmac);
    b.dv.setUint16(at, ((num(v.dFlag) & 1) << 15) | (num(v.reserved) & 0x7fff));
    b.dv.setUint32(at + 2, num(v.keyId) >>> 0);
    b.u8.set(h, at + 6);
    return 6 + h.length;
  },
  encodingLength: (v) => 6 + bytesOf(v.hmac).length,
};

export const SRH_TLV_HANDLERS: Readonly<Record<number, OptionHandler<any>>> = {
  0: { name: 'pad1', decode: () => ({}) },
  4: {
    name: 'padn',
    decode: () => ({}),
    encode(b, at, v) {
      b.u8.fill(0, at, at + num(v.length));
      return num(v.length);
    },
    encodingLength: (v) => num(v.length),
  },
  5: srhHmac,
  6: { name: 'nsh_carrier', decode: (b, s, e) => ({ nsh: hex(b.u8, s, e) }) }, // RFC 9491 §5
};

/** Type 4, Segment Routing Header (RFC 8754 §2): Last Entry, Flags, Tag, Segment List[], TLVs. */
const srh: RoutingHandler = {
  name: 'srh',
  decode(b, s, e, ctx) {
    if (e - s < 4) return { malformed: true, data: hex(b.u8, s, e) };
    const lastEntry = b.u8[s];
    const o: V = { lastEntry, flags: b.u8[s + 1], tag: b.dv.getUint16(s + 2) };
    const segments: string[] = [];
    let p = s + 4;
    for (let i = 0; i <= lastEntry; i++, p += 16) {
      if (p + 16 > e) {
        o.malformed = true;
        break;
      }
      segments.push(addrText(b, p));
    }
    o.segments = segments;
    o.tlvs = p < e && ctx ? decodeTlv(SRH_TLVS, b, p, e, ctx.reg) : [];
    return o;
  },
  encode(b, at, v, ctx) {
    const segs = list(v.segments);
    b.u8[at] = v.lastEntry !== undefined ? num(v.lastEntry) : Math.max(segs.length - 1, 0);
    b.u8[at + 1] = num(v.flags);
    b.dv.setUint16(at + 2, num(v.tag));
    let p = at + 4;
    for (const x of segs) {
      putAddr(b, p, x);
      p += 16;
    }
    if (ctx) p += encodeTlv(SRH_TLVS, b, p, list(v.tlvs) as OptionIn[], ctx.reg);
    return p - at;
  },
  encodingLength: (v, ctx) =>
    4 + 16 * list(v.segments).length + (ctx ? tlvLength(SRH_TLVS, list(v.tlvs) as OptionIn[], ctx.reg) : 0),
};

/** Types 5 and 6, Compact Routing Headers (RFC 9631 §3): a list of 16- or 32-bit SIDs, zero-padded. */
const crh = (width: 2 | 4): RoutingHandler => ({
  name: width === 2 ? 'crh16' : 'crh32',
  decode(b, s, e) {
    const sids: number[] = [];
    for (let p = s; p + width <= e; p += width) sids.push(width === 2 ? b.dv.getUint16(p) : b.dv.getUint32(p));
    return { sids };
  },
  encode(b, at, v) {
    const a = list(v.sids);
    for (let i = 0; i < a.length; i++) {
      if (width === 2) b.dv.setUint16(at + 2 * i, num(a[i]));
      else b.dv.setUint32(at + 4 * i, num(a[i]) >>> 0);
    }
    return a.length * width;
  },
  encodingLength: (v) => list(v.sids).length * width,
});

export const ROUTING_HANDLERS: Readonly<Record<number, RoutingHandler>> = {
  0: sourceRoute,
  2: type2,
  3: rplRoute,
  4: srh,
  5: crh(2),
  6: crh(4),
};

interface RouteFields {
  readonly nxt: number;
  readonly len: number;
  readonly type: number;
  readonly segleft: number;
}

/** The IPv6 destination of the nearest IPv6 header before this layer. */
function outerDst(ctx: Parameters<NonNullable<Codec['decode']>>[5]): Ipv6 | undefined {
  if (!ctx) return undefined;
  for (let i = ctx.index - 1; i >= 0; i--) {
    const l = ctx.layers[i];
    if (l.protocol === 'ipv6') return (l.fields as { dst?: Ipv6 }).dst;
  }
  return undefined;
}

const handlerOf = (reg: Registry, type: number) => reg.handler('ipv6.routing', type) as RoutingHandler | undefined;

/** Body length before padding the whole header to a multiple of 8 octets. */
function bodyLength(v: V, f: Partial<RouteFields>, reg: Registry): number {
  if (v.data !== undefined) return bytesOf(v.data).length;
  const h = handlerOf(reg, f.type ?? 0);
  return h?.encodingLength ? h.encodingLength(v, { len: f.len ?? 0, segleft: f.segleft ?? 0, reg }) : 0;
}

export const routingData: Codec<RouteFields, V> = {
  decode(b, start, end, f, reg, ctx) {
    const h = handlerOf(reg, f.type);
    const typeName = h?.name ?? ROUTING_TYPES[f.type] ?? 'unknown';
    if (!h) return { typeName, data: hex(b.u8, start, end) };
    try {
      return { typeName, ...h.decode(b, start, end, { len: f.len, segleft: f.segleft, dst: outerDst(ctx), reg }) };
    } catch {
      return { typeName, malformed: true, data: hex(b.u8, start, end) };
    }
  },
  encode(b, at, v, f, reg) {
    let n: number;
    if (v.data !== undefined) {
      const d = bytesOf(v.data);
      b.u8.set(d, at);
      n = d.length;
    } else {
      const h = handlerOf(reg, f.type ?? 0);
      n = h?.encode ? h.encode(b, at, v, { len: f.len ?? 0, segleft: f.segleft ?? 0, reg }) : 0;
    }
    const pad = (8 - ((4 + n) % 8)) % 8;
    b.u8.fill(0, at + n, at + n + pad);
    return n + pad;
  },
  encodingLength(v, f, reg) {
    const n = bodyLength(v, f, reg);
    return n + ((8 - ((4 + n) % 8)) % 8);
  },
};

export const ipv6Route = defineProtocol({
  name: 'ipv6_route',
  abbrev: 'ipv6.routing',
  alias: 'IPv6-Route',
  title: 'Routing Header for IPv6',
  layer: 'internet',
  header: {
    nxt: u8(0, { names: IP_PROTOCOLS }),
    len: u8(1), // 8-octet units, not counting the first 8
    type: u8(2, { names: ROUTING_TYPES }),
    segleft: u8(3),
  },
  bind: { 'ip.proto': [43] },
  selector: { table: 'ip.proto', field: 'nxt' },
  rest: routingData,
  emptyRest: {},
  headerLen: (f) => (f.len + 1) * 8,
  next: (f) => ({ table: 'ip.proto', key: f.nxt }),
  derive: (_g, size) => ({ len: (size.header >>> 3) - 1 }),
  handlers: { 'ipv6.routing': ROUTING_HANDLERS, 'ipv6.srh.tlv': SRH_TLV_HANDLERS },
  computed: {
    'ipv6.routing.len_oct': (l) => {
      const n = (l.fields as { len?: number }).len;
      return n === undefined ? undefined : (n + 1) * 8;
    },
  },
  summary: (f) => `Routing type ${ROUTING_TYPES[f.type] ?? f.type}, segments left ${f.segleft}`,
});
declare module '../core/frame.js' {
  interface LayerMap {
    ipv6_route: FieldsOf<typeof ipv6Route>;
  }
}
