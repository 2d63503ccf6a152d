/**
 * PPP over Ethernet (RFC 2516 §4): Discovery stage (EtherType 0x8863: PADI, PADO, PADR, PADS, PADT,
 * with TAG_TYPE/TAG_LENGTH tags) and Session stage (0x8864: a PPP frame without address/control).
 * tshark names the header fields pppoe.* under both, and the two layers pppoed / pppoes.
 *
 *  0    4    8               16                              32
 *  +----+----+---------------+-------------------------------+
 *  |VER |TYPE|     CODE      |          SESSION_ID           |
 *  |           LENGTH        |           payload …           |
 */
import { type Bytes, hex, utf8Text } from '../core/bytes.js';
import type { Layer, RawFrame } from '../core/frame.js';
import { type Codec, defineProtocol, type FieldsOf, type OptionHandler, u8, u16 } from '../core/protocol.js';
import type { Registry } from '../core/registry.js';

export const PPPOE_CODES: Readonly<Record<number, string>> = {
  0: 'Session Data',
  7: 'PADO',
  9: 'PADI',
  10: 'PADG',
  11: 'PADC',
  12: 'PADQ',
  25: 'PADR',
  101: 'PADS',
  167: 'PADT',
  211: 'PADM',
  212: 'PADN',
};

/** RFC 2516 Appendix A, RFC 4638 (PPP-Max-Payload), RFC 5578 (credits, metrics), RFC 4937, IANA. */
export const PPPOE_TAG_NAMES: Readonly<Record<number, string>> = {
  0: 'End-Of-List',
  257: 'Service-Name',
  258: 'AC-Name',
  259: 'Host-Uniq',
  260: 'AC-Cookie',
  261: 'Vendor-Specific',
  262: 'Credits',
  263: 'Metrics',
  264: 'Sequence Number',
  265: 'Credit Scale Factor',
  272: 'Relay-Session-Id',
  273: 'HURL',
  274: 'MOTM',
  288: 'PPP-Max-Payload',
  289: 'IP_Route_Add',
  513: 'Service-Name-Error',
  514: 'AC-System-Error',
  515: 'Generic-Error',
};

const text = (name: string): OptionHandler => ({ name, decode: (b, s, e) => ({ value: utf8Text(b.u8, s, e) }) });
const u16v = (name: string, key: string): OptionHandler => ({
  name,
  decode: (b, s, e) => (e - s >= 2 ? { [key]: b.dv.getUint16(s) } : { malformed: true }),
});

/** Tag handlers, keyed by TAG_TYPE (table 'pppoed.tag'). */
export const PPPOE_TAG_HANDLERS: Readonly<Record<number, OptionHandler<any>>> = {
  257: text('service_name'),
  258: text('ac_name'),
  261: {
    name: 'vendor_specific', // first four octets: 0x00 + the vendor's SMI enterprise number
    decode: (b, s, e) =>
      e - s >= 4 ? { vendorId: b.dv.getUint32(s), data: hex(b.u8, s + 4, e) } : { malformed: true },
  },
  262: {
    name: 'credits',
    decode: (b, s, e) => (e - s >= 4 ? { fcn: b.dv.getUint16(s), bcn: b.dv.getUint16(s + 2) } : { malformed: true }),
  },
  264: u16v('seq_num', 'sequence'),
  265: u16v('credit_scale', 'scale'),
  288: u16v('max_payload', 'maxPayload'),
  513: text('service_name_error'),
  514: text('ac_system_error'),
  515: text('generic_error'),
};

export interface PppoeTag {
  readonly type: number;
  readonly name: string;
  readonly length: number;
  readonly malformed?: true;
  readonly data?: string;
  readonly [field: string]: unknown;
}

/** Discovery tags: 16-bit TAG_TYPE and TAG_LENGTH (RFC 2516 Appendix A), until End-Of-List. */
function decodeTags(b: Bytes, start: number, end: number, reg: Registry): PppoeTag[] {
  const out: PppoeTag[] = [];
  let p = start;
  while (p + 4 <= end) {
    const type = b.dv.getUint16(p);
    const length = b.dv.getUint16(p + 2);
    const h = reg.handler('pppoed.tag', type);
    const name = h?.name ?? PPPOE_TAG_NAMES[type] ?? 'unknown';
    if (p + 4 + length > end) {
      out.push({ type, name, length, malformed: true, data: hex(b.u8, p + 4, end) });
      return out;
    }
    let tag: PppoeTag = { type, name, length };
    if (h) {
      try {
        tag = { ...tag, ...h.decode(b, p + 4, p + 4 + length) };
      } catch {
        tag = { ...tag, malformed: true, data: hex(b.u8, p + 4, p + 4 + length) };
      }
    } else if (length > 0) tag = { ...tag, data: hex(b.u8, p + 4, p + 4 + length) };
    out.push(tag);
    p += 4 + length;
    if (type === 0) break;
  }
  if (p < end && out.length > 0 && out[out.length - 1].type !== 0) {
    out.push({ type: -1, name: 'trailing', length: end - p, malformed: true, data: hex(b.u8, p, end) });
  }
  return out;
}

