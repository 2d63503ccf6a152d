import assert from 'node:assert/strict';
import { test } from 'node:test';
import { analyse, build, defaultRegistry, details, find, ip, mac, payload } from '../../src/index.js';
import { ethernet, ipv4, ipv6, tcp, udp } from '../../src/protocols/index.js';

test('build → analyse: Ethernet/IPv4/UDP with derived lengths and checksums', () => {
  const bytes = build(
    ethernet.make({ src: mac('02:00:00:00:00:01'), dst: mac('ff:ff:ff:ff:ff:ff') }),
    ipv4.make({ src: ip('10.0.0.1'), dst: ip('10.0.0.2'), id: 0x1234 }),
    udp.make({ srcport: 5353, dstport: 53 }),
    payload('hello'),
  );
  assert.equal(bytes.length, 14 + 20 + 8 + 5);
  const f = analyse(bytes, { checksums: true });
  assert.deepEqual(f.issues, []);
  assert.deepEqual(
    f.layers.map((l) => l.protocol),
    ['ethernet', 'ipv4', 'udp'],
  );
  const eth = find(f, 'ethernet')!;
  assert.equal(eth.fields.type, 0x0800);
  const ip4 = find(f, 'ipv4')!;
  assert.equal(ip4.fields.len, 33);
  assert.equal(ip4.fields.proto, 17);
  assert.equal(ip4.fields.hdrLen, 20);
  assert.equal(ip4.fields.ttl, 64);
  assert.equal(ip4.fields.id, 0x1234);
  const u = find(f, 'udp')!;
  assert.equal(u.fields.length, 13);
  assert.equal(u.fields.dstport, 53);
  assert.notEqual(u.fields.checksum, 0);
});

test('build → analyse: TCP with options and flags', () => {
  const opts = [
    { kind: 2, mss: 1460 },
    { kind: 4 },
    { kind: 8, tsval: 1, tsecr: 2 },
    { kind: 1 },
    { kind: 3, shift: 7 },
  ];
  const bytes = build(
    ethernet.make(),
    ipv4.make({ src: ip('192.0.2.1'), dst: ip('192.0.2.2') }),
    tcp.make({ srcport: 40000, dstport: 80, seq: 0xfffffff0, flagSyn: 1, window: 65535 }, opts),
  );
  const f = analyse(bytes, { checksums: true, details: true });
  assert.deepEqual(f.issues, []);
  const t = find(f, 'tcp')!;
  assert.equal(t.fields.hdrLen, 20 + 20);
  assert.equal(t.fields.flags, 0x002);
  assert.equal(t.fields.flagSyn, 1);
  assert.equal(t.fields.seq, 0xfffffff0);
  const d = details<{ kind: number; name: string }[]>(f, t, defaultRegistry)!;
  assert.deepEqual(
    d.map((o) => o.name),
    ['mss', 'sack_perm', 'timestamp', 'nop', 'wscale'],
  );
  assert.equal((d[0] as unknown as { mss: number }).mss, 1460);
});

test('analyse: a corrupted checksum is reported, not enforced', () => {
  const bytes = build(
    ethernet.make(),
    ipv4.make({ src: ip('10.0.0.1'), dst: ip('10.0.0.2') }),
    udp.make({ srcport: 1, dstport: 2 }),
    payload('x'),
  );
  bytes[14 + 10] ^= 0xff; // IPv4 header checksum
  const f = analyse(bytes, { checksums: true });
  assert.deepEqual(
    f.issues.map((i) => i.code),
    ['ipv4.bad_checksum'],
  );
  assert.equal(f.layers.length, 3);
});

test('analyse: short IPv4 header keeps partial fields and marks the layer', () => {
  const bytes = build(
    ethernet.make(),
    ipv4.make({ src: ip('10.0.0.1'), dst: ip('10.0.0.2') }),
    udp.make({ srcport: 1, dstport: 2 }),
  );
  const cut = bytes.subarray(0, 14 + 13);
  const f = analyse(cut);
  assert.equal(f.layers.length, 2);
  const l = f.layers[1];
  assert.equal(l.complete, false);
  assert.equal((l.fields as { ttl?: number }).ttl, 64);
  assert.equal((l.fields as { src?: number }).src, undefined);
  assert.equal(f.issues[0].code, 'ipv4.short');
  assert.equal(f.issues[0].kind, 'malformed');
  assert.equal(f.issues[0].need, 20);
  assert.equal(f.issues[0].have, 13);
});

test('analyse: a length field claiming too much is recorded with its source and dissection continues', () => {
  const bytes = build(
    ethernet.make(),
    ipv4.make({ src: ip('10.0.0.1'), dst: ip('10.0.0.2') }),
    udp.make({ srcport: 1, dstport: 2 }),
    payload('abc'),
  );
  new DataView(bytes.buffer).setUint16(14 + 2, 200); // ip.len
  const f = analyse(bytes);
  assert.equal(f.issues[0].code, 'ipv4.length_exceeds');
  assert.equal(f.issues[0].lenSource, 'ip.len');
  assert.ok(find(f, 'udp'));
});

test('build → analyse: IPv6/UDP checksum uses the IPv6 pseudo-header', async () => {
  const { ipv6 } = await import('../../src/protocols/ipv6.js');
  const { ip6 } = await import('../../src/index.js');
  const bytes = build(
    ethernet.make(),
    ipv6.make({ src: ip6('2001:db8::1'), dst: ip6('2001:db8::2'), flow: 0x12345 }),
    udp.make({ srcport: 546, dstport: 547 }),
    payload('dhcp6'),
  );
  const f = analyse(bytes, { checksums: true });
  assert.deepEqual(f.issues, []);
  const l = find(f, 'ipv6')!;
  assert.equal(l.fields.nxt, 17);
  assert.equal(l.fields.plen, 13);
  assert.equal(l.fields.flow, 0x12345);
  assert.equal(find(f, 'ethernet')!.fields.type, 0x86dd);
});

test("find: 'ip' matches IPv4 and IPv6 (PyPCAPKit's IP in frame)", async () => {
  const { ipv6 } = await import('../../src/protocols/ipv6.js');
  const { ip6, has } = await import('../../src/index.js');
  const v6 = analyse(
    build(ethernet.make(), ipv6.make({ src: ip6('::1'), dst: ip6('::2') }), udp.make({ srcport: 1, dstport: 2 })),
  );
  const v4 = analyse(
    build(
      ethernet.make(),
      ipv4.make({ src: ip('10.0.0.1'), dst: ip('10.0.0.2') }),
      udp.make({ srcport: 1, dstport: 2 }),
    ),
  );
  assert.equal(find(v6, 'ip')?.protocol, 'ipv6');
  assert.equal(find(v4, 'ip')?.protocol, 'ipv4');
  assert.ok(has(v4, 'ip') && !has(v4, 'tcp'));
});

test('IPv6 without addresses builds as :: with a valid UDP checksum', () => {
  const bytes = build(ethernet.make(), ipv6.make(), udp.make({ srcport: 1, dstport: 2 }), payload('x'));
  const f = analyse(bytes, { checksums: true });
  const u = find(f, 'udp');
  assert.equal(u?.fields.checksum !== 0, true);
  assert.deepEqual(f.issues, []);
});
