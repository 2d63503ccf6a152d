/**
 * Mobility Header (IP protocol 135): RFC 6275 §6.1 and the RFCs that add message types and options.
 * The message body is decoded through the 'mh.type' handler table (keyed by MH Type) and the mobility
 * options after it through 'mh.option', so a user adds either without touching this file.
 *
 *  0               8              16              24              31
 *  +---------------+---------------+---------------+---------------+
 *  | Payload Proto |  Header Len   |   MH Type     |   Reserved    |
 *  |           Checksum            |                               |
 *  |                 Message Data (type-specific) + Mobility Options
 *
 * Header Len counts 8-octet units after the first 8 (§6.1.1). The checksum covers an IPv6
 * pseudo-header with next header 135, as ICMPv6's does. Payload Proto should be 59 (§6.1.1): nothing
 * after the Mobility Header is dissected, as in tshark.
 */
import type { Bytes } from '../core/bytes.js';
import { hex } from '../core/bytes.js';
import { fold, pseudoForBuild, pseudoForLayers, sum16 } from '../core/checksum.js';
import { decodeTlv, encodeTlv, type OptionIn, type TlvSpec, tlvLength } from '../core/options.js';
import { type Codec, defineProtocol, type FieldsOf, type OptionHandler, u8, u16 } from '../core/protocol.js';
import type { Registry } from '../core/registry.js';
import { decodeLayout, encodeLayout, type Layout, layoutLength, structHandler } from '../core/struct.js';
import { bytesOf } from './ipv6-opts.js';
import { IP_PROTOCOLS } from './names/ip-protocols.js';
import { MH_BA_STATUS, MH_BE_STATUS, MH_OPTION_NAMES, MH_TYPES } from './names/mobility.js';

type V = Record<string, unknown>;

/** A message-type handler: decodes the message data and says where the mobility options begin. */
export interface MhTypeHandler extends OptionHandler<V> {
  /** Octets of message data before the options, given the bytes (Home Agent Switch counts addresses). */
  bodyLength(b: Bytes, start: number, end: number): number;
  /** Octets of message data a value encodes to (without options). */
  encodingLength(v: V): number;
  encode(b: Bytes, at: number, v: V): number;
}

function fixedWidthOf(layout: Layout): number {
  return layoutLength(layout, {});
}

/** A message with a fixed layout, options after it. */
function message(name: string, layout: Layout, extra?: (v: V) => V): MhTypeHandler {
  const n = fixedWidthOf(layout);
  return {
    name,
    bodyLength: () => n,
    decode: (b, s, e) => {
      const v = decodeLayout(layout, b, s, Math.min(e, s + n));
      return extra ? extra(v) : v;
    },
    encode: (b, at, v) => encodeLayout(layout, b, at, v),
    encodingLength: () => n,
  };
}

const status = (table: Readonly<Record<number, string>>) => (v: V) => {
  if (typeof v.status === 'number') v.statusText = table[v.status] ?? 'unknown';
  return v;
};

/** Binding Update flags: A H L K (RFC 6275 §6.1.7), M (RFC 4140), R (RFC 3963), P (RFC 5213), F (RFC 5555), T (RFC 5845), B (RFC 6602). */
const BU_FLAGS = {
  bits: 16,
  fields: {
    a: 0x8000,
    h: 0x4000,
    l: 0x2000,
    k: 0x1000,
    m: 0x0800,
    r: 0x0400,
    p: 0x0200,
    f: 0x0100,
    t: 0x0080,
    b: 0x0040,
    flagsReserved: 0x003f,
  },
} as const;
/** Binding Acknowledgement flags: K (RFC 6275 §6.1.8), R (RFC 3963), P (RFC 5213), T (RFC 5845), B (RFC 6602). */
const BA_FLAGS = { bits: 8, fields: { k: 0x80, r: 0x40, p: 0x20, t: 0x10, b: 0x08, flagsReserved: 0x07 } } as const;

