/**
 * A TLV option list (TCP, IPv4 options) written as JSON straight from the wire bytes: the same text
 * `writePlain(decodeTlv(...))` gives, without making the option objects, their key arrays and the
 * list first. With TCP timestamps on most segments that detour was about a quarter of an NDJSON
 * report's time (1.1 of ≈4 µs per frame, measured with the formatter alone).
 *
 * Only the common, well-formed shapes are written here; anything else (an option that runs past the
 * header, an impossible length, a handler that throws or returns a key that would reorder or
 * overwrite the record's own) makes `write` return false, and the caller rolls back and takes the
 * generic path, so the text is always exactly the generic one.
 */
import type { Bytes } from '../core/bytes.js';
import type { TlvSpec } from '../core/options.js';
import type { OptionHandler } from '../core/protocol.js';
import type { Registry } from '../core/registry.js';
import { type Ascii, ascii, type ByteOut } from './out.js';

/** `{"kind":K,"name":"N"` per kind (then `}` for one-byte kinds, `,"length":` for the rest). */
type Prefix = Ascii;
const UNRESOLVED = Symbol('unresolved');
const K_LENGTH = ascii(',"length":');
const K_DATA = ascii(',"data":"');

export class TlvJson {
  private readonly prefix: (Prefix | undefined)[] = new Array(256).fill(undefined);
  private readonly handlers: (OptionHandler<any> | undefined | typeof UNRESOLVED)[] = new Array(256).fill(UNRESOLVED);
  /** 1 for one-byte kinds (spec.single as a table: a Set probe per option was measurable). */
  private readonly single = new Uint8Array(256);
  /** Per kind, the `,"key":` bytes of the handler's keys by position (the same keys every time). */
  private readonly keys: ({ k: string; b: Ascii }[] | undefined)[] = new Array(256).fill(undefined);

  constructor(
    private readonly spec: TlvSpec,
    private readonly reg: Registry,
    /** fmt.ts's JSON writers, passed in to keep one implementation of each. */
    private readonly json: {
      readonly str: (s: string) => string;
      readonly value: (o: ByteOut, v: unknown) => void;
      readonly absent: (v: unknown) => boolean;
    },
  ) {
    for (const k of spec.single) if (k >= 0 && k < 256) this.single[k] = 1;
  }

  private handler(kind: number): OptionHandler<any> | undefined {
    let h = this.handlers[kind];
    if (h === UNRESOLVED) this.handlers[kind] = h = this.reg.handler(this.spec.table, kind);
    return h;
  }

  /** The record's opening bytes, as decodeTlv names the kind. */
  private head(kind: number, single: boolean): Prefix {
    let p = this.prefix[kind];
    if (p === undefined) {
      const h = this.handler(kind);
      const name = h?.name ?? this.spec.names?.[kind] ?? (single ? `kind_${kind}` : 'unknown');
      this.prefix[kind] = p = ascii(`{"kind":${kind},"name":${this.json.str(name)}`);
    }
    return p;
  }

  /** Write `[…]` for the options in [start, end); false when the generic path must do it. */
  write(o: ByteOut, b: Bytes, start: number, end: number): boolean {
    const spec = this.spec;
    const u8 = b.u8;
    const unit = spec.unit ?? 1;
    o.byte(91);
    let p = start;
    let first = true;
    while (p < end) {
      const kind = u8[p];
      if (!first) o.byte(44);
      first = false;
      if (this.single[kind] === 1) {
        o.raw(this.head(kind, true));
        o.byte(125);
        p += 1;
        if (kind === spec.end) break;
        continue;
      }
      if (p + 2 > end) return false;
      const len = u8[p + 1];
      const total = spec.lenIncludesHeader ? len * unit : len * unit + 2;
      if (total < 2 || p + total > end) return false;
      const vs = p + 2;
      const ve = p + total;
      o.raw(this.head(kind, false));
      o.raw(K_LENGTH);
      o.uint(len);
      const h = this.handler(kind);
      if (h === undefined) {
        o.raw(K_DATA);
        o.hex(u8, vs, ve);
        o.byte(34);
      } else {
        let v: Record<string, unknown>;
        try {
          v = h.decode(b, vs, ve);
        } catch {
          return false;
        }
        const keys = (this.keys[kind] ??= []);
        let i = 0;
        for (const k in v) {
          // decodeTlv copies these onto {kind, name, length}: a key that is one of those, or an
          // integer-like key (sorted first by JS), would change the text: the generic path writes it.
          if (k === 'kind' || k === 'name' || k === 'length' || k.charCodeAt(0) <= 57) return false;
          const x = v[k];
          if (this.json.absent(x)) continue;
          let kb = keys[i];
          if (kb === undefined || kb.k !== k) keys[i] = kb = { k, b: ascii(`,${this.json.str(k)}:`) };
          i++;
          o.raw(kb.b);
          this.json.value(o, x);
        }
      }
      o.byte(125);
      p = ve;
    }
    o.byte(93);
    return true;
  }
}
