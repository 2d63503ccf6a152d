/**
 * Streaming LZ4 frame decoder (lz4 Frame Format 1.6.x). No well-kept pure-JS streaming decoder exists
 * on npm (lz4js and lz4 decode whole buffers; lz4-napi is native), so this is ours: it consumes input
 * chunks as they come and emits decoded blocks, keeping the 64 KiB window linked blocks need.
 */
const MAGIC = 0x184d2204;
const SKIPPABLE_MASK = 0xfffffff0;
const SKIPPABLE = 0x184d2a50;
const WINDOW = 65536;

export class Lz4Error extends Error {}

/** Decode one LZ4 block into `out` starting at `op`; returns the new end of output. */
export function decodeBlock(src: Uint8Array, s: number, sEnd: number, out: Uint8Array, op: number): number {
  while (s < sEnd) {
    const token = src[s++];
    let lit = token >>> 4;
    if (lit === 15) {
      let x: number;
      do {
        if (s >= sEnd) throw new Lz4Error('lz4: literal length runs past the block');
        x = src[s++];
        lit += x;
      } while (x === 255);
    }
    if (s + lit > sEnd || op + lit > out.length) throw new Lz4Error('lz4: literals run past the block');
    out.set(src.subarray(s, s + lit), op);
    s += lit;
    op += lit;
    if (s >= sEnd) break; // last sequence has literals only
    if (s + 2 > sEnd) throw new Lz4Error('lz4: truncated match offset');
    const off = src[s] | (src[s + 1] << 8);
    s += 2;
    if (off === 0 || off > op) throw new Lz4Error('lz4: bad match offset');
    let len = token & 15;
    if (len === 15) {
      let x: number;
      do {
        if (s >= sEnd) throw new Lz4Error('lz4: match length runs past the block');
        x = src[s++];
        len += x;
      } while (x === 255);
    }
    len += 4;
    if (op + len > out.length) throw new Lz4Error('lz4: match runs past the block maximum');
    let m = op - off;
    if (off >= len) {
      out.copyWithin(op, m, m + len);
      op += len;
    } else {
      for (let i = 0; i < len; i++) out[op++] = out[m++];
    }
  }
  return op;
}

const BLOCK_MAX = [0, 0, 0, 0, 65536, 262144, 1048576, 4194304];

/** Decompress an LZ4 frame stream (concatenated frames and skippable frames allowed). */
export async function* lz4Frames(input: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  let buf = new Uint8Array(0);
  let pos = 0;
  const it = input[Symbol.asyncIterator]();
  let done = false;
  const need = async (n: number): Promise<boolean> => {
    while (buf.length - pos < n) {
      if (done) return false;
      const r = await it.next();
      if (r.done) {
        done = true;
        return false;
      }
      const rest = buf.subarray(pos);
      const nb = new Uint8Array(rest.length + r.value.length);
      nb.set(rest, 0);
      nb.set(r.value, rest.length);
      buf = nb;
      pos = 0;
    }
    return true;
  };
  const u32 = (p: number) => (buf[p] | (buf[p + 1] << 8) | (buf[p + 2] << 16) | (buf[p + 3] << 24)) >>> 0;
  try {
    for (;;) {
      if (!(await need(4))) {
        if (buf.length - pos === 0) return;
        throw new Lz4Error('lz4: truncated frame header');
      }
      const magic = u32(pos);
      if ((magic & SKIPPABLE_MASK) >>> 0 === SKIPPABLE) {
        if (!(await need(8))) throw new Lz4Error('lz4: truncated skippable frame');
        const size = u32(pos + 4);
        pos += 8;
        let left = size;
        while (left > 0) {
          if (!(await need(1))) throw new Lz4Error('lz4: truncated skippable frame');
          const take = Math.min(left, buf.length - pos);
          pos += take;
          left -= take;
        }
        continue;
      }
      if (magic !== MAGIC) throw new Lz4Error('lz4: bad frame magic');
      if (!(await need(7))) throw new Lz4Error('lz4: truncated frame descriptor');
      const flg = buf[pos + 4];
      const bd = buf[pos + 5];
      if (flg >>> 6 !== 1) throw new Lz4Error('lz4: unsupported frame version');
      const independent = (flg & 0x20) !== 0;
      const blockChecksum = (flg & 0x10) !== 0;
      const hasSize = (flg & 0x08) !== 0;
      const contentChecksum = (flg & 0x04) !== 0;
      const hasDict = (flg & 0x01) !== 0;
      if (hasDict) throw new Lz4Error('lz4: dictionary frames are not supported');
      const max = BLOCK_MAX[(bd >>> 4) & 7];
      if (!max) throw new Lz4Error('lz4: bad block maximum size');
      const descLen = 3 + (hasSize ? 8 : 0) + (hasDict ? 4 : 0);
      if (!(await need(4 + descLen))) throw new Lz4Error('lz4: truncated frame descriptor');
      pos += 4 + descLen; // header checksum byte included in descLen (the final +1 of 3)
      // window (previous 64 KiB) + one block
      let out = new Uint8Array(WINDOW + max);
      let op = 0;
      for (;;) {
        if (!(await need(4))) throw new Lz4Error('lz4: truncated block header');
        const word = u32(pos);
        pos += 4;
        if (word === 0) break; // EndMark
        const size = word & 0x7fffffff;
        const raw = (word & 0x80000000) !== 0;
        if (size > max) throw new Lz4Error('lz4: block larger than its maximum');
        if (!(await need(size + (blockChecksum ? 4 : 0)))) throw new Lz4Error('lz4: truncated block');
        const start = independent ? 0 : op;
        if (independent) op = 0;
        if (raw) {
          out.set(buf.subarray(pos, pos + size), op);
          op += size;
        } else {
          op = decodeBlock(buf, pos, pos + size, out, op);
        }
        pos += size + (blockChecksum ? 4 : 0);
        yield out.slice(start, op);
        if (!independent && op > WINDOW) {
          // keep the last 64 KiB as the window for the next block
          const next = new Uint8Array(WINDOW + max);
          next.set(out.subarray(op - WINDOW, op), 0);
          out = next;
          op = WINDOW;
        }
      }
      if (contentChecksum) {
        if (!(await need(4))) throw new Lz4Error('lz4: truncated content checksum');
        pos += 4;
      }
    }
  } finally {
    await it.return?.();
  }
}