/** Home Agent Switch (RFC 5142 §5.1): number of addresses, reserved, home agent addresses. */
const homeAgentSwitch: MhTypeHandler = {
  name: 'HAS',
  bodyLength: (b, s, e) => (e - s >= 1 ? Math.min(e - s, 2 + 16 * b.u8[s]) : 0),
  decode(b, s, e) {
    if (e - s < 2) return { malformed: true, data: hex(b.u8, s, e) };
    const n = b.u8[s];
    const v = decodeLayout([['homeAgentAddresses', 'ipv6[]']], b, s + 2, Math.min(e, s + 2 + 16 * n));
    return { numAddresses: n, reserved: b.u8[s + 1], ...v };
  },
  encode(b, at, v) {
    const a = Array.isArray(v.homeAgentAddresses) ? v.homeAgentAddresses : [];
    b.u8[at] = a.length;
    b.u8[at + 1] = Number(v.reserved ?? 0);
    return 2 + encodeLayout([['homeAgentAddresses', 'ipv6[]']], b, at + 2, v);
  },
  encodingLength: (v) => 2 + 16 * (Array.isArray(v.homeAgentAddresses) ? v.homeAgentAddresses.length : 0),
};

/** Binding Revocation (RFC 5846 §6.1): B.R. Type 1 Indication (trigger) or 2 Acknowledgement (status). */
const BR_FLAGS = { bits: 16, fields: { p: 0x8000, v: 0x4000, g: 0x2000, flagsReserved: 0x1fff } } as const;
const bindingRevocation: MhTypeHandler = {
  name: 'BR',
  bodyLength: () => 6,
  decode(b, s, e) {
    if (e - s < 1) return { malformed: true };
    const type = b.u8[s];
    const layout: Layout =
      type === 2
        ? [
            ['brType', 'u8'],
            ['status', 'u8'],
            ['sequence', 'u16'],
            ['flags', BR_FLAGS],
          ]
        : [
            ['brType', 'u8'],
            ['trigger', 'u8'],
            ['sequence', 'u16'],
            ['flags', BR_FLAGS],
          ];
    return decodeLayout(layout, b, s, Math.min(e, s + 6));
  },
  encode(b, at, v) {
    b.u8[at] = Number(v.brType ?? 1);
    b.u8[at + 1] = Number(v.brType === 2 ? v.status : v.trigger) || 0;
    b.dv.setUint16(at + 2, Number(v.sequence ?? 0));
    return 4 + encodeLayout([['flags', BR_FLAGS]], b, at + 4, v);
  },
  encodingLength: () => 6,
};

/** A message with no options: all the data is the message (Experimental Mobility Header, RFC 5096 §2). */
function opaqueMessage(name: string): MhTypeHandler {
  return {
    name,
    bodyLength: (_b, s, e) => e - s,
    decode: (b, s, e) => ({ data: hex(b.u8, s, e) }),
    encode: (b, at, v) => {
      const d = bytesOf(v.data);
      b.u8.set(d, at);
      return d.length;
    },
    encodingLength: (v) => bytesOf(v.data).length,
  };
}

