/**
 * Every kind of input → an async sequence of byte chunks: a path, '-' (stdin), a Uint8Array, a Node
 * Readable, a web ReadableStream, or any (async) iterable of Uint8Array. Compressed captures are
 * detected by magic and decompressed as a stream (decompress.ts).
 */
import { open } from 'node:fs/promises';
import { PcapkitError } from '../core/errors.js';

export type Input =
  | string
  | URL
  | Uint8Array
  | NodeJS.ReadableStream
  | ReadableStream<Uint8Array>
  | AsyncIterable<Uint8Array>
  | Iterable<Uint8Array>;

export interface SourceOptions {
  readonly signal?: AbortSignal;
  /** Bytes per read for files (default 256 KiB). */
  readonly chunkSize?: number;
  /** Stream used for '-' (default process.stdin). */
  readonly stdin?: NodeJS.ReadableStream;
}

/** 256 KiB: big enough that an await per chunk is noise, small enough to keep peak RSS low. */
export const DEFAULT_CHUNK = 1 << 18;

export function abortError(signal: AbortSignal): PcapkitError {
  return new PcapkitError('ERR_ABORTED', 'the read was aborted', { cause: signal.reason });
}

/** A human name for the input, for messages. */
export function inputName(input: Input): string {
  if (typeof input === 'string') return input === '-' ? '<stdin>' : input;
  if (input instanceof URL) return input.pathname;
  if (input instanceof Uint8Array) return '<bytes>';
  return '<stream>';
}

async function* fileChunks(path: string, opts: SourceOptions): AsyncGenerator<Uint8Array> {
  let fh: Awaited<ReturnType<typeof open>>;
  try {
    fh = await open(path, 'r');
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'ENOENT') throw new PcapkitError('ERR_NOT_FOUND', `no such file: ${path}`, { cause: e });
    if (err.code === 'EISDIR') throw new PcapkitError('ERR_IO', `is a directory: ${path}`, { cause: e });
    throw new PcapkitError('ERR_IO', `cannot open ${path}: ${err.message}`, { cause: e });
  }
  try {
    const size = opts.chunkSize ?? DEFAULT_CHUNK;
    for (;;) {
      if (opts.signal?.aborted) throw abortError(opts.signal);
      const buf = new Uint8Array(size);
      let n: number;
      try {
        ({ bytesRead: n } = await fh.read(buf, 0, size, null));
      } catch (e) {
        throw new PcapkitError('ERR_IO', `cannot read ${path}: ${(e as Error).message}`, { cause: e });
      }
      if (n === 0) return;
      yield n === size ? buf : buf.subarray(0, n);
    }
  } finally {
    await fh.close();
  }
}

async function* streamChunks(
  it: AsyncIterable<unknown> | Iterable<unknown>,
  signal: AbortSignal | undefined,
): AsyncGenerator<Uint8Array> {
  for await (const c of it as AsyncIterable<unknown>) {
    if (signal?.aborted) throw abortError(signal);
    // Buffers become plain Uint8Array views: Buffer#slice shares memory, and frames must hold plain views.
    if (c instanceof Uint8Array) yield Buffer.isBuffer(c) ? new Uint8Array(c.buffer, c.byteOffset, c.byteLength) : c;
    else if (typeof c === 'string') yield new TextEncoder().encode(c);
    else if (c instanceof ArrayBuffer) yield new Uint8Array(c);
    else throw new PcapkitError('ERR_IO', 'the input stream gave something that is not bytes');
  }
}

async function* webStreamChunks(rs: ReadableStream<Uint8Array>, signal: AbortSignal | undefined) {
  const reader = rs.getReader();
  try {
    for (;;) {
      if (signal?.aborted) throw abortError(signal);
      const r = await reader.read();
      if (r.done) return;
      yield r.value;
    }
  } finally {
    reader.releaseLock();
    await rs.cancel().catch(() => {});
  }
}

/** Raw (possibly compressed) chunks of an input. */
export function rawChunks(input: Input, opts: SourceOptions = {}): AsyncIterable<Uint8Array> {
  if (typeof input === 'string') {
    if (input === '-') return streamChunks((opts.stdin ?? process.stdin) as AsyncIterable<unknown>, opts.signal);
    return fileChunks(input, opts);
  }
  if (input instanceof URL) return fileChunks(input.pathname, opts);
  if (input instanceof Uint8Array) return streamChunks([input], opts.signal);
  if (typeof ReadableStream !== 'undefined' && input instanceof ReadableStream)
    return webStreamChunks(input, opts.signal);
  if (Symbol.asyncIterator in (input as object) || Symbol.iterator in (input as object))
    return streamChunks(input as AsyncIterable<unknown>, opts.signal);
  throw new PcapkitError('ERR_USAGE', 'unsupported input: give a path, bytes, a stream or an (async) iterable');
}
