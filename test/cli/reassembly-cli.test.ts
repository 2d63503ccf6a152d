/**
 * Issue 4 on the command line: -z follow/conv byte-equal to tshark's, -q -z writes no report,
 * --reassemble adds messages to the report, --trace writes one file per flow.
 * Runs src/cli.ts through tsx (cli.test.ts owns the dist/ build).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { pcapkit as run } from '../helpers/cli.js';
import { corpusPath, SKIP_NO_CORPUS } from '../helpers/corpus.js';
import { HAVE_TSHARK } from '../helpers/tshark.js';

const dir = mkdtempSync(join(tmpdir(), 'pcapkit-rcli-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const pcapkit = (args: string[], cwd = dir) => run(args, { cwd });
function tshark(args: string[]): string {
  const r = spawnSync('tshark', args, { env: { ...process.env, LC_ALL: 'C' }, maxBuffer: 1 << 26 });
  return r.stdout.toString('utf8');
}

const HTTP = corpusPath('dpkt__http.pcap');
const STREAMS = corpusPath('pcapplusplus__three_http_streams.pcap');

test('-q -z follow and conv print what tshark prints, and nothing else is written', {
  skip: SKIP_NO_CORPUS || (!HAVE_TSHARK && 'tshark not installed'),
}, () => {
  const cwd = mkdtempSync(join(dir, 'z-'));
  for (const [file, z] of [
    [HTTP, 'follow,tcp,ascii,1'],
    [STREAMS, 'follow,tcp,hex,2'],
    [STREAMS, 'follow,tcp,raw,0'],
    [STREAMS, 'conv,tcp'],
    [HTTP, 'conv,ip'],
  ] as const) {
    const ours = pcapkit([file, '-q', '-z', z], cwd);
    assert.equal(ours.code, 0, ours.stderr);
    assert.equal(ours.stdout, tshark(['-r', file, '-q', '-z', z]), `${z} on ${file}`);
  }
  assert.deepEqual(readdirSync(cwd), [], 'no report file without -o/-f');
});

test('-z with a bad spec is a usage error (exit 2, one line)', () => {
  const r = pcapkit([HTTP, '-q', '-z', 'follow,sctp,ascii,0']);
  assert.equal(r.code, 2);
  assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
});

test('--reassemble tcp puts whole HTTP messages into the report; --trace writes the flows', {
  skip: SKIP_NO_CORPUS,
}, () => {
  const out = join(dir, 'r.json');
  const flows = join(dir, 'flows');
  const r = pcapkit([
    HTTP,
    '-q',
    '-o',
    out,
    '--reassemble',
    'ipv4,tcp',
    '--trace',
    flows,
    '--trace-format',
    'pcap',
    '--trace-bidirectional',
  ]);
  assert.equal(r.code, 0, r.stderr);
  const report = JSON.parse(readFileSync(out, 'utf8')) as Record<string, { messages?: unknown[] }>;
  const withMessages = Object.values(report).filter((f) => (f.messages?.length ?? 0) > 0);
  assert.ok(withMessages.length > 0);
  // The long HTTP response spans many segments: its reassembled message carries the whole body.
  assert.match(JSON.stringify(withMessages), /Content-Length|content-length/i);
  const files = readdirSync(flows);
  assert.equal(files.length, 2, files.join(' ')); // tshark: tcp.stream 0 and 1
  assert.ok(files.every((f) => f.endsWith('.pcap')));
  const bad = pcapkit([HTTP, '-q', '-o', join(dir, 'x.json'), '--reassemble', 'ipx']);
  assert.equal(bad.code, 2);
});
