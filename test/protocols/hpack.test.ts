/**
 * HPACK against RFC 7541 Appendix C: every example decodes exactly (fields and dynamic table after
 * each block), and our encoder, using the Appendix's own strategy, reproduces the same octets.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  type HeaderField,
  HpackDecoder,
  HpackEncoder,
  huffmanDecode,
  huffmanEncode,
  writeInt,
} from '../../src/protocols/hpack.js';
import { hex } from '../helpers/hex.js';

const toHex = (u: Uint8Array) => Buffer.from(u).toString('hex');

/** One example: the block, the fields it decodes to, and the table afterwards (newest first). */
interface Step {
  readonly block: string;
  readonly headers: readonly HeaderField[];
  readonly table: readonly HeaderField[];
  readonly size: number;
}

const DATE1 = 'Mon, 21 Oct 2013 20:13:21 GMT';
const DATE2 = 'Mon, 21 Oct 2013 20:13:22 GMT';
const COOKIE = 'foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1';

// C.3 / C.4: the same three requests, without and with Huffman coding.
const REQ1: HeaderField[] = [
  [':method', 'GET'],
  [':scheme', 'http'],
  [':path', '/'],
  [':authority', 'www.example.com'],
];
const REQ2: HeaderField[] = [...REQ1, ['cache-control', 'no-cache']];
const REQ3: HeaderField[] = [
  [':method', 'GET'],
  [':scheme', 'https'],
  [':path', '/index.html'],
  [':authority', 'www.example.com'],
  ['custom-key', 'custom-value'],
];
const REQ_TABLES: [HeaderField[], number][] = [
  [[[':authority', 'www.example.com']], 57],
  [
    [
      ['cache-control', 'no-cache'],
      [':authority', 'www.example.com'],
    ],
    110,
  ],
  [
    [
      ['custom-key', 'custom-value'],
      ['cache-control', 'no-cache'],
      [':authority', 'www.example.com'],
    ],
    164,
  ],
];
const C3: Step[] = [
  { block: '828684410f7777772e6578616d706c652e636f6d', headers: REQ1, table: REQ_TABLES[0][0], size: 57 },
  { block: '828684be58086e6f2d6361636865', headers: REQ2, table: REQ_TABLES[1][0], size: 110 },
  {
    block: '828785bf400a637573746f6d2d6b65790c637573746f6d2d76616c7565',
    headers: REQ3,
    table: REQ_TABLES[2][0],
    size: 164,
  },
];
const C4: Step[] = [
  { block: '828684418cf1e3c2e5f23a6ba0ab90f4ff', headers: REQ1, table: REQ_TABLES[0][0], size: 57 },
  { block: '828684be5886a8eb10649cbf', headers: REQ2, table: REQ_TABLES[1][0], size: 110 },
  {
    block: '828785bf408825a849e95ba97d7f8925a849e95bb8e8b4bf',
    headers: REQ3,
    table: REQ_TABLES[2][0],
    size: 164,
  },
];

// C.5 / C.6: three responses with a 256-octet table, so entries are evicted.
const RESP1: HeaderField[] = [
  [':status', '302'],
  ['cache-control', 'private'],
  ['date', DATE1],
  ['location', 'https://www.example.com'],
];
const RESP2: HeaderField[] = [[':status', '307'], ...RESP1.slice(1)];
const RESP3: HeaderField[] = [
  [':status', '200'],
  ['cache-control', 'private'],
  ['date', DATE2],
  ['location', 'https://www.example.com'],
  ['content-encoding', 'gzip'],
  ['set-cookie', COOKIE],
];
const RESP_T1: HeaderField[] = [
  ['location', 'https://www.example.com'],
  ['date', DATE1],
  ['cache-control', 'private'],
  [':status', '302'],
];
const RESP_T2: HeaderField[] = [
  [':status', '307'],
  ['location', 'https://www.example.com'],
  ['date', DATE1],
  ['cache-control', 'private'],
];
const RESP_T3: HeaderField[] = [
  ['set-cookie', COOKIE],
  ['content-encoding', 'gzip'],
  ['date', DATE2],
];
const C5: Step[] = [
  {
    block:
      '4803333032580770726976617465611d4d6f6e2c203231204f637420323031332032303a31333a323120474d54' +
      '6e1768747470733a2f2f7777772e6578616d706c652e636f6d',
    headers: RESP1,
    table: RESP_T1,
    size: 222,
  },
  { block: '4803333037c1c0bf', headers: RESP2, table: RESP_T2, size: 222 },
  {
    block:
      '88c1611d4d6f6e2c203231204f637420323031332032303a31333a323220474d54c05a04677a69707738666f6f3d' +
      '4153444a4b48514b425a584f5157454f50495541585157454f49553b206d61782d6167653d333630303b207665' +
      '7273696f6e3d31',
    headers: RESP3,
    table: RESP_T3,
    size: 215,
  },
];
const C6: Step[] = [
  {
    block:
      '488264025885aec3771a4b6196d07abe941054d444a8200595040b8166e082a62d1bff6e919d29ad171863c78f0b97' +
      'c8e9ae82ae43d3',
    headers: RESP1,
    table: RESP_T1,
    size: 222,
  },
  { block: '4883640effc1c0bf', headers: RESP2, table: RESP_T2, size: 222 },
  {
    block:
      '88c16196d07abe941054d444a8200595040b8166e084a62d1bffc05a839bd9ab77ad94e7821dd7f2e6c7b335dfdf' +
      'cd5b3960d5af27087f3672c1ab270fb5291f9587316065c003ed4ee5b1063d5007',
    headers: RESP3,
    table: RESP_T3,
    size: 215,
  },
];

