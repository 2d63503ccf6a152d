/**
 * HPACK: Header Compression for HTTP/2, RFC 7541. Our own implementation: the static table
 * (Appendix A), the canonical Huffman code (Appendix B), primitive integers and strings (§5),
 * the dynamic table with eviction and size updates (§4), and the field representations (§6).
 *
 * Strings are kept as ISO-8859-1 text (one char per octet), so `length` is the octet count the
 * table-size arithmetic of §4.1 needs and no byte is ever lost; RFC 9110 §5.5 treats field values
 * as opaque octets. A decoder never throws: a decoding error (§2.3.3 "COMPRESSION_ERROR") is a
 * returned code, and the caller marks the connection direction as desynchronised.
 */
import { latin1Text } from '../core/bytes.js';

export type HeaderField = readonly [name: string, value: string];

/** RFC 7541 Appendix A; index 0 is unused so that `STATIC_TABLE[i]` is index i. */
export const STATIC_TABLE: readonly HeaderField[] = [
  ['', ''],
  [':authority', ''],
  [':method', 'GET'],
  [':method', 'POST'],
  [':path', '/'],
  [':path', '/index.html'],
  [':scheme', 'http'],
  [':scheme', 'https'],
  [':status', '200'],
  [':status', '204'],
  [':status', '206'],
  [':status', '304'],
  [':status', '400'],
  [':status', '404'],
  [':status', '500'],
  ['accept-charset', ''],
  ['accept-encoding', 'gzip, deflate'],
  ['accept-language', ''],
  ['accept-ranges', ''],
  ['accept', ''],
  ['access-control-allow-origin', ''],
  ['age', ''],
  ['allow', ''],
  ['authorization', ''],
  ['cache-control', ''],
  ['content-disposition', ''],
  ['content-encoding', ''],
  ['content-language', ''],
  ['content-length', ''],
  ['content-location', ''],
  ['content-range', ''],
  ['content-type', ''],
  ['cookie', ''],
  ['date', ''],
  ['etag', ''],
  ['expect', ''],
  ['expires', ''],
  ['from', ''],
  ['host', ''],
  ['if-match', ''],
  ['if-modified-since', ''],
  ['if-none-match', ''],
  ['if-range', ''],
  ['if-unmodified-since', ''],
  ['last-modified', ''],
  ['link', ''],
  ['location', ''],
  ['max-forwards', ''],
  ['proxy-authenticate', ''],
  ['proxy-authorization', ''],
  ['range', ''],
  ['referer', ''],
  ['refresh', ''],
  ['retry-after', ''],
  ['server', ''],
  ['set-cookie', ''],
  ['strict-transport-security', ''],
  ['transfer-encoding', ''],
  ['user-agent', ''],
  ['vary', ''],
  ['via', ''],
  ['www-authenticate', ''],
];
const STATIC_LEN = STATIC_TABLE.length - 1; // 61

/**
 * Code lengths of RFC 7541 Appendix B, symbols 0..255 then EOS (256). The code is canonical: sorting
 * symbols by (length, symbol) and counting up gives exactly the Appendix B codes, so the lengths are
 * all that needs writing down (test/protocols/hpack.test.ts checks the RFC examples and tshark).
 */
// biome-ignore format: a table
const HUFFMAN_LENGTHS: readonly number[] = [
  13,23,28,28,28,28,28,28,28,24,30,28,28,30,28,28,28,28,28,28,28,28,30,28,28,28,28,28,28,28,28,28,
  6,10,10,12,13,6,8,11,10,10,8,11,8,6,6,6,5,5,5,6,6,6,6,6,6,6,7,8,15,6,12,10,
  13,6,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,7,8,7,8,13,19,13,14,6,
  15,5,6,5,6,5,6,6,6,5,7,7,6,6,6,5,6,7,6,5,5,6,7,7,7,7,7,15,11,14,13,28,
  20,22,20,20,22,22,22,23,22,23,23,23,23,23,24,23,24,24,22,23,24,23,23,23,23,21,22,23,22,23,23,24,
  22,21,20,22,22,23,23,21,23,22,22,24,21,22,23,23,21,21,22,21,23,22,23,23,20,22,22,22,23,22,22,23,
  26,26,20,19,22,23,22,25,26,26,26,27,27,26,24,25,19,21,26,27,27,26,27,24,21,21,26,26,28,27,27,27,
  20,24,20,21,22,21,21,23,22,22,25,25,24,24,26,23,26,27,26,26,27,27,27,27,27,28,27,27,27,27,27,26,
  30,
];
const EOS = 256;

