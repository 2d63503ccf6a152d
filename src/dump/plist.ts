/**
 * Apple XML property list (plist 1.0), streamed: the header at open, one `<key>Frame N</key><dict>`
 * per frame, the closing tags in `close()` (called in `finally`). Text is XML-escaped and characters
 * XML 1.0 cannot carry are replaced by U+FFFD, so any standard plist parser loads the file. Values
 * that are absent are omitted (a plist has no null).
 */
import type { CaptureInfo } from '../capture/info.js';
import type { Frame } from '../core/frame.js';
import { BlockTracker } from './blocks.js';
import type { DumpContext, Dumper, DumperFactory, Sink } from './dumper.js';
import { type Formatter, reportFormatter } from './fmt.js';

const HEAD =
  '<?xml version="1.0" encoding="UTF-8"?>\n' +
  '<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">\n' +
  '<plist version="1.0">\n<dict>\n';

// XML 1.0 §2.2 Char, minus what must be escaped.
const BAD =
  /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

export function xmlEscape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(BAD, '\ufffd');
}

/** One plain value as plist XML at indentation `ind` (tabs). */
export function plistValue(v: unknown, ind: string): string {
  switch (typeof v) {
    case 'string':
      return `${ind}<string>${xmlEscape(v)}</string>\n`;
    case 'number':
      return Number.isInteger(v) ? `${ind}<integer>${v}</integer>\n` : `${ind}<real>${v}</real>\n`;
    case 'boolean':
      return v ? `${ind}<true/>\n` : `${ind}<false/>\n`;
    case 'bigint':
      return `${ind}<integer>${v}</integer>\n`;
    case 'object': {
      if (v === null) return '';
      const inner = `${ind}\t`;
      if (Array.isArray(v)) {
        if (v.length === 0) return `${ind}<array/>\n`;
        let s = `${ind}<array>\n`;
        for (const x of v) s += x === null || x === undefined ? `${inner}<string></string>\n` : plistValue(x, inner);
        return `${s}${ind}</array>\n`;
      }
      let s = '';
      for (const [k, x] of Object.entries(v)) {
        if (x === undefined || x === null) continue;
        s += `${inner}<key>${xmlEscape(k)}</key>\n${plistValue(x, inner)}`;
      }
      return s === '' ? `${ind}<dict/>\n` : `${ind}<dict>\n${s}${ind}</dict>\n`;
    }
    default:
      return '';
  }
}

class PlistDumper implements Dumper {
  private fmt: Formatter | undefined;
  private blocks: BlockTracker | undefined;
  private opened = false;
  constructor(
    private readonly sink: Sink,
    private readonly ctx: DumpContext,
  ) {}
  private entries(list: readonly (readonly [string, unknown])[]): string {
    let s = '';
    for (const [name, rec] of list) s += `\t<key>${xmlEscape(name)}</key>\n${plistValue(rec, '\t')}`;
    return s;
  }
  open(info: CaptureInfo) {
    this.opened = true;
    this.fmt = reportFormatter(this.ctx, info);
    if (!this.ctx.options.headerless) this.blocks = new BlockTracker(info);
    return this.sink.write(HEAD + (this.blocks ? this.entries(this.blocks.take(1)) : ''));
  }
  write(frames: readonly Frame[]) {
    let s = '';
    for (const f of frames) {
      if (this.blocks?.due(f.n)) s += this.entries(this.blocks.take(f.n));
      s += this.entries([[`Frame ${f.n}`, this.fmt!.safeRecord(f)]]);
    }
    return this.sink.write(s);
  }
  async close() {
    let s = this.opened ? '' : HEAD;
    if (this.blocks) s += this.entries(this.blocks.take(Number.POSITIVE_INFINITY));
    await this.sink.write(`${s}</dict>\n</plist>\n`);
  }
}

export const plist: DumperFactory = {
  name: 'plist',
  extension: '.plist',
  aliases: ['xml'],
  extensions: ['.xml'],
  create: (sink, ctx) => new PlistDumper(sink, ctx),
};
