import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { ipv4ToString, ipv6ToString, macToString } from '../../src/core/addr.js';
import { epochString } from '../../src/core/frame.js';
import { writeIpv4, writeIpv6, writeMac } from '../../src/dump/addr-json.js';
import { timeText } from '../../src/dump/fmt.js';
import { hexSimd, hexSimdAt, sharedMemory } from '../../src/dump/hex-simd.js';
import { ascii, ByteOut } from '../../src/dump/out.js';
import { analyse, build, defaultRegistry, ethernet, Formatter, ipv4, tcp } from '../../src/index.js';

describe('report bytes (dump/out.ts)', () => {
  test('WebAssembly SIMD hex is available on this Node and matches Buffer#toString("hex")', () => {
    const h = hexSimd();
    assert.ok(h, 'WebAssembly SIMD missing: reports fall back to the slower JavaScript hex');
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 3000 }), fc.nat(40), fc.nat(40), (b, s, e) => {
        const start = Math.min(s, b.length);
        const end = Math.max(start, b.length - e);
        const out = new Uint8Array(2 * (end - start) + 8).fill(0x7e);
        h(b, start, end, out, 4);
        const want = Buffer.from(b.subarray(start, end)).toString('hex');
        assert.equal(Buffer.from(out.subarray(4, 4 + want.length)).toString('latin1'), want);
        // nothing written around the span
        assert.deepEqual(
          [...out.subarray(0, 4), ...out.subarray(4 + want.length)],
          [0x7e, 0x7e, 0x7e, 0x7e, 0x7e, 0x7e, 0x7e, 0x7e],
        );
      }),
      { numRuns: 300 },
    );
  });

  test('ByteOut.hex: every span length (both the table and the SIMD path), across buffer growth', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ minLength: 0, maxLength: 2000 }), { maxLength: 20 }), (spans) => {
        const o = new ByteOut(16); // tiny: forces grow() on the way
        let want = '';
        for (const b of spans) {
          o.byte(0x2c);
          o.hex(b, 0, b.length);
          want += `,${Buffer.from(b).toString('hex')}`;
        }
        assert.equal(o.take().toString('latin1'), want);
      }),
      { numRuns: 200 },
    );
  });

  test('constant text, any bytes and integers up to 2^32 − 1 are written exactly', () => {
    const pooled = ascii(',"k":');
    const plain = new TextEncoder().encode(',"plain":');
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.nat(), fc.integer({ min: 0, max: 0xffffffff }), fc.double())), (vs) => {
        const o = new ByteOut(8);
        let want = '';
        for (const v of vs) {
          o.raw(pooled);
          o.num(v);
          o.bytes(plain);
          want += `,"k":${JSON.stringify(v)},"plain":`;
        }
        assert.equal(o.take().toString('latin1'), want);
      }),
    );
  });

  test('report text: time, time_epoch and 32-bit fields (TCP seq/ack) are exact, compiled or not', () => {
    const fmt = new Formatter({ registry: defaultRegistry });
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 ** 33 }),
        fc.integer({ min: 0, max: 999_999_999 }),
        fc.integer({ min: 0, max: 0xffffffff }),
        fc.integer({ min: 0, max: 0xffffffff }),
        (sec, nsec, seq, ack) => {
          const bytes = build(ethernet.make({}), ipv4.make({ src: 1, dst: 2 }), tcp.make({ seq, ack }));
          const f = { ...analyse(bytes, { linktype: 1 }), tsSec: sec, tsNsec: nsec };
          const text = fmt.json(f);
          assert.ok(text.includes(`"time":${timeText(sec, nsec)},"time_epoch":"${epochString(sec, nsec)}"`), text);
          assert.ok(text.includes(`"seq":${seq},"ack":${ack},`), text);
          assert.deepEqual(JSON.parse(text), fmt.record(f));
        },
      ),
      { numRuns: 300 },
    );
  });

  test('addresses written from numbers are addr.ts text (RFC 5952 for IPv6), quoted', () => {
    const b = new Uint8Array(64);
    const dv = new DataView(b.buffer);
    const text = (end: number) => Buffer.from(b.subarray(3, end)).toString('latin1');
    // Words biased to zero groups and the IPv4-mapped prefix, where RFC 5952's choices are made.
    const word = fc.oneof(
      fc.constant(0),
      fc.constant(0xffff),
      fc.integer({ min: 0, max: 0xffffffff }),
      fc.nat(0xffff).map((x) => x << 16),
    );
    fc.assert(
      fc.property(fc.tuple(word, word, word, word), fc.boolean(), (a, mapped) => {
        const v6 = mapped ? [0, 0, 0xffff, a[3]] : a;
        assert.equal(text(writeIpv6(b, dv, 3, v6)), `"${ipv6ToString(v6)}"`);
      }),
      { numRuns: 2000 },
    );
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 2 ** 48 - 1 }), (v4, m) => {
        assert.equal(text(writeIpv4(b, dv, 3, v4)), `"${ipv4ToString(v4)}"`);
        assert.equal(text(writeMac(b, dv, 3, m)), `"${macToString(m)}"`);
      }),
      { numRuns: 2000 },
    );
  });

  test('hex in place in a shared WebAssembly memory (a worker slot): same text, never past the slot', () => {
    const SLOT = 4096;
    const mem = sharedMemory(3 * SLOT)!;
    assert.ok(mem, 'shared WebAssembly memory missing: workers fall back to copying');
    const h = hexSimdAt(mem)!;
    const all = new Uint8Array(mem.buffer);
    const src = new Uint8Array(mem.buffer, 0, SLOT);
    const slot = new Uint8Array(mem.buffer, SLOT, SLOT);
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: SLOT, maxLength: SLOT }),
        fc.array(fc.tuple(fc.nat(SLOT), fc.nat(1200)), { maxLength: 8 }),
        (data, spans) => {
          src.set(data);
          all.fill(0x7e, 2 * SLOT, 3 * SLOT); // what follows the slot
          const o = new ByteOut();
          o.into(slot, { src, srcAt: 0, outAt: SLOT, h });
          let want = '';
          for (const [s, len] of spans) {
            const e = Math.min(SLOT, s + len);
            o.byte(0x2c);
            o.hex(src, s, e);
            want += `,${Buffer.from(data.subarray(s, e)).toString('hex')}`;
          }
          const inside = o.inside(slot);
          const got = inside ? Buffer.from(slot.subarray(0, o.length)).toString('latin1') : o.take().toString('latin1');
          assert.equal(got, want);
          assert.ok(
            all.subarray(2 * SLOT, 3 * SLOT).every((x) => x === 0x7e),
            'nothing written past the slot',
          );
        },
      ),
      { numRuns: 300 },
    );
  });

  // Last in this file: it fills the constant pool for the rest of the process.
  test('constants made after the pool is full are still written exactly', () => {
    const early = ascii('{"early":');
    for (let i = 0; i < 600_000; i++) ascii(',"12345":');
    const late = ascii(',"late":');
    assert.equal(late.at, 0, 'the pool is full: a plain array');
    const o = new ByteOut(4);
    o.raw(early);
    o.uint(1);
    o.raw(late);
    o.uint(4294967295);
    assert.equal(o.take().toString('latin1'), '{"early":1,"late":4294967295');
  });
});
