/**
 * Compare our dissection of a corpus capture with its tshark oracle, field by field (tshark names):
 * a small, local version of the conformance tool for protocol tests. Values are formatted as the
 * oracle writes them (README: decimal, `0x` hex for a few fields, RFC 5952 addresses, 0/1 booleans).
 */
import { readFramesSync } from '../../src/api/read-frames.js';
import { ipv4ToString, ipv6ToString } from '../../src/core/addr.js';
import type { Field } from '../../src/core/fields.js';
import { snake } from '../../src/core/fields.js';
import type { Frame } from '../../src/core/frame.js';
import type { Registry } from '../../src/core/registry.js';
import { defaultRegistry } from '../../src/protocols/index.js';
import { corpusPath, oraclePackets } from './corpus.js';

const HEX_WIDTH: Readonly<Record<string, number>> = {
  'eth.type': 4,
  'ip.id': 4,
  'ip.flags': 2,
  'ip.checksum': 4,
  'ipv6.flow': 6,
  'ipv6.fraghdr.ident': 8,
  'tcp.flags': 3,
  'ah.spi': 8,
};

function fmt(name: string, f: Field | undefined, v: unknown): string {
  if (v === undefined) return '';
  if (Array.isArray(v) && f?.kind === 'ipv6') return ipv6ToString(v as number[]);
  if (Array.isArray(v)) return v.map((x) => fmt(name, undefined, x)).join(',');
  if (typeof v === 'number') {
    if (f?.kind === 'ipv4') return ipv4ToString(v);
    const w = HEX_WIDTH[name];
    if (w !== undefined) return `0x${v.toString(16).padStart(w, '0')}`;
    return String(v);
  }
  return String(v);
}

/** Our values for one tshark field in one frame, joined with ',' outermost first ('' if absent). */
export function ourValue(frame: Frame, name: string, reg: Registry = defaultRegistry): string {
  const out: string[] = [];
  for (const layer of frame.layers) {
    const p = reg.byName(layer.protocol);
    if (!p) continue;
    const computed = p.computed?.[name];
    if (computed) {
      const v = computed(layer, frame, reg);
      if (v !== undefined) out.push(fmt(name, undefined, v));
      continue;
    }
    for (const [key, field] of Object.entries(p.header)) {
      const tn = field.tshark ?? `${p.abbrev}.${snake(key)}`;
      if (tn !== name) continue;
      const v = (layer.fields as Record<string, unknown>)[key];
      if (v !== undefined) out.push(fmt(name, field, v));
    }
  }
  return out.join(',');
}

/** Every frame of a capture; a file cut short keeps the frames before the cut (as tshark does). */
export function readAll(file: string, reg: Registry = defaultRegistry): Frame[] {
  const frames: Frame[] = [];
  try {
    for (const f of readFramesSync(corpusPath(file), { registry: reg })) frames.push(f);
  } catch (e) {
    if ((e as { code?: string }).code !== 'ERR_TRUNCATED_FILE') throw e;
  }
  return frames;
}

export interface FieldScore {
  agree: number;
  disagree: number;
  missing: number;
  firstBad: string[];
}

/** Per-field agreement over one capture, for rows where tshark has a value. */
export function compareCapture(
  file: string,
  fields: readonly string[],
  reg: Registry = defaultRegistry,
  skip: (n: number) => boolean = () => false,
): { scores: Record<string, FieldScore>; frames: Frame[] } {
  const table = oraclePackets(file);
  const frames = readAll(file, reg);
  const scores: Record<string, FieldScore> = {};
  for (const name of fields) {
    const col = table.col(name);
    const s: FieldScore = { agree: 0, disagree: 0, missing: 0, firstBad: [] };
    scores[name] = s;
    if (col < 0) continue;
    for (const row of table.rows) {
      const want = row[col] ?? '';
      if (want === '') continue;
      const n = Number(row[0]);
      if (skip(n)) continue;
      const fr = frames[n - 1];
      const got = fr ? ourValue(fr, name, reg) : '';
      if (got === want) s.agree++;
      else {
        if (got === '') s.missing++;
        else s.disagree++;
        if (s.firstBad.length < 5) s.firstBad.push(`${file}#${n} ${name}: tshark=${want} ours=${got}`);
      }
    }
  }
  return { scores, frames };
}
