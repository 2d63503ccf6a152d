/**
 * HTTP/2: every frame type built and decoded back (flags, padding, priority), per-packet segments
 * with several frames, cut frames and continuation segments, the stream parser with HPACK per
 * connection and direction, the corpus oracle, tshark on a capture we build, and a fuzz test.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { analyse, build, defaultRegistry, details, find, ip, payload } from '../../src/index.js';
import { HpackEncoder } from '../../src/protocols/hpack.js';
import { type FrameDetail, frameBytes, type Http2Details, type Http2FrameSpec } from '../../src/protocols/http2.js';
import { ethernet, http2, ipv4, tcp } from '../../src/protocols/index.js';
import { conn } from '../helpers/app-stream.js';
import { manifest, SKIP_NO_CORPUS } from '../helpers/corpus.js';
import { agreement, compareFile, type FieldTally } from '../helpers/oracle-compare.js';
import { conversation, type Segment, SKIP_NO_TSHARK, tsharkFields, writeTemp } from '../helpers/tcp-conv.js';

const H2_PORT = 8097;
const reg = defaultRegistry.decodeAs('tcp.port', H2_PORT, 'http2');
const seg = (p: Uint8Array, dstport = H2_PORT) =>
  build(
    ethernet.make(),
    ipv4.make({ src: ip('10.0.0.1'), dst: ip('10.0.0.2') }),
    tcp.make({ srcport: 40000, dstport, flagAck: 1 }),
    payload(p),
  );
const cat = (...xs: Uint8Array[]) => {
  const out = new Uint8Array(xs.reduce((a, x) => a + x.length, 0));
  let at = 0;
  for (const x of xs) {
    out.set(x, at);
    at += x.length;
  }
  return out;
};
const te = new TextEncoder();
const PREFACE = te.encode('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');

/** One frame of every type, with padding and priority where the type allows. */
function everyFrame(): Http2FrameSpec[] {
  return [
    {
      type: 4,
      settings: [
        [1, 4096],
        [3, 100],
        [4, 65535],
        [0x99, 7],
      ],
    },
    { type: 4, flags: 1 },
    {
      type: 1,
      flags: 0x04,
      streamId: 1,
      padLength: 3,
      exclusive: true,
      streamDependency: 0,
      weight: 200,
      headers: [
        [':method', 'GET'],
        [':path', '/x'],
        [':scheme', 'http'],
        [':authority', 'a.example'],
      ],
      huffman: true,
    },
    { type: 0, flags: 0x01, streamId: 1, data: 'unpadded body' },
    { type: 0, streamId: 3, data: 'padded', padLength: 10 },
    { type: 2, streamId: 3, exclusive: false, streamDependency: 1, weight: 15 },
    { type: 3, streamId: 3, errorCode: 8 },
    {
      type: 5,
      flags: 0x04,
      streamId: 1,
      promisedStreamId: 2,
      padLength: 2,
      headers: [
        [':method', 'GET'],
        [':path', '/pushed'],
      ],
    },
    { type: 6, flags: 1, opaque: Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8) },
    { type: 7, lastStreamId: 3, errorCode: 0, data: 'bye' },
    { type: 8, streamId: 0, increment: 1 << 20 },
    { type: 1, streamId: 5, headers: [[':method', 'POST']] },
    { type: 9, flags: 0x04, streamId: 5, headers: [[':path', '/c']] },
    { type: 0xfa, flags: 0x33, streamId: 7, data: 'opaque!' },
  ];
}

