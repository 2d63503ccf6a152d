/**
 * pcap and pcapng writers. Batches encode into one buffer (size once, fill once), which is what the
 * pcap dumper and the benchmark generator use; `writePcap` / `writePcapng` are the one-call forms
 * tests use to make their own capture files.
 */
import type { RawFrame } from '../core/frame.js';

export interface PcapWriteOptions {
  readonly linktype?: number;
  readonly nanosecond?: boolean;
  readonly byteOrder?: 'little' | 'big';
  readonly snaplen?: number;
  /** Bytes of FCS to announce in the link-type field (libpcap LT_FCS bits). */
  readonly fcsLen?: number;
  readonly versionMajor?: number;
  readonly versionMinor?: number;
}

/** One record to write: the bytes plus what the record header says. */
export interface RecordIn {
  readonly data: Uint8Array;
  readonly tsSec?: number;
  readonly tsNsec?: number;
  readonly origLen?: number;
  readonly linktype?: number;
  readonly comments?: readonly string[];
  readonly iface?: number;
}

export class PcapWriter {
  readonly le: boolean;
  readonly nano: boolean;
  readonly opts: PcapWriteOptions;
  constructor(opts: PcapWriteOptions = {}) {
    this.opts = opts;
    this.le = (opts.byteOrder ?? 'little') === 'little';
    this.nano = opts.nanosecond === true;
  }

  header(): Uint8Array {
    const out = new Uint8Array(24);
    const dv = new DataView(out.buffer);
    const le = this.le;
    dv.setUint32(0, this.nano ? 0xa1b23c4d : 0xa1b2c3d4, le);
    dv.setUint16(4, this.opts.versionMajor ?? 2, le);
    dv.setUint16(6, this.opts.versionMinor ?? 4, le);
    dv.setInt32(8, 0, le);
    dv.setUint32(12, 0, le);
    dv.setUint32(16, this.opts.snaplen ?? 262144, le);
    const fcs = this.opts.fcsLen ? ((((this.opts.fcsLen / 2) & 0xf) << 28) | 0x04000000) >>> 0 : 0;
    dv.setUint32(20, ((this.opts.linktype ?? 1) & 0xffff) | fcs, le);
    return out;
  }

  /** Encode records (frames or RecordIn) into one buffer. */
  records(frames: readonly (RawFrame | RecordIn)[]): Uint8Array {
    let size = 0;
    for (const f of frames) size += 16 + ('data' in f ? f.data.length : f.end - f.start);
    const out = new Uint8Array(size);
    const dv = new DataView(out.buffer);
    const le = this.le;
    const nano = this.nano;
    let at = 0;
    for (const f of frames) {
      let data: Uint8Array;
      let sec: number;
      let nsec: number;
      let orig: number;
      if ('data' in f) {
        data = f.data;
        sec = f.tsSec ?? 0;
        nsec = f.tsNsec ?? 0;
        orig = f.origLen ?? data.length;
      } else {
        data = f.bytes.u8.subarray(f.start, f.end);
        sec = f.tsSec;
        nsec = f.tsNsec;
        orig = f.origLen;
      }
      dv.setUint32(at, sec >>> 0, le);
      dv.setUint32(at + 4, nano ? nsec : Math.floor(nsec / 1000), le);
      dv.setUint32(at + 8, data.length, le);
      dv.setUint32(at + 12, orig, le);
      out.set(data, at + 16);
      at += 16 + data.length;
    }
    return out;
  }
}

/** A whole pcap file in memory (tests, examples). */
export function writePcap(records: readonly RecordIn[], opts: PcapWriteOptions = {}): Uint8Array {
  const w = new PcapWriter(opts);
  const h = w.header();
  const r = w.records(records);
  const out = new Uint8Array(h.length + r.length);
  out.set(h, 0);
  out.set(r, h.length);
  return out;
}

export interface PcapngWriteOptions {
  readonly byteOrder?: 'little' | 'big';
  /** Timestamp resolution of every interface: 'ns' writes if_tsresol 9, 'us' the default 6. */
  readonly resolution?: 'us' | 'ns';
  readonly comment?: string;
  readonly userappl?: string;
  /** Octets of FCS on every interface's frames, written as if_fcslen (the data must carry them). */
  readonly fcsLen?: number;
}

const enc = new TextEncoder();
const pad4 = (n: number) => (n + 3) & ~3;

