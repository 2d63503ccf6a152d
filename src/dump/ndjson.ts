/**
 * NDJSON: exactly one JSON object per frame per line and nothing else on the stream (capture-level
 * information goes to the JSON report, or to stderr with -v), for jq and pipes. Same frame shape as
 * the JSON report. One write per batch; each batch is handed to the stream at once (flushed).
 */
import type { CaptureInfo } from '../capture/info.js';
import type { Frame } from '../core/frame.js';
import type { DumpContext, Dumper, DumperFactory, Sink } from './dumper.js';
import { Formatter } from './fmt.js';

class NdjsonDumper implements Dumper {
  private fmt: Formatter | undefined;
  constructor(
    private readonly sink: Sink,
    private readonly ctx: DumpContext,
  ) {}
  open(info: CaptureInfo) {
    this.fmt = new Formatter({
      registry: this.ctx.registry,
      pcapng: info.format === 'pcapng',
      bytes: this.ctx.options.bytes,
    });
  }
  write(frames: readonly Frame[]) {
    const fmt = this.fmt!;
    let s = '';
    for (let i = 0; i < frames.length; i++) s += `${fmt.safeJson(frames[i])}\n`;
    return this.sink.write(s);
  }
  async close() {}
}

export const ndjson: DumperFactory = {
  name: 'ndjson',
  extension: '.ndjson',
  aliases: ['jsonl', 'jsonlines'],
  extensions: ['.jsonl'],
  create: (sink, ctx) => new NdjsonDumper(sink, ctx),
};
