/**
 * One read chunk: a Uint8Array and one DataView over it. Frames and layers are offsets into it,
 * so dissecting a frame makes no subarray and no new DataView (DESIGN §3.5 rule 1).
 */
export class Bytes {
  readonly u8: Uint8Array;
  readonly dv: DataView;
  constructor(u8: Uint8Array, dv?: DataView) {
    this.u8 = u8;
    this.dv = dv ?? new DataView(u8.buffer, u8.byteOffset, u8.byteLength);
  }
  /** A frame never drags a 1 MiB chunk into JSON. */
  toJSON(): undefined {
    return undefined;
  }
  static of(u8: Uint8Array): Bytes {
    return new Bytes(u8);
  }
}

/** A read position over a Bytes for variable-length parts (options, TLVs, text). Never throws. */
export class Cursor {
  b: Bytes;
  at: number;
  end: number;
  constructor(b: Bytes, at = 0, end = b.u8.length) {
    this.b = b;
    this.at = at;
    this.end = end;
  }
  reset(b: Bytes, at: number, end: number): this {
    this.b = b;
    this.at = at;
    this.end = end;
    return this;
  }
  get left(): number {
    return this.end - this.at;
  }
  has(n: number): boolean {
    return this.end - this.at >= n;
  }
}

const HEX: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** Lower-case hex of u8[start, end). */
export function hex(u8: Uint8Array, start = 0, end = u8.length): string {
  let s = '';
  for (let i = start; i < end; i++) s += HEX[u8[i]];
  return s;
}

/** Parse a hex string (whitespace, colons and `0x` ignored) into bytes. */
export function fromHex(text: string): Uint8Array {
  const clean = text.replace(/0x/gi, '').replace(/[^0-9a-fA-F]/g, '');
  const out = new Uint8Array(clean.length >> 1);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(clean.substr(i * 2, 2), 16);
  return out;
}

const latin1 = new TextDecoder('latin1');
const utf8 = new TextDecoder('utf-8');
/** Bytes as ISO-8859-1 text: one char per byte, never fails (protocol text such as HTTP start lines). */
export function latin1Text(u8: Uint8Array, start: number, end: number): string {
  return latin1.decode(u8.subarray(start, end));
}
/** Bytes as UTF-8 text with U+FFFD for bad sequences. */
export function utf8Text(u8: Uint8Array, start: number, end: number): string {
  return utf8.decode(u8.subarray(start, end));
}

/** Concatenate byte arrays. */
export function concat(parts: readonly Uint8Array[]): Uint8Array {
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
