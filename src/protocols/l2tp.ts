/**
 * Layer Two Tunneling Protocol: version 2 over UDP 1701 (RFC 2661 §3.1) and version 3 over UDP
 * (RFC 3931 §4.1.2) or directly over IP protocol 115 (§4.1.1). The header's optional fields depend
 * on its flags, so the decoder is written by hand; AVPs (§4.1 / RFC 3931 §5.1) are a `rest` decoded
 * on request through the 'l2tp.avp' handler table, keyed `vendorId * 65536 + attributeType`.
 *
 *  v2:  |T|L|x|x|S|x|O|P|x|x|x|x|  Ver  | Length (L) | Tunnel ID | Session ID | Ns, Nr (S) | Offset Size, pad (O)
 *  v3 control (UDP; over IP after a zero Session ID):
 *       |T|L|x|x|S|x|x|x|x|x|x|x|  Ver  | Length | Control Connection ID (32) | Ns | Nr
 *  v3 data: UDP: flags/ver + reserved, Session ID (32); IP: Session ID (32) ≠ 0; then a cookie of
 *       0, 4 or 8 octets and the L2-Specific Sublayer, both configured per session out of band.
 *
 * A v2 data message carries PPP (→ LINKTYPE_PPP). A v3 data message's cookie length and pseudowire
 * type are known only from the control connection that set the session up, so its payload is left
 * raw (register a decoder in the 'l2tp.pw_type' table and decode-as to go further).
 */
import { ipv4ToString } from '../core/addr.js';
import { type Bytes, hex, latin1Text } from '../core/bytes.js';
import {
  type Codec,
  type ComputedField,
  defineProtocol,
  type FieldsOf,
  flag,
  type Need,
  need,
  type OptionHandler,
  u16,
  u32,
} from '../core/protocol.js';
import type { Registry } from '../core/registry.js';

/** Message Type AVP values (RFC 2661 §3.2, RFC 3931 §6, RFC 5515, IANA l2tp-parameters). */
export const L2TP_MESSAGE_TYPES: Readonly<Record<number, string>> = {
  1: 'SCCRQ',
  2: 'SCCRP',
  3: 'SCCCN',
  4: 'StopCCN',
  6: 'HELLO',
  7: 'OCRQ',
  8: 'OCRP',
  9: 'OCCN',
  10: 'ICRQ',
  11: 'ICRP',
  12: 'ICCN',
  14: 'CDN',
  15: 'WEN',
  16: 'SLI',
  17: 'MDMST',
  18: 'SRRQ',
  19: 'SRRP',
  20: 'ACK',
  21: 'FSQ',
  22: 'FSR',
  23: 'MSRQ',
  24: 'MSRP',
  25: 'MSE',
  26: 'MSI',
  27: 'MSEN',
  28: 'CSUN',
  29: 'CSURQ',
};

/** IETF AVP attribute types (vendor 0): RFC 2661 §4.4, RFC 3931 §5.4, IANA l2tp-parameters. */
export const L2TP_AVP_NAMES: Readonly<Record<number, string>> = {
  0: 'Message Type',
  1: 'Result Code',
  2: 'Protocol Version',
  3: 'Framing Capabilities',
  4: 'Bearer Capabilities',
  5: 'Tie Breaker',
  6: 'Firmware Revision',
  7: 'Host Name',
  8: 'Vendor Name',
  9: 'Assigned Tunnel ID',
  10: 'Receive Window Size',
  11: 'Challenge',
  12: 'Q.931 Cause Code',
  13: 'Challenge Response',
  14: 'Assigned Session ID',
  15: 'Call Serial Number',
  16: 'Minimum BPS',
  17: 'Maximum BPS',
  18: 'Bearer Type',
  19: 'Framing Type',
  21: 'Called Number',
  22: 'Calling Number',
  23: 'Sub-Address',
  24: 'Tx Connect Speed',
  25: 'Physical Channel ID',
  26: 'Initial Received LCP CONFREQ',
  27: 'Last Sent LCP CONFREQ',
  28: 'Last Received LCP CONFREQ',
  29: 'Proxy Authen Type',
  30: 'Proxy Authen Name',
  31: 'Proxy Authen Challenge',
  32: 'Proxy Authen ID',
  33: 'Proxy Authen Response',
  34: 'Call Errors',
  35: 'ACCM',
  36: 'Random Vector',
  37: 'Private Group ID',
  38: 'Rx Connect Speed',
  39: 'Sequencing Required',
  46: 'PPP Disconnect Cause Code',
  58: 'Extended Vendor ID',
  59: 'Message Digest',
  60: 'Router ID',
  61: 'Assigned Control Connection ID',
  62: 'Pseudowire Capabilities List',
  63: 'Local Session ID',
  64: 'Remote Session ID',
  65: 'Assigned Cookie',
  66: 'Remote End ID',
  68: 'Pseudowire Type',
  69: 'Layer 2-Specific Sublayer',
  70: 'Data Sequencing',
  71: 'Circuit Status',
  72: 'Preferred Language',
  73: 'Control Message Authentication Nonce',
  74: 'Tx Connect Speed',
  75: 'Rx Connect Speed',
};

