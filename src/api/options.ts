/**
 * One options object for `extract()`, covering PyPCAPKit's Extractor (§1.2), and the rules that
 * turn it into a resolved run: names (`in.pcap` default input, `.pcap` appended, output stem `out`,
 * format extension appended), the report format (given, or inferred from the output's extension,
 * else a FormatError), the engine and what it supports, decode-as rules.
 */
import { existsSync, statSync } from 'node:fs';
import { extname } from 'node:path';
import type { Writable } from 'node:stream';
import type { ReadOptions } from '../capture/read.js';
import type { Input } from '../capture/source.js';
import { FormatError, PcapkitError } from '../core/errors.js';
import type { Frame, LayerKind } from '../core/frame.js';
import type { Table } from '../core/protocol.js';
import type { Registry } from '../core/registry.js';
import type { Stage } from '../core/stage.js';
import { type WarningCode, type WarningHandler, warn } from '../core/warnings.js';
import type { DumperFactory, DumperOptions, DumperRegistry } from '../dump/dumper.js';
import { defaultDumpers } from '../dump/index.js';
import type { Engine, EngineRegistry, Feature } from '../engines/engine.js';
import { defaultEngines } from '../engines/index.js';
import { defaultRegistry } from '../protocols/index.js';
import type { StageContext } from '../stages/index.js';
import type { FlowInfo, TracePacket } from '../stages/trace.js';

export type LayerName = LayerKind;
export const LAYERS: readonly LayerName[] = ['link', 'internet', 'transport', 'application'];

export interface ExtractReassembleOptions {
  readonly ipv4?: boolean;
  readonly ipv6?: boolean;
  readonly tcp?: boolean;
  /** Submit only complete datagrams/streams (PyPCAPKit's reasm_strict). Default true. */
  readonly strict?: boolean;
  /** Keep what was reassembled in `extraction.reassembly` (PyPCAPKit's reasm_store). Default true. */
  readonly store?: boolean;
  /** Called with each submitted datagram (PyPCAPKit's register_reassembly_*_callback). */
  readonly callbacks?: readonly ((datagram: unknown) => void)[];
  /**
   * A reassembly implementation of your own, replacing the built-in IP defragmentation and TCP
   * reassembly (PyPCAPKit's custom Reassembly classes). Flow tracing stays built in unless
   * `trace.implementation` replaces it too.
   */
  readonly implementation?: StageFactory;
}

export interface ExtractTraceOptions {
  /** Folder for the per-flow files (PyPCAPKit's trace_fout; default './tmp'). */
  readonly output?: string;
  /** Per-flow file format (default 'pcap'). */
  readonly format?: string;
  readonly byteOrder?: 'little' | 'big';
  readonly nanosecond?: boolean;
  /** Trace UDP flows too (PyPCAPKit traces TCP only). */
  readonly udp?: boolean;
  /** One flow for both directions (PyPCAPKit's flows are one direction each). */
  readonly bidirectional?: boolean;
  /** Seconds of capture time without a packet that end a flow (default 600). */
  readonly idleTimeout?: number;
  /** Drop flows with fewer packets than this before they are written (default 1: keep all). */
  readonly minPackets?: number;
  /** Decide per flow, before it is written: return false to drop it. */
  readonly filter?: (flow: FlowInfo, packets: readonly TracePacket[]) => boolean;
  /** Called for each flow once it ended (written or dropped). */
  readonly onFlow?: (flow: FlowInfo) => void;
  /** A flow-tracing implementation of your own, replacing the built-in tracer (PyPCAPKit's TraceFlow). */
  readonly implementation?: StageFactory;
}

/**
 * Makes a stage for one run from the resolved options and the run's context (registry, abort
 * signal, `results` to expose what it found, `warn`). Return undefined to add nothing.
 */
export type StageFactory = (options: ResolvedOptions, ctx: StageContext) => Stage | readonly Stage[] | undefined;

/** `tcp.port==8097,http2` (tshark -d), or the same as an object. */
export interface DecodeAsRule {
  readonly table: Table;
  readonly keys: readonly number[];
  readonly protocol: string;
}

export interface ProgressInfo {
  /** Raw input bytes read so far (compressed bytes for a compressed file). */
  readonly bytesRead: number;
  readonly frames: number;
  readonly elapsedMs: number;
}

