/**
 * Report-writing benchmark (issue 3): frames/s and peak RSS of `-f json`, `-f ndjson` and `-f pcap`
 * on the generated mixed capture, each format in its own process running the built CLI code
 * (dist/), as users run it. Targets: ≥ 300,000 frames/s for NDJSON and JSON, ≥ 1,000,000 frames/s
 * for the PCAP rewrite, flat memory (frames are not stored).
 *   npm run build && npx tsx bench/output.bench.ts [capture=bench/out/mixed.pcap] [--frames 1000000] [--reps 3]
 *   [--formats json,ndjson,pcap] [--nobytes] [--out DIR]
 * `--out` picks where the reports go (default bench/out): a disk folder measures the machine's
 * writeback too (2 GB per JSON run; consecutive runs pile up dirty pages), `/dev/shm` the report
 * writer alone, `/dev/null` (the report then is not kept) the formatting without any file system.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { generate } from './generate.js';

const ROOT = resolve(fileURLToPath(import.meta.url), '..', '..');
const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    frames: { type: 'string' },
    reps: { type: 'string' },
    formats: { type: 'string' },
    nobytes: { type: 'boolean' },
    out: { type: 'string' },
  },
});
const file = resolve(positionals[0] ?? join(ROOT, 'bench/out/mixed.pcap'));
const frames = Number(values.frames ?? 1_000_000);
const reps = Number(values.reps ?? 3);
const formats = (values.formats ?? 'json,ndjson,pcap').split(',');

if (!existsSync(join(ROOT, 'dist/api/extract.js'))) {
  console.error('run `npm run build` first (the benchmark measures dist/)');
  process.exit(2);
}
if (!existsSync(file)) {
  console.error(`generating ${frames} frames into ${file} …`);
  generate(file, { frames });
}
const outDir = resolve(values.out ?? join(ROOT, 'bench/out'));
const toNull = outDir === '/dev/null';
if (!toNull) mkdirSync(outDir, { recursive: true });

// The child: one extraction to a report file; prints frames, milliseconds and peak RSS as JSON.
const child = `
import { extract } from ${JSON.stringify(`file://${join(ROOT, 'dist/index.js')}`)};
const [input, format, output, bytes] = process.argv.slice(1);
const t = performance.now();
const x = await extract(input, { format, output, extension: false, dump: { bytes: bytes === '1' } }).run();
const ms = performance.now() - t;
const cpu = process.cpuUsage();
console.log(JSON.stringify({ frames: x.stats.frames, ms, cpuMs: (cpu.user + cpu.system) / 1000, rss: process.resourceUsage().maxRSS * 1024 }));
`;

console.log(`capture: ${file} (${(statSync(file).size / 2 ** 20).toFixed(0)} MiB), reports to ${outDir}`);
// frames per CPU-second as well: on a shared machine wall time also counts other processes.
console.log('format   frames/s  frames/cpu-s  MB/s(out)  report MiB  peak RSS MiB');
for (const format of formats) {
  let best: { frames: number; ms: number; cpuMs: number; rss: number } | undefined;
  let size = 0;
  for (let r = 0; r < reps; r++) {
    const out = toNull ? outDir : join(outDir, `report.${format}`);
    const res = spawnSync(
      process.execPath,
      ['--input-type=module', '-e', child, file, format, out, values.nobytes ? '0' : '1'],
      { encoding: 'utf8' },
    );
    if (res.status !== 0) {
      console.error(res.stderr);
      process.exit(1);
    }
    const m = JSON.parse(res.stdout.trim().split('\n').pop()!);
    if (!toNull) {
      size = statSync(out).size;
      rmSync(out);
    }
    if (!best || m.ms < best.ms) best = m;
  }
  const fps = best!.frames / (best!.ms / 1000);
  console.log(
    `${format.padEnd(8)} ${Math.round(fps).toLocaleString('en').padStart(9)}  ${Math.round(
      best!.frames / (best!.cpuMs / 1000),
    )
      .toLocaleString('en')
      .padStart(
        12,
      )}  ${(size / 2 ** 20 / (best!.ms / 1000)).toFixed(0).padStart(9)}  ${(size / 2 ** 20).toFixed(0).padStart(10)}  ${(best!.rss / 2 ** 20).toFixed(0).padStart(12)}`,
  );
}