export const MH_TYPE_HANDLERS: Readonly<Record<number, MhTypeHandler>> = {
  0: message('BRR', [['reserved', 'u16']]),
  1: message('HoTI', [
    ['reserved', 'u16'],
    ['homeInitCookie', 'hex:8'],
  ]),
  2: message('CoTI', [
    ['reserved', 'u16'],
    ['careOfInitCookie', 'hex:8'],
  ]),
  3: message('HoT', [
    ['homeNonceIndex', 'u16'],
    ['homeInitCookie', 'hex:8'],
    ['homeKeygenToken', 'hex:8'],
  ]),
  4: message('CoT', [
    ['careOfNonceIndex', 'u16'],
    ['careOfInitCookie', 'hex:8'],
    ['careOfKeygenToken', 'hex:8'],
  ]),
  5: message('BU', [
    ['sequence', 'u16'],
    ['flags', BU_FLAGS],
    ['lifetime', 'u16'], // 4-second units
  ]),
  6: message(
    'BA',
    [
      ['status', 'u8'],
      ['flags', BA_FLAGS],
      ['sequence', 'u16'],
      ['lifetime', 'u16'],
    ],
    status(MH_BA_STATUS),
  ),
  7: message(
    'BE',
    [
      ['status', 'u8'],
      ['reserved', 'u8'],
      ['homeAddress', 'ipv6'],
    ],
    status(MH_BE_STATUS),
  ),
  // RFC 5568 §6.2.x
  8: message('FBU', [
    ['sequence', 'u16'],
    ['flags', { bits: 16, fields: { a: 0x8000, h: 0x4000, l: 0x2000, k: 0x1000, flagsReserved: 0x0fff } }],
    ['lifetime', 'u16'],
  ]),
  9: message('FBack', [
    ['status', 'u8'],
    ['flags', { bits: 8, fields: { k: 0x80, flagsReserved: 0x7f } }],
    ['sequence', 'u16'],
    ['lifetime', 'u16'],
  ]),
  10: message('FNA', [['reserved', 'u16']]), // RFC 4068 §6.2.4
  11: opaqueMessage('EMH'),
  12: homeAgentSwitch,
  13: message('HB', [
    ['flags', { bits: 16, fields: { flagsReserved: 0xfffc, u: 0x0002, r: 0x0001 } }], // RFC 5847 §5.1
    ['sequence', 'u32'],
  ]),
  14: message('HI', [
    ['sequence', 'u16'],
    ['flags', { bits: 8, fields: { s: 0x80, u: 0x40, flagsReserved: 0x3f } }],
    ['code', 'u8'],
  ]),
  15: message('HAck', [
    ['sequence', 'u16'],
    ['reserved', 'u8'],
    ['code', 'u8'],
  ]),
  16: bindingRevocation,
  17: message('LRI', [
    ['sequence', 'u16'],
    ['reserved', 'u16'],
    ['lifetime', 'u16'],
  ]),
  18: message('LRA', [
    ['sequence', 'u16'],
    ['flags', { bits: 8, fields: { u: 0x80, flagsReserved: 0x7f } }],
    ['status', 'u8'],
    ['lifetime', 'u16'],
  ]),
  19: message('UPN', [
    ['sequence', 'u16'],
    ['flags', { bits: 8, fields: { a: 0x80, d: 0x40, flagsReserved: 0x3f } }], // RFC 7077 §4.1
    ['reason', 'u8'],
  ]),
  20: message('UPA', [
    ['sequence', 'u16'],
    ['status', 'u8'],
    ['reserved', 'u8'],
  ]),
};

// ---------------------------------------------------------------------------------------------
// Mobility options (RFC 6275 §6.2): type, length (not counting type and length), data; Pad1 alone.

const opt = structHandler;

/** An address whose width says its family (Binding Identifier CoA, LMA address, delegated prefix). */
const ipAny = (b: Bytes, s: number, e: number): V =>
  e - s === 4
    ? decodeLayout([['address', 'ipv4']], b, s, e)
    : e - s === 16
      ? decodeLayout([['address', 'ipv6']], b, s, e)
      : { address: hex(b.u8, s, e) };

const withIpAny = (name: string, head: Layout): OptionHandler<V> => {
  const n = layoutLength(head, {});
  return {
    name,
    decode: (b, s, e) =>
      e - s < n
        ? { malformed: true, data: hex(b.u8, s, e) }
        : { ...decodeLayout(head, b, s, s + n), ...ipAny(b, s + n, e) },
  };
};

