/**
 * PCAP-NG (draft-ietf-opsawg-pcapng): sections in either byte order, several per file; IDB options
 * (if_tsresol powers of 10 and 2, if_tsoffset, if_fcslen, …); EPB, SPB and the obsolete PB as frames;
 * NRB, ISB, DSB, systemd journal, custom and unknown blocks recorded in `info.blocks` (unknown ones
 * skipped by length). Every standard option is parsed; comments are kept per frame.
 */

import { ipv4ToString, ipv6ToString, macToString } from '../core/addr.js';
import type { Bytes } from '../core/bytes.js';
import { hex, utf8Text } from '../core/bytes.js';
import { PcapkitError } from '../core/errors.js';
import type { PacketOptions, RawFrame } from '../core/frame.js';
import type { Registry } from '../core/registry.js';
import {
  type BlockRecord,
  type CaptureInfo,
  type CustomOption,
  type InterfaceInfo,
  type IsbStats,
  MAX_BLOCKS,
  type NameRecord,
  type SectionInfo,
  type UnknownOption,
} from './info.js';
import type { ParserOptions, PcapngHandler, RecordParser } from './parser.js';
import { splitTicks, type Time, ticksPerSecond } from './ticks.js';

export const BLOCK = {
  SHB: 0x0a0d0d0a,
  IDB: 0x00000001,
  PB: 0x00000002,
  SPB: 0x00000003,
  NRB: 0x00000004,
  ISB: 0x00000005,
  EPB: 0x00000006,
  JOURNAL: 0x00000009,
  DSB: 0x0000000a,
  CB_COPY: 0x00000bad,
  CB_NOCOPY: 0x40000bad,
} as const;

const BOM = 0x1a2b3c4d;
const MAX_BLOCK = 16 * 1024 * 1024;

export const SECRETS_NAMES: Readonly<Record<number, string>> = {
  1414288203: 'TLS Key Log',
  1464290124: 'WireGuard Key Log',
  1515083595: 'ZigBee NWK Key',
  1514229843: 'ZigBee APS Key',
  1869636467: 'OPC UA Key Log',
};

interface Opt {
  code: number;
  start: number;
  end: number;
}

/** Iterate TLV options in [start, end); stops at opt_endofopt or a length that runs past the end. */
function options(dv: DataView, start: number, end: number, le: boolean): Opt[] {
  const out: Opt[] = [];
  let p = start;
  while (p + 4 <= end) {
    const code = dv.getUint16(p, le);
    const len = dv.getUint16(p + 2, le);
    if (code === 0) break;
    if (p + 4 + len > end) break;
    out.push({ code, start: p + 4, end: p + 4 + len });
    p += 4 + ((len + 3) & ~3);
  }
  return out;
}

function str(b: Bytes, o: Opt): string {
  let e = o.end;
  while (e > o.start && b.u8[e - 1] === 0) e--;
  return utf8Text(b.u8, o.start, e);
}
function u64(dv: DataView, at: number, le: boolean): number {
  const a = dv.getUint32(at, le);
  const c = dv.getUint32(at + 4, le);
  return le ? c * 4294967296 + a : a * 4294967296 + c;
}
function i64(dv: DataView, at: number, le: boolean): number {
  const lo = le ? dv.getUint32(at, le) : dv.getUint32(at + 4, le);
  const hi = le ? dv.getInt32(at + 4, le) : dv.getInt32(at, le);
  return hi * 4294967296 + lo;
}
function custom(b: Bytes, o: Opt, le: boolean): CustomOption {
  const pen = o.end - o.start >= 4 ? b.dv.getUint32(o.start, le) : 0;
  return { code: o.code, pen, data: hex(b.u8, Math.min(o.start + 4, o.end), o.end) };
}
type Handlers = Pick<Registry, 'handler'> | undefined;
/** An option without a built-in meaning, decoded by a user's handler when there is one (issue 7). */
function unknownOpt(h: Handlers, table: string, b: Bytes, o: Opt, le: boolean): UnknownOption {
  const data = hex(b.u8, o.start, o.end);
  const f = h?.handler(table, o.code) as PcapngHandler | undefined;
  if (f === undefined) return { code: o.code, data };
  try {
    return { code: o.code, data, name: f.name, fields: f.decode(b, o.start, o.end, le) };
  } catch {
    return { code: o.code, data, name: f.name };
  }
}
const isCustom = (code: number) => code === 2988 || code === 2989 || code === 19372 || code === 19373;

