/**
 * Flags → an `extract()` options object. The CLI only parses; the library does the work (DESIGN
 * §3.1). Each flag is one row of FLAGS (name, short letter, help, and how it changes the options),
 * so a feature adds its flags by adding rows (reassembly: --reassemble, --trace, -z …) and help
 * follows. Parsing is node:util parseArgs (strict: an unknown flag is a usage error).
 */
import { parseArgs } from 'node:util';
import { parseZ, type ZSpec } from '../api/follow.js';
import {
  type ExtractOptions,
  type ExtractReassembleOptions,
  type ExtractTraceOptions,
  LAYERS,
  type LayerName,
  parseDecodeAs,
  protocolByAnyName,
} from '../api/options.js';
import { FormatError, PcapkitError, UsageError } from '../core/errors.js';
import type { Registry } from '../core/registry.js';
import type { DumperRegistry } from '../dump/dumper.js';
import { defaultDumpers } from '../dump/index.js';
import type { EngineRegistry } from '../engines/engine.js';
import { defaultEngines } from '../engines/index.js';
import { defaultRegistry } from '../protocols/index.js';

/** Options being assembled from flags (ExtractOptions made writable, plus CLI-only switches). */
export type CliOptions = { -readonly [K in keyof ExtractOptions]: ExtractOptions[K] } & {
  /** Extra `dump` switches collected from flags. */
  dumpOptions: Record<string, unknown>;
};

export interface CliState {
  /** The input argument ('-' for stdin). */
  input: string | undefined;
  options: CliOptions;
  quiet: boolean;
  color: boolean;
  help: boolean;
  version: boolean;
  /** -B/--buffer-save and -O/--buffer-path: copy stdin to a file while reading it. */
  bufferSave: boolean;
  bufferPath: string | undefined;
  /** Format chosen by -j/-p/-t (lower precedence than -f). */
  shortFormat: string | undefined;
  /** Anything a flag wants to hand to main (e.g. a statistics request). */
  extra: Record<string, unknown>;
}

export interface CliContext {
  readonly registry: Registry;
  readonly dumpers: DumperRegistry;
  readonly engines: EngineRegistry;
  readonly env: NodeJS.ProcessEnv;
}

export interface FlagSpec {
  readonly name: string;
  readonly short?: string;
  readonly type: 'string' | 'boolean';
  readonly multiple?: boolean;
  /** Placeholder in help: FILE, FMT, N. */
  readonly arg?: string;
  readonly help: string;
  readonly group: 'report' | 'dissection' | 'run' | 'reassembly' | 'general';
  /** Apply the flag's value (a string, a boolean, or a list when `multiple`). */
  apply(value: any, s: CliState, ctx: CliContext): void;
}

type Writable<T> = { -readonly [K in keyof T]: T[K] };
/** --reassemble names and what each switches on. */
const REASSEMBLY_NAMES: Readonly<Record<string, readonly string[]>> = {
  ipv4: ['ipv4'],
  ipv6: ['ipv6'],
  tcp: ['tcp'],
  ip: ['ipv4', 'ipv6'],
  all: ['ipv4', 'ipv6', 'tcp'],
};

function reassembly(s: CliState): Writable<ExtractReassembleOptions> {
  // The report carries what was reassembled (on the frames); keeping it in memory as well
  // (`store`, for library callers) would grow with the file.
  if (typeof s.options.reassemble !== 'object') s.options.reassemble = { strict: false, store: false };
  return s.options.reassemble as Writable<ExtractReassembleOptions>;
}
function tracing(s: CliState): Writable<ExtractTraceOptions> {
  if (typeof s.options.trace !== 'object') s.options.trace = {};
  return s.options.trace as Writable<ExtractTraceOptions>;
}

const count = (v: string): number => {
  if (!/^\d+$/.test(v)) throw new UsageError(`bad count '${v}' (expected a whole number)`);
  return Number(v);
};