export interface L2tpFields {
  /** The flags-and-version word (l2tp.flags); undefined for a v3 data message over IP, which has none. */
  readonly flags: number | undefined;
  /** T (1 control, 0 data), L, S; O and P exist in v2 only. None of them in a v3 data message over IP,
   *  which has no flags word (its version, 3, is implied by the encapsulation). */
  readonly type: number | undefined;
  readonly lengthBit: number | undefined;
  readonly seqBit: number | undefined;
  readonly offsetBit: number | undefined;
  readonly priority: number | undefined;
  readonly version: number | undefined;
  readonly length: number | undefined;
  /** v2 */
  readonly tunnel: number | undefined;
  readonly session: number | undefined;
  /** v3: control connection ID (control) / session ID (data; 0 in front of control over IP). */
  readonly ccid: number | undefined;
  readonly sid: number | undefined;
  readonly ns: number | undefined;
  readonly nr: number | undefined;
  /** v2 Offset Size: octets of padding before the payload. */
  readonly offset: number | undefined;
  /** Fixed header octets (all optional fields and offset padding included). */
  readonly hdrLen: number;
  /** Header plus the AVPs of a control message that are present (the layer's header). */
  readonly msgLen: number;
}

const bit = (w: number, m: number) => (w & m ? 1 : 0);

/** RFC 3931 §3.2.1: control header after `at` (flags word first), 12 octets. */
function v3Control(
  b: Bytes,
  at: number,
  end: number,
  base: number,
  sid: number | undefined,
): L2tpFields | Need<L2tpFields> {
  const dv = b.dv;
  const w = dv.getUint16(at);
  const head = {
    flags: w,
    type: bit(w, 0x8000),
    lengthBit: bit(w, 0x4000),
    seqBit: bit(w, 0x0800),
    offsetBit: undefined,
    priority: undefined,
    version: w & 0x0f,
  };
  if (end - at < 12) return need(base + 12, head as Partial<L2tpFields>);
  const length = dv.getUint16(at + 2);
  const hdrLen = base + 12;
  return {
    ...head,
    length,
    tunnel: undefined,
    session: undefined,
    ccid: dv.getUint32(at + 4),
    sid,
    ns: dv.getUint16(at + 8),
    nr: dv.getUint16(at + 10),
    offset: undefined,
    hdrLen,
    msgLen: Math.max(hdrLen, Math.min(base + length, end - at + base)),
  };
}

