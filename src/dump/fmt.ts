/**
 * Values → text, from the declarations only (DESIGN §3.9): a new protocol gets JSON, NDJSON, plist
 * and tree output without touching a dumper. Numbers stay numbers; `base: 'hex'` becomes "0x0800"
 * padded to the field's width; `base: 'bool'` true/false; a `names` table makes {name, value};
 * ipv4/ipv6 (RFC 5952)/mac become their canonical strings; byte spans become hex.
 *
 * Two renderings of one frame shape:
 * - `frameRecord()`: a plain object (plist, tree, files, tests);
 * - `createFrameJson()`: JSON text built directly with one compiled formatter per protocol (the
 *   NDJSON/JSON fast path: no intermediate objects for compiled headers).
 * `JSON.parse(json(frame))` deep-equals `frameRecord(frame)`; a test holds them together.
 */
import { Buffer } from 'node:buffer';
import type { CaptureInfo } from '../capture/info.js';
import { linktypeName } from '../capture/linktypes.js';
import { ipv4ToString, ipv6ToString, macToString } from '../core/addr.js';
import { details as decodeDetails } from '../core/dissect.js';
import { type Field, type Header, shiftOf, widthOf } from '../core/fields.js';
import { epochString, type Frame, type Layer, type RawFrame } from '../core/frame.js';
import type { Issue } from '../core/issue.js';
import type { Protocol } from '../core/protocol.js';
import type { Registry } from '../core/registry.js';
import { IPV4_ROOM, IPV6_ROOM, MAC_ROOM, macOk, writeIpv4, writeIpv6, writeMac } from './addr-json.js';
import type { DumpContext } from './dumper.js';
import { type Ascii, ascii, ByteOut, putAscii } from './out.js';
import { TlvJson } from './tlv-json.js';

const K_NUMBER = ascii('{"number":');
const K_TIME = ascii(',"time":');
const K_EPOCH = ascii(',"time_epoch":"');
const K_LEN = ascii('","len":');
const K_CAPLEN = ascii(',"cap_len":');
const K_IFACE = ascii(',"interface_id":');
const K_SECTION = ascii(',"section":');
const K_COMMENTS = ascii(',"comments":');
const K_OPTIONS = ascii(',"options":');
const K_PROTOCOLS = ascii(',"protocols":');
const K_DATA = ascii('"data":"');
const K_DATA_COMMA = ascii(',"data":"');
const K_FLOW = ascii(',"flow":');
const K_REASSEMBLED = ascii(',"reassembled":');
const K_MESSAGES = ascii(',"messages":');
const K_ISSUES = ascii(',"issues":');
const K_LAYER_OPTIONS = ascii('"options":');

export interface FormatOptions {
  readonly registry: Registry;
  /** Include `interface_id` (pcapng captures). */
  readonly pcapng?: boolean;
  /** Include undissected bytes as hex (`data`); default true. */
  readonly bytes?: boolean;
  /** Use field labels instead of keys (tree view). */
  readonly labels?: boolean;
}

/** Lower-case hex of u8[start, end) through Buffer's native encoder. */
export function hexOf(u8: Uint8Array, start: number, end: number): string {
  if (end <= start) return '';
  return Buffer.from(u8.buffer, u8.byteOffset + start, end - start).toString('hex');
}

/** Hex digits a field prints with: the bits its mask keeps, or its byte width. */
export function hexDigits(f: Field): number {
  if (f.mask !== undefined) {
    const bits = 32 - Math.clz32(f.mask >>> shiftOf(f.mask));
    return Math.max(1, Math.ceil(bits / 4));
  }
  return Math.max(1, widthOf(f) * 2);
}

export function hexNumber(v: number, digits: number): string {
  return `0x${v.toString(16).padStart(digits, '0')}`;
}

/** One field value as a plain JSON value. */
export function fieldValue(f: Field, v: unknown, u8: Uint8Array): unknown {
  let out: unknown;
  switch (f.kind) {
    case 'ipv4':
      return ip4(v as number);
    case 'ipv6':
      return ip6(v as readonly number[]);
    case 'mac':
      return mac(v as number);
    case 'bytes': {
      const s = v as { start: number; end: number };
      return hexOf(u8, s.start, s.end);
    }
    default:
      if (typeof v !== 'number') return toPlain(v);
      out = f.base === 'hex' ? hexNumber(v, hexDigits(f)) : f.base === 'bool' ? v !== 0 : v;
  }
  if (f.names !== undefined) {
    const name = f.names[v as number];
    return name === undefined ? { value: out } : { name, value: out };
  }
  return out;
}

/**
 * Anything a codec or stage returns → JSON-safe data: bytes as hex, bigint as a string, Maps as
 * objects, undefined/functions dropped, objects with `toJSON` honoured (Bytes → dropped).
 */
