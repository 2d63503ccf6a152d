/**
 * The small buffer an application stream parser keeps for one direction (DESIGN §3.8): bytes not yet
 * parsed, their absolute stream offsets, and which capture frames carried which bytes, so that each
 * message can name the frames it came from. Not a protocol: HTTP/1, HTTP/2 and FTP parsers share it.
 */
const EMPTY = new Uint8Array(0);

export class StreamBuffer {
  private buf: Uint8Array = EMPTY;
  private s = 0;
  private e = 0;
  /** Absolute stream offset of the first unconsumed byte. */
  base = 0;
  /** Chunk boundaries: absolute end offset and the frames of that chunk, oldest first. */
  private marks: { start: number; end: number; frames: readonly number[] }[] = [];

  get length(): number {
    return this.e - this.s;
  }
  /** The unconsumed bytes (a view; valid until the next append). */
  view(): Uint8Array {
    return this.buf.subarray(this.s, this.e);
  }
  /** Absolute offset just past the buffered bytes. */
  get end(): number {
    return this.base + this.e - this.s;
  }

  append(data: Uint8Array, frames: readonly number[]): void {
    const at = this.end;
    this.marks.push({ start: at, end: at + data.length, frames });
    if (data.length === 0) return;
    const n = this.e - this.s;
    if (this.e + data.length > this.buf.length) {
      if (n + data.length <= this.buf.length && this.s > 0) {
        this.buf.copyWithin(0, this.s, this.e);
      } else {
        // Empty: exactly what arrived (most chunks are parsed at once and dropped); else room to grow.
        const nb = new Uint8Array(n === 0 ? data.length : Math.max(1024, (n + data.length) * 2));
        nb.set(this.buf.subarray(this.s, this.e));
        this.buf = nb;
      }
      this.s = 0;
      this.e = n;
    }
    this.buf.set(data, this.e);
    this.e += data.length;
  }

  /** Drop `n` parsed bytes from the front. */
  consume(n: number): void {
    const k = Math.min(n, this.e - this.s);
    this.s += k;
    this.base += k;
    // Nothing left: let the storage go, so thousands of idle connections hold no buffers.
    if (this.s === this.e) {
      this.s = this.e = 0;
      this.buf = EMPTY;
    }
  }

  /** A gap: forget the buffered bytes; the stream continues `missing` bytes later (0 if unknown). */
  skip(missing: number): void {
    this.base += this.e - this.s + Math.max(0, missing);
    this.s = this.e = 0;
    this.buf = EMPTY;
  }

  /** Frames whose bytes overlap [start, end) (absolute offsets), in capture order, without repeats. */
  framesFor(start: number, end: number): number[] {
    const out: number[] = [];
    for (const m of this.marks) {
      if (m.end <= start && !(m.start === m.end && m.start === start)) continue;
      if (m.start >= end && !(start === end && m.start === start)) break;
      for (const f of m.frames) if (!out.includes(f)) out.push(f);
    }
    return out;
  }

  /** Forget frame marks that end at or before `offset` (the messages before it are out). */
  release(offset: number): void {
    let i = 0;
    while (i < this.marks.length && this.marks[i].end <= offset) i++;
    if (i > 0) this.marks.splice(0, i);
  }
}

/** Index of the first `needle` byte sequence in u8[from, to), or -1. */
export function indexOf(u8: Uint8Array, needle: readonly number[], from: number, to: number): number {
  const n = needle.length;
  const first = needle[0];
  outer: for (let i = from; i + n <= to; i++) {
    if (u8[i] !== first) continue;
    for (let j = 1; j < n; j++) if (u8[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}