export class PcapngParser implements RecordParser {
  readonly info: CaptureInfo;
  error: PcapkitError | undefined = undefined;
  private section: SectionInfo | undefined = undefined;
  private le = true;
  private n = 0;
  private base = 0;
  private readonly maxBlock: number;
  private readonly handlers: Handlers;
  private readonly t: Time = { sec: 0, nsec: 0 };

  constructor(info: CaptureInfo, opts: ParserOptions = {}) {
    this.info = info;
    this.maxBlock = opts.maxBlock ?? MAX_BLOCK;
    this.handlers = opts.handlers;
  }

  setBase(base: number): void {
    this.base = base;
  }

  private fail(code: 'ERR_BAD_BLOCK' | 'ERR_BAD_MAGIC', msg: string, at: number): void {
    this.error = new PcapkitError(code, msg, { offset: this.base + at });
  }

  private record(r: BlockRecord): void {
    if (this.info.blocks.length < MAX_BLOCKS) this.info.blocks.push(r);
    else this.info.droppedBlocks++;
  }

  parse(b: Bytes, at: number, end: number, out: RawFrame[]): number {
    const dv = b.dv;
    while (!this.error && end - at >= 12) {
      const typeBE = dv.getUint32(at, false);
      let le = this.le;
      if (typeBE === BLOCK.SHB) {
        const bom = dv.getUint32(at + 8, true);
        if (bom === BOM) le = true;
        else if (bom === 0x4d3c2b1a) le = false;
        else {
          this.fail('ERR_BAD_MAGIC', 'pcapng section header with a bad byte-order magic', at);
          return at;
        }
      } else if (this.section === undefined) {
        this.fail('ERR_BAD_MAGIC', 'pcapng file does not start with a section header block', at);
        return at;
      }
      const type = dv.getUint32(at, le);
      const len = dv.getUint32(at + 4, le);
      if (len < 12 || len % 4 !== 0) {
        this.fail('ERR_BAD_BLOCK', `pcapng block of type 0x${type.toString(16)} has a bad length ${len}`, at);
        return at;
      }
      if (len > this.maxBlock) {
        this.fail('ERR_BAD_BLOCK', `pcapng block of ${len} bytes is larger than the ${this.maxBlock}-byte maximum`, at);
        return at;
      }
      if (end - at < len) break;
      if (dv.getUint32(at + len - 4, le) !== len) {
        this.fail('ERR_BAD_BLOCK', `pcapng block of type 0x${type.toString(16)}: trailing length does not match`, at);
        return at;
      }
      this.le = le;
      this.block(b, type, at, at + len, le, out);
      at += len;
    }
    return at;
  }

