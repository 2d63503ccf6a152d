/**
 * "Follow TCP Stream" exactly as tshark 4.0 computes and prints it (`-z follow,tcp,MODE,N`), so
 * scripts written for tshark keep working.
 *
 * The algorithm is Wireshark's follow tap (epan/dissectors/packet-tcp.c, follow_tcp_tap_listener and
 * check_follow_fragments), fed once per TCP segment whose length tshark knows:
 * - one record per segment, in the order segments become contiguous; retransmitted and overlapping
 *   bytes are kept once (the copy already taken wins);
 * - an out-of-order segment waits; when the other side acknowledges past the lowest waiting sequence
 *   number, tshark inserts the text "[N bytes missing in capture file]" plus a NUL byte and jumps
 *   over the hole; without such an ACK it never does, so Follow stops at that hole;
 * - a segment cut by the snap length contributes its captured bytes but advances by its full length.
 *
 * The general reassembler (tcp-stream.ts) is what the library uses; this file exists for
 * byte-for-byte compatibility with tshark's output and the corpus oracle.
 */
import { seqAdd, seqGt, seqLt } from './seq.js';

export interface FollowRecord {
  /** 0: node 0 → node 1 ("client"), 1: node 1 → node 0 ("server"). */
  readonly dir: 0 | 1;
  readonly frame: number;
  readonly data: Uint8Array;
  /** The record is tshark's "[N bytes missing in capture file]" marker. */
  readonly missing: boolean;
}

interface Frag {
  seq: number;
  frame: number;
  data: Uint8Array;
}

const enc = new TextEncoder();

/** Follow state for one TCP stream. */
export class FollowTcp {
  /** Node 0 / node 1 as 'addr:port' (IPv6 bracketed); set by the first segment. */
  node: [string, string] = ['', ''];
  private clientKey = '';
  readonly records: FollowRecord[] = [];
  private readonly seq = [0, 0];
  private readonly written = [0, 0];
  private readonly frags: [Frag[], Frag[]] = [[], []];

  /**
   * One segment. `srcKey` identifies the sender (address and port), `src`/`dst` are its printable
   * endpoints, `data` the captured payload, `seglen` the payload length from the IP header.
   */
  segment(
    srcKey: string,
    src: string,
    dst: string,
    seq: number,
    ack: number,
    flags: number,
    seglen: number,
    data: Uint8Array,
    frame: number,
  ): void {
    let sequence = seq;
    let length = seglen;
    let dataOffset = 0;
    let dataLength = data.length;
    if (flags & 0x02) sequence = seqAdd(sequence, 1);
    if (this.clientKey === '') {
      this.clientKey = srcKey;
      this.node = [src, dst];
    }
    const srv = srcKey === this.clientKey ? 0 : 1;
    const other = (srv ^ 1) as 0 | 1;
    if (this.frags[other].length > 0) {
      while (this.check(other, ack, frame, true));
    }
    if (this.written[srv] === 0 && this.seq[srv] === 0) this.seq[srv] = sequence;
    if (seqLt(sequence, this.seq[srv])) {
      const nextseq = seqAdd(sequence, length);
      if (seqGt(nextseq, this.seq[srv])) {
        dataOffset = (this.seq[srv] - sequence) >>> 0;
        dataLength = dataLength <= dataOffset ? 0 : dataLength - dataOffset;
        sequence = this.seq[srv];
        length = (nextseq - this.seq[srv]) >>> 0;
      }
    }
    if (dataLength === 0 || seqLt(sequence, this.seq[srv])) return;
    const rec = { seq: sequence, frame, data: data.subarray(dataOffset, dataOffset + dataLength) };
    if (sequence === this.seq[srv]) {
      this.seq[srv] = seqAdd(this.seq[srv], length);
      this.written[srv] += rec.data.length;
      this.records.push({ dir: srv as 0 | 1, frame, data: rec.data, missing: false });
      while (this.check(srv as 0 | 1, 0, frame, false));
    } else {
      this.frags[srv].push({ seq: sequence, frame, data: rec.data.slice() });
    }
  }