export const MH_OPTION_HANDLERS: Readonly<Record<number, OptionHandler<any>>> = {
  0: { name: 'pad1', decode: () => ({}) },
  1: {
    name: 'padn',
    decode: () => ({}),
    encode(b, at, v) {
      b.u8.fill(0, at, at + Number(v.length ?? 0));
      return Number(v.length ?? 0);
    },
    encodingLength: (v) => Number(v.length ?? 0),
  },
  2: opt('binding_refresh_advice', [['refreshInterval', 'u16']]), // 4-second units, §6.2.4
  3: opt('alternate_coa', [['alternateCareOfAddress', 'ipv6']]), // §6.2.5
  4: opt('nonce_indices', [
    ['homeNonceIndex', 'u16'],
    ['careOfNonceIndex', 'u16'],
  ]), // §6.2.6
  5: opt('binding_authorization_data', [['authenticator', 'hex']]), // §6.2.7
  6: opt('mobile_network_prefix', [
    ['reserved', 'u8'],
    ['prefixLength', 'u8'],
    ['prefix', 'ipv6'],
  ]), // RFC 3963 §4.3
  7: opt('link_layer_address', [
    ['optionCode', 'u8'],
    ['linkLayerAddress', 'hex'],
  ]), // RFC 5568 §6.4.3
  8: opt('mn_id', [
    ['subtype', 'u8'],
    ['identifier', 'text'],
  ]), // RFC 4283 §3 (subtype 1: NAI)
  9: opt('auth', [
    ['subtype', 'u8'],
    ['mobilitySpi', 'u32'],
    ['authenticationData', 'hex'],
  ]), // RFC 4285 §5
  10: opt('mesg_id', [
    ['seconds', 'u32'],
    ['fraction', 'u32'],
  ]), // RFC 4285 §6: a 64-bit NTP-format timestamp
  11: opt('cga_parameters_request', []), // RFC 4866 §5.2
  // RFC 4866 §5.3 with the CGA Parameters structure of RFC 3972 §3: modifier, subnet prefix, collision
  // count, then the DER public key and extension fields (kept together: their split needs a DER parser).
  12: opt('cga_parameters', [
    ['modifier', 'hex:16'],
    ['subnetPrefix', 'hex:8'],
    ['collisionCount', 'u8'],
    ['publicKeyAndExtensions', 'hex'],
  ]),
  13: opt('signature', [['signature', 'hex']]), // RFC 4866 §5.4
  14: opt('permanent_home_keygen_token', [['token', 'hex']]), // RFC 4866 §5.5
  15: opt('care_of_test_init', []), // RFC 4866 §5.6
  16: opt('care_of_test', [['careOfKeygenToken', 'hex:8']]), // RFC 4866 §5.7
  17: opt('dns_update', [
    ['status', 'u8'],
    ['flags', { bits: 8, fields: { r: 0x80, flagsReserved: 0x7f } }],
    ['mnIdentity', 'text'],
  ]), // RFC 5026 §6.2
  18: opt('experimental', [['data', 'hex']]), // RFC 5096 §3
  19: opt('vendor_specific', [
    ['vendorId', 'u32'],
    ['subtype', 'u8'],
    ['vendorData', 'hex'],
  ]), // RFC 5094 §2
  20: opt('service_selection', [['identifier', 'text']]), // RFC 5149 §2
  21: opt('badf', [
    ['spi', 'u32'],
    ['authenticator', 'hex'],
  ]), // RFC 5568 §6.4.4
  22: opt('home_network_prefix', [
    ['reserved', 'u8'],
    ['prefixLength', 'u8'],
    ['prefix', 'ipv6'],
  ]), // RFC 5213 §8.3
  23: opt('handoff_indicator', [
    ['reserved', 'u8'],
    ['handoffIndicator', 'u8'],
  ]), // RFC 5213 §8.4
  24: opt('access_technology_type', [
    ['reserved', 'u8'],
    ['accessTechnologyType', 'u8'],
  ]), // RFC 5213 §8.5
  25: opt('mn_link_layer_id', [
    ['reserved', 'u16'],
    ['linkLayerIdentifier', 'hex'],
  ]), // RFC 5213 §8.6
  26: opt('link_local_address', [['linkLocalAddress', 'ipv6']]), // RFC 5213 §8.7
  27: opt('timestamp', [
    ['seconds', 'hex:6'],
    ['fraction', 'u16'],
  ]), // RFC 5213 §8.8: 48-bit seconds, 16-bit 1/65536 fractions
  28: opt('restart_counter', [
    ['reserved', 'u16'],
    ['restartCounter', 'u32'],
  ]), // RFC 5847 §5.2
  29: opt('ipv4_home_address', [
    ['flags', { bits: 16, fields: { prefixLength: 0xfc00, p: 0x0200, flagsReserved: 0x01ff } }],
    ['ipv4HomeAddress', 'ipv4'],
  ]), // RFC 5555 §3.1.1
  30: opt('ipv4_address_ack', [
    ['status', 'u8'],
    ['flags', { bits: 8, fields: { prefixLength: 0xfc, flagsReserved: 0x03 } }],
    ['ipv4HomeAddress', 'ipv4'],
  ]), // RFC 5555 §3.2.1
  31: opt('nat_detection', [
    ['flags', { bits: 16, fields: { f: 0x8000, flagsReserved: 0x7fff } }],
    ['refreshTime', 'u32'],
  ]), // RFC 5555 §3.2.2
  32: opt('ipv4_care_of_address', [
    ['reserved', 'u16'],
    ['ipv4CareOfAddress', 'ipv4'],
  ]), // RFC 5555 §3.1.2
  33: opt('gre_key', [
    ['reserved', 'u16'],
    ['greKey', 'u32'],
  ]), // RFC 5845 §3.1
  34: opt('mh_ipv6_address_prefix', [
    ['optionCode', 'u8'],
    ['prefixLength', 'u8'],
    ['address', 'ipv6'],
  ]), // RFC 5568 §6.4.2
  35: withIpAny('binding_identifier', [
    ['bid', 'u16'],
    ['status', 'u8'],
    ['flags', { bits: 8, fields: { h: 0x80, flagsReserved: 0x7f } }],
  ]), // RFC 5648 §6.1
  36: opt('ipv4_home_address_request', [
    ['flags', { bits: 16, fields: { prefixLength: 0xfc00, flagsReserved: 0x03ff } }],
    ['ipv4HomeAddress', 'ipv4'],
  ]), // RFC 5844 §3.1
  37: opt('ipv4_home_address_reply', [
    ['status', 'u8'],
    ['flags', { bits: 8, fields: { prefixLength: 0xfc, flagsReserved: 0x03 } }],
    ['ipv4HomeAddress', 'ipv4'],
  ]), // RFC 5844 §3.2
  38: opt('ipv4_default_router_address', [
    ['reserved', 'u16'],
    ['defaultRouterAddress', 'ipv4'],
  ]), // RFC 5844 §3.3
  39: opt('ipv4_dhcp_support_mode', [['flags', { bits: 16, fields: { flagsReserved: 0xfffe, s: 0x0001 } }]]), // RFC 5844 §3.4
  40: opt('context_request', [
    ['reserved', 'u16'],
    ['requests', 'hex'],
  ]), // RFC 5949 §6.2.1
  41: withIpAny('lma_address', [
    ['optionCode', 'u8'],
    ['reserved', 'u8'],
  ]), // RFC 5949 §6.2.2
  42: opt('mn_link_local_address_iid', [
    ['reserved', 'u16'],
    ['interfaceIdentifier', 'hex:8'],
  ]), // RFC 5949 §6.2.3
  46: opt('redirect_capability', [['reserved', 'u16']]), // RFC 6463 §4.1
  47: withIpAny('redirect', [['flags', { bits: 16, fields: { k: 0x8000, n: 0x4000, flagsReserved: 0x3fff } }]]), // RFC 6463 §4.2
  48: opt('load_information', [
    ['priority', 'u16'],
    ['sessionsInUse', 'u32'],
    ['maximumSessions', 'u32'],
    ['usedCapacity', 'u32'],
    ['maximumCapacity', 'u32'],
  ]), // RFC 6463 §4.3
  49: opt('alternate_ipv4_coa', [['alternateIpv4CareOfAddress', 'ipv4']]), // RFC 6463 §4.4
  50: opt('mn_group_identifier', [
    ['subtype', 'u8'],
    ['reserved', 'u8'],
    ['groupIdentifier', 'u32'],
  ]), // RFC 6602 §3.1
  51: opt('mag_ipv6_address', [
    ['reserved', 'u8'],
    ['addressLength', 'u8'],
    ['address', 'ipv6'],
  ]), // RFC 6705 §8.3
  52: opt('access_network_identifier', [['subOptions', 'hex']]), // RFC 6757 §3
  55: withIpAny('delegated_mobile_network_prefix', [
    ['flags', { bits: 8, fields: { v: 0x80, flagsReserved: 0x7f } }],
    ['prefixLength', 'u8'],
  ]), // RFC 7148 §3
};

