/** build() with the default registry: `build(ethernet.make(), ipv4.make({...}), udp.make({...}), payload('hi'))`. */
import { buildWith, type Part } from '../core/build.js';
import { defaultRegistry } from '../protocols/index.js';

export function build(...parts: Part[]): Uint8Array {
  return buildWith(defaultRegistry, ...parts);
}
