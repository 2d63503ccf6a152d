/**
 * The stage list for a run: plain functions over batches (DESIGN §3.1), composed in
 * src/api/extract.ts. Each feature adds its stage here with one `if` and one push, in pipeline
 * order: ip-defrag → tcp-stream → app → trace → filter.
 */
import type { ResolvedOptions } from '../api/options.js';
import type { Registry } from '../core/registry.js';
import type { Stage } from '../core/stage.js';
import type { WarningCode } from '../core/warnings.js';

/** What a run exposes afterwards, filled by stages (reassembled datagrams, traced flows, …). */
export interface RunResults {
  readonly reassembly: { ipv4?: readonly unknown[]; ipv6?: readonly unknown[]; tcp?: readonly unknown[] };
  flows?: readonly unknown[];
  /** Anything else a stage wants to expose (`extraction.results.<name>`). */
  readonly extra: Record<string, unknown>;
}

export interface StageContext {
  readonly registry: Registry;
  readonly signal: AbortSignal | undefined;
  readonly results: RunResults;
  warn(code: WarningCode, message: string): void;
}

export function buildStages(o: ResolvedOptions, ctx: StageContext): Stage[] {
  const stages: Stage[] = [];
  void o;
  void ctx;
  return stages;
}
