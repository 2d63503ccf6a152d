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
