/**
 * Compare our field values with tshark's, by tshark field name, over the frames of one capture:
 * the corpus oracle (`oracleAgreement`) or tshark run on a capture a test wrote (`tsharkAgreement`).
 * Values are compared as the conformance tool does (hex numbers as numbers).
 */

import { normalise } from '../../scripts/lib/conformance.js';
import { fieldValues } from '../../src/api/fields.js';
import { readFrames } from '../../src/api/read-frames.js';
import type { Frame } from '../../src/core/frame.js';
import type { Registry } from '../../src/core/registry.js';
import { defaultRegistry } from '../../src/protocols/index.js';
import { corpusPath, oraclePackets } from './corpus.js';
import { tsharkFields } from './tshark-capture.js';

export interface Mismatch {
  readonly frame: number;
  readonly field: string;
  readonly ours: string;
  readonly theirs: string;
}
export interface Agreement {
  /** Per field: [agree, compared]. */
  readonly fields: Map<string, [number, number]>;
  readonly mismatches: Mismatch[];
  readonly frames: Frame[];
}

export async function framesOf(input: string | Uint8Array, reg: Registry = defaultRegistry): Promise<Frame[]> {
  const out: Frame[] = [];
  try {
    for await (const b of readFrames(input, { registry: reg }).batches()) out.push(...b);
  } catch {
    // file-level errors (a record cut at EOF) end the read after every good frame
  }
  return out;
}

function tally(
  frames: readonly Frame[],
  rows: readonly (readonly string[])[],
  cols: readonly [string, number][],
  reg: Registry,
  capture: { format: 'pcap' | 'pcapng' },
): Agreement {
  const fields = new Map<string, [number, number]>();
  const mismatches: Mismatch[] = [];
  const n = Math.min(frames.length, rows.length);
  for (let i = 0; i < n; i++) {
    for (const [name, c] of cols) {
      const theirs = normalise(rows[i][c] ?? '');
      const ours = normalise(fieldValues(frames[i], name, reg, capture).join(','));
      if (theirs === '' && ours === '') continue;
      const t = fields.get(name) ?? [0, 0];
      t[1]++;
      if (theirs === ours) t[0]++;
      else mismatches.push({ frame: frames[i].n, field: name, ours, theirs });
      fields.set(name, t);
    }
  }
  return { fields, mismatches, frames: [...frames] };
}

/** Our values against the corpus oracle for `file`, for the oracle columns named in `names`. */
export async function oracleAgreement(
  file: string,
  names: readonly string[],
  reg = defaultRegistry,
): Promise<Agreement> {
  const table = oraclePackets(file);
  const ifCol = table.col('frame.interface_id');
  const isNg = /\.pcapng$/.test(file) || table.rows.some((r) => r[ifCol] !== '');
  // tshark 4.0 emits rows for pcapng Custom Blocks (no interface): not packets.
  const rows = isNg ? table.rows.filter((r) => r[ifCol] !== '') : table.rows;
  const cols: [string, number][] = names.map((n) => [n, table.col(n)] as [string, number]).filter(([, c]) => c >= 0);
  const frames = await framesOf(corpusPath(file), reg);
  return tally(frames, rows, cols, reg, { format: isNg ? 'pcapng' : 'pcap' });
}

/** Our values against tshark's decoding of a capture we wrote. */
export async function tsharkAgreement(
  capture: Uint8Array,
  names: readonly string[],
  reg = defaultRegistry,
  extra: readonly string[] = [],
): Promise<Agreement> {
  const rows = tsharkFields(capture, names, extra);
  const frames = await framesOf(capture, reg);
  const isNg = capture[0] === 0x0a && capture[1] === 0x0d;
  return tally(
    frames,
    rows,
    names.map((n, i) => [n, i] as [string, number]),
    reg,
    { format: isNg ? 'pcapng' : 'pcap' },
  );
}

/** "field: agree/compared" lines, for assertion messages. */
export function describe(a: Agreement): string {
  const lines = [...a.fields].map(([k, [ok, n]]) => `${k}: ${ok}/${n}`);
  for (const m of a.mismatches.slice(0, 10))
    lines.push(`  frame ${m.frame} ${m.field}: ours=${m.ours} tshark=${m.theirs}`);
  return lines.join('\n');
}
