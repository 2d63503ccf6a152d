/**
 * Host Identity Protocol, versions 1 (RFC 5201) and 2 (RFC 7401): IP protocol 139, and over UDP port
 * 10500 behind a 32-bit zero marker (RFC 5770 §5.1, RFC 9028 §5.1) that tells HIP control packets
 * from ESP on the same port. Parameters are decoded through the 'hip.parameter' handler table.
 *
 *  0               8              16              24              31
 *  +---------------+---------------+-+-------------+-------+-----+-+
 *  |  Next Header  | Header Length |0| Packet Type |Version| RES.|1|
 *  |           Checksum            |           Controls            |
 *  |              Sender's Host Identity Tag (HIT, 128)            |
 *  |             Receiver's Host Identity Tag (HIT, 128)           |
 *  |                        HIP Parameters                         |
 *
 * Header Length counts 8-octet units after the first 8 (§5.1). A parameter is Type (16, lowest bit =
 * critical), Length (16, contents only), contents, padding to a multiple of 8 octets (§5.2.1).
 */
import { ipv6ToString } from '../core/addr.js';
import { type Bytes, hex, latin1Text } from '../core/bytes.js';
import { fold, pseudoForBuild, pseudoForLayers, sum16 } from '../core/checksum.js';
import type { Ipv6 } from '../core/fields.js';
import {
  type Codec,
  defineProtocol,
  type FieldsOf,
  flag,
  ipv6Field,
  type Need,
  need,
  type OptionHandler,
  type Table,
  u8,
  u16,
} from '../core/protocol.js';
import type { Registry } from '../core/registry.js';
import { encodeLayout, type Layout, structHandler } from '../core/struct.js';
import { bytesOf } from './ipv6-opts.js';
import {
  HIP_CIPHERS,
  HIP_DH_GROUPS,
  HIP_DI_TYPES,
  HIP_HI_ALGORITHMS,
  HIP_HIT_SUITES,
  HIP_NOTIFY_TYPES,
  HIP_PACKET_TYPES,
  HIP_PARAMETER_TYPES,
  HIP_REG_TYPES,
} from './names/hip.js';
import { IP_PROTOCOLS } from './names/ip-protocols.js';

export interface HipFields {
  /** 1 when the RFC 5770 §5.1 zero marker (4 octets) precedes the header: HIP over UDP. */
  readonly marker: number;
  readonly proto: number;
  readonly hdrLen: number;
  readonly fixedP: number;
  readonly packetType: number;
  readonly version: number;
  readonly reserved: number;
  readonly fixedS: number;
  readonly checksum: number;
  readonly controls: number;
  readonly anonymous: number;
  readonly hitSndr: Ipv6;
  readonly hitRcvr: Ipv6;
}

const addr = (dv: DataView, p: number): Ipv6 => [
  dv.getUint32(p),
  dv.getUint32(p + 4),
  dv.getUint32(p + 8),
  dv.getUint32(p + 12),
];

function decodeHip(b: Bytes, at: number, end: number): HipFields | Need<HipFields> {
  const dv = b.dv;
  // A native HIP header never starts with four zero octets: Header Length is at least 4 (§5.1).
  const m = end - at >= 4 && dv.getUint32(at) === 0 ? 4 : 0;
  const p = at + m;
  if (end - p < 40) {
    const partial: Partial<HipFields> =
      end - p >= 8
        ? {
            marker: m >>> 2,
            proto: b.u8[p],
            hdrLen: b.u8[p + 1],
            packetType: b.u8[p + 2] & 0x7f,
            version: b.u8[p + 3] >>> 4,
            checksum: dv.getUint16(p + 4),
            controls: dv.getUint16(p + 6),
          }
        : { marker: m >>> 2 };
    return need<HipFields>(m + 40, partial);
  }
  const t = b.u8[p + 2];
  const v = b.u8[p + 3];
  const controls = dv.getUint16(p + 6);
  return {
    marker: m >>> 2,
    proto: b.u8[p],
    hdrLen: b.u8[p + 1],
    fixedP: t >>> 7,
    packetType: t & 0x7f,
    version: v >>> 4,
    reserved: (v >>> 1) & 7,
    fixedS: v & 1,
    checksum: dv.getUint16(p + 4),
    controls,
    anonymous: controls & 1,
    hitSndr: addr(dv, p + 8),
    hitRcvr: addr(dv, p + 24),
  };
}

