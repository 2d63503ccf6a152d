/**
 * Conformance against the tshark oracle: dissect every capture in a corpus folder laid out like
 * ../shared/corpus (captures + oracle/<file>.packets.tsv.gz) and compare, per tshark field, our value
 * text with tshark's. Missing (tshark has a value, we have none) counts as not agreeing; a value we
 * have where tshark has none counts as a disagreement.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { fieldIndex, fieldValues } from '../../src/api/fields.js';
import { readFrames } from '../../src/api/read-frames.js';
import type { Frame } from '../../src/core/frame.js';
import type { Registry } from '../../src/core/registry.js';
import { defaultRegistry } from '../../src/protocols/index.js';

/** Columns that are not protocol fields we model (tshark-internal, or compared differently). */
export const NOT_COMPARED: ReadonlySet<string> = new Set(['frame.protocols', 'frame.encap_type', '_ws.malformed']);

export interface FieldTally {
  agree: number;
  disagree: number;
  missing: number;
}
export interface Disagreement {
  readonly file: string;
  readonly frame: number;
  readonly field: string;
  readonly ours: string;
  readonly tshark: string;
}
export interface ConformanceResult {
  readonly fields: Map<string, FieldTally>;
  readonly disagreements: Disagreement[];
  readonly captures: number;
  /** Captures whose reading ended with an error, and the error (file-level errors, as tshark's). */
  readonly fileErrors: Map<string, string>;
  /** Frames with a `bug` issue (a decoder threw): must be zero. */
  readonly bugs: Disagreement[];
  /** Frame count differences (ours vs tshark's packet rows). */
  readonly countMismatch: Map<string, [number, number]>;
  /** Values we read from headers marked malformed/truncated where tshark shows none (not compared). */
  readonly extraOnMalformed: number;
}

const HEX = /^0x[0-9a-fA-F]+$/;
/** tshark prints some integers as 0x hex with the field's width; compare numbers, not widths. */
export function normalise(v: string): string {
  if (!v.includes('0x')) return v;
  return v
    .split(',')
    .map((t) => (HEX.test(t) ? BigInt(t).toString() : t))
    .join(',');
}

export interface RunOptions {
  readonly registry?: Registry;
  /** Only these captures (file names). */
  readonly files?: readonly string[];
  /** Extra stages to run (flow numbering …) over the frames of one capture, in order. */
  readonly prepare?: (frames: Frame[], file: string) => Frame[] | Promise<Frame[]>;
  readonly maxDisagreements?: number;
}

function decodeAsFor(dir: string, file: string): [string, number, string][] {
  const p = join(dir, 'decode-as.tsv');
  if (!existsSync(p)) return [];
  const out: [string, number, string][] = [];
  for (const line of readFileSync(p, 'utf8').split('\n')) {
    if (line.startsWith('#') || !line.trim()) continue;
    const [f, args] = line.split('\t');
    if (f !== file || !args) continue;
    for (const m of args.matchAll(/-d\s+([a-z0-9.]+)==(\d+),([a-z0-9-]+)/g)) out.push([m[1], Number(m[2]), m[3]]);
  }
  return out;
}

export function corpusCaptures(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => /\.(pcap|pcapng|cap|dump)$/.test(f) && existsSync(join(dir, 'oracle', `${f}.packets.tsv.gz`)))
    .sort();
}

