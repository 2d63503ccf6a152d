/**
 * Classic libpcap files: four magics (µs/ns × byte order) plus Kuznetzov's "modified" format,
 * the FCS bits of the link-type field (libpcap's LT_FCS_LENGTH_PRESENT / LT_FCS_LENGTH), and a
 * bounded record length: a record longer than `maxRecord` is a broken file, never an allocation.
 */
import type { Bytes } from '../core/bytes.js';
import { PcapkitError } from '../core/errors.js';
import type { RawFrame } from '../core/frame.js';
import type { CaptureInfo, PcapHeader } from './info.js';
import type { ParserOptions, RecordParser } from './parser.js';

/** libpcap's MAXIMUM_SNAPLEN; Wireshark's WTAP_MAX_PACKET_SIZE_STANDARD. */
export const MAX_SNAPLEN = 262144;
/** Link types whose records may be much larger (USB, D-Bus, …), as libpcap's max_snaplen_for_dlt. */
const BIG_LINKTYPES: ReadonlySet<number> = new Set([189, 220, 231, 249, 250, 279]);
const BIG_SNAPLEN = 128 * 1024 * 1024;

export class PcapParser implements RecordParser {
  readonly info: CaptureInfo;
  error: PcapkitError | undefined = undefined;
  header: PcapHeader | undefined = undefined;
  private le = true;
  private nano = false;
  private recLen = 16;
  private n = 0;
  private linktype = 1;
  private fcsLen = 0;
  private maxRecord: number;
  private base = 0; // input offset of the chunk start, for error messages
  private readonly userMax: number | undefined;

  constructor(info: CaptureInfo, opts: ParserOptions = {}) {
    this.info = info;
    this.userMax = opts.maxRecord;
    this.maxRecord = opts.maxRecord ?? MAX_SNAPLEN;
  }

  /** Input offset of `b.u8[0]`, so errors name the file offset. */
  setBase(base: number): void {
    this.base = base;
  }

  private readHeader(b: Bytes, at: number): void {
    const dv = b.dv;
    const magic = dv.getUint32(at, false);
    let le: boolean;
    let nano = false;
    let modified = false;
    switch (magic) {
      case 0xd4c3b2a1:
        le = true;
        break;
      case 0xa1b2c3d4:
        le = false;
        break;
      case 0x4d3cb2a1:
        le = true;
        nano = true;
        break;
      case 0xa1b23c4d:
        le = false;
        nano = true;
        break;
      case 0x34cdb2a1:
        le = true;
        modified = true;
        break;
      case 0xa1b2cd34:
        le = false;
        modified = true;
        break;
      default:
        this.error = new PcapkitError('ERR_BAD_MAGIC', `not a pcap file (magic 0x${magic.toString(16)})`, {
          offset: this.base + at,
        });
        return;
    }
    const network = dv.getUint32(at + 20, le);
    const linktype = network & 0xffff;
    // libpcap pcap-common.h: LT_FCS_LENGTH_PRESENT(x) = x & 0x04000000, LT_FCS_LENGTH(x) = (x & 0xF0000000) >> 28,
    // counted in 16-bit units. Without the present bit the top nibble means nothing.
    const fcsLen = network & 0x04000000 ? ((network >>> 28) & 0xf) * 2 : 0;
    const snaplen = dv.getUint32(at + 16, le);
    this.le = le;
    this.nano = nano;
    this.recLen = modified ? 24 : 16;
    this.linktype = linktype;
    this.fcsLen = fcsLen;
    if (this.userMax === undefined && BIG_LINKTYPES.has(linktype)) this.maxRecord = BIG_SNAPLEN;
    this.header = {
      magic: le
        ? (((magic & 0xff) << 24) | ((magic & 0xff00) << 8) | ((magic >>> 8) & 0xff00) | (magic >>> 24)) >>> 0
        : magic,
      byteOrder: le ? 'little' : 'big',
      nanosecond: nano,
      modified,
      versionMajor: dv.getUint16(at + 4, le),
      versionMinor: dv.getUint16(at + 6, le),
      thiszone: dv.getInt32(at + 8, le),
      sigfigs: dv.getUint32(at + 12, le),
      snaplen,
      linktype,
      network,
      fcsLen,
    };
    (this.info as { pcap?: PcapHeader }).pcap = this.header;
  }

  parse(b: Bytes, at: number, end: number, out: RawFrame[]): number {
    if (this.error) return at;
    if (this.header === undefined) {
      if (end - at < 24) return at;
      this.readHeader(b, at);
      if (this.error) return at;
      at += 24;
    }
    const dv = b.dv;
    const le = this.le;
    const rh = this.recLen;
    const mult = this.nano ? 1 : 1000;
    const linktype = this.linktype;
    const fcsLen = this.fcsLen;
    const max = this.maxRecord;
    while (end - at >= rh) {
      const caplen = dv.getUint32(at + 8, le);
      if (caplen > max) {
        this.error = new PcapkitError(
          'ERR_BAD_RECORD',
          `record ${this.n + 1} claims ${caplen} captured bytes, more than the ${max}-byte maximum: the file is corrupt`,
          { offset: this.base + at },
        );
        return at;
      }
      const next = at + rh + caplen;
      if (next > end) break;
      out.push({
        n: ++this.n,
        bytes: b,
        start: at + rh,
        end: next,
        origLen: dv.getUint32(at + 12, le),
        tsSec: dv.getUint32(at, le),
        tsNsec: dv.getUint32(at + 4, le) * mult,
        hasTs: true,
        linktype,
        iface: 0,
        fcsLen,
        comments: undefined,
        opts: undefined,
        section: 0,
      });
      at = next;
    }
    return at;
  }

  finish(consumed: number, left: number): PcapkitError | undefined {
    if (this.error) return this.error;
    if (this.header === undefined) {
      return new PcapkitError(
        'ERR_TRUNCATED_FILE',
        `the file ends inside the pcap global header (${left} of 24 bytes)`,
        {
          offset: 0,
        },
      );
    }
    if (left > 0) {
      return new PcapkitError(
        'ERR_TRUNCATED_FILE',
        `the file appears to have been cut short in the middle of record ${this.n + 1} (${left} bytes left at offset ${consumed})`,
        { offset: consumed },
      );
    }
    return undefined;
  }
}
