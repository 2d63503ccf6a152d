/**
 * Run tshark over a capture we wrote ourselves and read back `-T fields` values, so packets built
 * with our builders can be checked against Wireshark's decoding. Skips cleanly without tshark.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const TSHARK = process.env.TSHARK ?? 'tshark';
export const HAVE_TSHARK = spawnSync(TSHARK, ['--version'], { stdio: 'ignore' }).status === 0;
export const SKIP_NO_TSHARK: string | false = HAVE_TSHARK ? false : 'tshark not installed';

/** One row per frame, one cell per field ('' when absent; repeated values joined with ','). */
export function tsharkFields(
  capture: Uint8Array,
  fields: readonly string[],
  extra: readonly string[] = [],
): string[][] {
  const dir = mkdtempSync(join(tmpdir(), 'pcapkit-tshark-'));
  try {
    const file = join(dir, 'in.pcap');
    writeFileSync(file, capture);
    const args = [
      '-n',
      '-r',
      file,
      ...extra,
      '-T',
      'fields',
      '-E',
      'separator=/t',
      '-E',
      'occurrence=a',
      '-E',
      'aggregator=,',
    ];
    for (const f of fields) args.push('-e', f);
    const r = spawnSync(TSHARK, args, { encoding: 'utf8', env: { ...process.env, LC_ALL: 'C', TZ: 'UTC' } });
    if (r.status !== 0) throw new Error(`tshark failed: ${r.stderr}`);
    return r.stdout
      .split('\n')
      .filter((l) => l.length > 0)
      .map((l) => l.split('\t'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
