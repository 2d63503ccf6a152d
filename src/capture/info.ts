/** What a capture file says about itself: global header, sections, interfaces, non-packet blocks. */

export interface PcapHeader {
  /** The magic as read big-endian: 0xa1b2c3d4, 0xa1b23c4d, 0xa1b2cd34. */
  readonly magic: number;
  readonly byteOrder: 'little' | 'big';
  readonly nanosecond: boolean;
  /** Kuznetzov's "modified" pcap (24-byte record headers). */
  readonly modified: boolean;
  readonly versionMajor: number;
  readonly versionMinor: number;
  readonly thiszone: number;
  readonly sigfigs: number;
  readonly snaplen: number;
  /** LINKTYPE_* (low 16 bits of the network field). */
  readonly linktype: number;
  /** The whole 32-bit network field (FCS bits in the top nibble, libpcap's LT_FCS_* macros). */
  readonly network: number;
  readonly fcsLen: number;
}

export interface CustomOption {
  readonly code: number;
  readonly pen: number;
  readonly data: string;
}
export interface UnknownOption {
  readonly code: number;
  readonly data: string;
  /** Set when a 'pcapng.<block>.option' handler in the registry decoded it. */
  readonly name?: string;
  readonly fields?: Readonly<Record<string, unknown>>;
}

export interface SectionInfo {
  readonly index: number;
  readonly byteOrder: 'little' | 'big';
  readonly versionMajor: number;
  readonly versionMinor: number;
  /** -1 when not given. */
  readonly sectionLength: number;
  readonly comments: readonly string[];
  readonly hardware?: string;
  readonly os?: string;
  readonly userappl?: string;
  readonly custom?: readonly CustomOption[];
  readonly unknown?: readonly UnknownOption[];
  readonly interfaces: InterfaceInfo[];
}

export interface InterfaceInfo {
  /** Index within its section (what EPBs refer to). */
  readonly id: number;
  readonly section: number;
  readonly linktype: number;
  readonly snaplen: number;
  readonly name?: string;
  readonly description?: string;
  readonly ipv4addrs?: readonly string[];
  readonly ipv6addrs?: readonly string[];
  readonly macaddr?: string;
  readonly euiaddr?: string;
  readonly speed?: number;
  /** The raw if_tsresol byte (default 6: µs). */
  readonly tsresol: number;
  /** Ticks per second from if_tsresol (10^n, or 2^n when the top bit is set). */
  readonly ticksPerSecond: number;
  readonly tzone?: number;
  readonly filter?: { readonly type: number; readonly expression: string };
  readonly os?: string;
  /** Bytes of FCS on this interface's frames (if_fcslen). */
  readonly fcsLen: number;
  /** Seconds added to every timestamp (if_tsoffset). */
  readonly tsoffset: number;
  readonly hardware?: string;
  readonly txspeed?: number;
  readonly rxspeed?: number;
  readonly iqueue?: number;
  readonly comments: readonly string[];
  readonly custom?: readonly CustomOption[];
  readonly unknown?: readonly UnknownOption[];
}

export interface NameRecord {
  readonly type: 'ipv4' | 'ipv6' | 'eui48' | 'eui64' | 'unknown';
  readonly code: number;
  readonly address: string;
  readonly names: readonly string[];
}

export interface IsbStats {
  readonly starttime?: { readonly sec: number; readonly nsec: number };
  readonly endtime?: { readonly sec: number; readonly nsec: number };
  readonly ifrecv?: number;
  readonly ifdrop?: number;
  readonly filteraccept?: number;
  readonly osdrop?: number;
  readonly usrdeliv?: number;
}

/** A non-packet block, in file order; `beforeFrame` is the number the next packet will get. */
export type BlockRecord =
  | { readonly kind: 'shb'; readonly beforeFrame: number; readonly section: number }
  | { readonly kind: 'idb'; readonly beforeFrame: number; readonly section: number; readonly iface: number }
  | {
      readonly kind: 'nrb';
      readonly beforeFrame: number;
      readonly section: number;
      readonly records: readonly NameRecord[];
      readonly dnsname?: string;
      readonly dnsIP4addr?: string;
      readonly dnsIP6addr?: string;
      readonly comments: readonly string[];
    }
  | {
      readonly kind: 'isb';
      readonly beforeFrame: number;
      readonly section: number;
      readonly iface: number;
      readonly tsSec: number;
      readonly tsNsec: number;
      readonly stats: IsbStats;
      readonly comments: readonly string[];
    }
  | {
      readonly kind: 'dsb';
      readonly beforeFrame: number;
      readonly section: number;
      /** 0x544c534b TLS key log, 0x57474b4c WireGuard, 0x5a4e574b ZigBee NWK, 0x5a415053 ZigBee APS, … */
      readonly secretsType: number;
      readonly secretsName: string;
      readonly data: Uint8Array;
      readonly comments: readonly string[];
    }
  | {
      readonly kind: 'custom';
      readonly beforeFrame: number;
      readonly section: number;
      readonly type: number;
      readonly pen: number;
      /** 0x00000BAD may be copied by editors, 0x40000BAD must not be. */
      readonly copyable: boolean;
      readonly data: Uint8Array;
    }
  | {
      readonly kind: 'journal';
      readonly beforeFrame: number;
      readonly section: number;
      readonly data: Uint8Array;
    }
  | {
      readonly kind: 'unknown';
      readonly beforeFrame: number;
      readonly section: number;
      readonly type: number;
      readonly length: number;
      /** Set when a 'pcapng.block' handler in the registry decoded the block body. */
      readonly name?: string;
      readonly fields?: Readonly<Record<string, unknown>>;
    };

export interface CaptureInfo {
  readonly format: 'pcap' | 'pcapng';
  /** Compression layers found around the capture, outermost first. */
  readonly compression: readonly string[];
  readonly pcap?: PcapHeader;
  readonly sections: SectionInfo[];
  /** Non-packet pcapng blocks (bounded: after `MAX_BLOCKS` only `droppedBlocks` counts). */
  readonly blocks: BlockRecord[];
  droppedBlocks: number;
}

export const MAX_BLOCKS = 10_000;

/** Every interface of every section, in order. */
export function interfacesOf(info: CaptureInfo): InterfaceInfo[] {
  return info.sections.flatMap((s) => s.interfaces);
}