/** L2TP over UDP: v2, or v3 told by the version nibble. */
function decodeUdp(b: Bytes, at: number, end: number): L2tpFields | Need<L2tpFields> {
  if (end - at < 2) return need(2);
  const dv = b.dv;
  const w = dv.getUint16(at);
  const version = w & 0x0f;
  const T = bit(w, 0x8000);
  if (version === 3) {
    if (T) return v3Control(b, at, end, 0, undefined);
    // RFC 3931 §4.1.2.1: T x x … Ver(3) | Reserved | Session ID
    const head = {
      flags: w,
      type: 0,
      lengthBit: bit(w, 0x4000),
      seqBit: bit(w, 0x0800),
      offsetBit: undefined,
      priority: undefined,
      version,
    };
    if (end - at < 8) return need(8, head as Partial<L2tpFields>);
    return {
      ...head,
      length: undefined,
      tunnel: undefined,
      session: undefined,
      ccid: undefined,
      sid: dv.getUint32(at + 4),
      ns: undefined,
      nr: undefined,
      offset: undefined,
      hdrLen: 8,
      msgLen: 8,
    };
  }
  // RFC 2661 §3.1 (also read for other versions: the check reports them).
  const L = bit(w, 0x4000);
  const S = bit(w, 0x0800);
  const O = bit(w, 0x0200);
  const partial: Record<string, unknown> = {
    flags: w,
    type: T,
    lengthBit: L,
    seqBit: S,
    offsetBit: O,
    priority: bit(w, 0x0100),
    version,
  };
  let p = at + 2;
  let length: number | undefined;
  if (L) {
    if (p + 2 > end) return need(p + 2 - at, partial as Partial<L2tpFields>);
    partial.length = length = dv.getUint16(p);
    p += 2;
  }
  if (p + 4 > end) return need(p + 4 - at, partial as Partial<L2tpFields>);
  const tunnel = dv.getUint16(p);
  const session = dv.getUint16(p + 2);
  partial.tunnel = tunnel;
  partial.session = session;
  p += 4;
  let ns: number | undefined;
  let nr: number | undefined;
  if (S) {
    if (p + 4 > end) return need(p + 4 - at, partial as Partial<L2tpFields>);
    partial.ns = ns = dv.getUint16(p);
    partial.nr = nr = dv.getUint16(p + 2);
    p += 4;
  }
  let offset: number | undefined;
  if (O) {
    if (p + 2 > end) return need(p + 2 - at, partial as Partial<L2tpFields>);
    partial.offset = offset = dv.getUint16(p);
    p += 2 + offset; // Offset Size counts the padding octets that follow it (§3.1)
  }
  const hdrLen = p - at;
  // A control message's AVPs belong to its header (they are what it says); bounded by Length and by
  // what was captured, so a cut message keeps the AVPs it has.
  const msgLen = T ? Math.max(hdrLen, Math.min(length ?? end - at, end - at)) : hdrLen;
  return {
    flags: w,
    type: T,
    lengthBit: L,
    seqBit: S,
    offsetBit: O,
    priority: bit(w, 0x0100),
    version,
    length,
    tunnel,
    session,
    ccid: undefined,
    sid: undefined,
    ns,
    nr,
    offset,
    hdrLen,
    msgLen,
  };
}

/** L2TPv3 over IP (RFC 3931 §4.1.1): a Session ID; zero means a control message follows. */
function decodeIp(b: Bytes, at: number, end: number): L2tpFields | Need<L2tpFields> {
  if (end - at < 4) return need(4);
  const sid = b.dv.getUint32(at);
  if (sid === 0) {
    if (end - at < 6) return need(6, { sid } as Partial<L2tpFields>);
    return v3Control(b, at + 4, end, 4, 0);
  }
  return {
    flags: undefined,
    type: undefined,
    lengthBit: undefined,
    seqBit: undefined,
    offsetBit: undefined,
    priority: undefined,
    version: undefined,
    length: undefined,
    tunnel: undefined,
    session: undefined,
    ccid: undefined,
    sid,
    ns: undefined,
    nr: undefined,
    offset: undefined,
    hdrLen: 4,
    msgLen: 4,
  };
}

// ---------------------------------------------------------------- AVPs

export interface L2tpAvp {
  readonly mandatory: boolean;
  readonly hidden: boolean;
  readonly length: number;
  readonly vendorId: number;
  readonly type: number;
  readonly name: string;
  readonly malformed?: true;
  /** Value octets, hex, when no handler decoded them (and always for hidden AVPs: RFC 2661 §4.3). */
  readonly data?: string;
  readonly [field: string]: unknown;
}

