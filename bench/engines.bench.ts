/**
 * Engines benchmark (issue 6): dissection + NDJSON report to /dev/null, the `pcapkit big.pcap -f
 * ndjson -o -` workload, for the default engine and the parallel ones. Each engine runs in its own
 * process (peak RSS is that engine's) on the compiled JavaScript, as users run dist/.
 *   npx tsx bench/engines.bench.ts [capture=bench/out/mixed.pcap] [--frames 1000000] [--reps 1]
 *     [--engines default,pipeline,server,pipeline:2] [--workers N] [--reassemble]
 * `--reassemble` adds IPv4/IPv6/TCP reassembly (the server engine runs it in its workers).
 * `pipeline:N` runs N workers without the main thread's share.
 * Prints frames/s (best of reps), wall and CPU seconds, the main thread's event-loop utilisation and
 * peak RSS, plus the load average (the machine may be shared: compare the CPU column too).
 * `--cli` also times the whole command (`node dist/cli.js capture -f ndjson -o /dev/null -E engine`,
 * start-up included, best of reps) in the last column: what a user waits for.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { extract } from '../src/api/extract.js';
import type { Engine } from '../src/engines/engine.js';
import { createParallelEngine } from '../src/engines/parallel.js';
import { generate } from './generate.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    engine: { type: 'string' },
    engines: { type: 'string' },
    frames: { type: 'string' },
    reps: { type: 'string' },
    workers: { type: 'string' },
    format: { type: 'string' },
    reassemble: { type: 'boolean' },
    cli: { type: 'boolean' },
  },
});
const file = positionals[0] ?? 'bench/out/mixed.pcap';
const format = values.format ?? 'ndjson';

async function runOnce(name: string): Promise<{ frames: number; ms: number; cpuMs: number; elu: number }> {
  // 'pipeline:2' = the pipeline engine with 2 workers (default: cores − 1 plus the main thread's share).
  const [kind, w] = name.split(':');
  const workers = w ? Number(w) : values.workers ? Number(values.workers) : undefined;
  const engine: string | Engine =
    kind === 'pipeline' || kind === 'server'
      ? createParallelEngine({ strategy: kind, workers, mainShare: w === undefined || Number(w) === 1 })
      : kind;
  const cpu0 = process.cpuUsage();
  const elu0 = performance.eventLoopUtilization();
  const t0 = performance.now();
  const x = await extract(file, {
    engine,
    format,
    output: '/dev/null',
    ...(values.reassemble ? { reassemble: true } : {}),
  }).run();
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const elu = performance.eventLoopUtilization(elu0).utilization;
  return { frames: x.stats.frames, ms, cpuMs: (cpu.user + cpu.system) / 1000, elu };
}

if (values.engine) {
  const reps = Number(values.reps ?? 1);
  let best: Awaited<ReturnType<typeof runOnce>> | undefined;
  for (let r = 0; r < reps; r++) {
    const x = await runOnce(values.engine);
    if (best === undefined || x.ms < best.ms) best = x;
  }
  const rss = process.resourceUsage().maxRSS / 1024;
  console.log(
    JSON.stringify({ engine: values.engine, ...best, fps: (best!.frames / best!.ms) * 1000, peakRssMB: rss }),
  );
} else {
  const frames = Number(values.frames ?? 1_000_000);
  if (!existsSync(file)) {
    console.error(`generating ${frames} frames into ${file} …`);
    generate(file, { frames });
  }
  console.log(
    `capture: ${file} (${(statSync(file).size / 1e6).toFixed(0)} MB), format ${format}${values.reassemble ? ', reassembly on' : ''}`,
  );
  const tsc = spawnSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.bench.json'], {
    stdio: 'inherit',
  });
  if (tsc.status !== 0) throw new Error('tsc failed');
  const js = 'bench/out/js/bench/engines.bench.js';
  const cli = values.cli
    ? '| CLI wall s |\n|---|---:|---:|---:|---:|---:|---:|---:|'
    : '\n|---|---:|---:|---:|---:|---:|---:|';
  console.log(`| engine | frames/s | wall s | CPU s | main ELU | peak RSS | load before ${cli}`);
  // The whole command, start-up included (best of reps).
  const cliWall = (engine: string): string => {
    // The CLI has no worker-count flag: `pipeline:N` and --workers runs are in-process only.
    if (engine.includes(':') || values.workers) return 'n/a';
    const args = ['dist/cli.js', file, '-f', format, '-o', '/dev/null', '-E', engine];
    if (values.reassemble) args.push('--reassemble', 'all');
    let best = Number.POSITIVE_INFINITY;
    for (let i = 0; i < Number(values.reps ?? 1); i++) {
      const t0 = performance.now();
      const r = spawnSync(process.execPath, args, { stdio: 'ignore' });
      if (r.status !== 0) return 'failed';
      best = Math.min(best, performance.now() - t0);
    }
    return (best / 1000).toFixed(2);
  };
  let base = 0;
  for (const engine of (values.engines ?? 'default,pipeline,server').split(',')) {
    const load = loadavg()[0].toFixed(2);
    const args = [js, file, '--engine', engine, '--reps', values.reps ?? '1', '--format', format];
    if (values.workers) args.push('--workers', values.workers);
    if (values.reassemble) args.push('--reassemble');
    const r = spawnSync(process.execPath, args, { encoding: 'utf8' });
    const line = r.stdout.trim().split('\n').pop() ?? '';
    try {
      const j = JSON.parse(line);
      if (engine === 'default') base = j.fps;
      const speed = base > 0 && engine !== 'default' ? ` (${(j.fps / base).toFixed(2)}×)` : '';
      console.log(
        `| ${engine} | ${Math.round(j.fps).toLocaleString('en-US')}${speed} | ${(j.ms / 1000).toFixed(2)} | ${(j.cpuMs / 1000).toFixed(2)} | ${j.elu.toFixed(2)} | ${j.peakRssMB.toFixed(0)} MB | ${load} |${values.cli ? ` ${cliWall(engine)} |` : ''}`,
      );
    } catch {
      console.log(`| ${engine} | failed: ${r.stderr.slice(0, 300)} | | | | | |`);
    }
  }
}
