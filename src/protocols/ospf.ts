/**
 * Open Shortest Path First, IP protocol 89: OSPFv2 (RFC 2328) and OSPFv3 (RFC 5340), with opaque
 * LSAs (RFC 5250), graceful restart (RFC 3623), NSSA (RFC 3101), link-local signaling (RFC 5613)
 * and the OSPFv3 authentication trailer (RFC 7166).
 *
 *  v2 (24 bytes)                              v3 (16 bytes)
 *  | Version | Type |  Packet length |        | Version | Type |  Packet length |
 *  |             Router ID           |        |             Router ID           |
 *  |              Area ID            |        |              Area ID            |
 *  |    Checksum    |     AuType     |        |    Checksum    | Inst | Rsvd   |
 *  |       Authentication (64)       |
 *
 * The version byte picks the table. The message body (Hello, DD, LSR, LSU, LSAck with LSA headers
 * and bodies) runs to `packetLength` and is the `rest`, decoded on request; what follows the packet
 * (the v2 cryptographic digest, RFC 2328 D.4.3; an LLS block; the v3 trailer) is the `trailer`.
 * OSPFv3 over IPsec (RFC 4552) arrives after AH/ESP through the IP protocol table like any other.
 */
import { ipv4ToString, ipv6ToString, readIpv6 } from '../core/addr.js';
import { type Bytes, hex, latin1Text } from '../core/bytes.js';
import { fold, pseudoForBuild, pseudoForLayers, sum16 } from '../core/checksum.js';
import { type Compiled, compileHeader } from '../core/compile.js';
import {
  bytes,
  type Codec,
  defineProtocol,
  type Header,
  ipv4Field,
  type Need,
  need,
  type Span,
  u8,
  u16,
} from '../core/protocol.js';

export const OSPF_MSG_TYPES: Readonly<Record<number, string>> = {
  1: 'Hello',
  2: 'Database Description',
  3: 'Link State Request',
  4: 'Link State Update',
  5: 'Link State Acknowledgment',
};
export const OSPF_AUTH_TYPES: Readonly<Record<number, string>> = { 0: 'Null', 1: 'Simple', 2: 'Cryptographic' };

const COMMON = {
  version: u8(0),
  msg: u8(1, { names: OSPF_MSG_TYPES }),
  packetLength: u16(2),
  srcrouter: ipv4Field(4), // Router ID
  areaId: ipv4Field(8),
  checksum: u16(12, { base: 'hex' }),
} as const;
/** What follows `packetLength` in the IP payload (absolute offsets); set by decode, not on the wire. */
const trailer = bytes(0, 0, { label: 'bytes after the OSPF packet' });
const V2 = {
  ...COMMON,
  authType: u16(14, { names: OSPF_AUTH_TYPES, tshark: 'ospf.auth.type' }),
  auth: bytes(16, 8, { tshark: 'ospf.auth.none' }),
  trailer,
} as const;
const V3 = {
  ...COMMON,
  instanceId: u8(14),
  reserved: u8(15),
  trailer,
} as const;

export interface OspfFields {
  readonly version: number;
  readonly msg: number;
  readonly packetLength: number;
  readonly srcrouter: number;
  readonly areaId: number;
  readonly checksum: number;
  /** v2 only. */
  readonly authType?: number;
  readonly auth?: Span;
  /** v3 only. */
  readonly instanceId?: number;
  readonly reserved?: number;
  readonly trailer: Span;
}

const L_V2: Compiled<OspfFields> = compileHeader<OspfFields>('ospf.v2', V2);
const L_V3: Compiled<OspfFields> = compileHeader<OspfFields>('ospf.v3', V3);
const layoutOf = (version: number): Compiled<OspfFields> => (version === 3 ? L_V3 : L_V2);

function decode(b: Bytes, at: number, end: number): OspfFields | Need<OspfFields> {
  if (end <= at) return need<OspfFields>(16);
  const lay = layoutOf(b.u8[at]);
  if (end - at < lay.minLen) return need(lay.minLen, lay.decodePartial(b, at, end - at));
  const f = lay.decode(b, at, end) as { -readonly [K in keyof OspfFields]: OspfFields[K] };
  const pe = at + f.packetLength;
  f.trailer = pe >= at + lay.minLen && pe < end ? { start: pe, end } : { start: end, end };
  return f;
}