export function toPlain(v: unknown, depth = 0): unknown {
  if (v === null || v === undefined) return undefined;
  switch (typeof v) {
    case 'number':
      return Number.isFinite(v) ? v : String(v);
    case 'string':
    case 'boolean':
      return v;
    case 'bigint':
      return v.toString();
    case 'object':
      break;
    default:
      return undefined;
  }
  if (depth > 32) return '[too deep]';
  if (v instanceof Uint8Array) return hexOf(v, 0, v.length);
  if (Array.isArray(v)) {
    const out: unknown[] = [];
    for (const x of v) {
      const p = toPlain(x, depth + 1);
      out.push(p === undefined ? null : p);
    }
    return out;
  }
  if (v instanceof Map) {
    const o: Record<string, unknown> = {};
    for (const [k, x] of v) {
      const p = toPlain(x, depth + 1);
      if (p !== undefined) o[String(k)] = p;
    }
    return o;
  }
  const tj = (v as { toJSON?: () => unknown }).toJSON;
  if (typeof tj === 'function') return toPlain(tj.call(v), depth + 1);
  const o: Record<string, unknown> = {};
  for (const k of Object.keys(v)) {
    const p = toPlain((v as Record<string, unknown>)[k], depth + 1);
    if (p !== undefined) o[k] = p;
  }
  return o;
}