class BlockBuf {
  parts: Uint8Array[] = [];
  constructor(readonly le: boolean) {}
  block(type: number, body: Uint8Array): Uint8Array {
    const len = 12 + body.length;
    const out = new Uint8Array(len);
    const dv = new DataView(out.buffer);
    dv.setUint32(0, type, this.le);
    dv.setUint32(4, len, this.le);
    out.set(body, 8);
    dv.setUint32(len - 4, len, this.le);
    return out;
  }
  options(opts: readonly (readonly [number, Uint8Array])[]): Uint8Array {
    if (opts.length === 0) return new Uint8Array(0);
    let size = 4;
    for (const [, v] of opts) size += 4 + pad4(v.length);
    const out = new Uint8Array(size);
    const dv = new DataView(out.buffer);
    let at = 0;
    for (const [code, v] of opts) {
      dv.setUint16(at, code, this.le);
      dv.setUint16(at + 2, v.length, this.le);
      out.set(v, at + 4);
      at += 4 + pad4(v.length);
    }
    return out; // ends with opt_endofopt (zeros)
  }
}

/** Streaming pcapng writer: one section, one interface per (link type, interface id) seen. */
export class PcapngWriter {
  private readonly bb: BlockBuf;
  private readonly ifaces = new Map<string, number>();
  private readonly nano: boolean;
  constructor(readonly opts: PcapngWriteOptions = {}) {
    this.bb = new BlockBuf((opts.byteOrder ?? 'little') === 'little');
    this.nano = opts.resolution === 'ns';
  }

  header(): Uint8Array {
    const le = this.bb.le;
    const o: [number, Uint8Array][] = [];
    if (this.opts.comment) o.push([1, enc.encode(this.opts.comment)]);
    o.push([4, enc.encode(this.opts.userappl ?? 'pcapkit')]);
    const opts = this.bb.options(o);
    const body = new Uint8Array(16 + opts.length);
    const dv = new DataView(body.buffer);
    dv.setUint32(0, 0x1a2b3c4d, le);
    dv.setUint16(4, 1, le);
    dv.setUint16(6, 0, le);
    dv.setInt32(8, -1, le);
    dv.setInt32(12, -1, le);
    body.set(opts, 16);
    return this.bb.block(0x0a0d0d0a, body);
  }

  private idb(linktype: number): Uint8Array {
    const le = this.bb.le;
    const o: [number, Uint8Array][] = this.nano ? [[9, Uint8Array.of(9)]] : [];
    if (this.opts.fcsLen !== undefined) o.push([13, Uint8Array.of(this.opts.fcsLen)]);
    const opts = this.bb.options(o);
    const body = new Uint8Array(8 + opts.length);
    const dv = new DataView(body.buffer);
    dv.setUint16(0, linktype, le);
    dv.setUint32(4, 262144, le);
    body.set(opts, 8);
    return this.bb.block(1, body);
  }

  /** Encode records; emits an IDB first for each new (link type, iface) pair. */
  records(frames: readonly (RawFrame | RecordIn)[]): Uint8Array {
    const parts: Uint8Array[] = [];
    const le = this.bb.le;
    for (const f of frames) {
      const isRec = 'data' in f;
      const data = isRec ? f.data : f.bytes.u8.subarray(f.start, f.end);
      const linktype = (isRec ? f.linktype : f.linktype) ?? 1;
      const ifKey = `${linktype}/${isRec ? (f.iface ?? 0) : f.iface}`;
      let id = this.ifaces.get(ifKey);
      if (id === undefined) {
        id = this.ifaces.size;
        this.ifaces.set(ifKey, id);
        parts.push(this.idb(linktype));
      }
      const sec = (isRec ? f.tsSec : f.tsSec) ?? 0;
      const nsec = (isRec ? f.tsNsec : f.tsNsec) ?? 0;
      const comments = f.comments ?? [];
      const opts = this.bb.options(comments.map((c) => [1, enc.encode(c)] as const));
      const body = new Uint8Array(20 + pad4(data.length) + opts.length);
      const dv = new DataView(body.buffer);
      // ticks = sec * unit + frac; split into hi/lo without losing precision
      const unit = this.nano ? 1e9 : 1e6;
      const frac = this.nano ? nsec : Math.floor(nsec / 1000);
      const t = BigInt(sec) * BigInt(unit) + BigInt(frac);
      dv.setUint32(0, id, le);
      dv.setUint32(4, Number(t >> 32n), le);
      dv.setUint32(8, Number(t & 0xffffffffn), le);
      dv.setUint32(12, data.length, le);
      dv.setUint32(16, (isRec ? f.origLen : f.origLen) ?? data.length, le);
      body.set(data, 20);
      body.set(opts, 20 + pad4(data.length));
      parts.push(this.bb.block(6, body));
    }
    let n = 0;
    for (const p of parts) n += p.length;
    const out = new Uint8Array(n);
    let at = 0;
    for (const p of parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }
}

/** A whole pcapng file in memory (tests, examples). */
export function writePcapng(records: readonly RecordIn[], opts: PcapngWriteOptions = {}): Uint8Array {
  const w = new PcapngWriter(opts);
  const h = w.header();
  const r = w.records(records);
  const out = new Uint8Array(h.length + r.length);
  out.set(h, 0);
  out.set(r, h.length);
  return out;
}