// ---------------------------------------------------------------- bodies, decoded on request

export interface OspfLsaHeader {
  readonly age: number;
  readonly doNotAge: number;
  /** v2: the options byte; v3: absent (options live in the bodies). */
  readonly options?: number;
  /** v2: 1–11; v3: the 16-bit function code with U and S bits (RFC 5340 A.4.2.1). */
  readonly type: number;
  readonly lsId: string;
  readonly advRouter: string;
  readonly seqnum: number;
  readonly checksum: number;
  readonly length: number;
  /** Fletcher checksum verified over the LSA (RFC 2328 §12.1.7), when all of it is present. */
  readonly checksumOk?: boolean;
}
export interface OspfLsa extends OspfLsaHeader {
  readonly body?: Record<string, unknown>;
  readonly malformed?: true;
}
export interface OspfDetails {
  readonly hello?: Record<string, unknown>;
  readonly dd?: Record<string, unknown>;
  readonly requests?: readonly { readonly type: number; readonly lsId: string; readonly advRouter: string }[];
  readonly numLsas?: number;
  readonly lsas?: readonly OspfLsa[];
  readonly lsaHeaders?: readonly OspfLsaHeader[];
  readonly authentication?: Record<string, unknown>;
  readonly lls?: {
    readonly checksum: number;
    readonly length: number;
    readonly tlvs: readonly Record<string, unknown>[];
  };
  readonly trailer?: Record<string, unknown>;
  readonly data?: string;
  readonly malformed?: true;
}

const ip4 = (b: Bytes, p: number): string => ipv4ToString(b.dv.getUint32(p));
const u24 = (b: Bytes, p: number): number => (b.u8[p] << 16) | (b.u8[p + 1] << 8) | b.u8[p + 2];

/** ISO 8473 Fletcher checksum check (RFC 2328 §12.1.7): over the LSA less LS age; both sums 0. */
function fletcherOk(u8: Uint8Array, start: number, end: number): boolean {
  let c0 = 0;
  let c1 = 0;
  for (let i = start + 2; i < end; i++) {
    c0 = (c0 + u8[i]) % 255;
    c1 = (c1 + c0) % 255;
  }
  return c0 === 0 && c1 === 0;
}

/** Compute the Fletcher checksum of an LSA at [start, end) and store it at offset 16 (RFC 2328 §12.1.7). */
export function fillLsaChecksum(u8: Uint8Array, start: number, end: number): void {
  u8[start + 16] = 0;
  u8[start + 17] = 0;
  let c0 = 0;
  let c1 = 0;
  for (let i = start + 2; i < end; i++) {
    c0 = (c0 + u8[i]) % 255;
    c1 = (c1 + c0) % 255;
  }
  // Checksum position counted from the byte after LS age (the ISO 8473 "n"), 1-based.
  const pos = 15; // offset 16 within the LSA, minus the 2 age bytes, plus 1
  const len = end - start - 2;
  let x = ((len - pos) * c0 - c1) % 255;
  if (x <= 0) x += 255;
  let y = 510 - c0 - x;
  if (y > 255) y -= 255;
  u8[start + 16] = x;
  u8[start + 17] = y;
}

function lsaHeader(b: Bytes, p: number, v3: boolean, end: number): OspfLsaHeader {
  const age = b.dv.getUint16(p);
  const length = b.dv.getUint16(p + 18);
  const h = {
    age: age & 0x7fff,
    doNotAge: age >>> 15, // RFC 1793 §2.2 DoNotAge
    ...(v3 ? {} : { options: b.u8[p + 2] }),
    type: v3 ? b.dv.getUint16(p + 2) : b.u8[p + 3],
    lsId: ip4(b, p + 4),
    advRouter: ip4(b, p + 8),
    seqnum: b.dv.getUint32(p + 12),
    checksum: b.dv.getUint16(p + 16),
    length,
  };
  return length >= 20 && p + length <= end ? { ...h, checksumOk: fletcherOk(b.u8, p, p + length) } : h;
}

