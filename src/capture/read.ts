/**
 * readCapture(): any input → batches of RawFrame, one batch per read chunk (DESIGN rule 9). Memory
 * is one chunk plus the unparsed tail of the previous one, whatever the file size. A file-level
 * problem (bad magic, a record cut at EOF, an absurd length) is thrown after every good frame
 * before it has been yielded.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { Bytes } from '../core/bytes.js';
import { PcapkitError } from '../core/errors.js';
import type { RawFrame } from '../core/frame.js';
import { unwrap } from './decompress.js';
import { detect } from './detect.js';
import type { CaptureInfo } from './info.js';
import type { ParserOptions, RecordParser } from './parser.js';
import { PcapParser } from './pcap.js';
import { PcapngParser } from './pcapng.js';
import { abortError, DEFAULT_CHUNK, type Input, inputName, rawChunks, type SourceOptions } from './source.js';

export interface ReadOptions extends SourceOptions, ParserOptions {
  /**
   * Plain files: reuse read buffers. The caller promises it is done with a batch's frames (and
   * their bytes) when it asks for the next batch. A parallel engine copies records out at once;
   * without reuse its mostly idle main thread let chunk buffers pile up into full GCs.
   */
  readonly reuseBuffers?: boolean;
  /**
   * Plain files: where a chunk is read, `bytes` long (chunk size plus headroom for a record cut
   * by the previous chunk), or undefined for a buffer of the reader's own. A buffer given here is
   * the caller's: the reader fills and parses it once and never reuses it. The parallel engine
   * reads straight into a worker's shared slot, so nothing is copied to hand the chunk over.
   */
  readonly buffer?: (bytes: number) => Uint8Array | undefined;
}

function newInfo(format: 'pcap' | 'pcapng', compression: readonly string[]): CaptureInfo {
  return { format, compression, sections: [], blocks: [], droppedBlocks: 0 };
}

function parserFor(
  format: string,
  info: CaptureInfo,
  opts: ParserOptions,
): RecordParser & { setBase(n: number): void } {
  return format === 'pcap' ? new PcapParser(info, opts) : new PcapngParser(info, opts);
}

function notCapture(name: string, what: string): PcapkitError {
  const hint =
    what === 'bzip2'
      ? 'bzip2-compressed captures are not supported; decompress it first'
      : 'not a pcap or pcapng capture (unknown magic)';
  return new PcapkitError('ERR_BAD_MAGIC', `${name}: ${hint}`, { offset: 0 });
}

/** A capture being read: `info` resolves once the header is known; `batches()` drives the reading. */
export interface CaptureReader {
  readonly name: string;
  readonly info: Promise<CaptureInfo>;
  batches(): AsyncGenerator<readonly RawFrame[], void, undefined>;
}

export function readCapture(input: Input, opts: ReadOptions = {}): CaptureReader {
  const name = inputName(input);
  let resolveInfo!: (i: CaptureInfo) => void;
  let rejectInfo!: (e: unknown) => void;
  const info = new Promise<CaptureInfo>((res, rej) => {
    resolveInfo = res;
    rejectInfo = rej;
  });
  info.catch(() => {}); // the iterator reports the same error
  let started = false;

  async function* batches(): AsyncGenerator<readonly RawFrame[], void, undefined> {
    if (started) throw new PcapkitError('ERR_USAGE', 'a capture reader can be iterated only once');
    started = true;
    const signal = opts.signal;
    let parser: (RecordParser & { setBase(n: number): void }) | undefined;
    try {
      if (signal?.aborted) throw abortError(signal);
      if (typeof input === 'string' && input !== '-' && isPlainCaptureFile(input)) {
        yield* plainFile(input, opts, (i) => resolveInfo(i));
        return;
      }
      const u = await unwrap(rawChunks(input, opts));
      if (u.format !== 'pcap' && u.format !== 'pcapng') {
        // drain nothing more; close the source
        const it = u.chunks[Symbol.asyncIterator]();
        await it.return?.();
        throw notCapture(name, u.format);
      }
      const inf = newInfo(u.format, u.compression);
      parser = parserFor(u.format, inf, opts);
      let left: Uint8Array | undefined;
      let consumed = 0; // input offset of the start of `left`
      let headerKnown = false;
      for await (const chunk of u.chunks) {
        if (signal?.aborted) throw abortError(signal);
        let buf: Uint8Array;
        if (left && left.length > 0) {
          buf = new Uint8Array(left.length + chunk.length);
          buf.set(left, 0);
          buf.set(chunk, left.length);
        } else buf = chunk;
        const b = new Bytes(buf);
        const out: RawFrame[] = [];
        parser.setBase(consumed);
        const at = parser.parse(b, 0, buf.length, out);
        consumed += at;
        // Copy the tail so the next chunk's buffer does not keep this one alive through `left`.
        left = at < buf.length ? buf.slice(at) : undefined;
        if (!headerKnown && (parser.info.pcap !== undefined || parser.info.sections.length > 0)) {
          headerKnown = true;
          resolveInfo(parser.info);
        }
        if (out.length) yield out;
        if (parser.error) throw parser.error;
      }
      if (!headerKnown) resolveInfo(parser.info);
      const err = parser.finish(consumed, left?.length ?? 0);
      if (err) throw err;
    } catch (e) {
      rejectInfo(e);
      throw e;
    }
  }

  return { name, info, batches };
}

