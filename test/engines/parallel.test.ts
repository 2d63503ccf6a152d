/**
 * The parallel engines (`pipeline`, `server`): byte-identical reports to the default engine on every
 * corpus capture (the parallel route forced with a zero size threshold and small batches, so every
 * capture is split over several workers and the main thread), workers terminated on abort and on
 * errors, the small-input fallback, and stream numbering with stages on.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  createReadStream,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import fc from 'fast-check';
import { generate } from '../../bench/generate.js';
import { extract } from '../../src/api/extract.js';
import { writePcap, writePcapng } from '../../src/capture/write-pcap.js';
import type { DumperFactory } from '../../src/dump/dumper.js';
import { reportFormatter } from '../../src/dump/fmt.js';
import { defaultEngines } from '../../src/engines/index.js';
import { WorkerPool, workerCounts } from '../../src/engines/parallel/pool.js';
import { createParallelEngine, type ParallelEngine } from '../../src/engines/parallel.js';
import { build, ip, payload } from '../../src/index.js';
import { defaultRegistry, ethernet, geneve, ipv4, udp } from '../../src/protocols/index.js';
import { corpusFiles, corpusPath, SKIP_NO_CORPUS } from '../helpers/corpus.js';

/** A Writable that keeps everything written; `fail` makes writes error after that many bytes. */
function collector(fail = Number.POSITIVE_INFINITY): Writable & { bytes(): Buffer } {
  const parts: Buffer[] = [];
  let n = 0;
  const w = new Writable({
    write(chunk: Buffer, _enc, cb) {
      n += chunk.length;
      if (n > fail) {
        cb(Object.assign(new Error('broken pipe'), { code: 'EPIPE' }));
        return;
      }
      parts.push(Buffer.from(chunk));
      cb();
    },
  });
  return Object.assign(w, { bytes: () => Buffer.concat(parts) });
}

async function report(
  file: string,
  engine: string | ParallelEngine,
  format: string,
  extra: Record<string, unknown> = {},
): Promise<Buffer> {
  const out = collector();
  try {
    await extract(file, { engine, format, output: out, ...extra }).run();
  } catch (e) {
    return Buffer.from(`error: ${(e as Error).message}`);
  }
  return out.bytes();
}

/** Workers kept alive by the shared engines below (idle between corpus runs). */
function kept(): number {
  return forced.keptWorkers() + forcedServer.keptWorkers() + streamServer.keptWorkers();
}

async function noLiveWorkers(): Promise<void> {
  for (let i = 0; i < 100 && workerCounts().live > kept(); i++) await new Promise((r) => setTimeout(r, 20));
  assert.equal(workerCounts().live, kept(), 'every worker of the run terminated');
}

const DIST = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'dist');
const HAVE_DIST = existsSync(join(DIST, 'engines', 'parallel', 'worker.js'));

// One pool for the corpus loops (worker start-up under tsx costs about a second).
const forced = createParallelEngine({
  strategy: 'pipeline',
  minBytes: 0,
  batchBytes: 2048,
  workers: 2,
  keepAlive: true,
});
const forcedServer = createParallelEngine({
  strategy: 'server',
  minBytes: 0,
  batchBytes: 8192,
  workers: 1,
  keepAlive: true,
});

// The server strategy with stream stages: two workers, tiny batches (many batches per capture).
const streamServer = createParallelEngine({
  strategy: 'server',
  minBytes: 0,
  batchBytes: 1500,
  workers: 2,
  keepAlive: true,
});

/** What reassembly left in `extraction.reassembly`, as comparable plain values. */
function reassemblySummary(x: ReturnType<typeof extract>): unknown {
  const r = x.reassembly;
  if (r === undefined) return undefined;
  return {
    ipv4: r.ipv4?.map((d) => [
      d.frame,
      d.frames.join(','),
      d.complete,
      d.length,
      Buffer.from(d.payload).toString('hex'),
    ]),
    ipv6: r.ipv6?.map((d) => [d.frame, d.frames.join(','), d.complete, d.length, d.packet?.layers.length]),
    tcp: r.tcp?.map((c) => [c.flow, c.dir, c.seq, c.gap, c.frames.join(','), Buffer.from(c.data).toString('hex')]),
  };
}

