/**
 * Frames and layers: plain readonly data out (DESIGN rule 8). A layer is offsets into the frame's
 * chunk plus its decoded fixed-header fields; nothing is copied.
 */
import type { Bytes } from './bytes.js';
import type { Issue } from './issue.js';

/** pcapng per-packet options (EPB/PB), present only when the block carried some. */
export interface PacketOptions {
  readonly flags?: number;
  readonly hash?: readonly { readonly algorithm: number; readonly digest: string }[];
  readonly dropcount?: number;
  readonly packetid?: number;
  readonly queue?: number;
  readonly verdict?: readonly { readonly type: number; readonly data: string }[];
  readonly processIdThreadId?: readonly number[];
  readonly custom?: readonly { readonly code: number; readonly pen: number; readonly data: string }[];
  /** Options without a built-in meaning; `name`/`fields` when a 'pcapng.epb.option' handler decoded them. */
  readonly unknown?: readonly {
    readonly code: number;
    readonly data: string;
    readonly name?: string;
    readonly fields?: Readonly<Record<string, unknown>>;
  }[];
}

export interface RawFrame {
  /** 1-based, over all sections and interfaces. */
  readonly n: number;
  readonly bytes: Bytes;
  /** Absolute offsets of the captured bytes in `bytes`. */
  readonly start: number;
  readonly end: number;
  /** Original (wire) length. */
  readonly origLen: number;
  /** Seconds since 1970 UTC and nanoseconds within the second, exact. */
  readonly tsSec: number;
  readonly tsNsec: number;
  /** False for pcapng Simple Packet Blocks, which carry no timestamp (tsSec and tsNsec are then 0). */
  readonly hasTs: boolean;
  /** LINKTYPE_* number (not Wireshark's WTAP_ENCAP). */
  readonly linktype: number;
  /** pcapng interface index within its section (0 for pcap). */
  readonly iface: number;
  /** Bytes of FCS at the end of the captured data (pcap FCS bits, pcapng if_fcslen / epb_flags). */
  readonly fcsLen: number;
  /** pcapng opt_comment values, if any. */
  readonly comments: readonly string[] | undefined;
  /** Other pcapng per-packet options, if any. */
  readonly opts: PacketOptions | undefined;
  /** pcapng section index (0-based; 0 for pcap). */
  readonly section: number;
}

export type LayerKind = 'link' | 'internet' | 'transport' | 'application';

export interface CompleteLayer<N extends string = string, F = unknown> {
  readonly protocol: N;
  readonly start: number;
  readonly hdrEnd: number;
  readonly end: number;
  readonly complete: true;
  readonly fields: F;
  /** Variable tail (options, TLVs, bodies) when decoded eagerly; see `details()`. */
  readonly details?: unknown;
}
export interface PartialLayer<N extends string = string, F = unknown> {
  readonly protocol: N;
  readonly start: number;
  readonly hdrEnd: number;
  readonly end: number;
  readonly complete: false;
  readonly fields: Partial<F>;
  readonly details?: unknown;
}
export type Layer<N extends string = string, F = unknown> = CompleteLayer<N, F> | PartialLayer<N, F>;

/** Each protocol module augments this: `declare module '../core/frame.js' { interface LayerMap { udp: … } }`. */
// biome-ignore lint/suspicious/noEmptyInterface: augmented by protocol modules
export interface LayerMap {}

export type KnownName = keyof LayerMap & string;
export type AnyLayer = [KnownName] extends [never]
  ? Layer
  : { [K in KnownName]: Layer<K, LayerMap[K]> }[KnownName] | Layer;

export interface Frame extends RawFrame {
  readonly layers: readonly Layer[];
  readonly issues: readonly Issue[];
  /**
   * Set by stages, absent otherwise: the flow index (tshark's tcp.stream / udp.stream numbering),
   * datagrams this frame completed (IP defragmentation), and application messages this frame completed.
   */
  readonly flow?: number;
  /**
   * Set with `flow` when a frame has both a TCP and a UDP stream (TCP tunnelled over UDP, GENEVE,
   * VXLAN): tcp.stream and udp.stream apart. Otherwise `flow` is the one the frame has.
   */
  readonly flows?: { readonly tcp: number; readonly udp: number };
  readonly reassembled?: readonly unknown[];
  readonly messages?: readonly unknown[];
}