const u16v = (name: string, key: string): OptionHandler => ({
  name,
  decode: (b, s, e) => (e - s >= 2 ? { [key]: b.dv.getUint16(s) } : { malformed: true }),
  encode: (b, at, v) => {
    b.dv.setUint16(at, Number(v[key] ?? 0));
    return 2;
  },
  encodingLength: () => 2,
});
const u32v = (name: string, key: string): OptionHandler => ({
  name,
  decode: (b, s, e) => (e - s >= 4 ? { [key]: b.dv.getUint32(s) } : { malformed: true }),
  encode: (b, at, v) => {
    b.dv.setUint32(at, Number(v[key] ?? 0) >>> 0);
    return 4;
  },
  encodingLength: () => 4,
});
const enc = new TextEncoder();
const str = (name: string): OptionHandler => ({
  name,
  decode: (b, s, e) => ({ value: latin1Text(b.u8, s, e) }),
  encode: (b, at, v) => {
    const t = enc.encode(String(v.value ?? ''));
    b.u8.set(t, at);
    return t.length;
  },
  encodingLength: (v) => enc.encode(String(v.value ?? '')).length,
});
const octets = (name: string): OptionHandler => ({ name, decode: (b, s, e) => ({ value: hex(b.u8, s, e) }) });
const empty = (name: string): OptionHandler => ({ name, decode: () => ({}), encode: () => 0, encodingLength: () => 0 });

/** IETF AVP handlers (vendor 0), keyed by attribute type. */
export const L2TP_AVP_HANDLERS: Readonly<Record<number, OptionHandler<any>>> = {
  0: {
    name: 'message_type',
    decode: (b, s, e) => {
      if (e - s < 2) return { malformed: true };
      const t = b.dv.getUint16(s);
      return { messageType: t, messageName: L2TP_MESSAGE_TYPES[t] ?? `unknown (${t})` };
    },
    encode: (b, at, v) => {
      b.dv.setUint16(at, Number(v.messageType ?? 0));
      return 2;
    },
    encodingLength: () => 2,
  },
  1: {
    name: 'result_code', // §4.4.2: result, optional error code and message
    decode: (b, s, e) => {
      if (e - s < 2) return { malformed: true };
      const o: Record<string, unknown> = { resultCode: b.dv.getUint16(s) };
      if (e - s >= 4) o.errorCode = b.dv.getUint16(s + 2);
      if (e - s > 4) o.message = latin1Text(b.u8, s + 4, e);
      return o;
    },
  },
  2: {
    name: 'protocol_version',
    decode: (b, s, e) => (e - s >= 2 ? { version: b.u8[s], revision: b.u8[s + 1] } : { malformed: true }),
  },
  3: u32v('framing_capabilities', 'framing'), // bit 0 sync, bit 1 async (§4.4.3)
  4: u32v('bearer_capabilities', 'bearer'),
  5: octets('tie_breaker'),
  6: u16v('firmware_revision', 'revision'),
  7: str('host_name'),
  8: str('vendor_name'),
  9: u16v('assigned_tunnel_id', 'tunnelId'),
  10: u16v('receive_window_size', 'windowSize'),
  11: octets('challenge'),
  12: {
    name: 'q931_cause_code', // §4.4.5: cause code, cause msg, advisory message
    decode: (b, s, e) =>
      e - s >= 3
        ? { causeCode: b.dv.getUint16(s), causeMsg: b.u8[s + 2], advisory: latin1Text(b.u8, s + 3, e) }
        : { malformed: true },
  },
  13: octets('challenge_response'),
  14: u16v('assigned_session_id', 'sessionId'),
  15: u32v('call_serial_number', 'serial'),
  16: u32v('minimum_bps', 'bps'),
  17: u32v('maximum_bps', 'bps'),
  18: u32v('bearer_type', 'bearer'),
  19: u32v('framing_type', 'framing'),
  21: str('called_number'),
  22: str('calling_number'),
  23: str('sub_address'),
  24: u32v('tx_connect_speed', 'bps'),
  25: u32v('physical_channel_id', 'channel'),
  26: octets('initial_received_lcp_confreq'),
  27: octets('last_sent_lcp_confreq'),
  28: octets('last_received_lcp_confreq'),
  29: u16v('proxy_authen_type', 'authenType'),
  30: str('proxy_authen_name'),
  31: octets('proxy_authen_challenge'),
  32: {
    name: 'proxy_authen_id',
    decode: (b, s, e) => (e - s >= 2 ? { id: b.u8[s + 1] } : { malformed: true }),
  },
  33: octets('proxy_authen_response'),
  34: {
    name: 'call_errors', // §4.4.9: reserved, then six 32-bit counters
    decode: (b, s, e) =>
      e - s >= 26
        ? {
            crcErrors: b.dv.getUint32(s + 2),
            framingErrors: b.dv.getUint32(s + 6),
            hardwareOverruns: b.dv.getUint32(s + 10),
            bufferOverruns: b.dv.getUint32(s + 14),
            timeoutErrors: b.dv.getUint32(s + 18),
            alignmentErrors: b.dv.getUint32(s + 22),
          }
        : { malformed: true },
  },
  35: {
    name: 'accm', // §4.4.6: reserved, send ACCM, receive ACCM
    decode: (b, s, e) =>
      e - s >= 10 ? { sendAccm: b.dv.getUint32(s + 2), receiveAccm: b.dv.getUint32(s + 6) } : { malformed: true },
  },
  36: octets('random_vector'),
  37: octets('private_group_id'),
  38: u32v('rx_connect_speed', 'bps'),
  39: empty('sequencing_required'),
  58: u32v('extended_vendor_id', 'vendorId'),
  59: {
    name: 'message_digest', // RFC 3931 §5.4.1: digest type, then the digest
    decode: (b, s, e) => (e - s >= 1 ? { digestType: b.u8[s], digest: hex(b.u8, s + 1, e) } : { malformed: true }),
  },
  60: {
    name: 'router_id',
    decode: (b, s, e) => (e - s >= 4 ? { routerId: ipv4ToString(b.dv.getUint32(s)) } : { malformed: true }),
  },
  61: u32v('assigned_control_connection_id', 'ccid'),
  62: {
    name: 'pseudowire_capabilities_list',
    decode: (b, s, e) => {
      const types: number[] = [];
      for (let p = s; p + 2 <= e; p += 2) types.push(b.dv.getUint16(p));
      return { pwTypes: types };
    },
  },
  63: u32v('local_session_id', 'sessionId'),
  64: u32v('remote_session_id', 'sessionId'),
  65: octets('assigned_cookie'),
  66: octets('remote_end_id'),
  68: u16v('pseudowire_type', 'pwType'),
  69: u16v('l2_specific_sublayer', 'sublayer'),
  70: u16v('data_sequencing', 'sequencing'),
  71: {
    name: 'circuit_status', // RFC 3931 §5.4.5: N (new) and A (active) bits
    decode: (b, s, e) => {
      if (e - s < 2) return { malformed: true };
      const w = b.dv.getUint16(s);
      return { active: w & 1, new: (w >>> 1) & 1 };
    },
  },
  72: str('preferred_language'),
  73: octets('control_message_authentication_nonce'),
  74: octets('tx_connect_speed_v3'),
  75: octets('rx_connect_speed_v3'),
};