/** Prefixes in OSPFv3 LSAs (RFC 5340 A.4.1): length, options, 16 bits, then ceil(len/32) words. */
function v3Prefix(b: Bytes, p: number, e: number): { next: number; prefix?: Record<string, unknown> } {
  if (p + 4 > e) return { next: e };
  const plen = b.u8[p];
  const words = Math.ceil(Math.min(plen, 128) / 32);
  if (p + 4 + words * 4 > e) return { next: e };
  const raw = [0, 0, 0, 0];
  for (let i = 0; i < words; i++) raw[i] = b.dv.getUint32(p + 4 + i * 4);
  return {
    next: p + 4 + words * 4,
    prefix: {
      prefixLength: plen,
      prefixOptions: b.u8[p + 1],
      field16: b.dv.getUint16(p + 2),
      prefix: ipv6ToString(raw),
    },
  };
}

/** TLVs of opaque LSAs (RFC 5250 §3; RFC 3630 §2.3.2): 16-bit type and length, value padded to 4. */
function tlvs(b: Bytes, s: number, e: number, gr: boolean): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  let p = s;
  while (p + 4 <= e) {
    const type = b.dv.getUint16(p);
    const length = b.dv.getUint16(p + 2);
    const ve = p + 4 + length;
    if (ve > e) {
      out.push({ type, length, malformed: true, value: hex(b.u8, p + 4, e) });
      break;
    }
    const t: Record<string, unknown> = { type, length };
    // Graceful restart (RFC 3623 Appendix A): grace period, restart reason, restart IP address.
    if (gr && type === 1 && length === 4) t.gracePeriod = b.dv.getUint32(p + 4);
    else if (gr && type === 2 && length === 1) t.restartReason = b.u8[p + 4];
    else if (gr && type === 3 && length === 4) t.restartIp = ip4(b, p + 4);
    else t.value = hex(b.u8, p + 4, ve);
    out.push(t);
    p = p + 4 + Math.ceil(length / 4) * 4;
  }
  return out;
}

/** OSPFv2 LSA bodies (RFC 2328 A.4.2–A.4.5, RFC 3101 §2.4, RFC 5250 §3). */
function v2Body(b: Bytes, h: OspfLsaHeader, s: number, e: number): Record<string, unknown> {
  switch (h.type) {
    case 1: {
      if (s + 4 > e) return { malformed: true };
      const n = b.dv.getUint16(s + 2);
      const links: Record<string, unknown>[] = [];
      let p = s + 4;
      for (let i = 0; i < n && p + 12 <= e; i++) {
        const numTos = b.u8[p + 9];
        const tos: { tos: number; metric: number }[] = [];
        for (let k = 0; k < numTos && p + 16 + k * 4 <= e; k++) {
          tos.push({ tos: b.u8[p + 12 + k * 4], metric: b.dv.getUint16(p + 14 + k * 4) });
        }
        links.push({
          linkId: ip4(b, p),
          linkData: ip4(b, p + 4),
          linkType: b.u8[p + 8],
          numTos,
          metric: b.dv.getUint16(p + 10),
          tos,
        });
        p += 12 + numTos * 4;
      }
      return { flags: b.u8[s], numLinks: n, links };
    }
    case 2: {
      if (s + 4 > e) return { malformed: true };
      const attachedRouters: string[] = [];
      for (let p = s + 4; p + 4 <= e; p += 4) attachedRouters.push(ip4(b, p));
      return { netmask: ip4(b, s), attachedRouters };
    }
    case 3:
    case 4: {
      if (s + 8 > e) return { malformed: true };
      const tos: { tos: number; metric: number }[] = [];
      for (let p = s + 8; p + 4 <= e; p += 4) tos.push({ tos: b.u8[p], metric: u24(b, p + 1) });
      return { netmask: ip4(b, s), metric: u24(b, s + 5), tos };
    }
    case 5:
    case 7: {
      if (s + 16 > e) return { malformed: true };
      const entries: Record<string, unknown>[] = [];
      for (let p = s + 4; p + 12 <= e; p += 12) {
        entries.push({
          e: b.u8[p] >>> 7,
          tos: b.u8[p] & 0x7f,
          metric: u24(b, p + 1),
          forwardingAddress: ip4(b, p + 4),
          externalRouteTag: b.dv.getUint32(p + 8),
        });
      }
      return { netmask: ip4(b, s), entries };
    }
    case 9:
    case 10:
    case 11: {
      const opaqueType = b.u8[(s - 16) | 0]; // the first byte of the Link State ID (RFC 5250 §3)
      return { opaqueType, opaqueId: u24(b, s - 15), tlvs: tlvs(b, s, e, opaqueType === 3) };
    }
    default:
      return { data: hex(b.u8, s, e) };
  }
}

