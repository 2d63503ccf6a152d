/**
 * IPv6 Neighbor Discovery options (RFC 4861 §4.6 and the IANA "IPv6 Neighbor Discovery Option
 * Formats" registry): type, length in units of 8 octets (type and length included), value. Decoded
 * through the registry's 'icmpv6.nd_option' handler table, so users can add option types
 * (`registry.withHandler('icmpv6.nd_option', 253, mine)`). Unknown types keep their bytes.
 */
import { ipv6ToString, macToString, parseIpv6, readIpv6 } from '../core/addr.js';
import { type Bytes, hex, latin1Text } from '../core/bytes.js';
import { type DecodedOption, decodeTlv, type TlvSpec } from '../core/options.js';
import type { OptionHandler } from '../core/protocol.js';
import type { Registry } from '../core/registry.js';
import { ND_OPTION_NAMES } from './names/icmp.js';

export const ND_OPTIONS: TlvSpec = {
  table: 'icmpv6.nd_option',
  single: new Set(),
  lenIncludesHeader: true,
  unit: 8, // RFC 4861 §4.6: "in units of 8 octets"; a length of 0 is invalid (the option list stops)
  names: ND_OPTION_NAMES,
};

export function decodeNdOptions(b: Bytes, start: number, end: number, reg: Registry): DecodedOption[] {
  return decodeTlv(ND_OPTIONS, b, start, end, reg);
}

/**
 * Uncompressed DNS names (RFC 1035 §3.1 labels, as DNSSL (RFC 8106 §5.2) and Node Information
 * replies (RFC 4620 §6.3) carry them): a zero label ends a name; zero padding ends the list.
 */
export function dnsNames(b: Bytes, s: number, e: number): string[] {
  const names: string[] = [];
  let labels: string[] = [];
  let p = s;
  while (p < e) {
    const n = b.u8[p];
    if (n === 0) {
      if (labels.length === 0) break; // padding
      names.push(labels.join('.'));
      labels = [];
      p++;
      continue;
    }
    if (n > 63 || p + 1 + n > e) break; // compression is not allowed here (RFC 8106 §5.2)
    labels.push(latin1Text(b.u8, p + 1, p + 1 + n));
    p += 1 + n;
  }
  if (labels.length) names.push(labels.join('.'));
  return names;
}

const ip6 = (b: Bytes, p: number): string => ipv6ToString(readIpv6(b.dv, p));

/** Source/Target Link-layer Address (RFC 4861 §4.6.1): a MAC on Ethernet (RFC 2464 §6), else bytes. */
const linkAddr = (name: string): OptionHandler => ({
  name,
  decode: (b, s, e) => {
    // Ethernet pads the 6-byte address with zeros to the 8-octet unit.
    const trailingZero = e - s === 6 || (e - s > 6 && b.u8.subarray(s + 6, e).every((x) => x === 0));
    return e - s >= 6 && trailingZero
      ? { linkaddr: macToString(b.dv.getUint16(s) * 4294967296 + b.dv.getUint32(s + 2)) }
      : { linkaddr: hex(b.u8, s, e) };
  },
  encode: (b, at, v) => {
    const text = String(v.linkaddr ?? '');
    const bytes = text.split(/[:-]/).map((x) => Number.parseInt(x, 16));
    b.u8.set(bytes, at);
    return bytes.length;
  },
  encodingLength: (v) => String(v.linkaddr ?? '').split(/[:-]/).length,
});

/** Prefix Information (RFC 4861 §4.6.2; R flag RFC 6275 §7.2). */
const prefixInfo: OptionHandler = {
  name: 'prefix_info',
  decode: (b, s, e) => {
    if (e - s < 30) return { malformed: true };
    const fl = b.u8[s + 1];
    return {
      prefixLength: b.u8[s],
      flags: fl,
      onLink: fl >>> 7,
      autonomous: (fl >>> 6) & 1,
      routerAddress: (fl >>> 5) & 1,
      validLifetime: b.dv.getUint32(s + 2),
      preferredLifetime: b.dv.getUint32(s + 6),
      prefix: ip6(b, s + 14),
    };
  },
  encode: (b, at, v) => {
    b.u8.fill(0, at, at + 30);
    b.u8[at] = Number(v.prefixLength ?? 64);
    const fl =
      v.flags !== undefined
        ? Number(v.flags)
        : (Number(v.onLink ?? 0) << 7) | (Number(v.autonomous ?? 0) << 6) | (Number(v.routerAddress ?? 0) << 5);
    b.u8[at + 1] = fl;
    b.dv.setUint32(at + 2, Number(v.validLifetime ?? 0) >>> 0);
    b.dv.setUint32(at + 6, Number(v.preferredLifetime ?? 0) >>> 0);
    const p = parseIpv6(String(v.prefix ?? '::')) ?? [0, 0, 0, 0];
    for (let i = 0; i < 4; i++) b.dv.setUint32(at + 14 + i * 4, p[i] >>> 0);
    return 30;
  },
  encodingLength: () => 30,
};

