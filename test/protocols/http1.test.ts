/**
 * HTTP/1.x: build → analyse round trips, per-packet decoding of partial and pipelined segments, the
 * stream parser (every split, gaps, both directions), the corpus oracle, and a fuzz test.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { brotliCompressSync, deflateRawSync, deflateSync, gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { analyse, build, defaultRegistry, details, find, findAll, ip, payload } from '../../src/index.js';
import { decodeContent, type Http1Details, type Http1Message } from '../../src/protocols/http1.js';
import { ethernet, http1, ipv4, tcp } from '../../src/protocols/index.js';
import { bytes, conn, everySplit, strip } from '../helpers/app-stream.js';
import { manifest, SKIP_NO_CORPUS } from '../helpers/corpus.js';
import { agreement, compareFile, type FieldTally } from '../helpers/oracle-compare.js';
import { conversation, type Segment, SKIP_NO_TSHARK, tsharkFields, writeTemp } from '../helpers/tcp-conv.js';

const seg = (p: Uint8Array | string, dstport = 80, srcport = 40000) =>
  build(
    ethernet.make(),
    ipv4.make({ src: ip('10.0.0.1'), dst: ip('10.0.0.2') }),
    tcp.make({ srcport, dstport, flagAck: 1, flagPsh: 1 }),
    payload(p),
  );
const fieldsOf = (m: { fields: unknown }) => m.fields as Http1Message;

test('http1: build → analyse round trip (request with repeated headers and a body)', () => {
  const bytes = build(
    ethernet.make(),
    ipv4.make({ src: ip('10.0.0.1'), dst: ip('10.0.0.2') }),
    tcp.make({ srcport: 40000, dstport: 80, flagAck: 1 }),
    http1.make({
      type: 'request',
      method: 'POST',
      uri: '/form?a=1',
      version: 'HTTP/1.1',
      headers: [
        ['Host', 'example.com'],
        ['Accept', 'text/html'],
        ['Accept', 'application/json'],
        ['Content-Type', 'text/plain'],
      ],
      body: 'hello',
    }),
  );
  const f = analyse(bytes, { checksums: true });
  assert.deepEqual(f.issues, []);
  const l = find(f, 'http1')!;
  assert.equal(l.complete, true);
  assert.deepEqual(
    { ...l.fields },
    {
      type: 'request',
      method: 'POST',
      uri: '/form?a=1',
      version: 'HTTP/1.1',
      code: undefined,
      phrase: undefined,
      upgrade: undefined,
      headerCount: 5,
      headersComplete: true,
      headerLen: bytes.length - 54 - 5,
      contentLength: 5,
      chunked: false,
      bodyLen: 5,
      bodyComplete: true,
    },
  );
  const d = details<Http1Details>(f, l, defaultRegistry)!;
  assert.deepEqual(d.headers, [
    ['Host', 'example.com'],
    ['Accept', 'text/html'],
    ['Accept', 'application/json'],
    ['Content-Type', 'text/plain'],
    ['Content-Length', '5'],
  ]);
  assert.equal(new TextDecoder().decode(d.body), 'hello');
  assert.equal(l.end, f.end);
});

test('http1: build → analyse round trip (response, no header fields at all)', () => {
  const f = analyse(seg('HTTP/1.1 200 OK\r\n\r\n'));
  const l = find(f, 'http1')!;
  assert.equal(l.fields.type, 'response');
  assert.equal(l.fields.code, 200);
  assert.equal(l.fields.phrase, 'OK');
  assert.equal(l.fields.headerCount, 0);
  assert.equal(l.fields.headersComplete, true);
  // No framing: the body runs to the close (RFC 9112 §6.3 item 8), here empty.
  assert.equal(l.fields.bodyLen, 0);
  assert.deepEqual(f.issues, []);
  const built = analyse(seg(build(http1.make({ type: 'response', code: 404, phrase: 'Not Found' }))));
  assert.equal(find(built, 'http1')!.fields.code, 404);
  assert.equal(find(built, 'http1')!.fields.phrase, 'Not Found');
});

test('http1: a request cut by the segment end decodes what is there, without issues', () => {
  const full = 'GET /a/very/long/path HTTP/1.1\r\nHost: x\r\nUser-Agent: y\r\n\r\n';
  for (const cut of [6, 20, 35, 45]) {
    const f = analyse(seg(full.slice(0, cut)));
    const l = find(f, 'http1')!;
    assert.deepEqual(f.issues, [], `cut ${cut}`);
    assert.equal(l.fields.type, 'request', `cut ${cut}`);
    assert.equal(l.fields.method, 'GET');
    assert.equal(l.fields.headersComplete, false);
    assert.equal(l.fields.bodyComplete, false);
  }
  // The start line cut after the URI: method and the URI part present.
  const f = analyse(seg('GET /a/very'));
  assert.equal(find(f, 'http1')!.fields.uri, '/a/very');
  // Body cut: Content-Length says 10, 4 are here.
  const g = analyse(seg('HTTP/1.0 200 OK\r\nContent-Length: 10\r\n\r\nabcd'));
  const gl = find(g, 'http1')!;
  assert.equal(gl.fields.bodyLen, 4);
  assert.equal(gl.fields.bodyComplete, false);
  assert.deepEqual(g.issues, []);
});

test('http1: a segment that is not a start line is a continuation (labelled http, like tshark)', () => {
  const f = analyse(seg('some body bytes that continue a message'));
  const l = find(f, 'http1')!;
  assert.equal(l.fields.type, 'continuation');
  assert.equal(l.hdrEnd, l.start);
  assert.equal(f.layers.length, 4);
  assert.deepEqual(f.issues, []);
});

test('http1: pipelined messages in one segment are each a layer; tshark fields list them all', () => {
  const two = 'GET /one HTTP/1.1\r\nHost: a\r\n\r\nGET /two HTTP/1.1\r\nHost: a\r\n\r\nHEAD /three HTTP/1.1\r\n\r\n';
  const f = analyse(seg(two));
  const ls = findAll(f, 'http1');
  assert.deepEqual(
    ls.map((l) => l.fields.uri),
    ['/one', '/two', '/three'],
  );
  const method = http1.computed!['http.request.method'];
  assert.deepEqual(
    ls.map((l) => method(l, f, defaultRegistry)),
    ['GET', 'GET', 'HEAD'],
  );
  // A response with Content-Length then another response.
  const r = analyse(seg('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 304 Not Modified\r\n\r\n', 40000, 80));
  assert.deepEqual(
    findAll(r, 'http1').map((l) => l.fields.code),
    [200, 304],
  );
});

test('http1: chunked body decoded on request, trailers kept', () => {
  const body = '4\r\nWiki\r\n6;ext=1\r\npedia \r\nE\r\nin \r\n\r\nchunks.\r\n0\r\nExpires: never\r\n\r\n';
  const f = analyse(seg(`HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n${body}`, 40000, 80));
  const l = find(f, 'http1')!;
  assert.equal(l.fields.chunked, true);
  assert.equal(l.fields.bodyComplete, true);
  assert.equal(l.fields.bodyLen, body.length);
  const d = details<Http1Details>(f, l, defaultRegistry)!;
  assert.equal(new TextDecoder().decode(d.body), 'Wikipedia in \r\n\r\nchunks.');
  assert.deepEqual(d.trailers, [['Expires', 'never']]);
});

test('http1: Content-Encoding gzip, deflate (zlib and raw), br, and stacked codings decode on request', () => {
  const text = new TextEncoder().encode('The quick brown fox jumps over the lazy dog. '.repeat(20));
  const cases: [string, Uint8Array][] = [
    ['gzip', gzipSync(text)],
    ['x-gzip', gzipSync(text)],
    ['deflate', deflateSync(text)],
    ['deflate', deflateRawSync(text)],
    ['br', brotliCompressSync(text)],
    ['gzip, br', brotliCompressSync(gzipSync(text))],
    ['identity', text],
  ];
  for (const [coding, data] of cases) {
    const r = decodeContent(data, coding);
    assert.equal(r.error, undefined, coding);
    assert.deepEqual(Buffer.from(r.data), Buffer.from(text), coding);
  }
  // A cut gzip body decodes as far as it goes.
  const gz = gzipSync(text);
  const part = decodeContent(gz.subarray(0, gz.length >> 1), 'gzip');
  assert.ok(part.data.length > 0 && part.data.length < text.length);
  assert.equal(decodeContent(text, 'zstd').error, 'unsupported:zstd');
  // Through a frame: gzip body, details then decodeContent.
  const f = analyse(
    seg(
      build(
        http1.make({ type: 'response', code: 200, phrase: 'OK', headers: [['Content-Encoding', 'gzip']], body: gz }),
      ),
      40000,
      80,
    ),
  );
  const d = details<Http1Details>(f, find(f, 'http1')!, defaultRegistry)!;
  assert.deepEqual(Buffer.from(decodeContent(d.body, d.contentEncoding).data), Buffer.from(text));
});

test('http1: 101 Switching Protocols to h2c hands the rest of the segment to HTTP/2', () => {
  const settings = Uint8Array.from([0, 0, 6, 4, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 100]);
  const head = new TextEncoder().encode(
    'HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\n',
  );
  const p = new Uint8Array(head.length + settings.length);
  p.set(head);
  p.set(settings, head.length);
  const f = analyse(seg(p, 40000, 80));
  assert.deepEqual(
    f.layers.map((l) => l.protocol),
    ['ethernet', 'ipv4', 'tcp', 'http1', 'http2'],
  );
  assert.equal(find(f, 'http2')!.fields.type, 4);
  // The preface sent on port 80 (prior knowledge).
  const g = analyse(seg('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'));
  assert.deepEqual(
    g.layers.map((l) => l.protocol),
    ['ethernet', 'ipv4', 'tcp', 'http1', 'http2'],
  );
  assert.equal(find(g, 'http1')!.fields.type, 'preface');
  assert.equal(find(g, 'http2')!.fields.magic, 1);
});

test('http1: heuristic on an unregistered port, and SSDP over UDP 1900', () => {
  const f = analyse(seg('GET /hello HTTP/1.1\r\nHost: x\r\n\r\n', 8899, 51000));
  assert.equal(find(f, 'http1')?.fields.uri, '/hello');
  const body = analyse(seg('not http at all', 8899, 51000));
  assert.equal(find(body, 'http1'), undefined);
});

// ---------------------------------------------------------------------------------------------
// Stream parser.

const REQ = 'GET /index.html HTTP/1.1\r\nHost: example.com\r\nAccept: */*\r\nAccept: text/html\r\n\r\n';
const RESP = 'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 11\r\n\r\nhello world';

