/**
 * Compare our per-packet values with tshark oracle columns, field by field, by tshark name: the
 * values come from the `computed` functions of the protocols in each frame's layers, in layer order,
 * joined with ',' as the oracle's `-E aggregator=,` does.
 */
import { fieldValues } from '../../src/api/fields.js';
import type { Frame } from '../../src/core/frame.js';
import type { Registry } from '../../src/core/registry.js';
import { corpusFrames, registryFor } from './app-corpus.js';
import { type Table as Oracle, oraclePackets } from './corpus.js';

/** Our value of a tshark field in a frame ('' when absent), as the oracle writes it (the conformance tool's values). */
export function tsharkValue(frame: Frame, reg: Registry, name: string): string {
  return fieldValues(frame, name, reg).join(',');
}

export interface FieldTally {
  agree: number;
  /** Both have a value and they differ. */
  disagree: number;
  /** The oracle has a value, we have none. */
  missing: number;
  /** We have a value, the oracle has none. */
  extra: number;
  /** The oracle has a value in a frame we do not dissect down to TCP/UDP yet (a link type still missing). */
  unreached: number;
  /**
   * We have a value, the oracle has none, in a segment that repeats bytes already sent: tshark's TCP
   * analysis keeps a retransmission's payload from the dissectors; a frame on its own cannot know.
   */
  retransmitted: number;
  /** Examples of the mismatches: file, frame, ours, theirs. */
  examples: string[];
}

export const newTally = (): FieldTally => ({
  agree: 0,
  disagree: 0,
  missing: 0,
  extra: 0,
  unreached: 0,
  retransmitted: 0,
  examples: [],
});

/** Tally one capture's frames against its oracle for the given fields. */
export function compareFile(file: string, fields: readonly string[], tallies: Record<string, FieldTally>): void {
  const reg = registryFor(file);
  const frames = corpusFrames(file, reg);
  const oracle: Oracle = oraclePackets(file);
  const numCol = oracle.col('frame.number');
  const byNum = new Map<number, readonly string[]>();
  for (const r of oracle.rows) byNum.set(Number(r[numCol]), r);
  const retrans = retransmissions(oracle);
  for (const name of fields) {
    const c = oracle.col(name);
    if (c < 0) continue;
    const t = (tallies[name] ??= newTally());
    for (const f of frames) {
      const row = byNum.get(f.n);
      const theirs = row ? (row[c] ?? '') : '';
      const ours = tsharkValue(f, reg, name);
      if (theirs === '' && ours === '') continue;
      if (theirs === ours) t.agree++;
      else if (ours === '' && !f.layers.some((l) => l.protocol === 'tcp' || l.protocol === 'udp')) t.unreached++;
      else if (theirs === '' && retrans.has(f.n)) t.retransmitted++;
      else {
        if (theirs === '') t.extra++;
        else if (ours === '') t.missing++;
        else t.disagree++;
        if (t.examples.length < 40)
          t.examples.push(
            `${file}#${f.n}: ours=${JSON.stringify(ours.slice(0, 60))} tshark=${JSON.stringify(theirs.slice(0, 60))}`,
          );
      }
    }
  }
}

/** Share of oracle-or-ours values that agree. */
export function agreement(t: FieldTally): number {
  const n = t.agree + t.disagree + t.missing + t.extra;
  return n === 0 ? 1 : t.agree / n;
}

/** Frames whose TCP payload starts inside sequence space already sent in that direction (repeats, overlaps). */
export function retransmissions(o: Oracle): Set<number> {
  const c = (n: string) => o.col(n);
  const [num, stream, sport, seq, len] = [
    c('frame.number'),
    c('tcp.stream'),
    c('tcp.srcport'),
    c('tcp.seq_raw'),
    c('tcp.len'),
  ];
  const out = new Set<number>();
  if ([num, stream, sport, seq, len].some((x) => x < 0)) return out;
  const seen = new Map<string, [number, number][]>();
  for (const r of o.rows) {
    const n = Number(r[len]);
    if (!r[stream] || !(n > 0)) continue;
    const key = `${r[stream]}/${r[sport]}`;
    const s = Number(r[seq]);
    const ranges = seen.get(key) ?? [];
    // u32 wrap is rare in the corpus (one capture); compare modulo 2^32 from the first range.
    const base = ranges.length ? ranges[0][0] : s;
    const a = (s - base + 2 ** 32) % 2 ** 32;
    if (ranges.some(([x, y]) => a >= x - base && a < y - base)) out.add(Number(r[num]));
    ranges.push([base + a, base + a + n]);
    seen.set(key, ranges);
  }
  return out;
}