/**
 * Plain capture files: the next chunk's read is started before the current one is parsed, so disk
 * (a thread-pool read) and parsing overlap. Each buffer keeps `HEADROOM` bytes free in front, where the
 * previous chunk's unparsed tail (a record cut by the chunk boundary) is copied: no chunk is copied whole.
 */
const HEADROOM = 64 * 1024;

async function* plainFile(
  path: string,
  opts: ReadOptions,
  onInfo: (i: CaptureInfo) => void,
): AsyncGenerator<readonly RawFrame[], void, undefined> {
  let fh: Awaited<ReturnType<typeof open>>;
  try {
    fh = await open(path, 'r');
  } catch (e) {
    throw new PcapkitError('ERR_IO', `cannot open ${path}: ${(e as Error).message}`, { cause: e });
  }
  const size = opts.chunkSize ?? DEFAULT_CHUNK;
  let pos = 0;
  const spare: Uint8Array[] = [];
  type Read = { buf: Uint8Array; n: number; lent: boolean };
  const readNext = (): Promise<Read> => {
    const lent = opts.buffer?.(HEADROOM + size);
    // Not zeroed (allocUnsafeSlow): every byte parsed is read from the file or copied in first; a
    // plain Uint8Array over it, so decoders see one array class whatever the source.
    const buf =
      lent ?? spare.pop() ?? new Uint8Array(Buffer.allocUnsafeSlow(HEADROOM + size).buffer, 0, HEADROOM + size);
    const at = pos;
    pos += size;
    return fh.read(buf, HEADROOM, size, at).then(
      (r) => ({ buf, n: r.bytesRead, lent: lent !== undefined }),
      (e) => {
        throw new PcapkitError('ERR_IO', `cannot read ${path}: ${(e as Error).message}`, { cause: e });
      },
    );
  };
  let pending: Promise<Read> | undefined;
  try {
    let parser: (RecordParser & { setBase(n: number): void }) | undefined;
    let left: Uint8Array | undefined;
    let consumed = 0;
    let told = false;
    let prev: Uint8Array | undefined;
    pending = readNext();
    for (;;) {
      if (opts.signal?.aborted) throw abortError(opts.signal);
      const { buf, n, lent }: Read = await pending;
      // Asked for the next batch: the previous chunk's buffer is free again (if it is ours).
      if (opts.reuseBuffers && prev !== undefined) spare.push(prev);
      prev = lent ? undefined : buf;
      pending = n === size ? readNext() : undefined;
      if (n === 0) break;
      opts.onRead?.(n);
      const keep = left?.length ?? 0;
      let view: Uint8Array;
      if (keep === 0) view = buf.subarray(HEADROOM, HEADROOM + n);
      else if (keep <= HEADROOM) {
        buf.set(left!, HEADROOM - keep);
        view = buf.subarray(HEADROOM - keep, HEADROOM + n);
      } else {
        view = new Uint8Array(keep + n); // a record larger than the headroom: merge by copying
        view.set(left!, 0);
        view.set(buf.subarray(HEADROOM, HEADROOM + n), keep);
      }
      const total = view.length;
      if (!parser) {
        const fmt = detect(view);
        if (fmt !== 'pcap' && fmt !== 'pcapng') throw notCapture(path, fmt);
        parser = parserFor(fmt, newInfo(fmt, []), opts);
      }
      const b = new Bytes(view);
      const out: RawFrame[] = [];
      parser.setBase(consumed);
      const at = parser.parse(b, 0, total, out);
      consumed += at;
      left = at < total ? view.slice(at, total) : undefined;
      if (!told && (parser.info.pcap || parser.info.sections.length)) {
        told = true;
        onInfo(parser.info);
      }
      if (out.length) yield out;
      if (parser.error) throw parser.error;
      if (!pending) break;
    }
    if (!parser) throw notCapture(path, 'unknown');
    onInfo(parser.info);
    const err = parser.finish(consumed, left?.length ?? 0);
    if (err) throw err;
  } finally {
    await pending?.catch(() => {});
    await fh.close();
  }
}