/** OSPFv3 LSA bodies (RFC 5340 A.4.3–A.4.10), by function code (the low 13 bits of LS type). */
function v3Body(b: Bytes, h: OspfLsaHeader, s: number, e: number): Record<string, unknown> {
  const fc = h.type & 0x1fff;
  switch (fc) {
    case 1: {
      if (s + 4 > e) return { malformed: true };
      const interfaces: Record<string, unknown>[] = [];
      for (let p = s + 4; p + 16 <= e; p += 16) {
        interfaces.push({
          linkType: b.u8[p],
          metric: b.dv.getUint16(p + 2),
          interfaceId: b.dv.getUint32(p + 4),
          neighborInterfaceId: b.dv.getUint32(p + 8),
          neighborRouterId: ip4(b, p + 12),
        });
      }
      return { flags: b.u8[s], options: u24(b, s + 1), interfaces };
    }
    case 2: {
      if (s + 4 > e) return { malformed: true };
      const attachedRouters: string[] = [];
      for (let p = s + 4; p + 4 <= e; p += 4) attachedRouters.push(ip4(b, p));
      return { options: u24(b, s + 1), attachedRouters };
    }
    case 3: {
      if (s + 4 > e) return { malformed: true };
      return { metric: u24(b, s + 1), ...(v3Prefix(b, s + 4, e).prefix ?? { malformed: true }) };
    }
    case 4:
      return s + 12 > e
        ? { malformed: true }
        : { options: u24(b, s + 1), metric: u24(b, s + 5), destinationRouterId: ip4(b, s + 8) };
    case 5:
    case 7: {
      if (s + 4 > e) return { malformed: true };
      const flags = b.u8[s];
      const { next, prefix } = v3Prefix(b, s + 4, e);
      const o: Record<string, unknown> = { flags, metric: u24(b, s + 1), ...(prefix ?? { malformed: true }) };
      let p = next;
      if (flags & 0x02 && p + 16 <= e) {
        o.forwardingAddress = ipv6ToString(readIpv6(b.dv, p));
        p += 16;
      }
      if (flags & 0x01 && p + 4 <= e) {
        o.externalRouteTag = b.dv.getUint32(p);
        p += 4;
      }
      const refType = s + 8 <= e ? b.dv.getUint16(s + 6) : 0;
      if (refType !== 0 && p + 4 <= e) o.referencedLsId = ip4(b, p);
      return o;
    }
    case 8: {
      if (s + 24 > e) return { malformed: true };
      const n = b.dv.getUint32(s + 20);
      const prefixes: Record<string, unknown>[] = [];
      let p = s + 24;
      for (let i = 0; i < n && p < e; i++) {
        const r = v3Prefix(b, p, e);
        if (!r.prefix) break;
        prefixes.push(r.prefix);
        p = r.next;
      }
      return {
        routerPriority: b.u8[s],
        options: u24(b, s + 1),
        linkLocalAddress: ipv6ToString(readIpv6(b.dv, s + 4)),
        numPrefixes: n,
        prefixes,
      };
    }
    case 9: {
      if (s + 12 > e) return { malformed: true };
      const n = b.dv.getUint16(s);
      const prefixes: Record<string, unknown>[] = [];
      let p = s + 12;
      for (let i = 0; i < n && p < e; i++) {
        const r = v3Prefix(b, p, e);
        if (!r.prefix) break;
        prefixes.push(r.prefix);
        p = r.next;
      }
      return {
        numPrefixes: n,
        referencedLsType: b.dv.getUint16(s + 2),
        referencedLsId: ip4(b, s + 4),
        referencedAdvRouter: ip4(b, s + 8),
        prefixes,
      };
    }
    case 11:
      // Grace-LSA (RFC 5187 §2): the RFC 3623 TLVs.
      return { tlvs: tlvs(b, s, e, true) };
    default:
      return { data: hex(b.u8, s, e) };
  }
}

