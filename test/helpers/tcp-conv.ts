/**
 * A TCP conversation made with our builders, with a handshake and consistent sequence numbers, so
 * tshark (which skips the payload of segments it takes for retransmissions) dissects every segment.
 * Also the tshark runner the application tests use to compare with the same file.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writePcap } from '../../src/capture/write-pcap.js';
import { build, ip, ip6, payload } from '../../src/index.js';
import { ethernet, ipv4, ipv6, tcp } from '../../src/protocols/index.js';

export interface Segment {
  readonly dir: 0 | 1;
  readonly data: Uint8Array | string;
}

export interface ConvOptions {
  readonly ports?: [number, number];
  readonly addrs?: [string, string];
  readonly v6?: boolean;
  /** Leave out the handshake (a capture that starts mid-connection). */
  readonly noHandshake?: boolean;
  /** Close with FIN from both sides. */
  readonly fin?: boolean;
}

const te = new TextEncoder();

/** Frames (Ethernet/IP/TCP) for the segments, with SYN/SYN-ACK/ACK first unless told otherwise. */
export function conversation(segments: readonly Segment[], o: ConvOptions = {}): Uint8Array[] {
  const ports = o.ports ?? [40000, 80];
  const addrs = o.addrs ?? (o.v6 ? ['2001:db8::1', '2001:db8::2'] : ['10.0.0.1', '10.0.0.2']);
  const seq = [1000, 5000];
  const out: Uint8Array[] = [];
  const frame = (dir: 0 | 1, flags: Record<string, number>, data: Uint8Array) => {
    const src = addrs[dir];
    const dst = addrs[dir ^ 1];
    const l3 = o.v6 ? ipv6.make({ src: ip6(src), dst: ip6(dst) }) : ipv4.make({ src: ip(src), dst: ip(dst) });
    out.push(
      build(
        ethernet.make({ type: o.v6 ? 0x86dd : 0x0800 }),
        l3,
        tcp.make({
          srcport: ports[dir],
          dstport: ports[dir ^ 1],
          seq: seq[dir] >>> 0,
          ack: seq[dir ^ 1] >>> 0,
          window: 65535,
          ...flags,
        }),
        payload(data),
      ),
    );
  };
  if (!o.noHandshake) {
    frame(0, { flagSyn: 1 }, new Uint8Array(0));
    seq[0]++;
    frame(1, { flagSyn: 1, flagAck: 1 }, new Uint8Array(0));
    seq[1]++;
    frame(0, { flagAck: 1 }, new Uint8Array(0));
  }
  for (const s of segments) {
    const d = typeof s.data === 'string' ? te.encode(s.data) : s.data;
    frame(s.dir, { flagAck: 1, flagPsh: 1 }, d);
    seq[s.dir] += d.length;
  }
  if (o.fin) {
    frame(0, { flagFin: 1, flagAck: 1 }, new Uint8Array(0));
    seq[0]++;
    frame(1, { flagFin: 1, flagAck: 1 }, new Uint8Array(0));
    seq[1]++;
  }
  return out;
}

const temps: string[] = [];
process.on('exit', () => {
  for (const d of temps) rmSync(d, { recursive: true, force: true });
});

/** Write frames to a temporary pcap (removed when the process exits); returns its path. */
export function writeTemp(frames: readonly Uint8Array[], name = 'test.pcap'): string {
  const dir = mkdtempSync(join(tmpdir(), 'pcapkit-app-'));
  temps.push(dir);
  const path = join(dir, name);
  writeFileSync(path, writePcap(frames.map((data, i) => ({ data, tsSec: 1_700_000_000 + i, tsNsec: 0 }))));
  return path;
}

export const TSHARK = '/usr/bin/tshark';
export const HAVE_TSHARK = existsSync(TSHARK) || spawnSync('tshark', ['-v']).status === 0;
export const SKIP_NO_TSHARK: string | false = HAVE_TSHARK ? false : 'tshark not installed';

/**
 * tshark -T fields over a file: one row per frame, each a map field → value ('' when absent; several
 * occurrences joined with ','). `desegment` off matches the corpus oracle's per-packet view.
 */
export function tsharkFields(
  path: string,
  fields: readonly string[],
  o: { desegment?: boolean; decodeAs?: readonly string[]; aggregator?: string } = {},
): Record<string, string>[] {
  const args = ['-n', '-r', path, '-T', 'fields', '-E', 'header=n', '-E', 'separator=\t', '-E', 'occurrence=a'];
  args.push('-E', `aggregator=${o.aggregator ?? ','}`);
  if (o.desegment === false) args.push('-o', 'tcp.desegment_tcp_streams:FALSE');
  for (const d of o.decodeAs ?? []) args.push('-d', d);
  for (const f of fields) args.push('-e', f);
  const r = spawnSync(existsSync(TSHARK) ? TSHARK : 'tshark', args, {
    encoding: 'utf8',
    env: { ...process.env, LC_ALL: 'C', TZ: 'UTC' },
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.status !== 0) throw new Error(`tshark failed: ${r.stderr}`);
  return r.stdout
    .split('\n')
    .filter((l) => l.length > 0)
    .map((line) => {
      const cells = line.split('\t');
      return Object.fromEntries(fields.map((f, i) => [f, cells[i] ?? '']));
    });
}
