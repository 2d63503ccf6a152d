/**
 * Every registered engine through pcapkit's own API (`extract(file, { engine })`, batches iterated, no
 * report) on the same generated capture, each in its own process so peak RSS is that engine's.
 * Slow engines read a prefix (`limit`), so frames/s stays comparable and the run stays short.
 *   npx tsx bench/engines-external.bench.ts [capture=bench/out/mixed.pcap] [frames=1000000]
 *   npx tsx bench/engines-external.bench.ts --one ENGINE FILE LIMIT   (one measurement; used by the above)
 * The machine may be shared: treat one run as indicative, compare engines within the run.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { extract } from '../src/api/extract.js';
import { defaultEngines } from '../src/engines/index.js';
import { generate } from './generate.js';

/** Frames each engine reads at most (a prefix of the capture for the slow ones). */
const PREFIX: Record<string, number> = { tshark: 200_000, dpkt: 100_000, scapy: 10_000 };

async function one(engine: string, file: string, limit: number): Promise<void> {
  const t = process.hrtime.bigint();
  let frames = 0;
  const x = extract(file, { engine, limit: limit > 0 ? limit : undefined, onWarning: () => {} });
  for await (const batch of x.batches()) frames += batch.length;
  const s = Number(process.hrtime.bigint() - t) / 1e9;
  console.log(JSON.stringify({ engine, frames, seconds: s }));
}

async function main(): Promise<void> {
  if (process.argv[2] === '--one') return one(process.argv[3], process.argv[4], Number(process.argv[5]));
  const file = process.argv[2] ?? 'bench/out/mixed.pcap';
  const total = Number(process.argv[3] ?? 1_000_000);
  if (!existsSync(file)) generate(file, { frames: total });
  const self = fileURLToPath(import.meta.url);
  const tsx = fileURLToPath(new URL('../node_modules/.bin/tsx', import.meta.url));
  const rows: string[] = ['| engine | frames | s | frames/s | peak RSS MB |', '|---|---:|---:|---:|---:|'];
  for (const name of defaultEngines.names()) {
    const e = defaultEngines.get(name)!;
    try {
      await e.available?.();
    } catch (err) {
      console.error(`skip ${name}: ${(err as Error).message}`);
      continue;
    }
    const limit = Math.min(total, PREFIX[name] ?? total);
    const r = spawnSync('/usr/bin/time', ['-f', '%M', tsx, self, '--one', name, file, String(limit)], {
      encoding: 'utf8',
      maxBuffer: 1 << 26,
    });
    const line = r.stdout.trim().split('\n').pop() ?? '';
    const kb = Number(r.stderr.trim().split('\n').pop());
    if (r.status !== 0 || !line.startsWith('{')) {
      console.error(`skip ${name}: ${r.stderr.slice(-300)}`);
      continue;
    }
    const m = JSON.parse(line) as { frames: number; seconds: number };
    rows.push(
      `| ${name} | ${m.frames} | ${m.seconds.toFixed(2)} | ${Math.round(m.frames / m.seconds)} | ${(kb / 1024).toFixed(0)} |`,
    );
    console.error(rows[rows.length - 1]);
  }
  console.log(rows.join('\n'));
}

await main();