function runDecode(steps: readonly Step[], tableSize: number) {
  const d = new HpackDecoder(tableSize);
  for (const [i, s] of steps.entries()) {
    const u = hex(s.block);
    const r = d.decode(u, 0, u.length);
    assert.equal(r.error, undefined, `block ${i + 1}`);
    assert.deepEqual(
      r.fields.map((f) => [f.name, f.value]),
      s.headers,
      `block ${i + 1} fields`,
    );
    assert.deepEqual(d.table.list(), s.table, `block ${i + 1} table`);
    assert.equal(d.table.size, s.size, `block ${i + 1} table size`);
  }
}
function runEncode(steps: readonly Step[], tableSize: number, huffman: boolean) {
  const e = new HpackEncoder(tableSize);
  for (const [i, s] of steps.entries()) {
    assert.equal(toHex(e.encode(s.headers, { huffman })), s.block, `block ${i + 1}`);
    assert.deepEqual(e.table.list(), s.table);
  }
}

test('hpack C.1: integer representation', () => {
  const a: number[] = [];
  writeInt(a, 0, 5, 10);
  assert.deepEqual(a, [0x0a]); // C.1.1
  const b: number[] = [];
  writeInt(b, 0, 5, 1337);
  assert.deepEqual(b, [0x1f, 0x9a, 0x0a]); // C.1.2
  const c: number[] = [];
  writeInt(c, 0, 8, 42);
  assert.deepEqual(c, [0x2a]); // C.1.3
  // 1337 as the length prefix of an indexed field decodes back (7-bit prefix here).
  const d = new HpackDecoder();
  const r = d.decode(Uint8Array.from([0xff, 0x9a, 0x0a]), 0, 3);
  assert.equal(r.error, 'hpack.index_out_of_range');
});

test('hpack C.2: literal and indexed representations', () => {
  const d = new HpackDecoder();
  const c21 = hex('400a637573746f6d2d6b65790d637573746f6d2d686561646572');
  let r = d.decode(c21, 0, c21.length);
  assert.deepEqual(
    r.fields.map((f) => [f.name, f.value, f.rep]),
    [['custom-key', 'custom-header', 'incremental']],
  );
  assert.deepEqual(d.table.list(), [['custom-key', 'custom-header']]);
  assert.equal(d.table.size, 55);

  const d2 = new HpackDecoder();
  const c22 = hex('040c2f73616d706c652f70617468');
  r = d2.decode(c22, 0, c22.length);
  assert.deepEqual(
    r.fields.map((f) => [f.name, f.value, f.rep, f.index]),
    [[':path', '/sample/path', 'without', 4]],
  );
  assert.equal(d2.table.length, 0);

  const c23 = hex('100870617373776f726406736563726574');
  r = d2.decode(c23, 0, c23.length);
  assert.deepEqual(
    r.fields.map((f) => [f.name, f.value, f.rep]),
    [['password', 'secret', 'never']],
  );
  assert.equal(d2.table.length, 0);

  r = d2.decode(Uint8Array.of(0x82), 0, 1);
  assert.deepEqual(
    r.fields.map((f) => [f.name, f.value, f.rep]),
    [[':method', 'GET', 'indexed']],
  );

  const e = new HpackEncoder();
  assert.equal(toHex(e.encode([['custom-key', 'custom-header']])), toHex(c21));
  assert.equal(toHex(new HpackEncoder().encode([[':path', '/sample/path']], { rep: 'without' })), toHex(c22));
  assert.equal(toHex(new HpackEncoder().encode([['password', 'secret']], { rep: 'never' })), toHex(c23));
});

