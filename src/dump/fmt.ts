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
import { linktypeName } from '../capture/linktypes.js';
import { ipv4ToString, ipv6ToString, macToString } from '../core/addr.js';
import { details as decodeDetails } from '../core/dissect.js';
import { type Field, type Header, shiftOf, widthOf } from '../core/fields.js';
import { epochString, type Frame, type Layer, type RawFrame } from '../core/frame.js';
import type { Issue } from '../core/issue.js';
import type { Protocol } from '../core/protocol.js';
import type { Registry } from '../core/registry.js';

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
      return ipv4ToString(v as number);
    case 'ipv6':
      return ipv6ToString(v as readonly number[]);
    case 'mac':
      return macToString(v as number);
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

/** Per protocol: everything derived once from its declaration. */
interface LayerFormat {
  readonly proto: Protocol | undefined;
  readonly name: string;
  readonly alias: string;
  /** Compiled `"k":v,…` for a complete layer of a table-declared protocol. */
  readonly json: ((f: any, u8: Uint8Array) => string) | undefined;
  readonly header: Header;
  /** Display key per field key (labels for the tree view). */
  readonly keyOf: (k: string) => string;
  readonly computed: readonly (readonly [string, (l: Layer, fr: RawFrame, reg: Registry) => unknown])[];
  readonly hasRest: boolean;
}

function compileJson(header: Header, keyOf: (k: string) => string): ((f: any, u8: Uint8Array) => string) | undefined {
  const entries = Object.entries(header);
  if (entries.length === 0) return () => '';
  const parts: string[] = [];
  const names: (Readonly<Record<number, string>> | undefined)[] = [];
  const namePrefixes: Record<number, string>[] = [];
  entries.forEach(([k, f], i) => {
    const keyJ = JSON.stringify(JSON.stringify(keyOf(k)).concat(':'));
    const acc = `f[${JSON.stringify(k)}]`;
    let val: string;
    switch (f.kind) {
      case 'ipv4':
        val = `'"' + ip4(${acc}) + '"'`;
        break;
      case 'ipv6':
        val = `'"' + ip6(${acc}) + '"'`;
        break;
      case 'mac':
        val = `'"' + mac(${acc}) + '"'`;
        break;
      case 'bytes':
        val = `'"' + hx(u8, ${acc}.start, ${acc}.end) + '"'`;
        break;
      default:
        val =
          f.base === 'hex'
            ? `'"0x' + ${acc}.toString(16).padStart(${hexDigits(f)}, '0') + '"'`
            : f.base === 'bool'
              ? `(${acc} !== 0 ? 'true' : 'false')`
              : `${acc}`;
    }
    if (f.names !== undefined) {
      const pre: Record<number, string> = {};
      for (const [n, name] of Object.entries(f.names)) pre[Number(n)] = `{"name":${JSON.stringify(name)},"value":`;
      namePrefixes.push(pre);
      names.push(f.names);
      val = `(P[${namePrefixes.length - 1}][${acc}] ?? '{"value":') + ${val} + '}'`;
    }
    parts.push(`${i === 0 ? keyJ : JSON.stringify(`,${JSON.parse(keyJ)}`)} + ${val}`);
  });
  const src = `return function json(f, u8) {\n  return ${parts.join('\n    + ')};\n}`;
  try {
    return new Function('ip4', 'ip6', 'mac', 'hx', 'P', src)(
      ipv4ToString,
      ipv6ToString,
      macToString,
      hexOf,
      namePrefixes,
    ) as (f: any, u8: Uint8Array) => string;
  } catch {
    return undefined; // an odd key: the generic path still works
  }
}

