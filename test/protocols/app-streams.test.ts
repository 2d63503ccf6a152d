/**
 * The stream parsers on the corpus, through a stand-in for the reassembly and app stages: every
 * HTTP/1 message, FTP command and reply tshark shows (per packet, each once) comes out of our
 * parsers in the same order; every HTTP/2 frame comes out and every header block decodes with
 * the connection's HPACK context; FTP data connections are found through PORT/PASV/EPRT/EPSV.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { corpusFrames, registryFor } from '../helpers/app-corpus.js';
import { manifest, oraclePackets, SKIP_NO_CORPUS } from '../helpers/corpus.js';
import { runApp } from '../helpers/mini-app-stage.js';
import { retransmissions } from '../helpers/oracle-compare.js';

function load(file: string) {
  const reg = registryFor(file);
  const frames = corpusFrames(file, reg);
  const res = runApp(frames, reg);
  const o = oraclePackets(file);
  const retrans = retransmissions(o);
  const reached = new Set(frames.filter((f) => f.layers.some((l) => l.protocol === 'tcp')).map((f) => f.n));
  const num = o.col('frame.number');
  // Oracle values over TCP, in frame order, each message once: not in retransmitted segments (which
  // a reassembler drops and tshark mostly skips) and not in frames our link layers cannot reach yet.
  const oracle = (name: string) =>
    o.rows
      .filter((r) => reached.has(Number(r[num])) && !retrans.has(Number(r[num])))
      .flatMap((r) => (r[o.col(name)] ? r[o.col(name)].split(',') : []));
  const ours = (proto: string, key: string) =>
    res.messages
      .filter((m) => m.protocol === proto)
      .map((m) => (m.fields as Record<string, unknown>)[key])
      .filter((x) => x !== undefined)
      .map(String);
  return { res, oracle, ours, o };
}

const files = (re: RegExp) =>
  manifest()
    .filter((r) => re.test(r.protocols))
    .map((r) => r.file);

test('app streams: HTTP/1 messages over reassembled corpus streams match tshark', { skip: SKIP_NO_CORPUS }, () => {
  let n = 0;
  for (const file of files(/(^|,)http(,|$)/)) {
    const { oracle, ours } = load(file);
    // SSDP (HTTP over UDP) is per packet only.
    const udpFree = (name: string) => oracle(name).filter((v) => v !== 'NOTIFY' && v !== 'M-SEARCH');
    assert.deepEqual(ours('http1', 'method'), udpFree('http.request.method'), `${file} methods`);
    assert.deepEqual(ours('http1', 'code'), oracle('http.response.code'), `${file} codes`);
    n += ours('http1', 'method').length;
  }
  assert.ok(n > 300, `${n} requests`);
});

test('app streams: HTTP/2 frames and header blocks over reassembled corpus streams', { skip: SKIP_NO_CORPUS }, () => {
  let blocks = 0;
  for (const file of files(/(^|,)http2(,|$)/)) {
    const { res, oracle } = load(file);
    const h2 = res.messages.filter((m) => m.protocol === 'http2');
    const types = h2
      .map((m) => (m.fields as { type: number }).type)
      .filter((t) => t >= 0)
      .sort();
    assert.deepEqual(types.map(String), oracle('http2.type').sort(), `${file} frame types`);
    for (const m of h2) {
      const f = m.fields as { endHeaders?: boolean; headers?: unknown; name: string };
      assert.equal(m.notes, undefined, `${file}: ${f.name} ${m.notes}`);
      if (f.endHeaders) {
        assert.ok(Array.isArray(f.headers), `${file}: header block decoded`);
        blocks++;
      }
    }
  }
  assert.ok(blocks >= 150, `${blocks} header blocks`);
});

test('app streams: FTP commands, replies and data connections over reassembled corpus streams', {
  skip: SKIP_NO_CORPUS,
}, () => {
  let dataConns = 0;
  for (const file of files(/(^|,)ftp(,|$)/)) {
    const { res, oracle, ours, o } = load(file);
    assert.deepEqual(ours('ftp', 'command'), oracle('ftp.request.command'), `${file} commands`);
    assert.deepEqual(ours('ftp', 'code'), oracle('ftp.response.code'), `${file} reply codes`);
    // Every connection tshark labels ftp-data was announced on the control connection.
    const streamCol = o.col('tcp.stream');
    const protoCol = o.col('frame.protocols');
    const ftpData = new Set(o.rows.filter((r) => r[protoCol].includes('ftp-data')).map((r) => r[streamCol]));
    const ourData = res.conns.filter((c) => c.protocol === 'ftp-data').length;
    assert.ok(ourData >= ftpData.size, `${file}: ${ourData} ftp-data connections, tshark ${ftpData.size}`);
    dataConns += ourData;
    for (const m of res.messages.filter((x) => x.protocol === 'ftp-data')) {
      assert.ok((m.fields as { length: number }).length > 0);
    }
  }
  assert.ok(dataConns >= 12, `${dataConns} data connections`);
});
