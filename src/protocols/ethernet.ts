/**
 * Ethernet II and IEEE 802.3 MAC header (IEEE 802.3 §3.2.6): a type/length field ≥ 0x0600 is an
 * EtherType (Ethernet II); ≤ 1500 is an 802.3 length, and the payload is LLC (llc.ts).
 *
 *  0                   6                  12      14
 *  +-------------------+-------------------+-------+
 *  |  destination MAC  |    source MAC     | type  |
 */
import { defineProtocol, type FieldsOf, macField, u16 } from '../core/protocol.js';
import { ETHERTYPES } from './names/ethertypes.js';

export const ethernet = defineProtocol({
  name: 'ethernet',
  abbrev: 'eth',
  alias: 'Ethernet',
  title: 'Ethernet II',
  layer: 'link',
  header: {
    dst: macField(0),
    src: macField(6),
    // eth.type for Ethernet II, eth.len for 802.3: one field on the wire, two names in tshark (computed below).
    type: u16(12, { base: 'hex', names: ETHERTYPES, tshark: '-' }),
  },
  // 0x6558 Transparent Ethernet Bridging (RFC 1701): Ethernet inside GRE, GENEVE and the like.
  bind: { linktype: [1], ethertype: [0x6558] },
  selector: { table: 'ethertype', field: 'type' },
  // 802.3: the length field bounds the payload; the rest is padding or trailer (not an issue).
  payloadLen: (f, avail) => (f.type <= 1500 ? f.type : avail),
  lenSource: 'eth.len',
  next: (f) => (f.type >= 0x0600 ? { table: 'ethertype', key: f.type } : { table: 'ieee802.3', key: 0 }),
  computed: {
    'eth.type': (l) => {
      const t = (l.fields as { type?: number }).type;
      return t !== undefined && t >= 0x0600 ? `0x${t.toString(16).padStart(4, '0')}` : undefined;
    },
    'eth.len': (l) => {
      const t = (l.fields as { type?: number }).type;
      return t !== undefined && t <= 1500 ? t : undefined;
    },
  },
  summary: (f) =>
    f.type >= 0x0600
      ? `type ${ETHERTYPES[f.type] ?? `0x${f.type.toString(16).padStart(4, '0')}`}`
      : `802.3 length ${f.type}`,
});
declare module '../core/frame.js' {
  interface LayerMap {
    ethernet: FieldsOf<typeof ethernet>;
  }
}
