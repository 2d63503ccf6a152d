/**
 * Every corpus capture through every text report: the run ends (cleanly, or with one PcapkitError
 * for a broken file) and each report parses back with as many frames as were read.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import * as plistParser from 'plist';
import { extract, PcapkitError } from '../../src/index.js';
import { corpusFiles, corpusPath, SKIP_NO_CORPUS } from '../helpers/corpus.js';

const dir = mkdtempSync(join(tmpdir(), 'pcapkit-corpus-reports-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('every corpus capture → json, ndjson, plist, tree, pcapng: valid documents', {
  skip: SKIP_NO_CORPUS,
}, async () => {
  for (const name of corpusFiles()) {
    for (const format of ['json', 'ndjson', 'plist', 'tree', 'pcapng']) {
      const out = join(dir, `r.${format}`);
      rmSync(out, { force: true });
      const x = extract(corpusPath(name), { output: out, format, onWarning: () => {} });
      try {
        await x.run();
      } catch (e) {
        assert.ok(e instanceof PcapkitError, `${name} ${format}: ${String(e)}`);
      }
      const n = x.stats.frames;
      if (format === 'tree' || format === 'pcapng' || !existsSync(out)) continue;
      const text = readFileSync(out, 'utf8');
      if (format === 'json') {
        let j: Record<string, unknown>;
        try {
          j = JSON.parse(text);
        } catch {
          // a header-less failure (not a capture) writes no report at all
          assert.equal(text, '', name);
          continue;
        }
        assert.equal(Object.keys(j).filter((k) => k.startsWith('Frame ')).length, n, name);
      } else if (format === 'ndjson') {
        const lines = text.split('\n').filter(Boolean);
        assert.equal(lines.length, n, name);
        for (const l of lines) JSON.parse(l);
      } else if (text !== '') {
        const p = plistParser.parse(text) as Record<string, unknown>;
        assert.equal(Object.keys(p).filter((k) => k.startsWith('Frame ')).length, n, name);
      }
    }
  }
});