/** Huffman tables, built once at import: codes for encoding, canonical ranges for decoding. */
const HUFF_CODE = new Uint32Array(257);
const HUFF_LEN = Uint8Array.from(HUFFMAN_LENGTHS);
/** For each length L: the first code of that length, how many codes, and where their symbols start. */
const FIRST_CODE = new Int32Array(31);
const COUNT = new Int32Array(31);
const OFFSET = new Int32Array(31);
const SYMBOLS = new Uint16Array(257);
/** 8-bit fast path: for a byte-aligned peek of 8 bits, the symbol and its length when the code is ≤ 8 bits. */
const FAST = new Int32Array(256).fill(-1);
{
  const order = Array.from({ length: 257 }, (_, i) => i).sort((a, b) => HUFF_LEN[a] - HUFF_LEN[b] || a - b);
  let code = 0;
  let prev = 0;
  for (let k = 0; k < order.length; k++) {
    const s = order[k];
    const l = HUFF_LEN[s];
    code <<= l - prev;
    prev = l;
    if (COUNT[l] === 0) {
      FIRST_CODE[l] = code;
      OFFSET[l] = k;
    }
    COUNT[l]++;
    SYMBOLS[k] = s;
    HUFF_CODE[s] = code >>> 0;
    code++;
  }
  for (let s = 0; s < 257; s++) {
    const l = HUFF_LEN[s];
    if (l > 8) continue;
    const base = HUFF_CODE[s] << (8 - l);
    for (let j = 0; j < 1 << (8 - l); j++) FAST[base | j] = (s << 4) | l;
  }
}

/** Decoding errors (RFC 7541 §2.3.3, §5.2, §6): returned, never thrown. */
export type HpackError =
  | 'hpack.integer_overflow'
  | 'hpack.truncated'
  | 'hpack.index_zero'
  | 'hpack.index_out_of_range'
  | 'hpack.huffman_eos'
  | 'hpack.huffman_padding'
  | 'hpack.size_update_too_large'
  | 'hpack.size_update_late';

/**
 * Huffman-decode octets [start, end) as latin1 text into `out` (char codes); an error code or
 * undefined. §5.2: padding is at most 7 bits and must be the most significant bits of EOS (all
 * ones); a decoded EOS is an error.
 */
export function huffmanDecodeTo(u8: Uint8Array, start: number, end: number, out: number[]): HpackError | undefined {
  let acc = 0; // bit accumulator (at most 7 + 8 + … bits held; kept < 2^31 by consuming as we go)
  let bits = 0;
  let p = start;
  for (;;) {
    // Fill to at least 8 bits when bytes remain.
    while (bits < 8 && p < end) {
      acc = ((acc << 8) | u8[p++]) >>> 0;
      bits += 8;
    }
    if (bits === 0) break;
    if (bits >= 8) {
      const f = FAST[(acc >>> (bits - 8)) & 0xff];
      if (f >= 0) {
        const sym = f >>> 4;
        bits -= f & 0xf;
        acc &= bits === 0 ? 0 : (1 << bits) - 1;
        if (sym === EOS) return 'hpack.huffman_eos';
        out.push(sym);
        continue;
      }
    }
    // Slow path: canonical decoding one bit at a time from length 1 (or 9 when the fast path missed).
    let code = 0;
    let len = 0;
    let sym = -1;
    let a = acc;
    let b = bits;
    let q = p;
    while (len < 30) {
      if (b === 0) {
        if (q >= end) break;
        a = u8[q++];
        b = 8;
      }
      b--;
      code = (code << 1) | ((a >>> b) & 1);
      len++;
      const idx = code - FIRST_CODE[len];
      if (COUNT[len] > 0 && idx >= 0 && idx < COUNT[len]) {
        sym = SYMBOLS[OFFSET[len] + idx];
        break;
      }
    }
    if (sym < 0) {
      // Ran out of input inside a code: that is the padding. §5.2: ≤ 7 bits, all ones.
      if (len > 7) return 'hpack.huffman_padding';
      if (code !== (1 << len) - 1) return 'hpack.huffman_padding';
      break;
    }
    if (sym === EOS) return 'hpack.huffman_eos';
    out.push(sym);
    acc = b === 0 ? 0 : a & ((1 << b) - 1);
    bits = b;
    p = q;
  }
  return undefined;
}