const MH_OPTIONS: TlvSpec = {
  table: 'mh.option',
  single: new Set([0]),
  lenIncludesHeader: false,
  names: MH_OPTION_NAMES,
};

interface MhFields {
  readonly proto: number;
  readonly hlen: number;
  readonly mhtype: number;
  readonly reserved: number;
  readonly csum: number;
}

/** A Mobility Header's data as `details()` gives it (and `build()` takes it). */
export interface MhDetails {
  readonly typeName?: string;
  readonly options?: readonly OptionIn[];
  readonly malformed?: true;
  readonly data?: string;
  readonly [field: string]: unknown;
}

const typeHandler = (reg: Registry, t: number) => reg.handler('mh.type', t) as MhTypeHandler | undefined;

/** Octets of padding after `n` octets of message data and options: the header ends on 8n (§6.1.1). */
const padFor = (n: number) => (8 - ((6 + n) % 8)) % 8;

export const mhBody: Codec<MhFields, MhDetails> = {
  decode(b, start, end, f, reg) {
    const typeName = MH_TYPES[f.mhtype] ?? 'unknown';
    const h = typeHandler(reg, f.mhtype);
    if (!h) return { typeName, data: hex(b.u8, start, end) };
    const n = h.bodyLength(b, start, end);
    let v: V;
    try {
      v = h.decode(b, start, end);
    } catch {
      v = { malformed: true, data: hex(b.u8, start, end) };
    }
    // tshark's "bogus header length": the message does not fit in Header Len.
    if (start + n > end) return { typeName, ...v, malformed: true };
    return { typeName, ...v, options: decodeTlv(MH_OPTIONS, b, start + n, end, reg) };
  },
  encode(b, at, v, f, reg) {
    let n: number;
    if (v.data !== undefined && !typeHandler(reg, f.mhtype ?? 0)) {
      const d = bytesOf(v.data);
      b.u8.set(d, at);
      n = d.length;
    } else {
      const h = typeHandler(reg, f.mhtype ?? 0);
      n = h ? h.encode(b, at, v as V) : 0;
      n += encodeTlv(MH_OPTIONS, b, at + n, (v.options ?? []) as OptionIn[], reg);
    }
    const pad = padFor(n);
    if (pad === 1) b.u8[at + n] = 0;
    else if (pad > 1) {
      b.u8[at + n] = 1;
      b.u8[at + n + 1] = pad - 2;
      b.u8.fill(0, at + n + 2, at + n + pad);
    }
    return n + pad;
  },
  encodingLength(v, f, reg) {
    const h = typeHandler(reg, f.mhtype ?? 0);
    const n =
      v.data !== undefined && !h
        ? bytesOf(v.data).length
        : (h ? h.encodingLength(v as V) : 0) + tlvLength(MH_OPTIONS, (v.options ?? []) as OptionIn[], reg);
    return n + padFor(n);
  },
};

