/**
 * build(...layers, payload): size once, allocate once, write headers outer → inner, then run
 * `finish` hooks inner → outer (checksums need the payload written first). The outer "next" field a
 * caller did not give (ipv4.proto, eth.type) is read backwards from the inner protocol's `bind`,
 * as dpkt's reverse table does (DESIGN §3.6).
 */
import { Bytes } from './bytes.js';
import type { BuildCtx, BuiltLayer, LayerSpec, Protocol } from './protocol.js';
import type { Registry } from './registry.js';

export interface PayloadSpec {
  readonly payload: Uint8Array;
}
export type Part = LayerSpec | PayloadSpec | Uint8Array | string;

const enc = new TextEncoder();

/** Raw payload bytes for `build()`: a string is UTF-8 encoded. */
export function payload(data: Uint8Array | string): PayloadSpec {
  return { payload: typeof data === 'string' ? enc.encode(data) : data };
}

/** Octets before the variable tail: the fixed header, or what a hand-written encoder writes. */
function fixedSize(p: Protocol, fields: Partial<unknown>): number {
  return p.custom && p.encodingLength ? p.encodingLength(fields) : p.minLen;
}

function headerSize(p: Protocol, fields: Partial<unknown>, rest: unknown, reg: Registry): number {
  let n = fixedSize(p, fields);
  if (rest !== undefined && p.rest?.encodingLength) n += p.rest.encodingLength(rest, fields, reg);
  return n;
}

export function buildWith(reg: Registry, ...parts: Part[]): Uint8Array {
  const specs: LayerSpec[] = [];
  const tail: Uint8Array[] = [];
  for (const part of parts) {
    if (typeof part === 'string') tail.push(enc.encode(part));
    else if (part instanceof Uint8Array) tail.push(part);
    else if ('payload' in part) tail.push(part.payload);
    else specs.push(part);
  }
  let payloadLen = 0;
  for (const t of tail) payloadLen += t.length;

  // Fill each layer's selector from the inner layer's bind (ipv4.proto ← udp binds ip.proto 17).
  const fields: Record<string, unknown>[] = specs.map((s) => ({ ...(s.fields as object) }));
  for (let i = 0; i < specs.length - 1; i++) {
    const sel = specs[i].protocol.selector;
    if (!sel || fields[i][sel.field] !== undefined) continue;
    const keys = specs[i + 1].protocol.bind?.[sel.table];
    if (keys && keys.length > 0) fields[i][sel.field] = keys[0];
  }
  // A layer given without its tail builds the protocol's empty tail (IPv6 extension headers pad to 8 octets).
  const rests: unknown[] = specs.map((s) => (s.rest !== undefined ? s.rest : s.protocol.emptyRest));
  // Sizes inner → outer, so derive() sees each layer's payload size.
  const hsize: number[] = new Array(specs.length);
  const psize: number[] = new Array(specs.length);
  let inner = payloadLen;
  for (let i = specs.length - 1; i >= 0; i--) {
    const s = specs[i];
    const p = s.protocol;
    if (p.derive) {
      const h0 = headerSize(p, fields[i], rests[i], reg);
      const d = p.derive(s.fields, { header: h0, payload: inner }, rests[i]);
      for (const [k, v] of Object.entries(d)) if (fields[i][k] === undefined) fields[i][k] = v;
    }
    hsize[i] = headerSize(p, fields[i], rests[i], reg);
    psize[i] = inner;
    inner += hsize[i];
  }
  const out = new Uint8Array(inner);
  const b = new Bytes(out);
  const built: BuiltLayer[] = [];
  let at = 0;
  for (let i = 0; i < specs.length; i++) {
    const s = specs[i];
    const p = s.protocol;
    p.encode(b, at, fields[i]);
    if (rests[i] !== undefined && p.rest?.encode)
      p.rest.encode(b, at + fixedSize(p, fields[i]), rests[i], fields[i], reg);
    built.push({
      protocol: p,
      fields: fields[i],
      rest: rests[i],
      at,
      hdrEnd: at + hsize[i],
      end: at + hsize[i] + psize[i],
    });
    at += hsize[i];
  }
  for (const t of tail) {
    out.set(t, at);
    at += t.length;
  }
  for (let i = specs.length - 1; i >= 0; i--) {
    const p = specs[i].protocol;
    if (!p.finish) continue;
    const ctx: BuildCtx = { b, layers: built, index: i, registry: reg, outer: built[i - 1], inner: built[i + 1] };
    p.finish(specs[i].fields, built[i], ctx);
  }
  return out;
}