test('http1 stream: request and response, fields, request matched to response', () => {
  const c = conn('http1');
  c.feed(0, REQ);
  c.feed(1, RESP);
  c.end();
  assert.equal(c.messages.length, 2);
  const [q, r] = c.messages.map(fieldsOf);
  assert.equal(q.method, 'GET');
  assert.deepEqual(q.headers, [
    ['Host', 'example.com'],
    ['Accept', '*/*'],
    ['Accept', 'text/html'],
  ]);
  assert.equal(r.code, 200);
  assert.equal(new TextDecoder().decode(r.body), 'hello world');
  assert.deepEqual(r.request, { method: 'GET', uri: '/index.html' });
  assert.ok(c.messages.every((m) => m.complete && m.notes === undefined));
  assert.deepEqual(c.messages[0].frames, [1]);
});

test('http1 stream: the same messages whatever the chunking (split at every byte, and byte by byte)', () => {
  const chunkedResp = `HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\nX-T: 1\r\n\r\n${RESP}`;
  for (const [dir, data] of [
    [0, `${REQ}POST /p HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc${REQ}`],
    [1, chunkedResp],
  ] as const) {
    const ref = conn('http1');
    ref.feed(dir, data);
    ref.end(dir);
    const want = strip(ref.messages);
    assert.ok(want.length >= 2);
    for (const run of everySplit(bytes(data), () => conn('http1'), dir)) assert.deepEqual(strip(run), want);
    const bb = conn('http1');
    bb.feed(dir, data, { split: 1 });
    bb.end(dir);
    assert.deepEqual(strip(bb.messages), want);
  }
  const c = conn('http1');
  c.feed(1, chunkedResp);
  c.end();
  const m = fieldsOf(c.messages[0]);
  assert.equal(new TextDecoder().decode(m.body), 'hello world');
  assert.equal(m.chunked, true);
  assert.deepEqual(m.trailers, [['X-T', '1']]);
});