function lsas(b: Bytes, s: number, e: number, n: number, v3: boolean): OspfDetails {
  const out: OspfLsa[] = [];
  let p = s;
  for (let i = 0; i < n; i++) {
    if (p + 20 > e) return { numLsas: n, lsas: out, malformed: true };
    const h = lsaHeader(b, p, v3, e);
    if (h.length < 20 || p + h.length > e) {
      out.push({ ...h, malformed: true });
      return { numLsas: n, lsas: out, malformed: true };
    }
    out.push({ ...h, body: v3 ? v3Body(b, h, p + 20, p + h.length) : v2Body(b, h, p + 20, p + h.length) });
    p += h.length;
  }
  return { numLsas: n, lsas: out };
}

function lsaHeaders(b: Bytes, s: number, e: number, v3: boolean): OspfLsaHeader[] {
  const out: OspfLsaHeader[] = [];
  for (let p = s; p + 20 <= e; p += 20) {
    const h = lsaHeader(b, p, v3, p + 20);
    const { checksumOk: _, ...rest } = h; // a header alone cannot be checksummed
    out.push(rest);
  }
  return out;
}

function hello(b: Bytes, s: number, e: number, v3: boolean): OspfDetails {
  if (s + 20 > e) return { malformed: true };
  const neighbors: string[] = [];
  for (let p = s + 20; p + 4 <= e; p += 4) neighbors.push(ip4(b, p));
  // RFC 5340 A.3.2 / RFC 2328 A.3.2
  return v3
    ? {
        hello: {
          interfaceId: b.dv.getUint32(s),
          routerPriority: b.u8[s + 4],
          options: u24(b, s + 5),
          helloInterval: b.dv.getUint16(s + 8),
          routerDeadInterval: b.dv.getUint16(s + 10),
          designatedRouter: ip4(b, s + 12),
          backupDesignatedRouter: ip4(b, s + 16),
          neighbors,
        },
      }
    : {
        hello: {
          networkMask: ip4(b, s),
          helloInterval: b.dv.getUint16(s + 4),
          options: b.u8[s + 6],
          routerPriority: b.u8[s + 7],
          routerDeadInterval: b.dv.getUint32(s + 8),
          designatedRouter: ip4(b, s + 12),
          backupDesignatedRouter: ip4(b, s + 16),
          neighbors,
        },
      };
}

function dd(b: Bytes, s: number, e: number, v3: boolean): OspfDetails {
  const fixed = v3 ? 12 : 8;
  if (s + fixed > e) return { malformed: true };
  // RFC 2328 A.3.3: flags I (4), M (2), MS (1); R (8) is RFC 4811 out-of-band resynchronisation.
  const d = v3
    ? {
        options: u24(b, s + 1),
        interfaceMtu: b.dv.getUint16(s + 4),
        flags: b.u8[s + 7],
        ddSequence: b.dv.getUint32(s + 8),
      }
    : { interfaceMtu: b.dv.getUint16(s), options: b.u8[s + 2], flags: b.u8[s + 3], ddSequence: b.dv.getUint32(s + 4) };
  return { dd: d, lsaHeaders: lsaHeaders(b, s + fixed, e, v3) };
}

function requests(b: Bytes, s: number, e: number, v3: boolean): OspfDetails {
  const out: { type: number; lsId: string; advRouter: string }[] = [];
  for (let p = s; p + 12 <= e; p += 12) {
    out.push({ type: v3 ? b.dv.getUint16(p + 2) : b.dv.getUint32(p), lsId: ip4(b, p + 4), advRouter: ip4(b, p + 8) });
  }
  return { requests: out };
}

/** RFC 5613 §2: LLS data block: checksum, length in 32-bit words, TLVs (EO = 1, CA = 2). */
function lls(b: Bytes, s: number, e: number): OspfDetails['lls'] {
  if (s + 4 > e) return undefined;
  const length = b.dv.getUint16(s + 2);
  const end = Math.min(e, s + length * 4);
  const out: Record<string, unknown>[] = [];
  for (let p = s + 4; p + 4 <= end; ) {
    const type = b.dv.getUint16(p);
    const len = b.dv.getUint16(p + 2);
    const ve = Math.min(end, p + 4 + len);
    if (type === 1 && len === 4) out.push({ type, length: len, extendedOptions: b.dv.getUint32(p + 4) });
    else if (type === 2 && len >= 4)
      out.push({ type, length: len, sequence: b.dv.getUint32(p + 4), authData: hex(b.u8, p + 8, ve) });
    else out.push({ type, length: len, value: hex(b.u8, p + 4, ve) });
    p += 4 + Math.ceil(len / 4) * 4;
  }
  return { checksum: b.dv.getUint16(s), length, tlvs: out };
}