function putAddr(dv: DataView, p: number, a: Ipv6 | undefined) {
  for (let i = 0; i < 4; i++) dv.setUint32(p + 4 * i, (a?.[i] ?? 0) >>> 0);
}

function encodeHip(b: Bytes, at: number, f: Partial<HipFields>): void {
  const m = f.marker ? 4 : 0;
  b.u8.fill(0, at, at + m + 40);
  const p = at + m;
  b.u8[p] = f.proto ?? 59;
  b.u8[p + 1] = f.hdrLen ?? 4;
  b.u8[p + 2] = ((f.fixedP ?? 0) << 7) | ((f.packetType ?? 1) & 0x7f);
  b.u8[p + 3] = ((f.version ?? 2) << 4) | (((f.reserved ?? 0) & 7) << 1) | ((f.fixedS ?? 1) & 1);
  b.dv.setUint16(p + 4, f.checksum ?? 0);
  b.dv.setUint16(p + 6, (f.controls ?? 0) | (f.anonymous ?? 0));
  putAddr(b.dv, p + 8, f.hitSndr);
  putAddr(b.dv, p + 24, f.hitRcvr);
}

// ---------------------------------------------------------------------------------------------
// Parameters

type V = Record<string, unknown>;

/** A parameter handler: value octets after Type and Length; `version` is the packet's HIP version. */
export interface HipParamHandler extends OptionHandler<V> {
  decode(b: Bytes, start: number, end: number, version?: number): V;
  encode?(b: Bytes, at: number, v: V, version?: number): number;
  encodingLength?(v: V, version?: number): number;
}

const named = (table: Readonly<Record<number, string>>, key: string, namesKey: string) => (v: V) => {
  const x = v[key];
  if (Array.isArray(x)) v[namesKey] = x.map((n) => table[n as number] ?? 'unknown');
  else if (typeof x === 'number') v[namesKey] = table[x] ?? 'unknown';
  return v;
};

const opaque = (name: string, key: string) => structHandler(name, [[key, 'hex']]);
const address = (name: string): HipParamHandler =>
  structHandler(name, [
    ['port', 'u16'],
    ['protocol', 'u8'],
    ['reserved', 'u8'],
    ['address', 'ipv6'],
  ]);

const LOCATOR1: Layout = [
  ['spi', 'u32'],
  ['address', 'ipv6'],
];
const LOCATOR2: Layout = [
  ['port', 'u16'],
  ['transportProtocol', 'u8'],
  ['kind', 'u8'],
  ['priority', 'u32'],
  ['spi', 'u32'],
  ['address', 'ipv6'],
];