test('http1 stream: pipelined requests matched to responses in order; HEAD, 204, 304 have no body', () => {
  const c = conn('http1');
  c.feed(0, 'HEAD /a HTTP/1.1\r\n\r\nGET /b HTTP/1.1\r\n\r\nGET /c HTTP/1.1\r\n\r\nGET /d HTTP/1.1\r\n\r\n');
  c.feed(
    1,
    'HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n' + // HEAD: Content-Length but no body (RFC 9110 §9.3.2)
      'HTTP/1.1 204 No Content\r\n\r\n' +
      'HTTP/1.1 304 Not Modified\r\nContent-Length: 5\r\n\r\n' +
      'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi',
  );
  c.end();
  const rs = c.messages.filter((m) => m.dir === 1).map(fieldsOf);
  assert.deepEqual(
    rs.map((r) => [r.code, r.request?.uri, r.bodyLength]),
    [
      [200, '/a', 0],
      [204, '/b', 0],
      [304, '/c', 0],
      [200, '/d', 2],
    ],
  );
});

test('http1 stream: 100-continue is interim; the final response answers the same request', () => {
  const c = conn('http1');
  c.feed(0, 'POST /up HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n');
  c.feed(1, 'HTTP/1.1 100 Continue\r\n\r\n');
  c.feed(0, 'data');
  c.feed(1, 'HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n');
  c.end();
  const rs = c.messages.filter((m) => m.dir === 1).map(fieldsOf);
  assert.deepEqual(
    rs.map((r) => [r.code, r.request?.uri]),
    [
      [100, '/up'],
      [201, '/up'],
    ],
  );
  const req = c.messages.find((m) => m.dir === 0)!;
  assert.equal(new TextDecoder().decode(fieldsOf(req).body), 'data');
});