/** Huffman-decode octets [start, end): the text, or the error. */
export function huffmanDecode(u8: Uint8Array, start: number, end: number): { text: string } | { error: HpackError } {
  const out: number[] = [];
  const e = huffmanDecodeTo(u8, start, end, out);
  return e ? { error: e } : { text: charsToString(out) };
}

function charsToString(cs: readonly number[]): string {
  let s = '';
  for (let i = 0; i < cs.length; i += 4096) s += String.fromCharCode.apply(null, cs.slice(i, i + 4096) as number[]);
  return s;
}

/** Number of octets `s` (latin1, one char per octet) takes Huffman-encoded. */
export function huffmanLength(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) n += HUFF_LEN[s.charCodeAt(i) & 0xff];
  return (n + 7) >> 3;
}

/** Huffman-encode latin1 text (§5.2), padding with the most significant bits of EOS. */
export function huffmanEncode(s: string): Uint8Array {
  const out = new Uint8Array(huffmanLength(s));
  let acc = 0;
  let bits = 0;
  let o = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i) & 0xff;
    let l = HUFF_LEN[c];
    const code = HUFF_CODE[c];
    // Codes reach 30 bits: feed them in chunks so the accumulator stays within 32 bits.
    while (l > 0) {
      const take = Math.min(l, 24 - bits);
      const part = (code >>> (l - take)) & ((1 << take) - 1);
      acc = (acc << take) | part;
      bits += take;
      l -= take;
      while (bits >= 8) {
        out[o++] = (acc >>> (bits - 8)) & 0xff;
        bits -= 8;
        acc &= (1 << bits) - 1;
      }
    }
  }
  if (bits > 0) out[o++] = ((acc << (8 - bits)) | ((1 << (8 - bits)) - 1)) & 0xff;
  return out;
}

/** Cursor result of an integer read: value and next offset, or an error. */
interface IntRead {
  value: number;
  at: number;
}

/** §5.1: an integer with an N-bit prefix at u8[at]. Values are kept below 2^31 (longer is an error). */
function readInt(u8: Uint8Array, at: number, end: number, n: number, out: IntRead): HpackError | undefined {
  if (at >= end) return 'hpack.truncated';
  const max = (1 << n) - 1;
  let v = u8[at++] & max;
  if (v < max) {
    out.value = v;
    out.at = at;
    return undefined;
  }
  let m = 0;
  for (;;) {
    if (at >= end) return 'hpack.truncated';
    const b = u8[at++];
    if (m > 21) return 'hpack.integer_overflow';
    v += (b & 0x7f) * 2 ** m;
    m += 7;
    if ((b & 0x80) === 0) break;
  }
  if (v > 0x7fffffff) return 'hpack.integer_overflow';
  out.value = v;
  out.at = at;
  return undefined;
}

/** §5.1 encoding: an integer with an N-bit prefix, the high bits of the first octet given by `flags`. */
export function writeInt(out: number[], flags: number, n: number, v: number): void {
  const max = (1 << n) - 1;
  if (v < max) {
    out.push(flags | v);
    return;
  }
  out.push(flags | max);
  v -= max;
  while (v >= 128) {
    out.push((v % 128) + 128);
    v = Math.floor(v / 128);
  }
  out.push(v);
}

/** §4.1: an entry's size is its name and value octets plus 32. */
export const entrySize = (name: string, value: string): number => name.length + value.length + 32;