/** LOCATOR_SET (RFC 8046 §4, RFC 5206 §4; locator type 2 from RFC 5770 §5.7). */
const locatorSet: HipParamHandler = {
  name: 'LOCATOR_SET',
  decode(b, s, e) {
    const locators: V[] = [];
    let p = s;
    while (p + 8 <= e) {
      const type = b.u8[p + 1];
      const len = b.u8[p + 2] * 4;
      const l: V = {
        trafficType: b.u8[p],
        locatorType: type,
        locatorLength: b.u8[p + 2],
        reserved: b.u8[p + 3] >>> 1,
        preferred: b.u8[p + 3] & 1,
        lifetime: b.dv.getUint32(p + 4),
      };
      const q = p + 8;
      if (q + len > e) {
        l.malformed = true;
        locators.push(l);
        break;
      }
      if (type === 0 && len === 16) l.address = ipv6ToString(addr(b.dv, q));
      else if (type === 1 && len === 20) {
        l.spi = b.dv.getUint32(q);
        l.address = ipv6ToString(addr(b.dv, q + 4));
      } else if (type === 2 && len === 28) {
        l.port = b.dv.getUint16(q);
        l.transportProtocol = b.u8[q + 2];
        l.kind = b.u8[q + 3];
        l.priority = b.dv.getUint32(q + 4);
        l.spi = b.dv.getUint32(q + 8);
        l.address = ipv6ToString(addr(b.dv, q + 12));
      } else l.locator = hex(b.u8, q, q + len);
      locators.push(l);
      p = q + len;
    }
    return { locators };
  },
  encode(b, at, v) {
    let p = at;
    for (const l of (v.locators ?? []) as V[]) {
      const type = Number(l.locatorType ?? 0);
      b.u8[p] = Number(l.trafficType ?? 0);
      b.u8[p + 1] = type;
      b.u8[p + 3] = ((Number(l.reserved ?? 0) & 0x7f) << 1) | (Number(l.preferred ?? 0) & 1);
      b.dv.setUint32(p + 4, Number(l.lifetime ?? 0) >>> 0);
      const q = p + 8;
      let n: number;
      if (type === 0) n = encodeLayout([['address', 'ipv6']], b, q, l);
      else if (type === 1) n = encodeLayout(LOCATOR1, b, q, l);
      else if (type === 2) n = encodeLayout(LOCATOR2, b, q, l);
      else {
        const d = bytesOf(l.locator);
        b.u8.set(d, q);
        n = d.length;
      }
      b.u8[p + 2] = n >>> 2;
      p = q + n;
    }
    return p - at;
  },
  encodingLength: (v) =>
    ((v.locators ?? []) as V[]).reduce((n, l) => {
      const t = Number(l.locatorType ?? 0);
      return n + 8 + (t === 0 ? 16 : t === 1 ? 20 : t === 2 ? 28 : bytesOf(l.locator).length);
    }, 0),
};

/** PUZZLE (§5.2.4): difficulty K, lifetime, opaque, random #I (RHASH_len / 8 octets). */
const puzzle = structHandler('PUZZLE', [
  ['k', 'u8'],
  ['lifetime', 'u8'],
  ['opaque', 'u16'],
  ['randomI', 'hex'],
]);

/** SOLUTION (§5.2.5): K, reserved, opaque, then #I and #J of equal length. */
const solution: HipParamHandler = {
  name: 'SOLUTION',
  decode(b, s, e) {
    if (e - s < 4) return { malformed: true, data: hex(b.u8, s, e) };
    const n = (e - s - 4) >>> 1;
    return {
      k: b.u8[s],
      reserved: b.u8[s + 1],
      opaque: b.dv.getUint16(s + 2),
      randomI: hex(b.u8, s + 4, s + 4 + n),
      solutionJ: hex(b.u8, s + 4 + n, s + 4 + 2 * n),
    };
  },
  encode(b, at, v) {
    const i = bytesOf(v.randomI);
    const j = bytesOf(v.solutionJ);
    b.u8[at] = Number(v.k ?? 0);
    b.u8[at + 1] = Number(v.reserved ?? 0);
    b.dv.setUint16(at + 2, Number(v.opaque ?? 0));
    b.u8.set(i, at + 4);
    b.u8.set(j, at + 4 + i.length);
    return 4 + i.length + j.length;
  },
  encodingLength: (v) => 4 + bytesOf(v.randomI).length + bytesOf(v.solutionJ).length,
};

/** DIFFIE_HELLMAN (RFC 7401 §5.2.7): one or two (Group ID, Public Value Length, Public Value). */
const diffieHellman: HipParamHandler = {
  name: 'DIFFIE_HELLMAN',
  decode(b, s, e) {
    const values: V[] = [];
    let p = s;
    while (p + 3 <= e) {
      const group = b.u8[p];
      const len = b.dv.getUint16(p + 1);
      const x: V = { groupId: group, group: HIP_DH_GROUPS[group] ?? 'unknown', publicValueLength: len };
      if (p + 3 + len > e) {
        x.malformed = true;
        values.push(x);
        break;
      }
      x.publicValue = hex(b.u8, p + 3, p + 3 + len);
      values.push(x);
      p += 3 + len;
      if (len === 0) break;
    }
    return { values };
  },
  encode(b, at, v) {
    let p = at;
    for (const x of (v.values ?? []) as V[]) {
      const pv = bytesOf(x.publicValue);
      b.u8[p] = Number(x.groupId ?? 0);
      b.dv.setUint16(p + 1, pv.length);
      b.u8.set(pv, p + 3);
      p += 3 + pv.length;
    }
    return p - at;
  },
  encodingLength: (v) => ((v.values ?? []) as V[]).reduce((n, x) => n + 3 + bytesOf(x.publicValue).length, 0),
};