/** Redirected Header (RFC 4861 §4.6.3): 6 reserved bytes, then as much of the packet as fits. */
const redirected: OptionHandler = {
  name: 'redirected_header',
  decode: (b, s, e) => (e - s < 6 ? { malformed: true } : { packet: hex(b.u8, s + 6, e) }),
};

/** MTU (RFC 4861 §4.6.4). */
const mtu: OptionHandler = {
  name: 'mtu',
  decode: (b, s, e) => (e - s < 6 ? { malformed: true } : { mtu: b.dv.getUint32(s + 2) }),
  encode: (b, at, v) => {
    b.dv.setUint16(at, 0);
    b.dv.setUint32(at + 2, Number(v.mtu ?? 0) >>> 0);
    return 6;
  },
  encodingLength: () => 6,
};

/** Advertisement Interval (RFC 6275 §7.3), milliseconds. */
const advInterval: OptionHandler = {
  name: 'advertisement_interval',
  decode: (b, s, e) => (e - s < 6 ? { malformed: true } : { interval: b.dv.getUint32(s + 2) }),
};

/** Home Agent Information (RFC 6275 §7.4): signed preference, lifetime in seconds. */
const homeAgentInfo: OptionHandler = {
  name: 'home_agent_info',
  decode: (b, s, e) =>
    e - s < 6 ? { malformed: true } : { preference: b.dv.getInt16(s + 2), lifetime: b.dv.getUint16(s + 4) },
};

/** Source/Target Address List (RFC 3122 §3): 6 reserved bytes, then IPv6 addresses. */
const addressList = (name: string): OptionHandler => ({
  name,
  decode: (b, s, e) => {
    const addresses: string[] = [];
    for (let p = s + 6; p + 16 <= e; p += 16) addresses.push(ip6(b, p));
    return { addresses };
  },
});

/** CGA (RFC 3971 §5.1): pad length, reserved, CGA parameters, padding. */
const cga: OptionHandler = {
  name: 'cga',
  decode: (b, s, e) => {
    if (e - s < 2) return { malformed: true };
    const pad = b.u8[s];
    return { padLength: pad, parameters: hex(b.u8, s + 2, Math.max(s + 2, e - pad)) };
  },
};

/** RSA Signature (RFC 3971 §5.2): reserved, 128-bit key hash, signature (+ padding). */
const rsaSignature: OptionHandler = {
  name: 'rsa_signature',
  decode: (b, s, e) =>
    e - s < 18 ? { malformed: true } : { keyHash: hex(b.u8, s + 2, s + 18), signature: hex(b.u8, s + 18, e) },
};

/** Timestamp (RFC 3971 §5.3.1): 48-bit seconds and 16-bit fraction since 1970. */
const timestamp: OptionHandler = {
  name: 'timestamp',
  decode: (b, s, e) =>
    e - s < 14
      ? { malformed: true }
      : { timestamp: b.dv.getUint16(s + 6) * 4294967296 + b.dv.getUint32(s + 8) + b.dv.getUint16(s + 12) / 65536 },
};

/** Nonce (RFC 3971 §5.3.2). */
const nonce: OptionHandler = {
  name: 'nonce',
  decode: (b, s, e) => ({ nonce: hex(b.u8, s, e) }),
};

/** Trust Anchor (RFC 3971 §6.4.3) and Certificate (§6.4.4). */
const trustAnchor: OptionHandler = {
  name: 'trust_anchor',
  decode: (b, s, e) =>
    e - s < 2
      ? { malformed: true }
      : { nameType: b.u8[s], padLength: b.u8[s + 1], name: hex(b.u8, s + 2, e - b.u8[s + 1]) },
};
const certificate: OptionHandler = {
  name: 'certificate',
  decode: (b, s, e) => (e - s < 2 ? { malformed: true } : { certType: b.u8[s], certificate: hex(b.u8, s + 2, e) }),
};

