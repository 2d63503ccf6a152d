/**
 * Run tshark over a capture we built, for protocols the corpus lacks (issue 5, Verification): the test
 * writes the capture with our builders and pcap writer, tshark decodes the same file, and the test
 * compares fields. Skips cleanly when tshark is not installed.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writePcap } from '../../src/capture/write-pcap.js';

const probe = spawnSync('tshark', ['-v'], { encoding: 'utf8' });
export const HAVE_TSHARK = probe.status === 0;
export const SKIP_NO_TSHARK: string | false = HAVE_TSHARK ? false : 'tshark not installed';

/** tshark -T fields over these packets (one row per packet, one cell per field; '' = absent). */
export function tsharkFields(
  packets: readonly Uint8Array[],
  fields: readonly string[],
  opts: { linktype?: number; args?: readonly string[] } = {},
): string[][] {
  const dir = mkdtempSync(join(tmpdir(), 'pcapkit-tshark-'));
  try {
    const file = join(dir, 'x.pcap');
    const records = packets.map((data, i) => ({ data, tsSec: 1_700_000_000 + i }));
    writeFileSync(file, writePcap(records, { linktype: opts.linktype ?? 1 }));
    return tsharkFieldsOf(file, fields, opts.args);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** tshark -T fields over a capture file (a corpus file, for fields its oracle does not carry). */
export function tsharkFieldsOf(file: string, fields: readonly string[], extra: readonly string[] = []): string[][] {
  const args = ['-n', '-r', file, '-T', 'fields', '-E', 'occurrence=a', '-E', 'aggregator=,', ...extra];
  for (const f of fields) args.push('-e', f);
  const r = spawnSync('tshark', args, { encoding: 'utf8', env: { ...process.env, LC_ALL: 'C' } });
  // A capture cut short makes tshark exit 2 after printing every whole packet.
  if (r.status !== 0 && r.status !== 2) throw new Error(`tshark failed: ${r.stderr}`);
  return r.stdout
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => l.split('\t'));
}