test('hpack C.3: requests without Huffman coding (decode and encode)', () => {
  runDecode(C3, 4096);
  runEncode(C3, 4096, false);
});
test('hpack C.4: requests with Huffman coding (decode and encode)', () => {
  runDecode(C4, 4096);
  runEncode(C4, 4096, true);
});
test('hpack C.5: responses without Huffman coding, 256-octet table with eviction', () => {
  runDecode(C5, 256);
  runEncode(C5, 256, false);
});
test('hpack C.6: responses with Huffman coding, 256-octet table with eviction', () => {
  runDecode(C6, 256);
  runEncode(C6, 256, true);
});

test('hpack: dynamic table size updates (§6.3, §4.2) and their limit', () => {
  const d = new HpackDecoder(4096);
  const e = new HpackEncoder(4096);
  const b1 = e.encode([['x-a', '1']]);
  d.decode(b1, 0, b1.length);
  assert.equal(d.table.length, 1);
  e.setTableSize(0);
  e.setTableSize(100);
  const b2 = e.encode([['x-b', '2']]);
  assert.equal(b2[0], 0x20); // size update to 0 first
  const r = d.decode(b2, 0, b2.length);
  assert.equal(r.error, undefined);
  assert.deepEqual(r.sizeUpdates, [0, 100]);
  assert.deepEqual(d.table.list(), [['x-b', '2']]);
  assert.equal(d.table.maxSize, 100);
  // Above the SETTINGS limit: an error, not an exception.
  const big: number[] = [];
  writeInt(big, 0x20, 5, 5000);
  assert.equal(d.decode(Uint8Array.from(big), 0, big.length).error, 'hpack.size_update_too_large');
  // After a field: an error (§4.2).
  assert.equal(d.decode(Uint8Array.of(0x82, 0x20), 0, 2).error, 'hpack.size_update_late');
});

test('hpack: Huffman padding and EOS rules (§5.2)', () => {
  // 'a' is 00011 (5 bits); padding 111 → 0x1f.
  assert.deepEqual(huffmanDecode(Uint8Array.of(0x1f), 0, 1), { text: 'a' });
  // Padding with a zero bit: error.
  assert.deepEqual(huffmanDecode(Uint8Array.of(0x1e), 0, 1), { error: 'hpack.huffman_padding' });
  // A whole octet of padding (8 bits > 7): error.
  assert.deepEqual(huffmanDecode(Uint8Array.of(0x1f, 0xff), 0, 2), { error: 'hpack.huffman_padding' });
  // EOS (30 ones) explicitly coded: error.
  assert.deepEqual(huffmanDecode(Uint8Array.of(0xff, 0xff, 0xff, 0xff), 0, 4), { error: 'hpack.huffman_eos' });
  // Empty string.
  assert.deepEqual(huffmanDecode(new Uint8Array(0), 0, 0), { text: '' });
});

test('hpack: every octet value round-trips through Huffman (property)', () => {
  const all = String.fromCharCode(...Array.from({ length: 256 }, (_, i) => i));
  const enc = huffmanEncode(all);
  assert.deepEqual(huffmanDecode(enc, 0, enc.length), { text: all });
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
      const s = String.fromCharCode(...bytes);
      const h = huffmanEncode(s);
      assert.deepEqual(huffmanDecode(h, 0, h.length), { text: s });
    }),
  );
});

test('hpack: encoder → decoder round trip keeps both tables in step (property)', () => {
  const field = fc.tuple(
    fc.constantFrom(':method', ':path', 'accept', 'x-custom', 'cookie', 'user-agent'),
    fc.string({ maxLength: 40 }).map((s) => s.replace(/[^\x20-\x7e]/g, '')),
  );
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.array(field, { maxLength: 8 }), fc.boolean()), { maxLength: 10 }),
      fc.integer({ min: 0, max: 600 }),
      (blocks, size) => {
        const e = new HpackEncoder(size);
        const d = new HpackDecoder(size);
        for (const [hs, huffman] of blocks) {
          const b = e.encode(hs as HeaderField[], { huffman });
          const r = d.decode(b, 0, b.length);
          assert.equal(r.error, undefined);
          assert.deepEqual(
            r.fields.map((f) => [f.name, f.value]),
            hs,
          );
          assert.deepEqual(d.table.list(), e.table.list());
        }
      },
    ),
  );
});

test('hpack: random blocks never throw (fuzz)', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
      const d = new HpackDecoder();
      const r = d.decode(bytes, 0, bytes.length);
      assert.ok(Array.isArray(r.fields));
      assert.ok(d.table.size <= d.table.maxSize);
    }),
  );
});