test('http1 stream: a response delimited by close is complete at the end', () => {
  const c = conn('http1');
  c.feed(0, 'GET / HTTP/1.0\r\n\r\n');
  c.feed(1, 'HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nfirst ');
  c.feed(1, 'second');
  assert.equal(c.messages.length, 1);
  c.end(1);
  const r = c.messages[1];
  assert.equal(r.complete, true);
  assert.equal(new TextDecoder().decode(fieldsOf(r).body), 'first second');
});

test('http1 stream: a gap inside a Content-Length body is counted; elsewhere it resyncs to the next start line', () => {
  const c = conn('http1');
  c.feed(1, 'HTTP/1.1 200 OK\r\nContent-Length: 20\r\n\r\n0123');
  c.feed(1, '89abcdefghij', { gap: 4 });
  c.feed(1, 'HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n');
  c.end();
  const [a, b] = c.messages;
  assert.equal(a.complete, false);
  assert.deepEqual(a.notes, ['http1.gap_in_body']);
  assert.equal(fieldsOf(a).bodyLength, 20);
  assert.equal(b.complete, true);
  assert.equal(fieldsOf(b).code, 404);

  // A gap in the header section: the partial message is reported, then the parser resyncs.
  const d = conn('http1');
  d.feed(0, 'GET /a HTTP/1.1\r\nHost: x\r\n');
  d.feed(0, 'ost: y\r\n\r\nbody-junk\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\n', { gap: 7 });
  d.end();
  assert.deepEqual(
    d.messages.map((m) => [fieldsOf(m).uri ?? null, m.complete, m.notes ?? []]),
    [
      ['/a', false, ['http1.gap']],
      ['/b', true, ['http1.resync']],
    ],
  );
});

test('http1 stream: bytes that cannot start a start line are dropped at once, not held (memory per connection)', () => {
  const c = conn('http1');
  // 40 segments of a non-HTTP stream on port 80 (no LF, no method token + SP), then a request.
  for (let i = 0; i < 40; i++) c.feed(0, 'a'.repeat(536), { split: 536 });
  c.feed(0, 'xx GET /z HTTP/1.1\r\nHost: h\r\n\r\n');
  c.end();
  assert.equal(c.messages.length, 1);
  assert.equal(fieldsOf(c.messages[0]).uri, '/z');
  // Only the frame that carried the request: none of the 40 dropped segments was kept.
  assert.deepEqual(c.messages[0].frames, [41]);
  // A method token still arriving is held (RFC 9112 §3: method SP request-target …).
  const d = conn('http1');
  d.feed(0, 'GE');
  d.feed(0, 'T /y HTTP/1.1\r\n\r\n');
  assert.equal(fieldsOf(d.messages[0]).uri, '/y');
});