/** Route Information (RFC 4191 §2.3): prefix length, preference, lifetime, prefix (0, 8 or 16 bytes). */
const routeInfo: OptionHandler = {
  name: 'route_info',
  decode: (b, s, e) => {
    if (e - s < 6) return { malformed: true };
    const plen = b.u8[s];
    const raw = new Uint8Array(16);
    raw.set(b.u8.subarray(s + 6, Math.min(e, s + 22)));
    const dv = new DataView(raw.buffer);
    return {
      prefixLength: plen,
      preference: (b.u8[s + 1] >>> 3) & 3, // 01 high, 00 medium, 11 low, 10 reserved (RFC 4191 §2.1)
      routeLifetime: b.dv.getUint32(s + 2),
      prefix: ipv6ToString([dv.getUint32(0), dv.getUint32(4), dv.getUint32(8), dv.getUint32(12)]),
    };
  },
};

/** RDNSS (RFC 8106 §5.1): lifetime and recursive DNS server addresses. */
const rdnss: OptionHandler = {
  name: 'rdnss',
  decode: (b, s, e) => {
    if (e - s < 6) return { malformed: true };
    const servers: string[] = [];
    for (let p = s + 6; p + 16 <= e; p += 16) servers.push(ip6(b, p));
    return { lifetime: b.dv.getUint32(s + 2), servers };
  },
  encode: (b, at, v) => {
    const servers = (v.servers ?? []) as string[];
    b.dv.setUint16(at, 0);
    b.dv.setUint32(at + 2, Number(v.lifetime ?? 0) >>> 0);
    for (const [i, t] of servers.entries()) {
      const a = parseIpv6(t) ?? [0, 0, 0, 0];
      for (let k = 0; k < 4; k++) b.dv.setUint32(at + 6 + i * 16 + k * 4, a[k] >>> 0);
    }
    return 6 + servers.length * 16;
  },
  encodingLength: (v) => 6 + ((v.servers ?? []) as unknown[]).length * 16,
};

/** DNSSL (RFC 8106 §5.2): lifetime and search domains as uncompressed DNS names. */
const dnssl: OptionHandler = {
  name: 'dnssl',
  decode: (b, s, e) =>
    e - s < 6 ? { malformed: true } : { lifetime: b.dv.getUint32(s + 2), domains: dnsNames(b, s + 6, e) },
};

/** RA Flags Extension (RFC 5175 §4): 48 more flag bits. */
const raFlagsExt: OptionHandler = {
  name: 'ra_flags_extension',
  decode: (b, s, e) =>
    e - s < 6 ? { malformed: true } : { flags: b.dv.getUint16(s) * 4294967296 + b.dv.getUint32(s + 2) },
};

/** Address Registration (RFC 6775 §4.1, RFC 8505 §4.1): status, lifetime (minutes), EUI-64 / ROVR. */
const addressRegistration: OptionHandler = {
  name: 'address_registration',
  decode: (b, s, e) =>
    e - s < 14
      ? { malformed: true }
      : { status: b.u8[s], registrationLifetime: b.dv.getUint16(s + 4), eui64: hex(b.u8, s + 6, e) },
};

/** 6LoWPAN Context (RFC 6775 §4.2): context length, C flag, CID, valid lifetime, prefix. */
const sixlowpanContext: OptionHandler = {
  name: 'sixlowpan_context',
  decode: (b, s, e) => {
    if (e - s < 6) return { malformed: true };
    return {
      contextLength: b.u8[s],
      compression: (b.u8[s + 1] >>> 4) & 1,
      cid: b.u8[s + 1] & 0x0f,
      validLifetime: b.dv.getUint16(s + 4),
      prefix: hex(b.u8, s + 6, e),
    };
  },
};

/** Authoritative Border Router (RFC 6775 §4.3): version (32 bits in two halves), lifetime, 6LBR address. */
const abro: OptionHandler = {
  name: 'authoritative_border_router',
  decode: (b, s, e) =>
    e - s < 22
      ? { malformed: true }
      : {
          version: b.dv.getUint16(s) * 65536 + b.dv.getUint16(s + 2),
          validLifetime: b.dv.getUint16(s + 4),
          address: ip6(b, s + 6),
        },
};

/** Captive-Portal (RFC 8910 §2.3): the URI, NUL padded. */
const captivePortal: OptionHandler = {
  name: 'captive_portal',
  decode: (b, s, e) => ({ uri: latin1Text(b.u8, s, e).replace(/\0+$/, '') }),
};

/**
 * PREF64 (RFC 8781 §4): scaled lifetime (13 bits, units of 8 s), prefix length code (3 bits) and
 * the highest 96 bits of the NAT64 prefix. PLC 0..5 map to /96, /64, /56, /48, /40, /32; others are
 * invalid (the prefix is then not meaningful, §4).
 */
