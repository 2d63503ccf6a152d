/**
 * Dispatch tables as a value, never a global (DESIGN rule 7/8): link type, EtherType, IP protocol
 * number, TCP/UDP port, heuristics, and option-handler tables. A user extends it by making a new one:
 * `createRegistry([...builtins, vxlan])` or `registry.with(vxlan)`.
 */
import type { Next, OptionHandler, Protocol, Table } from './protocol.js';

export interface Registry {
  /** Every protocol, in registration order. */
  readonly protocols: readonly Protocol[];
  lookup(table: Table, key: number): Protocol | undefined;
  heuristics(table: Table): readonly Protocol[];
  byName(name: string): Protocol | undefined;
  /** An option/parameter handler: `handler('tcp.option', 2)` is MSS. */
  handler(table: string, kind: number): OptionHandler<any> | undefined;
  /** A new registry with these protocols added (later ones win for the same table key). */
  with(...protocols: Protocol[]): Registry;
  /** Like `tshark -d tcp.port==8097,http2`: a new registry where `key` in `table` goes to `name`. */
  decodeAs(table: Table, key: number, name: string): Registry;
  /** A new registry with an extra option/parameter handler (a vendor TCP option, a HIP parameter…). */
  withHandler(table: string, kind: number, handler: OptionHandler<any>): Registry;
  /** Entries of one table, for listing and tests. */
  entries(table: Table): ReadonlyMap<number, Protocol>;
  /** The names of tables that have entries. */
  tables(): readonly Table[];
}

interface State {
  readonly protocols: readonly Protocol[];
  readonly overrides: readonly (readonly [Table, number, string])[];
  readonly extraHandlers: readonly (readonly [string, number, OptionHandler<any>])[];
}

const EMPTY: readonly Protocol[] = Object.freeze([]);

function build(state: State): Registry {
  const tables = new Map<Table, Map<number, Protocol>>();
  const heur = new Map<Table, Protocol[]>();
  const names = new Map<string, Protocol>();
  const handlers = new Map<string, Map<number, OptionHandler<any>>>();
  const addHandler = (t: string, k: number, h: OptionHandler<any>) => {
    let m = handlers.get(t);
    if (!m) handlers.set(t, (m = new Map()));
    m.set(k, h);
  };
  for (const p of state.protocols) {
    names.set(p.name, p);
    if (p.bind) {
      for (const [t, keys] of Object.entries(p.bind)) {
        let m = tables.get(t);
        if (!m) tables.set(t, (m = new Map()));
        for (const k of keys ?? []) m.set(k, p);
      }
    }
    if (p.heuristic && p.probe) {
      for (const t of p.heuristic) {
        const list = heur.get(t) ?? [];
        heur.set(
          t,
          list.filter((x) => x.name !== p.name),
        );
        heur.get(t)!.push(p);
      }
    }
    if (p.handlers) {
      for (const [t, byKind] of Object.entries(p.handlers)) {
        for (const [k, h] of Object.entries(byKind)) addHandler(t, Number(k), h);
      }
    }
  }
  for (const [t, k, h] of state.extraHandlers) addHandler(t, k, h);
  for (const [t, k, n] of state.overrides) {
    const p = names.get(n);
    if (!p) throw new RangeError(`decodeAs: no protocol named '${n}' in this registry`);
    let m = tables.get(t);
    if (!m) tables.set(t, (m = new Map()));
    m.set(k, p);
  }
  // Dense arrays for u16 keys (EtherTypes, ports, protocol numbers): an index beats a Map lookup
  // on the hot path (DESIGN §3.5 rule 7 left this door open); larger keys fall back to the Map.
  const dense = new Map<Table, (Protocol | undefined)[]>();
  for (const [t, m] of tables) {
    const arr: (Protocol | undefined)[] = new Array(65536).fill(undefined);
    for (const [k, p] of m) if (k >= 0 && k < 65536) arr[k] = p;
    dense.set(t, arr);
  }
  // Tables by name through a short array scanned with `===` (table names are interned literals, so
  // this compares pointers): a frame alternates linktype → ethertype → ipproto → tcp, so a one-entry
  // cache always missed and each lookup paid two Map hashes (5.5% of dissection in a perf profile).
  const tNames: Table[] = [];
  const tDense: (Protocol | undefined)[][] = [];
  const tMaps: Map<number, Protocol>[] = [];
  const hot = ['linktype', 'ethertype', 'ip.proto', 'tcp.port', 'udp.port'];
  const order = [...tables].sort(([a], [b]) => (hot.indexOf(a) >>> 0) - (hot.indexOf(b) >>> 0));
  for (const [t, m] of order) {
    tNames.push(t);
    tDense.push(dense.get(t)!);
    tMaps.push(m);
  }
  const lookup = (t: Table, k: number): Protocol | undefined => {
    for (let i = 0; i < tNames.length; i++) {
      if (tNames[i] === t) return k >= 0 && k < 65536 ? tDense[i][k] : tMaps[i].get(k);
    }
    return undefined;
  };
  const reg: Registry = {
    protocols: state.protocols,
    lookup,
    heuristics: (t) => heur.get(t) ?? EMPTY,
    byName: (n) => names.get(n),
    handler: (t, k) => handlers.get(t)?.get(k),
    with: (...ps) =>
      build({ ...state, protocols: [...state.protocols.filter((x) => !ps.some((p) => p.name === x.name)), ...ps] }),
    decodeAs: (t, k, n) => build({ ...state, overrides: [...state.overrides, [t, k, n]] }),
    withHandler: (t, k, h) => build({ ...state, extraHandlers: [...state.extraHandlers, [t, k, h]] }),
    entries: (t) => tables.get(t) ?? new Map(),
    tables: () => [...tables.keys()],
  };
  return Object.freeze(reg);
}

export function createRegistry(protocols: readonly Protocol[]): Registry {
  // A protocol given twice by name: the later one replaces the earlier (a user's override).
  const byName = new Map<string, Protocol>();
  for (const p of protocols) {
    byName.delete(p.name);
    byName.set(p.name, p);
  }
  return build({ protocols: [...byName.values()], overrides: [], extraHandlers: [] });
}

/** Lower port first, as Wireshark does: the same dissector both ways, and well-known ports win. */
export function lowFirst(table: Table, a: number, b: number): Next {
  return a <= b ? { table, key: a, alt: b } : { table, key: b, alt: a };
}