  private block(b: Bytes, type: number, at: number, end: number, le: boolean, out: RawFrame[]): void {
    const dv = b.dv;
    const body = at + 8;
    const bodyEnd = end - 4;
    switch (type) {
      case BLOCK.SHB: {
        if (bodyEnd - body < 16) return this.fail('ERR_BAD_BLOCK', 'pcapng section header block too short', at);
        const sec: SectionInfo = {
          index: this.info.sections.length,
          byteOrder: le ? 'little' : 'big',
          versionMajor: dv.getUint16(body + 4, le),
          versionMinor: dv.getUint16(body + 6, le),
          sectionLength: i64(dv, body + 8, le),
          comments: [],
          interfaces: [],
        };
        const w = sec as { -readonly [K in keyof SectionInfo]: SectionInfo[K] };
        const cust: CustomOption[] = [];
        const unk: UnknownOption[] = [];
        for (const o of options(dv, body + 16, bodyEnd, le)) {
          if (o.code === 1) (sec.comments as string[]).push(str(b, o));
          else if (o.code === 2) w.hardware = str(b, o);
          else if (o.code === 3) w.os = str(b, o);
          else if (o.code === 4) w.userappl = str(b, o);
          else if (isCustom(o.code)) cust.push(custom(b, o, le));
          else unk.push(unknownOpt(this.handlers, 'pcapng.shb.option', b, o, le));
        }
        if (cust.length) w.custom = cust;
        if (unk.length) w.unknown = unk;
        this.info.sections.push(sec);
        this.section = sec;
        this.record({ kind: 'shb', beforeFrame: this.n + 1, section: sec.index });
        return;
      }
      case BLOCK.IDB:
        return this.idb(b, at, body, bodyEnd, le);
      case BLOCK.EPB:
      case BLOCK.PB: {
        const pb = type === BLOCK.PB;
        if (bodyEnd - body < 20) return this.fail('ERR_BAD_BLOCK', 'pcapng packet block too short', at);
        const ifid = pb ? dv.getUint16(body, le) : dv.getUint32(body, le);
        const iface = this.section!.interfaces[ifid];
        if (iface === undefined) {
          return this.fail(
            'ERR_BAD_BLOCK',
            `pcapng packet block refers to interface ${ifid}, which is not defined`,
            at,
          );
        }
        const hi = dv.getUint32(body + 4, le);
        const lo = dv.getUint32(body + 8, le);
        const caplen = dv.getUint32(body + 12, le);
        const origLen = dv.getUint32(body + 16, le);
        const data = body + 20;
        if (data + caplen > bodyEnd) {
          return this.fail('ERR_BAD_BLOCK', `pcapng packet block: captured length ${caplen} runs past the block`, at);
        }
        const optStart = data + ((caplen + 3) & ~3);
        let comments: string[] | undefined;
        let opts: PacketOptions | undefined;
        let fcsLen = iface.fcsLen;
        if (optStart + 4 <= bodyEnd) {
          const r = this.packetOptions(b, optStart, bodyEnd, le, pb ? dv.getUint16(body + 2, le) : undefined);
          comments = r.comments;
          opts = r.opts;
          // epb_flags bits 5–8: FCS length in octets, when known (0 = not given).
          if (opts?.flags !== undefined && (opts.flags & 0x1e0) !== 0) fcsLen = (opts.flags >>> 5) & 0xf;
        }
        const t = splitTicks(hi, lo, iface.ticksPerSecond, this.t);
        out.push({
          n: ++this.n,
          bytes: b,
          start: data,
          end: data + caplen,
          origLen,
          tsSec: t.sec + iface.tsoffset,
          tsNsec: t.nsec,
          hasTs: true,
          linktype: iface.linktype,
          iface: ifid,
          fcsLen,
          comments,
          opts,
          section: this.section!.index,
        });
        return;
      }
      case BLOCK.SPB: {
        if (bodyEnd - body < 4) return this.fail('ERR_BAD_BLOCK', 'pcapng simple packet block too short', at);
        const iface = this.section!.interfaces[0];
        if (iface === undefined) {
          return this.fail('ERR_BAD_BLOCK', 'pcapng simple packet block without an interface description', at);
        }
        const origLen = dv.getUint32(body, le);
        // The captured length is the smaller of the original length, the snap length and the block's room.
        let caplen = Math.min(origLen, bodyEnd - body - 4);
        if (iface.snaplen > 0 && iface.snaplen < caplen) caplen = iface.snaplen;
        out.push({
          n: ++this.n,
          bytes: b,
          start: body + 4,
          end: body + 4 + caplen,
          origLen,
          // An SPB carries no timestamp.
          tsSec: 0,
          tsNsec: 0,
          hasTs: false,
          linktype: iface.linktype,
          iface: 0,
          fcsLen: iface.fcsLen,
          comments: undefined,
          opts: undefined,
          section: this.section!.index,
        });
        return;
      }
      case BLOCK.NRB:
        return this.nrb(b, body, bodyEnd, le);
      case BLOCK.ISB: {
        if (bodyEnd - body < 12) return this.fail('ERR_BAD_BLOCK', 'pcapng interface statistics block too short', at);
        const ifid = dv.getUint32(body, le);
        const iface = this.section!.interfaces[ifid];
        const tps = iface?.ticksPerSecond ?? 1e6;
        const off = iface?.tsoffset ?? 0;
        const t = splitTicks(dv.getUint32(body + 4, le), dv.getUint32(body + 8, le), tps, { sec: 0, nsec: 0 });
        const stats: { -readonly [K in keyof IsbStats]: IsbStats[K] } = {};
        const comments: string[] = [];
        for (const o of options(dv, body + 12, bodyEnd, le)) {
          const w = o.end - o.start;
          if (o.code === 1) comments.push(str(b, o));
          else if ((o.code === 2 || o.code === 3) && w >= 8) {
            const tt = splitTicks(dv.getUint32(o.start, le), dv.getUint32(o.start + 4, le), tps, { sec: 0, nsec: 0 });
            const v = { sec: tt.sec + off, nsec: tt.nsec };
            if (o.code === 2) stats.starttime = v;
            else stats.endtime = v;
          } else if (w >= 8) {
            const v = u64(dv, o.start, le);
            if (o.code === 4) stats.ifrecv = v;
            else if (o.code === 5) stats.ifdrop = v;
            else if (o.code === 6) stats.filteraccept = v;
            else if (o.code === 7) stats.osdrop = v;
            else if (o.code === 8) stats.usrdeliv = v;
          }
        }
        this.record({
          kind: 'isb',
          beforeFrame: this.n + 1,
          section: this.section!.index,
          iface: ifid,
          tsSec: t.sec + off,
          tsNsec: t.nsec,
          stats,
          comments,
        });
        return;
      }
      case BLOCK.DSB: {
        if (bodyEnd - body < 8) return this.fail('ERR_BAD_BLOCK', 'pcapng decryption secrets block too short', at);
        const st = dv.getUint32(body, le);
        const sl = Math.min(dv.getUint32(body + 4, le), bodyEnd - body - 8);
        const comments: string[] = [];
        for (const o of options(dv, body + 8 + ((sl + 3) & ~3), bodyEnd, le))
          if (o.code === 1) comments.push(str(b, o));
        this.record({
          kind: 'dsb',
          beforeFrame: this.n + 1,
          section: this.section!.index,
          secretsType: st,
          secretsName: SECRETS_NAMES[st] ?? 'unknown',
          data: b.u8.slice(body + 8, body + 8 + sl),
          comments,
        });
        return;
      }
      case BLOCK.CB_COPY:
      case BLOCK.CB_NOCOPY: {
        const pen = bodyEnd - body >= 4 ? dv.getUint32(body, le) : 0;
        this.record({
          kind: 'custom',
          beforeFrame: this.n + 1,
          section: this.section!.index,
          type,
          pen,
          copyable: type === BLOCK.CB_COPY,
          data: b.u8.slice(Math.min(body + 4, bodyEnd), bodyEnd),
        });
        return;
      }
      case BLOCK.JOURNAL:
        this.record({
          kind: 'journal',
          beforeFrame: this.n + 1,
          section: this.section!.index,
          data: b.u8.slice(body, bodyEnd),
        });
        return;
      default: {
        const h = this.handlers?.handler('pcapng.block', type) as PcapngHandler | undefined;
        let fields: Readonly<Record<string, unknown>> | undefined;
        if (h !== undefined) {
          try {
            fields = h.decode(b, body, bodyEnd, le);
          } catch {
            fields = undefined;
          }
        }
        this.record({
          kind: 'unknown',
          beforeFrame: this.n + 1,
          section: this.section!.index,
          type,
          length: end - at,
          ...(h !== undefined ? { name: h.name, fields } : {}),
        });
      }
    }
  }

