#!/usr/bin/env node
// Runs every test/**/*.test.ts through tsx with node:test. Node 20 has no glob in --test, so the
// files are found here and passed explicitly. Extra arguments go to node (e.g. --test-name-pattern).
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

function walk(dir) {
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...walk(p));
    else if (name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

const args = process.argv.slice(2);
const filters = args.filter((a) => !a.startsWith('-'));
const flags = args.filter((a) => a.startsWith('-'));
let files = walk('test');
if (filters.length) files = files.filter((f) => filters.some((x) => f.includes(x)));
if (files.length === 0) {
  console.error('no test files matched');
  process.exit(1);
}
// The CLI and engine tests run the built dist/ (as users do). Build it once here, before any test
// runs, so no test rebuilds dist/ while another one reads it.
if (files.some((f) => /test[\\/](cli|engines)[\\/]/.test(f))) {
  const b = spawnSync('npm', ['run', '--silent', 'build'], { stdio: 'inherit' });
  if (b.status !== 0) process.exit(b.status ?? 1);
}
const r = spawnSync(
  process.execPath,
  [
    '--import',
    'tsx',
    '--test',
    '--test-concurrency=2',
    '--test-timeout=300000',
    ...(flags.some((f) => f.startsWith('--test-reporter')) ? [] : ['--test-reporter=spec']),
    ...flags,
    ...files,
  ],
  { stdio: 'inherit' },
);
process.exit(r.status ?? 1);
