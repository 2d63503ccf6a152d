/**
 * ICMP Multi-Part Messages (RFC 4884 §7–8): the extension structure that follows the quoted datagram
 * of ICMP/ICMPv6 Destination Unreachable, Time Exceeded and (ICMPv4) Parameter Problem, and that
 * carries the Interface Identification Object of Extended Echo requests (RFC 8335 §2). Shared by
 * icmp.ts and icmpv6.ts; object classes are decoded through the registry's 'icmp.ext_class' handler
 * table, so users can add classes.
 *
 *  0       4              16               31
 *  +-------+---------------+----------------+
 *  |Version|   Reserved    |    Checksum    |   extension header
 *  +-------+---------------+----------------+
 *  |        Length         | Class  | C-Type|   object header, then object payload
 */
import { ipv4ToString, ipv6ToString, readIpv6 } from '../core/addr.js';
import { type Bytes, hex, latin1Text } from '../core/bytes.js';
import { inetChecksum } from '../core/checksum.js';
import type { OptionHandler } from '../core/protocol.js';
import type { Registry } from '../core/registry.js';

export interface IcmpExtObject {
  readonly length: number;
  readonly classNum: number;
  readonly cType: number;
  readonly name: string;
  readonly malformed?: true;
  readonly data?: string;
  readonly [field: string]: unknown;
}
export interface IcmpExtension {
  readonly version: number;
  readonly reserved: number;
  readonly checksum: number;
  /** RFC 4884 §7: an all-zero checksum means none was sent. */
  readonly checksumOk: boolean;
  readonly objects: readonly IcmpExtObject[];
  readonly malformed?: true;
}

/** RFC 4884 §8 object classes (IANA "ICMP Extension Object Classes"). */
export const ICMP_EXT_CLASS_NAMES: Readonly<Record<number, string>> = {
  1: 'mpls_label_stack',
  2: 'interface_information',
  3: 'interface_identification',
  4: 'extended_information',
};

/** Address Family Numbers (IANA) used by RFC 5837 and RFC 8335 address sub-objects. */
function address(b: Bytes, afi: number, s: number, len: number): string {
  if (afi === 1 && len === 4) return ipv4ToString(b.dv.getUint32(s));
  if (afi === 2 && len === 16) return ipv6ToString(readIpv6(b.dv, s));
  return hex(b.u8, s, s + len);
}

/** Class 1, MPLS Label Stack (RFC 4950 §7): label (20 bits), TC (3), S (1), TTL (8) per entry. */
const mplsStack: OptionHandler = {
  name: 'mpls_label_stack',
  decode(b, s, e) {
    const entries: { label: number; exp: number; s: number; ttl: number }[] = [];
    for (let p = s; p + 4 <= e; p += 4) {
      const w = b.dv.getUint32(p);
      entries.push({ label: w >>> 12, exp: (w >>> 9) & 7, s: (w >>> 8) & 1, ttl: w & 0xff });
    }
    return { entries };
  },
};

/** Class 2, Interface Information (RFC 5837 §4.1): the C-Type says which sub-objects follow. */
const interfaceInfo: OptionHandler = {
  name: 'interface_information',
  decode(b, s, e) {
    const ct = b.u8[s - 1];
    const o: Record<string, unknown> = { role: ct >>> 6 };
    let p = s;
    if (ct & 0x08) {
      if (p + 4 > e) return { ...o, malformed: true };
      o.ifIndex = b.dv.getUint32(p);
      p += 4;
    }
    if (ct & 0x04) {
      if (p + 4 > e) return { ...o, malformed: true };
      const afi = b.dv.getUint16(p);
      const len = afi === 1 ? 4 : afi === 2 ? 16 : 0;
      if (len === 0 || p + 4 + len > e) return { ...o, afi, malformed: true };
      o.afi = afi;
      o.address = address(b, afi, p + 4, len);
      p += 4 + len;
    }
    if (ct & 0x02) {
      if (p + 1 > e) return { ...o, malformed: true };
      const len = b.u8[p];
      if (len < 1 || p + len > e) return { ...o, malformed: true };
      o.ifName = latin1Text(b.u8, p + 1, p + len).replace(/\0+$/, '');
      p += len;
    }
    if (ct & 0x01) {
      if (p + 4 > e) return { ...o, malformed: true };
      o.mtu = b.dv.getUint32(p);
    }
    return o;
  },
};

