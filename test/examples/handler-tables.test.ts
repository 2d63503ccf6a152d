/**
 * Every option/parameter handler table issue 7 names is real: a handler a user registers with
 * `registry.withHandler(table, kind, handler)` is the one that decodes that kind, and its fields
 * reach `details()` (hence every report). The kinds are the experimental ones (RFC 4727, RFC 6994).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import {
  analyse,
  type Bytes,
  build,
  defaultRegistry,
  details,
  ethernet,
  extract,
  find,
  hip,
  hopopt,
  ip6,
  ipv4,
  ipv6,
  ipv6Opts,
  ipv6Route,
  mh,
  type OptionHandler,
  type PcapngHandler,
  payload,
  type Registry,
  udp,
} from '../../src/index.js';
import { Ng } from '../helpers/pcapng.js';

const exp: OptionHandler = { name: 'acme', decode: (b, s, e) => ({ first: b.u8[s], size: e - s }) };
const d = (...x: number[]) => Uint8Array.of(...x);
const v6 = () => ipv6.make({ src: ip6('2001:db8::1'), dst: ip6('2001:db8::2') });
function decoded(bytes: Uint8Array, reg: Registry, layer: string): unknown {
  const f = analyse(bytes, { registry: reg });
  assert.deepEqual(f.issues, []);
  return details(f, find(f, layer)!, reg);
}

test('handler tables: IPv4 options (ipv4.option)', () => {
  const reg = defaultRegistry.withHandler('ipv4.option', 30, exp);
  const bytes = build(ethernet.make(), ipv4.make({}, [{ kind: 30, data: d(7, 8) }]));
  assert.deepEqual(decoded(bytes, reg, 'ipv4'), [{ kind: 30, name: 'acme', length: 4, first: 7, size: 2 }]);
  assert.deepEqual(decoded(bytes, defaultRegistry, 'ipv4'), [{ kind: 30, name: 'exp', length: 4, data: '0708' }]);
});

test('handler tables: IPv6 Hop-by-Hop and Destination options (ipv6.option)', () => {
  const reg = defaultRegistry.withHandler('ipv6.option', 0x1e, exp).withHandler('ipv6.option', 0x3e, exp);
  const hbh = build(ethernet.make(), v6(), hopopt.make({}, [{ kind: 0x1e, data: d(9, 9) }]), udp.make(), payload('x'));
  assert.deepEqual((decoded(hbh, reg, 'hopopt') as unknown[])[0], {
    kind: 0x1e,
    name: 'acme',
    action: 0,
    change: 0,
    length: 2,
    first: 9,
    size: 2,
  });
  const dst = build(
    ethernet.make(),
    v6(),
    ipv6Opts.make({}, [{ kind: 0x3e, data: d(5, 5) }]),
    udp.make(),
    payload('x'),
  );
  assert.deepEqual((decoded(dst, reg, 'ipv6_opts') as unknown[])[0], {
    kind: 0x3e,
    name: 'acme',
    action: 0,
    change: 1,
    length: 2,
    first: 5,
    size: 2,
  });
});

test('handler tables: IPv6 routing types (ipv6.routing)', () => {
  const reg = defaultRegistry.withHandler('ipv6.routing', 253, exp);
  const bytes = build(
    ethernet.make(),
    v6(),
    ipv6Route.make({ type: 253, segleft: 0 }, { data: d(1, 2, 3, 4) }),
    udp.make(),
    payload('x'),
  );
  assert.deepEqual(decoded(bytes, reg, 'ipv6_route'), { typeName: 'acme', first: 1, size: 4 });
});

test('handler tables: Mobility options (mh.option) and message types (mh.type)', () => {
  const reg = defaultRegistry.withHandler('mh.option', 253, exp);
  const bytes = build(
    ethernet.make(),
    v6(),
    mh.make({ mhtype: 6 }, { status: 0, sequence: 1, lifetime: 2, options: [{ kind: 253, data: d(4, 4) }] }),
  );
  const v = decoded(bytes, reg, 'mh') as { options: unknown[] };
  assert.deepEqual(v.options, [{ kind: 253, name: 'acme', length: 2, first: 4, size: 2 }]);
  assert.ok(defaultRegistry.handler('mh.type', 6), 'mh.type is a handler table too');
});

test('handler tables: HIP parameters (hip.parameter)', () => {
  const reg = defaultRegistry.withHandler('hip.parameter', 4242, exp);
  const bytes = build(ethernet.make(), v6(), hip.make({ packetType: 1 }, [{ type: 4242, data: '0102' }] as never));
  assert.deepEqual(decoded(bytes, reg, 'hip'), [
    { type: 4242, name: 'acme', critical: 0, length: 2, first: 1, size: 2 },
  ]);
});

test('handler tables: pcapng block types (pcapng.block) and block options (pcapng.<shb|idb|epb>.option)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pcapkit-ng-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  // A local-use block type (high bit set: draft-ietf-opsawg-pcapng §10.1) and local options 0x8001…
  const block: PcapngHandler = {
    name: 'acme-marker',
    decode: (b: Bytes, s: number, _e: number, le?: boolean) => ({ marker: b.dv.getUint32(s, le), littleEndian: le }),
  };
  const opt = (name: string): PcapngHandler => ({ name, decode: (b, s, _e, le) => ({ value: b.dv.getUint16(s, le) }) });
  const reg = defaultRegistry
    .withHandler('pcapng.block', 0x80000001, block)
    .withHandler('pcapng.shb.option', 0x8001, opt('acme-shb'))
    .withHandler('pcapng.idb.option', 0x8002, opt('acme-idb'))
    .withHandler('pcapng.epb.option', 0x8003, opt('acme-epb'));
  for (const le of [true, false]) {
    const ng = new Ng(le);
    const frame = build(ethernet.make(), ipv4.make(), udp.make(), payload('x'));
    const file = join(dir, `t-${le}.pcapng`);
    writeFileSync(
      file,
      ng.cat(
        ng.shb(ng.opt(0x8001, ng.u16(11))),
        ng.idb(1, 65535, ng.opt(0x8002, ng.u16(22))),
        ng.block(0x80000001, ng.u32(0xcafe)),
        ng.epb(0, 0n, frame, frame.length, ng.opt(0x8003, ng.u16(33))),
      ),
    );
    const x = extract(file, { registry: reg, store: true, onWarning: () => {} });
    await x.run();
    const info = x.info!;
    assert.deepEqual(info.sections[0].unknown, [
      { code: 0x8001, data: le ? '0b00' : '000b', name: 'acme-shb', fields: { value: 11 } },
    ]);
    assert.deepEqual(info.sections[0].interfaces[0].unknown, [
      { code: 0x8002, data: le ? '1600' : '0016', name: 'acme-idb', fields: { value: 22 } },
    ]);
    const b = info.blocks.find((r) => r.kind === 'unknown');
    assert.deepEqual(b && { ...b }, {
      kind: 'unknown',
      beforeFrame: 1,
      section: 0,
      type: 0x80000001,
      length: 16,
      name: 'acme-marker',
      fields: { marker: 0xcafe, littleEndian: le },
    });
    assert.deepEqual(x.frames[0].opts?.unknown, [
      { code: 0x8003, data: le ? '2100' : '0021', name: 'acme-epb', fields: { value: 33 } },
    ]);
    // Without handlers: the bytes only.
    const y = extract(file, { store: true, onWarning: () => {} });
    await y.run();
    assert.deepEqual(y.frames[0].opts?.unknown, [{ code: 0x8003, data: le ? '2100' : '0021' }]);
  }
});