const PLC_LEN: readonly number[] = [96, 64, 56, 48, 40, 32];
const pref64: OptionHandler = {
  name: 'pref64',
  decode: (b, s, e) => {
    if (e - s < 14) return { malformed: true };
    const w = b.dv.getUint16(s);
    const plc = w & 7;
    const o: Record<string, unknown> = { scaledLifetime: w >>> 3, plc };
    if (plc < PLC_LEN.length) {
      o.prefixLength = PLC_LEN[plc];
      o.prefix = ipv6ToString([b.dv.getUint32(s + 2), b.dv.getUint32(s + 6), b.dv.getUint32(s + 10), 0]);
    } else {
      o.malformed = true;
    }
    return o;
  },
};

/** IP Address/Prefix (RFC 5568 §6.4.1) and Link-layer Address (§6.4.3) options of FMIPv6. */
const ipAddressPrefix: OptionHandler = {
  name: 'ip_address_prefix',
  decode: (b, s, e) =>
    e - s < 22 ? { malformed: true } : { optionCode: b.u8[s], prefixLength: b.u8[s + 1], address: ip6(b, s + 6) },
};

/** MAP (RFC 5380 §6.2): distance, preference, R flag, valid lifetime, global address. */
const mapOption: OptionHandler = {
  name: 'map',
  decode: (b, s, e) =>
    e - s < 22
      ? { malformed: true }
      : {
          distance: b.u8[s] >>> 4,
          preference: b.u8[s] & 0x0f,
          r: b.u8[s + 1] >>> 7,
          validLifetime: b.dv.getUint32(s + 2),
          address: ip6(b, s + 6),
        },
};

/** NBMA Shortcut Limit (RFC 2491 §6.1). */
const nbmaLimit: OptionHandler = {
  name: 'nbma_shortcut_limit',
  decode: (b, s, e) => (e - s < 1 ? { malformed: true } : { limit: b.u8[s] }),
};

/** FMIPv6 Link-layer Address (RFC 5568 §6.4.3): option code, then the address (a MAC on Ethernet). */
const fmipLinkAddr: OptionHandler = {
  name: 'link_layer_address',
  decode: (b, s, e) => {
    if (e - s < 1) return { malformed: true };
    const v = linkAddr('lla').decode(b, s + 1, e) as { linkaddr: string };
    return { optionCode: b.u8[s], linkaddr: v.linkaddr };
  },
};

/** Neighbor Advertisement Acknowledgment (RFC 5568 §6.4.5): option code, status, then a new CoA if given. */
const naAck: OptionHandler = {
  name: 'neighbor_advertisement_ack',
  decode: (b, s, e) =>
    e - s < 6
      ? { malformed: true }
      : e - s >= 22
        ? { optionCode: b.u8[s], status: b.u8[s + 1], newCoa: ip6(b, s + 6) }
        : { optionCode: b.u8[s], status: b.u8[s + 1] },
};

/**
 * PvD ID Router Advertisement (RFC 8801 §3.1): H, L, R flags, delay, sequence number, the PvD
 * FQDN in DNS wire format; with R set, the rest holds a complete RA header and options.
 */
const pvdId: OptionHandler = {
  name: 'pvd_id_router_advertisement',
  decode: (b, s, e) => {
    if (e - s < 4) return { malformed: true };
    const w = b.dv.getUint16(s);
    const names = dnsNames(b, s + 4, e);
    return {
      http: w >>> 15,
      legacy: (w >>> 14) & 1,
      raIncluded: (w >>> 13) & 1,
      delay: w & 0x0f,
      seq: b.dv.getUint16(s + 2),
      fqdn: names[0] ?? '',
    };
  },
};

/** Experimental (RFC 4727 §5.1.8). */
const experimental: OptionHandler = { name: 'experimental', decode: (b, s, e) => ({ data: hex(b.u8, s, e) }) };

export const ND_OPTION_HANDLERS: Readonly<Record<number, OptionHandler<any>>> = {
  1: linkAddr('slla'),
  2: linkAddr('tlla'),
  3: prefixInfo,
  4: redirected,
  5: mtu,
  6: nbmaLimit,
  7: advInterval,
  8: homeAgentInfo,
  9: addressList('source_address_list'),
  10: addressList('target_address_list'),
  11: cga,
  12: rsaSignature,
  13: timestamp,
  14: nonce,
  15: trustAnchor,
  16: certificate,
  17: ipAddressPrefix,
  19: fmipLinkAddr,
  20: naAck,
  21: pvdId,
  23: mapOption,
  24: routeInfo,
  25: rdnss,
  26: raFlagsExt,
  31: dnssl,
  33: addressRegistration,
  34: sixlowpanContext,
  35: abro,
  37: captivePortal,
  38: pref64,
  253: experimental,
  254: experimental,
};