test('http2: build → analyse round trip of every frame type in one segment', () => {
  const specs = everyFrame();
  const bytes = seg(build(http2.make({ magic: 1, frames: specs })), 50000);
  // Port 50000 is unclaimed: the preface makes the heuristic take it (prior knowledge, RFC 9113 §3.3).
  const f = analyse(bytes);
  assert.deepEqual(f.issues, []);
  assert.deepEqual(
    f.layers.map((x) => x.protocol),
    ['ethernet', 'ipv4', 'tcp', 'http2'],
  );
  const l = find(f, 'http2')!;
  assert.equal(l.fields.magic, 1);
  assert.equal(l.fields.count, specs.length);
  assert.equal(l.fields.cut, 0);
  assert.equal(l.fields.type, 4);
  assert.equal(l.end, f.end);
  const types = http2.computed!['http2.type'](l, f, defaultRegistry);
  assert.deepEqual(
    types,
    specs.map((s) => s.type),
  );
  assert.deepEqual(
    http2.computed!['http2.streamid'](l, f, defaultRegistry),
    specs.map((s) => s.streamId ?? 0),
  );
  const d = details<Http2Details>(f, l, defaultRegistry)!;
  const fr = d.frames;
  assert.equal(fr.length, specs.length);
  assert.deepEqual(
    fr.map((x) => x.name),
    [
      'SETTINGS',
      'SETTINGS',
      'HEADERS',
      'DATA',
      'DATA',
      'PRIORITY',
      'RST_STREAM',
      'PUSH_PROMISE',
      'PING',
      'GOAWAY',
      'WINDOW_UPDATE',
      'HEADERS',
      'CONTINUATION',
      'UNKNOWN_250',
    ],
  );
  assert.deepEqual(fr[0].settings, [
    { id: 1, name: 'HEADER_TABLE_SIZE', value: 4096 },
    { id: 3, name: 'MAX_CONCURRENT_STREAMS', value: 100 },
    { id: 4, name: 'INITIAL_WINDOW_SIZE', value: 65535 },
    { id: 0x99, name: 'unknown', value: 7 },
  ]);
  assert.equal(fr[1].ack, true);
  const h = fr[2];
  assert.equal(h.flags, 0x04 | 0x08 | 0x20);
  assert.deepEqual([h.padLength, h.exclusive, h.streamDependency, h.weight, h.endHeaders], [3, true, 0, 200, true]);
  assert.deepEqual(h.headers, [
    [':method', 'GET'],
    [':path', '/x'],
    [':scheme', 'http'],
    [':authority', 'a.example'],
  ]);
  // DATA without PADDED keeps every payload octet (PyPCAPKit dropped them); with PADDED the padding goes.
  assert.equal(new TextDecoder().decode(fr[3].data as Uint8Array), 'unpadded body');
  assert.equal(fr[3].endStream, true);
  assert.equal(new TextDecoder().decode(fr[4].data as Uint8Array), 'padded');
  assert.equal(fr[4].padLength, 10);
  assert.deepEqual([fr[5].exclusive, fr[5].streamDependency, fr[5].weight], [false, 1, 15]);
  assert.deepEqual([fr[6].errorCode, fr[6].errorName], [8, 'CANCEL']);
  assert.deepEqual([fr[7].promisedStreamId, fr[7].padLength], [2, 2]);
  assert.deepEqual(fr[7].headers, [
    [':method', 'GET'],
    [':path', '/pushed'],
  ]);
  assert.deepEqual([fr[8].ack, fr[8].opaque], [true, '0102030405060708']);
  assert.deepEqual([fr[9].lastStreamId, fr[9].errorName, fr[9].debugData], [3, 'NO_ERROR', '627965']);
  assert.equal(fr[10].windowSizeIncrement, 1 << 20);
  // HEADERS without END_HEADERS, then CONTINUATION: one block, decoded at the end.
  assert.equal(fr[11].headers, undefined);
  assert.deepEqual(fr[12].headers, [
    [':method', 'POST'],
    [':path', '/c'],
  ]);
  assert.deepEqual([fr[13].flags, fr[13].payload], [0x33, '6f706171756521']);
});

test('http2: padding longer than the payload is malformed (RFC 9113 §6.1), not an exception', () => {
  const bad = frameBytes({ type: 0, streamId: 1, payload: Uint8Array.of(9, 1, 2), flags: 0x08 });
  const f = analyse(seg(bad), { registry: reg });
  const d = details<Http2Details>(f, find(f, 'http2')!, reg)!;
  assert.equal(d.frames[0].malformed, 'http2.bad_padding');
  assert.deepEqual(f.issues, []);
});

test('http2: a frame cut by the segment end, and a segment in the middle of a frame', () => {
  const big = frameBytes({ type: 0, streamId: 1, data: 'x'.repeat(100) });
  const f = analyse(seg(cat(frameBytes({ type: 8, streamId: 1, increment: 5 }), big.subarray(0, 40))), {
    registry: reg,
  });
  const l = find(f, 'http2')!;
  assert.deepEqual([l.fields.count, l.fields.cut], [2, 1]);
  const d = details<Http2Details>(f, l, reg)!;
  assert.equal(d.frames[1].cut, true);
  assert.equal((d.frames[1].data as Uint8Array).length, 31);
  // The rest of that DATA frame in the next segment: no frame starts there.
  const g = analyse(seg(big.subarray(40)), { registry: reg });
  const gl = find(g, 'http2')!;
  assert.deepEqual([gl.fields.count, gl.fields.continuation, gl.fields.type], [0, 1, undefined]);
  assert.equal(http2.computed!['http2.type'](gl, g, reg), undefined);
});

