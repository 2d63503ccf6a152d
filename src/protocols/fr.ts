/**
 * Frame Relay (LINKTYPE_FRELAY 107): the ITU-T Q.922 address (2, 3 or 4 octets, ended by the EA bit),
 * then either the multiprotocol encapsulation of RFC 2427 §3 (control 0x03 UI, an optional 0x00 pad,
 * an NLPID: 0xCC IPv4, 0x8E IPv6, 0x80 SNAP …) or Cisco's encapsulation (an EtherType right after the
 * address, tshark's fr.chdlctype).
 *
 *   8   7   6   5   4   3   2   1
 *  | upper DLCI (6)       |C/R|EA=0|
 *  | DLCI (4)  |FECN|BECN|DE |EA=1|      (2-octet form, the common one: a 10-bit DLCI)
 */
import type { Bytes } from '../core/bytes.js';
import { defineProtocol, type FieldsOf, flag, type Next, need, u8, u16, u24 } from '../core/protocol.js';
import { ETHERTYPES } from './names/ethertypes.js';

/** ISO/IEC TR 9577 NLPIDs whose protocols live in the EtherType table. */
const NLPID_ETHERTYPE: Readonly<Record<number, number>> = { 204: 0x0800, 142: 0x86dd };

export interface FrFields {
  readonly dlci: number;
  readonly cr: number;
  readonly fecn: number;
  readonly becn: number;
  readonly de: number;
  /** Octets of the Q.922 address (2, 3 or 4). */
  readonly addrLen: number;
  /** RFC 2427: control (0x03), NLPID, and for SNAP the OUI and protocol id. */
  readonly control: number | undefined;
  readonly nlpid: number | undefined;
  readonly snapOui: number | undefined;
  readonly snapPid: number | undefined;
  /** Cisco encapsulation: the EtherType after the address. */
  readonly chdlctype: number | undefined;
  readonly hdrLen: number;
}

function decode(b: Bytes, at: number, end: number): FrFields | ReturnType<typeof need<FrFields>> {
  const u = b.u8;
  if (end - at < 2) return need(2);
  // Q.922 §3.2: the address ends at the first octet with EA set (2, 3 or 4 octets).
  let n = 2;
  while (n < 4 && (u[at + n - 1] & 1) === 0) n++;
  if ((u[at + n - 1] & 1) === 0 || end - at < n) return need(n);
  const b0 = u[at];
  const b1 = u[at + 1];
  let dlci = ((b0 >>> 2) << 4) | (b1 >>> 4);
  if (n === 3) dlci = (dlci << 6) | (u[at + 2] >>> 2);
  else if (n === 4) dlci = (((dlci << 7) | (u[at + 2] >>> 1)) << 6) | (u[at + 3] >>> 2);
  const base = { dlci, cr: (b0 >>> 1) & 1, fecn: (b1 >>> 3) & 1, becn: (b1 >>> 2) & 1, de: (b1 >>> 1) & 1, addrLen: n };
  let p = at + n;
  if (p + 2 > end) return need(n + 2, base as Partial<FrFields>);
  if (u[p] !== 0x03) {
    return {
      ...base,
      control: undefined,
      nlpid: undefined,
      snapOui: undefined,
      snapPid: undefined,
      chdlctype: b.dv.getUint16(p),
      hdrLen: n + 2,
    };
  }
  p++;
  if (u[p] === 0x00 && p + 1 < end) p++; // RFC 2427 §3: an optional pad octet aligns the rest
  const nlpid = u[p++];
  if (nlpid === 0x80) {
    if (p + 5 > end) return need(p + 5 - at, { ...base, control: 0x03, nlpid } as Partial<FrFields>);
    return {
      ...base,
      control: 0x03,
      nlpid,
      snapOui: (u[p] << 16) | (u[p + 1] << 8) | u[p + 2],
      snapPid: b.dv.getUint16(p + 3),
      chdlctype: undefined,
      hdrLen: p + 5 - at,
    };
  }
  return {
    ...base,
    control: 0x03,
    nlpid,
    snapOui: undefined,
    snapPid: undefined,
    chdlctype: undefined,
    hdrLen: p - at,
  };
}

export const fr = defineProtocol<'fr', FrFields>({
  name: 'fr',
  abbrev: 'fr',
  alias: 'FrameRelay',
  title: 'Frame Relay',
  layer: 'link',
  header: {
    dlci: u16(0),
    cr: flag(0, 0x02),
    fecn: flag(1, 0x08),
    becn: flag(1, 0x04),
    de: flag(1, 0x02),
    control: u8(2, { base: 'hex' }),
    nlpid: u8(3, { base: 'hex' }),
    snapOui: u24(4, { base: 'hex', tshark: 'fr.snap.oui' }),
    snapPid: u16(7, { base: 'hex', tshark: '-' }), // fr.snaptype under OUI 0 (an EtherType), else fr.snap.pid
    chdlctype: u16(2, { base: 'hex', names: ETHERTYPES }),
  },
  minLen: 2,
  decode,
  // Building: a 2-octet address, then the Cisco EtherType, or (with `nlpid`) UI + NLPID [+ SNAP].
  encode(b, at, f) {
    const d = f.dlci ?? 0;
    b.u8[at] = ((d >>> 4) << 2) | ((f.cr ?? 0) << 1);
    b.u8[at + 1] = ((d & 0x0f) << 4) | ((f.fecn ?? 0) << 3) | ((f.becn ?? 0) << 2) | ((f.de ?? 0) << 1) | 1;
    if (f.nlpid === undefined) {
      b.dv.setUint16(at + 2, f.chdlctype ?? 0x0800);
      return;
    }
    b.u8[at + 2] = 0x03;
    b.u8[at + 3] = f.nlpid;
    if (f.nlpid === 0x80) {
      const oui = f.snapOui ?? 0;
      b.u8[at + 4] = oui >>> 16;
      b.u8[at + 5] = (oui >>> 8) & 0xff;
      b.u8[at + 6] = oui & 0xff;
      b.dv.setUint16(at + 7, f.snapPid ?? 0);
    }
  },
  encodingLength: (f) => (f.nlpid === undefined ? 4 : f.nlpid === 0x80 ? 9 : 4),
  headerLen: (f) => f.hdrLen,
  bind: { linktype: [107] },
  selector: { table: 'ethertype', field: 'chdlctype' },
  next: (f): Next | undefined => {
    if (f.chdlctype !== undefined) return { table: 'ethertype', key: f.chdlctype };
    if (f.snapPid !== undefined) return f.snapOui === 0 ? { table: 'ethertype', key: f.snapPid } : undefined;
    const et = f.nlpid === undefined ? undefined : NLPID_ETHERTYPE[f.nlpid];
    return et === undefined ? { table: 'osinl', key: f.nlpid ?? 0 } : { table: 'ethertype', key: et };
  },
  computed: {
    'fr.snaptype': (l) => {
      const f = l.fields as Partial<FrFields>;
      return f.snapPid !== undefined && f.snapOui === 0 ? `0x${f.snapPid.toString(16).padStart(4, '0')}` : undefined;
    },
    'fr.snap.pid': (l) => {
      const f = l.fields as Partial<FrFields>;
      return f.snapPid !== undefined && f.snapOui !== 0 ? `0x${f.snapPid.toString(16).padStart(4, '0')}` : undefined;
    },
  },
  summary: (f) => `DLCI ${f.dlci}`,
});

declare module '../core/frame.js' {
  interface LayerMap {
    fr: FieldsOf<typeof fr>;
  }
}
