/**
 * A parallel engine's worker: jobs in (transferred record bytes), encoded report bytes out
 * (transferred). Any exception is posted back as an error so the run fails loudly, never hangs.
 */
import { Buffer } from 'node:buffer';
import { parentPort } from 'node:worker_threads';
import { createEncoder, type Job, type JobResult } from './encode.js';

const port = parentPort!;
const encoders = new Map<string, (j: Job) => JobResult>();

// Output buffers: SharedArrayBuffers the main thread hands back once it has copied them out.
const free: SharedArrayBuffer[] = [];
const MIN = 4 << 20;
function source(size: number): Buffer {
  for (let i = free.length - 1; i >= 0; i--) {
    if (free[i].byteLength >= size) return Buffer.from(free.splice(i, 1)[0]);
  }
  return Buffer.from(new SharedArrayBuffer(Math.max(size, MIN)));
}

port.on('message', (job: Job | { recycle: SharedArrayBuffer }) => {
  if ('recycle' in job) {
    if (free.length < 4) free.push(job.recycle);
    return;
  }
  try {
    let encode = encoders.get(job.key);
    if (encode === undefined) {
      encode = createEncoder(job.cfg, source);
      encoders.set(job.key, encode);
    }
    const r = encode(job);
    port.postMessage(r, [r.offsets.buffer as ArrayBuffer]);
  } catch (e) {
    port.postMessage({ seq: job.seq, error: e instanceof Error ? (e.stack ?? e.message) : String(e) });
  }
});