/** RSA public key (RFC 3110 §2): exponent length (1 or 3 octets), exponent, modulus. */
function rsaKey(b: Bytes, s: number, e: number): V {
  if (e - s < 1) return { key: '' };
  let p = s + 1;
  let eLen = b.u8[s];
  if (eLen === 0) {
    if (e - s < 3) return { key: hex(b.u8, s, e) };
    eLen = b.dv.getUint16(s + 1);
    p = s + 3;
  }
  if (p + eLen > e) return { key: hex(b.u8, s, e) };
  return { eLength: eLen, e: hex(b.u8, p, p + eLen), n: hex(b.u8, p + eLen, e) };
}

/** DSA public key (RFC 2536 §2): T, Q (20), P, G, Y (64 + T * 8 octets each). */
function dsaKey(b: Bytes, s: number, e: number): V {
  if (e - s < 21) return { key: hex(b.u8, s, e) };
  const t = b.u8[s];
  const n = 64 + t * 8;
  if (s + 21 + 3 * n > e) return { key: hex(b.u8, s, e) };
  const q = s + 1;
  return {
    t,
    q: hex(b.u8, q, q + 20),
    p: hex(b.u8, q + 20, q + 20 + n),
    g: hex(b.u8, q + 20 + n, q + 20 + 2 * n),
    y: hex(b.u8, q + 20 + 2 * n, q + 20 + 3 * n),
  };
}

function keyOf(alg: number, b: Bytes, s: number, e: number): V {
  if (alg === 5) return rsaKey(b, s, e);
  if (alg === 3) return dsaKey(b, s, e);
  // ECDSA, ECDSA_LOW, EdDSA (RFC 7401 §5.2.9, RFC 9374): a 16-bit curve, then the public key.
  if ((alg === 7 || alg === 9 || alg === 13) && e - s >= 2)
    return { curve: b.dv.getUint16(s), publicKey: hex(b.u8, s + 2, e) };
  return { key: hex(b.u8, s, e) };
}

/**
 * HOST_ID: HI Length, DI-Type (4 bits), DI Length (12 bits), then in version 2 a 16-bit Algorithm
 * before the Host Identity (RFC 7401 §5.2.9), in version 1 the RFC 4034 DNSKEY RDATA (flags,
 * protocol, algorithm, key: RFC 5201 §5.2.8); then the Domain Identifier.
 */
