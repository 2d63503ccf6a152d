/**
 * Every registered protocol gets random and mutated bytes through the frame loop: no exception escapes
 * (a decoder that throws shows as a `bug` issue, which fails here), and decoding is bounded.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { analyse } from '../../src/api/analyse.js';
import { fieldIndex, fieldValues } from '../../src/api/fields.js';
import { details } from '../../src/core/dissect.js';
import { builtins, defaultRegistry } from '../../src/protocols/index.js';
import { udpPacket } from '../helpers/frames.js';

function check(bytes: Uint8Array, protocol?: string) {
  const f = analyse(bytes, { protocol, details: true, checksums: true });
  for (const i of f.issues) assert.notEqual(i.kind, 'bug', `${protocol ?? 'ethernet'}: ${i.code} ${i.message}`);
  for (const l of f.layers) details(f, l, defaultRegistry);
  // every tshark-named value can be produced without throwing
  for (const name of fieldIndex(defaultRegistry).keys()) fieldValues(f, name, defaultRegistry);
}

for (const p of builtins) {
  test(`fuzz: ${p.name} never throws on random bytes`, () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => check(bytes, p.name)),
      { numRuns: 400 },
    );
  });
}

test('fuzz: mutated well-formed frames through the whole chain', () => {
  const seed = udpPacket(7, 40);
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.nat(seed.length - 1), fc.integer({ min: 0, max: 255 })), { maxLength: 10 }),
      fc.nat(seed.length),
      (edits, cut) => {
        const b = seed.slice(0, Math.max(1, cut));
        for (const [at, v] of edits) if (at < b.length) b[at] = v;
        check(b);
      },
    ),
    { numRuns: 1000 },
  );
});