test('http1 stream: capture started mid-stream (gap -1) finds the first start line', () => {
  const c = conn('http1');
  c.feed(1, 'ntent-Length: 3\r\n\r\nabcHTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nz', { gap: -1 });
  c.end();
  assert.equal(c.messages.length, 1);
  assert.deepEqual(c.messages[0].notes, ['http1.midstream', 'http1.resync']);
  assert.equal(new TextDecoder().decode(fieldsOf(c.messages[0]).body), 'z');
});

test('http1 stream: Upgrade h2c hands both directions to the HTTP/2 parser (RFC 9113 §3.2)', async () => {
  const { frameBytes } = await import('../../src/protocols/http2.js');
  const { HpackEncoder } = await import('../../src/protocols/hpack.js');
  const c = conn('http1');
  // HTTP2-Settings: HEADER_TABLE_SIZE=4096 (base64url of 000100001000).
  c.feed(
    0,
    'GET / HTTP/1.1\r\nHost: h\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAEAABAA\r\n\r\n',
  );
  const enc = new HpackEncoder();
  const resp = frameBytes({ type: 1, flags: 4, streamId: 1, block: enc.encode([[':status', '200']]) });
  const head = bytes('HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\n');
  const settings = frameBytes({ type: 4, settings: [[3, 100]] });
  const all = new Uint8Array(head.length + settings.length + resp.length);
  all.set(head);
  all.set(settings, head.length);
  all.set(resp, head.length + settings.length);
  c.feed(1, all);
  c.feed(0, 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');
  c.feed(0, frameBytes({ type: 4, flags: 1 }));
  c.end();
  assert.deepEqual(
    c.messages.map((m) => [m.protocol, m.dir]),
    [
      ['http1', 0],
      ['http1', 1],
      ['http2', 1],
      ['http2', 1],
      ['http2', 0],
      ['http2', 0],
    ],
  );
  const h = c.messages[3].fields as { headers: [string, string][]; streamStartMissing?: boolean };
  assert.deepEqual(h.headers, [[':status', '200']]);
  assert.equal(h.streamStartMissing, undefined); // stream 1 is the upgrade request
  assert.equal((c.messages[4].fields as { magic?: boolean }).magic, true);
});

test('http1 stream: h2c when the client preface is seen before the 101', async () => {
  const { frameBytes } = await import('../../src/protocols/http2.js');
  const { HpackEncoder } = await import('../../src/protocols/hpack.js');
  const c = conn('http1');
  c.feed(0, 'GET / HTTP/1.1\r\nHost: h\r\nUpgrade: h2c\r\nHTTP2-Settings: AAEAAAAA\r\n\r\n');
  c.feed(0, 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');
  const head = bytes('HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\n\r\n');
  const enc = new HpackEncoder(0);
  const resp = frameBytes({ type: 1, flags: 4, streamId: 1, block: enc.encode([[':status', '204']]) });
  const all = new Uint8Array(head.length + resp.length);
  all.set(head);
  all.set(resp, head.length);
  c.feed(1, all);
  c.end();
  const h = c.messages.find((m) => m.protocol === 'http2' && m.dir === 1)!;
  assert.deepEqual(h.notes, undefined);
  assert.deepEqual((h.fields as { headers: unknown }).headers, [[':status', '204']]);
});

test('http1 stream: a gap in a chunked body keeps the chunk data, never the chunk framing', () => {
  const c = conn('http1');
  c.feed(1, 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n wo');
  c.feed(1, 'HTTP/1.1 204 No Content\r\n\r\n', { gap: 40 });
  c.end();
  assert.equal(new TextDecoder().decode(fieldsOf(c.messages[0]).body), 'hello wo');
  assert.deepEqual(c.messages[0].notes, ['http1.gap']);
  assert.equal(fieldsOf(c.messages[1]).code, 204);
});

test('http1 stream: prior knowledge on port 80 when the server speaks first', async () => {
  const { frameBytes } = await import('../../src/protocols/http2.js');
  const c = conn('http1');
  c.feed(1, frameBytes({ type: 4, settings: [[3, 100]] })); // server SETTINGS before the client preface
  assert.equal(c.messages.length, 0);
  c.feed(0, 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');
  c.feed(1, frameBytes({ type: 4, flags: 1 }));
  c.end();
  assert.deepEqual(
    c.messages.map((m) => [m.protocol, m.dir, (m.fields as { name: string }).name]),
    [
      ['http2', 0, 'MAGIC'],
      ['http2', 1, 'SETTINGS'],
      ['http2', 1, 'SETTINGS'],
    ],
  );
});

test('http1 stream: random chunking and gaps never throw (property)', () => {
  const corpus = bytes(`${REQ}${RESP}HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n`);
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.integer({ min: 0, max: corpus.length }), fc.integer({ min: -1, max: 50 }), fc.boolean()), {
        maxLength: 12,
      }),
      fc.uint8Array({ maxLength: 64 }),
      (cuts, junk) => {
        const c = conn('http1');
        for (const [at, gap, useJunk] of cuts) {
          const d = useJunk ? junk : corpus.subarray(at);
          c.feed((at % 2) as 0 | 1, d, { gap: gap === 0 ? 0 : gap });
        }
        c.end();
        for (const m of c.messages) assert.ok(m.protocol === 'http1' || m.protocol === 'http2');
      },
    ),
    { numRuns: 300 },
  );
});