const hostId: HipParamHandler = {
  name: 'HOST_ID',
  decode(b, s, e, version) {
    if (e - s < 4) return { malformed: true, data: hex(b.u8, s, e) };
    const hiLength = b.dv.getUint16(s);
    const w = b.dv.getUint16(s + 2);
    const diType = w >>> 12;
    const diLength = w & 0x0fff;
    const o: V = { hiLength, diType, diTypeName: HIP_DI_TYPES[diType] ?? 'unknown', diLength };
    let p = s + 4;
    if (version === 1) {
      if (p + hiLength > e || hiLength < 4) return { ...o, malformed: true, data: hex(b.u8, p, e) };
      const alg = b.u8[p + 3];
      Object.assign(o, {
        hiFlags: b.dv.getUint16(p),
        hiProtocol: b.u8[p + 2],
        algorithm: alg,
        algorithmName: HIP_HI_ALGORITHMS[alg] ?? 'unknown',
        ...keyOf(alg, b, p + 4, p + hiLength),
      });
      p += hiLength;
    } else {
      if (p + 2 + hiLength > e) return { ...o, malformed: true, data: hex(b.u8, p, e) };
      const alg = b.dv.getUint16(p);
      Object.assign(o, {
        algorithm: alg,
        algorithmName: HIP_HI_ALGORITHMS[alg] ?? 'unknown',
        ...keyOf(alg, b, p + 2, p + 2 + hiLength),
      });
      p += 2 + hiLength;
    }
    if (p + diLength > e) return { ...o, malformed: true };
    o.domainId = latin1Text(b.u8, p, p + diLength);
    return o;
  },
  encode(b, at, v, version) {
    const key = hostIdentity(v);
    const di = new TextEncoder().encode(String(v.domainId ?? ''));
    const alg = Number(v.algorithm ?? 0);
    const hi = version === 1 ? 4 + key.length : key.length;
    b.dv.setUint16(at, hi);
    b.dv.setUint16(at + 2, ((Number(v.diType ?? (di.length ? 1 : 0)) & 15) << 12) | (di.length & 0x0fff));
    let p = at + 4;
    if (version === 1) {
      b.dv.setUint16(p, Number(v.hiFlags ?? 0x0202));
      b.u8[p + 2] = Number(v.hiProtocol ?? 0xff);
      b.u8[p + 3] = alg;
      p += 4;
    } else {
      b.dv.setUint16(p, alg);
      p += 2;
    }
    b.u8.set(key, p);
    b.u8.set(di, p + key.length);
    return p + key.length + di.length - at;
  },
  encodingLength: (v, version) =>
    4 + (version === 1 ? 4 : 2) + hostIdentity(v).length + new TextEncoder().encode(String(v.domainId ?? '')).length,
};

/** The Host Identity octets from decoded fields: RSA e and n, a curve and public key, or `key` hex. */
function hostIdentity(v: V): Uint8Array {
  if (v.e !== undefined && v.n !== undefined) {
    const e = bytesOf(v.e);
    const n = bytesOf(v.n);
    const head = e.length < 256 ? [e.length] : [0, e.length >>> 8, e.length & 0xff];
    return new Uint8Array([...head, ...e, ...n]);
  }
  if (v.curve !== undefined) {
    const k = bytesOf(v.publicKey);
    return new Uint8Array([Number(v.curve) >>> 8, Number(v.curve) & 0xff, ...k]);
  }
  if (v.q !== undefined)
    return new Uint8Array([Number(v.t ?? 0), ...bytesOf(v.q), ...bytesOf(v.p), ...bytesOf(v.g), ...bytesOf(v.y)]);
  return bytesOf(v.key);
}

/** HIP_SIGNATURE(_2): SIG alg (8 bits in version 1, RFC 5201 §5.2.11; 16 in version 2, §5.2.14), signature. */
const signature = (name: string): HipParamHandler => ({
  name,
  decode(b, s, e, version) {
    const w = version === 1 ? 1 : 2;
    if (e - s < w) return { malformed: true, data: hex(b.u8, s, e) };
    const alg = w === 1 ? b.u8[s] : b.dv.getUint16(s);
    return { sigAlg: alg, sigAlgName: HIP_HI_ALGORITHMS[alg] ?? 'unknown', signature: hex(b.u8, s + w, e) };
  },
  encode(b, at, v, version) {
    const sig = bytesOf(v.signature);
    if (version === 1) b.u8[at] = Number(v.sigAlg ?? 0);
    else b.dv.setUint16(at, Number(v.sigAlg ?? 0));
    const w = version === 1 ? 1 : 2;
    b.u8.set(sig, at + w);
    return w + sig.length;
  },
  encodingLength: (v, version) => (version === 1 ? 1 : 2) + bytesOf(v.signature).length,
});

const regList = (name: string, head: Layout) =>
  structHandler(name, [...head, ['regTypes', 'u8[]']], named(HIP_REG_TYPES, 'regTypes', 'regTypeNames'));

