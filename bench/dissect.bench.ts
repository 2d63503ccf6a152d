/**
 * Read → dissect benchmark (issue 2). Each mode runs in its own process, so peak RSS is that mode's.
 *   npx tsx bench/dissect.bench.ts [capture=bench/out/mixed.pcap] [--frames 1000000] [--reps 3]
 * Children run the compiled JavaScript (tsc → bench/out/js), as users run dist/, not through tsx.
 * Modes: walk (record walk only), fields (dissect to transport, touch every fixed-header field),
 * options (same + every option decoded), async (dissection through the async iterator), batches
 * (the async batch path). Reports frames/s (best of reps) and peak RSS.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { readFrames } from '../src/api/read-frames.js';
import { readCaptureSync } from '../src/capture/read.js';
import { createDissector } from '../src/core/dissect.js';
import type { Frame } from '../src/core/frame.js';
import { defaultRegistry } from '../src/protocols/index.js';
import { generate } from './generate.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { mode: { type: 'string' }, frames: { type: 'string' }, reps: { type: 'string' } },
});
const file = positionals[0] ?? 'bench/out/mixed.pcap';

function touch(f: Frame): number {
  let s = 0;
  const ls = f.layers;
  for (let i = 0; i < ls.length; i++) {
    const fields = ls[i].fields as Record<string, unknown>;
    for (const k in fields) {
      const v = fields[k];
      s += typeof v === 'number' ? v & 1 : 1;
    }
  }
  return s;
}

async function runMode(mode: string): Promise<{ frames: number; ms: number }> {
  const t0 = performance.now();
  let n = 0;
  let sink = 0;
  if (mode === 'walk') {
    for (const b of readCaptureSync(file)) n += b.length;
  } else if (mode === 'fields' || mode === 'options') {
    const d = createDissector({
      registry: defaultRegistry,
      stopAt: { layer: 'transport' },
      details: mode === 'options',
    });
    for (const b of readCaptureSync(file)) {
      for (let i = 0; i < b.length; i++) sink += touch(d(b[i]));
      n += b.length;
    }
  } else if (mode === 'async') {
    for await (const f of readFrames(file, { stopAt: { layer: 'transport' } })) {
      sink += touch(f);
      n++;
    }
  } else if (mode === 'batches') {
    for await (const b of readFrames(file, { stopAt: { layer: 'transport' } }).batches()) {
      for (let i = 0; i < b.length; i++) sink += touch(b[i]);
      n += b.length;
    }
  }
  if (sink === -1) console.log(sink);
  return { frames: n, ms: performance.now() - t0 };
}

/** Compile src + bench once and return this script's compiled path. */
export function compiled(): string {
  const tsc = spawnSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.bench.json'], {
    stdio: 'inherit',
  });
  if (tsc.status !== 0) throw new Error('tsc failed');
  return 'bench/out/js/bench/dissect.bench.js';
}

if (values.mode) {
  const reps = Number(values.reps ?? 3);
  let best = Number.POSITIVE_INFINITY;
  let frames = 0;
  for (let r = 0; r < reps; r++) {
    const x = await runMode(values.mode);
    frames = x.frames;
    best = Math.min(best, x.ms);
  }
  const rss = process.resourceUsage().maxRSS / 1024;
  console.log(JSON.stringify({ mode: values.mode, frames, ms: best, fps: (frames / best) * 1000, peakRssMB: rss }));
} else {
  const frames = Number(values.frames ?? 1_000_000);
  if (!existsSync(file)) {
    console.error(`generating ${frames} frames into ${file} …`);
    generate(file, { frames });
  }
  console.log(`capture: ${file} (${(statSync(file).size / 1e6).toFixed(0)} MB)`);
  const js = compiled();
  console.log('| mode | frames/s | peak RSS |\n|---|---:|---:|');
  for (const mode of ['walk', 'fields', 'options', 'batches', 'async']) {
    const r = spawnSync(process.execPath, [js, file, '--mode', mode, '--reps', values.reps ?? '3'], {
      encoding: 'utf8',
    });
    const line = r.stdout.trim().split('\n').pop() ?? '';
    try {
      const j = JSON.parse(line);
      console.log(`| ${mode} | ${Math.round(j.fps).toLocaleString('en-US')} | ${j.peakRssMB.toFixed(0)} MB |`);
    } catch {
      console.log(`| ${mode} | failed: ${r.stderr.slice(0, 200)} | |`);
    }
  }
}
