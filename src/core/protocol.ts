/**
 * A protocol is one declaration (its header table) plus a few one-line functions. decode, encode,
 * labels, defaults and tshark names all come from the table (DESIGN rule 1).
 */
import type { Bytes } from './bytes.js';
import { type Compiled, compileHeader, type Decode, type DecodePartial, type Encode } from './compile.js';
import type { FieldsOfHeader, Header } from './fields.js';
import type { Layer, LayerKind, RawFrame } from './frame.js';
import type { IssueCode } from './issue.js';
import type { TlvSpec } from './options.js';
import type { Registry } from './registry.js';
import type { StreamParserFactory } from './stream.js';

export * from './fields.js';

export type Table =
  | 'linktype'
  | 'ethertype'
  | 'ip.proto'
  | 'tcp.port'
  | 'udp.port'
  | 'llc.dsap'
  | 'snap.pid'
  | 'ppp.proto'
  | (string & {});

/** Where the payload goes: `key` is tried first, then `alt`, then the table's heuristics. */
export interface Next {
  readonly table: Table;
  readonly key: number;
  readonly alt?: number;
}

/** A hand-written decoder returns this when the bytes end too early. */
export class Need<F = unknown> {
  constructor(
    readonly need: number,
    readonly partial: Partial<F> = {},
    readonly code?: IssueCode,
  ) {}
}
export const need = <F>(n: number, partial: Partial<F> = {}, code?: IssueCode): Need<F> => new Need(n, partial, code);

/**
 * Where a variable tail sits in its frame: the layers dissected so far and this layer's index. A tail
 * that depends on an outer header (an RPL source route re-expanded from the IPv6 destination,
 * RFC 6554 §3) reads it from here; absent when the tail is decoded on its own.
 */
export interface DecodeCtx {
  readonly layers: readonly Layer[];
  readonly index: number;
}

/** A variable tail (options, TLVs, parameters, bodies): decoded on request, dns-packet shape. */
export interface Codec<F = any, D = any> {
  decode(b: Bytes, start: number, end: number, f: F, reg: Registry, ctx?: DecodeCtx): D;
  encode?(b: Bytes, at: number, value: D, f: Partial<F>, reg: Registry): number;
  encodingLength?(value: D, f: Partial<F>, reg: Registry): number;
  /**
   * Set when the tail is exactly `decodeTlv(tlv, …)` over [start, end): report writers may then walk
   * the bytes themselves instead of making the option objects (src/dump/tlv-json.ts).
   */
  readonly tlv?: TlvSpec;
}

/** A handler for one option/parameter kind (TCP option, IPv4 option, HIP parameter, pcapng option…). */
export interface OptionHandler<V = Record<string, unknown>> {
  /** Short name, as tshark or the RFC spells it: 'mss', 'sack', 'timestamp'. */
  readonly name: string;
  /** Decode the option's value bytes [start, end) (after type and length). Never throws on purpose. */
  decode(b: Bytes, start: number, end: number): V;
  /** Write the value; returns bytes written. Optional: without it the option builds from `data`. */
  encode?(b: Bytes, at: number, v: V): number;
  encodingLength?(v: V): number;
}

/** One built layer, as `finish` hooks see it. */
export interface BuiltLayer {
  readonly protocol: Protocol;
  readonly fields: Readonly<Record<string, unknown>>;
  readonly rest: unknown;
  readonly at: number;
  readonly hdrEnd: number;
  readonly end: number;
}
export interface BuildCtx {
  readonly b: Bytes;
  readonly layers: readonly BuiltLayer[];
  readonly index: number;
  readonly registry: Registry;
  /** The layer around this one (IP for UDP/TCP checksums), if any. */
  readonly outer: BuiltLayer | undefined;
  /** The layer inside this one, if any (its protocol picks our next-protocol field). */
  readonly inner: BuiltLayer | undefined;
}

export interface LayerSpec<F = any, D = any> {
  readonly protocol: Protocol<string, F, D>;
  readonly fields: Partial<F>;
  readonly rest?: D;
}

export type ComputedValue = string | number | readonly (string | number)[] | undefined;
export type ComputedField = (layer: Layer, frame: RawFrame, reg: Registry) => ComputedValue;

