/**
 * Example: a flow-tracing implementation of your own, plugged into `extract()` as a stage, with a
 * callback that drops short flows before anything is written. A stage is a plain function over
 * batches of frames; a StageFactory makes one per run and sees the run's context (registry, abort
 * signal, `results` to expose what it found, `warn`).
 *
 * UDP has no connection: a flow here is the pair of endpoints (both directions), from the innermost
 * IP + UDP layers of each frame. At the end of the input each flow is judged (`keep`, by default
 * "at least `minPackets` packets"); kept flows go to `results.extra.udpFlows` and, with `output`,
 * one pcap file each. Dropped flows are never written.
 *
 * The built-in tracer does the same for TCP and UDP with `trace: { udp: true, minPackets: 2 }` (or
 * `filter`); pass `trace: { implementation: udpFlowTracer() }` to replace it, or `stages: [...]` to
 * run this one next to it.
 *
 * As a library: `extract(input, { stages: [udpFlowTracer({ minPackets: 3 })] })`.
 * As a CLI plugin: `pcapkit --plugin ./examples/udp-flow-tracer.ts capture.pcap --nofile`
 * (PCAPKIT_UDP_MIN_PACKETS sets N, PCAPKIT_UDP_FLOWS a folder for the per-flow files).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  type Extensions,
  type Frame,
  findAll,
  ipv4ToString,
  ipv6ToString,
  type Layer,
  type StageFactory,
  writePcap,
} from '../src/index.js';

export interface UdpFlow {
  /** `a:port-b:port`, lower endpoint first. */
  readonly key: string;
  /** The endpoint that sent the first packet, and the other one. */
  readonly src: string;
  readonly srcport: number;
  readonly dst: string;
  readonly dstport: number;
  /** Frame numbers, in order. */
  readonly frames: number[];
  /** Captured bytes of every frame. */
  bytes: number;
  /** Output file when kept and written. */
  file?: string;
}

export interface UdpFlowTracerOptions {
  /** Flows with fewer packets are dropped (default 2). */
  readonly minPackets?: number;
  /** Decide per flow, before it is written: return false to drop it (default: `minPackets`). */
  readonly keep?: (flow: UdpFlow) => boolean;
  /** Called for every flow once judged. */
  readonly onFlow?: (flow: UdpFlow, kept: boolean) => void;
  /** Folder for one pcap file per kept flow. */
  readonly output?: string;
}

function endpoint(ip: Layer): [string, string] | undefined {
  const f = ip.fields as { src?: unknown; dst?: unknown };
  if (f.src === undefined || f.dst === undefined) return undefined;
  return ip.protocol === 'ipv4'
    ? [ipv4ToString(f.src as number), ipv4ToString(f.dst as number)]
    : [ipv6ToString(f.src as readonly number[]), ipv6ToString(f.dst as readonly number[])];
}

/** A StageFactory tracing UDP flows. */
export function udpFlowTracer(o: UdpFlowTracerOptions = {}): StageFactory {
  const min = o.minPackets ?? 2;
  const keep = o.keep ?? ((f: UdpFlow) => f.frames.length >= min);
  return (_options, ctx) =>
    async function* udpFlows(src: AsyncIterable<readonly Frame[]>) {
      const flows = new Map<string, UdpFlow>();
      const packets = new Map<string, { data: Uint8Array; tsSec: number; tsNsec: number; linktype: number }[]>();
      try {
        for await (const batch of src) {
          for (const f of batch) {
            const udp = findAll(f, 'udp').at(-1);
            if (udp === undefined || udp.fields.srcport === undefined || udp.fields.dstport === undefined) continue;
            // The IP layer just outside the innermost UDP layer.
            const ip = f.layers
              .slice(0, f.layers.indexOf(udp))
              .reverse()
              .find((l) => l.protocol === 'ipv4' || l.protocol === 'ipv6');
            const ends = ip && endpoint(ip);
            if (!ends) continue;
            const a = `${ends[0]}:${udp.fields.srcport}`;
            const b = `${ends[1]}:${udp.fields.dstport}`;
            const key = a < b ? `${a}-${b}` : `${b}-${a}`;
            let flow = flows.get(key);
            if (!flow) {
              flow = {
                key,
                src: ends[0],
                srcport: udp.fields.srcport,
                dst: ends[1],
                dstport: udp.fields.dstport,
                frames: [],
                bytes: 0,
              };
              flows.set(key, flow);
              packets.set(key, []);
            }
            flow.frames.push(f.n);
            flow.bytes += f.end - f.start;
            // Frames share their read chunk: copy the bytes a file will need later.
            if (o.output !== undefined)
              packets.get(key)!.push({
                data: f.bytes.u8.slice(f.start, f.end),
                tsSec: f.tsSec,
                tsNsec: f.tsNsec,
                linktype: f.linktype,
              });
          }
          yield batch;
        }
      } finally {
        const kept: UdpFlow[] = [];
        if (o.output !== undefined) mkdirSync(o.output, { recursive: true });
        for (const flow of flows.values()) {
          const ok = keep(flow);
          if (ok) {
            kept.push(flow);
            const recs = packets.get(flow.key)!;
            if (o.output !== undefined && recs.length > 0) {
              flow.file = join(o.output, `${flow.key.replace(/:/g, '_')}.pcap`);
              writeFileSync(flow.file, writePcap(recs, { linktype: recs[0].linktype }));
            }
          }
          o.onFlow?.(flow, ok);
        }
        ctx.results.extra.udpFlows = kept;
      }
    };
}

/** Plugin entry: `--plugin ./examples/udp-flow-tracer.ts`; prints each kept flow on stderr. */
export default function register(ext: Extensions): Partial<Extensions> {
  const min = Number(process.env.PCAPKIT_UDP_MIN_PACKETS ?? 2);
  let dropped = 0;
  let keptN = 0;
  const tracer = udpFlowTracer({
    minPackets: min,
    output: process.env.PCAPKIT_UDP_FLOWS || undefined,
    onFlow: (f, kept) => {
      if (!kept) {
        dropped++;
        return;
      }
      keptN++;
      process.stderr.write(`udp flow ${f.key}: ${f.frames.length} packets, ${f.bytes} bytes\n`);
    },
  });
  const withSummary: StageFactory = (options, ctx) => {
    const stage = tracer(options, ctx) as (s: AsyncIterable<readonly Frame[]>) => AsyncIterable<readonly Frame[]>;
    return async function* (src) {
      try {
        yield* stage(src);
      } finally {
        process.stderr.write(
          `udp-flow-tracer: ${keptN} flow(s) kept, ${dropped} dropped (fewer than ${min} packets)\n`,
        );
      }
    };
  };
  return { stages: [...ext.stages, withSummary] };
}