export const HIP_PARAMETER_HANDLERS: Readonly<Record<number, HipParamHandler>> = {
  65: structHandler('ESP_INFO', [
    ['reserved', 'u16'],
    ['keymatIndex', 'u16'],
    ['oldSpi', 'u32'],
    ['newSpi', 'u32'],
  ]),
  128: structHandler('R1_COUNTER', [
    ['reserved', 'u32'],
    ['counter', 'hex:8'],
  ]),
  129: structHandler('R1_COUNTER', [
    ['reserved', 'u32'],
    ['counter', 'hex:8'],
  ]),
  193: locatorSet,
  257: puzzle,
  321: solution,
  385: structHandler('SEQ', [['updateId', 'u32']]),
  449: structHandler('ACK', [['peerUpdateIds', 'u32[]']]),
  511: structHandler('DH_GROUP_LIST', [['groupIds', 'u8[]']], named(HIP_DH_GROUPS, 'groupIds', 'groups')),
  513: diffieHellman,
  577: structHandler('HIP_TRANSFORM', [['suiteIds', 'u16[]']]),
  579: structHandler('HIP_CIPHER', [['cipherIds', 'u16[]']], named(HIP_CIPHERS, 'cipherIds', 'ciphers')),
  608: structHandler('NAT_TRAVERSAL_MODE', [
    ['reserved', 'u16'],
    ['modeIds', 'u16[]'],
  ]),
  610: structHandler('TRANSACTION_PACING', [['minTa', 'u32']]),
  641: structHandler('ENCRYPTED', [
    ['reserved', 'u32'],
    ['encrypted', 'hex'], // IV and encrypted parameters: the IV length depends on the cipher
  ]),
  705: hostId,
  715: structHandler('HIT_SUITE_LIST', [['suiteIds', 'u8[]']], (v) => {
    v.suites = (v.suiteIds as number[]).map((x) => HIP_HIT_SUITES[x >>> 4] ?? 'unknown');
    return v;
  }),
  768: structHandler('CERT', [
    ['certGroup', 'u8'],
    ['certCount', 'u8'],
    ['certId', 'u8'],
    ['certType', 'u8'],
    ['certificate', 'hex'],
  ]),
  832: structHandler(
    'NOTIFICATION',
    [
      ['reserved', 'u16'],
      ['notifyType', 'u16'],
      ['notificationData', 'hex'],
    ],
    named(HIP_NOTIFY_TYPES, 'notifyType', 'notifyTypeName'),
  ),
  897: opaque('ECHO_REQUEST_SIGNED', 'opaqueData'),
  930: regList('REG_INFO', [
    ['minLifetime', 'u8'],
    ['maxLifetime', 'u8'],
  ]),
  932: regList('REG_REQUEST', [['lifetime', 'u8']]),
  934: regList('REG_RESPONSE', [['lifetime', 'u8']]),
  936: regList('REG_FAILED', [['failureType', 'u8']]),
  950: address('REG_FROM'),
  961: opaque('ECHO_RESPONSE_SIGNED', 'opaqueData'),
  2049: structHandler('TRANSPORT_FORMAT_LIST', [['formats', 'u16[]']]),
  4095: structHandler('ESP_TRANSFORM', [
    ['reserved', 'u16'],
    ['suiteIds', 'u16[]'],
  ]),
  4481: structHandler('SEQ_DATA', [['sequence', 'u32']]),
  4545: structHandler('ACK_DATA', [['ackedSequences', 'u32[]']]),
  4577: structHandler('PAYLOAD_MIC', [
    ['nextHeader', 'u8'],
    ['reserved', 'hex:3'],
    ['payloadData', 'hex:4'],
    ['micValue', 'hex'],
  ]),
  4580: opaque('TRANSACTION_ID', 'identifier'),
  4592: opaque('OVERLAY_ID', 'identifier'),
  4601: structHandler('ROUTE_DST', [
    ['flags', 'u16'],
    ['reserved', 'u16'],
    ['hits', 'ipv6[]'],
  ]),
  4650: address('RELAYED_ADDRESS'),
  4660: address('MAPPED_ADDRESS'),
  4680: structHandler('PEER_PERMISSION', [
    ['port', 'u16'],
    ['protocol', 'u8'],
    ['reserved', 'u8'],
    ['address', 'ipv6'],
    ['peerHit', 'ipv6'],
    ['rest', 'hex'],
  ]),
  4700: structHandler('CANDIDATE_PRIORITY', [['priority', 'u32']]),
  4710: structHandler('NOMINATE', [['reserved', 'u32']]),
  7680: structHandler('HIP_TRANSPORT_MODE', [
    ['port', 'u16'],
    ['modeIds', 'u16[]'],
  ]),
  61505: opaque('HIP_MAC', 'hmac'),
  61569: opaque('HIP_MAC_2', 'hmac'),
  61633: signature('HIP_SIGNATURE_2'),
  61697: signature('HIP_SIGNATURE'),
  63425: opaque('ECHO_RESPONSE_UNSIGNED', 'opaqueData'),
  63661: opaque('ECHO_REQUEST_UNSIGNED', 'opaqueData'),
  63998: address('RELAY_FROM'),
  64002: address('RELAY_TO'),
  64011: structHandler('OVERLAY_TTL', [
    ['ttl', 'u16'],
    ['reserved', 'u16'],
  ]),
  64017: structHandler('ROUTE_VIA', [
    ['flags', 'u16'],
    ['reserved', 'u16'],
    ['hits', 'ipv6[]'],
  ]),
  65498: structHandler('FROM', [['address', 'ipv6']]),
  65500: opaque('RVS_HMAC', 'hmac'),
  65502: structHandler('VIA_RVS', [['addresses', 'ipv6[]']]),
  65520: opaque('RELAY_HMAC', 'hmac'),
};

