/**
 * The `pcapkit` command: flags → `extract()` options → `run()`. Data on stdout (only with -o -),
 * everything else on stderr; exit 0/1/2 (130 on SIGINT, 143 on SIGTERM); a closed output pipe ends the run quietly.
 */
import { createWriteStream, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { extract } from '../api/extract.js';
import { type ZSpec, zStatistics } from '../api/follow.js';
import { applyDecodeAs, type ExtractOptions } from '../api/options.js';
import { defaultExtensions, type Extensions, extensionOptions, loadPlugins } from '../api/plugin.js';
import type { CaptureInfo } from '../capture/info.js';
import { interfacesOf } from '../capture/info.js';
import { linktypeName } from '../capture/linktypes.js';
import type { Input } from '../capture/source.js';
import { PcapkitError } from '../core/errors.js';
import type { PcapkitWarning } from '../core/warnings.js';
import { isEpipe } from '../dump/dumper.js';
import { type CliState, parseCli, pluginSpecs } from './args.js';
import { EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE, exitCodeFor } from './exit-codes.js';
import { helpText } from './help.js';
import { createProgress } from './progress.js';

export function version(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    return pkg.version;
  } catch {
    return 'unknown';
  }
}

export interface CliIo {
  readonly stdout: NodeJS.WriteStream;
  readonly stderr: NodeJS.WriteStream;
  readonly env: NodeJS.ProcessEnv;
}

function oneLine(e: unknown): string {
  const m = e instanceof Error ? e.message : String(e);
  return m.split('\n')[0];
}

function captureLines(info: CaptureInfo): string {
  if (info.pcap) {
    const h = info.pcap;
    return ` - Capture: pcap ${h.versionMajor}.${h.versionMinor}, ${h.byteOrder}-endian, ${h.nanosecond ? 'ns' : 'µs'}, link type ${linktypeName(h.linktype)} (${h.linktype}), snaplen ${h.snaplen}${info.compression.length ? `, ${info.compression.join('+')}` : ''}\n`;
  }
  let s = ` - Capture: pcapng, ${info.sections.length} section(s)${info.compression.length ? `, ${info.compression.join('+')}` : ''}\n`;
  for (const i of interfacesOf(info))
    s += ` - Interface ${i.section}/${i.id}: link type ${linktypeName(i.linktype)} (${i.linktype})${i.name ? `, ${i.name}` : ''}\n`;
  return s;
}

function fmtBytes(n: number): string {
  return n >= 1 << 20
    ? `${(n / (1 << 20)).toFixed(1)} MiB`
    : n >= 1 << 10
      ? `${(n / (1 << 10)).toFixed(1)} KiB`
      : `${n} bytes`;
}

/** stdin copied to a file while it is read (-B / -O). */
async function* teeStdin(path: string): AsyncGenerator<Uint8Array> {
  const ws = createWriteStream(path);
  try {
    for await (const c of process.stdin as AsyncIterable<Uint8Array>) {
      if (!ws.write(c)) await new Promise<void>((r) => ws.once('drain', () => r()));
      yield c;
    }
  } finally {
    await new Promise<void>((r) => ws.end(() => r()));
  }
}

function writeOut(ws: NodeJS.WriteStream, text: string): Promise<void> {
  return new Promise((res, rej) => {
    ws.write(text, (e) => (e ? rej(e) : res()));
  });
}