// ---------------------------------------------------------------------------------------------

const HTTP_FIELDS = ['http.request.method', 'http.request.uri', 'http.response.code'];

test('http1: oracle (tshark, no desegmentation) on every corpus capture with HTTP', { skip: SKIP_NO_CORPUS }, () => {
  const files = manifest()
    .filter((r) => /(^|,)(http|ssdp)(,|$)/.test(r.protocols))
    .map((r) => r.file);
  assert.ok(files.length >= 25);
  const t: Record<string, FieldTally> = {};
  for (const f of files) compareFile(f, HTTP_FIELDS, t);
  for (const name of HTTP_FIELDS) {
    const x = t[name];
    const a = agreement({ ...x, unreached: 0 });
    console.log(
      `  ${name}: ${x.agree} agree, ${x.disagree} disagree, ${x.missing} missing, ${x.extra} extra, ${x.unreached} in frames not reached yet: ${(a * 100).toFixed(2)}%`,
    );
    for (const e of x.examples.slice(0, 5)) console.log(`    ${e}`);
    assert.ok(x.agree > 250, name);
    assert.equal(x.disagree, 0, name);
    assert.equal(x.extra, 0, name);
    assert.ok(a >= 0.995, `${name} agreement ${a}`);
  }
});

test('http1: random and mutated segments never throw out of the frame loop (fuzz)', () => {
  const good = bytes(`${REQ}${RESP}HTTP/1.1 101 x\r\nUpgrade: h2c\r\n\r\n\x00\x00\x00\x04\x00\x00\x00\x00\x00`);
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
      (p) => {
        const f = analyse(seg(p));
        assert.ok(!f.issues.some((i) => i.kind === 'bug'), JSON.stringify(f.issues));
        for (const l of f.layers) details(f, l, defaultRegistry);
      },
    ),
    { numRuns: 2000 },
  );
});

