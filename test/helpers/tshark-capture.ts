/**
 * Run tshark over a capture a test wrote, and read back fields as the corpus oracle does
 * (`-T fields -E occurrence=a -E aggregator=,`). Tests that need it skip cleanly without tshark.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const TSHARK = process.env.TSHARK ?? '/usr/bin/tshark';
export const HAVE_TSHARK =
  existsSync(TSHARK) && spawnSync(TSHARK, ['-v'], { stdio: 'ignore', timeout: 30_000 }).status === 0;
export const SKIP_NO_TSHARK: string | false = HAVE_TSHARK ? false : 'tshark not installed';

/** One row per packet; each cell is tshark's text ('' when absent). */
export function tsharkFields(
  capture: Uint8Array,
  fields: readonly string[],
  extra: readonly string[] = [],
): string[][] {
  const dir = mkdtempSync(join(tmpdir(), 'pcapkit-tshark-'));
  try {
    const file = join(dir, 'x.pcap');
    writeFileSync(file, capture);
    const args = ['-n', '-r', file, '-T', 'fields', '-E', 'occurrence=a', '-E', 'aggregator=,', '-E', 'separator=\t'];
    for (const f of fields) args.push('-e', f);
    const r = spawnSync(TSHARK, [...args, ...extra], {
      encoding: 'utf8',
      env: { ...process.env, LC_ALL: 'C', TZ: 'UTC', WIRESHARK_CONFIG_DIR: dir },
      timeout: 60_000,
    });
    if (r.status !== 0) throw new Error(`tshark failed: ${r.stderr}`);
    return r.stdout
      .split('\n')
      .filter((l) => l.length > 0)
      .map((l) => {
        const cells = l.split('\t');
        while (cells.length < fields.length) cells.push('');
        return cells;
      });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