/** The dynamic table (§2.3.2, §4): newest entry first in index order, FIFO eviction. */
export class DynamicTable {
  /** Entries with the newest at the end of the array (index 62 is `entries[length-1]`). */
  readonly entries: HeaderField[] = [];
  size = 0;
  maxSize: number;
  constructor(maxSize = 4096) {
    this.maxSize = maxSize;
  }
  get length(): number {
    return this.entries.length;
  }
  /** Dynamic index 1 = newest. */
  get(i: number): HeaderField | undefined {
    return this.entries[this.entries.length - i];
  }
  /** §4.4: evict oldest entries until the new one fits; an entry larger than the table empties it. */
  add(name: string, value: string): void {
    const s = entrySize(name, value);
    while (this.entries.length > 0 && this.size + s > this.maxSize) this.evictOldest();
    if (s > this.maxSize) return;
    this.entries.push([name, value]);
    this.size += s;
  }
  /** §4.3: a new maximum size evicts until the table fits. */
  resize(max: number): void {
    this.maxSize = max;
    while (this.entries.length > 0 && this.size > max) this.evictOldest();
  }
  private evictOldest(): void {
    const e = this.entries.shift()!;
    this.size -= entrySize(e[0], e[1]);
  }
  /** Newest first, as the RFC's Appendix C listings show the table. */
  list(): HeaderField[] {
    return this.entries.slice().reverse();
  }
}

/** How one field was represented (§6), for reports and tests. */
export type Representation = 'indexed' | 'incremental' | 'without' | 'never';

export interface DecodedField {
  readonly name: string;
  readonly value: string;
  readonly rep: Representation;
  /** Index used for the field (indexed) or for its name (literal with indexed name); 0 = literal name. */
  readonly index: number;
  readonly huffman: boolean;
}

export interface DecodeResult {
  readonly fields: DecodedField[];
  /** Dynamic table size updates seen at the start of the block (§6.3). */
  readonly sizeUpdates: number[];
  /** Set when decoding stopped: the table is no longer in step with the encoder's. */
  readonly error?: HpackError;
}

/**
 * One decoding context (§2.2): one per connection and direction. `limit` is the
 * SETTINGS_HEADER_TABLE_SIZE the receiving endpoint announced (RFC 9113 §6.5.2); size updates above
 * it are errors (§6.3).
 */
export class HpackDecoder {
  readonly table: DynamicTable;
  limit: number;
  private readonly tmp: IntRead = { value: 0, at: 0 };
  constructor(limit = 4096) {
    this.limit = limit;
    this.table = new DynamicTable(limit);
  }

  /** Decode one complete header block [start, end). On error, fields decoded so far are kept. */
  decode(u8: Uint8Array, start: number, end: number): DecodeResult {
    const fields: DecodedField[] = [];
    const sizeUpdates: number[] = [];
    const t = this.tmp;
    let at = start;
    const fail = (error: HpackError): DecodeResult => ({ fields, sizeUpdates, error });
    while (at < end) {
      const b = u8[at];
      if (b & 0x80) {
        // §6.1 Indexed Header Field.
        const e = readInt(u8, at, end, 7, t);
        if (e) return fail(e);
        at = t.at;
        if (t.value === 0) return fail('hpack.index_zero');
        const f = this.lookup(t.value);
        if (!f) return fail('hpack.index_out_of_range');
        fields.push({ name: f[0], value: f[1], rep: 'indexed', index: t.value, huffman: false });
        continue;
      }
      if ((b & 0xe0) === 0x20) {
        // §6.3 Dynamic Table Size Update: only before the first field (§4.2).
        const e = readInt(u8, at, end, 5, t);
        if (e) return fail(e);
        at = t.at;
        if (fields.length > 0) return fail('hpack.size_update_late');
        if (t.value > this.limit) return fail('hpack.size_update_too_large');
        this.table.resize(t.value);
        sizeUpdates.push(t.value);
        continue;
      }
      // §6.2 literals: 01 incremental (6-bit index), 0000 without (4), 0001 never (4).
      const rep: Representation = b & 0x40 ? 'incremental' : b & 0x10 ? 'never' : 'without';
      const e = readInt(u8, at, end, rep === 'incremental' ? 6 : 4, t);
      if (e) return fail(e);
      at = t.at;
      const index = t.value;
      let name: string;
      let nameHuff = false;
      if (index === 0) {
        const s = this.readString(u8, at, end);
        if (typeof s === 'string') return fail(s);
        name = s.text;
        nameHuff = s.huffman;
        at = s.at;
      } else {
        const f = this.lookup(index);
        if (!f) return fail('hpack.index_out_of_range');
        name = f[0];
      }
      const v = this.readString(u8, at, end);
      if (typeof v === 'string') return fail(v);
      at = v.at;
      if (rep === 'incremental') this.table.add(name, v.text);
      fields.push({ name, value: v.text, rep, index, huffman: nameHuff || v.huffman });
    }
    return { fields, sizeUpdates };
  }

