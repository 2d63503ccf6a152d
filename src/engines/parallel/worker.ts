/**
 * A parallel engine's worker: jobs in (transferred record bytes), encoded report bytes out
 * (transferred). Any exception is posted back as an error so the run fails loudly, never hangs.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { createEncoder, type Job, type JobConfig } from './encode.js';

const port = parentPort!;
const encode = createEncoder(workerData as JobConfig);

port.on('message', (job: Job) => {
  try {
    const r = encode(job);
    port.postMessage(r, [r.out, r.offsets.buffer as ArrayBuffer]);
  } catch (e) {
    port.postMessage({ seq: job.seq, error: e instanceof Error ? (e.stack ?? e.message) : String(e) });
  }
});