/** `vendorId * 65536 + type`: the 'l2tp.avp' handler table's key. */
export const avpKey = (vendorId: number, type: number): number => vendorId * 65536 + type;

export function decodeAvps(b: Bytes, start: number, end: number, reg: Registry): L2tpAvp[] {
  const out: L2tpAvp[] = [];
  let p = start;
  while (p < end) {
    if (p + 6 > end) {
      out.push({
        mandatory: false,
        hidden: false,
        length: end - p,
        vendorId: 0,
        type: -1,
        name: 'truncated',
        malformed: true,
        data: hex(b.u8, p, end),
      });
      break;
    }
    const w = b.dv.getUint16(p);
    const length = w & 0x03ff; // 10 bits: the AVP's octets including this 6-octet header (§4.1)
    const vendorId = b.dv.getUint16(p + 2);
    const type = b.dv.getUint16(p + 4);
    const mandatory = (w & 0x8000) !== 0;
    const hidden = (w & 0x4000) !== 0;
    const h = reg.handler('l2tp.avp', avpKey(vendorId, type));
    const name = h?.name ?? (vendorId === 0 ? (L2TP_AVP_NAMES[type] ?? 'unknown') : 'vendor');
    if (length < 6 || p + length > end) {
      out.push({
        mandatory,
        hidden,
        length,
        vendorId,
        type,
        name,
        malformed: true,
        data: hex(b.u8, p + 6, Math.min(end, Math.max(p + 6, p + length))),
      });
      break;
    }
    const vs = p + 6;
    const ve = p + length;
    if (h && !hidden) {
      const o: Record<string, unknown> = { mandatory, hidden, length, vendorId, type, name };
      try {
        const v = h.decode(b, vs, ve);
        for (const k in v) o[k] = v[k];
      } catch {
        o.malformed = true;
        o.data = hex(b.u8, vs, ve);
      }
      out.push(o as L2tpAvp);
    } else out.push({ mandatory, hidden, length, vendorId, type, name, data: hex(b.u8, vs, ve) });
    p = ve;
  }
  return out;
}

