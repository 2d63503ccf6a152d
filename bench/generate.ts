/**
 * A large, realistic capture made with the project's own builders and writer: a mix of IPv4 and IPv6,
 * TCP (with timestamps/SACK options, handshakes, data and ACKs) and UDP (DNS-sized), frame sizes from
 * 60 to 1514 bytes, across many hosts and ports. Deterministic for a given seed.
 *   npx tsx bench/generate.ts [frames=1000000] [path=bench/out/mixed.pcap]
 */
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { build } from '../src/api/build.js';
import { PcapWriter, type RecordIn } from '../src/capture/write-pcap.js';
import { payload } from '../src/core/build.js';
import { ethernet, ipv4, ipv6, tcp, udp } from '../src/protocols/index.js';

/** xorshift32: fast, deterministic. */
function rng(seed: number) {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
}

export interface GenerateOptions {
  readonly frames?: number;
  readonly seed?: number;
  /** Distinct TCP connections in flight (each frame picks one). */
  readonly connections?: number;
}

const enc = new TextEncoder();
function dnsQuery(id: number, c: number): Uint8Array {
  const labels = [`host${c}`, 'example', 'com'];
  const name = labels.flatMap((l) => [l.length, ...enc.encode(l)]);
  return Uint8Array.of((id >>> 8) & 0xff, id & 0xff, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, ...name, 0, 0, 1, 0, 1);
}

/** Templates: each is one wire frame; the generator cycles through them with varying headers. */
export function* mixedFrames(opts: GenerateOptions = {}): Generator<RecordIn> {
  const n = opts.frames ?? 1_000_000;
  const r = rng(opts.seed ?? 1);
  const conns = opts.connections ?? 2048;
  const bodies = [
    new Uint8Array(0),
    new Uint8Array(100).fill(0x41),
    new Uint8Array(512).fill(0x42),
    new Uint8Array(1448).fill(0x43),
  ];
  const tsOpts = (i: number) => [{ kind: 1 }, { kind: 1 }, { kind: 8, tsval: i, tsecr: i - 1 }];
  let t = 1_700_000_000 * 1e6;
  for (let i = 0; i < n; i++) {
    t += 1 + Math.floor(r() * 200);
    const c = Math.floor(r() * conns);
    const v6 = c % 4 === 0;
    const kind = r();
    const src4 = 0x0a000000 + (c & 0xffff);
    const dst4 = 0xc0a80000 + ((c * 7) & 0xffff);
    const src6 = [0x20010db8, 0, 0, c] as const;
    const dst6 = [0x20010db8, 1, 0, c * 3] as const;
    const inet = v6
      ? ipv6.make({ src: src6, dst: dst6, hlim: 64 })
      : ipv4.make({ src: src4, dst: dst4, id: i & 0xffff, df: 1 });
    let data: Uint8Array;
    if (kind < 0.22) {
      // a DNS query (RFC 1035 §4.1) for a name that varies with the connection
      data = build(
        ethernet.make({ src: 0x020000000001, dst: 0x020000000002 }),
        inet,
        udp.make({ srcport: 10000 + c, dstport: 53 }),
        payload(dnsQuery(i, c)),
      );
    } else {
      const toServer = kind < 0.45;
      const body = toServer ? bodies[kind < 0.3 ? 1 : 0] : bodies[kind < 0.6 ? 2 : 3];
      const syn = kind > 0.995;
      data = build(
        ethernet.make({ src: 0x020000000001, dst: 0x020000000002 }),
        inet,
        tcp.make(
          {
            srcport: toServer ? 20000 + c : 443,
            dstport: toServer ? 443 : 20000 + c,
            seq: (i * 1448) >>> 0,
            ack: (i * 100) >>> 0,
            flagAck: syn ? 0 : 1,
            flagSyn: syn ? 1 : 0,
            flagPsh: body.length > 0 ? 1 : 0,
            window: 501,
          },
          syn
            ? [{ kind: 2, mss: 1460 }, { kind: 4 }, { kind: 8, tsval: i, tsecr: 0 }, { kind: 1 }, { kind: 3, shift: 7 }]
            : tsOpts(i),
        ),
        payload(body),
      );
    }
    yield { data, tsSec: Math.floor(t / 1e6), tsNsec: (t % 1e6) * 1000 };
  }
}

export function generate(path: string, opts: GenerateOptions = {}): void {
  mkdirSync(dirname(path), { recursive: true });
  const w = new PcapWriter({ linktype: 1 });
  const fd = openSync(path, 'w');
  try {
    writeSync(fd, w.header());
    let batch: RecordIn[] = [];
    for (const rec of mixedFrames(opts)) {
      batch.push(rec);
      if (batch.length === 8192) {
        writeSync(fd, w.records(batch));
        batch = [];
      }
    }
    writeSync(fd, w.records(batch));
  } finally {
    closeSync(fd);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const frames = Number(process.argv[2] ?? 1_000_000);
  const path = process.argv[3] ?? 'bench/out/mixed.pcap';
  const t0 = performance.now();
  generate(path, { frames });
  console.error(`wrote ${frames} frames to ${path} in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}
