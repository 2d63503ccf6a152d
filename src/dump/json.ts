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

/**
 * A frame's head in the report, `,\n"Frame N":` (`\n"Frame N":` for the document's first frame).
 * Workers write it before each record ('json-report' encoding), so a batch goes out as it is.
 */
export function writeFrameHead(out: ByteOut, n: number, first: boolean): void {
  out.raw(first ? FRAME_FIRST : FRAME_NEXT);
  out.uint(n);
  out.raw(FRAME_END);
}

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
      writeFrameHead(out, f.n, this.first);
      fmt.safeWriteJson(f, out);
      this.first = false;
    }
    return this.sink.write(out.take());
  }

  // Records encoded 'json-report': each already starts with its frame's head.
  writeEncoded(b: EncodedBatch) {
    const rec = b.records;
    const off = b.offsets;
    const count = b.count;
    if (count === 0) return;
    // Blocks are due in order of frame number: none before the batch's last frame, none inside it.
    if (!this.first && !this.blocks?.due(b.numbers[count - 1]))
      return this.sink.write(rec.subarray(off[0], off[count]), b.keep?.());
    const out = this.out;
    for (let i = 0; i < count; i++) {
      const n = b.numbers[i];
      if (this.blocks?.due(n)) {
        const s = this.entries(this.blocks.take(n));
        if (s !== '') out.str(s);
      }
      // The document's first frame: its head without the comma.
      out.bytes(rec.subarray(off[i] + (this.first ? 1 : 0), off[i + 1]));
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
  encoding: 'json-report',
  create: (sink, ctx) => new JsonDumper(sink, ctx),
};