test('http1: tshark decodes our capture the same way (pipelining, chunked, gzip/deflate/br, 1xx, HEAD, 204/304, h2c)', {
  skip: SKIP_NO_TSHARK,
}, async () => {
  const { frameBytes } = await import('../../src/protocols/http2.js');
  const text = (s: string) => new TextEncoder().encode(s);
  const body = (coding: string, s: string) =>
    coding === 'gzip' ? gzipSync(text(s)) : coding === 'deflate' ? deflateSync(text(s)) : brotliCompressSync(text(s));
  const resp = (head: string, b: Uint8Array, chunked: boolean) => {
    const parts: Uint8Array[] = [text(head)];
    if (chunked) {
      const half = b.length >> 1;
      for (const p of [b.subarray(0, half), b.subarray(half)])
        parts.push(text(`${p.length.toString(16)}\r\n`), p, text('\r\n'));
      parts.push(text('0\r\n\r\n'));
    } else parts.push(b);
    return Buffer.concat(parts);
  };
  const gz = body('gzip', 'hello gzip world');
  const df = body('deflate', 'hello deflate world');
  const br = body('br', 'hello brotli world');
  const segs: Segment[] = [
    {
      dir: 0,
      data: 'GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\nHEAD /c HTTP/1.1\r\nHost: x\r\n\r\n',
    },
    { dir: 1, data: resp('HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n', gz, true) },
    {
      dir: 1,
      data: resp(`HTTP/1.1 200 OK\r\nContent-Encoding: deflate\r\nContent-Length: ${df.length}\r\n\r\n`, df, false),
    },
    { dir: 1, data: 'HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\n' },
    { dir: 0, data: 'POST /up HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n' },
    { dir: 1, data: 'HTTP/1.1 100 Continue\r\n\r\n' },
    { dir: 0, data: 'data' },
    {
      dir: 1,
      data: resp(`HTTP/1.1 201 Created\r\nContent-Encoding: br\r\nContent-Length: ${br.length}\r\n\r\n`, br, false),
    },
    { dir: 0, data: 'GET /d HTTP/1.1\r\nHost: x\r\n\r\nGET /e HTTP/1.1\r\nHost: x\r\n\r\n' },
    { dir: 1, data: 'HTTP/1.1 204 No Content\r\n\r\nHTTP/1.1 304 Not Modified\r\n\r\n' },
    {
      dir: 0,
      data: 'GET /up HTTP/1.1\r\nHost: x\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABk\r\n\r\n',
    },
    {
      dir: 1,
      data: Buffer.concat([
        text('HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\n'),
        frameBytes({ type: 4, settings: [[3, 100]] }),
      ]),
    },
    { dir: 0, data: Buffer.concat([text('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'), frameBytes({ type: 4, settings: [] })]) },
    { dir: 1, data: Buffer.concat([frameBytes({ type: 4, flags: 1 }), frameBytes({ type: 8, increment: 100 })]) },
  ];
  const frames = conversation(segs, { ports: [40000, 80] });
  const path = writeTemp(frames);
  const names = [
    'http.request.method',
    'http.request.uri',
    'http.request.version',
    'http.response.code',
    'http.response.phrase',
    'http.response.version',
    'http2.type',
    'http2.streamid',
  ];
  const rows = tsharkFields(path, names, { desegment: false });
  let compared = 0;
  for (const [i, fr] of frames.entries()) {
    const f = analyse(fr);
    for (const n of names) {
      const vals: string[] = [];
      for (const l of f.layers) {
        const fn = defaultRegistry.byName(l.protocol)?.computed?.[n];
        const v = fn?.(l, f, defaultRegistry);
        if (v !== undefined) vals.push(...(Array.isArray(v) ? v.map(String) : [String(v)]));
      }
      assert.equal(vals.join(','), rows[i][n], `frame ${i + 1} ${n}`);
      if (vals.length) compared++;
    }
  }
  assert.ok(compared >= 30, `compared ${compared}`);
  // Bodies, desegmented: tshark's de-chunked, decompressed file data = our stream parser + decodeContent.
  const whole = tsharkFields(path, ['http.file_data', 'http.response.code'], { desegment: true, aggregator: '|' });
  const theirs = whole.filter((r) => r['http.file_data']).map((r) => r['http.file_data']);
  const c = conn('http1', { ports: [40000, 80] });
  for (const s of segs) c.feed(s.dir, s.data);
  c.end();
  const ours = c.messages
    .filter((m) => m.protocol === 'http1' && fieldsOf(m).bodyLength > 0 && fieldsOf(m).type === 'response')
    .map((m) => new TextDecoder().decode(decodeContent(fieldsOf(m).body, fieldsOf(m).contentEncoding).data));
  assert.deepEqual(ours, ['hello gzip world', 'hello deflate world', 'hello brotli world']);
  assert.deepEqual(
    theirs.filter((t) => t.startsWith('hello')),
    ours.slice(0, theirs.filter((t) => t.startsWith('hello')).length),
  );
  assert.ok(theirs.length >= 2);
  assert.deepEqual(
    c.messages.filter((m) => m.protocol === 'http2').map((m) => (m.fields as { name: string }).name),
    ['SETTINGS', 'MAGIC', 'SETTINGS', 'SETTINGS', 'WINDOW_UPDATE'],
  );
});
