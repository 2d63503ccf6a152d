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
    return this.sink.write(this.w.header());
  }
  write(frames: readonly Frame[]) {
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
