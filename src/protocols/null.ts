/**
 * BSD loopback encapsulation (tcpdump.org/linktypes/LINKTYPE_NULL.html): a 4-octet address family.
 * - LINKTYPE_NULL (0): the family in the *capturing host's* byte order. We read it as Wireshark's
 *   dissect_null does on a little-endian reader (packet-null.c), which also copes with IRIX/UNICOS
 *   snoop's 2+2 octet header and old Linux captures that hold an EtherType there; a frame starting
 *   FF 03 is PPP in HDLC-like framing instead (RFC 1662 §3.1).
 * - LINKTYPE_LOOP (108, OpenBSD): the family in network byte order.
 *
 * Families (BSD AF_*): 2 IPv4; 24, 28, 30 IPv6 (NetBSD/OpenBSD, FreeBSD, Darwin); 10 IPv6 (Linux
 * AF_INET6, written by some tun captures; tshark 4.0 leaves it undissected); 23 IPX; 7 OSI.
 */
import type { Bytes } from '../core/bytes.js';
import { defineProtocol, type FieldsOf, type Next, need, u16, u32 } from '../core/protocol.js';
import { ETHERTYPES } from './names/ethertypes.js';

export const BSD_AF_NAMES: Readonly<Record<number, string>> = {
  2: 'IP',
  7: 'OSI',
  10: 'IPv6 (Linux)',
  16: 'AppleTalk',
  23: 'Netware IPX/SPX',
  24: 'IPv6',
  28: 'IPv6',
  30: 'IPv6',
};

/** Families whose protocol lives in the EtherType table; others go to the 'null.family' table. */
export const BSD_AF_ETHERTYPE: Readonly<Record<number, number>> = {
  2: 0x0800,
  10: 0x86dd,
  16: 0x809b,
  23: 0x8137,
  24: 0x86dd,
  28: 0x86dd,
  30: 0x86dd,
};

export interface NullFields {
  /** The address family (null.family), or undefined when the word held an EtherType or PPP. */
  readonly family: number | undefined;
  /** An EtherType in place of the family (old Linux DLT_NULL captures): null.type. */
  readonly type: number | undefined;
  /** True for FF 03: PPP in HDLC-like framing starts at the first octet, there is no header. */
  readonly ppp: boolean;
}

/** packet-null.c's reading of the 4-octet word, for a little-endian reader (x86, ARM). */
function nullWord(b: Bytes, at: number): NullFields {
  let v = b.dv.getUint32(at, true);
  if (v > 0xffff) {
    // Upper 16 bits set: IRIX/UNICOS snoop (2-octet big-endian AF then zeros) in our order, or a
    // header in the other byte order (incl. Linux's EtherType): byte-swap.
    v = (v & 0xff000000) === 0 && (v & 0x00ff0000) < 0x00060000 ? v >>> 16 : b.dv.getUint32(at, false);
  } else if ((v & 0xff) === 0 && (v & 0xff00) < 0x0600) {
    v = (v >>> 8) & 0xff; // IRIX/UNICOS snoop read the other way round: byte-swap the low 16 bits
  }
  // A value above the 802.3 maximum is an EtherType (only its low 16 bits count, as Wireshark's cast).
  return v > 1500 ? { family: undefined, type: v & 0xffff, ppp: false } : { family: v, type: undefined, ppp: false };
}

/** Building: the family for an inner protocol found through the EtherType table (IPv6 as BSD's 24). */
const AF_OF_ETHERTYPE: Readonly<Record<number, number>> = { 2048: 2, 34525: 24, 33079: 23, 32923: 16 };
const familyFor = (f: Partial<NullFields>): number | undefined =>
  f.family ?? (f.type === undefined ? 2 : AF_OF_ETHERTYPE[f.type]);

function nextOf(f: NullFields): Next | undefined {
  if (f.ppp) return { table: 'linktype', key: 9 };
  if (f.type !== undefined) return { table: 'ethertype', key: f.type };
  const fam = f.family ?? 0;
  const et = BSD_AF_ETHERTYPE[fam];
  return et !== undefined ? { table: 'ethertype', key: et } : { table: 'null.family', key: fam };
}

const header = {
  family: u32(0, { names: BSD_AF_NAMES }),
  type: u16(2, { base: 'hex', names: ETHERTYPES }),
};

const summaryOf = (f: NullFields) =>
  f.ppp
    ? 'PPP'
    : f.type !== undefined
      ? `type ${ETHERTYPES[f.type] ?? f.type}`
      : `family ${BSD_AF_NAMES[f.family ?? 0] ?? f.family}`;

export const nullLoopback = defineProtocol<'null', NullFields>({
  name: 'null',
  abbrev: 'null',
  alias: 'NULL',
  title: 'BSD loopback (NULL)',
  layer: 'link',
  header,
  minLen: 4,
  decode(b, at, end) {
    if (end - at < 4) return need(4);
    if (end - at >= 2 && b.u8[at] === 0xff && b.u8[at + 1] === 0x03)
      return { family: undefined, type: undefined, ppp: true };
    return nullWord(b, at);
  },
  // Built in little-endian host order, the common case (x86, ARM); an EtherType with no BSD family
  // is written the old Linux way (the EtherType in network order in the low half).
  encode(b, at, f) {
    const fam = familyFor(f);
    if (fam !== undefined) b.dv.setUint32(at, fam, true);
    else b.dv.setUint32(at, f.type ?? 0, false);
  },
  encodingLength: () => 4,
  headerLen: (f) => (f.ppp ? 0 : 4),
  bind: { linktype: [0] },
  selector: { table: 'ethertype', field: 'type' },
  next: nextOf,
  summary: summaryOf,
});

export const loop = defineProtocol<'loop', NullFields>({
  name: 'loop',
  abbrev: 'null',
  alias: 'LOOP',
  title: 'OpenBSD loopback (LOOP)',
  layer: 'link',
  header: { family: u32(0, { names: BSD_AF_NAMES }) },
  minLen: 4,
  decode: (b, at, end) => (end - at < 4 ? need(4) : { family: b.dv.getUint32(at), type: undefined, ppp: false }),
  encode(b, at, f) {
    b.dv.setUint32(at, (familyFor(f) ?? 2) >>> 0);
  },
  encodingLength: () => 4,
  bind: { linktype: [108] },
  selector: { table: 'ethertype', field: 'type' },
  next: nextOf,
  summary: summaryOf,
});

declare module '../core/frame.js' {
  interface LayerMap {
    null: FieldsOf<typeof nullLoopback>;
    loop: FieldsOf<typeof loop>;
  }
}