export async function runConformance(dir: string, opts: RunOptions = {}): Promise<ConformanceResult> {
  const base = opts.registry ?? defaultRegistry;
  const files = opts.files ?? corpusCaptures(dir);
  const fields = new Map<string, FieldTally>();
  const disagreements: Disagreement[] = [];
  const fileErrors = new Map<string, string>();
  const bugs: Disagreement[] = [];
  const countMismatch = new Map<string, [number, number]>();
  const maxD = opts.maxDisagreements ?? 200;
  let extraOnMalformed = 0;
  const tally = (name: string): FieldTally => {
    let t = fields.get(name);
    if (!t) fields.set(name, (t = { agree: 0, disagree: 0, missing: 0 }));
    return t;
  };
  for (const file of files) {
    let reg = base;
    for (const [table, key, proto] of decodeAsFor(dir, file)) {
      const name = proto === 'http2' ? 'http2' : proto;
      if (reg.byName(name)) reg = reg.decodeAs(table, key, name);
    }
    const text = gunzipSync(readFileSync(join(dir, 'oracle', `${file}.packets.tsv.gz`))).toString('utf8');
    const lines = text.split('\n').filter((l) => l.length > 0);
    const header = lines[0].split('\t');
    let rows = lines.slice(1).map((l) => l.split('\t'));
    const ifCol = header.indexOf('frame.interface_id');
    const isNg = readFileSync(join(dir, file)).subarray(0, 4).toString('hex') === '0a0d0d0a';
    // tshark 4.0 emits a row for each pcapng Custom Block (no interface): not a packet (corpus README).
    const dropped = isNg ? rows.filter((r) => r[ifCol] === '').length : 0;
    if (isNg) rows = rows.filter((r) => r[ifCol] !== '');
    const cap = { format: isNg ? ('pcapng' as const) : ('pcap' as const) };
    let frames: Frame[] = [];
    try {
      for await (const batch of readFrames(join(dir, file), { registry: reg }).batches()) frames.push(...batch);
    } catch (e) {
      fileErrors.set(file, (e as Error).message);
    }
    if (opts.prepare) frames = await opts.prepare(frames, file);
    if (frames.length !== rows.length) countMismatch.set(file, [frames.length, rows.length]);
    const n = Math.min(frames.length, rows.length);
    for (let i = 0; i < n; i++) {
      const fr = frames[i];
      const marked = fr.issues.some((x) => x.kind === 'malformed' || x.kind === 'truncated');
      for (const iss of fr.issues) {
        if (iss.kind === 'bug' && bugs.length < maxD)
          bugs.push({ file, frame: fr.n, field: iss.code, ours: iss.message ?? '', tshark: '' });
      }
      for (let c = 0; c < header.length; c++) {
        const name = header[c];
        if (NOT_COMPARED.has(name) || (name === 'frame.number' && dropped > 0)) continue;
        const theirs = normalise(rows[i][c] ?? '');
        const ours = normalise(fieldValues(fr, name, reg, cap).join(','));
        if (theirs === '' && ours === '') continue;
        // On a header we mark malformed or truncated we keep every field we could read (DESIGN §3.7);
        // tshark stops adding fields at the first bad one. Values only we have there are not compared.
        if (theirs === '' && marked) {
          extraOnMalformed++;
          continue;
        }
        const t = tally(name);
        if (theirs === ours) t.agree++;
        else {
          if (ours === '') t.missing++;
          else t.disagree++;
          if (disagreements.length < maxD) disagreements.push({ file, frame: fr.n, field: name, ours, tshark: theirs });
        }
      }
    }
  }
  return { fields, disagreements, captures: files.length, fileErrors, bugs, countMismatch, extraOnMalformed };
}

export function agreement(t: FieldTally): number {
  const n = t.agree + t.disagree + t.missing;
  return n === 0 ? 100 : (100 * t.agree) / n;
}

/** The report other tools read: one line per field, first disagreements, and the agreement line last. */
export function formatReport(r: ConformanceResult, opts: { disagreements?: number; known?: Registry } = {}): string {
  const out: string[] = [];
  const names = [...r.fields.keys()].sort();
  let agree = 0;
  let compared = 0;
  const idx = opts.known ? fieldIndex(opts.known) : undefined;
  for (const name of names) {
    const t = r.fields.get(name)!;
    agree += t.agree;
    compared += t.agree + t.disagree + t.missing;
    const note = idx && !idx.has(name) ? '   # not decoded yet' : '';
    out.push(`field ${name} agree=${t.agree} disagree=${t.disagree} missing=${t.missing}${note}`);
  }
  const shown = r.disagreements.slice(0, opts.disagreements ?? 25);
  if (shown.length) {
    out.push('', `first disagreements (of ${r.disagreements.length} recorded):`);
    for (const d of shown)
      out.push(
        `  ${d.file} frame ${d.frame} ${d.field}: ours=${JSON.stringify(d.ours)} tshark=${JSON.stringify(d.tshark)}`,
      );
  }
  if (r.countMismatch.size) {
    out.push('', 'frame count differences (ours / tshark rows):');
    for (const [f, [a, b]] of r.countMismatch) out.push(`  ${f}: ${a} / ${b}`);
  }
  if (r.fileErrors.size) {
    out.push('', 'file-level errors (reported after every good frame):');
    for (const [f, e] of r.fileErrors) out.push(`  ${f}: ${e}`);
  }
  if (r.bugs.length) {
    out.push('', `decoder exceptions (must be none): ${r.bugs.length}`);
    for (const b of r.bugs.slice(0, 10)) out.push(`  ${b.file} frame ${b.frame} ${b.field}: ${b.ours}`);
  }
  if (r.extraOnMalformed)
    out.push('', `values only we show, in frames marked malformed or truncated (not compared): ${r.extraOnMalformed}`);
  const pct = compared === 0 ? 100 : (100 * agree) / compared;
  out.push(`agreement: ${pct.toFixed(2)}% (${agree}/${compared}) over ${r.captures} captures`);
  return out.join('\n');
}
