/**
 * The shared real-capture corpus (../shared/corpus, or $PCAPKIT_CORPUS). Tests that need it call
 * `corpusOrSkip(t)` and skip cleanly when it is absent; nothing from it is copied into the project.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CORPUS = process.env.PCAPKIT_CORPUS ?? resolve(root, '..', 'shared', 'corpus');
export const HAVE_CORPUS = existsSync(join(CORPUS, 'MANIFEST.tsv'));

/** Skip reason for `test(name, { skip: SKIP_NO_CORPUS }, ...)`. */
export const SKIP_NO_CORPUS: string | false = HAVE_CORPUS ? false : `corpus not found at ${CORPUS}`;

export function corpusFiles(): string[] {
  if (!HAVE_CORPUS) return [];
  return readdirSync(CORPUS)
    .filter((f) => /\.(pcap|pcapng|cap|dump)$/.test(f))
    .sort();
}

export function corpusPath(name: string): string {
  return join(CORPUS, name);
}

export interface ManifestRow {
  readonly file: string;
  readonly format: string;
  readonly linktype: string;
  readonly frames: string;
  readonly protocols: string;
  readonly malformed: string;
}

export function manifest(): ManifestRow[] {
  if (!HAVE_CORPUS) return [];
  const lines = readFileSync(join(CORPUS, 'MANIFEST.tsv'), 'utf8').split('\n').filter(Boolean);
  const head = lines[0].split('\t');
  return lines.slice(1).map((l) => {
    const c = l.split('\t');
    return Object.fromEntries(head.map((h, i) => [h, c[i] ?? ''])) as unknown as ManifestRow;
  });
}

/** An oracle table: header names and rows of cells (strings; '' = absent). */
export interface Table {
  readonly header: readonly string[];
  readonly rows: readonly (readonly string[])[];
  col(name: string): number;
}

export function readTsvGz(path: string): Table {
  const text = gunzipSync(readFileSync(path)).toString('utf8');
  const lines = text.split('\n').filter((l) => l.length > 0);
  const header = lines[0].split('\t');
  const rows = lines.slice(1).map((l) => l.split('\t'));
  return { header, rows, col: (n) => header.indexOf(n) };
}

export function oraclePackets(file: string): Table {
  return readTsvGz(join(CORPUS, 'oracle', `${file}.packets.tsv.gz`));
}
export function oracleStreams(file: string): Table | undefined {
  const p = join(CORPUS, 'oracle', `${file}.streams.tsv.gz`);
  return existsSync(p) ? readTsvGz(p) : undefined;
}

/** tshark -d arguments from decode-as.tsv, as [table, port, protocol]. */
export function decodeAs(file: string): [string, number, string][] {
  if (!HAVE_CORPUS) return [];
  const p = join(CORPUS, 'decode-as.tsv');
  if (!existsSync(p)) return [];
  const out: [string, number, string][] = [];
  for (const line of readFileSync(p, 'utf8').split('\n')) {
    if (line.startsWith('#') || !line.trim()) continue;
    const [f, args] = line.split('\t');
    if (f !== file) continue;
    for (const m of args.matchAll(/-d\s+([a-z0-9.]+)==(\d+),([a-z0-9]+)/g)) out.push([m[1], Number(m[2]), m[3]]);
  }
  return out;
}
