/**
 * FTP control and FTP-DATA: round trips, first-line decoding as tshark shows it, multi-line replies
 * (RFC 959 §4.2), PORT/PASV/EPRT/EPSV (RFC 2428) announcing the data connection, the stream parser,
 * the corpus oracle, tshark on a session we build, and a fuzz test.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { analyse, build, defaultRegistry, details, find, ip, payload } from '../../src/index.js';
import { type FtpDetails, type FtpMessage, parseEprt, parseEpsv, parseHostPort } from '../../src/protocols/ftp.js';
import type { FtpDataMessage } from '../../src/protocols/ftp-data.js';
import { ethernet, ftp, ftpData, ipv4, tcp } from '../../src/protocols/index.js';
import { bytes, conn, everySplit, strip } from '../helpers/app-stream.js';
import { manifest, SKIP_NO_CORPUS } from '../helpers/corpus.js';
import { agreement, compareFile, type FieldTally } from '../helpers/oracle-compare.js';
import { conversation, type Segment, SKIP_NO_TSHARK, tsharkFields, writeTemp } from '../helpers/tcp-conv.js';

const seg = (p: Uint8Array | string, srcport = 40000, dstport = 21) =>
  build(
    ethernet.make(),
    ipv4.make({ src: ip('10.0.0.1'), dst: ip('10.0.0.2') }),
    tcp.make({ srcport, dstport, flagAck: 1, flagPsh: 1 }),
    payload(p),
  );
const msg = (m: { fields: unknown }) => m.fields as FtpMessage;

test('ftp: build → analyse round trip (command and reply)', () => {
  const q = analyse(seg(build(ftp.make({ type: 'request', command: 'RETR', arg: 'dir/file name.txt' }))), {
    checksums: true,
  });
  assert.deepEqual(q.issues, []);
  const l = find(q, 'ftp')!;
  assert.deepEqual({ ...l.fields }, { type: 'request', command: 'RETR', arg: 'dir/file name.txt', lines: 1, size: 24 });
  assert.equal(ftp.computed!['ftp.request.command'](l, q, defaultRegistry), 'RETR');
  const r = analyse(seg(build(ftp.make({ type: 'response', code: 226, text: 'Transfer complete.' })), 21, 40000));
  const rl = find(r, 'ftp')!;
  assert.deepEqual(
    [rl.fields.type, rl.fields.code, rl.fields.more, rl.fields.text],
    ['response', 226, false, 'Transfer complete.'],
  );
  assert.equal(ftp.computed!['ftp.response.code'](rl, r, defaultRegistry), 226);
  const noArg = find(analyse(seg('PWD\r\n')), 'ftp')!;
  assert.deepEqual([noArg.fields.command, noArg.fields.arg], ['PWD', undefined]);
});

test('ftp: a multi-line reply in one segment: the first line as tshark shows it, every line in details', () => {
  const text = '211-Extensions supported:\r\n CLNT\r\n MDTM\r\n211 End.\r\n';
  const f = analyse(seg(text, 21, 40000));
  const l = find(f, 'ftp')!;
  assert.deepEqual(
    [l.fields.code, l.fields.more, l.fields.text, l.fields.lines],
    [211, true, 'Extensions supported:', 4],
  );
  const d = details<FtpDetails>(f, l, defaultRegistry)!;
  assert.deepEqual(
    d.lines.map((x) => [x.type, x.code ?? null, x.text ?? null]),
    [
      ['response', 211, 'Extensions supported:'],
      ['continuation', null, ' CLNT'],
      ['continuation', null, ' MDTM'],
      ['response', 211, 'End.'],
    ],
  );
  // A segment holding only the middle of a reply.
  const c = find(analyse(seg(' EPSV\r\n MDTM\r\n', 21, 40000)), 'ftp')!;
  assert.equal(c.fields.type, 'continuation');
  assert.equal(c.fields.code, undefined);
});

test('ftp: PORT, PASV (227), EPRT and EPSV (229) arguments', () => {
  assert.deepEqual(parseHostPort('141,142,220,235,131,46'), { addr: '141.142.220.235', port: 131 * 256 + 46 });
  assert.deepEqual(parseHostPort('Entering Passive Mode (192,168,1,2,19,137).'), { addr: '192.168.1.2', port: 5001 });
  assert.equal(parseHostPort('Entering Passive Mode (300,1,1,1,1,1)'), undefined);
  assert.deepEqual(parseEprt('|1|132.235.1.2|6275|'), { addr: '132.235.1.2', port: 6275 });
  assert.deepEqual(parseEprt('|2|2001:0470:1f11:081f:c999:0d94:aa7c:2e3e|49189|'), {
    addr: '2001:470:1f11:81f:c999:d94:aa7c:2e3e',
    port: 49189,
  });
  assert.equal(parseEprt('|3|x|1|'), undefined);
  assert.equal(parseEpsv('Entering Extended Passive Mode (|||6446|)'), 6446);
  assert.equal(parseEpsv('Entering Extended Passive Mode (!!!6446!)'), 6446);
  assert.equal(parseEpsv('Entering Extended Passive Mode'), undefined);
  const f = analyse(seg('227 Entering Passive Mode (10,0,0,2,195,80).\r\n', 21, 40000));
  const l = find(f, 'ftp')!;
  assert.equal(ftp.computed!['ftp.passive.ip'](l, f, defaultRegistry), '10.0.0.2');
  assert.equal(ftp.computed!['ftp.passive.port'](l, f, defaultRegistry), 50000);
  assert.deepEqual(details<FtpDetails>(f, l, defaultRegistry)!.lines[0].endpoint, { addr: '10.0.0.2', port: 50000 });
});

test('ftp-data: active mode from port 20 is labelled per packet; build round trip', () => {
  const f = analyse(seg(build(ftpData.make({ data: 'file contents' })), 20, 40001));
  const l = find(f, 'ftp-data')!;
  assert.equal(l.fields.size, 13);
  assert.equal(l.hdrEnd, f.end);
  assert.deepEqual(f.issues, []);
});

// ---------------------------------------------------------------------------------------------
// Stream parser.

const SESSION_C =
  'USER anonymous\r\nPASS x@y\r\nEPSV\r\nRETR a.txt\r\nPORT 10,0,0,1,156,64\r\nEPRT |2|2001:db8::1|40001|\r\nQUIT\r\n';
const SESSION_S =
  '220 Welcome\r\n331 Password\r\n230-Hello\r\n230-more\r\n 230 is not the end\r\n230 Logged in\r\n' +
  '229 Entering Extended Passive Mode (|||50010|)\r\n150 Opening\r\n226 Done\r\n' +
  '227 Entering Passive Mode (10,0,0,2,195,90)\r\n200 PORT ok\r\n200 EPRT ok\r\n221 Bye\r\n';

test('ftp stream: commands, multi-line replies, and the data connections announced to the run', () => {
  const c = conn('ftp', { ports: [40000, 21] });
  c.feed(0, SESSION_C);
  c.feed(1, SESSION_S);
  c.end();
  const cmds = c.messages.filter((m) => m.dir === 0).map(msg);
  assert.deepEqual(
    cmds.map((m) => [m.command, m.arg ?? null]),
    [
      ['USER', 'anonymous'],
      ['PASS', 'x@y'],
      ['EPSV', null],
      ['RETR', 'a.txt'],
      ['PORT', '10,0,0,1,156,64'],
      ['EPRT', '|2|2001:db8::1|40001|'],
      ['QUIT', null],
    ],
  );
  const replies = c.messages.filter((m) => m.dir === 1).map(msg);
  assert.deepEqual(
    replies.map((m) => m.code),
    [220, 331, 230, 229, 150, 226, 227, 200, 200, 221],
  );
  assert.deepEqual(replies[2].lines, ['230-Hello', '230-more', ' 230 is not the end', '230 Logged in']);
  assert.equal(replies[2].multiline, true);
  assert.deepEqual(c.run.expectations, [
    { addr: '10.0.0.1', port: 40000, protocol: 'ftp-data' },
    { addr: '2001:db8::1', port: 40001, protocol: 'ftp-data' },
    { addr: '10.0.0.2', port: 50010, protocol: 'ftp-data' }, // EPSV: the control connection's server
    { addr: '10.0.0.2', port: 195 * 256 + 90, protocol: 'ftp-data' }, // PASV: the announced address
  ]);
  assert.ok(c.messages.every((m) => m.complete && !m.notes));
});

test('ftp stream: the same messages at every split of each direction', () => {
  for (const [dir, data] of [
    [0, SESSION_C],
    [1, SESSION_S],
  ] as const) {
    const make = () => conn('ftp', { ports: [40000, 21] });
    const ref = make();
    ref.feed(dir, data);
    ref.end(dir);
    const want = strip(ref.messages);
    for (const run of everySplit(bytes(data), make, dir)) assert.deepEqual(strip(run), want);
  }
});

test('ftp stream: a gap ends the reply in progress and skips the broken line', () => {
  const c = conn('ftp', { ports: [40000, 21] });
  c.feed(1, '211-Features:\r\n MDTM\r\n SI');
  c.feed(1, 'ZE\r\n211 End\r\n200 ok\r\n', { gap: 5 });
  c.end();
  assert.deepEqual(
    c.messages.map((m) => [msg(m).code, m.complete, m.notes ?? []]),
    [
      [211, false, ['ftp.gap']],
      [211, true, ['ftp.gap']],
      [200, true, []],
    ],
  );
});

test('ftp stream: role by content when neither port is 21; cut line at the end', () => {
  const c = conn('ftp', { ports: [40000, 2121] });
  c.feed(1, '220 hi\r\n');
  c.feed(0, 'NOOP\r\nSTAT');
  c.end();
  assert.deepEqual(
    c.messages.map((m) => [m.dir, msg(m).type, msg(m).command ?? msg(m).code, m.complete]),
    [
      [1, 'response', 220, true],
      [0, 'request', 'NOOP', true],
      [0, 'request', 'STAT', false],
    ],
  );
});

test('ftp-data stream: the transfer comes out whole at the end, holes counted', () => {
  const c = conn('ftp-data', { ports: [20, 40000] });
  c.feed(0, 'hello ');
  c.feed(0, 'world', { gap: 3 });
  assert.equal(c.messages.length, 0);
  c.end();
  assert.equal(c.messages.length, 1);
  const m = c.messages[0];
  const f = m.fields as FtpDataMessage;
  assert.deepEqual([f.length, f.missing, new TextDecoder().decode(f.data)], [14, 3, 'hello world']);
  assert.equal(m.complete, false);
  assert.deepEqual(m.notes, ['ftp-data.gap']);
});

test('ftp stream: random chunking, gaps and junk never throw (property)', () => {
  const all = [bytes(SESSION_C), bytes(SESSION_S)];
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.boolean(), fc.nat(200), fc.integer({ min: -1, max: 9 }), fc.uint8Array({ maxLength: 30 })), {
        maxLength: 12,
      }),
      (steps) => {
        const c = conn('ftp', { ports: [40000, 21] });
        for (const [d, at, gap, junk] of steps) {
          const src = all[d ? 1 : 0];
          const piece = new Uint8Array([...junk, ...src.subarray(Math.min(at, src.length))]);
          c.feed(d ? 1 : 0, piece, { gap });
        }
        c.end();
        for (const m of c.messages) assert.equal(m.protocol, 'ftp');
      },
    ),
    { numRuns: 300 },
  );
});

// ---------------------------------------------------------------------------------------------

const FTP_FIELDS = ['ftp.request.command', 'ftp.request.arg', 'ftp.response.code'];

test('ftp: oracle (tshark, no desegmentation) on every corpus capture with FTP', { skip: SKIP_NO_CORPUS }, () => {
  const files = manifest()
    .filter((r) => /(^|,)ftp(,|$)/.test(r.protocols))
    .map((r) => r.file);
  assert.ok(files.length >= 6);
  const t: Record<string, FieldTally> = {};
  for (const f of files) compareFile(f, FTP_FIELDS, t);
  for (const name of FTP_FIELDS) {
    const x = t[name];
    const a = agreement({ ...x, unreached: 0 });
    console.log(
      `  ${name}: ${x.agree} agree, ${x.disagree} disagree, ${x.missing} missing, ${x.extra} extra, ${x.retransmitted} in retransmissions tshark does not dissect: ${(a * 100).toFixed(2)}%`,
    );
    for (const e of x.examples.slice(0, 5)) console.log(`    ${e}`);
    assert.ok(x.agree >= 40, name);
    assert.equal(x.disagree, 0, name);
    assert.equal(x.missing, 0, name);
    assert.equal(x.extra, 0, name);
    assert.ok(a >= 0.995, `${name} agreement ${a}`);
  }
});

test('ftp: tshark decodes our session (EPRT/EPSV/PASV/PORT, multi-line) the same way', { skip: SKIP_NO_TSHARK }, () => {
  const segs: Segment[] = [];
  const cl = SESSION_C.split(/(?<=\r\n)/);
  const sl = [
    '220 Welcome\r\n',
    '331 Password\r\n',
    '230-Hello\r\n230-more\r\n 230 is not the end\r\n230 Logged in\r\n',
  ];
  const rest = [
    '229 Entering Extended Passive Mode (|||50010|)\r\n',
    '150 Opening\r\n226 Done\r\n',
    '227 Entering Passive Mode (10,0,0,2,195,90)\r\n',
    '200 PORT ok\r\n',
    '200 EPRT ok\r\n',
    '221 Bye\r\n',
  ];
  segs.push({ dir: 1, data: sl[0] }, { dir: 0, data: cl[0] }, { dir: 1, data: sl[1] }, { dir: 0, data: cl[1] });
  segs.push({ dir: 1, data: sl[2] }, { dir: 0, data: cl[2] }, { dir: 1, data: rest[0] }, { dir: 0, data: cl[3] });
  segs.push(
    { dir: 1, data: rest[1] },
    { dir: 0, data: 'PASV\r\n' },
    { dir: 1, data: rest[2] },
    { dir: 0, data: cl[4] },
  );
  segs.push({ dir: 1, data: rest[3] }, { dir: 0, data: cl[5] }, { dir: 1, data: rest[4] }, { dir: 0, data: cl[6] });
  segs.push({ dir: 1, data: rest[5] });
  const frames = conversation(segs, { ports: [40000, 21] });
  const path = writeTemp(frames);
  const names = [
    'ftp.request.command',
    'ftp.request.arg',
    'ftp.response.code',
    'ftp.response.arg',
    'ftp.active.cip',
    'ftp.active.port',
    'ftp.passive.ip',
    'ftp.passive.port',
    'ftp.eprt.ipv6',
    'ftp.eprt.port',
    'ftp.epsv.port',
  ];
  const rows = tsharkFields(path, names, { desegment: false });
  let compared = 0;
  for (const [i, fr] of frames.entries()) {
    const f = analyse(fr);
    const l = find(f, 'ftp');
    for (const n of names) {
      const v = l ? ftp.computed![n](l, f, defaultRegistry) : undefined;
      const ours = v === undefined ? '' : String(v);
      assert.equal(ours, rows[i][n], `frame ${i + 1} ${n}`);
      if (ours) compared++;
    }
  }
  assert.ok(compared >= 30, `compared ${compared}`);
});

test('ftp: random and mutated segments never throw out of the frame loop (fuzz)', () => {
  const good = bytes(`${SESSION_S}${SESSION_C}`);
  fc.assert(
    fc.property(
      fc.oneof(
        fc.uint8Array({ maxLength: 200 }),
        fc.array(fc.tuple(fc.nat(good.length - 1), fc.integer({ min: 0, max: 255 })), { maxLength: 8 }).chain((muts) =>
          fc.nat(good.length).map((cut) => {
            const m = good.slice(0, cut);
            for (const [i, v] of muts) if (i < m.length) m[i] = v;
            return m;
          }),
        ),
      ),
      fc.constantFrom(20, 21),
      (p, port) => {
        const f = analyse(seg(p, 40000, port));
        assert.ok(!f.issues.some((i) => i.kind === 'bug'), JSON.stringify(f.issues));
        for (const l of f.layers) {
          details(f, l, defaultRegistry);
          for (const fn of Object.values(defaultRegistry.byName(l.protocol)?.computed ?? {})) fn(l, f, defaultRegistry);
        }
      },
    ),
    { numRuns: 1500 },
  );
});