export interface ProtocolDef<N extends string, F, D> {
  /** Our name, lower case: 'ipv4'. The key in LayerMap and in `find()`. */
  readonly name: N;
  /** tshark's prefix: 'ip'. */
  readonly abbrev: string;
  /** Name in protocol chains, PyPCAPKit style: 'IPv4'. Defaults to `name`. */
  readonly alias?: string;
  /** Chain name when it depends on the fields (ARP/RARP/DRARP/InARP by opcode); default `alias`. */
  aliasOf?(f: F): string;
  readonly title: string;
  readonly layer: LayerKind;
  /** The fixed header declaration (compiled protocols). */
  readonly header?: Header;
  /** Hand-written protocols: decode the header at `at` (bounded by `end`) or say what is missing. */
  readonly decode?: (b: Bytes, at: number, end: number) => F | Need<F>;
  readonly encode?: (b: Bytes, at: number, f: Partial<F>) => void;
  readonly encodingLength?: (f: Partial<F>) => number;
  /** Hand-written protocols: the smallest header; shorter input is `<name>.short`. */
  readonly minLen?: number;
  /**
   * Fixed part + options, in bytes (default minLen). `avail` is what the frame holds from the header's
   * start: a header whose options run to the end of the message (ICMPv6 ND options) returns it.
   */
  headerLen?(f: F, avail: number): number;
  /** The payload length the header claims; more than is there is an issue named by `lenSource`. */
  payloadLen?(f: F, avail: number): number;
  readonly lenSource?: string;
  /** Where the payload goes (default: nowhere). */
  next?(f: F): Next | undefined;
  /**
   * Semantic contradiction → an issue code; the layer is kept and the chain stops. The bytes are there
   * for the few checks a field cannot express (IPv6 options that run past their header).
   */
  check?(f: F, b: Bytes, at: number, end: number): IssueCode | undefined;
  /** A contradiction the dissection can go on past (recorded as `malformed`, the chain continues). */
  warn?(f: F): IssueCode | undefined;
  /** True when this header carries a fragment: later length claims are not issues. */
  fragment?(f: F): boolean;
  /**
   * True when the payload quotes another packet's headers, cut short by design (ICMP errors quote the
   * IP header + 8 bytes, RFC 792; ICMPv6 as much as fits, RFC 4443 §2.4(c)). Inner layers are still
   * dissected, but a short inner header or a length claim past the quote is not an issue there: the
   * inner layer is kept partial (`complete: false`) with no issue, and its checksum is not verified.
   */
  quote?(f: F): boolean;
  /** Checksum verification on request; returns false when the checksum is wrong. */
  verify?(b: Bytes, layer: Layer, layers: readonly Layer[], frame: RawFrame): boolean;
  readonly rest?: Codec<F, D>;
  /** The tail `build()` writes when a layer is given without one (IPv6 extension headers pad to 8 octets). */
  readonly emptyRest?: D;
  /** Derived fields when building, before writing: lengths from sizes (given fields win). */
  derive?(
    given: Partial<F>,
    size: { readonly header: number; readonly payload: number },
    rest: D | undefined,
  ): Partial<F>;
  /** After everything is written, inner to outer: checksums. `given` says what the caller fixed. */
  finish?(given: Partial<F>, layer: BuiltLayer, ctx: BuildCtx): void;
  /** The field that selects the next protocol, filled from the inner layer's `bind` when building. */
  readonly selector?: { readonly table: Table; readonly field: string };
  /** Where it hangs. */
  readonly bind?: Partial<Record<Table, readonly number[]>>;
  /** Heuristic dissector: tables it is tried in, after key lookups fail. */
  readonly heuristic?: readonly Table[];
  probe?(b: Bytes, at: number, end: number): boolean;
  /**
   * Reached by a table key, the protocol may still decline the bytes (Wireshark's dissectors that
   * return 0: HIP on UDP 10500 without its zero marker, RFC 5770 §5.1); the loop then tries the
   * alternative key and the table's heuristics.
   */
  accept?(b: Bytes, at: number, end: number, table: Table): boolean;
  /** Option handlers this protocol brings (table → kind → handler). */
  readonly handlers?: Readonly<Record<string, Readonly<Record<number, OptionHandler<any>>>>>;
  /**
   * Values tshark shows that are not fixed-header fields (tcp.len, tcp.option_kind, ip.opt.type): full
   * tshark name → value(s). Used by the conformance tool, the display filter and reports.
   */
  readonly computed?: Readonly<Record<string, ComputedField>>;
  /** Application protocols: a parser for one direction of a reassembled TCP stream (core/stream.ts). */
  readonly stream?: StreamParserFactory;
  /** One line for the tree view and verbose output. */
  summary?(f: F): string;
}