  private idb(b: Bytes, at: number, body: number, bodyEnd: number, le: boolean): void {
    const dv = b.dv;
    if (bodyEnd - body < 8) return this.fail('ERR_BAD_BLOCK', 'pcapng interface description block too short', at);
    const sec = this.section!;
    const i: { -readonly [K in keyof InterfaceInfo]: InterfaceInfo[K] } = {
      id: sec.interfaces.length,
      section: sec.index,
      linktype: dv.getUint16(body, le),
      snaplen: dv.getUint32(body + 4, le),
      tsresol: 6,
      ticksPerSecond: 1e6,
      fcsLen: 0,
      tsoffset: 0,
      comments: [],
    };
    const v4: string[] = [];
    const v6: string[] = [];
    const cust: CustomOption[] = [];
    const unk: UnknownOption[] = [];
    for (const o of options(dv, body + 8, bodyEnd, le)) {
      const w = o.end - o.start;
      switch (o.code) {
        case 1:
          (i.comments as string[]).push(str(b, o));
          break;
        case 2:
          i.name = str(b, o);
          break;
        case 3:
          i.description = str(b, o);
          break;
        case 4:
          if (w >= 8) v4.push(`${ipv4ToString(dv.getUint32(o.start))}/${ipv4ToString(dv.getUint32(o.start + 4))}`);
          break;
        case 5:
          if (w >= 17) {
            const a = [
              dv.getUint32(o.start),
              dv.getUint32(o.start + 4),
              dv.getUint32(o.start + 8),
              dv.getUint32(o.start + 12),
            ];
            v6.push(`${ipv6ToString(a)}/${b.u8[o.start + 16]}`);
          }
          break;
        case 6:
          if (w >= 6) i.macaddr = macToString(dv.getUint16(o.start) * 4294967296 + dv.getUint32(o.start + 2));
          break;
        case 7:
          if (w >= 8) i.euiaddr = hex(b.u8, o.start, o.start + 8).replace(/(..)(?!$)/g, '$1:');
          break;
        case 8:
          if (w >= 8) i.speed = u64(dv, o.start, le);
          break;
        case 9:
          if (w >= 1) {
            i.tsresol = b.u8[o.start];
            i.ticksPerSecond = ticksPerSecond(i.tsresol);
          }
          break;
        case 10:
          if (w >= 4) i.tzone = dv.getInt32(o.start, le);
          break;
        case 11:
          if (w >= 1) i.filter = { type: b.u8[o.start], expression: utf8Text(b.u8, o.start + 1, o.end) };
          break;
        case 12:
          i.os = str(b, o);
          break;
        case 13:
          // if_fcslen: the spec counts bits, several writers (Wireshark's own) wrote bytes: 16/32 are bits.
          if (w >= 1) {
            const x = b.u8[o.start];
            i.fcsLen = x >= 16 && x % 8 === 0 ? x / 8 : x;
          }
          break;
        case 14:
          if (w >= 8) i.tsoffset = i64(dv, o.start, le);
          break;
        case 15:
          i.hardware = str(b, o);
          break;
        case 16:
          if (w >= 8) i.txspeed = u64(dv, o.start, le);
          break;
        case 17:
          if (w >= 8) i.rxspeed = u64(dv, o.start, le);
          break;
        case 18:
          // if_iana_tzname: kept with unknowns' data as text would lose nothing; store as os-like text
          unk.push({ code: o.code, data: hex(b.u8, o.start, o.end) });
          break;
        default:
          if (isCustom(o.code)) cust.push(custom(b, o, le));
          else unk.push(unknownOpt(this.handlers, 'pcapng.idb.option', b, o, le));
      }
    }
    if (v4.length) i.ipv4addrs = v4;
    if (v6.length) i.ipv6addrs = v6;
    if (cust.length) i.custom = cust;
    if (unk.length) i.unknown = unk;
    sec.interfaces.push(i as InterfaceInfo);
    this.record({ kind: 'idb', beforeFrame: this.n + 1, section: sec.index, iface: i.id });
  }

