/**
 * An open-addressing hash table from a fixed-width tuple of u32 words (addresses, ports, a family
 * tag) to a non-negative int, on one typed array. Flow lookups happen for every packet: a JS Map
 * would need a string or a boxed double key per lookup (u32 addresses are not small integers), which
 * allocates; this allocates only when it grows.
 *
 * Each slot holds its value and its key side by side ([value, key words…]): with thousands of
 * connections open at once every lookup lands on a cold slot, and one slot is one or two cache lines
 * where separate value and key arrays cost a miss each.
 */
export class TupleTable {
  /** Slots of `stride` words: the value (-1 empty, -2 deleted) then the key. */
  private slots: Int32Array;
  private readonly stride: number;
  private mask: number;
  private used = 0;
  size = 0;

  constructor(
    readonly width: number,
    capacity = 1024,
  ) {
    let cap = 16;
    while (cap < capacity * 2) cap *= 2;
    this.stride = width + 1;
    this.slots = this.empty(cap);
    this.mask = cap - 1;
  }

  private empty(cap: number): Int32Array {
    const a = new Int32Array(cap * this.stride);
    for (let s = 0; s < a.length; s += this.stride) a[s] = -1;
    return a;
  }

  private hash(k: ArrayLike<number>): number {
    let h = 0x811c9dc5;
    for (let i = 0; i < this.width; i++) {
      h = Math.imul(h ^ k[i], 0x01000193);
      h ^= h >>> 13;
    }
    return Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
  }

  /** Does the slot starting at word `at` hold key `k`? (Words compare as int32: same bits.) */
  private same(at: number, k: ArrayLike<number>): boolean {
    const w = this.width;
    const ss = this.slots;
    for (let i = 0; i < w; i++) if (ss[at + 1 + i] !== (k[i] | 0)) return false;
    return true;
  }

  /** The value for a tuple, or -1. */
  get(k: ArrayLike<number>): number {
    const ss = this.slots;
    const st = this.stride;
    let s = this.hash(k) & this.mask;
    for (;;) {
      const at = s * st;
      const v = ss[at];
      if (v === -1) return -1;
      if (v >= 0 && this.same(at, k)) return v;
      s = (s + 1) & this.mask;
    }
  }

  set(k: ArrayLike<number>, value: number): void {
    if ((this.used + 1) * 2 > this.mask + 1) this.grow();
    const ss = this.slots;
    const st = this.stride;
    let s = this.hash(k) & this.mask;
    let tomb = -1;
    for (;;) {
      const at = s * st;
      const v = ss[at];
      if (v === -1) break;
      if (v === -2) {
        if (tomb < 0) tomb = s;
      } else if (this.same(at, k)) {
        ss[at] = value;
        return;
      }
      s = (s + 1) & this.mask;
    }
    if (tomb >= 0) s = tomb;
    else this.used++;
    const at = s * st;
    ss[at] = value;
    const w = this.width;
    for (let i = 0; i < w; i++) ss[at + 1 + i] = k[i];
    this.size++;
  }

  delete(k: ArrayLike<number>): boolean {
    const ss = this.slots;
    const st = this.stride;
    let s = this.hash(k) & this.mask;
    for (;;) {
      const at = s * st;
      const v = ss[at];
      if (v === -1) return false;
      if (v >= 0 && this.same(at, k)) {
        ss[at] = -2;
        this.size--;
        return true;
      }
      s = (s + 1) & this.mask;
    }
  }

  /** Remove every entry. */
  clear(): void {
    const ss = this.slots;
    for (let s = 0; s < ss.length; s += this.stride) ss[s] = -1;
    this.used = 0;
    this.size = 0;
  }

  private grow(): void {
    const old = this.slots;
    const st = this.stride;
    const w = this.width;
    const oldCap = this.mask + 1;
    // Grow only when live entries fill the table; otherwise rehash to drop tombstones.
    const cap = this.size * 4 > oldCap ? oldCap * 2 : oldCap;
    this.slots = this.empty(cap);
    this.mask = cap - 1;
    this.used = 0;
    this.size = 0;
    const tmp = new Uint32Array(w);
    for (let s = 0; s < oldCap; s++) {
      const at = s * st;
      if (old[at] < 0) continue;
      for (let i = 0; i < w; i++) tmp[i] = old[at + 1 + i];
      this.set(tmp, old[at]);
    }
  }
}
