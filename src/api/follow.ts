/**
 * followTcpStream(input): Wireshark's "Follow TCP Stream" for every stream of a capture, and the
 * text of tshark's `-z follow,tcp,MODE,N` and `-z conv,KIND` (PyPCAPKit's follow_tcp_stream,
 * PYPCAPKIT.md §1.5, grown to tshark's output).
 *
 * IPv4 and IPv6 reassembly are on, as in tshark's defaults, so stream numbers and bytes are the ones
 * `tshark -z follow` prints. Follow stops at a hole unless the receiver acknowledged past it (then
 * tshark's "[N bytes missing in capture file]" marker stands in); `reassemble('tcp')` gives the
 * data after holes too.
 */
import type { Input } from '../capture/source.js';
import { ipv4ToString, ipv6ToString } from '../core/addr.js';
import type { Ipv6 } from '../core/fields.js';
import type { Registry } from '../core/registry.js';
import { defaultRegistry } from '../protocols/index.js';
import { ConvCollector, type ConvKind, type ConvRow } from '../stages/conv.js';
import { type FollowMode, type FollowRecord, FollowTcp, formatFollow } from '../stages/follow.js';
import { StreamRun } from '../stages/reassembly.js';
import { readFrames } from './read-frames.js';

export interface FollowedStream {
  /** tcp.stream. */
  readonly stream: number;
  /** 'addr:port' of node 0 (first packet's sender) and node 1, IPv6 in brackets. */
  readonly node0: string;
  readonly node1: string;
  /** One record per segment, in Follow's order. */
  readonly records: readonly FollowRecord[];
  /** All bytes of a direction (0: node 0 → node 1). */
  bytes(dir: 0 | 1): Uint8Array;
  /** tshark's `-z follow,tcp,MODE,N` block. */
  text(mode: FollowMode): string;
}

export interface FollowOptions {
  readonly registry?: Registry;
  /** Only these streams (default all). */
  readonly streams?: readonly number[];
  readonly signal?: AbortSignal;
}

/** Stream analysis over a whole capture: Follow for TCP streams and conversation tables. */
async function walkCapture(
  input: Input,
  registry: Registry,
  signal: AbortSignal | undefined,
  follow: Map<number, FollowTcp> | undefined,
  only: ReadonlySet<number> | undefined,
  conv: ConvCollector | undefined,
): Promise<void> {
  const run = new StreamRun({ registry, ipv4: true, ipv6: true });
  if (follow !== undefined) {
    run.walk.add({
      segment(v) {
        if (only !== undefined && !only.has(v.stream)) return;
        let f = follow.get(v.stream);
        if (f === undefined) follow.set(v.stream, (f = new FollowTcp()));
        const t = v.t;
        const src = endpointText(t.v6, t.v6 ? t.src6! : t.src4, t.sport);
        const dst = endpointText(t.v6, t.v6 ? t.dst6! : t.dst4, t.dport);
        f.segment(src, src, dst, v.seq, v.ack, v.flags, v.claimed, v.data, v.frame.n);
      },
    });
  }
  if (conv !== undefined) run.walk.add(conv);
  for await (const batch of readFrames(input, { registry, signal }).batches()) {
    for (const f of batch) {
      run.defrag(f);
      conv?.frame(f);
      run.flows(f);
    }
  }
}

function endpointText(v6: boolean, a: number | Ipv6, port: number): string {
  return v6 ? `[${ipv6ToString(a as Ipv6)}]:${port}` : `${ipv4ToString(a as number)}:${port}`;
}

export async function followTcpStream(input: Input, opts: FollowOptions = {}): Promise<FollowedStream[]> {
  const map = new Map<number, FollowTcp>();
  const only = opts.streams === undefined ? undefined : new Set(opts.streams);
  await walkCapture(input, opts.registry ?? defaultRegistry, opts.signal, map, only, undefined);
  return [...map.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([stream, f]) => ({
      stream,
      node0: f.node[0],
      node1: f.node[1],
      records: f.records,
      bytes: (dir: 0 | 1) => f.bytes(dir),
      text: (mode: FollowMode) => formatFollow(mode, stream, f),
    }));
}