/** 'tcp.option_kind' → 'optionKind' (key in the layer object for a computed value). */
function computedKey(abbrev: string, tsharkName: string): string {
  const rest = tsharkName.startsWith(`${abbrev}.`) ? tsharkName.slice(abbrev.length + 1) : tsharkName;
  return rest.replace(/[._]([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

// ── caches: the same addresses recur in every capture; formatting them once is most of the win.

const V4K = new Float64Array(4096).fill(-1);
const V4S: string[] = new Array(4096);
/** ipv4ToString through a direct-mapped cache. */
export function ip4(v: number): string {
  const i = (v ^ (v >>> 12) ^ (v >>> 24)) & 4095;
  if (V4K[i] === v) return V4S[i];
  const s = ipv4ToString(v);
  V4K[i] = v;
  V4S[i] = s;
  return s;
}
const MK = new Float64Array(1024).fill(-1);
const MS: string[] = new Array(1024);
export function mac(v: number): string {
  // Split the 48-bit value into two 24-bit integers: ToInt32 of a double above 2^31 is slow.
  const hi = Math.floor(v / 16777216);
  const i = (hi ^ (v - hi * 16777216)) & 1023;
  if (MK[i] === v) return MS[i];
  const s = macToString(v);
  MK[i] = v;
  MS[i] = s;
  return s;
}
const V6K = new Uint32Array(4096 * 4);
const V6S: (string | undefined)[] = new Array(4096);
export function ip6(a: readonly number[]): string {
  const a0 = a[0] >>> 0;
  const a1 = a[1] >>> 0;
  const a2 = a[2] >>> 0;
  const a3 = a[3] >>> 0;
  const i = (a0 ^ a1 ^ a2 ^ a3 ^ (a3 >>> 12) ^ (a0 >>> 20)) & 4095;
  const k = i * 4;
  if (V6S[i] !== undefined && V6K[k] === a0 && V6K[k + 1] === a1 && V6K[k + 2] === a2 && V6K[k + 3] === a3)
    return V6S[i]!;
  const s = ipv6ToString(a);
  V6K[k] = a0;
  V6K[k + 1] = a1;
  V6K[k + 2] = a2;
  V6K[k + 3] = a3;
  V6S[i] = s;
  return s;
}

/** `"0x0800"` (with the quotes) for values below 2^16, from a table per digit count. */
const HEXQ = new Map<number, string[]>();
function hexTable(digits: number): string[] {
  let t = HEXQ.get(digits);
  if (t === undefined) {
    const n = Math.min(65536, 16 ** digits);
    t = new Array(n);
    for (let i = 0; i < n; i++) t[i] = `"0x${i.toString(16).padStart(digits, '0')}"`;
    HEXQ.set(digits, t);
  }
  return t;
}
export function hexQuoted(v: number, digits: number): string {
  if (digits <= 4) {
    const t = hexTable(digits);
    if (v < t.length) return t[v];
  }
  return `"0x${v.toString(16).padStart(digits, '0')}"`;
}

/** JSON text that is pure ASCII: anything else becomes \uXXXX (same value after parsing). */
export function asciiJson(v: unknown): string {
  const s = JSON.stringify(v);
  return s === undefined ? 'null' : NON_ASCII.test(s) ? s.replace(NON_ASCII_G, escapeChar) : s;
}
const NON_ASCII = /[^\x00-\x7f]/;
const NON_ASCII_G = /[^\x00-\x7f]/g;
const escapeChar = (c: string) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;

/** `1511106545.471719` from exact parts: the JSON number for `time` (and its value, by Number()). */
export function timeText(sec: number, nsec: number): string {
  let s = epochString(sec, nsec);
  let e = s.length;
  while (s.charCodeAt(e - 1) === 48) e--;
  if (s.charCodeAt(e - 1) === 46) e--;
  if (e !== s.length) s = s.slice(0, e);
  return s === '-0' ? '0' : s;
}

/** Per protocol: everything derived once from its declaration. */
interface LayerFormat {
  readonly proto: Protocol | undefined;
  readonly name: string;
  readonly alias: string;
  /** `"ipv4":{` */
  readonly open: Ascii;
  /** `,"ipv4":{` */
  readonly openComma: Ascii;
  /** Compiled `"k":v,…` writer for a complete layer of a table-declared protocol. */
  readonly json: LayerEmit | undefined;
  readonly header: Header;
  /** Display key per field key (labels for the tree view). */
  readonly keyOf: (k: string) => string;
  readonly computed: readonly (readonly [string, (l: Layer, fr: RawFrame, reg: Registry) => unknown])[];
  /** `"key":` per computed value, for writeJson. */
  readonly computedKeys: readonly Ascii[];
  readonly hasRest: boolean;
  readonly hasExtras: boolean;
  /** The tail is a plain TLV list: writeJson walks its bytes (tlv-json.ts). */
  readonly tlv: TlvJson | undefined;
}

/** Writes a layer's `"k":v,…` into `b` from `at` (room for `maxLen` bytes is ensured); returns the end. */
type LayerEmitFn = (f: any, u8: Uint8Array, b: Uint8Array, at: number, dv: DataView) => number;
interface LayerEmit {
  readonly fn: LayerEmitFn;
  readonly maxLen: number;
  readonly source: string;
}

// Helpers the compiled emitters call: each writes at `at` and returns the new end.
/** An ASCII string. */
function ws(b: Uint8Array, at: number, s: string): number {
  const n = s.length;
  for (let i = 0; i < n; i++) b[at + i] = s.charCodeAt(i);
  return at + n;
}
/** `"s"`. */
function wq(b: Uint8Array, at: number, s: string): number {
  b[at] = 34;
  at = ws(b, at + 1, s);
  b[at] = 34;
  return at + 1;
}
/** A number as JSON writes it (digits directly for non-negative integers below 2^32). */
function wn(b: Uint8Array, at: number, v: number): number {
  if (v >= 0 && v < 10 && (v | 0) === v) {
    b[at] = 48 + v;
    return at + 1;
  }
  // Up to 2^32 − 1 as digits (TCP sequence numbers, 32-bit counters); anything else as JSON writes it.
  if (!(v >= 0 && v <= 0xffffffff && v >>> 0 === v)) return ws(b, at, Number.isFinite(v) ? String(v) : 'null');
  let n = 2;
  for (let x = 100; x <= v && n < 10; x *= 10) n++;
  let p = at + n;
  let x = v;
  while (x >= 10) {
    const q = (x / 10) >>> 0;
    b[--p] = 48 + (x - q * 10);
    x = q;
  }
  b[--p] = 48 + x;
  return at + n;
}
/** Hex of a byte span, quoted. */
function wh(b: Uint8Array, at: number, u8: Uint8Array, s: number, e: number): number {
  b[at++] = 34;
  for (let i = s; i < e; i++) {
    const x = u8[i];
    b[at] = HEXC[x >>> 4];
    b[at + 1] = HEXC[x & 15];
    at += 2;
  }
  b[at] = 34;
  return at + 1;
}
const HEXC = ascii('0123456789abcdef').u8;

/**
 * Constant ASCII text as stores: four bytes at a time through the DataView (little-endian), then
 * the remaining two or one: a 10-byte key is three stores instead of ten.
 */
function unrolled(s: string): string {
  let out = '';
  let i = 0;
  const off = (k: number) => (k === 0 ? 'at' : `at + ${k}`);
  for (; i + 4 <= s.length; i += 4) {
    const v =
      (s.charCodeAt(i) | (s.charCodeAt(i + 1) << 8) | (s.charCodeAt(i + 2) << 16) | (s.charCodeAt(i + 3) << 24)) >>> 0;
    out += `dv.setUint32(${off(i)}, ${v}, true); `;
  }
  if (i + 2 <= s.length) {
    out += `dv.setUint16(${off(i)}, ${s.charCodeAt(i) | (s.charCodeAt(i + 1) << 8)}, true); `;
    i += 2;
  }
  if (i < s.length) out += `b[${off(i)}] = ${s.charCodeAt(i)}; `;
  return `${out}at += ${s.length};`;
}

const NUM_WIDTH: Readonly<Record<string, number>> = { u8: 3, u16: 5, u24: 8, u32: 10 };

/**
 * Compile a header table into a writer of `"k":v,…` bytes: keys are unrolled constant stores, numbers
 * become digits directly, hex comes from tables, addresses from caches; no capacity checks inside
 * (the caller reserves `maxLen`), no strings built for the layer.
 */
function compileJson(header: Header, keyOf: (k: string) => string): LayerEmit | undefined {
  const entries = Object.entries(header);
  if (entries.length === 0) return { fn: (_f, _u, _b, at) => at, maxLen: 0, source: '' };
  const P: ((Ascii | undefined)[] | Map<number, Ascii>)[] = [];
  const lines: string[] = [];
  let maxLen = 0;
  entries.forEach(([k, f], i) => {
    const key = `${i === 0 ? '' : ','}${asciiJson(keyOf(k))}:`;
    const acc = `f[${JSON.stringify(k)}]`;
    let val: string;
    let width: number;
    switch (f.kind) {
      case 'ipv4':
        val = 'at = A4(b, dv, at, v);';
        width = IPV4_ROOM;
        break;
      case 'ipv6':
        val = 'at = A6(b, dv, at, v);';
        width = IPV6_ROOM;
        break;
      case 'mac':
        val = 'if (macOk(v)) at = AM(b, dv, at, v); else at = wq(b, at, mac(v));';
        width = MAC_ROOM + 64; // the fallback text of an odd value (NaN…) is longer
        break;
      case 'bytes':
        val = 'at = wh(b, at, u8, v.start, v.end);';
        width = 2 * (f.len ?? 0) + 2;
        break;
      default:
        if (f.base === 'hex') {
          const d = hexDigits(f);
          if (d <= 8) {
            // "0x…" written digit by digit, in place (values wider than the field fall back).
            let digits = '';
            for (let k = 0; k < d; k++) digits += `b[at + ${2 + d - k}] = H[(v >>> ${4 * k}) & 15]; `;
            val = `if (v >= 0 && v < ${16 ** d}) { ${unrolled('"0x')} at -= 3; ${digits}b[at + ${d + 3}] = 34; at += ${d + 4}; } else at = ws(b, at, hq(v, ${d}));`;
          } else val = `at = ws(b, at, hq(v, ${d}));`;
          width = Math.max(d, 16) + 4;
        } else if (f.base === 'bool') {
          val = `if (v !== 0) { ${unrolled('true')} } else { ${unrolled('false')} }`;
          width = 5;
        } else {
          val = 'at = wn(b, at, v);';
          width = f.scale === undefined || f.scale === 1 ? (NUM_WIDTH[f.kind] ?? 24) : 24;
        }
    }
    if (f.names !== undefined) {
      // Name prefixes in a dense array when the keys are small (EtherTypes, protocol numbers),
      // else a Map: a numeric-keyed object lookup was the slowest step of the Ethernet layer.
      const entries2 = Object.entries(f.names).map(
        ([n, name]) => [Number(n), ascii(`{"name":${asciiJson(name)},"value":`)] as const,
      );
      const maxKey = entries2.reduce((m, [n]) => Math.max(m, n), 0);
      let longest = 0;
      for (const [, t] of entries2) longest = Math.max(longest, t.n);
      if (maxKey < 65536 && entries2.every(([n]) => Number.isInteger(n) && n >= 0)) {
        const arr: (Ascii | undefined)[] = new Array(maxKey + 1).fill(undefined);
        for (const [n, t] of entries2) arr[n] = t;
        P.push(arr);
        val = `{ const p = P[${P.length - 1}][v]; if (p !== undefined) at = PA(b, dv, at, p); else { ${unrolled('{"value":')} } ${val} b[at++] = 125; }`;
      } else {
        P.push(new Map(entries2));
        val = `{ const p = P[${P.length - 1}].get(v); if (p !== undefined) at = PA(b, dv, at, p); else { ${unrolled('{"value":')} } ${val} b[at++] = 125; }`;
      }
      // + 3: putAscii's last word store
      width += longest + 1 + 3;
    }
    maxLen += key.length + width;
    lines.push(`  ${unrolled(key)} { const v = ${acc}; ${val} }`);
  });
  const src = `return function json(f, u8, b, at, dv) {\n${lines.join('\n')}\n  return at;\n}`;
  try {
    const fn = new Function('A4', 'A6', 'AM', 'macOk', 'PA', 'mac', 'hq', 'ws', 'wq', 'wn', 'wh', 'P', 'H', src)(
      writeIpv4,
      writeIpv6,
      writeMac,
      macOk,
      putAscii,
      mac,
      hexQuoted,
      ws,
      wq,
      wn,
      wh,
      P,
      HEXC,
    ) as LayerEmitFn;
    return { fn, maxLen, source: src };
  } catch {
    return undefined; // an odd key: the generic path still works
  }
}

function layerFormat(reg: Registry, name: string, labels: boolean): LayerFormat {
  const proto = reg.byName(name);
  const openText = `${asciiJson(name)}:{`;
  const open = ascii(openText);
  const openComma = ascii(`,${openText}`);
  if (proto === undefined) {
    return {
      proto,
      name,
      alias: name,
      open,
      openComma,
      json: undefined,
      header: {},
      keyOf: (k) => k,
      computed: [],
      computedKeys: [],
      hasRest: false,
      hasExtras: false,
      tlv: undefined,
    };
  }
  const header = proto.header;
  const keyOf = labels ? (k: string) => header[k]?.label ?? k : (k: string) => k;
  const taken = new Set(Object.keys(header).map(keyOf));
  const computed: [string, (l: Layer, fr: RawFrame, reg: Registry) => unknown][] = [];
  for (const [tname, fn] of Object.entries(proto.computed ?? {})) {
    const key = computedKey(proto.abbrev, tname);
    if (taken.has(key) || key === 'options' || key === 'data' || key === 'details') continue;
    taken.add(key);
    computed.push([key, fn]);
  }
  return {
    proto,
    name,
    alias: proto.alias,
    open,
    openComma,
    json: proto.custom ? undefined : compileJson(header, keyOf),
    header,
    keyOf,
    computed,
    computedKeys: computed.map(([k]) => ascii(`${asciiJson(k)}:`)),
    hasRest: proto.rest !== undefined,
    hasExtras: computed.length > 0 || proto.rest !== undefined,
    tlv:
      proto.rest?.tlv === undefined || 'options' in header
        ? undefined
        : new TlvJson(proto.rest.tlv, reg, { str: strJson, value: writePlain, absent }),
  };
}

function issueRecord(frame: Frame, i: Issue): Record<string, unknown> {
  const o: Record<string, unknown> = {
    kind: i.kind,
    code: i.code,
    layer: i.layer >= 0 ? (frame.layers[i.layer]?.protocol ?? i.layer) : 'frame',
    at: i.at - frame.start,
  };
  if (i.need !== undefined) o.need = i.need;
  if (i.have !== undefined) o.have = i.have;
  if (i.lenSource !== undefined) o.lenSource = i.lenSource;
  if (i.message !== undefined) o.message = i.message;
  return o;
}

/** asciiJson of short strings (keys, option names, enum names) recur in every frame: cache them. */
const JSON_STR = new Map<string, string>();
function strJson(s: string): string {
  if (s.length > 40) return asciiJson(s);
  let j = JSON_STR.get(s);
  if (j === undefined) {
    if (JSON_STR.size >= 8192) JSON_STR.clear();
    j = asciiJson(s);
    JSON_STR.set(s, j);
  }
  return j;
}

/** What toPlain() turns into undefined (omitted from objects). */
function absent(v: unknown): boolean {
  return v === undefined || v === null || typeof v === 'function' || typeof v === 'symbol';
}

/**
 * `asciiJson(toPlain(v))` in one pass, straight into the output (no intermediate objects): the
 * decoded options and stage records of every frame go through here.
 */
export function writePlain(o: ByteOut, v: unknown, depth = 0): void {
  switch (typeof v) {
    case 'number':
      if (Number.isFinite(v)) o.num(v);
      else o.str(`"${String(v)}"`);
      return;
    case 'string':
      o.str(strJson(v));
      return;
    case 'boolean':
      o.str(v ? 'true' : 'false');
      return;
    case 'bigint':
      o.str(`"${v.toString()}"`);
      return;
    case 'object':
      break;
    default:
      o.str('null');
      return;
  }
  if (v === null) {
    o.str('null');
    return;
  }
  if (depth > 32) {
    o.str('"[too deep]"');
    return;
  }
  if (v instanceof Uint8Array) {
    o.byte(34);
    o.hex(v, 0, v.length);
    o.byte(34);
    return;
  }
  if (Array.isArray(v)) {
    o.byte(91);
    for (let i = 0; i < v.length; i++) {
      if (i > 0) o.byte(44);
      writePlain(o, v[i], depth + 1);
    }
    o.byte(93);
    return;
  }
  if (v instanceof Map || typeof (v as { toJSON?: unknown }).toJSON === 'function') {
    o.str(asciiJson(toPlain(v, depth)) ?? 'null');
    return;
  }
  o.byte(123);
  let first = true;
  const keys = Object.keys(v);
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i];
    const x = (v as Record<string, unknown>)[k];
    if (absent(x)) continue;
    if (!first) o.byte(44);
    first = false;
    o.str(strJson(k));
    o.byte(58);
    writePlain(o, x, depth + 1);
  }
  o.byte(125);
}

/** Seconds and nanoseconds as `time_epoch` text (`sec.nnnnnnnnn`), written as digits. */
function writeEpoch(o: ByteOut, sec: number, nsec: number, trim: boolean): void {
  if (sec < 0 || !Number.isInteger(sec) || !Number.isInteger(nsec) || nsec < 0 || nsec >= 1e9) {
    o.str(trim ? timeText(sec, nsec) : epochString(sec, nsec));
    return;
  }
  o.num(sec);
  if (trim) {
    trimmedFraction(o, nsec);
    return;
  }
  o.byte(46);
  o.fixed(nsec, 9);
}

/** `.5` for 500000000 ns, nothing for 0: the fraction as the shortest JSON number writes it. */
function trimmedFraction(o: ByteOut, nsec: number): void {
  if (nsec === 0) return;
  let n = nsec;
  let digits = 9;
  while (n % 10 === 0) {
    n /= 10;
    digits--;
  }
  o.byte(46);
  o.fixed(n, digits);
}

/** `,"time":1.5,"time_epoch":"1.500000000"`: the seconds' digits made once, copied for the second. */
function writeTimes(o: ByteOut, sec: number, nsec: number): void {
  o.raw(K_TIME);
  if (sec >= 0 && sec <= 0xffffffff && Number.isInteger(sec) && Number.isInteger(nsec) && nsec >= 0 && nsec < 1e9) {
    const from = o.length;
    o.uint(sec);
    const to = o.length;
    trimmedFraction(o, nsec);
    o.raw(K_EPOCH);
    o.again(from, to);
    o.byte(46);
    o.fixed(nsec, 9);
    return;
  }
  writeEpoch(o, sec, nsec, true);
  o.raw(K_EPOCH);
  writeEpoch(o, sec, nsec, false);
}

interface ChainNode {
  readonly s: string;
  readonly raw: string;
  /** Children: protocol names and their nodes (a few per node; a linear scan of interned names beats a Map). */
  readonly keys: string[];
  readonly nodes: ChainNode[];
  /** The format of the node's last protocol (undefined at the root). */
  readonly lf: LayerFormat | undefined;
  /** The two strings as JSON literals, made on first use. */
  sJson?: Ascii;
  rawJson?: Ascii;
}

/** A computed value; one that throws is absent (a report never fails on a display helper). */
function computedValue(
  fn: (l: Layer, fr: RawFrame, reg: Registry) => unknown,
  layer: Layer,
  frame: Frame,
  reg: Registry,
): unknown {
  try {
    return fn(layer, frame, reg);
  } catch {
    return undefined;
  }
}

/** A decoded-tail member for extras(), unless absent, a header key, or already there. */
function addExtra(
  out: [string, unknown][] | undefined,
  lf: LayerFormat,
  k: string,
  v: unknown,
): [string, unknown][] | undefined {
  if (absent(v) || k in lf.header) return out;
  if (out !== undefined) {
    for (let i = 0; i < out.length; i++) if (out[i][0] === k) return out;
  }
  (out ??= []).push([k, v]);
  return out;
}

/** Everything that turns frames into records or JSON text, for one run. */
export class Formatter {
  private readonly formats = new Map<string, LayerFormat>();
  private readonly chains: ChainNode = { s: '', raw: 'Raw', keys: [], nodes: [], lf: undefined };
  /** The trie nodes of the last frame given to chainNode(), one per layer. */
  private readonly path: ChainNode[] = [];
  readonly reg: Registry;
  readonly pcapng: boolean;
  readonly bytes: boolean;
  readonly labels: boolean;

  constructor(o: FormatOptions) {
    this.reg = o.registry;
    this.pcapng = o.pcapng === true;
    this.bytes = o.bytes !== false;
    this.labels = o.labels === true;
  }

  private fmt(name: string): LayerFormat {
    let f = this.formats.get(name);
    if (f === undefined) {
      f = layerFormat(this.reg, name, this.labels);
      this.formats.set(name, f);
    }
    return f;
  }

  /** The trie node of a frame's chain; `lastRaw` says whether undissected bytes remain. */
  private chainNode(frame: Frame): ChainNode {
    const ls = frame.layers;
    let node = this.chains;
    for (let i = 0; i < ls.length; i++) {
      const p = ls[i].protocol;
      const keys = node.keys;
      let nx: ChainNode | undefined;
      for (let k = 0; k < keys.length; k++) {
        if (keys[k] === p) {
          nx = node.nodes[k];
          break;
        }
      }
      if (nx === undefined) {
        const lf = this.fmt(p);
        const a = lf.alias;
        const s = node.s === '' ? a : `${node.s}:${a}`;
        nx = { s, raw: `${s}:Raw`, keys: [], nodes: [], lf };
        keys.push(p);
        node.nodes.push(nx);
      }
      node = nx;
      this.path[i] = nx;
    }
    const last = ls.length === 0 ? undefined : ls[ls.length - 1];
    this.lastRaw = (last === undefined ? frame.end - frame.start : last.end - last.hdrEnd) > 0;
    return node;
  }
  private lastRaw = false;

  /** `Ethernet:IPv4:TCP`, with `:Raw` when undissected bytes remain (PyPCAPKit's chain). */
  chain(frame: Frame): string {
    const node = this.chainNode(frame);
    return this.lastRaw ? node.raw : node.s;
  }

  /** Computed values and the decoded variable tail of a layer, as [key, value] pairs (values not yet plain). */
  private extras(frame: Frame, layer: Layer, lf: LayerFormat): [string, unknown][] | undefined {
    if (!layer.complete || !lf.hasExtras) return undefined;
    let out: [string, unknown][] | undefined;
    for (let i = 0; i < lf.computed.length; i++) {
      const [key, fn] = lf.computed[i];
      const v = computedValue(fn, layer, frame, this.reg);
      if (absent(v)) continue;
      (out ??= []).push([key, v]);
    }
    return this.tail(frame, layer, lf, out);
  }

  /**
   * `extras` written straight to `o` (no pairs made for the computed values, keys pre-encoded);
   * `before` is where the layer's members began, `tlvLater` leaves the TLV list to the caller.
   */
  private writeExtras(o: ByteOut, frame: Frame, layer: Layer, lf: LayerFormat, tlvLater: boolean, before: number) {
    if (!layer.complete || !lf.hasExtras) return;
    const rest = !tlvLater && lf.hasRest;
    // The computed keys written, only when a decoded tail follows (its keys must not repeat them).
    let seen: [string, unknown][] | undefined;
    const c = lf.computed;
    for (let i = 0; i < c.length; i++) {
      const v = computedValue(c[i][1], layer, frame, this.reg);
      if (absent(v)) continue;
      if (o.length !== before) o.byte(44);
      o.raw(lf.computedKeys[i]);
      writePlain(o, v);
      if (rest) (seen ??= []).push([c[i][0], v]);
    }
    if (!rest) return;
    const n = seen?.length ?? 0;
    const all = this.tail(frame, layer, lf, seen);
    if (all === undefined) return;
    for (let i = n; i < all.length; i++) {
      if (o.length !== before) o.byte(44);
      o.str(strJson(all[i][0]));
      o.byte(58);
      writePlain(o, all[i][1]);
    }
  }

  /** The decoded variable tail's members appended to `out` (none already there, none a header key). */
  private tail(
    frame: Frame,
    layer: Layer,
    lf: LayerFormat,
    out: [string, unknown][] | undefined,
  ): [string, unknown][] | undefined {
    // An empty TLV area is no list in either mode (eagerly decoded details hold [] there).
    const tail = layer.hdrEnd > layer.start + lf.proto!.minLen;
    if (lf.hasRest && (tail || (layer.details !== undefined && lf.proto!.rest!.tlv === undefined))) {
      const d = decodeDetails(frame, layer, this.reg);
      if (absent(d)) return out;
      if (Array.isArray(d) || typeof d !== 'object' || d instanceof Uint8Array) {
        out = addExtra(out, lf, Array.isArray(d) ? 'options' : 'details', d);
      } else {
        const obj = d instanceof Map || typeof (d as { toJSON?: unknown }).toJSON === 'function' ? toPlain(d) : d;
        if (obj !== null && typeof obj === 'object' && !Array.isArray(obj)) {
          for (const k in obj)
            if (Object.hasOwn(obj, k)) out = addExtra(out, lf, k, (obj as Record<string, unknown>)[k]);
        } else out = addExtra(out, lf, 'details', obj);
      }
    }
    return out;
  }

  private restSpan(frame: Frame): readonly [number, number] | undefined {
    if (!this.bytes) return undefined;
    const ls = frame.layers;
    const last = ls.length === 0 ? undefined : ls[ls.length - 1];
    const s = last === undefined ? frame.start : last.hdrEnd;
    const e = last === undefined ? frame.end : last.end;
    return e > s ? [s, e] : undefined;
  }

  /** A layer's own members (no nesting) as a plain object. */
  private layerObject(frame: Frame, layer: Layer, lf: LayerFormat): Record<string, unknown> {
    const o: Record<string, unknown> = {};
    const u8 = frame.bytes.u8;
    const fields = layer.fields as Record<string, unknown>;
    for (const k of Object.keys(fields)) {
      const v = fields[k];
      if (v === undefined) continue;
      const decl = lf.header[k];
      const p = decl === undefined ? toPlain(v) : fieldValue(decl, v, u8);
      if (p !== undefined) o[lf.keyOf(k)] = p;
    }
    const extra = this.extras(frame, layer, lf);
    if (extra) for (const [k, v] of extra) if (!(k in o)) o[k] = toPlain(v);
    return o;
  }

  /** The frame as a plain object: the shape every report format shares. */
  record(frame: Frame): Record<string, unknown> {
    const r: Record<string, unknown> = {
      number: frame.n,
      time: Number(timeText(frame.tsSec, frame.tsNsec)),
      time_epoch: epochString(frame.tsSec, frame.tsNsec),
      len: frame.origLen,
      cap_len: frame.end - frame.start,
    };
    if (this.pcapng) r.interface_id = frame.iface;
    if (frame.section !== 0) r.section = frame.section;
    if (frame.comments !== undefined && frame.comments.length > 0) r.comments = [...frame.comments];
    if (frame.opts !== undefined) r.options = toPlain(frame.opts);
    r.protocols = this.chain(frame);
    let into = r;
    for (const layer of frame.layers) {
      const lf = this.fmt(layer.protocol);
      const o = this.layerObject(frame, layer, lf);
      into[layer.protocol] = o;
      into = o;
    }
    const rest = this.restSpan(frame);
    if (rest !== undefined) into.data = hexOf(frame.bytes.u8, rest[0], rest[1]);
    if (frame.flow !== undefined) r.flow = frame.flow;
    if (frame.reassembled !== undefined) r.reassembled = toPlain(frame.reassembled);
    if (frame.messages !== undefined) r.messages = toPlain(frame.messages);
    if (frame.issues.length > 0) r.issues = frame.issues.map((i) => issueRecord(frame, i));
    return r;
  }

  /** The same frame as compact, ASCII-only JSON text (one line), written to `o`. */
  writeJson(frame: Frame, o: ByteOut, suffix?: Ascii): void {
    o.raw(K_NUMBER);
    o.uint(frame.n);
    writeTimes(o, frame.tsSec, frame.tsNsec);
    o.raw(K_LEN);
    o.uint(frame.origLen);
    o.raw(K_CAPLEN);
    o.uint(frame.end - frame.start);
    if (this.pcapng) {
      o.raw(K_IFACE);
      o.uint(frame.iface);
    }
    if (frame.section !== 0) {
      o.raw(K_SECTION);
      o.uint(frame.section);
    }
    if (frame.comments !== undefined && frame.comments.length > 0) {
      o.raw(K_COMMENTS);
      writePlain(o, frame.comments);
    }
    if (frame.opts !== undefined) {
      o.raw(K_OPTIONS);
      writePlain(o, frame.opts);
    }
    o.raw(K_PROTOCOLS);
    o.raw(this.chainJson(frame));
    const ls = frame.layers;
    const u8 = frame.bytes.u8;
    const path = this.path; // filled by chainJson for this frame
    let empty = false; // the innermost open object has no members yet
    for (let i = 0; i < ls.length; i++) {
      const layer = ls[i];
      const lf = path[i].lf!;
      o.raw(empty ? lf.open : lf.openComma);
      const before = o.length;
      if (layer.complete && lf.json !== undefined) {
        o.emit(lf.json.maxLen, lf.json.fn, layer.fields, u8);
        const tlv = layer.details === undefined ? lf.tlv : undefined;
        this.writeExtras(o, frame, layer, lf, tlv !== undefined, before);
        const optStart = layer.start + (lf.proto?.minLen ?? 0);
        if (tlv !== undefined && layer.hdrEnd > optStart) {
          // The options straight from the bytes; an odd list rolls back to the generic path.
          const m = o.mark();
          if (o.length !== before) o.byte(44);
          o.raw(K_LAYER_OPTIONS);
          if (!tlv.write(o, frame.bytes, optStart, layer.hdrEnd)) {
            o.reset(m);
            const d = decodeDetails(frame, layer, this.reg);
            if (!absent(d)) {
              if (o.length !== before) o.byte(44);
              o.raw(K_LAYER_OPTIONS);
              writePlain(o, d);
            }
          }
        }
      } else {
        o.str(asciiJson(this.layerObject(frame, layer, lf)).slice(1, -1));
      }
      empty = o.length === before;
    }
    const rest = this.restSpan(frame);
    if (rest !== undefined) {
      o.raw(empty ? K_DATA : K_DATA_COMMA);
      o.hex(u8, rest[0], rest[1]);
      o.byte(34);
    }
    for (let i = 0; i < ls.length; i++) o.byte(125);
    if (frame.flow !== undefined) {
      o.raw(K_FLOW);
      o.num(frame.flow);
    }
    if (frame.reassembled !== undefined) {
      o.raw(K_REASSEMBLED);
      writePlain(o, frame.reassembled);
    }
    if (frame.messages !== undefined) {
      o.raw(K_MESSAGES);
      writePlain(o, frame.messages);
    }
    if (frame.issues.length > 0) {
      o.raw(K_ISSUES);
      o.str(asciiJson(frame.issues.map((i) => issueRecord(frame, i))));
    }
    o.byte(125);
    if (suffix !== undefined) o.raw(suffix);
  }

  /** The chain as JSON string literal bytes, cached on its trie node. */
  private chainJson(frame: Frame): Ascii {
    const node = this.chainNode(frame);
    if (this.lastRaw) return (node.rawJson ??= ascii(asciiJson(node.raw)));
    return (node.sJson ??= ascii(asciiJson(node.s)));
  }

  /** `writeJson` that never throws: a frame that cannot be formatted becomes a record naming the error. */
  safeWriteJson(frame: Frame, o: ByteOut, suffix?: Ascii): void {
    const m = o.mark();
    try {
      this.writeJson(frame, o, suffix);
    } catch (e) {
      o.reset(m);
      o.str(asciiJson(this.errorRecord(frame, e)));
      if (suffix !== undefined) o.raw(suffix);
    }
  }

  /** The frame's JSON text (tests, one-off use; dumpers write bytes). */
  json(frame: Frame): string {
    const o = new ByteOut(4096);
    this.safeWriteJson(frame, o);
    return o.take().toString('latin1');
  }

  safeRecord(frame: Frame): Record<string, unknown> {
    try {
      return this.record(frame);
    } catch (e) {
      return this.errorRecord(frame, e);
    }
  }

  private errorRecord(frame: Frame, e: unknown): Record<string, unknown> {
    return {
      number: frame.n,
      time: Number(timeText(frame.tsSec, frame.tsNsec)),
      time_epoch: epochString(frame.tsSec, frame.tsNsec),
      len: frame.origLen,
      cap_len: frame.end - frame.start,
      issues: [
        {
          kind: 'bug',
          code: 'dump.exception',
          layer: 'frame',
          at: 0,
          message: e instanceof Error ? e.message : String(e),
        },
      ],
    };
  }
}

/** The blocks that precede frames in a report: PyPCAPKit's "Global Header", pcapng sections and interfaces. */
export { linktypeName };

/** The formatter a report dumper opens with: the run's registry and byte switch, the capture's format. */
export function reportFormatter(ctx: DumpContext, info: CaptureInfo, labels = false): Formatter {
  return new Formatter({
    registry: ctx.registry,
    pcapng: info.format === 'pcapng',
    bytes: ctx.options.bytes,
    labels,
  });
}
