/**
 * End to end: the BUILT `pcapkit` binary (dist/cli.js, built by `npm test` before any test runs) on corpus captures and
 * generated ones. Every report format parses back; exit codes, messages, EPIPE, SIGINT, cut-offs.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import * as plistParser from 'plist';
import {
  build,
  defaultEngines,
  ethernet,
  ip,
  ipv4,
  payload,
  readFramesSync,
  udp,
  writePcap,
  writePcapng,
} from '../../src/index.js';
import { corpusPath, SKIP_NO_CORPUS } from '../helpers/corpus.js';
import { generateCapture, mixedFrame } from '../helpers/generate.js';

const ROOT = resolve(fileURLToPath(import.meta.url), '..', '..', '..');
const CLI = join(ROOT, 'dist', 'cli.js');
let dir = '';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}
function run(args: string[], opts: { input?: Uint8Array; cwd?: string; env?: NodeJS.ProcessEnv } = {}): Run {
  const r = spawnSync(process.execPath, [CLI, ...args], {
    cwd: opts.cwd ?? dir,
    input: opts.input,
    env: { ...process.env, NO_COLOR: '', ...opts.env },
    maxBuffer: 1 << 28,
  });
  return { code: r.status, stdout: r.stdout.toString('utf8'), stderr: r.stderr.toString('utf8') };
}

const IN = corpusPath('pypcapkit__in.pcap');
const noCorpus = { skip: SKIP_NO_CORPUS };

before(() => {
  // `npm test` builds dist/ before any test runs (scripts/test.mjs); build here only when run alone.
  if (!existsSync(CLI)) {
    const b = spawnSync(
      process.execPath,
      [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'],
      {
        cwd: ROOT,
        encoding: 'utf8',
      },
    );
    assert.equal(b.status, 0, `build failed: ${b.stdout}${b.stderr}`);
  }
  assert.ok(existsSync(CLI));
  dir = mkdtempSync(join(tmpdir(), 'pcapkit-cli-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

function small(): string {
  const p = join(dir, 'small.pcap');
  if (!existsSync(p)) generateCapture(p, { frames: 500, pool: 64, seed: 7 });
  return p;
}

describe('report formats parse back', () => {
  test('json: one document, Global Header and Frame N blocks, canonical values', noCorpus, () => {
    const r = run([IN, '-f', 'json', '-o', 'a.json']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /6 frames/);
    const j = JSON.parse(readFileSync(join(dir, 'a.json'), 'utf8'));
    assert.deepEqual(Object.keys(j), [
      'Global Header',
      'Frame 1',
      'Frame 2',
      'Frame 3',
      'Frame 4',
      'Frame 5',
      'Frame 6',
    ]);
    assert.equal(j['Global Header'].network.name, 'ETHERNET');
    const f3 = j['Frame 3'];
    assert.equal(f3.protocols, 'Ethernet:IPv4:TCP');
    assert.equal(f3.time_epoch, '1511106549.777804000');
    assert.equal(f3.time, 1511106549.777804);
    assert.equal(f3.ethernet.type.name, 'IPv4');
    assert.equal(f3.ethernet.type.value, '0x0800');
    assert.equal(f3.ethernet.ipv4.src, '123.129.210.135');
    assert.equal(f3.ethernet.ipv4.tcp.srcport, 80);
    assert.equal(f3.ethernet.ipv4.tcp.flagFin, true);
    assert.equal(j['Frame 1'].ethernet.ipv6.src, 'fe80::a6:87f9:2793:16ee'); // RFC 5952
  });

  test('ndjson on stdout: exactly one object per frame per line, nothing else', noCorpus, () => {
    const r = run([IN, '-f', 'ndjson', '-o', '-']);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.split('\n');
    assert.equal(lines.pop(), '');
    assert.equal(lines.length, 6);
    const frames = lines.map((l) => JSON.parse(l));
    assert.deepEqual(
      frames.map((f) => f.number),
      [1, 2, 3, 4, 5, 6],
    );
    const j = JSON.parse(readFileSync(join(dir, 'a.json'), 'utf8'));
    assert.deepEqual(frames[2], j['Frame 3'], 'same frame shape as the JSON report');
  });

  test('plist: loads with a standard plist parser, same records as JSON', noCorpus, () => {
    const r = run([IN, '-p', '-o', 'a.plist']);
    assert.equal(r.code, 0, r.stderr);
    const p = plistParser.parse(readFileSync(join(dir, 'a.plist'), 'utf8')) as Record<string, any>;
    const j = JSON.parse(readFileSync(join(dir, 'a.json'), 'utf8'));
    assert.deepEqual(Object.keys(p), Object.keys(j));
    assert.deepEqual(p['Frame 3'], j['Frame 3']);
    assert.deepEqual(p['Global Header'], j['Global Header']);
  });

  test('plist: XML-escaped text and characters XML cannot carry still load', () => {
    const cap = writePcapng([{ data: Uint8Array.of(1, 2, 3), comments: ['<a & b> "q" \u0001 é'] }], { comment: 'x<y' });
    writeFileSync(join(dir, 'c.pcapng'), cap);
    const r = run(['c.pcapng', '-f', 'plist', '-o', 'c.plist']);
    assert.equal(r.code, 0, r.stderr);
    const p = plistParser.parse(readFileSync(join(dir, 'c.plist'), 'utf8')) as Record<string, any>;
    assert.equal(p['Frame 1'].comments[0], '<a & b> "q" \ufffd é');
    assert.equal(p['Section Header 1'].comments[0], 'x<y');
  });

  test('tree: PyPCAPKit |-- layout, no colour when piped', noCorpus, () => {
    const r = run([IN, '-t', '-o', '-']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^Global Header\n {2}\|-- magic_number -> 0xa1b2c3d4\n/);
    assert.match(r.stdout, /\nFrame 3\n {2}\|-- number -> 3\n/);
    assert.match(
      r.stdout,
      /\n {2}\|-- ethernet\n {8}\|-- dst -> a4:5e:60:d9:6b:97\n {8}\|-- src -> b8:f8:83:a5:f9:47\n {8}\|-- type\n {8}\| {5}\|-- name -> IPv4\n/,
    );
    assert.doesNotMatch(r.stdout, /\x1b\[/);
  });

  test('default report: tree written to out.txt (PyPCAPKit: output stem out, tree)', noCorpus, () => {
    const cwd = mkdtempSync(join(dir, 'default-'));
    const r = run([IN], { cwd });
    assert.equal(r.code, 0, r.stderr);
    assert.match(readFileSync(join(cwd, 'out.txt'), 'utf8'), /^Global Header/);
    const r2 = run([IN, '-j'], { cwd });
    assert.equal(r2.code, 0);
    assert.ok(JSON.parse(readFileSync(join(cwd, 'out.json'), 'utf8'))['Frame 1']);
    const r3 = run([IN, '-j', '-o', 'report', '-a'], { cwd });
    assert.equal(r3.code, 0);
    assert.ok(existsSync(join(cwd, 'report.json')));
  });

  test('pcap: frames byte-identical, either byte order, µs or ns', () => {
    const src = small();
    const orig = [...readFramesSync(src)];
    for (const extra of [[], ['--byteorder', 'big'], ['--nanosecond'], ['--byteorder', 'big', '--nanosecond']]) {
      const out = join(dir, `re-${extra.join('')}.pcap`);
      const r = run([src, '-f', 'pcap', '-o', out, ...extra]);
      assert.equal(r.code, 0, r.stderr);
      const back = [...readFramesSync(out)];
      assert.equal(back.length, orig.length);
      for (let i = 0; i < back.length; i++) {
        assert.deepEqual(
          back[i].bytes.u8.subarray(back[i].start, back[i].end),
          orig[i].bytes.u8.subarray(orig[i].start, orig[i].end),
        );
        assert.equal(back[i].tsSec, orig[i].tsSec);
        assert.equal(back[i].tsNsec, orig[i].tsNsec);
        assert.equal(back[i].origLen, orig[i].origLen);
      }
    }
    // Same format in and out: the file itself is identical.
    const r = run([src, '-f', 'pcap', '-o', 'same.pcap']);
    assert.equal(r.code, 0);
    assert.deepEqual(readFileSync(join(dir, 'same.pcap')), readFileSync(src));
  });

  test('pcapng input: Section Header and Interface Description blocks precede the frames', noCorpus, () => {
    const r = run([corpusPath('pypcapkit__dhcp.pcapng'), '-j', '-o', 'dhcp.json']);
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(readFileSync(join(dir, 'dhcp.json'), 'utf8'));
    const keys = Object.keys(j);
    assert.deepEqual(keys.slice(0, 3), ['Section Header 1', 'Interface Description 1', 'Frame 1']);
    assert.equal(j['Interface Description 1'].linktype.name, 'ETHERNET');
    assert.equal(j['Frame 1'].interface_id, 0);
    const multi = run([corpusPath('zeek__pcapng-multi-interface.pcapng'), '-j', '-o', 'multi.json']);
    assert.equal(multi.code, 0, multi.stderr);
    const m = Object.keys(JSON.parse(readFileSync(join(dir, 'multi.json'), 'utf8')));
    assert.ok(m.includes('Interface Description 2'), m.slice(0, 5).join());
  });

  test('pcap from pcapng (corpus): every frame identical', noCorpus, () => {
    const src = corpusPath('pypcapkit__dhcp.pcapng');
    const r = run([src, '-o', 'dhcp.pcap']);
    assert.equal(r.code, 0, r.stderr);
    const a = [...readFramesSync(src)];
    const b = [...readFramesSync(join(dir, 'dhcp.pcap'))];
    assert.equal(b.length, a.length);
    for (let i = 0; i < a.length; i++)
      assert.deepEqual(b[i].bytes.u8.subarray(b[i].start, b[i].end), a[i].bytes.u8.subarray(a[i].start, a[i].end));
  });

  test('pcapng: frames and per-frame comments kept', () => {
    const data = build(
      ethernet.make(),
      ipv4.make({ src: ip('10.0.0.1'), dst: ip('10.0.0.2') }),
      udp.make({ srcport: 1, dstport: 2 }),
      payload('x'),
    );
    writeFileSync(join(dir, 'cm.pcap'), writePcap([{ data, tsSec: 5, tsNsec: 123456789 }], { nanosecond: true }));
    writeFileSync(
      join(dir, 'cm.pcapng'),
      writePcapng([{ data, comments: ['hello', 'world'], tsSec: 5, tsNsec: 123456789 }], { resolution: 'ns' }),
    );
    const r = run(['cm.pcapng', '-f', 'pcapng', '-o', 'cm-out.pcapng']);
    assert.equal(r.code, 0, r.stderr);
    const [f] = [...readFramesSync(join(dir, 'cm-out.pcapng'))];
    assert.deepEqual(f.comments, ['hello', 'world']);
    assert.equal(f.tsNsec, 123456789);
    assert.deepEqual(f.bytes.u8.subarray(f.start, f.end), data);
  });
});

describe('files mode', () => {
  test('one document per frame, sanitised names, never clobbers without --force', () => {
    const src = small();
    const r = run([src, '-F', '-j', '-o', 'frames', '-c', '3']);
    assert.equal(r.code, 0, r.stderr);
    const names = readdirSync(join(dir, 'frames')).sort();
    assert.deepEqual(names, ['Frame 1.json', 'Frame 2.json', 'Frame 3.json', 'Global Header.json']);
    const f2 = JSON.parse(readFileSync(join(dir, 'frames', 'Frame 2.json'), 'utf8'));
    assert.equal(f2['Frame 2'].number, 2);
    assert.ok(!('Global Header' in f2));
    const again = run([src, '-F', '-j', '-o', 'frames', '-c', '3']);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /exists; not overwriting/);
    assert.equal(again.stderr.trim().split('\n').length, 1);
    const forced = run([src, '-F', '-j', '-o', 'frames', '-c', '3', '--force']);
    assert.equal(forced.code, 0, forced.stderr);
  });
});

describe('exit codes and one-line messages', () => {
  const oneLine = (r: Run, code: number, re: RegExp) => {
    assert.equal(r.code, code, r.stderr);
    assert.match(r.stderr, re);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.equal(r.stdout, '');
  };
  test('missing file → 1', () =>
    oneLine(run(['nope.pcap', '-f', 'json', '-o', 'x.json']), 1, /no such file: nope\.pcap/));
  test('not a capture → 1', () => {
    writeFileSync(join(dir, 'text.pcap'), 'hello, this is not a capture file\n');
    oneLine(run(['text.pcap', '-f', 'json', '-o', 'x.json']), 1, /not a pcap or pcapng capture/);
  });
  test('unknown format → 2', () => oneLine(run(['x.pcap', '-f', 'yaml']), 2, /unknown format 'yaml'/));
  test('unknown engine → 2', () => oneLine(run(['x.pcap', '-E', 'warp']), 2, /unknown engine 'warp'/));
  test('unknown layer → 2', () => oneLine(run(['x.pcap', '-L', 'session']), 2, /unknown layer 'session'/));
  test('unknown protocol → 2', () => oneLine(run(['x.pcap', '-P', 'smtp9']), 2, /unknown protocol 'smtp9'/));
  test('unknown flag → 2', () => oneLine(run(['x.pcap', '--frobnicate']), 2, /frobnicate/));
  test('no input → 2', () => oneLine(run([]), 2, /missing input file/));
  test('output without a format → 2', () =>
    oneLine(run([small(), '-o', 'report.bin']), 2, /cannot tell the report format/));
  test('bad decode-as → 2', () => oneLine(run([small(), '-d', 'tcp.port=80']), 2, /bad decode-as rule/));
  test('--help and --version → 0 on stdout', () => {
    const h = run(['--help']);
    assert.equal(h.code, 0);
    assert.match(h.stdout, /usage: pcapkit/);
    // -E names every built-in engine.
    const engineLine = h.stdout.split('\n').find((l) => l.includes('--engine')) ?? '';
    for (const e of defaultEngines.names()) assert.match(engineLine, new RegExp(`\\b${e}\\b`), e);
    for (const f of [
      '--output',
      '--format',
      '--json',
      '--plist',
      '--tree',
      '--auto-extension',
      '--verbose',
      '--files',
      '--engine',
      '--protocol',
      '--layer',
      '--version',
      '--count',
      '--quiet',
      '--no-color',
      '--decode-as',
    ])
      assert.ok(h.stdout.includes(f), f);
    const v = run(['-V']);
    assert.equal(v.code, 0);
    assert.match(v.stdout, /^pcapkit \d+\.\d+\.\d+/);
  });
  test('a file cut inside a record → 1, and the JSON report is still complete', () => {
    const full = readFileSync(small());
    writeFileSync(join(dir, 'cut.pcap'), full.subarray(0, full.length - 10));
    const r = run(['cut.pcap', '-f', 'json', '-o', 'cut.json']);
    assert.equal(r.code, 1);
    assert.equal(r.stderr.trim().split('\n').length, 1);
    const j = JSON.parse(readFileSync(join(dir, 'cut.json'), 'utf8'));
    assert.equal(Object.keys(j).filter((k) => k.startsWith('Frame ')).length, 499);
  });
});

describe('run control', () => {
  test('-c limits, -v lists frames on stderr, -q silences the summary', noCorpus, () => {
    const r = run([IN, '-c', '4', '-v', '--nofile']);
    assert.equal(r.code, 0);
    assert.match(r.stderr, / - Capture: pcap 2\.4, little-endian, µs, link type ETHERNET \(1\)/);
    assert.match(r.stderr, / - Frame {3}1: Ethernet:IPv6:\S+\n/);
    assert.match(r.stderr, / - Frame {3}4: Ethernet:IPv4:TCP\n/);
    assert.doesNotMatch(r.stderr, /Frame {3}5/);
    assert.match(r.stderr, /4 frames/);
    const q = run([IN, '-q', '-f', 'ndjson', '-o', '-']);
    assert.equal(q.stderr, '');
  });

  test('-L / -P cut dissection off', noCorpus, () => {
    const t = run([IN, '-f', 'ndjson', '-o', '-', '-L', 'internet'])
      .stdout.trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.equal(t[2].protocols, 'Ethernet:IPv4:Raw');
    assert.equal(t[2].ethernet.ipv4.tcp, undefined);
    const p = run([IN, '-f', 'ndjson', '-o', '-', '-P', 'ethernet'])
      .stdout.trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.equal(p[2].protocols, 'Ethernet:Raw');
    const l = run([IN, '-f', 'ndjson', '-o', '-', '-L', 'link'])
      .stdout.trim()
      .split('\n')
      .map((x) => JSON.parse(x));
    assert.deepEqual(l[2].protocols, p[2].protocols);
  });

  test("'-' reads stdin", () => {
    const r = run(['-', '-f', 'ndjson', '-o', '-', '-q'], { input: readFileSync(small()) });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim().split('\n').length, 500);
  });

  test('-B/-O save stdin while reading it', () => {
    const input = readFileSync(small());
    const r = run(['-', '-B', '-O', 'saved.pcap', '-f', 'ndjson', '-o', '-', '-q'], { input });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(readFileSync(join(dir, 'saved.pcap')), input);
  });

  test('-d decodes a port as a protocol (tshark -d)', () => {
    const inner = build(
      ethernet.make(),
      ipv4.make({ src: ip('10.1.1.1'), dst: ip('10.1.1.2') }),
      udp.make({ srcport: 7, dstport: 9 }),
    );
    const outer = build(
      ethernet.make(),
      ipv4.make({ src: ip('10.0.0.1'), dst: ip('10.0.0.2') }),
      udp.make({ srcport: 40000, dstport: 5555 }),
      payload(inner),
    );
    writeFileSync(join(dir, 'da.pcap'), writePcap([{ data: outer }]));
    const plain = JSON.parse(run(['da.pcap', '-f', 'ndjson', '-o', '-']).stdout);
    assert.equal(plain.protocols, 'Ethernet:IPv4:UDP:Raw');
    const r = run(['da.pcap', '-f', 'ndjson', '-o', '-', '-d', 'udp.port==5555,eth']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout).protocols, 'Ethernet:IPv4:UDP:Ethernet:IPv4:UDP');
  });

  test('EPIPE: `pcapkit x -f ndjson -o - | head` exits quietly with 0', () => {
    const big = join(dir, 'big.pcap');
    generateCapture(big, { frames: 60000, pool: 256 });
    const r = spawnSync(
      'bash',
      [
        '-c',
        `set -o pipefail; "${process.execPath}" "${CLI}" "${big}" -f ndjson -o - | head -n 3 > /dev/null; echo "status=\${PIPESTATUS[0]}"`,
      ],
      {
        encoding: 'utf8',
        cwd: dir,
      },
    );
    assert.match(r.stdout, /status=0/);
    assert.doesNotMatch(r.stderr, /EPIPE|Error|error/);
  });

  for (const [sig, want] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const)
    test(`${sig} mid-file: exit ${want} and the JSON report is a valid document`, async () => {
      const big = join(dir, 'sigint.pcap');
      if (!existsSync(big)) generateCapture(big, { frames: 400000, pool: 512 });
      const out = join(dir, `${sig}.json`);
      const child = spawn(process.execPath, [CLI, big, '-f', 'json', '-o', out], {
        cwd: dir,
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (d) => (stderr += d));
      // Interrupt once the report has started growing.
      for (let i = 0; i < 200 && !(existsSync(out) && statSync(out).size > 100_000); i++)
        await new Promise((r) => setTimeout(r, 20));
      child.kill(sig);
      const code = await new Promise<number | null>((r) => child.on('close', (c) => r(c)));
      const j = JSON.parse(readFileSync(out, 'utf8'));
      const n = Object.keys(j).filter((k) => k.startsWith('Frame ')).length;
      if (code === 0)
        assert.equal(n, 400000); // finished before the signal landed
      else {
        assert.equal(code, want, stderr);
        assert.ok(n > 0 && n < 400000, `frames written: ${n}`);
        assert.match(stderr, /interrupted/);
      }
    });
});

describe('malformed input', () => {
  test('malformed and truncated frames: reports stay valid and carry issues', () => {
    const good = build(
      ethernet.make(),
      ipv4.make({ src: ip('10.0.0.1'), dst: ip('10.0.0.2') }),
      udp.make({ srcport: 1, dstport: 2 }),
      payload('hello'),
    );
    const badIhl = good.slice();
    badIhl[14] = 0x43; // IHL 3 < 5 (RFC 791)
    const cut = good.subarray(0, 30); // inside the IPv4 header, snaplen-truncated
    const r = Math.random;
    void r;
    writeFileSync(
      join(dir, 'bad.pcap'),
      writePcap([
        { data: good },
        { data: badIhl },
        { data: cut, origLen: good.length },
        { data: Uint8Array.of(1, 2, 3) },
        { data: mixedFrame(() => 0.5) },
      ]),
    );
    for (const f of ['json', 'ndjson', 'plist', 'tree']) {
      const res = run(['bad.pcap', '-f', f, '-o', `bad.${f}`]);
      assert.equal(res.code, 0, res.stderr);
    }
    const j = JSON.parse(readFileSync(join(dir, 'bad.json'), 'utf8'));
    assert.equal(j['Frame 1'].issues, undefined);
    assert.equal(j['Frame 2'].issues[0].code, 'ip.hdr_len_too_small');
    assert.equal(j['Frame 2'].issues[0].kind, 'malformed');
    assert.equal(j['Frame 3'].issues[0].kind, 'truncated');
    assert.equal(j['Frame 3'].issues[0].layer, 'ipv4');
    assert.equal(j['Frame 4'].issues[0].code, 'ethernet.short');
    const p = plistParser.parse(readFileSync(join(dir, 'bad.plist'), 'utf8')) as Record<string, any>;
    assert.deepEqual(p['Frame 2'], j['Frame 2']);
  });

  test('corpus captures flagged malformed: every format completes with a valid document', noCorpus, () => {
    for (const name of [
      'tcpdump__ipv4_invalid_hdr_length.pcap',
      'zeek__tcp_truncated-header.pcap',
      'tcpdump__ipv6-bad-version.pcap',
      'tcpdump__unsupported-link-type-160.pcap',
    ]) {
      const r = run([corpusPath(name), '-f', 'json', '-o', 'm.json']);
      assert.ok(r.code === 0 || r.code === 1, r.stderr);
      JSON.parse(readFileSync(join(dir, 'm.json'), 'utf8'));
      const n = run([corpusPath(name), '-f', 'ndjson', '-o', '-', '-q']);
      for (const l of n.stdout.trim().split('\n').filter(Boolean)) JSON.parse(l);
    }
    const u = run([corpusPath('tcpdump__unsupported-link-type-160.pcap'), '--nofile']);
    assert.match(u.stderr, /link type USER13 \(160\) not dissected/);
  });
});
