/**
 * One warning channel. Something the caller should know but that does not stop the run (an engine
 * ignoring a feature, an unknown layer name, a format guessed from the extension) is a
 * `PcapkitWarning` with a stable `code`. Callers observe or silence it per call with the `onWarning`
 * option; without one, warnings go to `process.emitWarning` (so `process.on('warning')` observes them
 * and `node --no-warnings` silences them) and `info` ones are dropped.
 */

export type WarningCode =
  | 'W_ENGINE_FEATURE' // the engine ignores a requested feature (e.g. stopAt)
  | 'W_UNKNOWN_LAYER' // stopAt.layer is not link/internet/transport/application
  | 'W_UNKNOWN_PROTOCOL' // stopAt.protocol names no protocol in the registry
  | 'W_FORMAT_GUESSED' // the report format was inferred from the output file's extension
  | 'W_LINKTYPE_MIXED' // a pcap report cannot hold frames of several link types; some were skipped
  | 'W_OPTION_IGNORED' // an option has no effect with the others given (e.g. files with nofile)
  | (string & {});

export class PcapkitWarning extends Error {
  readonly code: WarningCode;
  /** 'info' warnings are for callers that asked (verbose); the default channel drops them. */
  readonly level: 'warning' | 'info';
  constructor(code: WarningCode, message: string, level: 'warning' | 'info' = 'warning') {
    super(message);
    this.name = 'PcapkitWarning';
    this.code = code;
    this.level = level;
  }
}

export type WarningHandler = (w: PcapkitWarning) => void;

/** The default channel: Node's own warning mechanism, `info` level dropped. */
export const defaultWarningHandler: WarningHandler = (w) => {
  if (w.level === 'info') return;
  process.emitWarning(w.message, { type: 'PcapkitWarning', code: w.code });
};

/** Send a warning to the caller's handler, or to the default channel. */
export function warn(
  handler: WarningHandler | undefined,
  code: WarningCode,
  message: string,
  level: 'warning' | 'info' = 'warning',
): void {
  (handler ?? defaultWarningHandler)(new PcapkitWarning(code, message, level));
}
