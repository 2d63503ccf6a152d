/**
 * NDJSON: exactly one JSON object per frame per line and nothing else on the stream (capture-level
 * information goes to the JSON report, or to stderr with -v), for jq and pipes. Same frame shape as
 * the JSON report. One write per batch; each batch is handed to the stream at once (flushed).
 */
import type { CaptureInfo } from '../capture/info.js';
import type { Frame } from '../core/frame.js';
import type { DumpContext, Dumper, DumperFactory, EncodedBatch, Sink } from './dumper.js';
import { type Formatter, reportFormatter } from './fmt.js';
import { ascii, ByteOut } from './out.js';

const NL = ascii('\n');

class NdjsonDumper implements Dumper {
  private fmt: Formatter | undefined;
  constructor(
    private readonly sink: Sink,
    private readonly ctx: DumpContext,
  ) {}
  open(info: CaptureInfo) {
    this.fmt = reportFormatter(this.ctx, info);
  }
  private readonly out = new ByteOut();
  write(frames: readonly Frame[]) {
    const fmt = this.fmt!;
    const out = this.out;
    for (let i = 0; i < frames.length; i++) {
      fmt.safeWriteJson(frames[i], out, NL);
    }
    return this.sink.write(out.take());
  }
  writeEncoded(b: EncodedBatch) {
    // The worker wrote exactly what write() would have: one line per frame. Borrowed records (a
    // worker's slot) go to the sink as they are, the slot kept until the sink has written them.
    return this.sink.write(b.records.subarray(b.offsets[0], b.offsets[b.count]), b.keep?.());
  }
  async close() {}
}

export const ndjson: DumperFactory = {
  name: 'ndjson',
  extension: '.ndjson',
  aliases: ['jsonl', 'jsonlines'],
  extensions: ['.jsonl'],
  encoding: 'ndjson',
  create: (sink, ctx) => new NdjsonDumper(sink, ctx),
};
