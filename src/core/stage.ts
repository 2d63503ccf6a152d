/**
 * Stages between dissection and output (DESIGN §3.1): plain functions over batches, composed in one
 * place (src/api/extract.ts). Reassembly, application parsing, tracing and filtering are stages.
 */
import type { Frame } from './frame.js';

export type Stage = (frames: AsyncIterable<readonly Frame[]>) => AsyncIterable<readonly Frame[]>;

export function compose(stages: readonly Stage[]): Stage {
  return (src) => stages.reduce((acc, s) => s(acc), src);
}
