/**
 * Type-length-value option lists (IPv4 and TCP options, IPv6 Hop-by-Hop/Destination options, and
 * alike), decoded through a handler table in the registry so a user can add a kind without touching
 * the protocol (`registry.withHandler('tcp.option', 253, exp)`). Unknown kinds keep their bytes.
 */
import { type Bytes, fromHex, hex } from './bytes.js';
import type { OptionHandler } from './protocol.js';
import type { Registry } from './registry.js';

export interface DecodedOption {
  readonly kind: number;
  readonly name: string;
  /** The option's length byte as on the wire (absent for one-byte kinds). */
  readonly length?: number;
  /** Set when the option runs past the header or has an impossible length; decoding stops there. */
  readonly malformed?: true;
  /** Value bytes, hex, when no handler decoded them. */
  readonly data?: string;
  readonly [field: string]: unknown;
}

export interface TlvSpec {
  /** Handler table in the registry: 'tcp.option', 'ipv4.option', 'ipv6.option'. */
  readonly table: string;
  /** Kinds that are a single byte with no length (EOL/NOP, Pad1). */
  readonly single: ReadonlySet<number>;
  /** Kind that ends the list (EOL), if any. */
  readonly end?: number;
  /** True when the length byte counts the type and length bytes (IPv4, TCP); false for IPv6. */
  readonly lenIncludesHeader: boolean;
  /**
   * The length byte counts units of this many bytes (default 1): 8 for IPv6 Neighbor Discovery
   * options (RFC 4861 §4.6). When encoding, each option is zero-padded to a whole unit.
   */
  readonly unit?: number;
  /** Names for kinds without a handler. */
  readonly names?: Readonly<Record<number, string>>;
  /** Pad the encoded list to this multiple (4 for IPv4/TCP) with this byte. */
  readonly padTo?: number;
  readonly padByte?: number;
}

export function decodeTlv(spec: TlvSpec, b: Bytes, start: number, end: number, reg: Registry): DecodedOption[] {
  const u8 = b.u8;
  const out: DecodedOption[] = [];
  let p = start;
  while (p < end) {
    const kind = u8[p];
    if (spec.single.has(kind)) {
      const h = reg.handler(spec.table, kind);
      out.push({ kind, name: h?.name ?? spec.names?.[kind] ?? `kind_${kind}` });
      p += 1;
      if (kind === spec.end) break;
      continue;
    }
    const h = reg.handler(spec.table, kind);
    const name = h?.name ?? spec.names?.[kind] ?? 'unknown';
    if (p + 2 > end) {
      out.push({ kind, name, malformed: true });
      break;
    }
    const len = u8[p + 1];
    const unit = spec.unit ?? 1;
    const total = spec.lenIncludesHeader ? len * unit : len * unit + 2;
    if (total < 2 || p + total > end) {
      out.push({
        kind,
        name,
        length: len,
        malformed: true,
        data: hex(u8, p + 2, Math.min(end, Math.max(p + 2, p + total))),
      });
      break;
    }
    const vs = p + 2;
    const ve = p + total;
    if (h) {
      const o: Record<string, unknown> = { kind, name, length: len };
      try {
        const v = h.decode(b, vs, ve);
        for (const key in v) o[key] = v[key];
      } catch {
        o.malformed = true;
        o.data = hex(u8, vs, ve);
      }
      out.push(o as DecodedOption);
    } else {
      out.push({ kind, name, length: len, data: hex(u8, vs, ve) });
    }
    p = ve;
  }
  return out;
}

/** What a caller gives to build options: a decoded option, or kind + data bytes. */
export interface OptionIn {
  readonly kind: number;
  readonly data?: string | Uint8Array;
  readonly [field: string]: unknown;
}

function valueBytes(spec: TlvSpec, o: OptionIn, reg: Registry): Uint8Array {
  const h: OptionHandler<any> | undefined = reg.handler(spec.table, o.kind);
  if (o.data !== undefined) return typeof o.data === 'string' ? fromHex(o.data) : o.data;
  if (h?.encode && h.encodingLength) {
    const n = h.encodingLength(o);
    const tmp = new Uint8Array(n);
    h.encode({ u8: tmp, dv: new DataView(tmp.buffer) } as Bytes, 0, o);
    return tmp;
  }
  return new Uint8Array(0);
}

/** Bytes one option takes on the wire, padded to the spec's unit. */
function optionSize(spec: TlvSpec, o: OptionIn, reg: Registry): number {
  if (spec.single.has(o.kind)) return 1;
  const unit = spec.unit ?? 1;
  return Math.ceil((2 + valueBytes(spec, o, reg).length) / unit) * unit;
}

export function tlvLength(spec: TlvSpec, opts: readonly OptionIn[], reg: Registry): number {
  let n = 0;
  for (const o of opts) n += optionSize(spec, o, reg);
  const pad = spec.padTo ?? 1;
  return Math.ceil(n / pad) * pad;
}

export function encodeTlv(spec: TlvSpec, b: Bytes, at: number, opts: readonly OptionIn[], reg: Registry): number {
  const start = at;
  for (const o of opts) {
    b.u8[at++] = o.kind;
    if (spec.single.has(o.kind)) continue;
    const v = valueBytes(spec, o, reg);
    const unit = spec.unit ?? 1;
    const size = Math.ceil((2 + v.length) / unit) * unit;
    b.u8[at++] = (spec.lenIncludesHeader ? size : size - 2) / unit;
    b.u8.set(v, at);
    b.u8.fill(0, at + v.length, at - 2 + size);
    at += size - 2;
  }
  const pad = spec.padTo ?? 1;
  const total = Math.ceil((at - start) / pad) * pad;
  b.u8.fill(spec.padByte ?? 0, at, start + total);
  return total;
}

/** A handler from a field layout over the value bytes: `fixed('mss', { mss: 16 })` style helpers. */
export function u16Handler(name: string, key: string): OptionHandler<Record<string, number>> {
  return {
    name,
    decode: (b, s, e) => (e - s >= 2 ? { [key]: b.dv.getUint16(s) } : { malformed: 1 }) as Record<string, number>,
    encode: (b, at, v) => {
      b.dv.setUint16(at, Number(v[key] ?? 0));
      return 2;
    },
    encodingLength: () => 2,
  };
}
export function u8Handler(name: string, key: string): OptionHandler<Record<string, number>> {
  return {
    name,
    decode: (b, s, e) => (e - s >= 1 ? { [key]: b.u8[s] } : { malformed: 1 }) as Record<string, number>,
    encode: (b, at, v) => {
      b.u8[at] = Number(v[key] ?? 0);
      return 1;
    },
    encodingLength: () => 1,
  };
}
/** A value-less option (SACK-permitted). */
export function emptyHandler(name: string): OptionHandler<Record<string, never>> {
  return { name, decode: () => ({}), encode: () => 0, encodingLength: () => 0 };
}
