/**
 * Helpers for the stream-stage tests: synthetic TCP/IP packets, tshark detection, and oracle rows
 * keyed by our frame numbers.
 */
import { spawnSync } from 'node:child_process';
import { analyse, build, type Frame, ip, ip6, writePcap } from '../../src/index.js';
import { ethernet, ipv4, ipv6, tcp, udp } from '../../src/protocols/index.js';
import { CORPUS, oraclePackets, type Table } from '../helpers/corpus.js';

export const HAVE_TSHARK: boolean = (() => {
  try {
    return spawnSync('tshark', ['--version'], { stdio: 'ignore' }).status === 0;
  } catch {
    return false;
  }
})();
export const SKIP_NO_TSHARK: string | false = HAVE_TSHARK ? false : 'tshark not installed';

/** Run tshark with the oracle's environment; returns stdout. */
export function tshark(args: readonly string[]): string {
  const r = spawnSync('tshark', ['-n', ...args], {
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
    env: { ...process.env, LC_ALL: 'C', TZ: 'UTC' },
  });
  return r.stdout;
}

export interface Seg {
  src?: string;
  dst?: string;
  sport?: number;
  dport?: number;
  seq: number;
  ack?: number;
  flags?: { syn?: 1; ack?: 1; fin?: 1; rst?: 1; psh?: 1 };
  data?: Uint8Array | string;
  v6?: boolean;
  sec?: number;
}

/** One Ethernet/IP/TCP packet's bytes. */
export function tcpPacket(s: Seg): Uint8Array {
  const f = s.flags ?? {};
  const l3 = s.v6
    ? ipv6.make({ src: ip6(s.src ?? '2001:db8::1'), dst: ip6(s.dst ?? '2001:db8::2') })
    : ipv4.make({ src: ip(s.src ?? '10.0.0.1'), dst: ip(s.dst ?? '10.0.0.2') });
  return build(
    ethernet.make(),
    l3,
    tcp.make({
      srcport: s.sport ?? 40000,
      dstport: s.dport ?? 80,
      seq: s.seq >>> 0,
      ack: (s.ack ?? 0) >>> 0,
      flagSyn: f.syn ?? 0,
      flagAck: f.ack ?? (s.ack !== undefined ? 1 : 0),
      flagFin: f.fin ?? 0,
      flagRst: f.rst ?? 0,
      flagPsh: f.psh ?? 0,
      window: 65535,
    }),
    ...(s.data !== undefined ? [s.data] : []),
  );
}

export function udpPacket(src: string, dst: string, sport: number, dport: number, data = 'x'): Uint8Array {
  return build(
    ethernet.make(),
    ipv4.make({ src: ip(src), dst: ip(dst) }),
    udp.make({ srcport: sport, dstport: dport }),
    data,
  );
}

/** Frames (numbered from 1, one second apart unless `sec` says) from packet bytes. */
export function framesOf(packets: readonly Uint8Array[], secs?: readonly number[]): Frame[] {
  return packets.map((p, i) => {
    const f = analyse(p);
    return { ...f, n: i + 1, tsSec: secs?.[i] ?? 1_000_000 + i, tsNsec: 0 };
  });
}

/** A pcap file (bytes) of packets, one second apart. */
export function pcapOf(packets: readonly Uint8Array[], secs?: readonly number[]): Uint8Array {
  return writePcap(packets.map((data, i) => ({ data, tsSec: secs?.[i] ?? 1_000_000 + i, tsNsec: 0 })));
}

/**
 * Oracle rows by our frame number. tshark 4.0 emits a row for each pcapng Custom Block (empty
 * interface id in a pcapng file); we do not count those as frames.
 */
export function oracleByFrame(file: string): { tab: Table; rows: Map<number, readonly string[]> } {
  const tab = oraclePackets(file);
  const rows = new Map<number, readonly string[]>();
  const iface = tab.col('frame.interface_id');
  const pcapng = file.endsWith('.pcapng');
  let n = 0;
  for (const r of tab.rows) {
    if (pcapng && r[iface] === '') continue;
    rows.set(++n, r);
  }
  return { tab, rows };
}

export { CORPUS };
