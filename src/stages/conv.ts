/**
 * Conversation tables as tshark's `-z conv,tcp`, `-z conv,udp` and `-z conv,ip` print them
 * (ui/cli/tap-iousers.c over epan/conversation_table.c), plus the raw numbers for machines.
 *
 * - A row is created by the first packet of a conversation; its source is that packet's source.
 *   Frames from the source are "->" (tx), frames towards it "<-" (rx). Bytes are frame lengths on
 *   the wire.
 * - TCP and UDP rows are per stream index (tcp.stream / udp.stream), so a reused port pair is a new
 *   row; IP rows are per address pair. Every IP header counts (a tunnel counts twice) except those
 *   quoted inside ICMP errors.
 * - Rows print by total frames, most first; equal counts keep creation order.
 * - Times are relative to the first frame of the capture.
 */
import { ipv4ToString, ipv6ToString } from '../core/addr.js';
import type { Ipv6 } from '../core/fields.js';
import type { Frame, Layer } from '../core/frame.js';
import type { Transport } from './flow-key.js';
import { type Datagram, IpDefragmenter } from './ip-defrag.js';

export interface ConvRow {
  readonly srcAddr: string;
  readonly dstAddr: string;
  /** -1 for IP rows. */
  readonly srcPort: number;
  readonly dstPort: number;
  /** tcp.stream / udp.stream; -1 for IP rows. */
  readonly stream: number;
  rxFrames: number;
  rxBytes: number;
  txFrames: number;
  txBytes: number;
  /** Start and stop relative to the first frame, and the absolute start, as seconds + nanoseconds. */
  startSec: number;
  startNsec: number;
  stopSec: number;
  stopNsec: number;
  absSec: number;
  absNsec: number;
}

export type ConvKind = 'tcp' | 'udp' | 'ip' | 'ipv6';

const addrText = (a: number | Ipv6): string => (typeof a === 'number' ? ipv4ToString(a) : ipv6ToString(a));

export class ConvTable {
  readonly rows: ConvRow[] = [];
  private readonly map = new Map<string, ConvRow>();
  private firstSec = Number.NaN;
  private firstNsec = 0;

  constructor(readonly kind: ConvKind) {}

  /** Note the capture's first frame (the reference for relative times). Call for every frame. */
  frame(f: Frame): void {
    if (Number.isNaN(this.firstSec)) {
      this.firstSec = f.tsSec;
      this.firstNsec = f.tsNsec;
    }
  }

  /** One tapped header. */
  add(src: number | Ipv6, dst: number | Ipv6, sport: number, dport: number, stream: number, f: Frame): void {
    const s = addrText(src);
    const d = addrText(dst);
    const kf = `${s}|${d}|${sport}|${dport}|${stream}`;
    let row = this.map.get(kf);
    let fwd = true;
    if (row === undefined) {
      row = this.map.get(`${d}|${s}|${dport}|${sport}|${stream}`);
      fwd = false;
    }
    let relSec = f.tsSec - this.firstSec;
    let relNsec = f.tsNsec - this.firstNsec;
    if (relNsec < 0) {
      relNsec += 1e9;
      relSec -= 1;
    }
    if (row === undefined) {
      row = {
        srcAddr: s,
        dstAddr: d,
        srcPort: sport,
        dstPort: dport,
        stream,
        rxFrames: 0,
        rxBytes: 0,
        txFrames: 0,
        txBytes: 0,
        startSec: relSec,
        startNsec: relNsec,
        stopSec: relSec,
        stopNsec: relNsec,
        absSec: f.tsSec,
        absNsec: f.tsNsec,
      };
      this.map.set(kf, row);
      this.rows.push(row);
      fwd = true;
    }
    if (fwd) {
      row.txFrames++;
      row.txBytes += f.origLen;
    } else {
      row.rxFrames++;
      row.rxBytes += f.origLen;
    }
    // nstime_cmp: later than stop moves stop, else earlier than start moves start.
    if (relSec > row.stopSec || (relSec === row.stopSec && relNsec > row.stopNsec)) {
      row.stopSec = relSec;
      row.stopNsec = relNsec;
    } else if (relSec < row.startSec || (relSec === row.startSec && relNsec < row.startNsec)) {
      row.startSec = relSec;
      row.startNsec = relNsec;
      row.absSec = f.tsSec;
      row.absNsec = f.tsNsec;
    }
  }

  /** Rows in tshark's print order. */
  sorted(): ConvRow[] {
    return this.rows
      .map((r, i) => [r, i] as const)
      .sort((a, b) => b[0].rxFrames + b[0].txFrames - (a[0].rxFrames + a[0].txFrames) || a[1] - b[1])
      .map(([r]) => r);
  }