/** A decoded parameter: type, name, critical bit, length, then the handler's fields (or `data`). */
export interface HipParameter {
  readonly type: number;
  readonly name: string;
  readonly critical: number;
  readonly length: number;
  readonly malformed?: true;
  readonly [field: string]: unknown;
}

/** Parameters as a caller gives them to `build()`: type plus `data` hex, or the handler's fields. */
export interface HipParameterIn {
  readonly type: number;
  readonly data?: string | Uint8Array;
  readonly [field: string]: unknown;
}

const padded = (n: number) => (n + 7) & ~7;

export function decodeHipParameters(
  b: Bytes,
  start: number,
  end: number,
  version: number,
  reg: Registry,
): HipParameter[] {
  const out: HipParameter[] = [];
  let p = start;
  while (p < end) {
    if (p + 4 > end) {
      out.push({ type: -1, name: 'truncated', critical: 0, length: 0, malformed: true, data: hex(b.u8, p, end) });
      break;
    }
    const type = b.dv.getUint16(p);
    const length = b.dv.getUint16(p + 2);
    const h = reg.handler('hip.parameter', type) as HipParamHandler | undefined;
    const name = h?.name ?? HIP_PARAMETER_TYPES[type] ?? 'unknown';
    const head = { type, name, critical: type & 1, length };
    const vs = p + 4;
    const ve = vs + length;
    if (ve > end) {
      out.push({ ...head, malformed: true, data: hex(b.u8, vs, end) });
      break;
    }
    if (h) {
      let v: V;
      try {
        v = h.decode(b, vs, ve, version);
      } catch {
        v = { malformed: true, data: hex(b.u8, vs, ve) };
      }
      out.push({ ...head, ...v });
    } else out.push({ ...head, data: hex(b.u8, vs, ve) });
    p += padded(4 + length);
  }
  return out;
}

function paramValue(o: HipParameterIn, version: number, reg: Registry): Uint8Array {
  if (o.data !== undefined) return bytesOf(o.data);
  const h = reg.handler('hip.parameter', o.type) as HipParamHandler | undefined;
  if (!h?.encode || !h.encodingLength) return new Uint8Array(0);
  const tmp = new Uint8Array(h.encodingLength(o, version));
  h.encode({ u8: tmp, dv: new DataView(tmp.buffer) } as Bytes, 0, o, version);
  return tmp;
}

const parameters: Codec<HipFields, readonly HipParameterIn[]> = {
  decode: (b, start, end, f, reg) => decodeHipParameters(b, start + (f.marker ? 4 : 0), end, f.version, reg),
  encode(b, at, v, f, reg) {
    let p = at;
    for (const o of v) {
      const d = paramValue(o, f.version ?? 2, reg);
      const n = padded(4 + d.length);
      b.dv.setUint16(p, o.type);
      b.dv.setUint16(p + 2, d.length);
      b.u8.set(d, p + 4);
      b.u8.fill(0, p + 4 + d.length, p + n);
      p += n;
    }
    return p - at;
  },
  encodingLength: (v, f, reg) => v.reduce((n, o) => n + padded(4 + paramValue(o, f.version ?? 2, reg).length), 0),
};

