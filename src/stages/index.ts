/**
 * The stage list for a run: plain functions over batches (DESIGN §3.1), composed in
 * src/api/extract.ts. Each feature adds its stage here with one `if` and one push, in pipeline
 * order: ip-defrag → flows (tcp-stream, app) → trace → results.
 */
import type { ResolvedOptions, StageFactory } from '../api/options.js';
import type { Frame } from '../core/frame.js';
import type { Registry } from '../core/registry.js';
import type { Stage } from '../core/stage.js';
import type { WarningCode } from '../core/warnings.js';
import { dumperTraceWriters } from '../dump/trace-writers.js';
import type { Datagram } from './ip-defrag.js';
import { streamStages } from './reassembly.js';
import type { TcpChunk } from './tcp-stream.js';
import type { FlowInfo } from './trace.js';

/** What a run exposes afterwards, filled by stages (reassembled datagrams, traced flows, …). */
export interface RunResults {
  readonly reassembly: { ipv4?: readonly Datagram[]; ipv6?: readonly Datagram[]; tcp?: readonly TcpChunk[] };
  flows?: readonly FlowInfo[];
  /** Anything else a stage wants to expose (`extraction.results.<name>`). */
  readonly extra: Record<string, unknown>;
}

export interface StageContext {
  readonly registry: Registry;
  readonly signal: AbortSignal | undefined;
  readonly results: RunResults;
  warn(code: WarningCode, message: string): void;
}

export function buildStages(o: ResolvedOptions, ctx: StageContext): Stage[] {
  const stages: Stage[] = [];
  // A user's reassembly or tracing implementation replaces the built-in one (issue 7); the
  // built-in stream stages then run only for what is left.
  const ownReasm = o.reassemble.implementation;
  const ownTrace = o.trace ? o.trace.implementation : undefined;
  const r = ownReasm ? { ...o.reassemble, ipv4: false, ipv6: false, tcp: false } : o.reassemble;
  const trace = ownTrace ? false : o.trace;
  if (r.ipv4 || r.ipv6 || r.tcp || trace || o.flows) {
    const res = ctx.results.reassembly as { ipv4?: Datagram[]; ipv6?: Datagram[]; tcp?: TcpChunk[] };
    if (r.ipv4) res.ipv4 = [];
    if (r.ipv6) res.ipv6 = [];
    if (r.tcp) res.tcp = [];
    const keep = r.store;
    const tw =
      trace && trace.format !== 'pcap' ? dumperTraceWriters(o.dumpers, o.registry, o.dump, ctx.warn) : undefined;
    if (trace && trace.format !== 'pcap' && tw?.writers[trace.format] === undefined) {
      ctx.warn('W_OPTION_IGNORED', `no trace writer for format '${trace.format}'`);
    }
    const { run, stages: s } = streamStages({
      registry: o.registry,
      ipv4: r.ipv4,
      ipv6: r.ipv6,
      tcp: r.tcp,
      strict: r.strict,
      flows: true,
      trace: trace
        ? {
            output: trace.output,
            format: trace.format,
            byteOrder: trace.byteOrder,
            nanosecond: trace.nanosecond,
            udp: trace.udp,
            bidirectional: trace.bidirectional,
            idleTimeout: trace.idleTimeout,
            minPackets: trace.minPackets,
            filter: trace.filter,
            onFlow: trace.onFlow,
            writers: tw?.writers,
          }
        : undefined,
      onDatagrams: (list) => {
        for (const d of list) for (const cb of r.callbacks) cb(d);
        if (!keep) return;
        for (const d of list) (d.kind === 'ipv6' ? res.ipv6 : res.ipv4)?.push(d);
      },
    });
    stages.push(...s);
    // Results once the input is done: TCP pieces (when stored), the flow index, flow files written.
    stages.push(async function* results(src) {
      try {
        for await (const batch of src) {
          if (r.tcp && keep) collectTcp(batch, res.tcp!);
          yield batch;
        }
      } finally {
        if (run.tracer !== undefined) ctx.results.flows = run.tracer.index();
        await tw?.settled();
      }
    });
  }
  const own = (f: StageFactory | undefined) => {
    const s = f?.(o, ctx);
    if (s === undefined) return;
    if (typeof s === 'function') stages.push(s);
    else stages.push(...s);
  };
  own(ownReasm);
  if (ownTrace) own(ownTrace);
  for (const f of o.stages) own(f);
  return stages;
}

function collectTcp(batch: readonly Frame[], out: TcpChunk[]): void {
  for (const f of batch) {
    const rs = f.reassembled;
    if (rs === undefined) continue;
    for (const x of rs) if ((x as { kind?: string }).kind === 'tcp') out.push(x as TcpChunk);
  }
}