/** What a caller gives to build an AVP: the handler's fields, or `data` (hex or bytes). */
export interface L2tpAvpIn {
  readonly type: number;
  readonly vendorId?: number;
  readonly mandatory?: boolean;
  readonly hidden?: boolean;
  readonly data?: string | Uint8Array;
  readonly [field: string]: unknown;
}

function avpValue(a: L2tpAvpIn, reg: Registry): Uint8Array {
  if (a.data !== undefined) {
    if (a.data instanceof Uint8Array) return a.data;
    const t = a.data.replace(/[^0-9a-fA-F]/g, '');
    return Uint8Array.from({ length: t.length >> 1 }, (_, i) => Number.parseInt(t.slice(2 * i, 2 * i + 2), 16));
  }
  const h = reg.handler('l2tp.avp', avpKey(a.vendorId ?? 0, a.type));
  if (h?.encode && h.encodingLength) {
    const out = new Uint8Array(h.encodingLength(a));
    h.encode({ u8: out, dv: new DataView(out.buffer) } as Bytes, 0, a);
    return out;
  }
  return new Uint8Array(0);
}

/**
 * The AVPs of a control message. The codec is handed (start of layer + minLen, end of header); the
 * AVPs start after the fixed header, whose length the fields give.
 */
const avps = (minLen: number): Codec<L2tpFields, readonly (L2tpAvp | L2tpAvpIn)[]> => ({
  decode: (b, start, end, f, reg) => (f.type === 1 ? decodeAvps(b, start - minLen + f.hdrLen, end, reg) : []),
  encode(b, at, v, _f, reg) {
    let p = at;
    for (const a of v as L2tpAvpIn[]) {
      const d = avpValue(a, reg);
      const len = 6 + d.length;
      b.dv.setUint16(p, (a.mandatory ? 0x8000 : 0) | (a.hidden ? 0x4000 : 0) | (len & 0x03ff));
      b.dv.setUint16(p + 2, a.vendorId ?? 0);
      b.dv.setUint16(p + 4, a.type);
      b.u8.set(d, p + 6);
      p += len;
    }
    return p - at;
  },
  encodingLength: (v, _f, reg) => (v as L2tpAvpIn[]).reduce((n, a) => n + 6 + avpValue(a, reg).length, 0),
});

// ---------------------------------------------------------------- building

/** Header octets for the given fields (optional fields present as the flags say). */
function headerSize(f: Partial<L2tpFields>, overIp: boolean): number {
  const version = f.version ?? (overIp ? 3 : 2);
  if (version === 3) {
    if (overIp) return (f.type ?? 0) === 1 ? 16 : 4;
    return (f.type ?? 0) === 1 ? 12 : 8;
  }
  const w = flagsWord(f, version);
  return 6 + (w & 0x4000 ? 2 : 0) + (w & 0x0800 ? 4 : 0) + (w & 0x0200 ? 2 + (f.offset ?? 0) : 0);
}
function flagsWord(f: Partial<L2tpFields>, version: number): number {
  if (f.flags !== undefined) return f.flags;
  const T = f.type ?? 0;
  // RFC 2661 §3.1: control messages MUST set L and S.
  const L = f.lengthBit ?? (T || (version === 2 && f.length !== undefined) ? 1 : 0);
  const S = f.seqBit ?? (T || f.ns !== undefined ? 1 : 0);
  const O = f.offsetBit ?? (f.offset !== undefined ? 1 : 0);
  return (T << 15) | (L << 14) | (S << 11) | (O << 9) | ((f.priority ?? 0) << 8) | (version & 0x0f);
}
function encodeHeader(b: Bytes, at: number, f: Partial<L2tpFields>, overIp: boolean): void {
  const dv = b.dv;
  const version = f.version ?? (overIp ? 3 : 2);
  const T = f.type ?? 0;
  let p = at;
  if (overIp) {
    if (T === 0) {
      dv.setUint32(p, (f.sid ?? 0) >>> 0);
      return;
    }
    dv.setUint32(p, 0);
    p += 4;
  }
  const w = flagsWord({ ...f, type: T }, version);
  dv.setUint16(p, w);
  if (version === 3) {
    if (T === 0) {
      dv.setUint16(p + 2, 0);
      dv.setUint32(p + 4, (f.sid ?? 0) >>> 0);
    } else {
      dv.setUint16(p + 2, f.length ?? 0);
      dv.setUint32(p + 4, (f.ccid ?? 0) >>> 0);
      dv.setUint16(p + 8, f.ns ?? 0);
      dv.setUint16(p + 10, f.nr ?? 0);
    }
    return;
  }
  p += 2;
  if (w & 0x4000) {
    dv.setUint16(p, f.length ?? 0);
    p += 2;
  }
  dv.setUint16(p, f.tunnel ?? 0);
  dv.setUint16(p + 2, f.session ?? 0);
  p += 4;
  if (w & 0x0800) {
    dv.setUint16(p, f.ns ?? 0);
    dv.setUint16(p + 2, f.nr ?? 0);
    p += 4;
  }
  if (w & 0x0200) {
    const off = f.offset ?? 0;
    dv.setUint16(p, off);
    b.u8.fill(0, p + 2, p + 2 + off);
  }
}

