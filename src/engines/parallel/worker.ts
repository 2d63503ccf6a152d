/**
 * A parallel engine's worker: jobs in (transferred record bytes), encoded report bytes out
 * (transferred). Any exception is posted back as an error so the run fails loudly, never hangs.
 */
import { parentPort } from 'node:worker_threads';
import { createEncoder, type Job, type JobResult } from './encode.js';

const port = parentPort!;
const encoders = new Map<string, (j: Job) => JobResult>();

port.on('message', (job: Job) => {
  try {
    let encode = encoders.get(job.key);
    if (encode === undefined) {
      encode = createEncoder(job.cfg);
      encoders.set(job.key, encode);
    }
    const r = encode(job);
    port.postMessage(r, [r.out, r.offsets.buffer as ArrayBuffer]);
  } catch (e) {
    port.postMessage({ seq: job.seq, error: e instanceof Error ? (e.stack ?? e.message) : String(e) });
  }
});
