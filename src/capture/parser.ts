/** The shape both record parsers share: synchronous, pull-free, one call per chunk. */
import type { Bytes } from '../core/bytes.js';
import type { PcapkitError } from '../core/errors.js';
import type { RawFrame } from '../core/frame.js';
import type { OptionHandler } from '../core/protocol.js';
import type { Registry } from '../core/registry.js';
import type { CaptureInfo } from './info.js';

export interface RecordParser {
  readonly info: CaptureInfo;
  /**
   * Parse every complete record in `b.u8[at, end)`, pushing packet records to `out`. Returns the offset
   * of the first byte not consumed (the start of an incomplete record). On a fatal problem it sets
   * `error` and returns; the frames pushed before it stay good.
   */
  parse(b: Bytes, at: number, end: number, out: RawFrame[]): number;
  error: PcapkitError | undefined;
  /** `consumed` bytes of the input have been parsed; `left` more were there at EOF and do not form a record. */
  finish(consumed: number, left: number): PcapkitError | undefined;
}

/**
 * A handler in a pcapng table ('pcapng.block', 'pcapng.<shb|idb|epb>.option'): an OptionHandler
 * whose decode also learns the section's byte order. Register it with `registry.withHandler(...)`.
 */
export interface PcapngHandler<V = Record<string, unknown>> extends OptionHandler<V> {
  decode(b: Bytes, start: number, end: number, littleEndian?: boolean): V;
}

export interface ParserOptions {
  /** Largest record accepted before the file is called broken (default 256 KiB, as libpcap and Wireshark). */
  readonly maxRecord?: number;
  /** Largest pcapng block (default 16 MiB). */
  readonly maxBlock?: number;
  /**
   * pcapng handler tables (issue 7), usually the run's protocol registry: 'pcapng.block' by block
   * type, and 'pcapng.shb.option' / 'pcapng.idb.option' / 'pcapng.epb.option' (EPB, PB, SPB) by
   * option code. A handler's `decode(b, start, end, littleEndian)` sees the block body or option
   * value; its fields go to the block record's or the option's `fields`.
   */
  readonly handlers?: Pick<Registry, 'handler'>;
}