describe('parallel engines', () => {
  let dir = '';
  let big = '';
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'pcapkit-par-'));
    big = join(dir, 'mixed.pcap');
    generate(big, { frames: 20_000 });
  });
  after(async () => {
    await forced.close();
    await forcedServer.close();
    await streamServer.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('registered by name', () => {
    assert.equal(defaultEngines.get('pipeline')?.name, 'pipeline');
    assert.equal(defaultEngines.get('server')?.name, 'server');
  });

  test('NDJSON byte-identical to the default engine on every corpus capture', { skip: SKIP_NO_CORPUS }, async () => {
    const files = corpusFiles();
    assert.ok(files.length > 10);
    const before = workerCounts().started;
    for (const f of files) {
      const p = corpusPath(f);
      const want = await report(p, 'default', 'ndjson');
      const got = await report(p, forced, 'ndjson');
      assert.ok(got.equals(want), `${f}: pipeline NDJSON differs from default`);
    }
    assert.ok(workerCounts().started > before, 'the parallel route was taken');
  });

  test('JSON byte-identical too (pipeline and server)', { skip: SKIP_NO_CORPUS }, async () => {
    for (const f of corpusFiles()) {
      const p = corpusPath(f);
      const want = await report(p, 'default', 'json');
      const got = await report(p, f.endsWith('.pcapng') ? forcedServer : forced, 'json');
      assert.ok(got.equals(want), `${f}: parallel JSON differs from default`);
    }
  });

  test('identical on a generated capture with options: stopAt, checksums, details, limit, bytes off', async () => {
    for (const extra of [
      { stopAt: { layer: 'transport' } },
      { checksums: true, details: true },
      { limit: 12_345 },
      { dump: { bytes: false } },
    ]) {
      const want = await report(big, 'default', 'ndjson', extra);
      const got = await report(big, forced, 'ndjson', extra);
      assert.ok(got.length > 1000);
      assert.ok(got.equals(want), JSON.stringify(extra));
    }
  });

  test('statistics equal the default engine', async () => {
    const a = await extract(big, { engine: 'default', format: 'ndjson', output: collector() }).run();
    const b = await extract(big, { engine: forced, format: 'ndjson', output: collector() }).run();
    const strip = (s: typeof a.stats) => ({ ...s, elapsedMs: 0 });
    assert.deepEqual(strip(b.stats), strip(a.stats));
  });

  test('user stages see every frame (the parallel route steps aside)', async () => {
    let seen = 0;
    const count = () =>
      async function* (src: AsyncIterable<readonly { n: number }[]>) {
        for await (const b of src) {
          seen += b.length;
          yield b;
        }
      };
    const want = await report(big, 'default', 'ndjson', { limit: 2000 });
    const got = await report(big, forced, 'ndjson', { limit: 2000, stages: [count], onWarning: () => {} });
    assert.equal(seen, 2000);
    assert.ok(got.equals(want));
  });

  test('abort terminates the workers and rejects with ERR_ABORTED', async () => {
    const eng = createParallelEngine({ strategy: 'pipeline', minBytes: 0, batchBytes: 4096, workers: 2 });
    const ac = new AbortController();
    const x = extract(big, {
      engine: eng,
      format: 'ndjson',
      output: collector(),
      signal: ac.signal,
      onProgress: (p) => {
        if (p.frames > 100) ac.abort();
      },
    });
    await assert.rejects(x.run(), (e: Error & { code?: string }) => e.code === 'ERR_ABORTED');
    assert.ok(x.stats.frames < 20_000);
    await noLiveWorkers();
  });

  test('a slow FIFO reader: no slot is reused before the file sink has written its bytes (2 slots)', {
    skip: process.platform === 'win32',
  }, async (t) => {
    // Records go to a file sink straight from the worker's shared slot (or the main thread's output
    // buffer); the buffer may take the next job only once the write has completed. Writes into a
    // FIFO whose reader is slow stay queued a long while: a buffer reused early shows as different bytes.
    const fifo = join(dir, 'out.fifo');
    if (spawnSync('mkfifo', [fifo]).status !== 0) {
      t.skip('no mkfifo');
      return;
    }
    const eng = createParallelEngine({ strategy: 'pipeline', minBytes: 0, batchBytes: 16384, workers: 1, slots: 2 });
    const want = await report(big, 'default', 'ndjson', { limit: 6000 });
    const parts: Buffer[] = [];
    const rs = createReadStream(fifo, { highWaterMark: 1 << 16 });
    const reader = (async () => {
      for await (const c of rs) {
        parts.push(c as Buffer);
        await new Promise((r) => setTimeout(r, 2));
      }
    })();
    await extract(big, { engine: eng, format: 'ndjson', output: fifo, limit: 6000 }).run();
    await reader;
    assert.ok(parts.length > 20, `${parts.length} reads`);
    assert.ok(Buffer.concat(parts).equals(want), 'FIFO: parallel NDJSON differs from default');
    await noLiveWorkers();
  });

  test('user streams get copies: a slow Writable, and a PassThrough read only at the end', async () => {
    // A Writable may keep a chunk past its write callback (a PassThrough buffers it for the
    // reader), so borrowed records are copied for user streams; the bytes are read late here.
    const slow = (ac?: AbortController) => {
      const parts: Buffer[] = [];
      let chunks = 0;
      const w = new Writable({
        highWaterMark: 1 << 30,
        write(chunk: Buffer, _enc, cb) {
          if (++chunks === 10) ac?.abort();
          setTimeout(() => {
            parts.push(Buffer.from(chunk));
            cb();
          }, 2);
        },
      });
      return Object.assign(w, { bytes: () => Buffer.concat(parts), chunks: () => chunks });
    };
    const eng = createParallelEngine({ strategy: 'pipeline', minBytes: 0, batchBytes: 16384, workers: 1, slots: 2 });
    const want = await report(big, 'default', 'ndjson', { limit: 6000 });
    const out = slow();
    await extract(big, { engine: eng, format: 'ndjson', output: out, limit: 6000 }).run();
    assert.ok(out.chunks() > 50, `${out.chunks()} writes`);
    assert.ok(out.bytes().equals(want), 'slow stream: parallel NDJSON differs from default');
    const pt = new PassThrough({ highWaterMark: 1 << 30 });
    await extract(big, { engine: eng, format: 'ndjson', output: pt, limit: 6000 }).run();
    pt.end();
    const got: Buffer[] = [];
    for await (const c of pt) got.push(c as Buffer);
    assert.ok(Buffer.concat(got).equals(want), 'PassThrough: parallel NDJSON differs from default');
    // Aborted with writes still queued: rejects, every worker ends, nothing hangs.
    const ac = new AbortController();
    const x = extract(big, { engine: eng, format: 'ndjson', output: slow(ac), signal: ac.signal });
    await assert.rejects(x.run(), (e: Error & { code?: string }) => e.code === 'ERR_ABORTED');
    await noLiveWorkers();
  });

  test('an output error (EPIPE) terminates the workers and surfaces', async () => {
    const eng = createParallelEngine({ strategy: 'server', minBytes: 0, batchBytes: 4096, workers: 2 });
    const x = extract(big, { engine: eng, format: 'ndjson', output: collector(50_000) });
    await assert.rejects(x.run(), /EPIPE|broken pipe/);
    await noLiveWorkers();
  });

  test('a worker that dies with work outstanding rejects the job (no hang)', async () => {
    const pool = new WorkerPool(1, 'test');
    const job = {
      seq: 1,
      cfg: { stopAt: undefined, details: false, checksums: false, encoding: 'ndjson' as const, bytes: true },
      key: 'k',
      buf: new ArrayBuffer(16),
      meta: new Float64Array(8 * 11),
      slot: undefined,
      count: 1,
      pcapng: false,
      extras: undefined,
    };
    const p = pool.submit(job);
    const w = (pool as unknown as { slots: { worker: { terminate(): Promise<number> } }[] }).slots[0].worker;
    await w.terminate();
    await assert.rejects(p, /worker (exited|crashed)/);
    await assert.rejects(pool.submit({ ...job, seq: 2 }), /worker/);
    await pool.terminate();
    await noLiveWorkers();
  });

  test('break out of frame iteration: single-threaded route, warned, workers never started', async () => {
    const eng = createParallelEngine({ strategy: 'pipeline', minBytes: 0 });
    const warnings: string[] = [];
    const before = workerCounts().started;
    let n = 0;
    for await (const f of extract(big, { engine: eng, onWarning: (w) => warnings.push(w.code) })) {
      assert.equal(f.n, ++n);
      if (n === 50) break;
    }
    assert.equal(n, 50);
    assert.deepEqual(warnings, ['W_ENGINE_FEATURE']);
    assert.equal(workerCounts().started, before);
    await noLiveWorkers();
  });

  test('a stream input says it runs single-threaded; a file: URL runs in parallel', async () => {
    const eng = createParallelEngine({ strategy: 'pipeline', minBytes: 0, workers: 1 });
    const want = await report(big, 'default', 'ndjson', { limit: 2000 });
    const before = workerCounts().started;
    const warnings: string[] = [];
    const messages: string[] = [];
    const onWarning = (w: { code: string; message: string }) => {
      warnings.push(w.code);
      messages.push(w.message);
    };
    const viaStream = await report(createReadStream(big) as never, eng, 'ndjson', { limit: 2000, onWarning });
    assert.ok(viaStream.equals(want));
    assert.deepEqual(warnings, ['W_ENGINE_FEATURE']);
    assert.match(messages[0], /reads streams single-threaded/);
    assert.equal(workerCounts().started, before, 'no worker for a stream');
    const viaUrl = await report(pathToFileURL(big) as never, eng, 'ndjson', { limit: 2000, onWarning });
    assert.ok(viaUrl.equals(want));
    assert.equal(warnings.length, 1, 'no warning for a file: URL');
    assert.equal(workerCounts().started, before + 1, 'a file: URL is a plain file');
    // Engines are public: opened with no `warn`, a stream input still reads (and says nothing).
    let frames = 0;
    for await (const b of eng.open(createReadStream(big) as never, { registry: defaultRegistry, limit: 100 }).batches())
      frames += b.length;
    assert.equal(frames, 100);
    await noLiveWorkers();
  });

  test('small inputs use the single-threaded path without a warning', { skip: SKIP_NO_CORPUS }, async () => {
    const p = corpusPath(corpusFiles()[0]);
    assert.ok(statSync(p).size < 4 << 20);
    const before = workerCounts().started;
    const warnings: string[] = [];
    const want = await report(p, 'default', 'ndjson');
    const got = await report(p, 'pipeline', 'ndjson', { onWarning: (w: { code: string }) => warnings.push(w.code) });
    assert.ok(got.equals(want));
    assert.equal(workerCounts().started, before, 'no worker for a small file');
    assert.deepEqual(warnings, []);
  });

  test('the built-in engines start workers for a large file (threshold met)', async () => {
    const eng = createParallelEngine({ strategy: 'pipeline', minBytes: statSync(big).size, workers: 1 });
    const before = workerCounts().started;
    const got = await report(big, eng, 'ndjson', { limit: 3000 });
    const want = await report(big, 'default', 'ndjson', { limit: 3000 });
    assert.ok(got.equals(want));
    assert.equal(workerCounts().started, before + 1);
    await noLiveWorkers();
  });

  test('compiled dist/: the worker script resolves beside the module (plain node, no tsx)', {
    skip: HAVE_DIST ? false : 'dist/ not built (npm run build)',
  }, () => {
    const code = `
        import { extract } from ${JSON.stringify(`${DIST}/api/extract.js`)};
        import { createParallelEngine } from ${JSON.stringify(`${DIST}/engines/parallel.js`)};
        import { workerCounts } from ${JSON.stringify(`${DIST}/engines/parallel/pool.js`)};
        import { PassThrough, Writable } from 'node:stream';
        const sink = () => { const parts = []; const w = new Writable({ write(c, _e, cb) { parts.push(Buffer.from(c)); cb(); } }); w.bytes = () => Buffer.concat(parts); return w; };
        const a = sink(), b = sink();
        await extract(${JSON.stringify(big)}, { format: 'ndjson', output: a, limit: 4000 }).run();
        const eng = createParallelEngine({ strategy: 'pipeline', minBytes: 0, batchBytes: 8192, workers: 2 });
        await extract(${JSON.stringify(big)}, { engine: eng, format: 'ndjson', output: b, limit: 4000 }).run();
        // The server strategy runs the stream stages in the workers: the bundle carries them too.
        const re = { reassemble: { ipv4: true, ipv6: true, tcp: true } };
        const c = sink(), d = sink();
        await extract(${JSON.stringify(big)}, { format: 'ndjson', output: c, limit: 4000, ...re }).run();
        const srv = createParallelEngine({ strategy: 'server', minBytes: 0, batchBytes: 8192, workers: 2 });
        await extract(${JSON.stringify(big)}, { engine: srv, format: 'ndjson', output: d, limit: 4000, ...re }).run();
        console.log(JSON.stringify({ same: a.bytes().equals(b.bytes()), len: b.bytes().length, sameStreams: c.bytes().equals(d.bytes()), started: workerCounts().started }));
      `;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', code], {
      encoding: 'utf8',
      execArgv: [],
    } as never);
    assert.equal(r.status, 0, r.stderr);
    const j = JSON.parse(r.stdout.trim().split('\n').pop()!);
    assert.ok(j.len > 1000);
    assert.equal(j.same, true);
    assert.equal(j.sameStreams, true);
    assert.equal(j.started, 4);
    // `npm run build` bundles the worker (scripts/bundle-worker.mjs); pool.ts starts that file.
    assert.ok(existsSync(`${DIST}/engines/parallel/worker.bundle.js`), 'dist/ has the worker bundle');
  });

  test('server with reassembly: NDJSON byte-identical and the same results on every corpus capture', {
    skip: SKIP_NO_CORPUS,
  }, async () => {
    const before = workerCounts().started;
    for (const f of corpusFiles()) {
      const p = corpusPath(f);
      for (const extra of [{ reassemble: { ipv4: true, ipv6: true, tcp: true } }, { flows: true }]) {
        const warnings: string[] = [];
        const onWarning = (w: { code: string }) => warnings.push(w.code);
        const a = collector();
        const b = collector();
        const xa = extract(p, { engine: 'default', format: 'ndjson', output: a, ...extra });
        const xb = extract(p, { engine: streamServer, format: 'ndjson', output: b, onWarning, ...extra });
        const ea = await xa.run().then(
          () => '',
          (e: Error) => e.message,
        );
        const eb = await xb.run().then(
          () => '',
          (e: Error) => e.message,
        );
        assert.equal(eb, ea, `${f} ${JSON.stringify(extra)}: errors differ`);
        if (ea !== '') continue; // a damaged capture: the error is the result
        assert.ok(b.bytes().equals(a.bytes()), `${f} ${JSON.stringify(extra)}: server NDJSON differs from default`);
        assert.deepEqual(reassemblySummary(xb), reassemblySummary(xa), `${f}: reassembly results differ`);
        assert.deepEqual(xb.stats.issuesByCode, xa.stats.issuesByCode, `${f}: issue counts differ`);
        assert.deepEqual(warnings, [], `${f}: the stream route was taken without warnings`);
      }
    }
    assert.ok(workerCounts().started > before, 'the stream route was taken');
  });

  test('server with tracing: the same flow index and trace files on every corpus capture', {
    skip: SKIP_NO_CORPUS,
  }, async () => {
    const files = (d: string) =>
      existsSync(d)
        ? readdirSync(d)
            .sort()
            .map((n) => [n, readFileSync(join(d, n)).toString('hex')])
        : [];
    let k = 0;
    for (const f of corpusFiles()) {
      const p = corpusPath(f);
      for (const extra of [{}, { reassemble: true }]) {
        const da = join(dir, `ta-${k}`);
        const db = join(dir, `tb-${k++}`);
        const a = collector();
        const b = collector();
        const warnings: string[] = [];
        const xa = extract(p, { format: 'ndjson', output: a, trace: { output: da, udp: true }, ...extra });
        const xb = extract(p, {
          engine: streamServer,
          format: 'ndjson',
          output: b,
          trace: { output: db, udp: true },
          onWarning: (w) => warnings.push(w.code),
          ...extra,
        });
        const ea = await xa.run().then(
          () => '',
          (e: Error) => e.message,
        );
        const eb = await xb.run().then(
          () => '',
          (e: Error) => e.message,
        );
        assert.equal(eb, ea, `${f}: errors differ`);
        if (ea !== '') continue;
        assert.ok(b.bytes().equals(a.bytes()), `${f}: NDJSON with trace differs`);
        const strip = (l: typeof xa.flows) => l?.map((x) => ({ ...x, file: x.file?.slice(x.file.lastIndexOf('/')) }));
        assert.deepEqual(strip(xb.flows), strip(xa.flows), `${f}: flow index differs`);
        assert.deepEqual(files(db), files(da), `${f}: trace files differ`);
        assert.deepEqual(warnings, []);
      }
    }
  });

  test('server with reassembly on a generated capture: JSON and NDJSON identical, limit too', async () => {
    for (const extra of [
      { reassemble: true, format: 'ndjson' },
      { reassemble: true, format: 'json', limit: 7777 },
      { reassemble: { tcp: true }, format: 'ndjson', dump: { bytes: false } },
      { reassemble: { ipv4: true, ipv6: true, tcp: true, store: false }, format: 'ndjson' },
      { flows: true, format: 'json' },
    ]) {
      const { format, ...rest } = extra;
      const want = await report(big, 'default', format, rest);
      const got = await report(big, streamServer, format, rest);
      assert.ok(got.length > 1000);
      assert.ok(got.equals(want), JSON.stringify(extra));
    }
  });

  test('server: a flow the router splits over two workers (inside UDP tunnels) fails the run, never differs', async () => {
    // The same inner UDP conversation plain and inside Geneve tunnels between many outer pairs:
    // the router keeps each tunnel on its outer pair's worker, so the inner flow lands on both.
    const inner = (k: number) =>
      build(
        ethernet.make(),
        ipv4.make({ src: ip('192.168.0.1'), dst: ip('192.168.0.2') }),
        udp.make({ srcport: 1, dstport: 2 }),
        payload(`inner ${k}`),
      );
    const packets: Uint8Array[] = [inner(0)];
    for (let k = 1; k <= 16; k++)
      packets.push(
        build(
          ethernet.make(),
          ipv4.make({ src: ip(`10.0.0.${k}`), dst: ip(`10.0.1.${k}`) }),
          udp.make({ srcport: 40000, dstport: 6081 }),
          geneve.make({ protoType: 0x6558 }),
          inner(k),
        ),
      );
    const file = join(dir, 'tunnels.pcap');
    writeFileSync(file, writePcap(packets.map((data, i) => ({ data, tsSec: 1_000_000 + i, tsNsec: 0 }))));
    const want = await report(file, 'default', 'ndjson', { flows: true });
    assert.ok(!want.toString().startsWith('error'));
    const got = await report(file, streamServer, 'ndjson', { flows: true });
    assert.match(got.toString(), /^error: engine 'server' split a flow over two workers/);
  });

  test('chunks read into worker slots: records past the headroom, a slot shortage, NDJSON as default', async () => {
    // Chunks are read straight into free worker slots (64 KiB chunks here). A record longer than
    // the reader's 64 KiB headroom that crosses a chunk boundary is merged into a buffer of its
    // own; with 1 or 2 slots most chunks find none free and take the copying path. Every mix must
    // give the default engine's bytes.
    const sizes = [60, 1500, 9000, 70_000, 120, 100_000, 64, 65_600, 3000, 200_000, 80];
    const packets: Uint8Array[] = [];
    for (let i = 0; i < 300; i++) {
      const n = sizes[i % sizes.length];
      const body = new Uint8Array(n);
      for (let k = 0; k < n; k++) body[k] = (k * 7 + i) & 255;
      packets.push(
        build(
          ethernet.make(),
          ipv4.make({ src: ip('10.1.0.1'), dst: ip('10.1.0.2') }),
          udp.make({ srcport: 5000 + (i % 7), dstport: 9 }),
          payload(body),
        ),
      );
    }
    const file = join(dir, 'jumbo.pcap');
    writeFileSync(file, writePcap(packets.map((data, i) => ({ data, tsSec: 1_000_000 + i, tsNsec: i }))));
    const want = await report(file, 'default', 'ndjson');
    for (const slots of [1, 2, 10]) {
      const eng = createParallelEngine({ strategy: 'pipeline', minBytes: 0, batchBytes: 1 << 16, workers: 1, slots });
      const got = await report(file, eng, 'ndjson');
      assert.ok(got.equals(want), `slots ${slots}: pipeline NDJSON differs from default`);
    }
    await noLiveWorkers();
  });

  test("property: any record sizes, chunk size and slot count give the default engine's NDJSON", async () => {
    // Records from empty to several chunks long, chunks of 64–192 KiB, 1–4 slots: chunks with no
    // complete record, records merged past the headroom, slots running out. One pool per slot
    // count, kept between runs.
    const engines = new Map<number, ParallelEngine>();
    let k = 0;
    try {
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.oneof(fc.integer({ min: 0, max: 1600 }), fc.integer({ min: 60_000, max: 300_000 })), {
            minLength: 1,
            maxLength: 60,
          }),
          fc.integer({ min: 1, max: 3 }),
          fc.integer({ min: 1, max: 4 }),
          async (sizes, chunk64k, slots) => {
            const file = join(dir, `prop-${k++}.pcap`);
            const recs = sizes.map((n, i) => {
              const data = new Uint8Array(n);
              for (let j = 0; j < n; j += 97) data[j] = (i + j) & 255;
              return { data, tsSec: 1_700_000_000 + i, tsNsec: i * 1000 };
            });
            writeFileSync(file, writePcap(recs));
            let eng = engines.get(slots * 10 + chunk64k);
            if (eng === undefined) {
              eng = createParallelEngine({
                strategy: 'pipeline',
                minBytes: 0,
                batchBytes: chunk64k << 16,
                workers: 1,
                slots,
                keepAlive: true,
              });
              engines.set(slots * 10 + chunk64k, eng);
            }
            const want = await report(file, 'default', 'ndjson');
            const got = await report(file, eng, 'ndjson');
            rmSync(file);
            return got.equals(want);
          },
        ),
        { numRuns: 25 },
      );
    } finally {
      for (const e of engines.values()) await e.close();
    }
    await noLiveWorkers();
  });

  test("a user's dumper of bare 'json' records gets each frame's JSON object, as the default engine formats it", async () => {
    // The built-in JSON report takes 'json-report' records (frame heads included); 'json' stays
    // the plain object per frame for third-party formats.
    const made: string[][] = [];
    const bare: DumperFactory = {
      name: 'bare',
      extension: '.bare',
      encoding: 'json',
      create: (_sink, ctx) => {
        const got: string[] = [];
        made.push(got);
        let fmt: ReturnType<typeof reportFormatter> | undefined;
        return {
          open: (info) => {
            fmt = reportFormatter(ctx, info);
          },
          write: (frames) => {
            for (const f of frames) got.push(fmt!.json(f));
          },
          writeEncoded: (b) => {
            for (let i = 0; i < b.count; i++)
              got.push(Buffer.from(b.records.subarray(b.offsets[i], b.offsets[i + 1])).toString('latin1'));
          },
          close: async () => {},
        };
      },
    };
    await extract(big, { format: bare, output: collector(), limit: 3000 }).run();
    await extract(big, { engine: forced, format: bare, output: collector(), limit: 3000 }).run();
    assert.equal(made.length, 2);
    assert.equal(made[0].length, 3000);
    assert.deepEqual(made[1], made[0]);
    assert.ok(made[1][0].startsWith('{'));
  });

  test('JSON report: interface blocks that turn up mid-file land between the same frames as with the default engine', async () => {
    // Workers write each frame's head (`,\n"Frame N":`); the report writes a batch whole unless
    // it is the first or a capture block is due inside it, then record by record.
    const recs = [];
    for (let i = 0; i < 3000; i++)
      recs.push({
        data: build(
          ethernet.make(),
          ipv4.make({ src: ip('10.2.0.1'), dst: ip('10.2.0.2') }),
          udp.make({ srcport: 7, dstport: 9 }),
          payload(`frame ${i}`),
        ),
        tsSec: 1_600_000_000 + i,
        tsNsec: 0,
        iface: i < 1000 ? 0 : i < 2200 ? 1 : 2,
      });
    const file = join(dir, 'ifaces.pcapng');
    writeFileSync(file, writePcapng(recs));
    const want = await report(file, 'default', 'json');
    assert.deepEqual(
      want
        .toString()
        .split('\n')
        .flatMap((l, i) => (l.startsWith('"Interface Description') ? [i] : [])),
      [2, 1003, 2204],
    );
    const got = await report(file, forced, 'json');
    assert.ok(got.equals(want), 'pipeline JSON differs from default');
    JSON.parse(got.toString());
  });

  test('pipeline with reassembly stays single-threaded and warns', async () => {
    const eng = createParallelEngine({ strategy: 'pipeline', minBytes: 0, workers: 2 });
    const before = workerCounts().started;
    const warnings: string[] = [];
    const got = await report(big, eng, 'ndjson', {
      reassemble: true,
      limit: 3000,
      onWarning: (w: { code: string }) => warnings.push(w.code),
    });
    const want = await report(big, 'default', 'ndjson', { reassemble: true, limit: 3000 });
    assert.ok(got.equals(want));
    assert.deepEqual(warnings, ['W_ENGINE_FEATURE']);
    assert.equal(workerCounts().started, before);
  });

  test('server/pipeline with tracing: tcp.stream numbering equals the default engine', async () => {
    const flows = async (engine: string | ParallelEngine) => {
      const x = await extract(big, {
        engine,
        trace: { output: join(dir, `t-${Math.random()}`) },
        limit: 5000,
        onWarning: () => {},
      }).run();
      return (x.flows ?? []).map((f) => [f.stream, f.frames.join(',')]);
    };
    const want = await flows('default');
    assert.ok(want.length > 10);
    assert.deepEqual(await flows(createParallelEngine({ strategy: 'server', minBytes: 0 })), want);
    assert.deepEqual(await flows(createParallelEngine({ strategy: 'pipeline', minBytes: 0 })), want);
  });
});
