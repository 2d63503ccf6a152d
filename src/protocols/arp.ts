/**
 * Address Resolution Protocol and its relatives, one decoder for the one layout:
 * ARP (RFC 826), RARP (RFC 903; EtherType 0x8035, opcodes 3/4), DRARP (RFC 1931, opcodes 5–7) and
 * Inverse ARP (RFC 2390, opcodes 8/9). The layer is always `arp` (so `find(frame, 'arp')` finds all
 * four); its chain name follows the opcode, as PyPCAPKit's.
 *
 *  0        2        4    5    6        8
 *  +--------+--------+----+----+--------+---------+---------+---------+---------+
 *  | hrd    | pro    |hln |pln | op     | sha(hln)| spa(pln)| tha(hln)| tpa(pln)|
 *
 * Addresses of any length: Ethernet hardware addresses (hrd 1 or 6, hln 6) and IPv4 protocol
 * addresses (pro 0x0800 or AX.25's 0xCC, pln 4) are numbers, as tshark's arp.*.hw_mac / proto_ipv4;
 * others are byte spans (arp.*.hw / arp.*.proto). ATM ARP (RFC 2225, hrd 19) has its own layout
 * (type/length octets) and is shown as plain ARP here.
 */
import { ipv4ToString, macToString } from '../core/addr.js';
import type { Bytes } from '../core/bytes.js';
import {
  bytes,
  defineProtocol,
  type FieldsOf,
  ipv4Field,
  macField,
  need,
  type Span,
  u8,
  u16,
} from '../core/protocol.js';
import { ETHERTYPES } from './names/ethertypes.js';

/** IANA arp-parameters "Operation Codes". */
export const ARP_OPCODES: Readonly<Record<number, string>> = {
  1: 'request',
  2: 'reply',
  3: 'reverse request',
  4: 'reverse reply',
  5: 'DRARP-Request',
  6: 'DRARP-Reply',
  7: 'DRARP-Error',
  8: 'InARP-Request',
  9: 'InARP-Reply',
  10: 'ARP-NAK',
  11: 'MARS-Request',
  12: 'MARS-Multi',
  13: 'MARS-MServ',
  14: 'MARS-Join',
  15: 'MARS-Leave',
  16: 'MARS-NAK',
  17: 'MARS-Unserv',
  18: 'MARS-SJoin',
  19: 'MARS-SLeave',
  20: 'MARS-Grouplist-Request',
  21: 'MARS-Grouplist-Reply',
  22: 'MARS-Redirect-Map',
  23: 'MAPOS-UNARP',
  24: 'OP_EXP1',
  25: 'OP_EXP2',
};

/** DRARP-Error codes (RFC 1931 §2). */
export const DRARP_ERRORS: Readonly<Record<number, string>> = {
  1: 'restricted',
  2: 'no address',
  3: 'server down',
  4: 'moved',
  5: 'failure',
};

/** IANA arp-parameters "Hardware Types". */
export const ARP_HW_TYPES: Readonly<Record<number, string>> = {
  1: 'Ethernet',
  2: 'Experimental Ethernet',
  3: 'AX.25',
  4: 'ProNET token ring',
  5: 'Chaos',
  6: 'IEEE 802',
  7: 'ARCNET',
  8: 'Hyperchannel',
  9: 'Lanstar',
  10: 'Autonet short address',
  11: 'LocalTalk',
  12: 'LocalNet',
  13: 'Ultra link',
  14: 'SMDS',
  15: 'Frame Relay',
  16: 'ATM',
  17: 'HDLC',
  18: 'Fibre Channel',
  19: 'ATM (RFC 2225)',
  20: 'Serial Line',
  21: 'ATM',
  22: 'MIL-STD-188-220',
  23: 'Metricom',
  24: 'IEEE 1394.1995',
  25: 'MAPOS',
  26: 'Twinaxial',
  27: 'EUI-64',
  28: 'HIPARP',
  29: 'IP and ARP over ISO 7816-3',
  30: 'ARPSec',
  31: 'IPsec tunnel',
  32: 'InfiniBand',
  33: 'TIA-102 Project 25 CAI',
  34: 'Wiegand Interface',
  35: 'Pure IP',
  36: 'HW_EXP1',
  37: 'HFI',
  38: 'Unified Bus',
  256: 'HW_EXP2',
  257: 'AEthernet',
};