test('http2: a user frame handler (registry.withHandler) decodes an extension type', () => {
  const r = reg.withHandler('http2.frame', 0xfa, {
    name: 'MY_EXT',
    decode: (b, s, e) => ({ text: new TextDecoder().decode(b.u8.subarray(s, e)) }),
  });
  const f = analyse(seg(frameBytes({ type: 0xfa, streamId: 7, data: 'hello' })), { registry: r });
  const d = details<Http2Details>(f, find(f, 'http2')!, r)!;
  assert.deepEqual([d.frames[0].name, d.frames[0].text], ['MY_EXT', 'hello']);
});

// ---------------------------------------------------------------------------------------------
// Stream parser.

function exchange(): Segment[] {
  const c = new HpackEncoder();
  const s = new HpackEncoder();
  const req = (path: string) =>
    c.encode([
      [':method', 'GET'],
      [':scheme', 'http'],
      [':path', path],
      [':authority', 'www.example.com'],
      ['user-agent', 'pcapkit-test/1.0'],
    ]);
  const resp = (n: string) =>
    s.encode(
      [
        [':status', '200'],
        ['content-type', 'text/plain'],
        ['x-n', n],
      ],
      { huffman: true },
    );
  const b1 = req('/one');
  const b2 = req('/two'); // mostly indexed from the dynamic table
  return [
    { dir: 0, data: cat(PREFACE, frameBytes({ type: 4, settings: [[1, 4096]] })) },
    { dir: 1, data: cat(frameBytes({ type: 4, settings: [[3, 10]] }), frameBytes({ type: 4, flags: 1 })) },
    { dir: 0, data: frameBytes({ type: 4, flags: 1 }) },
    { dir: 0, data: frameBytes({ type: 1, flags: 0x05, streamId: 1, block: b1 }) },
    // The second request's block split over HEADERS + CONTINUATION.
    {
      dir: 0,
      data: cat(
        frameBytes({ type: 1, flags: 0x01, streamId: 3, block: b2.subarray(0, 3) }),
        frameBytes({ type: 9, flags: 0x00, streamId: 3, block: b2.subarray(3, 5) }),
        frameBytes({ type: 9, flags: 0x04, streamId: 3, block: b2.subarray(5) }),
      ),
    },
    {
      dir: 1,
      data: cat(
        frameBytes({ type: 1, flags: 0x04, streamId: 1, block: resp('1') }),
        frameBytes({ type: 0, flags: 0x01, streamId: 1, data: 'one', padLength: 4 }),
      ),
    },
    {
      dir: 1,
      data: cat(
        frameBytes({ type: 1, flags: 0x04, streamId: 3, block: resp('2') }),
        frameBytes({ type: 0, flags: 0x01, streamId: 3, data: 'two' }),
      ),
    },
    { dir: 0, data: frameBytes({ type: 7, lastStreamId: 0, errorCode: 0 }) },
  ];
}

const headersOf = (fields: unknown) => (fields as { headers?: [string, string][] }).headers;

