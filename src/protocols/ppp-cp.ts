/**
 * PPP control protocols sharing the LCP packet format (RFC 1661 §5): LCP (0xC021), IPCP (0x8021,
 * RFC 1332) and IPV6CP (0x8057, RFC 5072). Code, identifier and length are the fixed header (tshark
 * files them under ppp.code / ppp.identifier / ppp.length); the body is decoded on request: the
 * option list of Configure-* packets through handler tables ('lcp.option', 'ipcp.option',
 * 'ipv6cp.option'), the magic number of Echo/Discard, the rejected protocol of Protocol-Reject.
 *
 *  +------+------------+---------------+--------------------
 *  | Code | Identifier |    Length     |  Data (options …)
 */
import { ipv4ToString } from '../core/addr.js';
import { type Bytes, hex, latin1Text } from '../core/bytes.js';
import {
  decodeTlv,
  emptyHandler,
  encodeTlv,
  type OptionIn,
  type TlvSpec,
  tlvLength,
  u16Handler,
} from '../core/options.js';
import { type Codec, defineProtocol, type FieldsOf, type OptionHandler, u8, u16 } from '../core/protocol.js';

/** RFC 1661 §5 codes, RFC 1570 (12, 13) and RFC 1962 (14, 15). */
export const PPP_CP_CODES: Readonly<Record<number, string>> = {
  1: 'Configure-Request',
  2: 'Configure-Ack',
  3: 'Configure-Nak',
  4: 'Configure-Reject',
  5: 'Terminate-Request',
  6: 'Terminate-Ack',
  7: 'Code-Reject',
  8: 'Protocol-Reject',
  9: 'Echo-Request',
  10: 'Echo-Reply',
  11: 'Discard-Request',
  12: 'Identification',
  13: 'Time-Remaining',
  14: 'Reset-Request',
  15: 'Reset-Ack',
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
const ipv4Handler = (name: string): OptionHandler => ({
  name,
  decode: (b, s, e) => (e - s >= 4 ? { address: ipv4ToString(b.dv.getUint32(s)) } : { malformed: true }),
});
/** A 16-bit protocol number and protocol-specific data (Authentication/Quality/Compression-Protocol). */
const protoHandler = (name: string): OptionHandler => ({
  name,
  decode: (b, s, e) =>
    e - s >= 2
      ? { protocol: b.dv.getUint16(s), data: hex(b.u8, s + 2, e) }
      : { malformed: true, data: hex(b.u8, s, e) },
});

/** LCP options (IANA ppp-numbers "LCP Option Types"). */
export const LCP_OPTION_HANDLERS: Readonly<Record<number, OptionHandler<any>>> = {
  1: u16Handler('mru', 'mru'), // RFC 1661 §6.1
  2: u32Handler('asyncmap', 'asyncmap'), // RFC 1662 §7.1 ACCM
  3: protoHandler('auth_protocol'), // RFC 1661 §6.2
  4: protoHandler('quality_protocol'), // RFC 1661 §6.3
  5: u32Handler('magic_number', 'magicNumber'), // RFC 1661 §6.4
  7: emptyHandler('pfc'), // RFC 1661 §6.5
  8: emptyHandler('acfc'), // RFC 1661 §6.6
  13: {
    name: 'callback', // RFC 1570 §2.3
    decode: (b, s, e) => (e - s >= 1 ? { operation: b.u8[s], message: hex(b.u8, s + 1, e) } : { malformed: true }),
  },
  17: u16Handler('mrru', 'mrru'), // RFC 1990 §5.1.1
  18: emptyHandler('short_sequence'), // RFC 1990 §5.1.2
  19: {
    name: 'endpoint_discriminator', // RFC 1990 §5.1.3
    decode: (b, s, e) => (e - s >= 1 ? { class: b.u8[s], address: hex(b.u8, s + 1, e) } : { malformed: true }),
  },
};

/** IPCP options (RFC 1332, RFC 1877, RFC 2290). */
export const IPCP_OPTION_HANDLERS: Readonly<Record<number, OptionHandler<any>>> = {
  1: {
    name: 'ip_addresses', // RFC 1172 (deprecated): source and destination
    decode: (b, s, e) =>
      e - s >= 8
        ? { src: ipv4ToString(b.dv.getUint32(s)), dst: ipv4ToString(b.dv.getUint32(s + 4)) }
        : { malformed: true },
  },
  2: protoHandler('compress_proto'), // RFC 1332 §3.2
  3: ipv4Handler('ip_address'), // RFC 1332 §3.3
  4: ipv4Handler('mobilenodehomeaddress'), // RFC 2290
  129: ipv4Handler('pri_dns_address'), // RFC 1877 §1.1
  130: ipv4Handler('pri_nbns_address'), // RFC 1877 §1.2
  131: ipv4Handler('sec_dns_address'), // RFC 1877 §1.3
  132: ipv4Handler('sec_nbns_address'), // RFC 1877 §1.4
};

/** IPV6CP options (RFC 5072 §4). */
export const IPV6CP_OPTION_HANDLERS: Readonly<Record<number, OptionHandler<any>>> = {
  1: { name: 'interface_identifier', decode: (b, s, e) => ({ identifier: hex(b.u8, s, e) }) },
  2: protoHandler('compress_proto'),
};

export interface PppCpFields {
  readonly code: number;
  readonly identifier: number;
  readonly length: number;
}

/** The body by code (RFC 1661 §5.1–5.9, RFC 1570 §2.1–2.2). */
function body(spec: TlvSpec): Codec<PppCpFields, Record<string, unknown>> {
  return {
    decode(b: Bytes, s: number, e: number, f, reg) {
      const c = f.code;
      if (c >= 1 && c <= 4) return { options: decodeTlv(spec, b, s, e, reg) };
      if (c === 8) return e - s >= 2 ? { rejectedProtocol: b.dv.getUint16(s), data: hex(b.u8, s + 2, e) } : {};
      if (c >= 9 && c <= 13) {
        if (e - s < 4) return { malformed: true, data: hex(b.u8, s, e) };
        const magicNumber = b.dv.getUint32(s);
        if (c === 12) return { magicNumber, message: latin1Text(b.u8, s + 4, e) };
        if (c === 13 && e - s >= 8)
          return { magicNumber, secondsRemaining: b.dv.getUint32(s + 4), message: latin1Text(b.u8, s + 8, e) };
        return { magicNumber, data: hex(b.u8, s + 4, e) };
      }
      return { data: hex(b.u8, s, e) };
    },
    // Building: `{ options: [...] }` for Configure-*, `{ magicNumber }` for Echo/Discard, `{ rejectedProtocol }`.
    encode(b, at, v, _f, reg) {
      if (v.options) return encodeTlv(spec, b, at, v.options as OptionIn[], reg);
      if (v.magicNumber !== undefined) {
        b.dv.setUint32(at, Number(v.magicNumber) >>> 0);
        return 4;
      }
      if (v.rejectedProtocol !== undefined) {
        b.dv.setUint16(at, Number(v.rejectedProtocol));
        return 2;
      }
      return 0;
    },
    encodingLength(v, _f, reg) {
      if (v.options) return tlvLength(spec, v.options as OptionIn[], reg);
      return v.magicNumber !== undefined ? 4 : v.rejectedProtocol !== undefined ? 2 : 0;
    },
  };
}

function controlProtocol<N extends string>(
  name: N,
  alias: string,
  title: string,
  pppProtocol: number,
  handlers: Readonly<Record<number, OptionHandler<any>>>,
) {
  const spec: TlvSpec = { table: `${name}.option`, single: new Set(), lenIncludesHeader: true };
  return defineProtocol({
    name,
    abbrev: name,
    alias,
    title,
    layer: 'link',
    header: {
      code: u8(0, { names: PPP_CP_CODES, tshark: 'ppp.code', default: 1 }),
      identifier: u8(1, { tshark: 'ppp.identifier' }),
      length: u16(2, { tshark: 'ppp.length' }),
    },
    bind: { 'ppp.proto': [pppProtocol] },
    rest: body(spec),
    // The whole packet is the "header"; octets past Length are padding (RFC 1661 §5: "ignored").
    check: (f) => (f.length < 4 ? `${name}.length_too_small` : undefined),
    headerLen: (f) => Math.max(4, f.length),
    payloadLen: () => 0,
    derive: (_g, size) => ({ length: size.header }),
    handlers: { [`${name}.option`]: handlers },
    computed: {
      // Echo-Request/Reply, Discard-Request, Identification, Time-Remaining carry a magic number first.
      [`${name}.magic_number`]: (l, fr) => {
        const f = l.fields as Partial<PppCpFields>;
        return f.code !== undefined && f.code >= 9 && f.code <= 13 && l.hdrEnd - l.start >= 8
          ? `0x${fr.bytes.dv
              .getUint32(l.start + 4)
              .toString(16)
              .padStart(8, '0')}`
          : undefined;
      },
      [`${name}.opt.type`]: (l, fr, reg) => {
        const f = l.fields as Partial<PppCpFields>;
        if (f.code === undefined || f.code < 1 || f.code > 4 || !l.complete) return undefined;
        const opts = decodeTlv(spec, fr.bytes, l.start + 4, l.hdrEnd, reg);
        return opts.length ? opts.map((o) => o.kind) : undefined;
      },
    },
    summary: (f) => `${alias} ${PPP_CP_CODES[f.code] ?? `code ${f.code}`} id ${f.identifier}`,
  });
}

export const lcp = controlProtocol('lcp', 'LCP', 'PPP Link Control Protocol', 0xc021, LCP_OPTION_HANDLERS);
export const ipcp = controlProtocol('ipcp', 'IPCP', 'PPP IP Control Protocol', 0x8021, IPCP_OPTION_HANDLERS);
export const ipv6cp = controlProtocol('ipv6cp', 'IPV6CP', 'PPP IPv6 Control Protocol', 0x8057, IPV6CP_OPTION_HANDLERS);

declare module '../core/frame.js' {
  interface LayerMap {
    lcp: FieldsOf<typeof lcp>;
    ipcp: FieldsOf<typeof ipcp>;
    ipv6cp: FieldsOf<typeof ipv6cp>;
  }
}
