/**
 * A parallel engine's worker: jobs in (record bytes in this worker's shared slot, or a fresh
 * buffer), encoded report records out (written into the slot, or transferred when they do not fit).
 * Any exception is posted back as an error so the run fails loudly, never hangs.
 */
import { parentPort } from 'node:worker_threads';
import { hexSimdAt } from '../../dump/hex-simd.js';
import type { InPlace } from '../../dump/out.js';
import { createEncoder, type Encoder, type Job, SLOT_IN, SLOT_OUT, type SlotSet } from './encode.js';
import { type StreamEnd, type StreamIn, type StreamOut, streamMessage } from './streams.js';

const port = parentPort!;
const encoders = new Map<string, Encoder>();
let slots: { input: Uint8Array; meta: Float64Array; out: Uint8Array; place: InPlace | undefined }[] = [];

port.on('message', (msg: Job | StreamIn | StreamOut | StreamEnd | SlotSet) => {
  if ('slots' in msg) {
    const h = msg.memory === undefined ? undefined : hexSimdAt(msg.memory);
    slots = msg.slots.map((s) => {
      const input = new Uint8Array(s.input, s.inputAt, SLOT_IN);
      return {
        input,
        meta: new Float64Array(s.meta),
        out: new Uint8Array(s.out, s.outAt, SLOT_OUT),
        place: h === undefined ? undefined : { src: input, srcAt: s.inputAt, outAt: s.outAt, h },
      };
    });
    return;
  }
  if ('kind' in msg) {
    // The server strategy's stream jobs (streams.ts).
    try {
      const r = streamMessage(msg);
      const t: ArrayBuffer[] = [];
      if ('tcpNew' in r) t.push(r.tcpNew.buffer as ArrayBuffer, r.udpNew.buffer as ArrayBuffer);
      else if ('out' in r) t.push(r.out, r.offsets.buffer as ArrayBuffer);
      port.postMessage(r, t);
    } catch (e) {
      port.postMessage({ seq: msg.seq, error: e instanceof Error ? (e.stack ?? e.message) : String(e) });
    }
    return;
  }
  const job = msg;
  try {
    let encode = encoders.get(job.key);
    if (encode === undefined) {
      encode = createEncoder(job.cfg);
      encoders.set(job.key, encode);
    }
    const slot = job.slot === undefined ? undefined : slots[job.slot];
    // Records go straight into the slot's output buffer (nothing copied); only a batch too big for
    // it comes back in a transferred buffer of its own.
    const r =
      slot === undefined
        ? encode.job(job)
        : encode.job({ ...job, buf: undefined, meta: slot.meta }, slot.out, slot.input, slot.place);
    // Copied, not transferred: NO_DETACH in pool.ts (a detach deoptimizes this whole thread).
    port.postMessage(r);
  } catch (e) {
    port.postMessage({ seq: job.seq, error: e instanceof Error ? (e.stack ?? e.message) : String(e) });
  }
});
