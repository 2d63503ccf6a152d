/**
 * What follows an IEEE 802.3 length field (ethernet.next → table 'ieee802.3'):
 * - Novell "raw 802.3": IPX straight after the MAC header, recognised by IPX's 0xFFFF checksum (as
 *   Wireshark's check_is_802_2 does); handed to the EtherType table under 0x8137 (IPX);
 * - IEEE 802.2 LLC (ISO/IEC 8802-2 §5): DSAP, SSAP, control in U (1 octet) or I/S (2 octets) format;
 * - SNAP (IEEE 802 §9.3, RFC 1042): LLC AA-AA-03, then OUI + protocol id; OUI 0 (and 00-00-F8,
 *   802.1H bridge tunnel) carries an EtherType.
 *
 *  LLC:  | DSAP | SSAP | control (1 or 2) |          SNAP: | OUI (3) | PID (2) |
 */
import type { Bytes } from '../core/bytes.js';
import { defineProtocol, type FieldsOf, flag, type Next, need, u8, u16, u24 } from '../core/protocol.js';
import { ETHERTYPES } from './names/ethertypes.js';

/** SAPs whose protocols live in the EtherType table (IP: RFC 948/1042 §2; IPX: Novell 802.2). */
export const SAP_ETHERTYPE: Readonly<Record<number, number>> = { 6: 0x0800, 16: 0x8137, 224: 0x8137 };

/** Well-known SAPs (IEEE RA "LLC SAP" list). */
export const SAP_NAMES: Readonly<Record<number, string>> = {
  0: 'NULL',
  2: 'LLC sublayer management',
  4: 'SNA path control',
  6: 'IP',
  14: 'PROWAY network management',
  66: 'Spanning Tree BPDU',
  78: 'EIA RS-511',
  126: 'X.25 PLP',
  142: 'PROWAY active station list',
  170: 'SNAP',
  224: 'NetWare',
  240: 'NetBIOS',
  244: 'LAN management',
  248: 'Remote program load',
  254: 'ISO network layer',
  255: 'global',
};

/** U-format modifiers (control with the P/F bit cleared). */
const U_NAMES: Readonly<Record<number, string>> = {
  3: 'UI',
  15: 'DM',
  67: 'DISC',
  99: 'UA',
  111: 'SABME',
  135: 'FRMR',
  175: 'XID',
  227: 'TEST',
};

export interface LlcFields {
  readonly dsap: number;
  readonly ig: number;
  readonly ssap: number;
  readonly cr: number;
  /** One octet for U format; for I and S formats two octets, read little-endian as Wireshark does
   *  (N(S) in the low octet, N(R) and P/F in the high one). */
  readonly control: number;
}

const isU = (control: number) => (control & 3) === 3;

export const llc = defineProtocol<'llc', LlcFields>({
  name: 'llc',
  abbrev: 'llc',
  alias: 'LLC',
  title: 'IEEE 802.2 Logical-Link Control',
  layer: 'link',
  header: {
    dsap: u8(0, { base: 'hex', names: SAP_NAMES }),
    ig: flag(0, 0x01, { tshark: 'llc.dsap.ig' }), // 1 = group DSAP
    ssap: u8(1, { base: 'hex', names: SAP_NAMES }),
    cr: flag(1, 0x01, { tshark: 'llc.ssap.cr' }), // 1 = response
    control: u16(2, { base: 'hex', default: 0x03 }),
  },
  minLen: 3,
  decode(b: Bytes, at: number, end: number) {
    if (end - at < 3) return need<LlcFields>(3);
    const u = b.u8;
    const dsap = u[at];
    const ssap = u[at + 1];
    const c0 = u[at + 2];
    if (isU(c0)) return { dsap, ig: dsap & 1, ssap, cr: ssap & 1, control: c0 } as LlcFields;
    if (end - at < 4) return need<LlcFields>(4, { dsap, ig: dsap & 1, ssap, cr: ssap & 1 });
    return { dsap, ig: dsap & 1, ssap, cr: ssap & 1, control: c0 | (u[at + 3] << 8) } as LlcFields;
  },
  encode(b: Bytes, at: number, f: Partial<LlcFields>) {
    const c = f.control ?? 0x03;
    b.u8[at] = f.dsap ?? 0;
    b.u8[at + 1] = f.ssap ?? 0;
    b.u8[at + 2] = c & 0xff;
    if (!isU(c)) b.u8[at + 3] = (c >>> 8) & 0xff;
  },
  encodingLength: (f: Partial<LlcFields>) => (isU(f.control ?? 0x03) ? 3 : 4),
  headerLen: (f) => (isU(f.control) ? 3 : 4),
  bind: { 'sll.ltype': [4] },
  // After Novell's probe: everything else after an 802.3 length is LLC.
  heuristic: ['ieee802.3'],
  probe: (b, at, end) => !(end - at >= 2 && b.u8[at] === 0xff && b.u8[at + 1] === 0xff),
  next: (f): Next | undefined => {
    // SNAP is AA-AA (Wireshark's is_snap); other SAPs carry data only in I and UI frames (XDLC_IS_INFORMATION).
    if (f.dsap === 0xaa) return f.ssap === 0xaa ? { table: 'llc.dsap', key: 0xaa } : undefined;
    if ((f.control & 1) !== 0 && f.control !== 0x03) return undefined;
    const et = SAP_ETHERTYPE[f.dsap];
    return et !== undefined ? { table: 'ethertype', key: et } : { table: 'llc.dsap', key: f.dsap };
  },
  summary: (f) => {
    const kind = isU(f.control)
      ? (U_NAMES[f.control & 0xef] ?? `U 0x${f.control.toString(16)}`)
      : f.control & 1
        ? `S N(R)=${f.control >>> 9}`
        : `I N(S)=${(f.control >>> 1) & 0x7f} N(R)=${f.control >>> 9}`;
    return `DSAP ${SAP_NAMES[f.dsap & 0xfe] ?? `0x${f.dsap.toString(16)}`} SSAP ${SAP_NAMES[f.ssap & 0xfe] ?? `0x${f.ssap.toString(16)}`} ${kind}`;
  },
});

