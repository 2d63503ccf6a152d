/**
 * VLAN tags: IEEE 802.1Q customer tag (C-tag, EtherType 0x8100), the pre-standard QinQ tag 0x9100
 * (Wireshark files it under vlan too), and the IEEE 802.1ad service tag (S-tag, 0x88a8), which tshark
 * shows as its own protocol (ieee8021ad). Any stack (QinQ, QinQinQ) falls out of the ethertype table.
 *
 *  0     3 4 5          16              32
 *  +-----+-+------------+---------------+
 *  | PCP |D|    VID     |  Length/Type  |     TCI (IEEE 802.1Q §9.6) + the encapsulated type
 */
import {
  type ComputedField,
  defineProtocol,
  type FieldsOf,
  type FieldsOfHeader,
  type Header,
  u16,
} from '../core/protocol.js';
import { ETHERTYPES } from './names/ethertypes.js';

// Unlike Ethernet's ETHERTYPE_UNK case, Wireshark's VLAN dissector takes 0 as an 802.3 length too.
const isLength = (t: number) => t <= 1500;
const hex4 = (n: number) => `0x${n.toString(16).padStart(4, '0')}`;

/** The TCI + type table, shared by the C-tag and the S-tag. */
function tagHeader() {
  return {
    priority: u16(0, { mask: 0xe000 }), // PCP, IEEE 802.1Q §6.9.3 (0 is "best effort", 1 "background")
    // DEI (ex-CFI) is its own bit (§9.6). PyPCAPKit derived it from PCP (`dei = bool(pcp)`); not here.
    dei: u16(0, { mask: 0x1000, base: 'bool' }),
    id: u16(0, { mask: 0x0fff }), // VID; 0 = priority tag only, 0xFFF reserved
    etype: u16(2, { base: 'hex', names: ETHERTYPES, tshark: '-' }), // shown as type or len (computed)
  } satisfies Header;
}

export type VlanFields = FieldsOfHeader<ReturnType<typeof tagHeader>>;

/** tshark splits the Length/Type word: an EtherType (`type`) or an 802.3 length (`len`). */
const typeOrLen = (type: string, len: string): Record<string, ComputedField> => ({
  [type]: (l) => {
    const t = (l.fields as { etype?: number }).etype;
    return t === undefined || isLength(t) ? undefined : hex4(t);
  },
  [len]: (l) => {
    const t = (l.fields as { etype?: number }).etype;
    return t !== undefined && isLength(t) ? t : undefined;
  },
});

const common = {
  layer: 'link' as const,
  selector: { table: 'ethertype', field: 'etype' },
  lenSource: 'vlan.len',
  // Building with no EtherType from the inner layer (LLC, Novell): the 802.3 length.
  derive: (given: Partial<VlanFields>, size: { payload: number }) =>
    given.etype === undefined && size.payload <= 1500 ? { etype: size.payload } : {},
  payloadLen: (f: VlanFields, avail: number) => (isLength(f.etype) ? f.etype : avail),
  next: (f: VlanFields) => (isLength(f.etype) ? { table: 'ieee802.3', key: 0 } : { table: 'ethertype', key: f.etype }),
  summary: (f: VlanFields) =>
    `vid ${f.id} pcp ${f.priority}${f.dei ? ' dei' : ''} ${isLength(f.etype) ? `len ${f.etype}` : `type ${ETHERTYPES[f.etype] ?? hex4(f.etype)}`}`,
};

export const vlan = defineProtocol<'vlan', VlanFields>({
  name: 'vlan',
  abbrev: 'vlan',
  alias: 'VLAN',
  title: '802.1Q Virtual LAN',
  header: tagHeader(),
  bind: { ethertype: [0x8100, 0x9100] },
  computed: typeOrLen('vlan.etype', 'vlan.len'),
  ...common,
});

export const ieee8021ad = defineProtocol<'ieee8021ad', VlanFields>({
  name: 'ieee8021ad',
  abbrev: 'ieee8021ad',
  alias: '802.1ad',
  title: 'IEEE 802.1ad service VLAN tag',
  header: tagHeader(),
  bind: { ethertype: [0x88a8] },
  // Wireshark's 802.1ad dissector hands its type word to the ethertype table under ieee8021ah.etype.
  computed: typeOrLen('ieee8021ah.etype', 'ieee8021ad.len'),
  ...common,
});

declare module '../core/frame.js' {
  interface LayerMap {
    vlan: FieldsOf<typeof vlan>;
    ieee8021ad: FieldsOf<typeof ieee8021ad>;
  }
}