function tagValue(type: number, pick: (t: PppoeTag) => string) {
  return (l: Layer, fr: RawFrame, reg: Registry): string[] | undefined => {
    if (!l.complete) return undefined;
    const t = decodeTags(fr.bytes, l.start + 6, l.hdrEnd, reg).filter((x) => x.type === type && !x.malformed);
    return t.length ? t.map(pick) : undefined;
  };
}

export interface PppoeTagIn {
  readonly type: number;
  readonly data?: Uint8Array | string;
}
const enc = new TextEncoder();
const tagBytes = (t: PppoeTagIn) =>
  t.data === undefined ? new Uint8Array(0) : typeof t.data === 'string' ? enc.encode(t.data) : t.data;

const tags: Codec<any, readonly (PppoeTag | PppoeTagIn)[]> = {
  decode: (b, start, end, _f, reg) => decodeTags(b, start, end, reg),
  encode(b, at, v) {
    let p = at;
    for (const t of v as PppoeTagIn[]) {
      const d = tagBytes(t);
      b.dv.setUint16(p, t.type);
      b.dv.setUint16(p + 2, d.length);
      b.u8.set(d, p + 4);
      p += 4 + d.length;
    }
    return p - at;
  },
  encodingLength: (v) => (v as PppoeTagIn[]).reduce((n, t) => n + 4 + tagBytes(t).length, 0),
};

const header = {
  version: u8(0, { mask: 0xf0, default: 1 }),
  type: u8(0, { mask: 0x0f, default: 1 }),
  code: u8(1, { base: 'hex', names: PPPOE_CODES }),
  sessionId: u16(2, { base: 'hex', tshark: 'pppoe.session_id' }),
  payloadLength: u16(4, { tshark: 'pppoe.payload_length' }),
};

export const pppoed = defineProtocol({
  name: 'pppoed',
  abbrev: 'pppoe',
  alias: 'PPPoED',
  title: 'PPP-over-Ethernet Discovery',
  layer: 'link',
  header,
  bind: { ethertype: [0x8863] },
  rest: tags,
  // The tags are the discovery packet: the "header" runs to LENGTH (RFC 2516 §5); past it is padding.
  headerLen: (f) => 6 + f.payloadLength,
  payloadLen: () => 0,
  derive: (_g, size) => ({ payloadLength: size.header - 6 + size.payload }),
  handlers: { 'pppoed.tag': PPPOE_TAG_HANDLERS },
  // tshark shows known tags under their own names (its pppoed.tag is only for unknown ones).
  computed: {
    'pppoed.tags.service_name': tagValue(0x0101, (t) => t.value as string),
    'pppoed.tags.ac_name': tagValue(0x0102, (t) => t.value as string),
    'pppoed.tags.host_uniq': tagValue(0x0103, (t) => t.data ?? ''),
    'pppoed.tags.ac_cookie': tagValue(0x0104, (t) => t.data ?? ''),
  },
  summary: (f) => `${PPPOE_CODES[f.code] ?? `code 0x${f.code.toString(16)}`} session 0x${f.sessionId.toString(16)}`,
});

export const pppoes = defineProtocol({
  name: 'pppoes',
  abbrev: 'pppoe',
  alias: 'PPPoES',
  title: 'PPP-over-Ethernet Session',
  layer: 'link',
  header,
  bind: { ethertype: [0x8864] },
  payloadLen: (f) => f.payloadLength,
  lenSource: 'pppoe.payload_length',
  // RFC 2516 §6: the payload is a PPP frame with no address/control (LINKTYPE_PPP copes with both).
  next: () => ({ table: 'linktype', key: 9 }),
  derive: (_g, size) => ({ payloadLength: size.payload }),
  summary: (f) => `session 0x${f.sessionId.toString(16)} len ${f.payloadLength}`,
});

declare module '../core/frame.js' {
  interface LayerMap {
    pppoed: FieldsOf<typeof pppoed>;
    pppoes: FieldsOf<typeof pppoes>;
  }
}
