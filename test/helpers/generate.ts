/**
 * A generated capture for tests (fast: a pool of built frames is cycled): a realistic mix of IPv4/IPv6 × TCP/UDP with small,
 * medium and 1500-byte frames, built with the project's own builders and written with its pcap
 * writer. A pool of distinct frames (seeded, deterministic) is cycled with increasing timestamps, so
 * a million frames take a second or two to write.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { build } from '../../src/api/build.js';
import { PcapWriter } from '../../src/capture/write-pcap.js';
import { ip6, mac } from '../../src/core/addr.js';
import { payload } from '../../src/core/build.js';
import { ethernet, ipv4, ipv6, tcp, udp } from '../../src/protocols/index.js';

export interface GenerateOptions {
  readonly frames: number;
  readonly seed?: number;
  /** Distinct frames in the pool (default 2048). */
  readonly pool?: number;
  readonly nanosecond?: boolean;
  readonly byteOrder?: 'little' | 'big';
}

/** mulberry32: a small deterministic PRNG. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One frame of the mix. */
export function mixedFrame(r: () => number): Uint8Array {
  const v6 = r() < 0.35;
  const isTcp = r() < 0.65;
  const sz = r();
  // Frame sizes: 40 % small (ACKs, DNS), 20 % medium, 40 % full 1500-byte MTU frames.
  const l3 = v6 ? 40 : 20;
  const l4 = isTcp ? 20 : 8;
  const target = sz < 0.4 ? 60 + Math.floor(r() * 60) : sz < 0.6 ? 200 + Math.floor(r() * 400) : 1514;
  const plen = Math.max(0, target - 14 - l3 - l4);
  const data = new Uint8Array(plen);
  for (let i = 0; i < plen; i++) data[i] = (r() * 256) | 0;
  const host = (n: number) => Math.floor(r() * n);
  const eth = ethernet.make({
    src: mac(`02:00:00:00:00:${(1 + host(200)).toString(16).padStart(2, '0')}`),
    dst: mac('02:00:00:00:01:01'),
  });
  const net = v6
    ? ipv6.make({
        src: ip6(`2001:db8::${(1 + host(5000)).toString(16)}`),
        dst: ip6(`2001:db8:1::${(1 + host(50)).toString(16)}`),
      })
    : ipv4.make({ src: (0x0a000000 + host(65000)) >>> 0, dst: (0xc0a80000 + host(250)) >>> 0, id: host(65536), df: 1 });
  const sport = 1024 + host(60000);
  const dport = [80, 443, 53, 8080, 22][host(5)];
  const tr = isTcp
    ? tcp.make({
        srcport: sport,
        dstport: dport,
        seq: host(2 ** 32),
        ack: host(2 ** 32),
        flagAck: 1,
        flagPsh: plen > 0 ? 1 : 0,
        window: 65535,
      })
    : udp.make({ srcport: sport, dstport: dport });
  return build(eth, net, tr, payload(data));
}

/** Write `frames` frames to `path`; returns the number of bytes written. */
export function generateCapture(path: string, o: GenerateOptions): number {
  const r = rng(o.seed ?? 1);
  const pool: Uint8Array[] = [];
  for (let i = 0; i < (o.pool ?? 2048); i++) pool.push(mixedFrame(r));
  const w = new PcapWriter({ nanosecond: o.nanosecond, byteOrder: o.byteOrder });
  const fd = openSync(path, 'w');
  let bytes = 0;
  try {
    const h = w.header();
    writeSync(fd, h);
    bytes += h.length;
    let sec = 1_700_000_000;
    let nsec = 0;
    const BATCH = 8192;
    for (let n = 0; n < o.frames; n += BATCH) {
      const k = Math.min(BATCH, o.frames - n);
      const recs = new Array(k);
      for (let i = 0; i < k; i++) {
        nsec += 7_000 + ((n + i) % 13) * 1_000;
        if (nsec >= 1e9) {
          sec++;
          nsec -= 1e9;
        }
        recs[i] = { data: pool[(n + i) % pool.length], tsSec: sec, tsNsec: nsec };
      }
      const buf = w.records(recs);
      writeSync(fd, buf);
      bytes += buf.length;
    }
  } finally {
    closeSync(fd);
  }
  return bytes;
}