const LLS_V2 = 0x10; // the L bit in a v2 options byte (RFC 5613 §2.1)
const LLS_V3 = 0x200; // in v3 options (RFC 5613 §2.1)
const AT_V3 = 0x400; // the AT bit (RFC 7166 §3)

/** Decoding gives OspfDetails; building takes OspfBodyIn. */
export type OspfRest = OspfDetails | OspfBodyIn;

const body: Codec<OspfFields, OspfRest> = {
  encode: (b, at, v, f) => encodeBody(b, at, v as OspfBodyIn, f),
  encodingLength: (v, f) => bodyLength(v as OspfBodyIn, f),
  decode(b, start, end, f) {
    const v3 = f.version === 3;
    const at = start - 16; // the codec starts after the 16 bytes the two versions share
    const s = at + (v3 ? 16 : 24);
    if (f.version !== 2 && f.version !== 3) return s < end ? { data: hex(b.u8, start, end) } : {};
    let d: OspfDetails;
    switch (f.msg) {
      case 1:
        d = hello(b, s, end, v3);
        break;
      case 2:
        d = dd(b, s, end, v3);
        break;
      case 3:
        d = requests(b, s, end, v3);
        break;
      case 4:
        d = s + 4 > end ? { malformed: true } : lsas(b, s + 4, end, b.dv.getUint32(s), v3);
        break;
      case 5:
        d = { lsaHeaders: lsaHeaders(b, s, end, v3) };
        break;
      default:
        d = s < end ? { data: hex(b.u8, s, end) } : {};
    }
    // After the packet: v2 cryptographic digest (RFC 2328 D.4.3), then an LLS block when the L bit
    // is set in a Hello or DD (RFC 5613 §2.2); the v3 authentication trailer (RFC 7166 §4).
    let p = f.trailer.start;
    const te = f.trailer.end;
    const o: Record<string, unknown> = { ...d };
    if (!v3) {
      const at2 = f.authType ?? 0;
      if (at2 === 1) o.authentication = { type: 1, password: latin1Text(b.u8, at + 16, at + 24).replace(/\0+$/, '') };
      else if (at2 === 2) {
        const len = b.u8[at + 19];
        o.authentication = {
          type: 2,
          keyId: b.u8[at + 18],
          dataLength: len,
          seqNbr: b.dv.getUint32(at + 20),
          data: hex(b.u8, p, Math.min(te, p + len)),
        };
        p = Math.min(te, p + len);
      }
    }
    const opts = (d.hello?.options ?? d.dd?.options) as number | undefined;
    if (opts !== undefined && opts & (v3 ? LLS_V3 : LLS_V2) && p < te) {
      const l = lls(b, p, te);
      if (l) {
        o.lls = l;
        p = Math.min(te, p + l.length * 4);
      }
    }
    if (v3 && p + 16 <= te && (opts === undefined || opts & AT_V3)) {
      o.trailer = {
        authType: b.dv.getUint16(p),
        authDataLen: b.dv.getUint16(p + 2),
        saId: b.dv.getUint16(p + 6),
        cryptoSeqNbr: b.dv.getUint32(p + 8) * 4294967296 + b.dv.getUint32(p + 12),
        authData: hex(b.u8, p + 16, Math.min(te, p + b.dv.getUint16(p + 2))),
      };
    }
    return o as OspfDetails;
  },
};

// ---------------------------------------------------------------- building the body