/** The checksum covers a pseudo-header like UDP's with next header 139 (RFC 7401 §5.1.1). */
function hipSum(u8: Uint8Array, start: number, end: number, ps: number): number {
  return fold(sum16(u8, start, end, ps));
}

export const hip = defineProtocol<'hip', HipFields, readonly HipParameterIn[]>({
  name: 'hip',
  abbrev: 'hip',
  alias: 'HIP',
  title: 'Host Identity Protocol',
  layer: 'internet',
  // Labels and tshark names; offsets are from the HIP header (after the UDP marker, if any).
  header: {
    proto: u8(0, { names: IP_PROTOCOLS }),
    hdrLen: u8(1),
    fixedP: flag(2, 0x80, { tshark: 'hip.shim6_fixed_p' }),
    packetType: u8(2, { mask: 0x7f, names: HIP_PACKET_TYPES }),
    version: u8(3, { mask: 0xf0 }),
    reserved: u8(3, { mask: 0x0e }),
    fixedS: flag(3, 0x01, { tshark: 'hip.shim6_fixed_s' }),
    checksum: u16(4, { base: 'hex' }),
    controls: u16(6, { base: 'hex' }),
    anonymous: flag(7, 0x01, { tshark: 'hip.controls.a' }),
    hitSndr: ipv6Field(8),
    hitRcvr: ipv6Field(24),
  },
  decode: decodeHip,
  encode: encodeHip,
  encodingLength: (f) => (f.marker ? 44 : 40),
  minLen: 40,
  bind: { 'ip.proto': [139], 'udp.port': [10500] },
  // On UDP 10500 only packets behind the zero marker are HIP; the others are ESP (RFC 5770 §5.1).
  accept: (b: Bytes, at: number, end: number, table: Table) =>
    table !== 'udp.port' || (end - at >= 4 && b.dv.getUint32(at) === 0),
  rest: parameters,
  emptyRest: [],
  check: (f) => (f.hdrLen < 4 ? 'hip.hdr_len_too_small' : undefined),
  headerLen: (f) => (f.marker ? 4 : 0) + (f.hdrLen + 1) * 8,
  next: (f) => ({ table: 'ip.proto', key: f.proto }),
  derive: (g, size) => ({ hdrLen: ((size.header - (g.marker ? 4 : 0)) >>> 3) - 1 }),
  verify(b, l, layers) {
    const f = l.fields as HipFields;
    // Over UDP the HIP checksum is zero and UDP's protects the packet (RFC 5770 §5.1).
    if (f.marker) return f.checksum === 0;
    const ps = pseudoForLayers(b.u8, layers, layers.indexOf(l), 139, l.hdrEnd - l.start);
    return ps === undefined || hipSum(b.u8, l.start, l.hdrEnd, ps) === 0;
  },
  finish(given, l, ctx) {
    if (given.checksum !== undefined || l.fields.marker) return;
    const ps = pseudoForBuild(ctx.b.u8, ctx.layers, ctx.index, 139, l.hdrEnd - l.at);
    if (ps === undefined) return;
    ctx.b.dv.setUint16(l.at + 4, 0);
    ctx.b.dv.setUint16(l.at + 4, hipSum(ctx.b.u8, l.at, l.hdrEnd, ps));
  },
  handlers: { 'hip.parameter': HIP_PARAMETER_HANDLERS },
  computed: {
    'hip.type': (l, fr, reg) =>
      l.complete
        ? decodeHipParameters(fr.bytes, l.start + 40 + ((l.fields as HipFields).marker ? 4 : 0), l.hdrEnd, 2, reg).map(
            (x) => x.type,
          )
        : undefined,
  },
  summary: (f) => `HIP ${HIP_PACKET_TYPES[f.packetType] ?? f.packetType}`,
});
declare module '../core/frame.js' {
  interface LayerMap {
    hip: FieldsOf<typeof hip>;
  }
}
