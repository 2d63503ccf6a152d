/**
 * Flow numbering for the conformance run (tcp.stream / udp.stream). Uses the flow stage when it is
 * present in this build; otherwise frames are returned unchanged (those two fields then show as missing).
 */
import type { Frame } from '../../src/core/frame.js';

export async function flowNumbering(frames: Frame[]): Promise<Frame[]> {
  let mod: { numberFlows?: (f: readonly Frame[]) => Frame[] } | undefined;
  try {
    mod = (await import('../../src/stages/flow-key.js' as string)) as typeof mod;
  } catch {
    return frames;
  }
  return mod?.numberFlows ? mod.numberFlows(frames) : frames;
}