const hex4 = (n: number) => `0x${n.toString(16).padStart(4, '0')}`;
/** OUIs whose protocol id is an EtherType: RFC 1042 (00-00-00) and IEEE 802.1H bridge tunnel (00-00-F8). */
const carriesEthertype = (oui: number) => oui === 0 || oui === 0xf8;

export const snap = defineProtocol({
  name: 'snap',
  abbrev: 'llc',
  alias: 'SNAP',
  title: 'Subnetwork Access Protocol',
  layer: 'link',
  header: {
    oui: u24(0, { base: 'hex', tshark: 'llc.oui' }),
    // tshark shows the protocol id as llc.type (an EtherType) under OUI 0, else as llc.pid.
    pid: u16(3, { base: 'hex', tshark: '-' }),
  },
  bind: { 'llc.dsap': [0xaa] },
  next: (f) =>
    carriesEthertype(f.oui) ? { table: 'ethertype', key: f.pid } : { table: 'snap.pid', key: f.oui * 0x10000 + f.pid }, // (OUI, PID) as one key: vendors register both
  computed: {
    'llc.type': (l) => {
      const f = l.fields as { oui?: number; pid?: number };
      return f.pid !== undefined && f.oui !== undefined && carriesEthertype(f.oui) ? hex4(f.pid) : undefined;
    },
    'llc.pid': (l) => {
      const f = l.fields as { oui?: number; pid?: number };
      return f.pid !== undefined && f.oui !== undefined && !carriesEthertype(f.oui) ? hex4(f.pid) : undefined;
    },
  },
  summary: (f) =>
    carriesEthertype(f.oui)
      ? `type ${ETHERTYPES[f.pid] ?? hex4(f.pid)}`
      : `OUI ${f.oui.toString(16).padStart(6, '0')} pid ${hex4(f.pid)}`,
});

/**
 * Novell "raw 802.3" (NetWare's default frame type before 3.12): no LLC, the IPX header starts right
 * after the length and its checksum is always 0xFFFF. A zero-length marker layer, so the chain reads
 * Ethernet:Novell:IPX and IPX is reached through the EtherType table (0x8137), never imported.
 */
export const novell = defineProtocol({
  name: 'novell',
  abbrev: 'novell',
  alias: 'Novell',
  title: 'Novell raw IEEE 802.3',
  layer: 'link',
  header: {},
  headerLen: () => 0,
  heuristic: ['ieee802.3'],
  probe: (b, at, end) => end - at >= 2 && b.u8[at] === 0xff && b.u8[at + 1] === 0xff,
  next: () => ({ table: 'ethertype', key: 0x8137 }),
});

declare module '../core/frame.js' {
  interface LayerMap {
    llc: FieldsOf<typeof llc>;
    snap: FieldsOf<typeof snap>;
    novell: FieldsOf<typeof novell>;
  }
}