  /** §2.3.3: indices 1..61 are static, 62.. dynamic (newest first). */
  lookup(i: number): HeaderField | undefined {
    if (i <= STATIC_LEN) return STATIC_TABLE[i];
    return this.table.get(i - STATIC_LEN);
  }

  private readString(
    u8: Uint8Array,
    at: number,
    end: number,
  ): HpackError | { text: string; at: number; huffman: boolean } {
    if (at >= end) return 'hpack.truncated';
    const huffman = (u8[at] & 0x80) !== 0;
    const t = this.tmp;
    const e = readInt(u8, at, end, 7, t);
    if (e) return e;
    const s = t.at;
    const len = t.value;
    if (s + len > end) return 'hpack.truncated';
    if (huffman) {
      const cs: number[] = [];
      const err = huffmanDecodeTo(u8, s, s + len, cs);
      if (err) return err;
      return { text: charsToString(cs), at: s + len, huffman };
    }
    return { text: latin1Text(u8, s, s + len), at: s + len, huffman };
  }
}

export interface EncodeOptions {
  /** Huffman-code every string literal (§5.2). Default false. */
  readonly huffman?: boolean;
  /** Representation for fields not fully indexed: default 'incremental' (§6.2.1). */
  readonly rep?: Exclude<Representation, 'indexed'>;
}

/**
 * An encoding context, for building captures and tests. Strategy (the one RFC 7541 Appendix C uses):
 * a full match in either table is indexed; otherwise a literal with the name indexed when it is in a
 * table, added to the dynamic table unless told otherwise.
 */
export class HpackEncoder {
  readonly table: DynamicTable;
  private pendingSize: number[] = [];
  constructor(maxSize = 4096) {
    this.table = new DynamicTable(maxSize);
  }
  /** §6.3: announce a new table size at the start of the next block. */
  setTableSize(n: number): void {
    this.pendingSize.push(n);
  }

  encode(headers: readonly HeaderField[], o: EncodeOptions = {}): Uint8Array {
    const out: number[] = [];
    for (const n of this.pendingSize) {
      this.table.resize(n);
      writeInt(out, 0x20, 5, n);
    }
    this.pendingSize = [];
    const rep = o.rep ?? 'incremental';
    for (const [name, value] of headers) {
      const { full, nameIdx } = this.find(name, value);
      if (full > 0) {
        writeInt(out, 0x80, 7, full);
        continue;
      }
      if (rep === 'incremental') writeInt(out, 0x40, 6, nameIdx);
      else writeInt(out, rep === 'never' ? 0x10 : 0x00, 4, nameIdx);
      if (nameIdx === 0) writeString(out, name, o.huffman === true);
      writeString(out, value, o.huffman === true);
      if (rep === 'incremental') this.table.add(name, value);
    }
    return Uint8Array.from(out);
  }

  private find(name: string, value: string): { full: number; nameIdx: number } {
    let nameIdx = 0;
    for (let i = 1; i <= STATIC_LEN; i++) {
      const e = STATIC_TABLE[i];
      if (e[0] !== name) continue;
      if (e[1] === value) return { full: i, nameIdx: i };
      if (nameIdx === 0) nameIdx = i;
    }
    const n = this.table.length;
    for (let d = 1; d <= n; d++) {
      const e = this.table.get(d)!;
      if (e[0] !== name) continue;
      if (e[1] === value) return { full: STATIC_LEN + d, nameIdx: nameIdx || STATIC_LEN + d };
      if (nameIdx === 0) nameIdx = STATIC_LEN + d;
    }
    return { full: 0, nameIdx };
  }
}

/** §5.2 string literal: H bit, 7-bit-prefix length, octets. */
export function writeString(out: number[], s: string, huffman: boolean): void {
  if (huffman) {
    const h = huffmanEncode(s);
    writeInt(out, 0x80, 7, h.length);
    for (let i = 0; i < h.length; i++) out.push(h[i]);
    return;
  }
  writeInt(out, 0x00, 7, s.length);
  for (let i = 0; i < s.length; i++) out.push(s.charCodeAt(i) & 0xff);
}