/**
 * Names that stand for several protocols, as PyPCAPKit's `IP` matches IPv4 and IPv6 and `HTTP` both
 * versions: `find(frame, 'ip')` is the outermost IPv4 or IPv6 layer.
 */
export const GROUPS: Readonly<Record<string, readonly string[]>> = {
  ip: ['ipv4', 'ipv6'],
  ipsec: ['ah', 'esp'],
  http: ['http1', 'http2'],
  arp: ['arp', 'rarp', 'inarp', 'drarp'],
};

/** The layer named `name` (first match, outermost first), typed through LayerMap. */
export function find<K extends KnownName>(frame: Frame, name: K): Layer<K, LayerMap[K]> | undefined;
export function find(frame: Frame, name: string): Layer | undefined;
export function find(frame: Frame, name: string): Layer | undefined {
  const ls = frame.layers;
  for (let i = 0; i < ls.length; i++) if (ls[i].protocol === name) return ls[i];
  const g = GROUPS[name];
  if (g !== undefined) for (let i = 0; i < ls.length; i++) if (g.includes(ls[i].protocol)) return ls[i];
  return undefined;
}

/** Every layer named `name` (tunnels, stacked VLANs, ICMP-quoted headers), outermost first. */
export function findAll<K extends KnownName>(frame: Frame, name: K): Layer<K, LayerMap[K]>[];
export function findAll(frame: Frame, name: string): Layer[];
export function findAll(frame: Frame, name: string): Layer[] {
  const g = GROUPS[name];
  return frame.layers.filter((l) => l.protocol === name || g?.includes(l.protocol));
}

/** PyPCAPKit's `'IPv4' in frame`. */
export function has(frame: Frame, name: string): boolean {
  return find(frame, name) !== undefined;
}

/** The bytes after a layer's header (its payload) as a view; made only when asked (rule 4). */
export function payloadOf(frame: RawFrame, layer: Layer): Uint8Array {
  return frame.bytes.u8.subarray(layer.hdrEnd, layer.end);
}

/** The captured bytes of a frame, as a view (no copy). */
export function frameBytes(frame: RawFrame): Uint8Array {
  return frame.bytes.u8.subarray(frame.start, frame.end);
}

/** The bytes of one layer (header and payload). */
export function layerBytes(frame: RawFrame, layer: Layer): Uint8Array {
  return frame.bytes.u8.subarray(layer.start, layer.end);
}

/** Undissected bytes after the last layer's header: PyPCAPKit's `Raw`, tshark's `data`. */
export function rawRest(frame: Frame): Uint8Array {
  const ls = frame.layers;
  if (ls.length === 0) return frameBytes(frame);
  const last = ls[ls.length - 1];
  return frame.bytes.u8.subarray(last.hdrEnd, last.end);
}

/** Capture time as float seconds (loses sub-µs precision for present-day times; use timeNs for exact). */
export function time(frame: RawFrame): number {
  return frame.tsSec + frame.tsNsec / 1e9;
}
/** Capture time in nanoseconds since 1970, exact. */
export function timeNs(frame: RawFrame): bigint {
  return BigInt(frame.tsSec) * 1_000_000_000n + BigInt(frame.tsNsec);
}
/** `1084443427.311224000`: seconds and 9 decimals, exact, as tshark's frame.time_epoch. */
export function epochString(sec: number, nsec: number): string {
  if (nsec >= 1_000_000_000) {
    // An out-of-range fraction in a broken file (the frame carries frame.invalid_timestamp): carry it.
    sec += Math.floor(nsec / 1_000_000_000);
    nsec %= 1_000_000_000;
  }
  if (sec < 0 && nsec > 0) {
    // -1.5 s is stored as sec = -2, nsec = 5e8
    const s = sec + 1;
    const ns = 1_000_000_000 - nsec;
    return `${s === 0 ? '-0' : s}.${String(ns).padStart(9, '0')}`;
  }
  return `${sec}.${String(nsec).padStart(9, '0')}`;
}
