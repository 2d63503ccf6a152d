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
    writeFileSync(
      file,
      writePcap(
        packets.map((data, i) => ({ data, tsSec: 1_700_000_000 + i })),
        { linktype: opts.linktype ?? 1 },
      ),
    );
    const args = ['-n', '-r', file, '-T', 'fields', '-E', 'occurrence=a', '-E', 'aggregator=,', ...(opts.args ?? [])];
    for (const f of fields) args.push('-e', f);
    const r = spawnSync('tshark', args, { encoding: 'utf8', env: { ...process.env, LC_ALL: 'C' } });
    if (r.status !== 0) throw new Error(`tshark failed: ${r.stderr}`);
    return r.stdout
      .split('\n')
      .filter((l) => l.length > 0)
      .map((l) => l.split('\t'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
