/** `pcapkit --help`, generated from the flag table so new flags document themselves. */
import { FLAGS, type FlagSpec } from './args.js';

const GROUPS: readonly [FlagSpec['group'], string][] = [
  ['report', 'Report'],
  ['dissection', 'Dissection'],
  ['reassembly', 'Reassembly and flows'],
  ['run', 'Run'],
  ['general', 'General'],
];

export function helpText(flags: readonly FlagSpec[] = FLAGS): string {
  let s =
    'usage: pcapkit [options] INPUT\n\n' +
    'Read a pcap or pcapng capture (INPUT, or - for stdin; gzip/zstd/xz/lz4 are unpacked), dissect every\n' +
    'frame and write a report. Data goes to stdout only with -o -; everything else goes to stderr.\n';
  for (const [g, title] of GROUPS) {
    const rows = flags.filter((f) => f.group === g);
    if (rows.length === 0) continue;
    s += `\n${title}:\n`;
    for (const f of rows) {
      const left = `${f.short ? `-${f.short}, ` : '    '}--${f.name}${f.arg ? ` ${f.arg}` : ''}`;
      s += `  ${left.padEnd(28)} ${f.help}\n`;
    }
  }
  s +=
    '\nExamples:\n' +
    '  pcapkit capture.pcapng -f json                 # writes out.json\n' +
    '  pcapkit capture.pcap -f ndjson -o - | jq .protocols\n' +
    '  pcapkit capture.pcap -o small.pcap -c 100      # first 100 frames, as pcap\n' +
    '  pcapkit capture.pcap -v --nofile -L transport  # list frames down to the transport layer\n' +
    '  pcapkit --plugin ./csv-dumper.js capture.pcap -o frames.csv  # a format from a plugin (docs/extending.md)\n' +
    '\nExit status: 0 success, 1 runtime error (input, I/O), 2 usage error, 130 interrupted (SIGINT), 143 terminated (SIGTERM).\n';
  return s;
}
