/**
 * Tree text, PyPCAPKit's `|--` layout:
 *
 *   Frame 1
 *     |-- number -> 1
 *     |-- ethernet
 *     |     |-- dst -> 40:33:1a:d1:85:1c
 *
 * Fields show their declared label. ANSI colour only when asked (the CLI asks on a TTY without
 * NO_COLOR / --no-color).
 */
import type { CaptureInfo } from '../capture/info.js';
import type { Frame } from '../core/frame.js';
import { BlockTracker } from './blocks.js';
import type { DumpContext, Dumper, DumperFactory, Sink } from './dumper.js';
import { type Formatter, reportFormatter } from './fmt.js';

interface Paint {
  title(s: string): string;
  key(s: string): string;
  branch(s: string): string;
}
const PLAIN: Paint = { title: (s) => s, key: (s) => s, branch: (s) => s };
const COLOUR: Paint = {
  title: (s) => `\x1b[1m${s}\x1b[22m`,
  key: (s) => `\x1b[36m${s}\x1b[39m`,
  branch: (s) => `\x1b[2m${s}\x1b[22m`,
};

function scalar(v: unknown): string {
  if (v === null || v === undefined || v === '') return 'NIL';
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  return String(v).replace(/[\r\n]/g, (c) => (c === '\r' ? '\\r' : '\\n'));
}

const HEX = /^[0-9a-f]+$/;

function isEmpty(v: unknown): boolean {
  return typeof v === 'object' && v !== null && (Array.isArray(v) ? v.length === 0 : Object.keys(v).length === 0);
}

/** The lines under one object, each prefixed with `pre`. */
export function treeLines(obj: unknown, pre: string, p: Paint = PLAIN): string {
  let s = '';
  const entries: [string, unknown][] = Array.isArray(obj)
    ? obj.map((v, i) => [`[${i}]`, v])
    : Object.entries(obj as Record<string, unknown>).filter(([, v]) => v !== undefined);
  const arr = Array.isArray(obj);
  for (let i = 0; i < entries.length; i++) {
    const [k, v] = entries[i];
    const last = i === entries.length - 1;
    const arrow = arr ? '|--> ' : '|-- ';
    const label = arr ? '' : p.key(k);
    if (!arr && k === 'data' && typeof v === 'string' && v.length > 32 && HEX.test(v)) {
      // Payload bytes as PyPCAPKit shows them: spaced hex pairs, 16 bytes per line.
      s += `${pre}${p.branch('  |-- ')}${label}\n`;
      const inner = pre + p.branch(last ? '      ' : '  |   ');
      for (let i = 0; i < v.length; i += 32) {
        const row = v.slice(i, i + 32).replace(/(..)(?!$)/g, '$1 ');
        s += `${inner}${p.branch(i === 0 ? '  |--> ' : '       ')}${row}\n`;
      }
    } else if (typeof v === 'object' && v !== null && !isEmpty(v)) {
      s += `${pre}${p.branch(`  ${arrow}`)}${arr ? k : label}\n`;
      s += treeLines(v, pre + p.branch(last ? '      ' : '  |   '), p);
    } else {
      const text = isEmpty(v) ? 'NIL' : scalar(v);
      s += arr ? `${pre}${p.branch(`  ${arrow}`)}${text}\n` : `${pre}${p.branch(`  ${arrow}`)}${label} -> ${text}\n`;
    }
  }
  return s;
}

class TreeDumper implements Dumper {
  private fmt: Formatter | undefined;
  private blocks: BlockTracker | undefined;
  private readonly paint: Paint;
  constructor(
    private readonly sink: Sink,
    private readonly ctx: DumpContext,
  ) {
    this.paint = ctx.options.color === true ? COLOUR : PLAIN;
  }
  private block(name: string, rec: unknown): string {
    return `${this.paint.title(name)}\n${treeLines(rec, '', this.paint)}\n`;
  }
  open(info: CaptureInfo) {
    this.fmt = reportFormatter(this.ctx, info, true);
    if (!this.ctx.options.headerless) this.blocks = new BlockTracker(info);
    let s = '';
    if (this.blocks) for (const [n, r] of this.blocks.take(1)) s += this.block(n, r);
    return this.sink.write(s);
  }
  write(frames: readonly Frame[]) {
    let s = '';
    for (const f of frames) {
      if (this.blocks?.due(f.n)) for (const [n, r] of this.blocks.take(f.n)) s += this.block(n, r);
      s += this.block(`Frame ${f.n}`, this.fmt!.safeRecord(f));
    }
    return this.sink.write(s);
  }
  async close() {
    let s = '';
    if (this.blocks) for (const [n, r] of this.blocks.take(Number.POSITIVE_INFINITY)) s += this.block(n, r);
    if (s !== '') await this.sink.write(s);
  }
}

export const tree: DumperFactory = {
  name: 'tree',
  extension: '.txt',
  aliases: ['txt', 'text'],
  create: (sink, ctx) => new TreeDumper(sink, ctx),
};
