/** Placeholder: the reassembly issue (4) replaces this file with the real `reassemble()`. */
import { PcapkitError } from '../core/errors.js';

export function reassemble(protocol: 'ipv4' | 'ipv6' | 'tcp', _options: Record<string, unknown> = {}): never {
  throw new PcapkitError('ERR_UNSUPPORTED', `reassemble('${protocol}') is not available in this build yet`);
}
