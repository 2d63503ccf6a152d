/**
 * analyse(bytes): dissect one packet's bytes on their own. With `linktype` (default Ethernet) the
 * bytes are a whole frame; with `protocol` they start at that protocol (e.g. 'http1' for a payload).
 */
import { Bytes } from '../core/bytes.js';
import { createDissector, type DissectOptions } from '../core/dissect.js';
import { PcapkitError } from '../core/errors.js';
import type { Frame } from '../core/frame.js';
import { NO_ISSUES } from '../core/issue.js';
import { defineProtocol } from '../core/protocol.js';
import type { Registry } from '../core/registry.js';
import { defaultRegistry } from '../protocols/index.js';

export interface AnalyseOptions extends Partial<Omit<DissectOptions, 'registry'>> {
  readonly linktype?: number;
  /**
   * Start dissecting at this protocol (by name) instead of at the link type; 'auto' tries every
   * registered application protocol's heuristic probe in registry order (PyPCAPKit 0.x's analyse:
   * FTP, HTTP/1, HTTP/2 …) and leaves the bytes raw when none claims them.
   */
  readonly protocol?: string;
  readonly registry?: Registry;
}

const ANALYSE_LINKTYPE = 0x7fff_fffe;

/** Trampoline registries per (registry, protocol): building a registry allocates its dense tables,
 *  far more than dissecting a packet costs, so analyse() in a loop must not rebuild one per call. */
const trampolines = new WeakMap<Registry, Map<string, Registry>>();

export function analyse(data: Uint8Array, opts: AnalyseOptions = {}): Frame {
  const reg = opts.registry ?? defaultRegistry;
  const linktype = opts.linktype ?? 1;
  if (opts.protocol === 'auto') {
    const b = new Bytes(data);
    const guess = reg.protocols.find((p) => p.layer === 'application' && p.probe?.(b, 0, data.length) === true);
    if (guess === undefined) return { ...rawOf(data, linktype), layers: [], issues: NO_ISSUES };
    return analyse(data, { ...opts, protocol: guess.name });
  }
  if (opts.protocol !== undefined) {
    const p = reg.byName(opts.protocol);
    if (!p) throw new PcapkitError('ERR_PROTOCOL', `unknown protocol '${opts.protocol}'`);
    let byName = trampolines.get(reg);
    if (byName === undefined) trampolines.set(reg, (byName = new Map()));
    const cached = byName.get(p.name);
    if (cached !== undefined) return fromTrampoline(data, opts, cached);
    // A one-entry trampoline: link type ANALYSE_LINKTYPE leads straight to the chosen protocol.
    const start = defineProtocol({
      name: `analyse:${p.name}`,
      abbrev: 'analyse',
      title: 'analyse',
      layer: 'link',
      header: {},
      bind: {},
      next: () => ({ table: 'analyse', key: 0 }),
    });
    const t = reg
      .with(start, { ...p, bind: { ...p.bind, analyse: [0] } } as typeof p)
      .decodeAs('linktype', ANALYSE_LINKTYPE, start.name);
    byName.set(p.name, t);
    return fromTrampoline(data, opts, t);
  }
  return createDissector({ ...opts, registry: reg })(rawOf(data, linktype));
}

function fromTrampoline(data: Uint8Array, opts: AnalyseOptions, reg: Registry): Frame {
  const f = createDissector({ ...opts, registry: reg })(rawOf(data, ANALYSE_LINKTYPE));
  return { ...f, layers: f.layers.slice(1), issues: f.issues.map((i) => ({ ...i, layer: i.layer - 1 })) };
}

function rawOf(data: Uint8Array, linktype: number) {
  return {
    n: 1,
    bytes: new Bytes(data),
    start: 0,
    end: data.length,
    origLen: data.length,
    tsSec: 0,
    tsNsec: 0,
    hasTs: true,
    linktype,
    iface: 0,
    fcsLen: 0,
    comments: undefined,
    opts: undefined,
    section: 0,
  };
}
