/**
 * Linux "cooked" captures (tcpdump.org/linktypes/LINKTYPE_LINUX_SLL.html and …_SLL2.html): what
 * libpcap writes for `-i any` and for devices without a usable link header.
 *
 *  SLL (LINKTYPE 113, 16 octets)           SLL2 (LINKTYPE 276, 20 octets)
 *  0  packet type      (2)                 0  protocol type     (2)
 *  2  ARPHRD_ type     (2)                 2  reserved          (2)
 *  4  address length   (2)                 4  interface index   (4)
 *  6  address          (8)                 8  ARPHRD_ type      (2)
 *  14 protocol type    (2)                 10 packet type (1)  11 address length (1)
 *                                          12 address           (8)
 *
 * The protocol word is an EtherType, except: ≤ 1536 it is a Linux ETH_P_* value (sll.ltype: 1 Novell
 * raw 802.3, 4 802.2 LLC, 7 PPP in HDLC framing…); with ARPHRD_IPGRE it is a GRE protocol type
 * (sll.gretype, an EtherType by RFC 2784 §2.4). tshark names both versions' fields sll.*.
 */
import type { Bytes } from '../core/bytes.js';
import {
  bytes,
  defineProtocol,
  type FieldsOf,
  ipv4Field,
  macField,
  type Next,
  need,
  type Span,
  u8,
  u16,
  u32,
} from '../core/protocol.js';
import { ETHERTYPES } from './names/ethertypes.js';

/** Linux packet types (if_packet.h PACKET_*). */
export const SLL_PACKET_TYPES: Readonly<Record<number, string>> = {
  0: 'Unicast to us',
  1: 'Broadcast',
  2: 'Multicast',
  3: 'Unicast to another host',
  4: 'Sent by us',
  5: 'Loopback',
  6: 'User',
  7: 'Kernel',
};

/** Linux ETH_P_* values below 1536 (if_ether.h), as tshark's sll.ltype names them. */
export const SLL_LTYPES: Readonly<Record<number, string>> = {
  1: 'Novell 802.3 (ETH_P_802_3)',
  2: 'AX.25',
  3: 'Ethernet (ETH_P_ALL)',
  4: '802.2 LLC',
  5: 'SNAP',
  6: 'DDCMP',
  7: 'PPP (HDLC framing)',
  12: 'CAN',
  13: 'CAN FD',
  21: 'IEEE 802.15.4',
  22: 'IrDA LAP',
  245: 'ISI',
  246: 'IEEE 802.15.4 (wpan)',
};

const ARPHRD_IPGRE = 778;

/** Linux protocol types whose protocol lives in another table (tshark's sll.ltype entries). */
const LTYPE_NEXT: Readonly<Record<number, Next>> = {
  1: { table: 'ethertype', key: 0x8137 }, // Novell raw 802.3: IPX with no LLC
  3: { table: 'linktype', key: 1 }, // a whole Ethernet frame
  7: { table: 'linktype', key: 9 }, // PPP with HDLC-like address/control
};

export interface SllAddr {
  readonly hatype: number;
  readonly halen: number;
  /** The address by its length, as tshark: 6 → sll.src.eth, 4 → sll.src.ipv4, else sll.src.other. */
  readonly srcEth?: number;
  readonly srcIpv4?: number;
  readonly srcOther?: Span;
  /** Address octets past `halen` (sll.unused). */
  readonly unused?: Span;
  /** The protocol word, by its kind: only one of the three is set. */
  readonly etype?: number;
  readonly ltype?: number;
  readonly gretype?: number;
}
export interface SllFields extends SllAddr {
  readonly pkttype: number;
  /** SLL2 only. */
  readonly ifindex?: number;
  readonly reserved?: number;
}
export type Sll2Fields = SllFields;

type Proto = { etype?: number; ltype?: number; gretype?: number };

/**
 * The address and protocol words of either version, in one fixed-shape object (absent ones are
 * undefined, so every SLL layer has the same hidden class). ≤ 1536 is ETH_P_*: "yes, 1536 - that's
 * how Linux does it" (Wireshark packet-sll.c).
 */
function fields(
  b: Bytes,
  a: number,
  pkttype: number,
  hatype: number,
  halen: number,
  p: number,
  ifindex: number | undefined,
  reserved: number | undefined,
) {
  const n = Math.min(halen, 8);
  const ltype = p <= 1536 ? p : undefined;
  const gre = p > 1536 && hatype === ARPHRD_IPGRE;
  return {
    pkttype,
    hatype,
    halen,
    srcEth: halen === 6 ? b.dv.getUint16(a) * 4294967296 + b.dv.getUint32(a + 2) : undefined,
    srcIpv4: halen === 4 ? b.dv.getUint32(a) : undefined,
    srcOther: halen !== 6 && halen !== 4 && halen !== 0 ? { start: a, end: a + n } : undefined,
    unused: n < 8 ? { start: a + n, end: a + 8 } : undefined,
    etype: ltype === undefined && !gre ? p : undefined,
    ltype,
    gretype: gre ? p : undefined,
    ifindex,
    reserved,
  };
}
function protoOf(f: Proto): number {
  return f.etype ?? f.ltype ?? f.gretype ?? 0;
}
function writeAddress(b: Bytes, a: number, f: Partial<SllAddr>): void {
  if (f.srcEth !== undefined) {
    b.dv.setUint16(a, Math.floor(f.srcEth / 4294967296));
    b.dv.setUint32(a + 2, f.srcEth % 4294967296);
  } else if (f.srcIpv4 !== undefined) b.dv.setUint32(a, f.srcIpv4 >>> 0);
}
function defaultHalen(f: Partial<SllAddr>): number {
  return f.halen ?? (f.srcEth !== undefined ? 6 : f.srcIpv4 !== undefined ? 4 : 0);
}