/**
 * The synchronous fast path for plain (uncompressed) files: `readSync` into fresh buffers, no
 * promises. Returns undefined when the file is compressed or not a capture, so callers fall back.
 */
export function* readCaptureSync(
  path: string,
  opts: ParserOptions & { chunkSize?: number; info?: (i: CaptureInfo) => void } = {},
): Generator<readonly RawFrame[], void, undefined> {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'ENOENT') throw new PcapkitError('ERR_NOT_FOUND', `no such file: ${path}`, { cause: e });
    throw new PcapkitError('ERR_IO', `cannot open ${path}: ${err.message}`, { cause: e });
  }
  try {
    const size = opts.chunkSize ?? DEFAULT_CHUNK;
    let parser: (RecordParser & { setBase(n: number): void }) | undefined;
    let left: Uint8Array | undefined;
    let consumed = 0;
    let pos = 0;
    for (;;) {
      const keep = left?.length ?? 0;
      // Not zero-filled: readSync overwrites what is parsed ([0, keep + n)), nothing past it is read.
      const buf = new Uint8Array(Buffer.allocUnsafeSlow(keep + size).buffer, 0, keep + size);
      if (left) buf.set(left, 0);
      let n: number;
      try {
        n = readSync(fd, buf, keep, size, pos);
      } catch (e) {
        throw new PcapkitError('ERR_IO', `cannot read ${path}: ${(e as Error).message}`, { cause: e });
      }
      pos += n;
      if (n === 0) break;
      const total = keep + n;
      if (!parser) {
        const fmt = detect(buf.subarray(0, total));
        if (fmt !== 'pcap' && fmt !== 'pcapng') throw notCapture(path, fmt);
        parser = parserFor(fmt, newInfo(fmt, []), opts);
      }
      const b = new Bytes(buf.subarray(0, total));
      const out: RawFrame[] = [];
      parser.setBase(consumed);
      const at = parser.parse(b, 0, total, out);
      consumed += at;
      left = at < total ? buf.slice(at, total) : undefined;
      if (opts.info && (parser.info.pcap || parser.info.sections.length)) {
        opts.info(parser.info);
        opts.info = undefined;
      }
      if (out.length) yield out;
      if (parser.error) throw parser.error;
    }
    if (!parser) throw notCapture(path, 'unknown');
    opts.info?.(parser.info);
    const err = parser.finish(consumed, left?.length ?? 0);
    if (err) throw err;
  } finally {
    closeSync(fd);
  }
}

/** True when the path names a plain capture the sync fast path can read (not compressed, not stdin). */
export function isPlainCaptureFile(path: string): boolean {
  if (path === '-') return false;
  try {
    const fd = openSync(path, 'r');
    try {
      const head = new Uint8Array(8);
      const n = readSync(fd, head, 0, 8, 0);
      const f = detect(head.subarray(0, n));
      return f === 'pcap' || f === 'pcapng';
    } finally {
      closeSync(fd);
    }
  } catch {
    return false;
  }
}

export { DEFAULT_CHUNK };
