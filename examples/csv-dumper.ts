/**
 * Example: a report format of your own. A DumperFactory has a name (for `-f csv` / `format: 'csv'`)
 * and an extension (so `-o frames.csv` picks it); `create` returns a Dumper that writes one batch at
 * a time and returns the sink's promise for backpressure. `close` is always called, also when the
 * run was interrupted, so a report is never left half-written.
 *
 * Columns: frame number, time (epoch seconds), captured length, protocol chain, innermost IP
 * source/destination, innermost transport ports, issue count.
 *
 * As a library: `extract(input, { dumpers: defaultDumpers.with(csv), output: 'frames.csv' })`.
 * As a CLI plugin: `pcapkit --plugin ./examples/csv-dumper.ts capture.pcap -o frames.csv`.
 */
import {
  type CaptureInfo,
  type DumpContext,
  type Dumper,
  type DumperFactory,
  type Extensions,
  Formatter,
  type Frame,
  findAll,
  ipv4ToString,
  ipv6ToString,
  type Sink,
} from '../src/index.js';

export const CSV_COLUMNS = ['no', 'time', 'length', 'protocols', 'src', 'dst', 'srcport', 'dstport', 'issues'] as const;

/** RFC 4180: quote a field holding a comma, a quote or a line break; double inner quotes. */
export function csvField(v: string | number): string {
  const s = String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** One CSV row for a frame (innermost IP and transport layer, as a tunnel's inner packet is the one of interest). */
export function csvRow(f: Frame, fmt: Formatter): string {
  const v4 = findAll(f, 'ipv4').at(-1);
  const v6 = findAll(f, 'ipv6').at(-1);
  const inner = v4 && v6 ? (v4.start > v6.start ? v4 : v6) : (v4 ?? v6);
  let src = '';
  let dst = '';
  // A layer cut short by the capture has only the fields read so far: print what is there.
  if (inner === v4 && v4) {
    const { src: s, dst: d } = v4.fields;
    src = s === undefined ? '' : ipv4ToString(s);
    dst = d === undefined ? '' : ipv4ToString(d);
  } else if (v6) {
    const { src: s, dst: d } = v6.fields;
    src = s === undefined ? '' : ipv6ToString(s);
    dst = d === undefined ? '' : ipv6ToString(d);
  }
  const tp = [...findAll(f, 'tcp'), ...findAll(f, 'udp')].sort((a, b) => a.start - b.start).at(-1);
  const ports = tp ? (tp.fields as { srcport: number; dstport: number }) : undefined;
  const time = `${f.tsSec}.${String(f.tsNsec).padStart(9, '0')}`;
  return [
    f.n,
    time,
    f.end - f.start,
    fmt.chain(f),
    src,
    dst,
    ports?.srcport ?? '',
    ports?.dstport ?? '',
    f.issues.length,
  ]
    .map(csvField)
    .join(',');
}

class CsvDumper implements Dumper {
  private fmt: Formatter | undefined;
  constructor(
    private readonly sink: Sink,
    private readonly ctx: DumpContext,
  ) {}
  open(_info: CaptureInfo) {
    this.fmt = new Formatter({ registry: this.ctx.registry });
    return this.sink.write(`${CSV_COLUMNS.join(',')}\r\n`);
  }
  write(frames: readonly Frame[]) {
    let s = '';
    for (const f of frames) s += `${csvRow(f, this.fmt!)}\r\n`;
    return this.sink.write(s);
  }
  async close() {}
}

export const csv: DumperFactory = {
  name: 'csv',
  extension: '.csv',
  create: (sink, ctx) => new CsvDumper(sink, ctx),
};

/** Plugin entry: `--plugin ./examples/csv-dumper.ts`. */
export default function register(ext: Extensions): Partial<Extensions> {
  return { dumpers: ext.dumpers.with(csv) };
}
