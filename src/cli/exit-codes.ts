/** Exit codes: 0 success, 1 runtime error (unreadable or corrupt input, I/O), 2 usage error, 130 interrupted (SIGINT). */
import { exitCodeOf } from '../core/errors.js';
import { isEpipe } from '../dump/dumper.js';

export const EXIT_OK = 0;
export const EXIT_RUNTIME = 1;
export const EXIT_USAGE = 2;
export const EXIT_INTERRUPTED = 130;

/** The exit code for an error that ended a run; a closed output pipe (`| head`) is success. */
export function exitCodeFor(e: unknown): number {
  if (isEpipe(e)) return EXIT_OK;
  return exitCodeOf(e);
}