export interface ArpFields {
  readonly hwType: number;
  readonly protoType: number;
  readonly hwSize: number;
  readonly protoSize: number;
  readonly opcode: number;
  /** Sender/target hardware address: a MAC number for Ethernet, else a byte span. */
  readonly srcHwMac: number | undefined;
  readonly srcHw: Span | undefined;
  readonly srcProtoIpv4: number | undefined;
  readonly srcProto: Span | undefined;
  readonly dstHwMac: number | undefined;
  readonly dstHw: Span | undefined;
  readonly dstProtoIpv4: number | undefined;
  readonly dstProto: Span | undefined;
  /** DRARP-Error (opcode 7): the error code in the first octet of the target protocol address
   *  (RFC 1931 §2), in place of that address (Wireshark's arp.dst.drarp_error_status). */
  readonly drarpErrorStatus: number | undefined;
}

const isEther = (hrd: number, hln: number) => (hrd === 1 || hrd === 6) && hln === 6;
const isIpv4 = (pro: number, pln: number) => (pro === 0x0800 || pro === 0xcc) && pln === 4;
const mac = (b: Bytes, p: number) => b.dv.getUint16(p) * 4294967296 + b.dv.getUint32(p + 2);

/** Chain name by opcode (PyPCAPKit's ARP family). */
export function arpAlias(opcode: number): string {
  return opcode === 3 || opcode === 4
    ? 'RARP'
    : opcode >= 5 && opcode <= 7
      ? 'DRARP'
      : opcode === 8 || opcode === 9
        ? 'InARP'
        : 'ARP';
}

function decode(b: Bytes, at: number, end: number): ArpFields | ReturnType<typeof need<ArpFields>> {
  if (end - at < 8) return need(8);
  const dv = b.dv;
  const hwType = dv.getUint16(at);
  const protoType = dv.getUint16(at + 2);
  const hln = b.u8[at + 4];
  const pln = b.u8[at + 5];
  const ether = isEther(hwType, hln);
  const ip4 = isIpv4(protoType, pln);
  const opcode = dv.getUint16(at + 6);
  const drarpError = opcode === 7 && pln > 0;
  // Each address is read only when it is wholly there; a short packet keeps the ones before the cut.
  const sha = at + 8;
  const spa = sha + hln;
  const tha = spa + pln;
  const tpa = tha + hln;
  const stop = tpa + pln;
  const f: ArpFields = {
    hwType,
    protoType,
    hwSize: hln,
    protoSize: pln,
    opcode,
    srcHwMac: ether && spa <= end ? mac(b, sha) : undefined,
    srcHw: !ether && spa <= end ? { start: sha, end: spa } : undefined,
    srcProtoIpv4: ip4 && tha <= end ? dv.getUint32(spa) : undefined,
    srcProto: !ip4 && tha <= end ? { start: spa, end: tha } : undefined,
    dstHwMac: ether && tpa <= end ? mac(b, tha) : undefined,
    dstHw: !ether && tpa <= end ? { start: tha, end: tpa } : undefined,
    dstProtoIpv4: ip4 && !drarpError && stop <= end ? dv.getUint32(tpa) : undefined,
    dstProto: !ip4 && !drarpError && stop <= end ? { start: tpa, end: stop } : undefined,
    drarpErrorStatus: drarpError && stop <= end ? b.u8[tpa] : undefined,
  };
  return stop <= end ? f : need(stop - at, f);
}

/**
 * Building: addresses as numbers (MAC / IPv4) or, for other lengths, as a Uint8Array in the span
 * field (as compiled `bytes` fields take them); sizes default from what is given.
 */
type Bytesish = Span | Uint8Array | undefined;
const lenOf = (v: Bytesish) => (v === undefined ? undefined : v instanceof Uint8Array ? v.length : v.end - v.start);
const sizes = (f: Partial<ArpFields>) => ({
  hln: f.hwSize ?? lenOf(f.srcHw) ?? lenOf(f.dstHw) ?? 6,
  pln: f.protoSize ?? lenOf(f.srcProto) ?? lenOf(f.dstProto) ?? 4,
});
function writeAddr(b: Bytes, at: number, len: number, n: number | undefined, v: Bytesish): void {
  if (v instanceof Uint8Array) b.u8.set(v.subarray(0, len), at);
  else if (n !== undefined && len === 6) {
    b.dv.setUint16(at, Math.floor(n / 4294967296));
    b.dv.setUint32(at + 2, n % 4294967296);
  } else if (n !== undefined && len === 4) b.dv.setUint32(at, n >>> 0);
}