  /** check_follow_fragments: apply one waiting fragment; true when something changed. */
  private check(dir: 0 | 1, acknowledged: number, frame: number, useAck: boolean): boolean {
    const list = this.frags[dir];
    if (list.length === 0) return false;
    let lowest = list[0].seq;
    for (let i = 0; i < list.length; i++) {
      const f = list[i];
      if (seqGt(lowest, f.seq)) lowest = f.seq;
      if (seqLt(f.seq, this.seq[dir])) {
        const newseq = seqAdd(f.seq, f.data.length);
        if (seqGt(newseq, this.seq[dir])) {
          const newPos = (this.seq[dir] - f.seq) >>> 0;
          if (f.data.length > newPos) {
            this.records.push({ dir, frame: f.frame, data: f.data.subarray(newPos), missing: false });
          }
          this.seq[dir] = seqAdd(this.seq[dir], f.data.length - newPos);
        }
        list.splice(i, 1);
        return true;
      }
      if (f.seq === this.seq[dir]) {
        if (f.data.length > 0) this.records.push({ dir, frame: f.frame, data: f.data, missing: false });
        this.seq[dir] = seqAdd(this.seq[dir], f.data.length);
        list.splice(i, 1);
        return true;
      }
    }
    if (useAck && seqGt(acknowledged, lowest)) {
      const text = `[${(lowest - this.seq[dir]) | 0} bytes missing in capture file]`;
      const b = new Uint8Array(text.length + 1);
      b.set(enc.encode(text));
      this.records.push({ dir, frame, data: b, missing: true });
      this.seq[dir] = lowest;
      return true;
    }
    return false;
  }

  /** All bytes of one direction, as Follow's raw output would give them. */
  bytes(dir: 0 | 1): Uint8Array {
    let n = 0;
    for (const r of this.records) if (r.dir === dir) n += r.data.length;
    const out = new Uint8Array(n);
    let at = 0;
    for (const r of this.records) {
      if (r.dir !== dir) continue;
      out.set(r.data, at);
      at += r.data.length;
    }
    return out;
  }
}

export type FollowMode = 'ascii' | 'hex' | 'raw';

const SEPARATOR = '===================================================================\n';
const HEX = '0123456789abcdef';

/** tshark's `-z follow,tcp,MODE,N` block for one stream (ui/cli/tap-follow.c, follow_draw). */
export function formatFollow(mode: FollowMode, stream: number, f: FollowTcp): string {
  const out: string[] = [`\n${SEPARATOR}`, `Follow: tcp,${mode}\n`, `Filter: tcp.stream eq ${stream}\n`];
  out.push(`Node 0: ${f.node[0] || ':0'}\n`, `Node 1: ${f.node[1] || ':0'}\n`);
  const pos = [0, 0];
  for (const r of f.records) {
    const ind = r.dir === 1 ? '\t' : '';
    if (mode === 'ascii') {
      out.push(`${ind}${r.data.length}\n`);
      let s = '';
      for (let i = 0; i < r.data.length; i++) {
        const c = r.data[i];
        s += c === 0x0d || c === 0x0a ? String.fromCharCode(c) : c >= 0x20 && c < 0x7f ? String.fromCharCode(c) : '.';
      }
      out.push(`${s}\n`);
    } else if (mode === 'raw') {
      let s = ind;
      for (let i = 0; i < r.data.length; i++) s += HEX[r.data[i] >> 4] + HEX[r.data[i] & 15];
      out.push(`${s}\n`);
    } else {
      out.push(hexDump(ind, pos[r.dir], r.data));
      pos[r.dir] += r.data.length;
    }
  }
  out.push(SEPARATOR);
  return out.join('');
}

/**
 * follow_print_hex: 16 bytes a line, offset in 8 upper-case hex digits, ASCII column at 60, one
 * extra space after the 8th byte in both columns.
 */
function hexDump(prefix: string, offset: number, data: Uint8Array): string {
  let out = '';
  for (let i = 0; i < data.length; i += 16) {
    const n = Math.min(16, data.length - i);
    let hex = '';
    let asc = '';
    for (let k = 0; k < n; k++) {
      const c = data[i + k];
      hex += `${HEX[c >> 4]}${HEX[c & 15]} `;
      asc += c >= 0x20 && c < 0x7f ? String.fromCharCode(c) : '.';
      if (k === 7) {
        hex += ' ';
        asc += ' ';
      }
    }
    const off = (offset + i).toString(16).toUpperCase().padStart(8, '0');
    // tshark 4.0 prints one trailing space fewer (observed: "abc  " for "abc   ", "xyz" for "xyz ").
    if (asc.endsWith(' ')) asc = asc.slice(0, -1);
    out += `${prefix}${off}  ${hex.padEnd(50, ' ')}${asc}\n`;
  }
  return out;
}
