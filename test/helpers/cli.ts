/** Runs `src/cli.ts` through tsx from any folder (a bare `--import tsx` fails outside the project). */
import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(fileURLToPath(import.meta.url), '..', '..', '..');
export const EXAMPLES = join(ROOT, 'examples');
const TSX = join(ROOT, 'node_modules', 'tsx', 'dist', 'esm', 'index.mjs');
const CLI = join(ROOT, 'src', 'cli.ts');

export interface CliRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export function pcapkit(args: readonly string[], opts: { cwd: string; env?: NodeJS.ProcessEnv }): CliRun {
  const r = spawnSync(process.execPath, ['--import', TSX, CLI, ...args], {
    cwd: opts.cwd,
    env: { ...process.env, NO_COLOR: '1', ...opts.env },
    encoding: 'utf8',
    maxBuffer: 1 << 26,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
