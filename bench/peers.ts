/**
 * Side by side with the peers, on the same generated capture, in one run (issue 2/3 ask for it):
 * pcapkit (library, to the transport layer), dpkt and scapy (Debian's python3-dpkt / python3-scapy),
 * tshark -T fields and -T json. Slow peers read a prefix of the capture (their frames/s is still
 * comparable). Missing tools are skipped.
 *   npx tsx bench/peers.ts [capture=bench/out/mixed.pcap]
 */
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { generate } from './generate.js';

const file = process.argv[2] ?? 'bench/out/mixed.pcap';
if (!existsSync(file)) generate(file, { frames: 1_000_000 });
const small = 'bench/out/mixed-100k.pcap';
const tiny = 'bench/out/mixed-10k.pcap';
if (!existsSync(small)) generate(small, { frames: 100_000 });
if (!existsSync(tiny)) generate(tiny, { frames: 10_000 });
const PY = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';

interface Row {
  tool: string;
  frames: number;
  seconds: number;
  rssMB: number;
}
const rows: Row[] = [];

function timed(tool: string, frames: number, cmd: string, args: string[], input?: string): void {
  const probe = spawnSync(cmd, ['--version'], { stdio: 'ignore' });
  if (probe.error) {
    console.error(`skip ${tool}: ${cmd} not found`);
    return;
  }
  const r = spawnSync('/usr/bin/time', ['-f', '%e %M', cmd, ...args], { encoding: 'utf8', input, maxBuffer: 1 << 30 });
  const last = r.stderr.trim().split('\n').pop() ?? '';
  const [sec, kb] = last.split(' ').map(Number);
  if (r.status !== 0 || !Number.isFinite(sec)) {
    console.error(`skip ${tool}: ${r.stderr.slice(-300)}`);
    return;
  }
  rows.push({ tool, frames, seconds: sec, rssMB: kb / 1024 });
}

const dpktScript = `
import sys, dpkt
n = 0; s = 0
with open(sys.argv[1], 'rb') as f:
    for ts, buf in dpkt.pcap.Reader(f):
        eth = dpkt.ethernet.Ethernet(buf)
        ip = eth.data
        s += eth.type
        if isinstance(ip, (dpkt.ip.IP, dpkt.ip6.IP6)):
            l4 = ip.data
            if isinstance(l4, (dpkt.tcp.TCP, dpkt.udp.UDP)):
                s += l4.sport + l4.dport
                if isinstance(l4, dpkt.tcp.TCP):
                    s += l4.seq + l4.ack + l4.flags + l4.win
                    dpkt.tcp.parse_opts(l4.opts)
        n += 1
print(n, s)
`;
const scapyScript = `
import sys
from scapy.all import PcapReader, IP, IPv6, TCP, UDP
n = 0
for p in PcapReader(sys.argv[1]):
    l4 = p.getlayer(TCP) or p.getlayer(UDP)
    if l4 is not None:
        _ = (l4.sport, l4.dport)
    n += 1
print(n)
`;
writeFileSync('bench/out/dpkt_bench.py', dpktScript);
writeFileSync('bench/out/scapy_bench.py', scapyScript);

const js = 'bench/out/js/bench/dissect.bench.js';
spawnSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.bench.json'], { stdio: 'inherit' });
timed('pcapkit (library, transport layer, every field)', 1_000_000, process.execPath, [
  js,
  file,
  '--mode',
  'fields',
  '--reps',
  '1',
]);
timed('pcapkit (+ every option decoded)', 1_000_000, process.execPath, [js, file, '--mode', 'options', '--reps', '1']);
timed('dpkt (Ethernet → TCP/UDP + options)', 1_000_000, PY, ['bench/out/dpkt_bench.py', file]);
timed('scapy (PcapReader, full dissection)', 10_000, PY, ['bench/out/scapy_bench.py', tiny]);
const fields = [
  '-e',
  'frame.number',
  '-e',
  'ip.src',
  '-e',
  'ip.dst',
  '-e',
  'ipv6.src',
  '-e',
  'tcp.srcport',
  '-e',
  'tcp.dstport',
  '-e',
  'udp.srcport',
];
timed('tshark -T fields', 100_000, 'tshark', ['-n', '-r', small, '-T', 'fields', ...fields]);
timed('tshark -T json', 10_000, 'tshark', ['-n', '-r', tiny, '-T', 'json']);

console.log('| tool | frames | seconds | frames/s | peak RSS |\n|---|---:|---:|---:|---:|');
for (const r of rows) {
  console.log(
    `| ${r.tool} | ${r.frames.toLocaleString('en-US')} | ${r.seconds.toFixed(2)} | ${Math.round(r.frames / r.seconds).toLocaleString('en-US')} | ${r.rssMB.toFixed(0)} MB |`,
  );
}