const nextOf = (f: Proto): Next | undefined =>
  f.ltype !== undefined
    ? (LTYPE_NEXT[f.ltype] ?? { table: 'sll.ltype', key: f.ltype })
    : { table: 'ethertype', key: f.etype ?? f.gretype ?? 0 };

const summaryOf = (f: SllAddr & { pkttype: number }) =>
  `${SLL_PACKET_TYPES[f.pkttype] ?? `type ${f.pkttype}`}, ${
    f.ltype !== undefined
      ? (SLL_LTYPES[f.ltype] ?? `ltype ${f.ltype}`)
      : (ETHERTYPES[protoOf(f)] ?? `0x${protoOf(f).toString(16).padStart(4, '0')}`)
  }`;

const names = {
  srcEth: macField(6, { tshark: 'sll.src.eth' }),
  srcIpv4: ipv4Field(6, { tshark: 'sll.src.ipv4' }),
  srcOther: bytes(6, 8, { tshark: 'sll.src.other' }),
  unused: bytes(6, 8, { tshark: 'sll.unused' }),
};

export const sll = defineProtocol<'sll', SllFields>({
  name: 'sll',
  abbrev: 'sll',
  alias: 'SLL',
  title: 'Linux cooked capture v1',
  layer: 'link',
  header: {
    pkttype: u16(0, { names: SLL_PACKET_TYPES }),
    hatype: u16(2),
    halen: u16(4),
    ...names,
    etype: u16(14, { base: 'hex', names: ETHERTYPES }),
    ltype: u16(14, { base: 'hex', names: SLL_LTYPES }),
    gretype: u16(14, { base: 'hex', names: ETHERTYPES }),
  },
  minLen: 16,
  decode(b, at, end) {
    if (end - at < 16) return need(16);
    const dv = b.dv;
    return fields(
      b,
      at + 6,
      dv.getUint16(at),
      dv.getUint16(at + 2),
      dv.getUint16(at + 4),
      dv.getUint16(at + 14),
      undefined,
      undefined,
    );
  },
  encode(b, at, f) {
    const dv = b.dv;
    b.u8.fill(0, at, at + 16);
    dv.setUint16(at, f.pkttype ?? 0);
    dv.setUint16(at + 2, f.hatype ?? 1);
    dv.setUint16(at + 4, defaultHalen(f));
    writeAddress(b, at + 6, f);
    dv.setUint16(at + 14, protoOf(f));
  },
  encodingLength: () => 16,
  bind: { linktype: [113] },
  selector: { table: 'ethertype', field: 'etype' },
  next: nextOf,
  summary: summaryOf,
});

export const sll2 = defineProtocol<'sll2', Sll2Fields>({
  name: 'sll2',
  abbrev: 'sll',
  alias: 'SLL2',
  title: 'Linux cooked capture v2',
  layer: 'link',
  header: {
    etype: u16(0, { base: 'hex', names: ETHERTYPES }),
    ltype: u16(0, { base: 'hex', names: SLL_LTYPES }),
    gretype: u16(0, { base: 'hex', names: ETHERTYPES }),
    reserved: u16(2, { tshark: 'sll.reserved' }),
    ifindex: u32(4),
    hatype: u16(8),
    pkttype: u8(10, { names: SLL_PACKET_TYPES }),
    halen: u8(11),
    srcEth: macField(12, { tshark: 'sll.src.eth' }),
    srcIpv4: ipv4Field(12, { tshark: 'sll.src.ipv4' }),
    srcOther: bytes(12, 8, { tshark: 'sll.src.other' }),
    unused: bytes(12, 8, { tshark: 'sll.unused' }),
  },
  minLen: 20,
  decode(b, at, end) {
    if (end - at < 20) return need(20);
    const dv = b.dv;
    const hatype = dv.getUint16(at + 8);
    const p = dv.getUint16(at);
    return fields(b, at + 12, b.u8[at + 10], hatype, b.u8[at + 11], p, dv.getUint32(at + 4), dv.getUint16(at + 2));
  },
  encode(b, at, f) {
    const dv = b.dv;
    b.u8.fill(0, at, at + 20);
    dv.setUint16(at, protoOf(f));
    dv.setUint16(at + 2, f.reserved ?? 0);
    dv.setUint32(at + 4, (f.ifindex ?? 0) >>> 0);
    dv.setUint16(at + 8, f.hatype ?? 1);
    b.u8[at + 10] = f.pkttype ?? 0;
    b.u8[at + 11] = defaultHalen(f);
    writeAddress(b, at + 12, f);
  },
  encodingLength: () => 20,
  bind: { linktype: [276] },
  selector: { table: 'ethertype', field: 'etype' },
  next: nextOf,
  summary: summaryOf,
});

declare module '../core/frame.js' {
  interface LayerMap {
    sll: FieldsOf<typeof sll>;
    sll2: FieldsOf<typeof sll2>;
  }
}