export async function main(
  argv: readonly string[] = process.argv.slice(2),
  io: CliIo = { stdout: process.stdout, stderr: process.stderr, env: process.env },
): Promise<number> {
  const err = (s: string) => io.stderr.write(s);
  let s: CliState;
  let ext: Extensions = defaultExtensions;
  try {
    // Plugins first: they add the formats, engines and protocols that -f, -E, -P and -d may name.
    const specs = pluginSpecs(argv);
    if (specs.length > 0) ext = await loadPlugins(specs);
    s = parseCli(argv, { env: io.env, registry: ext.protocols, dumpers: ext.dumpers, engines: ext.engines });
  } catch (e) {
    err(`pcapkit: ${oneLine(e)}\n`);
    return exitCodeFor(e);
  }
  if (s.help) {
    io.stdout.write(helpText());
    return EXIT_OK;
  }
  if (s.version) {
    io.stdout.write(`pcapkit ${version()}\n`);
    return EXIT_OK;
  }

  const o = s.options;
  const verbose = o.verbose === true;
  const toStdout = o.output === '-';
  const fmt = o.format !== undefined ? ext.dumpers.get(String(o.format)) : undefined;
  if (toStdout && fmt?.binary && io.stdout.isTTY) {
    err(`pcapkit: refusing to write ${fmt.name} data to a terminal; redirect stdout or use -o FILE\n`);
    return EXIT_USAGE;
  }
  const ac = new AbortController();
  // SIGINT/SIGTERM stop reading; the report is closed in `finally` and stays a valid document.
  // A second signal exits at once.
  let interrupted: 0 | 130 | 143 = 0;
  const onSignal = (sig: NodeJS.Signals) => {
    const code = sig === 'SIGTERM' ? 143 : EXIT_INTERRUPTED;
    if (interrupted) process.exit(code);
    interrupted = code;
    ac.abort(new Error('interrupted'));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  let input: Input = s.input!;
  if (s.input === '-' && s.bufferSave)
    input = teeStdin(s.bufferPath ?? join(tmpdir(), `pcapkit-stdin-${process.pid}.pcap`));
  let total = 0;
  if (typeof input === 'string' && input !== '-') {
    try {
      total = statSync(input).size;
    } catch {
      total = 0; // the reader names the problem
    }
  }
  const progress = createProgress(total, io.stderr, !s.quiet && !verbose && !(toStdout && io.stdout.isTTY));
  const onWarning = (w: PcapkitWarning) => {
    if (s.quiet || (w.level === 'info' && !verbose)) return;
    progress.done();
    err(`pcapkit: warning: ${w.message}\n`);
  };
  const { dumpOptions, ...rest } = o;
  const color = s.color && toStdout && io.stdout.isTTY === true;
  const opts: ExtractOptions = {
    ...rest,
    ...(ext === defaultExtensions ? {} : extensionOptions(ext)),
    dump: { ...dumpOptions, color },
    signal: ac.signal,
    onWarning,
    onProgress: (p) => progress.update(p),
  };

  const z = s.extra.z as ZSpec[] | undefined;
  if (z !== undefined && !o.nofile && s.input === '-') {
    err('pcapkit: -z with stdin cannot also write a report (stdin is read once); drop -o/-f or read a file\n');
    return EXIT_USAGE;
  }
  try {
    if (z !== undefined && o.nofile) {
      // Statistics only: one pass, tshark's text on stdout.
      const registry = o.decodeAs?.length ? applyDecodeAs(ext.protocols, o.decodeAs) : ext.protocols;
      const text = await zStatistics(input, z, { registry, signal: ac.signal });
      progress.done();
      await writeOut(io.stdout, text);
      return EXIT_OK;
    }
    const x = extract(input, opts);
    if (verbose)
      x.capture.then(
        (i) => err(captureLines(i)),
        () => {},
      );
    await x.run();
    progress.done();
    if (!s.quiet) {
      const st = x.stats;
      const secs = st.elapsedMs / 1000;
      const where = x.output === undefined ? '' : x.output === '-' ? ', report on stdout' : `, report: ${x.output}`;
      const unknown = Object.entries(st.unknownLinktypes)
        .map(([lt, n]) => `${n} frame(s) of link type ${linktypeName(Number(lt))} (${lt}) not dissected`)
        .join('; ');
      const issues = st.issues > 0 ? `, ${st.issues} issue(s)` : '';
      err(
        `pcapkit: ${st.frames} frames, ${fmtBytes(st.bytes)} in ${secs.toFixed(2)} s (${Math.round(st.frames / Math.max(secs, 1e-6))} frames/s)${issues}${where}\n`,
      );
      if (unknown) err(`pcapkit: ${unknown}\n`);
    }
    if (z !== undefined) {
      const registry = o.decodeAs?.length ? applyDecodeAs(ext.protocols, o.decodeAs) : ext.protocols;
      await writeOut(io.stdout, await zStatistics(input, z, { registry, signal: ac.signal }));
    }
    return EXIT_OK;
  } catch (e) {
    progress.done();
    if (isEpipe(e)) return EXIT_OK;
    if (interrupted && e instanceof PcapkitError && e.code === 'ERR_ABORTED') {
      if (!s.quiet) err('pcapkit: interrupted; the report was closed\n');
      return interrupted;
    }
    err(`pcapkit: ${oneLine(e)}\n`);
    return exitCodeFor(e);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
