/**
 * Child processes for the external engines (tshark, dpkt, scapy): spawn with the capture as a path or
 * piped to stdin, stream stdout as lines, keep stderr's tail for the error message, and kill the child
 * on abort, on `break` and on errors (DESIGN §3.9: an engine never outlives its run).
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import type { Readable } from 'node:stream';
import type { ReadOptions } from '../capture/read.js';
import { type Input, rawChunks } from '../capture/source.js';
import { PcapkitError } from '../core/errors.js';

/** The input as a path the tool can open itself, or undefined when it must be piped to stdin. */
export function pathOf(input: Input): string | undefined {
  if (typeof input === 'string') return input === '-' ? undefined : input;
  if (input instanceof URL) return input.protocol === 'file:' ? decodeURIComponent(input.pathname) : undefined;
  return undefined;
}

export interface Child {
  readonly proc: ChildProcess;
  /** Resolves with the exit code (or the signal name) once the child is gone. */
  readonly exit: Promise<number | string>;
  /** The last few KiB of stderr. */
  stderr(): string;
  kill(): void;
  /** True once kill() was called (a non-zero exit is then ours, not the tool's). */
  readonly killed: boolean;
}

/** Spawn `cmd args`; pipe `input` to its stdin when given (a path is passed in `args` instead). */
export function spawnChild(
  cmd: string,
  args: readonly string[],
  input: Input | undefined,
  o: { signal?: AbortSignal; read?: ReadOptions; env?: NodeJS.ProcessEnv },
): Child {
  const stdio: ('pipe' | 'ignore')[] = [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'];
  const proc = spawn(cmd, args, { stdio, env: o.env ?? process.env });
  let tail = '';
  proc.stderr?.setEncoding('utf8');
  proc.stderr?.on('data', (s: string) => {
    tail = (tail + s).slice(-4096);
  });
  let killed = false;
  const kill = () => {
    if (killed) return;
    killed = true;
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
  };
  const exit = new Promise<number | string>((res, rej) => {
    proc.once('error', (e: NodeJS.ErrnoException) =>
      rej(
        e.code === 'ENOENT'
          ? new PcapkitError('ERR_ENGINE_MISSING', `${cmd} not found`)
          : new PcapkitError('ERR_ENGINE', `${cmd}: ${e.message}`),
      ),
    );
    proc.once('close', (code, sig) => res(code ?? sig ?? 0));
  });
  exit.catch(() => {});
  const onAbort = () => kill();
  o.signal?.addEventListener('abort', onAbort, { once: true });
  proc.once('close', () => o.signal?.removeEventListener('abort', onAbort));
  if (input !== undefined && proc.stdin) feed(proc.stdin, input, o, kill);
  return {
    proc,
    exit,
    stderr: () => tail,
    kill,
    get killed() {
      return killed;
    },
  };
}

/** Copy the input's bytes (as stored: tshark and the Python readers decompress what they can) to the child. */
function feed(
  stdin: NodeJS.WritableStream & { destroyed?: boolean },
  input: Input,
  o: { signal?: AbortSignal; read?: ReadOptions },
  kill: () => void,
): void {
  stdin.on('error', () => {}); // EPIPE when the child stops early (limit, break): not an error of ours
  (async () => {
    const src = input === '-' ? (o.read?.stdin ?? process.stdin) : input;
    for await (const chunk of rawChunks(src, { signal: o.signal, chunkSize: o.read?.chunkSize })) {
      if (stdin.destroyed) return;
      if (!stdin.write(chunk))
        await new Promise<void>((r) => {
          stdin.once('drain', r);
          stdin.once('close', r);
        });
    }
    stdin.end();
  })().catch(() => kill());
}

/**
 * A child's stdout as lines: `next()` costs no await while lines are buffered, and a producer that runs
 * far ahead of its consumer is paused.
 */
export class LineQueue {
  private buf: string[] = [];
  private at = 0;
  private done = false;
  private waiting: (() => void) | undefined;
  private error: unknown;
  constructor(
    private readonly out: Readable,
    private readonly high = 20000,
  ) {
    out.setEncoding('utf8');
    let rest = '';
    out.on('data', (s: string) => {
      const parts = (rest + s).split('\n');
      rest = parts.pop()!;
      for (const p of parts) this.buf.push(p);
      if (this.buf.length - this.at > this.high) out.pause();
      this.wake();
    });
    out.on('end', () => {
      if (rest.length) this.buf.push(rest);
      this.done = true;
      this.wake();
    });
    out.on('error', (e) => {
      this.error = e;
      this.done = true;
      this.wake();
    });
  }
  private wake() {
    const w = this.waiting;
    this.waiting = undefined;
    w?.();
  }
  /** The next line, or undefined at the end. */
  async next(): Promise<string | undefined> {
    for (;;) {
      if (this.at < this.buf.length) {
        const l = this.buf[this.at++];
        if (this.at > 4096 && this.at * 2 > this.buf.length) {
          this.buf = this.buf.slice(this.at);
          this.at = 0;
        }
        if (this.out.isPaused() && this.buf.length - this.at < this.high / 2) this.out.resume();
        return l;
      }
      if (this.error) throw this.error;
      if (this.done) return undefined;
      if (this.out.isPaused()) this.out.resume();
      await new Promise<void>((r) => {
        this.waiting = r;
      });
    }
  }
}

function failureOf(child: Child, tool: string, code: number | string): PcapkitError {
  const msg = child
    .stderr()
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('Running as user'))
    .join(' ');
  return new PcapkitError('ERR_ENGINE', `${tool} exited with ${code}${msg ? `: ${msg}` : ''}`);
}

/** Throw the tool's failure as one clear line (a non-zero exit that we did not cause). */
export async function checkExit(child: Child, tool: string): Promise<void> {
  const code = await child.exit;
  if (child.killed || code === 0) return;
  throw failureOf(child, tool, code);
}

/** After an error on our side: the tool's own failure if it exited non-zero by itself within a second. */
export async function toolFailure(child: Child, tool: string): Promise<PcapkitError | undefined> {
  if (child.killed) return undefined;
  const code = await Promise.race([
    child.exit.catch((e) => e as PcapkitError),
    new Promise<undefined>((r) => (setTimeout(r, 1000) as unknown as NodeJS.Timeout).unref()),
  ]);
  if (code instanceof PcapkitError) return code;
  if (code === undefined || code === 0 || child.killed) return undefined;
  return failureOf(child, tool, code);
}

const found = new Map<string, boolean>();
/** Whether `cmd args` runs and exits 0 (cached per process). */
export function runsOk(cmd: string, args: readonly string[]): boolean {
  const key = `${cmd}\0${args.join('\0')}`;
  let ok = found.get(key);
  if (ok === undefined) {
    const r = spawnSync(cmd, args, { stdio: 'ignore', timeout: 20000 });
    ok = r.status === 0;
    found.set(key, ok);
  }
  return ok;
}
