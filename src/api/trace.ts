/**
 * trace(opts): a stand-alone flow tracer fed by hand (PyPCAPKit's `trace()`, PYPCAPKIT.md §1.4).
 *
 *   const t = trace({ output: 'flows', format: 'pcap' });
 *   for await (const f of readFrames('in.pcap')) t.push(f);
 *   const index = t.close();   // [{ label, file, frames, stream, … }]
 *
 * Frames that did not go through the flow stage are numbered here, so `stream` matches tshark's
 * tcp.stream / udp.stream either way.
 */
import type { Frame } from '../core/frame.js';
import { StreamWalk } from '../stages/streams.js';
import { type FlowInfo, FlowTracer, type TraceOptions } from '../stages/trace.js';

export interface Tracer {
  /** Trace one frame; returns its flow's label, or undefined (not TCP/UDP). */
  push(frame: Frame): string | undefined;
  /** End every flow, write what is left; returns the index of flows. */
  close(): FlowInfo[];
  /** The flows so far. */
  index(): FlowInfo[];
}

export function trace(opts: TraceOptions = {}): Tracer {
  const t = new FlowTracer(opts);
  const walk = new StreamWalk();
  return {
    push(frame) {
      if (frame.flow === undefined) walk.frame(frame);
      return t.push(frame);
    },
    close: () => t.close(),
    index: () => t.index(),
  };
}
