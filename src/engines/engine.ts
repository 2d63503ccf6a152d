/**
 * Engines turn an input into batches of dissected frames (DESIGN §3.9). Each declares what it
 * supports; asking for something it cannot do is a usage error at the start, or a loud warning for
 * features that only make the run faster (never a silent zero-frame run, PyPCAPKit #399/#386).
 * Engines live in a registry value users extend: `defaultEngines.with(myEngine)`.
 */

import type { CaptureInfo } from '../capture/info.js';
import type { ReadOptions } from '../capture/read.js';
import type { Input } from '../capture/source.js';
import type { Frame, LayerKind } from '../core/frame.js';
import type { Registry } from '../core/registry.js';
import type { WarningCode } from '../core/warnings.js';
import type { EncodedBatch, RecordEncoding } from '../dump/dumper.js';
import type { Datagram } from '../stages/ip-defrag.js';
import type { TcpChunk } from '../stages/tcp-stream.js';
import type { FlowInfo, TraceOptions } from '../stages/trace.js';

/** What an engine can honour. */
export type Feature =
  | 'pcap'
  | 'pcapng'
  | 'compressed'
  | 'stdin'
  | 'stream' // input given as bytes, a Node or web stream, or an iterable
  | 'registry' // user protocols and decode-as
  | 'stopAt'
  | 'details'
  | 'checksums'
  | 'reassembly'
  | 'trace'
  | (string & {});

export interface EngineOptions {
  readonly registry: Registry;
  readonly stopAt?: { readonly layer?: LayerKind | 'none' | 'raw'; readonly protocol?: string };
  readonly details?: boolean;
  readonly checksums?: boolean;
  /** Stop after this many frames (tshark -c). */
  readonly limit?: number;
  readonly signal?: AbortSignal;
  /** Reader options: chunk size, stdin stream, record caps, and `onRead` for progress. */
  readonly read?: ReadOptions;
  /** Where an engine says it took a slower route than asked (W_ENGINE_FEATURE). */
  readonly warn?: (code: WarningCode, message: string) => void;
}

/** What a report needs from an engine that encodes frames itself (`Engine.openEncoded`). */
export interface EncodeRequest {
  readonly encoding: RecordEncoding;
  /** The dumper's `bytes` option (undissected bytes as hex). */
  readonly bytes: boolean | undefined;
  /**
   * The built-in stream stages the run asks for (reassembly, flow numbering); an engine that
   * cannot run them on its encoded route declines (returns undefined from openEncoded).
   */
  readonly streams?: StreamRequest;
}

/** Stream stages for an encoded run, and where their results go (`extraction.reassembly`). */
export interface StreamRequest {
  readonly ipv4: boolean;
  readonly ipv6: boolean;
  readonly tcp: boolean;
  readonly strict: boolean;
  /** Keep reassembled datagrams and TCP pieces in `results` (reassemble.store). */
  readonly store: boolean;
  readonly results: {
    ipv4?: Datagram[];
    ipv6?: Datagram[];
    tcp?: TcpChunk[];
  };
  /** Flow tracing (pcap files or the index only; no callbacks), or undefined. */
  readonly trace?: Pick<
    TraceOptions,
    'output' | 'byteOrder' | 'nanosecond' | 'udp' | 'bidirectional' | 'idleTimeout' | 'minPackets'
  >;
  /** Receives the flow index at the end of input (`extraction.flows`). */
  readonly onFlows?: (flows: FlowInfo[]) => void;
}

/** A batch of encoded frames plus what the run's statistics need (no Frame objects). */
export interface EncodedFrames extends EncodedBatch {
  /** Captured and original bytes of the batch's frames. */
  readonly capBytes: number;
  readonly wireBytes: number;
  /** Issues of the batch's frames: frame index in the batch, kind, code, the frame's link type. */
  readonly issues: readonly (readonly [number, string, string, number])[];
}

export interface EncodedRun {
  readonly info: Promise<CaptureInfo>;
  batches(): AsyncGenerator<EncodedFrames, void, undefined>;
}

/** One engine run: capture information once the header is read, and the frames. */
export interface EngineRun {
  readonly info: Promise<CaptureInfo>;
  batches(): AsyncIterable<readonly Frame[]>;
}

export interface Engine {
  /** 'default' | 'pipeline' | 'server' | 'tshark' | 'dpkt' | 'scapy' | yours. */
  readonly name: string;
  readonly aliases?: readonly string[];
  readonly description?: string;
  readonly supports: ReadonlySet<Feature>;
  /** Throw a PcapkitError('ERR_ENGINE_MISSING', 'install …') when a dependency is absent. */
  available?(): void | Promise<void>;
  open(input: Input, o: EngineOptions): EngineRun;
  /**
   * Optional fast route for reports: frames are dissected and encoded by the engine (in workers)
   * and only bytes come back. Undefined when the engine would not be faster for this input; the
   * run then uses `open`.
   */
  openEncoded?(input: Input, o: EngineOptions, enc: EncodeRequest): EncodedRun | undefined;
}

export interface EngineRegistry {
  get(name: string): Engine | undefined;
  names(): readonly string[];
  /** A new registry with these engines added (same name: the later one wins). */
  with(...engines: Engine[]): EngineRegistry;
}

export function createEngines(list: readonly Engine[]): EngineRegistry {
  const byName = new Map<string, Engine>();
  for (const e of list) {
    byName.set(e.name.toLowerCase(), e);
    for (const a of e.aliases ?? []) byName.set(a.toLowerCase(), e);
  }
  const primary = [...new Set(list.map((e) => e.name))];
  return Object.freeze({
    get: (n: string) => byName.get(n.toLowerCase()),
    names: () => primary,
    with: (...more: Engine[]) => createEngines([...list.filter((e) => !more.some((m) => m.name === e.name)), ...more]),
  });
}
