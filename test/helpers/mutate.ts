/**
 * Mutation fuzzing through `analyse` (fast-check): random bytes, and valid frames with octets flipped,
 * cut short or extended. Every run must finish without an exception out of the frame loop and with
 * well-formed issues (no `bug` issue, offsets inside the frame).
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { analyse } from '../../src/api/analyse.js';
import { details } from '../../src/core/dissect.js';
import type { Frame } from '../../src/core/frame.js';
import { defaultRegistry } from '../../src/protocols/index.js';

export function checkFrame(fr: Frame, len: number): void {
  for (const i of fr.issues) {
    assert.notEqual(i.kind, 'bug', `${i.code}: ${i.message}`);
    assert.ok(i.at >= 0 && i.at <= len, `issue offset ${i.at} outside 0..${len}`);
  }
  for (const l of fr.layers) {
    assert.ok(
      l.start <= l.hdrEnd && l.hdrEnd <= l.end && l.end <= len,
      `${l.protocol} ${l.start}/${l.hdrEnd}/${l.end}`,
    );
    // variable tails decode on request without throwing either
    details(fr, l, defaultRegistry);
  }
}

/** Mutated copies of `seeds` (and random bytes) analysed under `linktype`. */
export function fuzzLinktype(linktype: number, seeds: readonly Uint8Array[], numRuns = 400): void {
  const seed = fc.constantFrom(...seeds);
  const mutated = fc
    .tuple(
      seed,
      fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }),
      fc.nat(),
      fc.uint8Array({ maxLength: 16 }),
    )
    .map(([s, flips, cut, tail]) => {
      const out = new Uint8Array(s.length + tail.length);
      out.set(s);
      out.set(tail, s.length);
      for (const [at, v] of flips) if (out.length) out[at % out.length] = v;
      return out.subarray(0, out.length === 0 ? 0 : cut % (out.length + 1));
    });
  fc.assert(
    fc.property(fc.oneof(mutated, fc.uint8Array({ maxLength: 120 })), (data) => {
      const fr = analyse(data, { linktype, checksums: true });
      checkFrame(fr, data.length);
    }),
    { numRuns },
  );
}

/**
 * Valid packets with octets flipped past `from` (the outer headers the test keeps intact, per packet
 * index when a function) and, with `cut`, cut short anywhere past it; each is analysed with
 * checksums and details on and checked as above.
 */
export function fuzzPast(
  packets: readonly Uint8Array[],
  from: number | ((index: number) => number),
  o: { cut?: boolean; minFlips?: number; maxFlips?: number; numRuns?: number } = {},
): void {
  const off = typeof from === 'number' ? () => from : from;
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: packets.length - 1 }),
      fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), {
        minLength: o.minFlips ?? 0,
        maxLength: o.maxFlips ?? 8,
      }),
      fc.nat(),
      (k, flips, cut) => {
        const p = Uint8Array.from(packets[k]);
        const at = off(k);
        for (const [i, v] of flips) p[at + (i % (p.length - at))] = v;
        const data = o.cut ? p.subarray(0, at + (cut % (p.length - at + 1))) : p;
        checkFrame(analyse(data, { checksums: true, details: true }), data.length);
      },
    ),
    { numRuns: o.numRuns ?? 1000 },
  );
}
