/** Placeholder: the reassembly issue (4) replaces this file with the real `trace()`. */
import { PcapkitError } from '../core/errors.js';

export function trace(_options: Record<string, unknown> = {}): never {
  throw new PcapkitError('ERR_UNSUPPORTED', 'trace() is not available in this build yet');
}
