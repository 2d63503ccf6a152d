/**
 * Example: a new protocol hung on a UDP port. VXLAN (RFC 7348 §5) on UDP 4789 carries Ethernet
 * frames; the 8-byte header is declared once and decode, encode, labels and tshark names follow.
 *
 *  0                   1                   2                   3
 *  |R|R|R|R|I|R|R|R|            Reserved (24)                      |
 *  |        VXLAN Network Identifier (VNI)         |   Reserved    |
 *
 * As a library: `createRegistry([...builtins, vxlan])` or `defaultRegistry.with(vxlan)`.
 * As a CLI plugin: `pcapkit --plugin ./examples/vxlan.ts capture.pcap -f json`.
 */
import { defineProtocol, type Extensions, type FieldsOf, flag, u8, u16, u24 } from '../src/index.js';

export const VXLAN_PORT = 4789; // IANA, RFC 7348 §5

export const vxlan = defineProtocol({
  name: 'vxlan',
  abbrev: 'vxlan',
  alias: 'VXLAN',
  title: 'Virtual eXtensible Local Area Network',
  layer: 'link',
  header: {
    // tshark shows 16 flag bits (the Group Policy extension uses the second byte); RFC 7348 only the I bit.
    flags: u16(0, { base: 'hex', default: 0x0800 }),
    flagI: flag(0, 0x08, { default: 1, tshark: 'vxlan.flag_i' }),
    vni: u24(4),
    reserved8: u8(7),
  },
  minLen: 8,
  bind: { 'udp.port': [VXLAN_PORT] },
  // RFC 7348 §5: "The I flag MUST be set to 1 for a valid VXLAN Network ID (VNI)."
  check: (f) => (f.flagI !== 1 ? 'vxlan.no_vni' : undefined),
  // The payload is always an Ethernet frame: dispatch through the registry's EtherType table entry
  // for Transparent Ethernet Bridging (0x6558) instead of importing the Ethernet protocol.
  next: () => ({ table: 'ethertype', key: 0x6558 }),
  summary: (f) => `VNI ${f.vni}`,
});

// Typed fields for `find(frame, 'vxlan')`; from the package: `declare module 'pcapkit' { … }`.
declare module '../src/index.js' {
  interface LayerMap {
    vxlan: FieldsOf<typeof vxlan>;
  }
}

/** Issue codes this protocol emits (documented as ISSUE_CODES documents the built-in ones). */
export const VXLAN_ISSUE_CODES = { 'vxlan.no_vni': 'the I flag is 0: no valid VNI (RFC 7348 §5)' } as const;

/** Plugin entry: `--plugin ./examples/vxlan.ts`. */
export default function register(ext: Extensions): Partial<Extensions> {
  return { protocols: ext.protocols.with(vxlan) };
}