const header = {
  flags: u16(0, { base: 'hex' }),
  type: flag(0, 0x80),
  lengthBit: flag(0, 0x40, { tshark: 'l2tp.length_bit' }),
  seqBit: flag(0, 0x08, { tshark: 'l2tp.seq_bit' }),
  offsetBit: flag(0, 0x02, { tshark: 'l2tp.offset_bit' }),
  priority: flag(0, 0x01),
  version: u16(0, { mask: 0x000f }),
  length: u16(2),
  tunnel: u16(4),
  session: u16(6),
  ccid: u32(4, { base: 'hex' }),
  sid: u32(4, { base: 'hex' }),
  ns: u16(8, { tshark: 'l2tp.Ns' }),
  nr: u16(10, { tshark: 'l2tp.Nr' }),
  offset: u16(12),
};

/** RFC 2661 §3.1 / RFC 3931 §3.2: versions 2 and 3 only (1 is Cisco's L2F, RFC 2341). */
const check = (f: L2tpFields) =>
  f.version !== undefined && f.version !== 2 && f.version !== 3 ? 'l2tp.unknown_version' : undefined;

const summary = (f: L2tpFields) =>
  `L2TPv${f.version ?? 3} ${f.type ? 'control' : 'data'}${
    f.tunnel !== undefined ? ` tunnel ${f.tunnel} session ${f.session}` : ''
  }${f.ccid !== undefined ? ` ccid 0x${f.ccid.toString(16)}` : ''}${f.sid !== undefined && f.sid !== 0 ? ` session 0x${f.sid.toString(16)}` : ''}${
    f.ns !== undefined ? ` Ns ${f.ns} Nr ${f.nr}` : ''
  }`;

/** Vendors whose AVP types tshark files under their own field (l2tp.avp.ciscotype …). */
const VENDOR_TYPE_FIELDS: ReadonlySet<number> = new Set([9, 193, 3561, 4491]);

/** AVP values tshark shows per AVP (one value per AVP, in order), decoded on request. */
function avpField(pick: (a: L2tpAvp) => string | number | undefined): ComputedField {
  return (l, fr, reg) => {
    const f = l.fields as Partial<L2tpFields>;
    if (f.type !== 1 || f.hdrLen === undefined) return undefined;
    const out: (string | number)[] = [];
    for (const a of decodeAvps(fr.bytes, l.start + f.hdrLen, l.hdrEnd, reg)) {
      if (a.type < 0) continue;
      const v = pick(a);
      if (v !== undefined) out.push(v);
    }
    return out.length ? out : undefined;
  };
}