function layerFormat(reg: Registry, name: string, labels: boolean): LayerFormat {
  const proto = reg.byName(name);
  if (proto === undefined) {
    return {
      proto,
      name,
      alias: name,
      json: undefined,
      header: {},
      keyOf: (k) => k,
      computed: [],
      hasRest: false,
    };
  }
  const header = proto.header;
  const keyOf = labels ? (k: string) => header[k]?.label ?? k : (k: string) => k;
  const taken = new Set(Object.keys(header).map(keyOf));
  const computed: [string, (l: Layer, fr: RawFrame, reg: Registry) => unknown][] = [];
  for (const [tname, fn] of Object.entries(proto.computed ?? {})) {
    const key = computedKey(proto.abbrev, tname);
    if (taken.has(key) || key === 'options' || key === 'data') continue;
    taken.add(key);
    computed.push([key, fn]);
  }
  return {
    proto,
    name,
    alias: proto.alias,
    json: proto.custom ? undefined : compileJson(header, keyOf),
    header,
    keyOf,
    computed,
    hasRest: proto.rest !== undefined,
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

/** Everything that turns frames into records or JSON text, for one run. */
export class Formatter {
  private readonly formats = new Map<string, LayerFormat>();
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

  /** `Ethernet:IPv4:TCP`, with `:Raw` when undissected bytes remain (PyPCAPKit's chain). */
  chain(frame: Frame): string {
    const ls = frame.layers;
    let s = '';
    for (let i = 0; i < ls.length; i++) s += (i === 0 ? '' : ':') + this.fmt(ls[i].protocol).alias;
    const last = ls.length === 0 ? undefined : ls[ls.length - 1];
    const rest = last === undefined ? frame.end - frame.start : last.end - last.hdrEnd;
    if (rest > 0) s += s === '' ? 'Raw' : ':Raw';
    return s;
  }

  /** Computed values and the decoded variable tail of a layer, as [key, plain value] pairs. */
  private extras(frame: Frame, layer: Layer, lf: LayerFormat, out: [string, unknown][]): void {
    if (!layer.complete) return;
    const start = out.length;
    const push = (k: string, v: unknown) => {
      if (v === undefined || k in lf.header) return;
      for (let i = start; i < out.length; i++) if (out[i][0] === k) return;
      out.push([k, v]);
    };
    for (const [key, fn] of lf.computed) {
      let v: unknown;
      try {
        v = fn(layer, frame, this.reg);
      } catch {
        v = undefined;
      }
      if (v !== undefined) push(key, toPlain(v));
    }
    if (lf.hasRest && (layer.details !== undefined || layer.hdrEnd > layer.start + lf.proto!.minLen)) {
      const d = toPlain(decodeDetails(frame, layer, this.reg));
      if (d === undefined) return;
      if (Array.isArray(d)) push('options', d);
      else if (typeof d === 'object' && d !== null) {
        for (const [k, v] of Object.entries(d)) push(k, v);
      } else push('details', d);
    }
  }

  private rawRest(frame: Frame): string | undefined {
    if (!this.bytes) return undefined;
    const ls = frame.layers;
    const last = ls.length === 0 ? undefined : ls[ls.length - 1];
    const s = last === undefined ? frame.start : last.hdrEnd;
    const e = last === undefined ? frame.end : last.end;
    return e > s ? hexOf(frame.bytes.u8, s, e) : undefined;
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
    const extra: [string, unknown][] = [];
    this.extras(frame, layer, lf, extra);
    for (const [k, v] of extra) if (!(k in o)) o[k] = v;
    return o;
  }

  /** The frame as a plain object: the shape every report format shares. */
  record(frame: Frame): Record<string, unknown> {
    const r: Record<string, unknown> = {
      number: frame.n,
      time: frame.tsSec + frame.tsNsec / 1e9,
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
    const data = this.rawRest(frame);
    if (data !== undefined) into.data = data;
    if (frame.flow !== undefined) r.flow = frame.flow;
    if (frame.reassembled !== undefined) r.reassembled = toPlain(frame.reassembled);
    if (frame.messages !== undefined) r.messages = toPlain(frame.messages);
    if (frame.issues.length > 0) r.issues = frame.issues.map((i) => issueRecord(frame, i));
    return r;
  }

  /** The same frame as compact JSON text (one line). */
  json(frame: Frame): string {
    let s = `{"number":${frame.n},"time":${frame.tsSec + frame.tsNsec / 1e9},"time_epoch":"${epochString(frame.tsSec, frame.tsNsec)}","len":${frame.origLen},"cap_len":${frame.end - frame.start}`;
    if (this.pcapng) s += `,"interface_id":${frame.iface}`;
    if (frame.section !== 0) s += `,"section":${frame.section}`;
    if (frame.comments !== undefined && frame.comments.length > 0) s += `,"comments":${JSON.stringify(frame.comments)}`;
    if (frame.opts !== undefined) s += `,"options":${JSON.stringify(toPlain(frame.opts))}`;
    s += `,"protocols":${JSON.stringify(this.chain(frame))}`;
    const ls = frame.layers;
    const u8 = frame.bytes.u8;
    let open = 0;
    let empty = false; // the innermost open object has no members yet
    for (let i = 0; i < ls.length; i++) {
      const layer = ls[i];
      const lf = this.fmt(layer.protocol);
      s += `${empty ? '' : ','}${JSON.stringify(layer.protocol)}:{`;
      open++;
      let body: string;
      if (layer.complete && lf.json !== undefined) {
        body = lf.json(layer.fields, u8);
        const extra: [string, unknown][] = [];
        this.extras(frame, layer, lf, extra);
        for (const [k, v] of extra) {
          body += `${body === '' ? '' : ','}${JSON.stringify(k)}:${JSON.stringify(v)}`;
        }
      } else {
        body = JSON.stringify(this.layerObject(frame, layer, lf)).slice(1, -1);
      }
      s += body;
      empty = body === '';
    }
    const data = this.rawRest(frame);
    if (data !== undefined) {
      s += `${empty ? '' : ','}"data":"${data}"`;
      empty = false;
    }
    for (let i = 0; i < open; i++) s += '}';
    if (frame.flow !== undefined) s += `,"flow":${frame.flow}`;
    if (frame.reassembled !== undefined) s += `,"reassembled":${JSON.stringify(toPlain(frame.reassembled))}`;
    if (frame.messages !== undefined) s += `,"messages":${JSON.stringify(toPlain(frame.messages))}`;
    if (frame.issues.length > 0) s += `,"issues":${JSON.stringify(frame.issues.map((i) => issueRecord(frame, i)))}`;
    return `${s}}`;
  }

  /** `json()` that never throws: a frame that cannot be formatted becomes a record naming the error. */
  safeJson(frame: Frame): string {
    try {
      return this.json(frame);
    } catch (e) {
      return JSON.stringify(this.errorRecord(frame, e));
    }
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
      time: frame.tsSec + frame.tsNsec / 1e9,
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