export const FLAGS: FlagSpec[] = [
  // ── report
  {
    name: 'output',
    short: 'o',
    type: 'string',
    arg: 'FILE',
    group: 'report',
    help: "report file ('-': stdout; a folder with -F); default out.<ext>",
    apply: (v: string, s) => {
      s.options.output = v;
    },
  },
  {
    name: 'format',
    short: 'f',
    type: 'string',
    arg: 'FMT',
    group: 'report',
    help: "report format: json, ndjson, plist, tree, pcap, pcapng, or a plugin's (wins over -j/-p/-t)",
    apply: (v: string, s, ctx) => {
      if (!ctx.dumpers.get(v))
        throw new FormatError(`unknown format '${v}' (known: ${ctx.dumpers.names().join(', ')})`);
      s.options.format = v;
    },
  },
  {
    name: 'json',
    short: 'j',
    type: 'boolean',
    group: 'report',
    help: 'JSON report (same as -f json)',
    apply: (v, s) => v && (s.shortFormat ??= 'json'),
  },
  {
    name: 'plist',
    short: 'p',
    type: 'boolean',
    group: 'report',
    help: 'plist report (same as -f plist)',
    apply: (v, s) => v && (s.shortFormat ??= 'plist'),
  },
  {
    name: 'tree',
    short: 't',
    type: 'boolean',
    group: 'report',
    help: 'tree report (same as -f tree)',
    apply: (v, s) => v && (s.shortFormat ??= 'tree'),
  },
  {
    name: 'auto-extension',
    short: 'a',
    type: 'boolean',
    group: 'report',
    help: "append the format's extension to -o (and find x.pcap for input x)",
    apply: (v, s) => {
      s.options.extension = v === true;
    },
  },
  {
    name: 'files',
    short: 'F',
    type: 'boolean',
    group: 'report',
    help: 'one report file per frame in the folder given by -o (default out)',
    apply: (v, s) => {
      s.options.files = v === true;
    },
  },
  {
    name: 'force',
    type: 'boolean',
    group: 'report',
    help: 'with -F: replace existing files instead of stopping',
    apply: (v, s) => {
      s.options.overwrite = v === true;
    },
  },
  {
    name: 'nofile',
    type: 'boolean',
    group: 'report',
    help: 'write no report (with -v: list frames only)',
    apply: (v, s) => {
      s.options.nofile = v === true;
    },
  },
  {
    name: 'nanosecond',
    type: 'boolean',
    group: 'report',
    help: 'pcap/pcapng report: nanosecond timestamps (default: as the input)',
    apply: (v, s) => {
      s.options.dumpOptions.nanosecond = v === true;
    },
  },
  {
    name: 'byteorder',
    type: 'string',
    arg: 'ORDER',
    group: 'report',
    help: 'pcap/pcapng report byte order: little or big',
    apply: (v: string, s) => {
      if (v !== 'little' && v !== 'big') throw new UsageError(`bad byte order '${v}' (expected little or big)`);
      s.options.dumpOptions.byteOrder = v;
    },
  },
  // ── dissection
  {
    name: 'layer',
    short: 'L',
    type: 'string',
    arg: 'LAYER',
    group: 'dissection',
    help: `stop after this layer: ${LAYERS.join(', ')}`,
    apply: (v: string, s) => {
      if (!LAYERS.includes(v as LayerName))
        throw new UsageError(`unknown layer '${v}' (expected ${LAYERS.join(', ')})`);
      s.options.layer = v as LayerName;
    },
  },
  {
    name: 'protocol',
    short: 'P',
    type: 'string',
    arg: 'PROTO',
    group: 'dissection',
    help: 'stop after this protocol (ipv4, tcp, …)',
    apply: (v: string, s, ctx) => {
      if (!protocolByAnyName(ctx.registry, v))
        throw new PcapkitError(
          'ERR_PROTOCOL',
          `unknown protocol '${v}' (known: ${ctx.registry.protocols.map((p) => p.name).join(', ')})`,
        );
      s.options.protocol = v;
    },
  },
  {
    name: 'decode-as',
    short: 'd',
    type: 'string',
    multiple: true,
    arg: 'RULE',
    group: 'dissection',
    help: 'decode a port as a protocol, as tshark -d: tcp.port==8097,http2 (repeatable)',
    apply: (v: string[], s, ctx) => {
      for (const r of v) {
        const rule = parseDecodeAs(r);
        if (!protocolByAnyName(ctx.registry, rule.protocol))
          throw new PcapkitError('ERR_PROTOCOL', `decode-as: unknown protocol '${rule.protocol}'`);
      }
      s.options.decodeAs = [...(s.options.decodeAs ?? []), ...v];
    },
  },
  // ── reassembly and tracing (issue 4)
  {
    name: 'reassemble',
    type: 'string',
    arg: 'LIST',
    group: 'reassembly',
    help: 'reassemble ipv4, ipv6, tcp (comma-separated; ip = ipv4,ipv6; all): datagrams and streams go into the report',
    apply: (v: string, s) => {
      const want = new Set<string>();
      for (const x of v.split(',').map((t) => t.trim().toLowerCase())) {
        const names = REASSEMBLY_NAMES[x];
        if (names === undefined)
          throw new UsageError(`unknown reassembly '${x}' (expected ipv4, ipv6, tcp, ip or all)`);
        for (const k of names) want.add(k);
      }
      const r = reassembly(s);
      r.ipv4 = want.has('ipv4');
      r.ipv6 = want.has('ipv6');
      r.tcp = want.has('tcp');
    },
  },
  {
    name: 'strict',
    type: 'boolean',
    group: 'reassembly',
    help: 'with --reassemble: only complete datagrams and gap-free stream data',
    apply: (v, s) => {
      reassembly(s).strict = v === true;
    },
  },
  {
    name: 'trace',
    type: 'string',
    arg: 'DIR',
    group: 'reassembly',
    help: 'trace TCP flows: one file per flow in DIR (PyPCAPKit trace_fout)',
    apply: (v: string, s) => {
      tracing(s).output = v;
    },
  },
  {
    name: 'trace-format',
    type: 'string',
    arg: 'FMT',
    group: 'reassembly',
    help: 'per-flow file format: pcap (default), json, plist, tree, or any report format',
    apply: (v: string, s, ctx) => {
      if (v !== 'pcap' && !ctx.dumpers.get(v))
        throw new FormatError(`unknown trace format '${v}' (known: ${ctx.dumpers.names().join(', ')})`);
      tracing(s).format = v;
    },
  },
  {
    name: 'trace-byteorder',
    type: 'string',
    arg: 'ORDER',
    group: 'reassembly',
    help: 'per-flow pcap byte order: little (default) or big',
    apply: (v: string, s) => {
      if (v !== 'little' && v !== 'big') throw new UsageError(`bad byte order '${v}' (expected little or big)`);
      tracing(s).byteOrder = v;
    },
  },
  {
    name: 'trace-nanosecond',
    type: 'boolean',
    group: 'reassembly',
    help: 'per-flow pcap files with nanosecond timestamps',
    apply: (v, s) => {
      tracing(s).nanosecond = v === true;
    },
  },
  {
    name: 'trace-udp',
    type: 'boolean',
    group: 'reassembly',
    help: 'trace UDP flows too',
    apply: (v, s) => {
      tracing(s).udp = v === true;
    },
  },
  {
    name: 'trace-bidirectional',
    type: 'boolean',
    group: 'reassembly',
    help: 'one flow (and file) for both directions of a connection',
    apply: (v, s) => {
      tracing(s).bidirectional = v === true;
    },
  },
  {
    name: 'statistics',
    short: 'z',
    type: 'string',
    multiple: true,
    arg: 'STAT',
    group: 'reassembly',
    help: "tshark's -z: follow,tcp,ascii|hex|raw,N and conv,tcp|udp|ip|ipv6 (repeatable; stdout; no report unless -o/-f)",
    apply: (v: string[], s) => {
      const specs: ZSpec[] = [];
      for (const x of v) {
        const z = parseZ(x);
        if (!z)
          throw new UsageError(
            `unsupported statistic '${x}' (expected follow,tcp,ascii|hex|raw,N or conv,tcp|udp|ip|ipv6)`,
          );
        specs.push(z);
      }
      s.extra.z = specs;
    },
  },
  // ── run
  {
    name: 'engine',
    short: 'E',
    type: 'string',
    arg: 'NAME',
    group: 'run',
    help: "engine: default, pipeline, server (worker threads), tshark (alias pyshark), dpkt, scapy, or a plugin's",
    apply: (v: string, s, ctx) => {
      if (!ctx.engines.get(v))
        throw new PcapkitError('ERR_ENGINE', `unknown engine '${v}' (known: ${ctx.engines.names().join(', ')})`);
      s.options.engine = v;
    },
  },
  {
    name: 'count',
    short: 'c',
    type: 'string',
    arg: 'N',
    group: 'run',
    help: 'stop after N frames',
    apply: (v: string, s) => {
      s.options.limit = count(v);
    },
  },
  {
    name: 'verbose',
    short: 'v',
    type: 'boolean',
    group: 'run',
    help: 'list frames on stderr ( - Frame   1: Ethernet:IPv4:TCP) and the capture header',
    apply: (v, s) => {
      s.options.verbose = v === true;
    },
  },
  {
    name: 'quiet',
    short: 'q',
    type: 'boolean',
    group: 'run',
    help: 'no progress bar, summary or warnings on stderr',
    apply: (v, s) => {
      s.quiet = v === true;
    },
  },
  {
    name: 'no-color',
    type: 'boolean',
    group: 'run',
    help: 'no ANSI colours (also NO_COLOR=1)',
    apply: (v, s) => {
      if (v) s.color = false;
    },
  },
  {
    name: 'buffer-save',
    short: 'B',
    type: 'boolean',
    group: 'run',
    help: 'with input -: also save the stdin stream to a file',
    apply: (v, s) => {
      s.bufferSave = v === true;
    },
  },
  {
    name: 'buffer-path',
    short: 'O',
    type: 'string',
    arg: 'FILE',
    group: 'run',
    help: 'where -B saves stdin (default: a temporary file)',
    apply: (v: string, s) => {
      s.bufferPath = v;
      s.bufferSave = true;
    },
  },
  // ── general
  {
    name: 'plugin',
    type: 'string',
    multiple: true,
    arg: 'MODULE',
    group: 'general',
    help: 'load a plugin (path or package, from the current folder) adding protocols, handlers, engines, formats or stages (repeatable)',
    apply: (v: string[], s) => {
      s.extra.plugins = v; // loaded by main before the other flags are checked (see pluginSpecs)
    },
  },
  {
    name: 'version',
    short: 'V',
    type: 'boolean',
    group: 'general',
    help: 'print the version',
    apply: (v, s) => {
      s.version = v === true;
    },
  },
  {
    name: 'help',
    short: 'h',
    type: 'boolean',
    group: 'general',
    help: 'print this help',
    apply: (v, s) => {
      s.help = v === true;
    },
  },
];