  private packetOptions(
    b: Bytes,
    start: number,
    end: number,
    le: boolean,
    pbDrops: number | undefined,
  ): { comments: string[] | undefined; opts: PacketOptions | undefined } {
    const dv = b.dv;
    let comments: string[] | undefined;
    const o2: { -readonly [K in keyof PacketOptions]: PacketOptions[K] } = {};
    let any = false;
    if (pbDrops !== undefined && pbDrops !== 0xffff) {
      o2.dropcount = pbDrops;
      any = true;
    }
    for (const o of options(dv, start, end, le)) {
      const w = o.end - o.start;
      switch (o.code) {
        case 1:
          (comments ??= []).push(str(b, o));
          continue;
        case 2:
          if (w >= 4) o2.flags = dv.getUint32(o.start, le);
          break;
        case 3:
          if (w >= 1)
            o2.hash = [...(o2.hash ?? []), { algorithm: b.u8[o.start], digest: hex(b.u8, o.start + 1, o.end) }];
          break;
        case 4:
          if (w >= 8) o2.dropcount = u64(dv, o.start, le);
          break;
        case 5:
          if (w >= 8) o2.packetid = u64(dv, o.start, le);
          break;
        case 6:
          if (w >= 4) o2.queue = dv.getUint32(o.start, le);
          break;
        case 7:
          if (w >= 1)
            o2.verdict = [...(o2.verdict ?? []), { type: b.u8[o.start], data: hex(b.u8, o.start + 1, o.end) }];
          break;
        case 8:
          if (w >= 8) o2.processIdThreadId = [dv.getUint32(o.start, le), dv.getUint32(o.start + 4, le)];
          break;
        default:
          if (isCustom(o.code)) o2.custom = [...(o2.custom ?? []), custom(b, o, le)];
          else o2.unknown = [...(o2.unknown ?? []), unknownOpt(this.handlers, 'pcapng.epb.option', b, o, le)];
      }
      any = true;
    }
    return { comments, opts: any ? o2 : undefined };
  }