export const arp = defineProtocol<'arp', ArpFields>({
  name: 'arp',
  abbrev: 'arp',
  alias: 'ARP',
  aliasOf: (f) => arpAlias(f.opcode),
  title: 'Address Resolution Protocol',
  layer: 'link',
  header: {
    hwType: u16(0, { names: ARP_HW_TYPES, default: 1, tshark: 'arp.hw.type' }),
    protoType: u16(2, { base: 'hex', names: ETHERTYPES, default: 0x0800, tshark: 'arp.proto.type' }),
    hwSize: u8(4, { default: 6, tshark: 'arp.hw.size' }),
    protoSize: u8(5, { default: 4, tshark: 'arp.proto.size' }),
    opcode: u16(6, { names: ARP_OPCODES, default: 1 }),
    srcHwMac: macField(8, { tshark: 'arp.src.hw_mac' }),
    srcHw: bytes(8, 0, { tshark: 'arp.src.hw' }),
    srcProtoIpv4: ipv4Field(14, { tshark: 'arp.src.proto_ipv4' }),
    srcProto: bytes(14, 0, { tshark: 'arp.src.proto' }),
    dstHwMac: macField(18, { tshark: 'arp.dst.hw_mac' }),
    dstHw: bytes(18, 0, { tshark: 'arp.dst.hw' }),
    dstProtoIpv4: ipv4Field(24, { tshark: 'arp.dst.proto_ipv4' }),
    dstProto: bytes(24, 0, { tshark: 'arp.dst.proto' }),
    drarpErrorStatus: u8(24, { names: DRARP_ERRORS, tshark: 'arp.dst.drarp_error_status' }),
  },
  minLen: 8,
  decode,
  headerLen: (f) => 8 + 2 * (f.hwSize + f.protoSize),
  // Trailing octets (Ethernet padding) are not ARP's: the payload is empty (RFC 826 has no length).
  payloadLen: () => 0,
  encode(b, at, f) {
    const { hln, pln } = sizes(f);
    const dv = b.dv;
    dv.setUint16(at, f.hwType ?? 1);
    dv.setUint16(at + 2, f.protoType ?? 0x0800);
    b.u8[at + 4] = hln;
    b.u8[at + 5] = pln;
    dv.setUint16(at + 6, f.opcode ?? 1);
    let p = at + 8;
    writeAddr(b, p, hln, f.srcHwMac, f.srcHw);
    writeAddr(b, (p += hln), pln, f.srcProtoIpv4, f.srcProto);
    writeAddr(b, (p += pln), hln, f.dstHwMac, f.dstHw);
    if (f.drarpErrorStatus !== undefined) b.u8[p + hln] = f.drarpErrorStatus;
    else writeAddr(b, p + hln, pln, f.dstProtoIpv4, f.dstProto);
  },
  encodingLength: (f) => {
    const { hln, pln } = sizes(f);
    return 8 + 2 * (hln + pln);
  },
  bind: { ethertype: [0x0806, 0x8035] },
  summary: (f) => {
    const who = (m: number | undefined, i: number | undefined) =>
      i !== undefined ? ipv4ToString(i) : m !== undefined ? macToString(m) : '?';
    const name = `${arpAlias(f.opcode)} ${ARP_OPCODES[f.opcode] ?? `opcode ${f.opcode}`}`;
    if (f.opcode === 1)
      return `${name}: who has ${who(undefined, f.dstProtoIpv4)}? tell ${who(undefined, f.srcProtoIpv4)}`;
    if (f.opcode === 2) return `${name}: ${who(undefined, f.srcProtoIpv4)} is at ${who(f.srcHwMac, undefined)}`;
    return `${name}: ${who(f.srcHwMac, f.srcProtoIpv4)} → ${who(f.dstHwMac, f.dstProtoIpv4)}`;
  },
});

declare module '../core/frame.js' {
  interface LayerMap {
    arp: FieldsOf<typeof arp>;
  }
}