/** The `--plugin` values in argv, found before the full parse (plugins add formats, engines, protocols the other flags name). */
export function pluginSpecs(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') break;
    if (a === '--plugin') {
      if (i + 1 >= argv.length) throw new UsageError("option '--plugin <value>' argument missing");
      out.push(argv[++i]);
    } else if (a.startsWith('--plugin=')) out.push(a.slice('--plugin='.length));
  }
  return out;
}

/** Parse argv; throws UsageError / FormatError (exit 2) with a one-line message. */
export function parseCli(
  argv: readonly string[],
  ctx: Partial<CliContext> = {},
  flags: readonly FlagSpec[] = FLAGS,
): CliState {
  const c: CliContext = {
    registry: ctx.registry ?? defaultRegistry,
    dumpers: ctx.dumpers ?? defaultDumpers,
    engines: ctx.engines ?? defaultEngines,
    env: ctx.env ?? process.env,
  };
  const options: Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }> = {};
  for (const f of flags) {
    const spec: { type: 'string' | 'boolean'; short?: string; multiple?: boolean } = { type: f.type };
    if (f.short !== undefined) spec.short = f.short;
    if (f.multiple !== undefined) spec.multiple = f.multiple;
    options[f.name] = spec;
  }
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: [...argv], options, allowPositionals: true, strict: true });
  } catch (e) {
    throw new UsageError((e as Error).message.split('\n')[0].replace(/\. To specify a positional.*$/, ''));
  }
  const s: CliState = {
    input: undefined,
    options: { extension: false, dumpOptions: {} },
    quiet: false,
    color: !(c.env.NO_COLOR !== undefined && c.env.NO_COLOR !== ''),
    help: false,
    version: false,
    bufferSave: false,
    bufferPath: undefined,
    shortFormat: undefined,
    extra: {},
  };
  // -f wins over -j, which wins over -p, then -t (PyPCAPKit's precedence): apply in that order.
  const order = ['json', 'plist', 'tree'];
  const rows = [...flags].sort((a, b) => order.indexOf(a.name) - order.indexOf(b.name));
  for (const f of rows) {
    const v = (parsed.values as Record<string, unknown>)[f.name];
    if (v === undefined) continue;
    f.apply(v, s, c);
  }
  if (s.help || s.version) return s;
  if (s.options.format === undefined && s.shortFormat !== undefined) s.options.format = s.shortFormat;
  const pos = parsed.positionals;
  if (pos.length > 1) throw new UsageError(`one input file expected, got ${pos.length}: ${pos.join(' ')}`);
  if (pos.length === 0) throw new UsageError("missing input file (a capture path, or '-' for stdin)");
  s.input = pos[0];
  // PyPCAPKit's defaults: output stem `out`, tree format; here `out` gets the format's extension.
  const o = s.options;
  // tshark -q -z …: only the statistics, unless a report is asked for with -o, -f (or -j/-p/-t) or -F.
  if (s.extra.z !== undefined && o.output === undefined && o.format === undefined && !o.files) o.nofile = true;
  if (typeof o.trace === 'object' && o.trace.output === undefined)
    throw new UsageError('--trace-format, --trace-byteorder, --trace-nanosecond need --trace DIR');
  if (typeof o.reassemble === 'object' && !o.reassemble.ipv4 && !o.reassemble.ipv6 && !o.reassemble.tcp)
    throw new UsageError('--strict needs --reassemble LIST');
  if (!o.nofile) {
    if (o.output === undefined) {
      o.format ??= 'tree';
      const f = c.dumpers.get(String(o.format))!;
      o.output = o.files ? 'out' : `out${f.extension}`;
    }
  }
  return s;
}