export const mh = defineProtocol({
  name: 'mh',
  abbrev: 'mip6',
  alias: 'MH',
  title: 'Mobile IPv6',
  layer: 'internet',
  header: {
    proto: u8(0, { names: IP_PROTOCOLS, default: 59 }), // mip6.proto
    hlen: u8(1), // mip6.hlen: 8-octet units after the first 8
    mhtype: u8(2, { names: MH_TYPES }),
    reserved: u8(3, { base: 'hex' }),
    csum: u16(4, { base: 'hex' }),
  },
  // 62 is CFTP in the IANA registry, but drafts of Mobile IPv6 used it and tshark/tcpdump still decode it.
  bind: { 'ip.proto': [135, 62] },
  rest: mhBody,
  emptyRest: {},
  headerLen: (f) => (f.hlen + 1) * 8,
  verify(b, l, layers) {
    const ps = pseudoForLayers(b.u8, layers, layers.indexOf(l), 135, l.hdrEnd - l.start);
    return ps === undefined || fold(sum16(b.u8, l.start, l.hdrEnd, ps)) === 0;
  },
  derive: (_g, size) => ({ hlen: (size.header >>> 3) - 1 }),
  finish(given, l, ctx) {
    if (given.csum !== undefined) return;
    const ps = pseudoForBuild(ctx.b.u8, ctx.layers, ctx.index, 135, l.hdrEnd - l.at);
    if (ps === undefined) return;
    ctx.b.dv.setUint16(l.at + 4, 0);
    ctx.b.dv.setUint16(l.at + 4, fold(sum16(ctx.b.u8, l.at, l.hdrEnd, ps)));
  },
  handlers: { 'mh.type': MH_TYPE_HANDLERS, 'mh.option': MH_OPTION_HANDLERS },
  summary: (f) => `Mobility Header ${MH_TYPES[f.mhtype] ?? f.mhtype}`,
});
declare module '../core/frame.js' {
  interface LayerMap {
    mh: FieldsOf<typeof mh>;
  }
}
