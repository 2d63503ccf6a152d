/**
 * Fuzz helpers: dissect bytes with every tail decoded and every checksum verified, and check that the
 * result is well-formed: no `bug` issue (an exception inside the loop), issues that point inside the
 * frame, and layers whose spans nest.
 */
import assert from 'node:assert/strict';
import { analyse } from '../../src/api/analyse.js';
import { details } from '../../src/core/dissect.js';
import type { Frame } from '../../src/core/frame.js';
import { defaultRegistry } from '../../src/protocols/index.js';

const KINDS = new Set(['truncated', 'malformed', 'unsupported', 'bug', 'checksum']);

export function dissectFully(bytes: Uint8Array, linktype = 1): Frame {
  const f = analyse(bytes, { linktype, details: true, checksums: true });
  // Lazy decoding must not throw either.
  const lazy = analyse(bytes, { linktype });
  for (const l of lazy.layers) details(lazy, l, defaultRegistry);
  return f;
}

export function assertWellFormed(f: Frame): void {
  for (const i of f.issues) {
    assert.ok(KINDS.has(i.kind), `issue kind ${i.kind}`);
    assert.notEqual(i.kind, 'bug', `bug issue ${i.code}: ${i.message}`);
    assert.ok(i.layer >= -1 && i.layer < Math.max(f.layers.length, 1), `issue layer ${i.layer}`);
    assert.ok(i.at >= f.start && i.at <= f.end, `issue offset ${i.at}`);
  }
  let prev = f.start;
  for (const l of f.layers) {
    assert.ok(
      l.start >= prev && l.start <= l.hdrEnd && l.hdrEnd <= l.end && l.end <= f.end,
      `layer ${l.protocol} span`,
    );
    prev = l.start;
  }
}
