/**
 * The dpkt and scapy engines (PyPCAPKit's DPKT/Scapy engines): a bundled script (src/engines/py/,
 * copied to dist/engines/py/ by the build) reads the capture with the Python library in a child
 * process and prints one JSON line per frame: exact timestamp, lengths, link type, the frame's bytes
 * and the peer's layers (our protocol names where we have them, else the peer's class name, lower
 * case) with their offsets and common fields. Python is /usr/bin/python3 (Debian's, where
 * python3-dpkt / python3-scapy install), or $PCAPKIT_PYTHON.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import type { CaptureInfo } from '../capture/info.js';
import { abortError, type Input } from '../capture/source.js';
import { Bytes } from '../core/bytes.js';
import { PcapkitError } from '../core/errors.js';
import type { Frame, Layer } from '../core/frame.js';
import type { Registry } from '../core/registry.js';
import { checkExit, LineQueue, pathOf, runsOk, spawnChild, toolFailure } from './child.js';
import type { Engine, EngineOptions, EngineRun, Feature } from './engine.js';
import { fromPeer, peerLayer } from './map.js';

const python = () => process.env.PCAPKIT_PYTHON ?? '/usr/bin/python3';
const here = dirname(fileURLToPath(import.meta.url));

function script(file: string): string {
  // dist/engines/py/ after the build; src/engines/py/ under tsx.
  const p = join(here, 'py', file);
  if (existsSync(p)) return p;
  throw new PcapkitError('ERR_ENGINE_MISSING', `bundled script ${file} not found next to ${here}`);
}

interface PeerFrame {
  readonly n: number;
  readonly s: number;
  readonly ns: number;
  readonly len: number;
  readonly lt: number;
  readonly if: number;
  readonly raw: string;
  readonly L: readonly [string, number, number, number | null, Record<string, unknown>][];
  readonly nots?: 1;
  readonly error?: string;
}

function hexBytes(h: string): Uint8Array {
  return Uint8Array.from(Buffer.from(h, 'hex'));
}

function toFrame(p: PeerFrame, reg: Registry): Frame {
  const u8 = hexBytes(p.raw);
  const layers: Layer[] = [];
  for (const [name, start, hdrEnd, end, f] of p.L) {
    const proto = reg.byName(name);
    const fields: Record<string, unknown> = {};
    for (const k in f) {
      const v = fromPeer(proto?.header[k], f[k]);
      if (v !== undefined) fields[k] = v;
    }
    const e = Math.min(end ?? u8.length, u8.length);
    layers.push(peerLayer(reg, name, fields, Math.min(start, e), Math.min(hdrEnd, e), e, true));
  }
  return {
    n: p.n,
    bytes: new Bytes(u8),
    start: 0,
    end: u8.length,
    origLen: p.len,
    tsSec: p.s,
    tsNsec: p.ns,
    hasTs: p.nots !== 1,
    linktype: p.lt,
    iface: p.if,
    fcsLen: 0,
    comments: undefined,
    opts: undefined,
    section: 0,
    layers,
    issues: [],
  };
}

function pythonEngine(
  name: 'dpkt' | 'scapy',
  module: string,
  file: string,
  supports: Feature[],
  description: string,
): Engine {
  const pkg = `python3-${name}`;
  const engine: Engine = {
    name,
    description,
    supports: new Set(supports),
    available() {
      if (!runsOk(python(), ['-c', `import ${module}`]))
        throw new PcapkitError(
          'ERR_ENGINE_MISSING',
          `engine '${name}' needs Python's ${name}: install it (Debian: apt install ${pkg}; or set PCAPKIT_PYTHON to a python3 that has it)`,
        );
    },
    open(input: Input, o: EngineOptions): EngineRun {
      engine.available!();
      const path = pathOf(input);
      const args = [script(file), path ?? '-'];
      if (o.limit !== undefined) args.push(String(Math.max(0, Math.floor(o.limit))));
      let resolveInfo!: (i: CaptureInfo) => void;
      let rejectInfo!: (e: unknown) => void;
      const info = new Promise<CaptureInfo>((res, rej) => {
        resolveInfo = res;
        rejectInfo = rej;
      });
      info.catch(() => {});
      async function* batches(): AsyncGenerator<readonly Frame[]> {
        const child = spawnChild(python(), args, path === undefined ? input : undefined, {
          signal: o.signal,
          read: o.read,
          env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' },
        });
        const lines = new LineQueue(child.proc.stdout as Readable, 2000);
        try {
          let batch: Frame[] = [];
          let first = true;
          for (;;) {
            const line = await lines.next();
            if (line === undefined) break;
            if (!line) continue;
            if (o.signal?.aborted) throw abortError(o.signal);
            const rec = JSON.parse(line) as PeerFrame & { format?: 'pcap' | 'pcapng' };
            if (first) {
              first = false;
              resolveInfo({
                format: rec.format ?? 'pcap',
                compression: [],
                sections: [],
                blocks: [],
                droppedBlocks: 0,
              });
              continue;
            }
            if (rec.error !== undefined) {
              if (batch.length) yield batch;
              batch = [];
              throw new PcapkitError('ERR_TRUNCATED_FILE', `${name}: ${rec.error}`);
            }
            batch.push(toFrame(rec, o.registry));
            if (batch.length >= 256) {
              yield batch;
              batch = [];
            }
          }
          if (batch.length) yield batch;
          await checkExit(child, name);
          if (first) throw new PcapkitError('ERR_ENGINE', `${name} printed nothing`);
        } catch (e) {
          const own = await toolFailure(child, name);
          const missing = /ERR_ENGINE_MISSING (\S+)/.exec(child.stderr());
          const err = missing
            ? new PcapkitError(
                'ERR_ENGINE_MISSING',
                `engine '${name}' needs ${missing[1]}: install it (apt install ${missing[1]})`,
              )
            : (own ?? e);
          rejectInfo(err);
          throw err;
        } finally {
          child.kill();
        }
      }
      return { info, batches };
    },
  };
  return engine;
}

/** dpkt: pcap and pcapng (no compression); no reassembly, tracing, registry, stopAt or details. */
export const dpktEngine = pythonEngine(
  'dpkt',
  'dpkt',
  'dpkt_frames.py',
  ['pcap', 'pcapng', 'stdin', 'stream'],
  "Python's dpkt (python3-dpkt) dissects; layers, offsets and common fields mapped onto pcapkit frames",
);

/** scapy: pcap, pcapng and gzip-compressed files; no reassembly, tracing, registry, stopAt or details. */
export const scapyEngine = pythonEngine(
  'scapy',
  'scapy',
  'scapy_frames.py',
  ['pcap', 'pcapng', 'stdin', 'stream'],
  "Python's scapy (python3-scapy) dissects; layers, offsets and common fields mapped onto pcapkit frames",
);
