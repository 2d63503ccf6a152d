/**
 * Field values by tshark name: `fieldValues(frame, 'ip.src')` → ['10.0.0.1'] (one per occurrence,
 * outermost first, as `tshark -T fields -E occurrence=a`). The names come from the protocol tables
 * (`tshark` on a field, else `${abbrev}.${snake(key)}`) and their `computed` entries, so a new
 * protocol is covered without touching this file. Used by the conformance tool, the tshark engine's
 * mapping and display filters.
 */
import { ipv4ToString, ipv6ToString, macToString } from '../core/addr.js';
import { hex } from '../core/bytes.js';
import { type Field, snake, widthOf } from '../core/fields.js';
import { epochString, type Frame } from '../core/frame.js';
import type { ComputedField, Protocol } from '../core/protocol.js';
import type { Registry } from '../core/registry.js';

export type FieldText = string;

interface HeaderRef {
  readonly kind: 'header';
  readonly protocol: Protocol;
  readonly key: string;
  readonly field: Field;
}
interface ComputedRef {
  readonly kind: 'computed';
  readonly protocol: Protocol;
  readonly fn: ComputedField;
}
interface FrameRef {
  readonly kind: 'frame';
  readonly fn: (f: Frame) => string | undefined;
}
export type FieldRef = HeaderRef | ComputedRef | FrameRef;

const FRAME_FIELDS: Readonly<Record<string, (f: Frame) => string | undefined>> = {
  'frame.number': (f) => String(f.n),
  'frame.time_epoch': (f) => (f.hasTs ? epochString(f.tsSec, f.tsNsec) : undefined),
  'frame.len': (f) => String(f.origLen),
  'frame.cap_len': (f) => String(f.end - f.start),
  'frame.interface_id': (f) => String(f.iface),
  'frame.comment': (f) => (f.comments?.length ? f.comments.join(',') : undefined),
  'tcp.stream': (f) => streamOf(f, 'tcp'),
  'udp.stream': (f) => streamOf(f, 'udp'),
};

/** tcp.stream / udp.stream set by the flow stage (frame.flows when the frame has both kinds). */
function streamOf(f: Frame, p: 'tcp' | 'udp'): string | undefined {
  if (f.flows !== undefined) return f.flows[p] >= 0 ? String(f.flows[p]) : undefined;
  if (f.flow === undefined) return undefined;
  const has = f.layers.some((l) => l.protocol === p) || f.reassembled?.some((r) => isDatagramOf(r, p)) === true;
  return has ? String(f.flow) : undefined;
}
function isDatagramOf(r: unknown, p: string): boolean {
  const pk = (r as { packet?: Frame }).packet;
  return pk !== undefined && pk.layers[0]?.protocol === p;
}

const cache = new WeakMap<Registry, Map<string, FieldRef[]>>();

/** Every tshark name the registry knows → where its values come from. */
export function fieldIndex(reg: Registry): Map<string, FieldRef[]> {
  let idx = cache.get(reg);
  if (idx) return idx;
  idx = new Map();
  const add = (name: string, ref: FieldRef) => {
    const list = idx!.get(name);
    if (list) list.push(ref);
    else idx!.set(name, [ref]);
  };
  for (const [name, fn] of Object.entries(FRAME_FIELDS)) add(name, { kind: 'frame', fn });
  for (const p of reg.protocols) {
    for (const [key, field] of Object.entries(p.header)) {
      if (field.tshark === '-') continue; // shown under another name by a computed entry
      add(field.tshark ?? `${p.abbrev}.${snake(key)}`, { kind: 'header', protocol: p, key, field });
    }
    for (const [name, fn] of Object.entries(p.computed ?? {})) add(name, { kind: 'computed', protocol: p, fn });
  }
  cache.set(reg, idx);
  return idx;
}

/** A field value as tshark prints it in `-T fields` (hex fields with 0x and the field's width). */
export function fieldText(field: Field, v: unknown, frame: Frame): string {
  switch (field.kind) {
    case 'ipv4':
      return ipv4ToString(v as number);
    case 'ipv6':
      return ipv6ToString(v as readonly number[]);
    case 'mac':
      return macToString(v as number);
    case 'bytes': {
      const s = v as { start: number; end: number };
      return hex(frame.bytes.u8, s.start, s.end);
    }
    default: {
      const n = v as number;
      if (field.base === 'hex') return `0x${n.toString(16).padStart(widthOf(field) * 2, '0')}`;
      return String(n);
    }
  }
}

/** Values of one tshark field in a frame, outermost first; [] when absent. */
export function fieldValues(
  frame: Frame,
  name: string,
  reg: Registry,
  capture?: { readonly format: 'pcap' | 'pcapng' },
): FieldText[] {
  const refs = fieldIndex(reg).get(name);
  if (!refs) return [];
  const out: FieldText[] = [];
  // Walk layers in order so several protocols sharing a name (tunnels, ICMP quotes) keep wire order.
  const frameRef = refs.find((r) => r.kind === 'frame') as FrameRef | undefined;
  if (frameRef) {
    // tshark shows an interface only for pcapng.
    if (name === 'frame.interface_id' && capture?.format === 'pcap') return [];
    const v = frameRef.fn(frame);
    return v === undefined ? [] : [v];
  }
  for (const l of frame.layers) {
    for (const r of refs) {
      if (r.kind === 'frame' || r.protocol.name !== l.protocol) continue;
      if (r.kind === 'header') {
        const v = (l.fields as Record<string, unknown>)[r.key];
        if (v !== undefined) out.push(fieldText(r.field, v, frame));
      } else {
        let v: ReturnType<ComputedField>;
        try {
          v = r.fn(l, frame, reg);
        } catch {
          v = undefined;
        }
        if (v === undefined) continue;
        if (Array.isArray(v)) for (const x of v) out.push(String(x));
        else out.push(String(v));
      }
    }
  }
  return out;
}