export interface ExtractOptions {
  /** The capture: a path ('-' for stdin), bytes or a stream (PyPCAPKit's fin). Default `in.pcap`. */
  readonly input?: Input;
  // ── report (PyPCAPKit fout, format, extension, files, nofile)
  /** Report path, '-' for stdout, or a Writable. Default: no report unless `format` or `files` asks for one (then `out`). */
  readonly output?: string | NodeJS.WritableStream;
  /** 'json' | 'ndjson' | 'plist' | 'tree' | 'pcap' | 'pcapng' | a registered name | a DumperFactory. Default: from the output's extension. */
  readonly format?: string | DumperFactory;
  /** Append the format's extension to the output (and find `x.pcap` for input `x`). Default true (PyPCAPKit's API default). */
  readonly extension?: boolean;
  /** One report file per frame in folder `output` (default 'out'). */
  readonly files?: boolean;
  /** No report at all, whatever else says. */
  readonly nofile?: boolean;
  /** Files mode: replace existing files instead of failing with ERR_EXISTS. */
  readonly overwrite?: boolean;
  /** Report format switches: pcap byte order / nanoseconds, pcapng comment, colour, bytes. */
  readonly dump?: DumperOptions;
  readonly dumpers?: DumperRegistry;

  // ── run (PyPCAPKit auto, store, verbose, engine)
  /** Start reading at once and run to the end (await `run()`); iteration is then refused. Default false: lazy. */
  readonly auto?: boolean;
  /** Keep every frame in `extraction.frames`. Default false (frames hold their read chunk). */
  readonly store?: boolean;
  /** true: ` - Frame   1: Ethernet:IPv4:TCP` per frame on stderr; a function: called per frame instead. */
  readonly verbose?: boolean | ((frame: Frame, x: unknown) => void);
  readonly engine?: string | Engine;
  readonly engines?: EngineRegistry;
  readonly registry?: Registry;
  /** Like tshark -d: `['tcp.port==8097,http2']`. */
  readonly decodeAs?: readonly (string | DecodeAsRule)[];

  // ── dissection limits (PyPCAPKit layer / protocol)
  readonly stopAt?: { readonly layer?: LayerName; readonly protocol?: string };
  /** PyPCAPKit spelling of stopAt.layer. */
  readonly layer?: LayerName;
  /** PyPCAPKit spelling of stopAt.protocol. */
  readonly protocol?: string;
  /** Decode options/TLVs eagerly into `layer.details`. */
  readonly details?: boolean;
  /** Verify checksums (issues `<proto>.bad_checksum`). */
  readonly checksums?: boolean;
  /** Stop issues become an ERR_STRICT exception (tests, CI). */
  readonly strict?: boolean;

  // ── reassembly and tracing (PyPCAPKit reassembly, ip/ipv4/ipv6/tcp, reasm_strict, trace*)
  readonly reassemble?: boolean | ExtractReassembleOptions;
  readonly ip?: boolean;
  readonly ipv4?: boolean;
  readonly ipv6?: boolean;
  readonly tcp?: boolean;
  readonly trace?: boolean | ExtractTraceOptions;
  /** Number flows (frame.flow, tshark's tcp.stream / udp.stream) even without reassembly or tracing. */
  readonly flows?: boolean;
  /**
   * Stages of your own, run after the built-in ones in this order: a filter, a counter, another
   * reassembler or flow tracer. Each factory is called once per run.
   */
  readonly stages?: readonly StageFactory[];

  // ── bounds and plumbing
  /** Stop after this many frames (tshark -c). */
  readonly limit?: number;
  /** Alias of limit (the CLI's -c/--count). */
  readonly count?: number;
  readonly signal?: AbortSignal;
  /** Receives every warning; `() => {}` silences them. Default: process.emitWarning. */
  readonly onWarning?: WarningHandler;
  /** Called once per batch. */
  readonly onProgress?: (p: ProgressInfo) => void;
  /** Reader options: chunk size, the stream used for '-', record caps. */
  readonly read?: Omit<ReadOptions, 'signal'>;
}

export type OutputTarget =
  | { readonly kind: 'none' }
  | { readonly kind: 'file'; readonly path: string }
  | { readonly kind: 'stdout' }
  | { readonly kind: 'stream'; readonly stream: Writable }
  | { readonly kind: 'files'; readonly dir: string };

