/**
 * The library surface: extract() step mode, batches, run, stores, cut-offs, naming rules, warnings,
 * abort, engines and dumpers from registries, analyse('auto'), and the formatter's two renderings
 * (JSON text and plain records) agreeing on every corpus frame.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import {
  analyse,
  Bytes,
  build,
  builtins,
  createRegistry,
  type DumperFactory,
  defaultDumpers,
  defaultEngine,
  defaultRegistry,
  defineProtocol,
  dump,
  ethernet,
  extract,
  FormatError,
  Formatter,
  type Frame,
  ip,
  ipv4,
  PcapkitError,
  type PcapkitWarning,
  payload,
  readFramesSync,
  tcp,
  u8,
  udp,
  writePcap,
} from '../../src/index.js';
import { corpusFiles, corpusPath, SKIP_NO_CORPUS } from '../helpers/corpus.js';
import { generateCapture } from '../helpers/generate.js';

let dir = '';
let cap = '';
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'pcapkit-api-'));
  cap = join(dir, 'mix.pcap');
  generateCapture(cap, { frames: 3000, pool: 128, seed: 3 });
});
after(() => rmSync(dir, { recursive: true, force: true }));

describe('extract()', () => {
  test('step mode: next() hands out frames one at a time, in order, then done', async () => {
    const x = extract(cap, { store: true });
    const first = await x.next();
    assert.equal(first.done, false);
    assert.equal(first.value!.n, 1);
    assert.equal(x.length, 1);
    const second = await x.next();
    assert.equal(second.value!.n, 2);
    let n = 2;
    for (;;) {
      const r = await x.next();
      if (r.done) break;
      assert.equal(r.value.n, ++n);
    }
    assert.equal(n, 3000);
    assert.equal(x.frames.length, 3000);
    assert.equal(x.done, true);
    assert.equal(x.format, 'pcap');
    assert.equal(x.version, '2.4');
    assert.deepEqual(await x.next(), { done: true, value: undefined });
  });

  test('for await, batches() and run() see the same frames', async () => {
    const a: number[] = [];
    for await (const f of extract(cap)) a.push(f.n);
    const b: number[] = [];
    for await (const batch of extract(cap).batches()) for (const f of batch) b.push(f.n);
    assert.deepEqual(a, b);
    const x = await extract(cap).run();
    assert.equal(x.stats.frames, 3000);
    assert.ok(x.stats.bytes > 0);
    assert.throws(
      () => x.frames,
      (e: PcapkitError) => e.code === 'ERR_USAGE',
    );
  });

  test('break closes the input; step then batches continues where it stopped', async () => {
    const x = extract(cap);
    for await (const f of x) if (f.n === 10) break;
    assert.equal(x.done, true);
    const y = extract(cap);
    await y.next();
    await y.next();
    const rest: number[] = [];
    for await (const b of y.batches()) for (const f of b) rest.push(f.n);
    assert.equal(rest[0], 3);
    assert.equal(rest.length, 2998);
  });

  test('auto: runs by itself; iterating is refused (PyPCAPKit IterableError)', async () => {
    const x = extract(cap, { auto: true, limit: 5 });
    assert.throws(
      () => x[Symbol.asyncIterator](),
      (e: PcapkitError) => e.code === 'ERR_USAGE',
    );
    await x.run();
    assert.equal(x.stats.frames, 5);
  });

  test('dump() writes any extraction; asyncDispose closes a half-read one', async () => {
    const out = join(dir, 'dumped.ndjson');
    const sum = await dump(extract(cap, { limit: 5 }), { format: 'ndjson', output: out });
    assert.equal(sum.frames, 5);
    assert.equal(readFileSync(out, 'utf8').trim().split('\n').length, 5);
    const x = extract(cap, { output: join(dir, 'disposed.json') });
    await x.next();
    await x[Symbol.asyncDispose]();
    assert.equal(x.done, true);
    const j = JSON.parse(readFileSync(join(dir, 'disposed.json'), 'utf8'));
    assert.deepEqual(Object.keys(j), ['Global Header', 'Frame 1']);
  });

  test('extract(options) with input inside, and limit/count', async () => {
    const x = await extract({ input: cap, count: 7 }).run();
    assert.equal(x.stats.frames, 7);
  });

  test('stopAt layer and protocol cut the chain', async () => {
    const chains = async (o: object) => {
      const out: string[] = [];
      for await (const f of extract(cap, { ...o, limit: 50 })) out.push(f.layers.map((l) => l.protocol).join(':'));
      return out;
    };
    const full = await chains({});
    assert.ok(full.some((c) => c.includes(':tcp')));
    for (const c of await chains({ stopAt: { layer: 'internet' } })) assert.match(c, /^ethernet:ipv[46]$/);
    for (const c of await chains({ layer: 'link' })) assert.equal(c, 'ethernet');
    for (const c of await chains({ protocol: 'ipv4' })) assert.doesNotMatch(c, /ipv4:/);
    for (const c of await chains({ stopAt: { protocol: 'IPv6' } })) assert.doesNotMatch(c, /ipv6:/);
  });

  test('strict: the first stopping issue throws ERR_STRICT after the good frames', async () => {
    const good = build(
      ethernet.make(),
      ipv4.make({ src: ip('10.0.0.1'), dst: ip('10.0.0.2') }),
      udp.make({ srcport: 1, dstport: 2 }),
    );
    const bad = good.slice();
    bad[14] = 0x41;
    const p = join(dir, 'strict.pcap');
    writeFileSync(p, writePcap([{ data: good }, { data: good }, { data: bad }, { data: good }]));
    const x = extract(p, { strict: true, store: true });
    await assert.rejects(x.run(), (e: PcapkitError) => e.code === 'ERR_STRICT' && /frame 3/.test(e.message));
    assert.equal(x.frames.length, 2);
  });

  test('abort mid-run: ERR_ABORTED and the JSON report is still valid', async () => {
    const big = join(dir, 'big.pcap');
    generateCapture(big, { frames: 100000, pool: 64 });
    const ac = new AbortController();
    const out = join(dir, 'aborted.json');
    const x = extract(big, { output: out, signal: ac.signal });
    let seen = 0;
    await assert.rejects(
      (async () => {
        for await (const b of x.batches()) {
          seen += b.length;
          if (seen > 2000) ac.abort();
        }
      })(),
      (e: PcapkitError) => e.code === 'ERR_ABORTED',
    );
    const j = JSON.parse(readFileSync(out, 'utf8'));
    const n = Object.keys(j).filter((k) => k.startsWith('Frame ')).length;
    assert.ok(n >= 2000 && n < 100000, String(n));
  });

  test('naming rules: in.pcap default, x → x.pcap, output stem out + extension, FormatError', async () => {
    const cwd = process.cwd();
    const work = mkdtempSync(join(dir, 'names-'));
    process.chdir(work);
    try {
      writeFileSync('in.pcap', readFileSync(cap));
      writeFileSync('capture.pcap', readFileSync(cap));
      const a = await extract(undefined, { format: 'json', limit: 2 }).run();
      assert.equal(a.input, 'in.pcap');
      assert.equal(a.output, 'out.json');
      assert.ok(existsSync('out.json'));
      const b = await extract('capture', { output: 'report', format: 'ndjson', limit: 2 }).run();
      assert.equal(b.input, 'capture.pcap');
      assert.equal(b.output, 'report.ndjson');
      const c = await extract('capture.pcap', { output: 'r.plist', extension: false, limit: 1 }).run();
      assert.equal(c.outputFormat, 'plist');
      assert.throws(() => extract('capture', { output: 'report' }), FormatError);
      assert.throws(() => extract('capture', { output: '-' }), FormatError);
      assert.throws(
        () => extract('capture', { format: 'yaml' }),
        (e: PcapkitError) => e.code === 'ERR_FORMAT',
      );
      const d = await extract('capture.pcap', { limit: 1 }).run();
      assert.equal(d.output, undefined); // no report unless asked
      // A device keeps its name: /dev/null, not a new file /dev/null.ndjson beside it.
      if (process.platform !== 'win32') {
        const e = await extract('capture.pcap', { output: '/dev/null', format: 'ndjson', limit: 2 }).run();
        assert.equal(e.output, '/dev/null');
        assert.equal(existsSync('/dev/null.ndjson'), false);
      }
    } finally {
      process.chdir(cwd);
    }
  });

  test('warnings go through one channel: observe, silence, codes', async () => {
    const seen: PcapkitWarning[] = [];
    const x = extract(cap, { layer: 'session' as never, protocol: 'nosuch', onWarning: (w) => seen.push(w), limit: 1 });
    await x.run();
    assert.deepEqual(
      seen.map((w) => w.code),
      ['W_UNKNOWN_LAYER', 'W_UNKNOWN_PROTOCOL'],
    );
    const y = extract(cap, { output: join(dir, 'w.json'), onWarning: (w) => seen.push(w), limit: 1 });
    await y.run();
    assert.equal(seen[2].code, 'W_FORMAT_GUESSED');
    assert.equal(seen[2].level, 'info');
    await extract(cap, { layer: 'session' as never, onWarning: () => {}, limit: 1 }).run(); // silenced
  });

  test('engines: registry, unknown name, unsupported features (error or loud warning)', async () => {
    assert.throws(
      () => extract(cap, { engine: 'warp' }),
      (e: PcapkitError) => e.code === 'ERR_ENGINE',
    );
    const minimal = { ...defaultEngine, name: 'minimal', supports: new Set(['pcap']) };
    assert.throws(
      () => extract(cap, { engine: minimal, reassemble: true }),
      (e: PcapkitError) => e.code === 'ERR_UNSUPPORTED',
    );
    const seen: string[] = [];
    await extract(cap, { engine: minimal, layer: 'link', onWarning: (w) => seen.push(w.code), limit: 1 }).run();
    assert.deepEqual(seen, ['W_ENGINE_FEATURE']);
  });

  test('verbose callback gets every frame; an engine names a missing dependency before reading', async () => {
    const seen: number[] = [];
    await extract(cap, { limit: 4, verbose: (f) => seen.push(f.n) }).run();
    assert.deepEqual(seen, [1, 2, 3, 4]);
    const missing = {
      ...defaultEngine,
      name: 'needs-tool',
      available: () => {
        throw new PcapkitError('ERR_ENGINE_MISSING', 'install tool');
      },
    };
    await assert.rejects(extract(cap, { engine: missing }).run(), (e: PcapkitError) => e.code === 'ERR_ENGINE_MISSING');
  });

  test('a user dumper: registered with its extension, chosen by -o name', async () => {
    const csv: DumperFactory = {
      name: 'csv',
      extension: '.csv',
      create: (sink) => ({
        open: () => sink.write('number,len,protocols\n'),
        write: (frames: readonly Frame[]) =>
          sink.write(frames.map((f) => `${f.n},${f.origLen},${f.layers.map((l) => l.protocol).join(':')}\n`).join('')),
        close: async () => {},
      }),
    };
    const out = join(dir, 'frames.csv');
    await extract(cap, { output: out, dumpers: defaultDumpers.with(csv), limit: 3 }).run();
    const lines = readFileSync(out, 'utf8').trim().split('\n');
    assert.equal(lines.length, 4);
    assert.match(lines[1], /^1,\d+,ethernet:ipv[46]:(tcp|udp)/);
  });

  test('a user protocol gets JSON output without touching a dumper', async () => {
    const demo = defineProtocol({
      name: 'demo',
      abbrev: 'demo',
      title: 'Demo',
      layer: 'application',
      header: {
        kind: u8(0, { names: { 7: 'seven' } }),
        flags: u8(1, { base: 'hex' }),
        on: u8(2, { mask: 0x80, base: 'bool' }),
      },
      bind: { 'udp.port': [4242] },
    });
    const data = build(
      ethernet.make(),
      ipv4.make({ src: ip('10.0.0.1'), dst: ip('10.0.0.2') }),
      udp.make({ srcport: 1000, dstport: 4242 }),
      payload(Uint8Array.of(7, 0xa, 0x80, 1)),
    );
    const p = join(dir, 'demo.pcap');
    writeFileSync(p, writePcap([{ data }]));
    const out = join(dir, 'demo.json');
    await extract(p, { output: out, registry: createRegistry([...builtins, demo]) }).run();
    const j = JSON.parse(readFileSync(out, 'utf8'));
    assert.deepEqual(j['Frame 1'].ethernet.ipv4.udp.demo, {
      kind: { name: 'seven', value: 7 },
      flags: '0x0a',
      on: true,
      data: '01',
    });
    assert.equal(j['Frame 1'].protocols, 'Ethernet:IPv4:UDP:demo:Raw');
  });
});

describe('analyse()', () => {
  test("protocol 'auto' tries application probes in registry order, else raw", () => {
    const greet = defineProtocol({
      name: 'greet',
      abbrev: 'greet',
      title: 'Greeting',
      layer: 'application',
      header: { first: u8(0) },
      heuristic: ['tcp.port'],
      probe: (b: Bytes, at: number, end: number) =>
        end - at >= 5 && String.fromCharCode(...b.u8.subarray(at, at + 5)) === 'HELLO',
    });
    const reg = createRegistry([...builtins, greet]);
    const f = analyse(new TextEncoder().encode('HELLO world'), { protocol: 'auto', registry: reg });
    assert.deepEqual(
      f.layers.map((l) => l.protocol),
      ['greet'],
    );
    const raw = analyse(new TextEncoder().encode('nothing here'), { protocol: 'auto', registry: reg });
    assert.deepEqual(raw.layers, []);
    assert.deepEqual(raw.issues, []);
  });
});

describe('formatter', () => {
  const check = (frames: Iterable<Frame>, pcapng: boolean) => {
    const fmt = new Formatter({ registry: defaultRegistry, pcapng });
    for (const f of frames) {
      const text = fmt.json(f);
      assert.doesNotMatch(text, /[^\x00-\x7f]/, 'JSON text is ASCII');
      assert.deepEqual(JSON.parse(text), fmt.record(f), `frame ${f.n}`);
    }
  };

  test('JSON text and plain record agree on generated frames', () => check(readFramesSync(cap), false));

  test('JSON text and plain record agree on every corpus frame', { skip: SKIP_NO_CORPUS }, () => {
    for (const name of corpusFiles()) {
      let frames: Frame[] = [];
      try {
        for (const f of readFramesSync(corpusPath(name), { details: false })) frames.push(f);
      } catch {
        // broken files: the frames before the break still count
      }
      frames = frames.slice(0, 400);
      check(frames, name.endsWith('.pcapng'));
    }
  });

  test('random bytes never make the formatter throw or emit invalid JSON', () => {
    const fmt = new Formatter({ registry: defaultRegistry });
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.integer({ min: 0, max: 300 }), (data, lt) => {
        const f = analyse(data, { linktype: [1, 228, 229, lt][lt % 4] });
        const rec = JSON.parse(fmt.json(f));
        assert.equal(rec.number, 1);
        assert.deepEqual(rec, fmt.record(f));
      }),
      { numRuns: 500 },
    );
  });

  test('TCP and IPv4 options written from the bytes are the generic writer’s text, byte for byte', () => {
    // With `details` the options are decoded objects and take the generic writer; without, the
    // report walks the bytes (dump/tlv-json.ts). Same text, including malformed and cut lists.
    const fmt = new Formatter({ registry: defaultRegistry });
    const kinds = [0, 1, 2, 3, 4, 5, 7, 8, 19, 27, 28, 29, 30, 34, 68, 130, 131, 148, 253, 254, 99];
    const option = fc.oneof(
      fc.constantFrom(...kinds).map((k) => [k]),
      fc
        .tuple(fc.constantFrom(...kinds), fc.integer({ min: 0, max: 40 }), fc.uint8Array({ maxLength: 40 }))
        .map(([k, l, v]) => [k, l, ...v.subarray(0, Math.max(0, l - 2))]),
    );
    let withOptions = 0;
    fc.assert(
      fc.property(fc.array(option, { maxLength: 8 }), fc.boolean(), fc.nat(), (opts, inIp, cutAt) => {
        const o = opts.flat().slice(0, 40);
        while (o.length % 4 !== 0) o.push(0);
        const bytes = Uint8Array.from(o);
        const pkt = build(
          ethernet.make({}),
          ipv4.make({ src: 1, dst: 2 }),
          tcp.make({ srcport: 1 }),
          new Uint8Array(4),
        );
        // Put the random list where the options go: after the IPv4 or the TCP fixed header.
        const at = inIp ? 34 : 54;
        const out = new Uint8Array(pkt.length + bytes.length);
        out.set(pkt.subarray(0, at));
        out.set(bytes, at);
        out.set(pkt.subarray(at), at + bytes.length);
        if (inIp) out[14] = 0x40 | ((20 + bytes.length) / 4);
        else out[46] = ((20 + bytes.length) / 4) << 4;
        const total = out.length - 14;
        out[16] = total >> 8;
        out[17] = total & 255;
        const cut = out.subarray(0, cutAt % 3 === 0 ? cutAt % out.length : out.length);
        const fast = fmt.json(analyse(cut, { linktype: 1 }));
        const generic = fmt.json(analyse(cut, { linktype: 1, details: true }));
        if (fast.includes('"options":[')) withOptions++;
        assert.equal(fast, generic);
      }),
      { numRuns: 3000 },
    );
    assert.ok(withOptions > 1000, `${withOptions} frames had options`);
  });

  test('report size stays within a small constant of the capture (no repeated payloads)', async () => {
    const out = join(dir, 'size.ndjson');
    await extract(cap, { output: out }).run();
    const ratio = readFileSync(out).length / readFileSync(cap).length;
    assert.ok(ratio < 4, `ndjson/capture = ${ratio.toFixed(2)}`);
  });
});

void Bytes;
