/**
 * Errors at the file, I/O and usage boundary only (DESIGN rule 5). Each has a stable `code`, and the
 * CLI maps codes to exit codes: usage errors exit 2, everything else 1.
 */
export type ErrorCode =
  | 'ERR_BAD_MAGIC'
  | 'ERR_TRUNCATED_FILE'
  | 'ERR_BAD_RECORD'
  | 'ERR_BAD_BLOCK'
  | 'ERR_NOT_FOUND'
  | 'ERR_IO'
  | 'ERR_DECOMPRESS'
  | 'ERR_ABORTED'
  | 'ERR_FORMAT'
  | 'ERR_USAGE'
  | 'ERR_ENGINE'
  | 'ERR_ENGINE_MISSING'
  | 'ERR_UNSUPPORTED'
  | 'ERR_PROTOCOL'
  | 'ERR_STRICT'
  | 'ERR_EXISTS'
  | 'ERR_PLUGIN';

const USAGE: ReadonlySet<string> = new Set([
  'ERR_PLUGIN',
  'ERR_USAGE',
  'ERR_FORMAT',
  'ERR_ENGINE',
  'ERR_UNSUPPORTED',
  'ERR_PROTOCOL',
]);

export class PcapkitError extends Error {
  readonly code: ErrorCode;
  /** Byte offset in the (decompressed) input where the problem was found, when known. */
  readonly offset: number | undefined;
  constructor(code: ErrorCode, message: string, opts: { offset?: number; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'PcapkitError';
    this.code = code;
    this.offset = opts.offset;
  }
}

/** A format name neither given nor inferable, or unknown (PyPCAPKit's FormatError). */
export class FormatError extends PcapkitError {
  constructor(message: string) {
    super('ERR_FORMAT', message);
    this.name = 'FormatError';
  }
}

export class UsageError extends PcapkitError {
  constructor(message: string) {
    super('ERR_USAGE', message);
    this.name = 'UsageError';
  }
}

/** 0 success, 1 runtime error (input, I/O), 2 usage error. */
export function exitCodeOf(e: unknown): 1 | 2 {
  return e instanceof PcapkitError && USAGE.has(e.code) ? 2 : 1;
}