/** Class 3, Interface Identification (RFC 8335 §2.1): by name (1), by index (2), by address (3). */
const interfaceId: OptionHandler = {
  name: 'interface_identification',
  decode(b, s, e) {
    const ct = b.u8[s - 1];
    if (ct === 1) return { ifName: latin1Text(b.u8, s, e).replace(/\0+$/, '') };
    if (ct === 2) return e - s >= 4 ? { ifIndex: b.dv.getUint32(s) } : { malformed: true };
    if (ct === 3) {
      if (e - s < 4) return { malformed: true };
      const afi = b.dv.getUint16(s);
      const len = b.u8[s + 2];
      if (s + 4 + len > e) return { afi, addrLength: len, malformed: true };
      return { afi, addrLength: len, address: address(b, afi, s + 4, len) };
    }
    return { data: hex(b.u8, s, e) };
  },
};

export const ICMP_EXT_HANDLERS: Readonly<Record<number, OptionHandler<any>>> = {
  1: mplsStack,
  2: interfaceInfo,
  3: interfaceId,
};

/** Decode an extension structure at [start, end): header, then objects until the bytes end. */
export function decodeIcmpExtension(b: Bytes, start: number, end: number, reg: Registry): IcmpExtension {
  if (end - start < 4) {
    return { version: 0, reserved: 0, checksum: 0, checksumOk: false, objects: [], malformed: true };
  }
  const w = b.dv.getUint16(start);
  const checksum = b.dv.getUint16(start + 2);
  const objects: IcmpExtObject[] = [];
  let p = start + 4;
  while (p < end) {
    if (p + 4 > end) {
      objects.push({ length: 0, classNum: 0, cType: 0, name: 'truncated', malformed: true, data: hex(b.u8, p, end) });
      break;
    }
    const length = b.dv.getUint16(p);
    const classNum = b.u8[p + 2];
    const cType = b.u8[p + 3];
    const h = reg.handler('icmp.ext_class', classNum);
    const name = h?.name ?? ICMP_EXT_CLASS_NAMES[classNum] ?? 'unknown';
    if (length < 4 || p + length > end) {
      objects.push({ length, classNum, cType, name, malformed: true, data: hex(b.u8, p + 4, end) });
      break;
    }
    const o: Record<string, unknown> = { length, classNum, cType, name };
    if (h) {
      const v = h.decode(b, p + 4, p + length);
      for (const k in v) o[k] = v[k];
    } else {
      o.data = hex(b.u8, p + 4, p + length);
    }
    objects.push(o as IcmpExtObject);
    p += length;
  }
  return {
    version: w >>> 12,
    reserved: w & 0x0fff,
    checksum,
    checksumOk: checksum === 0 || inetChecksum(b.u8, start, end) === 0,
    objects,
  };
}

/**
 * RFC 4884 §5.5: messages from implementations that predate the Length attribute quote exactly
 * 128 octets and put the extension after them. Accept that layout only when the header there looks
 * right (version 2) and its checksum verifies, as Wireshark does, so a long quote is not mistaken.
 */
export function compatExtensionAt(b: Bytes, quoteStart: number, end: number): number {
  const at = quoteStart + 128;
  if (end - at < 4) return -1;
  if (b.u8[at] >>> 4 !== 2) return -1;
  const cs = b.dv.getUint16(at + 2);
  return cs === 0 || inetChecksum(b.u8, at, end) === 0 ? at : -1;
}

/**
 * Where the extension structure of an RFC 4884 multi-part message starts, or -1. The Length
 * attribute counts the quoted datagram in words (ICMP: byte 5, 32-bit words, §4.1; ICMPv6: byte 4,
 * 64-bit words, §4.4); zero means a sender without RFC 4884, where the §5.5 compatibility layout
 * (quote of 128 octets, then a valid extension header) is accepted.
 */
export function multipartExtensionAt(b: Bytes, at: number, end: number, lengthAt: number, wordSize: number): number {
  const words = b.u8[at + lengthAt];
  if (words !== 0) {
    const ext = at + 8 + words * wordSize;
    return ext < end ? ext : -1;
  }
  return end - at > 8 + 128 ? compatExtensionAt(b, at + 8, end) : -1;
}

export interface IcmpExtObjectIn {
  readonly classNum: number;
  readonly cType: number;
  readonly data: Uint8Array;
}

/** Build an extension structure (version 2, checksum filled), to append after a quote padded to 128 bytes. */
export function encodeIcmpExtension(objects: readonly IcmpExtObjectIn[]): Uint8Array {
  let n = 4;
  for (const o of objects) n += 4 + o.data.length;
  const out = new Uint8Array(n);
  const dv = new DataView(out.buffer);
  dv.setUint16(0, 0x2000);
  let p = 4;
  for (const o of objects) {
    dv.setUint16(p, 4 + o.data.length);
    out[p + 2] = o.classNum;
    out[p + 3] = o.cType;
    out.set(o.data, p + 4);
    p += 4 + o.data.length;
  }
  dv.setUint16(2, inetChecksum(out, 0, n));
  return out;
}
