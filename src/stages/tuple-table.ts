/**
 * An open-addressing hash table from a fixed-width tuple of u32 words (addresses, ports, a family
 * tag) to a non-negative int, on typed arrays. Flow lookups happen for every packet: a JS Map would
 * need a string or a boxed double key per lookup (u32 addresses are not small integers), which
 * allocates; this allocates only when it grows.
 */
export class TupleTable {
  private keys: Uint32Array;
  /** -1 empty, -2 deleted, else the value. */
  private vals: Int32Array;
  private mask: number;
  private used = 0;
  size = 0;

  constructor(
    readonly width: number,
    capacity = 1024,
  ) {
    let cap = 16;
    while (cap < capacity * 2) cap *= 2;
    this.keys = new Uint32Array(cap * width);
    this.vals = new Int32Array(cap).fill(-1);
    this.mask = cap - 1;
  }

  private hash(k: ArrayLike<number>): number {
    let h = 0x811c9dc5;
    for (let i = 0; i < this.width; i++) {
      h = Math.imul(h ^ k[i], 0x01000193);
      h ^= h >>> 13;
    }
    return Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
  }

  private same(slot: number, k: ArrayLike<number>): boolean {
    const w = this.width;
    const ks = this.keys;
    const at = slot * w;
    for (let i = 0; i < w; i++) if (ks[at + i] !== k[i] >>> 0) return false;
    return true;
  }

  /** The value for a tuple, or -1. */
  get(k: ArrayLike<number>): number {
    const vals = this.vals;
    let s = this.hash(k) & this.mask;
    for (;;) {
      const v = vals[s];
      if (v === -1) return -1;
      if (v >= 0 && this.same(s, k)) return v;
      s = (s + 1) & this.mask;
    }
  }

  set(k: ArrayLike<number>, value: number): void {
    if ((this.used + 1) * 2 > this.vals.length) this.grow();
    const vals = this.vals;
    let s = this.hash(k) & this.mask;
    let tomb = -1;
    for (;;) {
      const v = vals[s];
      if (v === -1) break;
      if (v === -2) {
        if (tomb < 0) tomb = s;
      } else if (this.same(s, k)) {
        vals[s] = value;
        return;
      }
      s = (s + 1) & this.mask;
    }
    if (tomb >= 0) s = tomb;
    else this.used++;
    vals[s] = value;
    const w = this.width;
    for (let i = 0; i < w; i++) this.keys[s * w + i] = k[i] >>> 0;
    this.size++;
  }

  delete(k: ArrayLike<number>): boolean {
    const vals = this.vals;
    let s = this.hash(k) & this.mask;
    for (;;) {
      const v = vals[s];
      if (v === -1) return false;
      if (v >= 0 && this.same(s, k)) {
        vals[s] = -2;
        this.size--;
        return true;
      }
      s = (s + 1) & this.mask;
    }
  }

  private grow(): void {
    const oldK = this.keys;
    const oldV = this.vals;
    const w = this.width;
    // Grow only when live entries fill the table; otherwise rehash to drop tombstones.
    const cap = this.size * 4 > oldV.length ? oldV.length * 2 : oldV.length;
    this.keys = new Uint32Array(cap * w);
    this.vals = new Int32Array(cap).fill(-1);
    this.mask = cap - 1;
    this.used = 0;
    this.size = 0;
    const tmp = new Uint32Array(w);
    for (let s = 0; s < oldV.length; s++) {
      if (oldV[s] < 0) continue;
      for (let i = 0; i < w; i++) tmp[i] = oldK[s * w + i];
      this.set(tmp, oldV[s]);
    }
  }
}