  private nrb(b: Bytes, body: number, bodyEnd: number, le: boolean): void {
    const dv = b.dv;
    const records: NameRecord[] = [];
    let p = body;
    while (p + 4 <= bodyEnd) {
      const t = dv.getUint16(p, le);
      const l = dv.getUint16(p + 2, le);
      if (t === 0) {
        p += 4;
        break;
      }
      if (p + 4 + l > bodyEnd) break;
      const s = p + 4;
      const e = s + l;
      const alen = t === 1 ? 4 : t === 2 ? 16 : t === 3 ? 6 : t === 4 ? 8 : 0;
      let address = '';
      if (alen && l >= alen) {
        if (t === 1) address = ipv4ToString(dv.getUint32(s));
        else if (t === 2)
          address = ipv6ToString([dv.getUint32(s), dv.getUint32(s + 4), dv.getUint32(s + 8), dv.getUint32(s + 12)]);
        else address = hex(b.u8, s, s + alen).replace(/(..)(?!$)/g, '$1:');
      }
      const names =
        alen && l >= alen
          ? utf8Text(b.u8, s + alen, e)
              .split('\0')
              .filter((x) => x.length > 0)
          : [];
      const type = t === 1 ? 'ipv4' : t === 2 ? 'ipv6' : t === 3 ? 'eui48' : t === 4 ? 'eui64' : 'unknown';
      records.push({ type, code: t, address: alen ? address : hex(b.u8, s, e), names });
      p += 4 + ((l + 3) & ~3);
    }
    const rec: {
      kind: 'nrb';
      beforeFrame: number;
      section: number;
      records: NameRecord[];
      comments: string[];
      dnsname?: string;
      dnsIP4addr?: string;
      dnsIP6addr?: string;
    } = { kind: 'nrb', beforeFrame: this.n + 1, section: this.section!.index, records, comments: [] };
    for (const o of options(dv, p, bodyEnd, le)) {
      if (o.code === 1) rec.comments.push(str(b, o));
      else if (o.code === 2) rec.dnsname = str(b, o);
      else if (o.code === 3 && o.end - o.start >= 4) rec.dnsIP4addr = ipv4ToString(dv.getUint32(o.start));
      else if (o.code === 4 && o.end - o.start >= 16)
        rec.dnsIP6addr = ipv6ToString([
          dv.getUint32(o.start),
          dv.getUint32(o.start + 4),
          dv.getUint32(o.start + 8),
          dv.getUint32(o.start + 12),
        ]);
    }
    this.record(rec);
  }

  finish(consumed: number, left: number): PcapkitError | undefined {
    if (this.error) return this.error;
    if (left > 0) {
      return new PcapkitError(
        'ERR_TRUNCATED_FILE',
        `the file appears to have been cut short in the middle of a pcapng block (${left} bytes left at offset ${consumed})`,
        { offset: consumed },
      );
    }
    return undefined;
  }
}