  /** The table as tshark 4.0 prints it (default relative time format). */
  format(): string {
    const ports = this.kind === 'tcp' || this.kind === 'udp';
    const title = { tcp: 'TCP', udp: 'UDP', ip: 'IPv4', ipv6: 'IPv6' }[this.kind];
    const pad = ports ? '            ' : '';
    const bar = '================================================================================\n';
    let out = `${bar}${title} Conversations\nFilter:<No Filter>\n`;
    out += `${pad}                                               |       <-      | |       ->      | |     Total     |    Relative    |   Duration   |\n`;
    out += `${pad}                                               | Frames  Bytes | | Frames  Bytes | | Frames  Bytes |      Start     |              |\n`;
    for (const r of this.sorted()) {
      const a = ports ? `${r.srcAddr}:${r.srcPort}` : r.srcAddr;
      const b = ports ? `${r.dstAddr}:${r.dstPort}` : r.dstAddr;
      const w = ports ? 26 : 20;
      out += `${a.padEnd(w)} <-> ${b.padEnd(w)}  ${String(r.rxFrames).padStart(6)} ${formatSize(r.rxBytes).padEnd(9)}`;
      out += `  ${String(r.txFrames).padStart(6)} ${formatSize(r.txBytes).padEnd(9)}`;
      out += `  ${String(r.rxFrames + r.txFrames).padStart(6)} ${formatSize(r.rxBytes + r.txBytes).padEnd(9)}  `;
      const start = r.startSec + r.startNsec / 1e9;
      const stop = r.stopSec + r.stopNsec / 1e9;
      out += `${printfFixed(start, 9).padStart(14)}   ${printfFixed(stop - start, 4).padStart(12)}\n`;
    }
    return `${out}${bar}`;
  }

  /** One JSON line per row, raw numbers (NDJSON). */
  ndjson(): string {
    return this.sorted()
      .map((r) =>
        JSON.stringify({
          type: this.kind,
          src: r.srcAddr,
          dst: r.dstAddr,
          ...(r.srcPort >= 0 ? { srcport: r.srcPort, dstport: r.dstPort, stream: r.stream } : {}),
          rxFrames: r.rxFrames,
          rxBytes: r.rxBytes,
          txFrames: r.txFrames,
          txBytes: r.txBytes,
          frames: r.rxFrames + r.txFrames,
          bytes: r.rxBytes + r.txBytes,
          relStart: r.startSec + r.startNsec / 1e9,
          absStart: `${r.absSec}.${String(r.absNsec).padStart(9, '0')}`,
          duration: r.stopSec + r.stopNsec / 1e9 - (r.startSec + r.startNsec / 1e9),
        }),
      )
      .join('\n')
      .concat(this.rows.length > 0 ? '\n' : '');
  }
}

/**
 * wsutil's format_size(n, FORMAT_SIZE_UNIT_BYTES, 0) in the C locale: SI prefixes by integer
 * division once the value reaches 10 of the unit ("19 kB"), otherwise "N bytes".
 */
export function formatSize(n: number): string {
  const p = 1000;
  if (Math.floor(n / p / p / p / p) >= 10) return `${Math.floor(n / p / p / p / p)} TB`;
  if (Math.floor(n / p / p / p) >= 10) return `${Math.floor(n / p / p / p)} GB`;
  if (Math.floor(n / p / p) >= 10) return `${Math.floor(n / p / p)} MB`;
  if (Math.floor(n / p) >= 10) return `${Math.floor(n / p)} kB`;
  return `${n} bytes`;
}

/**
 * C's printf("%.Nf") of a double: the exact binary value rounded to N decimals, ties to even
 * (toFixed rounds exact ties up).
 */
export function printfFixed(x: number, digits: number): string {
  const s = x.toFixed(digits);
  const long = x.toFixed(Math.min(100, digits + 30));
  const tail = long.slice(long.length - 30);
  if (tail[0] === '5' && /^50*$/.test(tail)) {
    // An exact tie: toFixed went up; C goes to the even neighbour.
    const last = Number(s[s.length - 1]);
    if (last % 2 === 1) {
      const down = Number(long.slice(0, long.length - 30));
      return (x < 0 ? -Math.abs(down) : down).toFixed(digits);
    }
  }
  return s;
}

/** Feeds conversation tables from a StreamWalk (TCP/UDP) and from each frame's IP headers. */
export class ConvCollector {
  readonly tables: ConvTable[];
  constructor(kinds: readonly ConvKind[]) {
    this.tables = kinds.map((k) => new ConvTable(k));
  }
  get(kind: ConvKind): ConvTable | undefined {
    return this.tables.find((t) => t.kind === kind);
  }
  /** Call for every frame, before the walk. */
  frame(f: Frame): void {
    for (const t of this.tables) {
      t.frame(f);
      if (t.kind !== 'ip' && t.kind !== 'ipv6') continue;
      const want = t.kind === 'ip' ? 'ipv4' : 'ipv6';
      // tshark taps an IPv6 header that carries a fragment only once the datagram is reassembled
      // (IPv4 taps every fragment).
      if (want === 'ipv6' && IpDefragmenter.fragmentOf(f, 6) !== undefined) {
        const done = f.reassembled?.some((r) => (r as Datagram).version === 6 && (r as Datagram).complete);
        if (!done) continue;
      }
      for (const l of f.layers) {
        if (l.protocol === 'icmp' || l.protocol === 'icmpv6') break; // quoted headers do not count
        if (l.protocol !== want || !l.complete) continue;
        const g = l.fields as { src: number | Ipv6; dst: number | Ipv6 };
        t.add(g.src, g.dst, -1, -1, -1, f);
      }
    }
  }
  transport(t: Transport, stream: number, l: Layer, f: Frame): void {
    // tshark taps TCP after the whole header (options included) was read, and taps no header quoted
    // in an ICMP error (such a header still gets its stream number).
    if ((t.proto === 6 && !l.complete) || t.inError) return;
    const kind = t.proto === 6 ? 'tcp' : 'udp';
    for (const tab of this.tables) {
      if (tab.kind !== kind) continue;
      tab.add(t.v6 ? t.src6! : t.src4, t.v6 ? t.dst6! : t.dst4, t.sport, t.dport, stream, f);
    }
  }
}
