/**
 * Novell Internetwork Packet Exchange (IPX Router Specification, Novell 1992; RFC 1132 for IPX over
 * 802.2; RFC 1234 for IPX tunnelled in IP and UDP).
 *
 *  0               16              31
 *  +---------------+---------------+
 *  |   Checksum    |    Length     |
 *  | TC    | Type  |  Dest Network ...
 *  ... | Destination Node (48)     |
 *  | Dest Socket   |  Source Network ...
 *  ... | Source Node (48)          |
 *  | Source Socket |
 *
 * The payload goes through the 'ipx.socket' table (the lower socket first, as Wireshark tries it),
 * never through the IP protocol table: IPX sockets are their own namespace (PyPCAPKit mixed them).
 */
import { macToString } from '../core/addr.js';
import { defineProtocol, type FieldsOf, macField, u8, u16, u32 } from '../core/protocol.js';
import { lowFirst } from '../core/registry.js';

/** IPX packet types (Novell). */
export const IPX_PACKET_TYPES: Readonly<Record<number, string>> = {
  0: 'Unknown',
  1: 'RIP',
  2: 'Echo',
  3: 'Error',
  4: 'PEP',
  5: 'SPX',
  17: 'NCP',
  20: 'NetBIOS Broadcast',
};
/** Well-known IPX sockets (Novell; Wireshark's ipx_socket_vals). */
export const IPX_SOCKETS: Readonly<Record<number, string>> = {
  1105: 'NCP',
  1106: 'SAP',
  1107: 'RIP',
  1109: 'NetBIOS',
  1110: 'Diagnostic',
  1111: 'Serialization',
  1363: 'NWLink SMB Name Query',
  1364: 'NWLink SMB Redirector',
  16384: 'NWLink SMB Datagram',
  36865: 'NLSP',
  36868: 'IPX Message',
  37009: 'TCP over IPX',
  37010: 'UDP over IPX',
};

const hexNet = (n: number) => `0x${(n >>> 0).toString(16).padStart(8, '0')}`;

export const ipx = defineProtocol({
  name: 'ipx',
  abbrev: 'ipx',
  alias: 'IPX',
  title: 'Internetwork Packet eXchange',
  layer: 'internet',
  header: {
    checksum: u16(0, { base: 'hex', default: 0xffff }), // 0xFFFF: no checksum
    len: u16(2),
    hops: u8(4), // Transport Control: routers count hops in it
    packetType: u8(5, { base: 'hex', names: IPX_PACKET_TYPES }),
    dstNet: u32(6, { base: 'hex', tshark: 'ipx.dst.net' }),
    dstNode: macField(10, { tshark: 'ipx.dst.node' }),
    dstSocket: u16(16, { base: 'hex', names: IPX_SOCKETS, tshark: 'ipx.dst.socket' }),
    srcNet: u32(18, { base: 'hex', tshark: 'ipx.src.net' }),
    srcNode: macField(22, { tshark: 'ipx.src.node' }),
    srcSocket: u16(28, { base: 'hex', names: IPX_SOCKETS, tshark: 'ipx.src.socket' }),
  },
  // 802.3 raw and 802.2 SAP 0xE0 reach IPX through ethertype 0x8137 (llc.ts); RFC 1234 tunnels.
  bind: { ethertype: [0x8137], 'ip.proto': [111], 'udp.port': [213] },
  selector: { table: 'ipx.socket', field: 'dstSocket' },
  check: (f) => (f.len < 30 ? 'ipx.length_too_small' : undefined),
  // The length covers header and data; 802.3 padding after it is not IPX (it may be odd-padded).
  payloadLen: (f) => f.len - 30,
  lenSource: 'ipx.len',
  next: (f) => lowFirst('ipx.socket', f.srcSocket, f.dstSocket),
  derive: (_g, size) => ({ len: size.header + size.payload }),
  summary: (f) =>
    `${hexNet(f.srcNet)}.${macToString(f.srcNode)}:${f.srcSocket.toString(16)} → ${hexNet(f.dstNet)}.${macToString(f.dstNode)}:${f.dstSocket.toString(16)} ${IPX_PACKET_TYPES[f.packetType] ?? f.packetType}`,
});
declare module '../core/frame.js' {
  interface LayerMap {
    ipx: FieldsOf<typeof ipx>;
  }
}