/** Trace options with defaults filled in; callbacks and `implementation` stay optional. */
export type ResolvedTraceOptions = Required<
  Omit<ExtractTraceOptions, 'idleTimeout' | 'minPackets' | 'filter' | 'onFlow' | 'implementation'>
> &
  Pick<ExtractTraceOptions, 'idleTimeout' | 'minPackets' | 'filter' | 'onFlow' | 'implementation'>;

export interface ResolvedOptions {
  readonly input: Input;
  readonly inputName: string;
  readonly output: OutputTarget;
  readonly format: DumperFactory | undefined;
  readonly dump: DumperOptions;
  readonly overwrite: boolean;
  readonly auto: boolean;
  readonly store: boolean;
  readonly verbose: ((frame: Frame, x: unknown) => void) | undefined;
  readonly engine: Engine;
  readonly registry: Registry;
  readonly stopAt: { readonly layer?: LayerName; readonly protocol?: string } | undefined;
  readonly details: boolean;
  readonly checksums: boolean;
  readonly strict: boolean;
  readonly reassemble: {
    readonly ipv4: boolean;
    readonly ipv6: boolean;
    readonly tcp: boolean;
    readonly strict: boolean;
    readonly store: boolean;
    readonly callbacks: readonly ((datagram: unknown) => void)[];
    readonly implementation: StageFactory | undefined;
  };
  readonly trace: false | ResolvedTraceOptions;
  /** User stages (after the built-in ones). */
  readonly stages: readonly StageFactory[];
  /** Number flows (frame.flow: tcp.stream / udp.stream) even when nothing else asks. */
  readonly flows: boolean;
  readonly dumpers: DumperRegistry;
  readonly limit: number | undefined;
  readonly signal: AbortSignal | undefined;
  readonly onWarning: WarningHandler | undefined;
  readonly onProgress: ((p: ProgressInfo) => void) | undefined;
  readonly read: Omit<ReadOptions, 'signal'>;
  warn(code: WarningCode, message: string, level?: 'warning' | 'info'): void;
}

const CAPTURE_EXTS = new Set(['.pcap', '.cap', '.pcapng', '.dump', '.gz', '.zst', '.xz', '.lz4']);

/** PyPCAPKit's input naming: default `in.pcap`; `x` means `x.pcap` when `x` itself does not exist. */
export function inputPath(name: string | undefined, extension: boolean): string {
  const n = name ?? 'in.pcap';
  if (n === '-' || !extension) return n;
  if (!CAPTURE_EXTS.has(extname(n).toLowerCase()) && !existsSync(n) && existsSync(`${n}.pcap`)) return `${n}.pcap`;
  return n;
}

/** Parse `tcp.port==8097,http2` or `udp.port==5000-5002,rtp`. */
export function parseDecodeAs(rule: string): DecodeAsRule {
  const m = /^\s*([A-Za-z0-9_.-]+)\s*==\s*(\d+)(?:\s*-\s*(\d+))?\s*,\s*([A-Za-z0-9_./-]+)\s*$/.exec(rule);
  if (!m) throw new PcapkitError('ERR_USAGE', `bad decode-as rule '${rule}' (expected e.g. tcp.port==8097,http2)`);
  const lo = Number(m[2]);
  const hi = m[3] === undefined ? lo : Number(m[3]);
  if (hi < lo || hi - lo > 65535) throw new PcapkitError('ERR_USAGE', `bad range in decode-as rule '${rule}'`);
  const keys: number[] = [];
  for (let k = lo; k <= hi; k++) keys.push(k);
  return { table: m[1], keys, protocol: m[4] };
}

/** A protocol by our name, its chain alias or its tshark abbreviation (case-insensitive). */
export function protocolByAnyName(reg: Registry, name: string) {
  const n = name.toLowerCase();
  return (
    reg.byName(n) ??
    reg.protocols.find((p) => p.name.toLowerCase() === n || p.alias.toLowerCase() === n || p.abbrev.toLowerCase() === n)
  );
}

