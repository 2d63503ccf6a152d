import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ipv4 } from '../../src/protocols/ipv4.js';
import { udp } from '../../src/protocols/udp.js';

// Reviewers see exactly what runs: the generated decoders are snapshot-tested (DESIGN §3.4).
test('compile: UDP decoder source', () => {
  const decode = udp.source.split('\n\n')[0];
  assert.equal(
    decode,
    [
      'return function decode(b, at, end) {',
      '  const dv = b.dv, u8 = b.u8;',
      '  return {',
      '    "srcport": dv.getUint16(at + 0),',
      '    "dstport": dv.getUint16(at + 2),',
      '    "length": dv.getUint16(at + 4),',
      '    "checksum": dv.getUint16(at + 6),',
      '  };',
      '}',
      '//# sourceURL=pcapkit:udp.decode',
    ].join('\n'),
  );
});

test('compile: IPv4 decoder reads masked and scaled fields', () => {
  const src = ipv4.source.split('\n\n')[0];
  assert.match(src, /"hdrLen": \(\(\(u8\[at \+ 0\] & 0xf\) >>> 0\) \* 4\)/);
  assert.match(src, /"fragOffset": \(\(dv.getUint16\(at \+ 6\) & 0x1fff\) >>> 0\)/);
  assert.equal(ipv4.minLen, 20);
});
