/**
 * Issue 4 through `extract`: the reassemble/trace/flows options end to end on corpus captures,
 * checked against tshark's own reassembly (ip.reassembled_in) and its tcp.stream numbering.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { extract, find, readFramesSync } from '../../src/index.js';
import { corpusPath, SKIP_NO_CORPUS } from '../helpers/corpus.js';
import { HAVE_TSHARK, tsharkFieldsOf } from '../helpers/tshark.js';

const dir = mkdtempSync(join(tmpdir(), 'pcapkit-xr-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const noCorpus = { skip: SKIP_NO_CORPUS };

test(
  'reassemble ipv4: one complete datagram per tshark reassembly, re-dissected, callbacks called',
  noCorpus,
  async () => {
    const file = corpusPath('pcapplusplus__ip4_fragments.pcap');
    const seen: unknown[] = [];
    const x = await extract(file, { nofile: true, reassemble: { ipv4: true, callbacks: [(d) => seen.push(d)] } }).run();
    const got = x.reassembly?.ipv4 ?? [];
    assert.ok(got.length > 0);
    assert.equal(seen.length, got.length);
    for (const d of got) {
      assert.equal(d.complete, true);
      assert.deepEqual(d.holes, []);
      assert.equal(d.payload.length, d.length);
      assert.ok(d.packet !== undefined, 'payload re-dissected');
    }
    if (HAVE_TSHARK) {
      // tshark (two-pass) marks each fragment with the frame that completed its datagram.
      const rows = tsharkFieldsOf(file, ['frame.number', 'ip.reassembled_in'], ['-2']);
      const completedIn = new Set(rows.map((r) => r[1]).filter((v) => v !== ''));
      assert.deepEqual(new Set(got.map((d) => String(d.frame))), completedIn);
    }
  },
);

test('reassemble tcp with store:false keeps nothing but still attaches messages to frames', noCorpus, async () => {
  const file = corpusPath('dpkt__http.pcap');
  const stored = await extract(file, { nofile: true, reassemble: { tcp: true } }).run();
  assert.ok((stored.reassembly?.tcp ?? []).length > 0);
  const x = extract(file, { nofile: true, reassemble: { tcp: true, store: false } });
  let messages = 0;
  for await (const f of x) messages += f.messages?.length ?? 0;
  assert.ok(messages > 0);
  assert.deepEqual(x.reassembly?.tcp ?? [], []);
});

test('trace: flow index, files per flow in each format, streams numbered as tshark', noCorpus, async () => {
  const file = corpusPath('dpkt__http.pcap');
  const tcpFrames = [...readFramesSync(file)].filter((f) => find(f, 'tcp') !== undefined).length;
  for (const format of ['pcap', 'json', 'plist', 'tree']) {
    const out = join(dir, `trace-${format}`);
    const x = await extract(file, { nofile: true, trace: { output: out, format } }).run();
    const flows = x.flows ?? [];
    assert.ok(flows.length >= 2, format);
    assert.equal(
      flows.reduce((n, f) => n + f.frames.length, 0),
      tcpFrames,
      `${format}: every TCP frame in exactly one flow`,
    );
    const files = readdirSync(out).sort();
    assert.deepEqual(files, flows.map((f) => f.file?.split('/').pop()).sort(), format);
    for (const f of flows) {
      const path = f.file as string;
      if (format === 'pcap') assert.equal([...readFramesSync(path)].length, f.frames.length);
      if (format === 'json')
        assert.equal(Object.keys(JSON.parse(readFileSync(path, 'utf8'))).length, f.frames.length + 1);
      if (format === 'plist') assert.match(readFileSync(path, 'utf8'), /<\/plist>\s*$/);
      if (format === 'tree') assert.ok(readFileSync(path, 'utf8').length > 0);
    }
  }
  const both = await extract(file, { nofile: true, trace: { output: join(dir, 'bi'), bidirectional: true } }).run();
  const bi = both.flows ?? [];
  if (HAVE_TSHARK) {
    const streams = new Set(
      tsharkFieldsOf(file, ['tcp.stream'])
        .map((r) => r[0])
        .filter((v) => v !== ''),
    );
    assert.equal(bi.length, streams.size);
    assert.deepEqual(new Set(bi.map((f) => String(f.stream))), streams);
  }
});
