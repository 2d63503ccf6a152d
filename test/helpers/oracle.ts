/**
 * Compare our dissection of a corpus capture with its tshark oracle, field by field (tshark names),
 * for protocol tests: the conformance tool's field values (src/api/fields.ts) over a few captures.
 */

import { normalise } from '../../scripts/lib/conformance.js';
import { fieldValues } from '../../src/api/fields.js';
import { readFramesSync } from '../../src/api/read-frames.js';
import type { Frame } from '../../src/core/frame.js';
import type { Registry } from '../../src/core/registry.js';
import { defaultRegistry } from '../../src/protocols/index.js';
import { corpusPath, oraclePackets } from './corpus.js';

/** Our values for one tshark field in one frame, joined with ',' outermost first ('' if absent). */
export function ourValue(frame: Frame, name: string, reg: Registry = defaultRegistry): string {
  return fieldValues(frame, name, reg).join(',');
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

/** Per-field agreement over one capture, for rows where tshark or we have a value. */
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
      const n = Number(row[0]);
      if (skip(n)) continue;
      const fr = frames[n - 1];
      const got = fr ? ourValue(fr, name, reg) : '';
      // As the conformance tool counts: a value tshark lacks is a disagreement too.
      if (want === '' && got === '') continue;
      if (normalise(got) === normalise(want)) s.agree++;
      else {
        if (got === '') s.missing++;
        else s.disagree++;
        if (s.firstBad.length < 5) s.firstBad.push(`${file}#${n} ${name}: tshark=${want} ours=${got}`);
      }
    }
  }
  return { scores, frames };
}