export interface Protocol<N extends string = string, F = any, D = any> extends ProtocolDef<N, F, D> {
  readonly alias: string;
  readonly minLen: number;
  readonly decode: Decode<F | Need<F>>;
  readonly decodePartial: DecodePartial<F>;
  readonly encode: Encode<F>;
  readonly custom: boolean;
  /** 0 link, 1 internet, 2 transport, 3 application: compared by the frame loop for `stopAt.layer`. */
  readonly rank: number;
  readonly header: Header;
  readonly source: string;
  /** A layer spec for `build()`: `udp.make({ srcport: 53 })`. */
  make(fields?: Partial<F>, rest?: D): LayerSpec<F, D>;
}

/** Fields of a protocol, for LayerMap entries: `udp: FieldsOf<typeof udp>`. */
export type FieldsOf<P> = P extends Protocol<string, infer F, any> ? F : never;
export type DetailsOf<P> = P extends Protocol<string, any, infer D> ? D : never;

const RANKS: Readonly<Record<string, number>> = { link: 0, internet: 1, transport: 2, application: 3 };

/** A table-declared protocol: its field types come from the header table. */
export function defineProtocol<N extends string, const H extends Header, D = any>(
  def: ProtocolDef<N, FieldsOfHeader<H>, D> & { readonly header: H; readonly decode?: undefined },
): Protocol<N, FieldsOfHeader<H>, D>;
/** A hand-written protocol: `decode` gives the field type. */
export function defineProtocol<N extends string, F, D = any>(
  def: ProtocolDef<N, F, D> & { readonly decode: (b: Bytes, at: number, end: number) => F | Need<F> },
): Protocol<N, F, D>;
export function defineProtocol<N extends string, F = any, D = any>(def: ProtocolDef<N, F, D>): Protocol<N, F, D>;
export function defineProtocol<N extends string, F = any, D = any>(def: ProtocolDef<N, F, D>): Protocol<N, F, D> {
  let compiled: Compiled<F>;
  let custom = false;
  if (def.decode) {
    custom = true;
    const minLen = def.minLen ?? 0;
    const decode = def.decode;
    compiled = {
      decode: decode as Decode<F>,
      decodePartial: (b, at, have) => {
        const r = decode(b, at, at + have);
        return r instanceof Need ? r.partial : (r as Partial<F>);
      },
      encode: def.encode ?? (() => {}),
      minLen,
      source: '// hand-written decoder',
    };
  } else {
    compiled = compileHeader<F>(def.name, def.header ?? {});
  }
  // One object literal with every key in one order (absent hooks are undefined): all protocol objects
  // share one hidden class, so the frame loop's `proto.decode`, `proto.next`, … loads stay monomorphic.
  // Built with `...def`, each protocol had its own map and those loads went megamorphic (15% of
  // dissection in a perf profile).
  const p: Protocol<N, F, D> = {
    name: def.name,
    abbrev: def.abbrev,
    alias: def.alias ?? def.name,
    aliasOf: def.aliasOf,
    title: def.title,
    layer: def.layer,
    header: def.header ?? {},
    decode: compiled.decode,
    decodePartial: compiled.decodePartial,
    encode: compiled.encode,
    encodingLength: def.encodingLength,
    minLen: def.minLen ?? compiled.minLen,
    headerLen: def.headerLen,
    payloadLen: def.payloadLen,
    lenSource: def.lenSource,
    next: def.next,
    check: def.check,
    warn: def.warn,
    fragment: def.fragment,
    quote: def.quote,
    verify: def.verify,
    rest: def.rest,
    emptyRest: def.emptyRest,
    derive: def.derive,
    finish: def.finish,
    selector: def.selector,
    bind: def.bind,
    heuristic: def.heuristic,
    probe: def.probe,
    accept: def.accept,
    handlers: def.handlers,
    computed: def.computed,
    stream: def.stream,
    summary: def.summary,
    custom,
    rank: RANKS[def.layer] ?? 3,
    source: compiled.source,
    make(fields: Partial<F> = {}, rest?: D): LayerSpec<F, D> {
      return rest === undefined ? { protocol: p, fields } : { protocol: p, fields, rest };
    },
  } satisfies Record<keyof ProtocolDef<N, F, D>, unknown> & Protocol<N, F, D>;
  // A user's definition may carry keys of its own: kept, as `...def` kept them.
  for (const k of Object.keys(def)) if (!(k in p)) (p as unknown as Record<string, unknown>)[k] = (def as never)[k];
  return Object.freeze(p);
}
