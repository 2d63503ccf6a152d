/** docs/extending.md stays in sync with examples/: every example linked, every excerpt still true. */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { EXAMPLES, ROOT } from '../helpers/cli.js';

const DOC = readFileSync(join(ROOT, 'docs', 'extending.md'), 'utf8');

test('docs/extending.md links every example, and every linked example exists', () => {
  const files = readdirSync(EXAMPLES).filter((f) => f.endsWith('.ts'));
  assert.ok(files.length >= 5);
  for (const f of files)
    assert.ok(DOC.includes(`](../examples/${f})`), `docs/extending.md does not link examples/${f}`);
  for (const m of DOC.matchAll(/examples\/([\w-]+\.ts)/g))
    assert.ok(existsSync(join(EXAMPLES, m[1])), `docs/extending.md names a missing file examples/${m[1]}`);
  // Every example has its test.
  for (const f of files)
    assert.ok(existsSync(join(ROOT, 'test', 'examples', f.replace(/\.ts$/, '.test.ts'))), `no test for examples/${f}`);
});

test('docs/extending.md excerpts are lines of their example, in order', () => {
  const re = /<!-- excerpt: (examples\/[\w-]+\.ts) -->\n```ts\n([\s\S]*?)```/g;
  let n = 0;
  for (const m of DOC.matchAll(re)) {
    const src = readFileSync(join(ROOT, m[1]), 'utf8')
      .split('\n')
      .map((l) => l.trim());
    let at = 0;
    for (const line of m[2].split('\n').map((l) => l.trim())) {
      if (!line) continue;
      const i = src.indexOf(line, at);
      assert.ok(i >= 0, `${m[1]}: the excerpt line '${line}' is not in the file (after line ${at})`);
      at = i + 1;
    }
    n++;
  }
  assert.ok(n >= 6, `only ${n} excerpts found`);
});

test('README links docs/extending.md', () => {
  assert.match(readFileSync(join(ROOT, 'README.md'), 'utf8'), /docs\/extending\.md/);
});