test('http2 stream: HPACK per connection and direction; the 2nd request decodes from the dynamic table', () => {
  const c = conn('http2', { ports: [40000, H2_PORT] });
  for (const s of exchange()) c.feed(s.dir, s.data);
  c.end();
  const ms = c.messages;
  assert.ok(
    ms.every((m) => m.complete && !m.notes),
    JSON.stringify(ms.map((m) => m.notes)),
  );
  assert.deepEqual(
    ms.map((m) => `${m.dir}:${(m.fields as FrameDetail).name}`),
    [
      '0:MAGIC',
      '0:SETTINGS',
      '1:SETTINGS',
      '1:SETTINGS',
      '0:SETTINGS',
      '0:HEADERS',
      '0:HEADERS',
      '0:CONTINUATION',
      '0:CONTINUATION',
      '1:HEADERS',
      '1:DATA',
      '1:HEADERS',
      '1:DATA',
      '0:GOAWAY',
    ],
  );
  const hs = ms.filter((m) => headersOf(m.fields)).map((m) => headersOf(m.fields));
  assert.deepEqual(hs, [
    [
      [':method', 'GET'],
      [':scheme', 'http'],
      [':path', '/one'],
      [':authority', 'www.example.com'],
      ['user-agent', 'pcapkit-test/1.0'],
    ],
    [
      [':method', 'GET'],
      [':scheme', 'http'],
      [':path', '/two'],
      [':authority', 'www.example.com'],
      ['user-agent', 'pcapkit-test/1.0'],
    ],
    [
      [':status', '200'],
      ['content-type', 'text/plain'],
      ['x-n', '1'],
    ],
    [
      [':status', '200'],
      ['content-type', 'text/plain'],
      ['x-n', '2'],
    ],
  ]);
  assert.equal(new TextDecoder().decode((ms[10].fields as { data: Uint8Array }).data), 'one');
  assert.equal((ms[8].fields as { blockStreamId: number }).blockStreamId, 3);
});

test('http2 stream: the same messages whatever the chunking (every segment split at every byte)', () => {
  const segs = exchange();
  const strip = (c: ReturnType<typeof conn>) =>
    c.messages.map((m) => ({ dir: m.dir, fields: m.fields, complete: m.complete, notes: m.notes }));
  const ref = conn('http2');
  for (const s of segs) ref.feed(s.dir, s.data);
  ref.end();
  const want = strip(ref);
  const longest = Math.max(...segs.map((s) => (s.data as Uint8Array).length));
  for (let cut = 0; cut <= longest; cut++) {
    const c = conn('http2');
    for (const s of segs) {
      const d = s.data as Uint8Array;
      c.feed(s.dir, d.subarray(0, Math.min(cut, d.length)));
      c.feed(s.dir, d.subarray(Math.min(cut, d.length)));
    }
    c.end();
    assert.deepEqual(strip(c), want, `cut ${cut}`);
  }
  // Byte by byte.
  const b = conn('http2');
  for (const s of segs) b.feed(s.dir, s.data, { split: 1 });
  b.end();
  assert.deepEqual(strip(b), want);
});

test('http2 stream: capture started mid-connection — streams and HPACK reported, not decoded wrongly', () => {
  const segs = exchange();
  const c = conn('http2');
  // Only the server side, from its second response on, and the first bytes are the tail of a frame.
  const tail = segs[6].data as Uint8Array;
  c.feed(1, cat(Uint8Array.of(0x61, 0x62, 0x63), tail), { gap: -1 });
  c.end();
  const [h, d] = c.messages;
  assert.equal((h.fields as FrameDetail).name, 'HEADERS');
  assert.deepEqual(h.notes, ['http2.midstream', 'http2.resync', 'http2.stream_start_missing', 'http2.hpack_desync']);
  assert.equal(headersOf(h.fields), undefined);
  assert.equal((h.fields as { hpackError: string }).hpackError, 'hpack.no_context');
  assert.equal((d.fields as FrameDetail).name, 'DATA');
  assert.equal(d.notes, undefined);
});

test('http2 stream: a gap poisons HPACK until a size update to 0 empties the table', () => {
  const enc = new HpackEncoder();
  const c = conn('http2');
  c.feed(0, PREFACE);
  c.feed(0, frameBytes({ type: 1, flags: 5, streamId: 1, block: enc.encode([['x-a', '1']]) }));
  enc.encode([['x-b', '2']]); // lost
  c.feed(0, frameBytes({ type: 1, flags: 5, streamId: 5, block: enc.encode([['x-b', '2']]) }), { gap: 20 });
  enc.setTableSize(0);
  enc.setTableSize(4096);
  c.feed(0, frameBytes({ type: 1, flags: 5, streamId: 7, block: enc.encode([['x-c', '3']]) }));
  c.end();
  const hs = c.messages.filter((m) => (m.fields as FrameDetail).type === 1);
  assert.deepEqual(headersOf(hs[0].fields), [['x-a', '1']]);
  assert.equal(headersOf(hs[1].fields), undefined);
  assert.ok(hs[1].notes?.includes('http2.hpack_desync'));
  assert.ok(hs[1].notes?.includes('http2.gap'));
  assert.deepEqual(headersOf(hs[2].fields), [['x-c', '3']]);
  assert.deepEqual(hs[2].notes, ['http2.hpack_resync']);
});