const common = {
  layer: 'link' as const, // PyPCAPKit and issue 5 file L2TP with the link protocols it tunnels
  header,
  check,
  // A control message's AVPs are its header (bounded by Length and the capture); data messages carry PPP.
  headerLen: (f: L2tpFields) => f.msgLen,
  lenSource: 'l2tp.length',
  next: (f: L2tpFields) => (f.type === 1 ? undefined : f.version === 2 ? { table: 'linktype', key: 9 } : undefined),
  handlers: {
    'l2tp.avp': Object.fromEntries(Object.entries(L2TP_AVP_HANDLERS).map(([k, h]) => [Number(k), h])),
  },
  computed: {
    // tshark shows only M, H and the length of a hidden AVP.
    'l2tp.avp.type': avpField((a) => (a.hidden || VENDOR_TYPE_FIELDS.has(a.vendorId) ? undefined : a.type)),
    // Vendor AVPs' types are per-vendor fields in tshark (Cisco 9, Ericsson 193, Broadband Forum 3561, CableLabs 4491).
    'l2tp.avp.ciscotype': avpField((a) => (!a.hidden && a.vendorId === 9 ? a.type : undefined)),
    'l2tp.avp.ericssontype': avpField((a) => (!a.hidden && a.vendorId === 193 ? a.type : undefined)),
    'l2tp.avp.broadbandtype': avpField((a) => (!a.hidden && a.vendorId === 3561 ? a.type : undefined)),
    'l2tp.avp.cablelabstype': avpField((a) => (!a.hidden && a.vendorId === 4491 ? a.type : undefined)),
    'l2tp.avp.vendor_id': avpField((a) => (a.hidden ? undefined : a.vendorId)),
    'l2tp.avp.length': avpField((a) => a.length),
    'l2tp.avp.mandatory': avpField((a) => (a.mandatory ? 1 : 0)),
    'l2tp.avp.hidden': avpField((a) => (a.hidden ? 1 : 0)),
    'l2tp.avp.message_type': avpField((a) =>
      a.vendorId === 0 && a.type === 0 && !a.hidden ? (a.messageType as number | undefined) : undefined,
    ),
  },
  summary,
};

export const l2tp = defineProtocol<'l2tp', L2tpFields, readonly (L2tpAvp | L2tpAvpIn)[]>({
  name: 'l2tp',
  abbrev: 'l2tp',
  alias: 'L2TP',
  title: 'Layer 2 Tunneling Protocol',
  minLen: 2,
  decode: decodeUdp,
  encode: (b, at, f) => encodeHeader(b, at, f, false),
  encodingLength: (f) => headerSize(f, false),
  rest: avps(2),
  bind: { 'udp.port': [1701] },
  // Length counts the whole message from the flags word (RFC 2661 §3.1, RFC 3931 §3.2.1).
  payloadLen: (f, avail) => (f.length === undefined ? (f.type === 1 ? 0 : avail) : f.length - f.msgLen),
  // Length is filled when it is there: control messages (RFC 2661 §3.1 and RFC 3931 §3.2.1 require it)
  // and v2 data messages built with the L bit. v3 data messages over UDP have none (§4.1.2.1).
  derive: (g, size) =>
    (g.type ?? 0) === 1 || ((g.version ?? 2) === 2 && (g.lengthBit === 1 || (g.flags ?? 0) & 0x4000))
      ? { length: size.header + size.payload }
      : {},
  ...common,
});

export const l2tpip = defineProtocol<'l2tpip', L2tpFields, readonly (L2tpAvp | L2tpAvpIn)[]>({
  name: 'l2tpip',
  abbrev: 'l2tp',
  alias: 'L2TPv3',
  title: 'Layer 2 Tunneling Protocol version 3 over IP',
  minLen: 4,
  decode: decodeIp,
  encode: (b, at, f) => encodeHeader(b, at, f, true),
  encodingLength: (f) => headerSize(f, true),
  rest: avps(4),
  bind: { 'ip.proto': [115] },
  payloadLen: (f, avail) => (f.length === undefined ? (f.type === 1 ? 0 : avail) : 4 + f.length - f.msgLen),
  // RFC 3931 §3.2.1: Length counts from the flags word, i.e. without the 4-octet zero Session ID.
  derive: (g, size) => ((g.type ?? 0) === 1 ? { length: size.header - 4 + size.payload } : {}),
  ...common,
});

declare module '../core/frame.js' {
  interface LayerMap {
    l2tp: FieldsOf<typeof l2tp>;
    l2tpip: FieldsOf<typeof l2tpip>;
  }
}
