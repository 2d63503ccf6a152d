import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { analyse, defaultRegistry, type Frame, readFramesSync } from '../../src/index.js';
import { ConvCollector } from '../../src/stages/conv.js';
import { FollowTcp } from '../../src/stages/follow.js';
import { StreamRun } from '../../src/stages/reassembly.js';
import { corpusPath, SKIP_NO_CORPUS } from '../helpers/corpus.js';

const FILES = ['pcapplusplus__frag_http_req.pcap', 'zeek__tcp_reassembly.pcap', 'pcapplusplus__ip6_fragments.pcap'];

test('fuzz: mutated frames through every stream stage never throw and stay bounded', { skip: SKIP_NO_CORPUS }, () => {
  const originals = FILES.flatMap((f) =>
    [...readFramesSync(corpusPath(f))].map((x) => x.bytes.u8.slice(x.start, x.end)),
  );
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.nat(originals.length - 1), fc.array(fc.tuple(fc.nat(), fc.nat(255)), { maxLength: 6 })), {
        minLength: 1,
        maxLength: 120,
      }),
      (plan) => {
        const run = new StreamRun({
          registry: defaultRegistry,
          ipv4: { maxBytes: 1 << 20 },
          ipv6: true,
          tcp: { maxBuffered: 1 << 20 },
          trace: { udp: true, bidirectional: true },
        });
        const fol = new FollowTcp();
        const conv = new ConvCollector(['tcp', 'udp', 'ip', 'ipv6']);
        run.walk.add(conv).add({
          segment(v) {
            fol.segment(String(v.t.sport), 'a', 'b', v.seq, v.ack, v.flags, v.claimed, v.data, v.frame.n);
          },
        });
        plan.forEach(([k, muts], i) => {
          const b = originals[k].slice();
          for (const [at, v] of muts) if (b.length > 0) b[at % b.length] = v;
          const f: Frame = { ...analyse(b), n: i + 1, tsSec: 1000 + i, tsNsec: 0 };
          run.defrag(f);
          conv.frame(f);
          run.flows(f);
          run.tracer!.push(f);
        });
        run.finish();
        run.tracer!.close();
        for (const t of conv.tables) t.format();
        assert.ok(run.v4!.stats.bufferedBytes <= (1 << 20) + 65_543);
        assert.ok(run.tcp!.stats.buffered <= 1 << 20);
      },
    ),
    { numRuns: 150 },
  );
});