test('http2 stream: protocol errors are notes (CONTINUATION out of place, bad padding)', () => {
  const c = conn('http2');
  c.feed(0, PREFACE);
  c.feed(0, frameBytes({ type: 9, flags: 4, streamId: 1, block: Uint8Array.of(0x82) }));
  c.feed(0, frameBytes({ type: 0, flags: 8, streamId: 1, payload: Uint8Array.of(200, 1) }));
  c.feed(0, frameBytes({ type: 0, streamId: 1 }).subarray(0, 5));
  c.end();
  assert.deepEqual(
    c.messages.map((m) => m.notes ?? []),
    [[], ['http2.unexpected_continuation'], ['http2.bad_padding', 'http2.stream_start_missing'], ['http2.frame_cut']],
  );
  assert.equal(c.messages[3].complete, false);
});

test('http2 stream: random chunking, gaps and junk never throw (property)', () => {
  const all = exchange();
  fc.assert(
    fc.property(
      fc.array(
        fc.tuple(
          fc.nat(all.length - 1),
          fc.nat(40),
          fc.integer({ min: -1, max: 30 }),
          fc.uint8Array({ maxLength: 20 }),
        ),
        { maxLength: 15 },
      ),
      (steps) => {
        const c = conn('http2');
        for (const [i, cut, gap, junk] of steps) {
          const s = all[i];
          const d = s.data as Uint8Array;
          c.feed(s.dir, cat(junk, d.subarray(Math.min(cut, d.length))), { gap });
        }
        c.end();
        for (const m of c.messages) assert.equal(m.protocol, 'http2');
      },
    ),
    { numRuns: 300 },
  );
});

test('stream parsers: megabytes of non-protocol bytes after a gap are scanned once (no quadratic resync)', () => {
  const junk = new Uint8Array(4 * 1024 * 1024);
  let x = 12345;
  for (let i = 0; i < junk.length; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    junk[i] = x >>> 24 === 0 ? 0x0a : (x >>> 16) & 0xff; // some LFs too
  }
  for (const proto of ['http1', 'http2', 'ftp']) {
    const c = conn(proto, { ports: [40000, proto === 'ftp' ? 21 : 80] });
    const t0 = Date.now();
    c.feed(1, junk, { gap: -1, split: 1460 });
    c.end();
    const ms = Date.now() - t0;
    // Linear work is well under a second here; a rescan per segment would take minutes.
    assert.ok(ms < 20000, `${proto}: ${ms} ms`);
  }
});

// ---------------------------------------------------------------------------------------------

const H2_FIELDS = ['http2.type', 'http2.streamid'];

test('http2: oracle (tshark, no desegmentation, decode-as 8097) on every corpus capture with HTTP/2', {
  skip: SKIP_NO_CORPUS,
}, () => {
  const files = manifest()
    .filter((r) => /(^|,)http2(,|$)/.test(r.protocols))
    .map((r) => r.file);
  assert.ok(files.length >= 6);
  const t: Record<string, FieldTally> = {};
  for (const f of files) compareFile(f, H2_FIELDS, t);
  for (const name of H2_FIELDS) {
    const x = t[name];
    const a = agreement({ ...x, unreached: 0 });
    console.log(
      `  ${name}: ${x.agree} agree, ${x.disagree} disagree, ${x.missing} missing, ${x.extra} extra, ${x.unreached} not reached: ${(a * 100).toFixed(2)}%`,
    );
    for (const e of x.examples.slice(0, 5)) console.log(`    ${e}`);
    assert.ok(x.agree >= 270, name);
    assert.equal(x.disagree, 0, name);
    assert.equal(x.extra, 0, name);
    assert.ok(a >= 0.995, `${name} agreement ${a}`);
  }
});