/** LSA header fields for building, with the body as bytes (length and checksum are filled). */
export interface OspfLsaIn {
  readonly age?: number;
  readonly options?: number;
  readonly type: number;
  readonly lsId: string;
  readonly advRouter: string;
  readonly seqnum?: number;
  /** Only in LSA header lists (DD, LSAck); for full LSAs the length comes from `body`. */
  readonly checksum?: number;
  readonly length?: number;
  readonly body?: Uint8Array;
}
/** What `ospf.make(fields, rest)` takes: one of these, by message type. */
export interface OspfBodyIn {
  readonly hello?: {
    readonly networkMask?: string;
    readonly interfaceId?: number;
    readonly helloInterval?: number;
    readonly options?: number;
    readonly routerPriority?: number;
    readonly routerDeadInterval?: number;
    readonly designatedRouter?: string;
    readonly backupDesignatedRouter?: string;
    readonly neighbors?: readonly string[];
  };
  readonly dd?: {
    readonly interfaceMtu?: number;
    readonly options?: number;
    readonly flags?: number;
    readonly ddSequence?: number;
  };
  readonly lsaHeaders?: readonly OspfLsaIn[];
  readonly requests?: readonly { readonly type: number; readonly lsId: string; readonly advRouter: string }[];
  readonly lsas?: readonly OspfLsaIn[];
}

const parse4 = (s: string | undefined): number => {
  const p = (s ?? '0.0.0.0').split('.').map(Number);
  return ((p[0] << 24) | (p[1] << 16) | (p[2] << 8) | p[3]) >>> 0;
};

function bodyLength(v: OspfBodyIn, f: Partial<OspfFields>): number {
  const v3 = f.version === 3;
  switch (f.msg) {
    case 1:
      return 20 + (v.hello?.neighbors?.length ?? 0) * 4;
    case 2:
      return (v3 ? 12 : 8) + (v.lsaHeaders?.length ?? 0) * 20;
    case 3:
      return (v.requests?.length ?? 0) * 12;
    case 4:
      return 4 + (v.lsas ?? []).reduce((n, l) => n + 20 + (l.body?.length ?? 0), 0);
    case 5:
      return (v.lsaHeaders?.length ?? 0) * 20;
    default:
      return 0;
  }
}

function writeLsaHeader(b: Bytes, p: number, l: OspfLsaIn, v3: boolean, length: number): void {
  const dv = b.dv;
  dv.setUint16(p, l.age ?? 0);
  if (v3) dv.setUint16(p + 2, l.type);
  else {
    b.u8[p + 2] = l.options ?? 0;
    b.u8[p + 3] = l.type;
  }
  dv.setUint32(p + 4, parse4(l.lsId));
  dv.setUint32(p + 8, parse4(l.advRouter));
  dv.setUint32(p + 12, (l.seqnum ?? 0x80000001) >>> 0);
  dv.setUint16(p + 16, l.checksum ?? 0);
  dv.setUint16(p + 18, length);
}

function encodeBody(b: Bytes, at: number, v: OspfBodyIn, f: Partial<OspfFields>): number {
  const v3 = f.version === 3;
  const dv = b.dv;
  const n = bodyLength(v, f);
  b.u8.fill(0, at, at + n);
  switch (f.msg) {
    case 1: {
      const h = v.hello ?? {};
      if (v3) {
        dv.setUint32(at, h.interfaceId ?? 0);
        b.u8[at + 4] = h.routerPriority ?? 1;
        dv.setUint32(at + 4, (dv.getUint32(at + 4) & 0xff000000) | ((h.options ?? 0x13) & 0xffffff));
        dv.setUint16(at + 8, h.helloInterval ?? 10);
        dv.setUint16(at + 10, h.routerDeadInterval ?? 40);
      } else {
        dv.setUint32(at, parse4(h.networkMask));
        dv.setUint16(at + 4, h.helloInterval ?? 10);
        b.u8[at + 6] = h.options ?? 0x02;
        b.u8[at + 7] = h.routerPriority ?? 1;
        dv.setUint32(at + 8, h.routerDeadInterval ?? 40);
      }
      dv.setUint32(at + 12, parse4(h.designatedRouter));
      dv.setUint32(at + 16, parse4(h.backupDesignatedRouter));
      for (const [i, x] of (h.neighbors ?? []).entries()) dv.setUint32(at + 20 + i * 4, parse4(x));
      break;
    }
    case 2:
    case 5: {
      let p = at;
      if (f.msg === 2) {
        const d = v.dd ?? {};
        if (v3) {
          dv.setUint32(at, (d.options ?? 0x13) & 0xffffff);
          dv.setUint16(at + 4, d.interfaceMtu ?? 1500);
          b.u8[at + 7] = d.flags ?? 0;
          dv.setUint32(at + 8, d.ddSequence ?? 0);
          p += 12;
        } else {
          dv.setUint16(at, d.interfaceMtu ?? 1500);
          b.u8[at + 2] = d.options ?? 0x02;
          b.u8[at + 3] = d.flags ?? 0;
          dv.setUint32(at + 4, d.ddSequence ?? 0);
          p += 8;
        }
      }
      for (const l of v.lsaHeaders ?? []) {
        writeLsaHeader(b, p, l, v3, l.length ?? 20);
        p += 20;
      }
      break;
    }
    case 3:
      for (const [i, r] of (v.requests ?? []).entries()) {
        const p = at + i * 12;
        dv.setUint32(p, r.type >>> 0);
        dv.setUint32(p + 4, parse4(r.lsId));
        dv.setUint32(p + 8, parse4(r.advRouter));
      }
      break;
    case 4: {
      const list = v.lsas ?? [];
      dv.setUint32(at, list.length);
      let p = at + 4;
      for (const l of list) {
        const len = 20 + (l.body?.length ?? 0);
        writeLsaHeader(b, p, l, v3, len);
        if (l.body) b.u8.set(l.body, p + 20);
        if (l.checksum === undefined) fillLsaChecksum(b.u8, p, p + len);
        p += len;
      }
      break;
    }
  }
  return n;
}