/**
 * What `tshark -q -z follow,tcp,MODE,N …` prints for the requested streams: tshark prints its tap
 * blocks last-registered first, so the last request comes first. A stream with no data prints
 * tshark's empty block.
 */
export async function followText(
  input: Input,
  requests: readonly { readonly mode: FollowMode; readonly stream: number }[],
  opts: Omit<FollowOptions, 'streams'> = {},
): Promise<string> {
  const got = await followTcpStream(input, { ...opts, streams: requests.map((r) => r.stream) });
  const by = new Map(got.map((s) => [s.stream, s]));
  return [...requests]
    .reverse()
    .map((r) => by.get(r.stream)?.text(r.mode) ?? formatFollow(r.mode, r.stream, new FollowTcp()))
    .join('');
}

export interface ConvResult {
  readonly kind: ConvKind;
  /** Rows in tshark's order (most frames first). */
  readonly rows: readonly ConvRow[];
  /** tshark's `-z conv,KIND` table. */
  readonly text: string;
  /** One JSON object per row, raw numbers. */
  readonly ndjson: string;
}

/** `-z conv,tcp` / `conv,udp` / `conv,ip` / `conv,ipv6` over a capture. */
export async function conversations(
  input: Input,
  kinds: readonly ConvKind[],
  opts: { readonly registry?: Registry; readonly signal?: AbortSignal } = {},
): Promise<ConvResult[]> {
  const cc = new ConvCollector(kinds);
  await walkCapture(input, opts.registry ?? defaultRegistry, opts.signal, undefined, undefined, cc);
  return cc.tables.map((t) => ({ kind: t.kind, rows: t.sorted(), text: t.format(), ndjson: t.ndjson() }));
}

/** One `-z` statistic, parsed. */
export type ZSpec =
  | { readonly kind: 'follow'; readonly mode: FollowMode; readonly stream: number }
  | { readonly kind: 'conv'; readonly table: ConvKind };

/**
 * Parse tshark's `-z` argument for the statistics we print: `follow,tcp,ascii|hex|raw,N` and
 * `conv,tcp|udp|ip|ipv6`. Returns undefined for anything else (the CLI reports it as a usage error).
 */
export function parseZ(arg: string): ZSpec | undefined {
  const p = arg.split(',');
  if (p[0] === 'follow' && p[1] === 'tcp' && p.length >= 4) {
    const mode = p[2];
    const stream = Number(p[3]);
    if ((mode === 'ascii' || mode === 'hex' || mode === 'raw') && Number.isInteger(stream) && stream >= 0) {
      return { kind: 'follow', mode, stream };
    }
    return undefined;
  }
  if (p[0] === 'conv' && p.length === 2 && ['tcp', 'udp', 'ip', 'ipv6'].includes(p[1])) {
    return { kind: 'conv', table: p[1] as ConvKind };
  }
  return undefined;
}

/**
 * What `tshark -q -z A -z B …` prints for these statistics over one capture, in tshark's order
 * (the last `-z` first). One pass over the capture.
 */
export async function zStatistics(
  input: Input,
  specs: readonly ZSpec[],
  opts: { readonly registry?: Registry; readonly signal?: AbortSignal } = {},
): Promise<string> {
  const follows = specs.filter((s) => s.kind === 'follow');
  const convKinds = [...new Set(specs.flatMap((s) => (s.kind === 'conv' ? [s.table] : [])))];
  const map = follows.length > 0 ? new Map<number, FollowTcp>() : undefined;
  const only = new Set(follows.map((s) => s.stream));
  const cc = convKinds.length > 0 ? new ConvCollector(convKinds) : undefined;
  await walkCapture(input, opts.registry ?? defaultRegistry, opts.signal, map, only, cc);
  return [...specs]
    .reverse()
    .map((s) =>
      s.kind === 'follow'
        ? formatFollow(s.mode, s.stream, map?.get(s.stream) ?? new FollowTcp())
        : cc!.get(s.table)!.format(),
    )
    .join('');
}
