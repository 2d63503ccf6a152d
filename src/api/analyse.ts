/**
 * analyse(bytes): dissect one packet's bytes on their own. With `linktype` (default Ethernet) the
 * bytes are a whole frame; with `protocol` they start at that protocol (e.g. 'http1' for a payload).
 */
import { Bytes } from '../core/bytes.js';
import { createDissector, type DissectOptions } from '../core/dissect.js';
import { PcapkitError } from '../core/errors.js';
import type { Frame } from '../core/frame.js';
import { defineProtocol } from '../core/protocol.js';
import type { Registry } from '../core/registry.js';
import { defaultRegistry } from '../protocols/index.js';

export interface AnalyseOptions extends Partial<Omit<DissectOptions, 'registry'>> {
  readonly linktype?: number;
  /** Start dissecting at this protocol (by name) instead of at the link type. */
  readonly protocol?: string;
  readonly registry?: Registry;
}

const ANALYSE_LINKTYPE = 0x7fff_fffe;

export function analyse(data: Uint8Array, opts: AnalyseOptions = {}): Frame {
  let reg = opts.registry ?? defaultRegistry;
  let linktype = opts.linktype ?? 1;
  if (opts.protocol !== undefined) {
    const p = reg.byName(opts.protocol);
    if (!p) throw new PcapkitError('ERR_PROTOCOL', `unknown protocol '${opts.protocol}'`);
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
    reg = reg.with(start, { ...p, bind: { ...p.bind, analyse: [0] } } as typeof p);
    reg = reg.decodeAs('linktype', ANALYSE_LINKTYPE, start.name);
    linktype = ANALYSE_LINKTYPE;
    const f = createDissector({ ...opts, registry: reg })(rawOf(data, linktype));
    return { ...f, layers: f.layers.slice(1), issues: f.issues.map((i) => ({ ...i, layer: i.layer - 1 })) };
  }
  return createDissector({ ...opts, registry: reg })(rawOf(data, linktype));
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
