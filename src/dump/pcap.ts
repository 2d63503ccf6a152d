/**
 * Frames back out as capture files, byte-identical record data:
 * - pcap: µs or ns (default: as the input), either byte order (default: as a pcap input, else
 *   little), the input's link type and snaplen. A pcap file holds one link type: frames of another
 *   (a multi-interface pcapng input) are skipped with a W_LINKTYPE_MIXED warning; use pcapng.
 * - pcapng: one section, an interface per (link type, interface) seen, per-frame comments kept, an
 *   optional section comment.
 * Neither reads layers, so a run that only rewrites may skip dissection.
 */
import type { CaptureInfo } from '../capture/info.js';
import { interfacesOf } from '../capture/info.js';
import { PcapngWriter, PcapWriter } from '../capture/write-pcap.js';
import type { Frame } from '../core/frame.js';
import type { DumpContext, Dumper, DumperFactory, Sink } from './dumper.js';

class PcapDumper implements Dumper {
  private w: PcapWriter | undefined;
  private linktype = 1;
  private skipped = 0;
  /** The input is a pcap file whose records we can copy as they are (same byte order and resolution). */
  private verbatim = false;
  constructor(
    private readonly sink: Sink,
    private readonly ctx: DumpContext,
  ) {}
  open(info: CaptureInfo) {
    const o = this.ctx.options;
    const h = info.pcap;
    const ifs = interfacesOf(info);
    this.linktype = h?.linktype ?? ifs[0]?.linktype ?? 1;
    this.w = new PcapWriter({
      linktype: this.linktype,
      nanosecond: o.nanosecond ?? (h ? h.nanosecond : ifs.some((i) => i.ticksPerSecond > 1_000_000)),
      byteOrder: o.byteOrder ?? h?.byteOrder ?? 'little',
      snaplen: h?.snaplen ?? Math.max(262144, ...ifs.map((i) => i.snaplen)),
      fcsLen: h?.fcsLen,
      versionMajor: 2,
      versionMinor: 4,
    });
    this.verbatim =
      h !== undefined && !h.modified && h.byteOrder === this.w.opts.byteOrder && h.nanosecond === this.w.nano;
    return this.sink.write(this.w.header());
  }
  write(frames: readonly Frame[]) {
    if (this.verbatim) return this.copy(frames);
    return this.encode(frames);
  }
  /**
   * Same-format rewrite: each record (16-byte header + data) is still in its read chunk, and
   * consecutive frames are consecutive records, so a run of them is one slice of the chunk: no
   * copy, no re-encoding (what makes `-f pcap` a plain I/O loop).
   */
  private async copy(frames: readonly Frame[]): Promise<void> {
    let i = 0;
    while (i < frames.length) {
      const f0 = frames[i];
      if (f0.linktype !== this.linktype) {
        this.skipped++;
        i++;
        continue;
      }
      if (!this.isRecord(f0)) {
        const p = this.sink.write(this.w!.records([f0]));
        if (p) await p;
        i++;
        continue;
      }
      let j = i + 1;
      while (
        j < frames.length &&
        frames[j].bytes === f0.bytes &&
        frames[j].start - 16 === frames[j - 1].end &&
        frames[j].linktype === this.linktype &&
        this.isRecord(frames[j])
      )
        j++;
      const u8 = f0.bytes.u8;
      const p = this.sink.write(u8.subarray(f0.start - 16, frames[j - 1].end));
      if (p) await p;
      i = j;
    }
  }
  /** The 16 bytes before the frame are its own record header (not a frame a stage made up). */
  private isRecord(f: Frame): boolean {
    if (f.start < 16) return false;
    const dv = f.bytes.dv;
    const le = this.w!.le;
    return (
      dv.getUint32(f.start - 8, le) === f.end - f.start &&
      dv.getUint32(f.start - 4, le) === f.origLen &&
      dv.getUint32(f.start - 16, le) === f.tsSec >>> 0
    );
  }
  private encode(frames: readonly Frame[]) {
    let list = frames;
    for (let i = 0; i < frames.length; i++) {
      if (frames[i].linktype !== this.linktype) {
        list = frames.filter((f) => f.linktype === this.linktype);
        this.skipped += frames.length - list.length;
        break;
      }
    }
    if (list.length === 0) return;
    return this.sink.write(this.w!.records(list));
  }
  async close() {
    if (this.skipped > 0)
      this.ctx.warn(
        'W_LINKTYPE_MIXED',
        `${this.skipped} frame(s) with a link type other than ${this.linktype} were not written: a pcap file holds one link type; use -f pcapng`,
      );
  }
}

class PcapngDumper implements Dumper {
  private w: PcapngWriter | undefined;
  constructor(
    private readonly sink: Sink,
    private readonly ctx: DumpContext,
  ) {}
  open(info: CaptureInfo) {
    const o = this.ctx.options;
    const nano =
      o.nanosecond ?? (info.pcap ? info.pcap.nanosecond : interfacesOf(info).some((i) => i.ticksPerSecond > 1_000_000));
    const first = info.sections[0];
    this.w = new PcapngWriter({
      byteOrder: o.byteOrder ?? 'little',
      resolution: nano ? 'ns' : 'us',
      comment: o.comment ?? first?.comments[0],
    });
    return this.sink.write(this.w.header());
  }
  write(frames: readonly Frame[]) {
    if (frames.length === 0) return;
    return this.sink.write(this.w!.records(frames));
  }
  async close() {}
}

export const pcap: DumperFactory = {
  name: 'pcap',
  extension: '.pcap',
  aliases: ['cap', 'libpcap'],
  extensions: ['.cap', '.dump'],
  needsLayers: false,
  binary: true,
  create: (sink, ctx) => new PcapDumper(sink, ctx),
};

export const pcapng: DumperFactory = {
  name: 'pcapng',
  extension: '.pcapng',
  aliases: ['ng'],
  needsLayers: false,
  binary: true,
  create: (sink, ctx) => new PcapngDumper(sink, ctx),
};