test('http2: tshark decodes our capture of every frame type the same way', { skip: SKIP_NO_TSHARK }, () => {
  // One frame per segment on a decode-as port, after a client preface.
  const specs = everyFrame().filter((s) => s.type !== 0xfa && s.type !== 9 && !(s.type === 1 && s.streamId === 5));
  const enc = new HpackEncoder();
  const segs: Segment[] = [{ dir: 0, data: PREFACE }];
  for (const s of specs) {
    const spec = s.headers ? { ...s, headers: undefined, block: enc.encode(s.headers, { huffman: true }) } : s;
    segs.push({ dir: 0, data: frameBytes(spec) });
  }
  const frames = conversation(segs, { ports: [40000, H2_PORT] });
  const path = writeTemp(frames);
  const names = [
    'http2.type',
    'http2.streamid',
    'http2.flags',
    'http2.length',
    'http2.pad_length',
    'http2.headers.weight',
    'http2.stream_dependency',
    'http2.rst_stream.error',
    'http2.settings.id',
    'http2.push_promise.promised_stream_id',
    'http2.goaway.last_stream_id',
    'http2.window_update.window_size_increment',
    'http2.header.name',
    'http2.header.value',
  ];
  const rows = tsharkFields(path, names, { decodeAs: [`tcp.port==${H2_PORT},http2`], aggregator: '|' });
  const c = conn('http2', { ports: [40000, H2_PORT] });
  let checked = 0;
  for (const [i, s] of segs.entries()) {
    const row = rows[3 + i];
    const ms = c.feed(s.dir, s.data);
    const f = analyse(frames[3 + i], { registry: reg });
    const l = find(f, 'http2')!;
    const ours = (n: string) => {
      const v = http2.computed![n](l, f, reg);
      return v === undefined ? '' : Array.isArray(v) ? v.join('|') : String(v);
    };
    assert.equal(ours('http2.type'), row['http2.type'], `segment ${i} type`);
    assert.equal(ours('http2.streamid'), row['http2.streamid'], `segment ${i} streamid`);
    assert.equal(ours('http2.length'), row['http2.length'], `segment ${i} length`);
    const m = ms.find((x) => (x.fields as FrameDetail).type !== -1);
    if (!m) continue;
    const d = m.fields as Record<string, unknown>;
    assert.equal(`0x${(d.flags as number).toString(16).padStart(2, '0')}`, row['http2.flags'], `segment ${i} flags`);
    const want: Record<string, unknown> = {
      'http2.pad_length': d.padLength,
      'http2.headers.weight': d.type === 1 ? d.weight : undefined,
      'http2.stream_dependency': d.type === 1 ? d.streamDependency : undefined,
      'http2.rst_stream.error': d.type === 3 ? d.errorCode : undefined,
      'http2.push_promise.promised_stream_id': d.promisedStreamId,
      'http2.goaway.last_stream_id': d.lastStreamId,
      'http2.window_update.window_size_increment': d.windowSizeIncrement,
      'http2.settings.id': Array.isArray(d.settings)
        ? d.settings.map((x: { id: number }) => x.id).join('|')
        : undefined,
    };
    for (const [k, v] of Object.entries(want)) {
      if (v === undefined) continue;
      assert.equal(String(v), row[k], `segment ${i} ${k}`);
      checked++;
    }
    const hs = headersOf(d);
    if (hs) {
      assert.equal(hs.map((h) => h[0]).join('|'), row['http2.header.name'], `segment ${i} header names`);
      assert.equal(hs.map((h) => h[1]).join('|'), row['http2.header.value'], `segment ${i} header values`);
      checked++;
    }
  }
  assert.ok(checked >= 10, `checked ${checked}`);
});

test('http2: random and mutated segments never throw out of the frame loop (fuzz)', () => {
  const good = build(http2.make({ magic: 1, frames: everyFrame() }));
  fc.assert(
    fc.property(
      fc.oneof(
        fc.uint8Array({ maxLength: 300 }),
        fc.array(fc.tuple(fc.nat(good.length - 1), fc.integer({ min: 0, max: 255 })), { maxLength: 8 }).chain((muts) =>
          fc.nat(good.length).map((cut) => {
            const m = good.slice(0, cut);
            for (const [i, v] of muts) if (i < m.length) m[i] = v;
            return m;
          }),
        ),
      ),
      fc.boolean(),
      (p, on80) => {
        const f = analyse(seg(p, on80 ? 80 : H2_PORT), { registry: reg });
        assert.ok(!f.issues.some((i) => i.kind === 'bug'), JSON.stringify(f.issues));
        for (const l of f.layers) details(f, l, reg);
        const c = conn('http2');
        c.feed(0, p);
        c.end();
      },
    ),
    { numRuns: 1500 },
  );
});