/** Every field either version carries, for labels and tshark names. */
const ALL_FIELDS: Header = Object.assign({}, V2, V3);

export const ospf = defineProtocol<'ospf', OspfFields, OspfRest>({
  name: 'ospf',
  abbrev: 'ospf',
  alias: 'OSPF',
  title: 'Open Shortest Path First',
  layer: 'internet',
  header: ALL_FIELDS,
  minLen: 16,
  decode,
  encode: (b, at, f) => layoutOf(f.version ?? 2).encode(b, at, f),
  encodingLength: (f) => layoutOf(f.version ?? 2).minLen,
  bind: { 'ip.proto': [89] },
  check: (f) =>
    f.version !== 2 && f.version !== 3
      ? 'ospf.version_unknown'
      : f.packetLength < layoutOf(f.version).minLen
        ? 'ospf.packet_length_too_small'
        : undefined,
  // The body runs to the packet length; a length past the bytes leaves the layer partial.
  headerLen: (f) => f.packetLength,
  rest: body,
  verify: (b, l, layers, frame) => {
    const f = l.fields as OspfFields;
    const e = l.start + f.packetLength;
    if (e > l.hdrEnd || (frame.end - frame.start < frame.origLen && e >= frame.end)) return true;
    if (f.version === 2) {
      // RFC 2328 D.4.3: no checksum with cryptographic authentication; otherwise over the packet
      // less the 64-bit authentication field (§D.4.1, A.3.1).
      if (f.authType === 2) return true;
      return fold(sum16(b.u8, l.start + 24, e, sum16(b.u8, l.start, l.start + 16))) === 0;
    }
    // RFC 5340 A.3.1: the IPv6 pseudo-header checksum, as for ICMPv6.
    const ps = pseudoForLayers(b.u8, layers, layers.indexOf(l), 89, f.packetLength);
    return ps === undefined || fold(sum16(b.u8, l.start, e, ps)) === 0;
  },
  derive: (_g, size) => ({ packetLength: size.header + size.payload }),
  finish: (given, l, ctx) => {
    if (given.checksum !== undefined) return;
    const f = l.fields as Partial<OspfFields>;
    const u8 = ctx.b.u8;
    const e = l.at + (f.packetLength ?? l.end - l.at);
    ctx.b.dv.setUint16(l.at + 12, 0);
    if ((f.version ?? 2) === 2) {
      if (f.authType === 2) return;
      ctx.b.dv.setUint16(l.at + 12, fold(sum16(u8, l.at + 24, e, sum16(u8, l.at, l.at + 16))));
      return;
    }
    const ps = pseudoForBuild(u8, ctx.layers, ctx.index, 89, e - l.at);
    if (ps !== undefined) ctx.b.dv.setUint16(l.at + 12, fold(sum16(u8, l.at, e, ps)));
  },
  summary: (f) => `OSPFv${f.version} ${OSPF_MSG_TYPES[f.msg] ?? `type ${f.msg}`} from ${ipv4ToString(f.srcrouter)}`,
});
declare module '../core/frame.js' {
  interface LayerMap {
    ospf: OspfFields;
  }
}
