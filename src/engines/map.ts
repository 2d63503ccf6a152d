/**
 * Turning a peer's view of a frame (tshark, dpkt, scapy) into pcapkit's Frame: protocol names mapped
 * onto the registry's, field text parsed back into the values our dissectors store (the inverse of
 * `fieldText` in src/api/fields.ts), so the dumpers and `find()` work on the result unchanged.
 */
import { parseIpv4, parseIpv6, parseMac } from '../core/addr.js';
import type { Field } from '../core/fields.js';
import type { Layer } from '../core/frame.js';
import type { Protocol } from '../core/protocol.js';
import type { Registry } from '../core/registry.js';

/** A field's value from its text as tshark prints it; undefined when it cannot be represented. */
export function parseFieldText(field: Field, s: string): unknown {
  switch (field.kind) {
    case 'ipv4': {
      const v = parseIpv4(s);
      return Number.isFinite(v) ? v : undefined;
    }
    case 'ipv6':
      return parseIpv6(s);
    case 'mac': {
      const v = parseMac(s);
      return Number.isFinite(v) ? v : undefined;
    }
    case 'bytes':
      return undefined; // offsets into the frame: a peer's hex text has none
    default: {
      if (s === 'True') return 1;
      if (s === 'False') return 0;
      const n = Number(s);
      return Number.isFinite(n) ? n : undefined;
    }
  }
}

/** A value a Python peer sent (number, or address text) as our dissector would store it. */
export function fromPeer(field: Field | undefined, v: unknown): unknown {
  if (field === undefined) return v;
  if (typeof v === 'string') return parseFieldText(field, v);
  if (typeof v === 'boolean') return v ? 1 : 0;
  return v;
}

/**
 * Peer protocol name → registry protocol: exact name, else abbreviation (tshark's filter name); where
 * several share an abbreviation (sll/sll2, null/loop) the one bound to the frame's link type wins.
 */
export function protocolMapper(
  reg: Registry,
): (name: string, linktype: number, first: boolean) => Protocol | undefined {
  const byAbbrev = new Map<string, Protocol[]>();
  for (const p of reg.protocols) {
    const a = p.abbrev.toLowerCase();
    const l = byAbbrev.get(a);
    if (l) l.push(p);
    else byAbbrev.set(a, [p]);
  }
  const cache = new Map<string, Protocol | null>();
  return (name, linktype, first) => {
    const list = byAbbrev.get(name);
    if (first && list && list.length > 1) {
      const bound = reg.lookup('linktype', linktype);
      if (bound && list.includes(bound)) return bound;
    }
    let p = cache.get(name);
    if (p === undefined) {
      p = reg.byName(name) ?? list?.[0] ?? null;
      cache.set(name, p);
    }
    return p ?? undefined;
  };
}

/**
 * A layer from a peer. Complete only when the peer placed its bytes (real offsets) and gave every
 * header field: the dumpers then use the compiled writer and the computed fields, which read the
 * layer's bytes. Otherwise partial: shown field by field, nothing read from bytes that are not its own.
 */
export function peerLayer(
  reg: Registry,
  protocol: string,
  fields: Record<string, unknown>,
  start: number,
  hdrEnd: number,
  end: number,
  placed: boolean,
): Layer {
  const p = reg.byName(protocol);
  let complete = placed && p !== undefined;
  if (complete) for (const k in p!.header) if (fields[k] === undefined) complete = false;
  return { protocol, start, hdrEnd, end, complete, fields } as Layer;
}
