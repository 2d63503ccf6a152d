/**
 * Point-to-Point Protocol framing as carried by LINKTYPE_PPP (9), L2TP data messages, PPPoE sessions
 * and BSD NULL frames that start FF 03: optional HDLC-like address/control octets FF 03 (RFC 1662
 * §3.1, omitted under Address-and-Control-Field-Compression, RFC 1661 §6.6), then the protocol field,
 * one octet under Protocol-Field-Compression when its low bit is set (RFC 1661 §2, §6.5), else two.
 *
 * Network protocols are reached through the EtherType table (PPP 0x0021 IPv4 → 0x0800, 0x0057 IPv6 →
 * 0x86dd, …); the rest through the 'ppp.proto' table (LCP 0xC021, IPCP 0x8021: ppp-cp.ts).
 */
import type { Bytes } from '../core/bytes.js';
import { defineProtocol, type FieldsOf, type Next, need, u8, u16 } from '../core/protocol.js';

/** IANA PPP DLL protocol numbers (the common ones). */
export const PPP_PROTOCOLS: Readonly<Record<number, string>> = {
  33: 'IPv4',
  35: 'OSI',
  41: 'AppleTalk',
  43: 'IPX',
  45: 'Van Jacobson compressed TCP/IP',
  47: 'Van Jacobson uncompressed TCP/IP',
  49: 'Bridging PDU',
  61: 'Multilink',
  87: 'IPv6',
  253: 'Compressed datagram',
  641: 'MPLS unicast',
  643: 'MPLS multicast',
  32801: 'IPCP',
  32809: 'ATCP',
  32811: 'IPXCP',
  32817: 'BCP',
  32829: 'MLCP',
  32855: 'IPV6CP',
  33021: 'CCP',
  33409: 'MPLSCP',
  49185: 'LCP',
  49187: 'PAP',
  49189: 'LQR',
  49699: 'CHAP',
  49703: 'EAP',
};

/** PPP protocols whose packets are found in the EtherType table. */
export const PPP_ETHERTYPE: Readonly<Record<number, number>> = {
  33: 0x0800,
  41: 0x809b,
  43: 0x8137,
  87: 0x86dd,
  641: 0x8847,
  643: 0x8848,
};

export interface PppFields {
  /** 0xFF and 0x03 when HDLC-like framing is present; undefined under ACFC. */
  readonly address: number | undefined;
  readonly control: number | undefined;
  readonly protocol: number;
  /** 2, 3 or 4 octets (address/control present, protocol compressed or not). */
  readonly hdrLen: number;
}

function decode(b: Bytes, at: number, end: number): PppFields | ReturnType<typeof need<PppFields>> {
  const u = b.u8;
  let p = at;
  let address: number | undefined;
  let control: number | undefined;
  if (end - at >= 2 && u[at] === 0xff && u[at + 1] === 0x03) {
    address = 0xff;
    control = 0x03;
    p += 2;
  }
  if (p >= end) return need(p - at + 1, { address, control });
  if (u[p] & 1) return { address, control, protocol: u[p], hdrLen: p + 1 - at };
  if (p + 2 > end) return need(p + 2 - at, { address, control });
  return { address, control, protocol: b.dv.getUint16(p), hdrLen: p + 2 - at };
}

export const ppp = defineProtocol<'ppp', PppFields>({
  name: 'ppp',
  abbrev: 'ppp',
  alias: 'PPP',
  title: 'Point-to-Point Protocol',
  layer: 'link',
  header: {
    address: u8(0, { base: 'hex' }),
    control: u8(1, { base: 'hex' }),
    protocol: u16(2, { base: 'hex', names: PPP_PROTOCOLS }),
  },
  minLen: 1,
  decode,
  // Builds address/control when `address` is given (0xff), as decoding reports them; the protocol
  // goes in one octet only when asked for (an odd hdrLen) and it can (odd, below 0x100).
  encode(b, at, f) {
    let p = at;
    if (f.address !== undefined) {
      b.u8[p++] = f.address;
      b.u8[p++] = f.control ?? 0x03;
    }
    const proto = f.protocol ?? 0x0021;
    if (f.hdrLen !== undefined && f.hdrLen % 2 === 1 && proto < 0x100 && proto & 1) b.u8[p] = proto;
    else b.dv.setUint16(p, proto);
  },
  encodingLength: (f) => {
    const ac = f.address !== undefined ? 2 : 0;
    const proto = f.protocol ?? 0x0021;
    return ac + (f.hdrLen !== undefined && f.hdrLen % 2 === 1 && proto < 0x100 && proto & 1 ? 1 : 2);
  },
  headerLen: (f) => f.hdrLen,
  bind: { linktype: [9] },
  selector: { table: 'ppp.proto', field: 'protocol' },
  next: (f): Next => {
    const et = PPP_ETHERTYPE[f.protocol];
    return et !== undefined ? { table: 'ethertype', key: et } : { table: 'ppp.proto', key: f.protocol };
  },
  summary: (f) => PPP_PROTOCOLS[f.protocol] ?? `protocol 0x${f.protocol.toString(16).padStart(4, '0')}`,
});

declare module '../core/frame.js' {
  interface LayerMap {
    ppp: FieldsOf<typeof ppp>;
  }
}
