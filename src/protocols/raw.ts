/**
 * Raw IP (LINKTYPE_RAW 101, and DLT_RAW 12 as BSD systems write it in pcap files): no link header;
 * the packet is IPv4 or IPv6, told apart by the version nibble (tcpdump.org/linktypes/LINKTYPE_RAW.html).
 * A zero-length dispatcher, as tshark's "raw" layer: version 4 goes where LINKTYPE_IPV4 (228) goes,
 * 6 where LINKTYPE_IPV6 (229) goes, through the link-type table. Any other nibble ends the chain.
 */
import { defineProtocol, type FieldsOf, need, u8 } from '../core/protocol.js';

/** Version nibble → the link type that carries only that IP version (RFC 791 §3.1, RFC 8200 §3). */
const VERSION_LINKTYPE: Readonly<Record<number, number>> = { 4: 228, 6: 229 };

export const raw = defineProtocol<'raw', { readonly version: number }>({
  name: 'raw',
  abbrev: 'raw',
  alias: 'RawIP',
  title: 'Raw IP packet',
  layer: 'link',
  // Only a peek: the octet stays the IP header's (headerLen 0).
  header: { version: u8(0, { mask: 0xf0, tshark: 'raw.version' }) },
  minLen: 1,
  decode: (b, at, end) => (end > at ? { version: b.u8[at] >>> 4 } : need(1)),
  encodingLength: () => 0, // building: the inner IP header writes the octet
  headerLen: () => 0,
  bind: { linktype: [101, 12] },
  next: (f) => {
    const lt = VERSION_LINKTYPE[f.version];
    return lt === undefined ? undefined : { table: 'linktype', key: lt };
  },
  summary: (f) => `IPv${f.version}`,
});

declare module '../core/frame.js' {
  interface LayerMap {
    raw: FieldsOf<typeof raw>;
  }
}
