import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  type AppMessage,
  builtins,
  createRegistry,
  defineProtocol,
  type Frame,
  reassemble,
  type StreamChunk,
  streamStages,
} from '../../src/index.js';
import { framesOf, tcpPacket } from './helpers.js';

/** A line protocol: one message per '\n'-terminated line; announces a data port on "PORT n". */
const lines = defineProtocol({
  name: 'lines',
  abbrev: 'lines',
  title: 'Lines',
  layer: 'application',
  decode: () => ({}),
  bind: { 'tcp.port': [7777] },
  stream(ctx, dir) {
    let buf = '';
    let frames: number[] = [];
    const out = (complete: boolean): AppMessage => ({
      protocol: 'lines',
      dir,
      frames,
      complete,
      fields: { line: buf },
    });
    return {
      push(c: StreamChunk) {
        const msgs: AppMessage[] = [];
        for (const ch of new TextDecoder().decode(c.data)) {
          if (!frames.includes(c.frames[0])) frames.push(c.frames[0]);
          if (ch === '\n') {
            const m = out(true);
            const port = /^PORT (\d+)$/.exec(buf);
            if (port) ctx.run.expect(ctx.endpoints.addr[1], Number(port[1]), 'data');
            msgs.push(m);
            buf = '';
            frames = [];
          } else buf += ch;
        }
        return msgs;
      },
      end: () => (buf ? [out(false)] : []),
    };
  },
});
const data = defineProtocol({
  name: 'data',
  abbrev: 'xdata',
  title: 'Data',
  layer: 'application',
  decode: () => ({}),
  stream: (_ctx, dir) => {
    let n = 0;
    return {
      push: (c) => {
        n += c.data.length;
        return [];
      },
      end: () => [{ protocol: 'data', dir, frames: [], complete: true, fields: { bytes: n } }],
    };
  },
});
const registry = createRegistry([...builtins, lines, data]);

const C = { src: '10.0.0.1', dst: '10.0.0.2', sport: 40000, dport: 7777 };
const S = { src: '10.0.0.2', dst: '10.0.0.1', sport: 7777, dport: 40000 };
const D = { src: '10.0.0.1', dst: '10.0.0.2', sport: 40001, dport: 9000 };

async function run(frames: Frame[]): Promise<Frame[]> {
  const { stages } = streamStages({ registry, tcp: true });
  let src: AsyncIterable<readonly Frame[]> = (async function* () {
    yield frames.slice(0, 3);
    yield frames.slice(3);
  })();
  for (const s of stages) src = s(src);
  const out: Frame[] = [];
  for await (const b of src) out.push(...b);
  return out;
}

test('application messages spanning segments land on the frame that completed them', async () => {
  const fr = framesOf([
    tcpPacket({ ...C, seq: 100, flags: { syn: 1 } }),
    tcpPacket({ ...S, seq: 900, ack: 101, flags: { syn: 1, ack: 1 } }),
    tcpPacket({ ...C, seq: 101, ack: 901, data: 'GET a ' }),
    tcpPacket({ ...C, seq: 113, ack: 901, data: 'done\nPORT 9000\n' }), // out of order
    tcpPacket({ ...C, seq: 107, ack: 901, data: 'long l' }),
    tcpPacket({ ...C, seq: 128, ack: 901, data: 'tail' }),
    tcpPacket({ ...D, seq: 5, flags: { syn: 1 } }),
    tcpPacket({ ...D, seq: 6, ack: 1, data: 'payload' }),
  ]);
  const out = await run(fr);
  const msgs = (n: number) => ((out[n - 1].messages ?? []) as AppMessage[]).map((m) => m.fields);
  assert.deepEqual(msgs(3), []);
  assert.deepEqual(msgs(4), []);
  assert.deepEqual(msgs(5), [{ line: 'GET a long ldone' }, { line: 'PORT 9000' }]);
  // the data connection to the announced port is parsed by 'data'; the end of input flushes
  // both the unterminated line and the data count on the last frame
  assert.deepEqual(msgs(8), [{ line: 'tail' }, { bytes: 7 }]);
  assert.equal(out[4].flow, 0);
  assert.equal(out[7].flow, 1);
  // reassembled TCP pieces are recorded on frames too
  assert.ok((out[4].reassembled ?? []).length >= 2);
});

test('reassemble("tcp") gives each direction with its messages and gaps', () => {
  const r = reassemble('tcp', { registry });
  const fr = framesOf([
    tcpPacket({ ...C, seq: 100, flags: { syn: 1 } }),
    tcpPacket({ ...C, seq: 101, data: 'one\n' }),
    tcpPacket({ ...C, seq: 110, data: 'two\n' }),
    tcpPacket({ ...C, seq: 114, flags: { fin: 1, ack: 1 } }),
  ]);
  const out = r.run(fr);
  assert.equal(out.length, 2);
  const d0 = out.find((x) => x.dir === 0)!;
  assert.equal(new TextDecoder().decode(d0.payload), 'one\ntwo\n');
  assert.deepEqual(d0.gaps, [{ offset: 4, length: 5 }]);
  assert.equal(d0.complete, false);
  assert.deepEqual(
    d0.messages.map((m) => m.fields),
    [{ line: 'one' }, { line: 'two' }],
  );
  assert.equal(r.index(3), r.datagrams.indexOf(d0));
});
