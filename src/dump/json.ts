/**
 * JSON report: one document, PyPCAPKit's block names as keys ("Global Header", "Frame 1", …), one
 * block per line. The closing brace is written by `close()`, which the run calls in `finally`, so the
 * document is valid after an error, an abort or a malformed frame (a frame that cannot be formatted
 * becomes a record with a `dump.exception` issue).
 */
import type { CaptureInfo } from '../capture/info.js';
import type { Frame } from '../core/frame.js';
import { BlockTracker, type NamedRecord } from './blocks.js';
import type { DumpContext, Dumper, DumperFactory, EncodedBatch, Sink } from './dumper.js';
import { asciiJson, type Formatter, reportFormatter } from './fmt.js';
import { ascii, ByteOut } from './out.js';

const FRAME_FIRST = ascii('\n"Frame ');
const FRAME_NEXT = ascii(',\n"Frame ');
const FRAME_END = ascii('":');

class JsonDumper implements Dumper {
  private fmt: Formatter | undefined;
  private blocks: BlockTracker | undefined;
  private first = true;
  private opened = false;
  constructor(
    private readonly sink: Sink,
    private readonly ctx: DumpContext,
  ) {}

  private entries(list: readonly NamedRecord[]): string {
    let s = '';
    for (const [name, rec] of list) {
      s += `${this.first ? '\n' : ',\n'}${asciiJson(name)}:${asciiJson(rec)}`;
      this.first = false;
    }
    return s;
  }

  open(info: CaptureInfo) {
    this.opened = true;
    this.fmt = reportFormatter(this.ctx, info);
    if (!this.ctx.options.headerless) this.blocks = new BlockTracker(info);
    return this.sink.write(`{${this.blocks ? this.entries(this.blocks.take(1)) : ''}`);
  }

  private readonly out = new ByteOut();
  write(frames: readonly Frame[]) {
    const fmt = this.fmt!;
    const out = this.out;
    for (let i = 0; i < frames.length; i++) {
      const f = frames[i];
      if (this.blocks?.due(f.n)) {
        const b = this.entries(this.blocks.take(f.n));
        if (b !== '') out.str(b);
      }
      out.raw(this.first ? FRAME_FIRST : FRAME_NEXT);
      out.uint(f.n);
      out.raw(FRAME_END);
      fmt.safeWriteJson(f, out);
      this.first = false;
    }
    return this.sink.write(out.take());
  }

  writeEncoded(b: EncodedBatch) {
    const out = this.out;
    const rec = b.records;
    const off = b.offsets;
    for (let i = 0; i < b.count; i++) {
      const n = b.numbers[i];
      if (this.blocks?.due(n)) {
        const s = this.entries(this.blocks.take(n));
        if (s !== '') out.str(s);
      }
      out.raw(this.first ? FRAME_FIRST : FRAME_NEXT);
      out.uint(n);
      out.raw(FRAME_END);
      out.bytes(rec.subarray(off[i], off[i + 1]));
      this.first = false;
    }
    return this.sink.write(out.take());
  }

  async close() {
    let s = this.opened ? '' : '{';
    if (this.blocks) s += this.entries(this.blocks.take(Number.POSITIVE_INFINITY));
    await this.sink.write(`${s}\n}\n`);
  }
}

export const json: DumperFactory = {
  name: 'json',
  extension: '.json',
  encoding: 'json',
  create: (sink, ctx) => new JsonDumper(sink, ctx),
};