export function applyDecodeAs(reg: Registry, rules: readonly (string | DecodeAsRule)[]): Registry {
  let r = reg;
  for (const x of rules) {
    const rule = typeof x === 'string' ? parseDecodeAs(x) : x;
    const p = protocolByAnyName(r, rule.protocol);
    if (!p) throw new PcapkitError('ERR_PROTOCOL', `decode-as: unknown protocol '${rule.protocol}'`);
    for (const k of rule.keys) r = r.decodeAs(rule.table, k, p.name);
  }
  return r;
}

/** Features a run asks of its engine; those in WARN_ONLY only cost speed or detail when ignored. */
const WARN_ONLY: ReadonlySet<Feature> = new Set(['stopAt', 'details', 'checksums']);

/** An existing device, FIFO or socket (`/dev/null`, `/dev/stdout`, a named pipe): never renamed. */
function isSpecialFile(path: string): boolean {
  const st = statSync(path, { throwIfNoEntry: false });
  return st !== undefined && !st.isFile() && !st.isDirectory();
}

function isWritable(x: unknown): x is Writable {
  return typeof x === 'object' && x !== null && typeof (x as Writable).write === 'function';
}

export function resolveOptions(input: Input | undefined, o: ExtractOptions = {}): ResolvedOptions {
  const onWarning = o.onWarning;
  const w = (code: WarningCode, message: string, level: 'warning' | 'info' = 'warning') =>
    warn(onWarning, code, message, level);
  const extension = o.extension !== false;
  const inp: Input = input === undefined || typeof input === 'string' ? inputPath(input, extension) : input;
  const inputName =
    typeof inp === 'string' ? (inp === '-' ? '<stdin>' : inp) : inp instanceof Uint8Array ? '<bytes>' : '<stream>';

  // Registry and decode-as.
  let registry = o.registry ?? defaultRegistry;
  if (o.decodeAs && o.decodeAs.length > 0) registry = applyDecodeAs(registry, o.decodeAs);

  // Dissection limits.
  let layer = o.stopAt?.layer ?? o.layer;
  let protocol = o.stopAt?.protocol ?? o.protocol;
  if (layer !== undefined && !LAYERS.includes(layer) && layer !== ('none' as string) && layer !== ('raw' as string)) {
    w('W_UNKNOWN_LAYER', `unknown layer '${layer}' (expected ${LAYERS.join(', ')}); dissecting every layer`);
    layer = undefined;
  }
  if (protocol !== undefined && protocol !== 'null') {
    const p = protocolByAnyName(registry, protocol);
    if (!p) {
      w('W_UNKNOWN_PROTOCOL', `unknown protocol '${protocol}'; dissecting every layer`);
      protocol = undefined;
    } else protocol = p.name;
  } else protocol = undefined;
  const stopAt = layer !== undefined || protocol !== undefined ? { layer, protocol } : undefined;

  // Reassembly and tracing.
  const r = o.reassemble;
  const all = r === true;
  const ro = typeof r === 'object' ? r : {};
  const reassemble = {
    ipv4: all || ro.ipv4 === true || o.ip === true || o.ipv4 === true,
    ipv6: all || ro.ipv6 === true || o.ip === true || o.ipv6 === true,
    tcp: all || ro.tcp === true || o.tcp === true,
    strict: ro.strict ?? true,
    store: ro.store ?? true,
    callbacks: ro.callbacks ?? [],
    implementation: ro.implementation,
  };
  const t = o.trace;
  const to = typeof t === 'object' ? t : {};
  const trace: false | ResolvedTraceOptions =
    t === undefined || t === false
      ? false
      : {
          idleTimeout: to.idleTimeout,
          minPackets: to.minPackets,
          filter: to.filter,
          onFlow: to.onFlow,
          implementation: to.implementation,
          output: (typeof t === 'object' ? t.output : undefined) ?? './tmp',
          format: (typeof t === 'object' ? t.format : undefined) ?? 'pcap',
          byteOrder: (typeof t === 'object' ? t.byteOrder : undefined) ?? 'little',
          nanosecond: (typeof t === 'object' ? t.nanosecond : undefined) ?? false,
          udp: (typeof t === 'object' ? t.udp : undefined) ?? false,
          bidirectional: (typeof t === 'object' ? t.bidirectional : undefined) ?? false,
        };

  // Engine.
  const engines = o.engines ?? defaultEngines;
  let engine: Engine;
  if (typeof o.engine === 'object') engine = o.engine;
  else {
    const e = engines.get(o.engine ?? 'default');
    if (!e) throw new PcapkitError('ERR_ENGINE', `unknown engine '${o.engine}' (known: ${engines.names().join(', ')})`);
    engine = e;
  }
  const wants: Feature[] = [];
  if (typeof inp === 'string') wants.push(inp === '-' ? 'stdin' : 'pcap');
  else wants.push('stream');
  if (stopAt) wants.push('stopAt');
  if (o.details) wants.push('details');
  if (o.checksums) wants.push('checksums');
  if (o.registry || (o.decodeAs && o.decodeAs.length > 0)) wants.push('registry');
  if (reassemble.ipv4 || reassemble.ipv6 || reassemble.tcp) wants.push('reassembly');
  if (trace) wants.push('trace');
  for (const f of wants) {
    if (engine.supports.has(f)) continue;
    if (WARN_ONLY.has(f)) w('W_ENGINE_FEATURE', `engine '${engine.name}' ignores ${f}`);
    else throw new PcapkitError('ERR_UNSUPPORTED', `engine '${engine.name}' does not support ${f}`);
  }

  // Report: format and output.
  const dumpers = o.dumpers ?? defaultDumpers;
  let format: DumperFactory | undefined;
  if (typeof o.format === 'object') format = o.format;
  else if (o.format !== undefined) {
    format = dumpers.get(o.format);
    if (!format) throw new FormatError(`unknown format '${o.format}' (known: ${dumpers.names().join(', ')})`);
  }
  let output: OutputTarget = { kind: 'none' };
  const out = o.output;
  if (o.nofile) {
    if (out !== undefined || format !== undefined || o.files)
      w('W_OPTION_IGNORED', 'nofile: no report is written', 'info');
  } else if (out !== undefined || format !== undefined || o.files) {
    if (isWritable(out)) {
      if (!format) throw new FormatError('a report stream needs a format (json, ndjson, plist, tree, pcap, pcapng)');
      output = { kind: 'stream', stream: out };
    } else if (out === '-') {
      if (!format) throw new FormatError("output '-' (stdout) needs a format: json, ndjson, plist, tree, pcap, pcapng");
      if (o.files) throw new PcapkitError('ERR_USAGE', "files mode needs a folder, not '-'");
      output = { kind: 'stdout' };
    } else {
      let path = typeof out === 'string' ? out : 'out';
      if (!format) {
        format = o.files ? undefined : dumpers.byExtension(path);
        if (!format)
          throw new FormatError(
            `cannot tell the report format of '${path}': give a format (${dumpers.names().join(', ')}) or an output name ending in one of their extensions`,
          );
        w('W_FORMAT_GUESSED', `report format '${format.name}' inferred from '${path}'`, 'info');
      }
      if (o.files) output = { kind: 'files', dir: path };
      else {
        // `-o /dev/null` means /dev/null, not a new file `/dev/null.ndjson` beside it.
        if (extension && !path.toLowerCase().endsWith(format.extension.toLowerCase()) && !isSpecialFile(path))
          path += format.extension;
        output = { kind: 'file', path };
      }
    }
  }

  const v = o.verbose;
  const verbose = typeof v === 'function' ? v : v === true ? defaultVerbose : undefined;
  const limit = o.limit ?? o.count;
  if (limit !== undefined && !(limit >= 0)) throw new PcapkitError('ERR_USAGE', `bad frame limit ${limit}`);

  return {
    input: inp,
    inputName,
    output,
    format: output.kind === 'none' ? undefined : format,
    dump: o.dump ?? {},
    overwrite: o.overwrite === true,
    auto: o.auto === true,
    store: o.store === true,
    verbose,
    engine,
    registry,
    stopAt,
    details: o.details === true,
    checksums: o.checksums === true,
    strict: o.strict === true,
    reassemble,
    trace,
    flows: o.flows === true,
    stages: o.stages ?? [],
    dumpers,
    limit,
    signal: o.signal,
    onWarning,
    onProgress: o.onProgress,
    read: o.read ?? {},
    warn: w,
  };
}

/** Replaced by the extraction with a printer that knows the chain; placeholder identity. */
export const defaultVerbose = (_frame: Frame, _x: unknown): void => {};
