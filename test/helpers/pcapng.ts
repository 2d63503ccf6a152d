/** Hand-made pcapng blocks for reader tests (any byte order, any option). */
const pad4 = (n: number) => (n + 3) & ~3;
const enc = new TextEncoder();

export class Ng {
  constructor(readonly le = true) {}
  u16(v: number): Uint8Array {
    const b = new Uint8Array(2);
    new DataView(b.buffer).setUint16(0, v, this.le);
    return b;
  }
  u32(v: number): Uint8Array {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, v >>> 0, this.le);
    return b;
  }
  u64(v: bigint): Uint8Array {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setBigUint64(0, v, this.le);
    return b;
  }
  cat(...parts: Uint8Array[]): Uint8Array {
    const n = parts.reduce((a, p) => a + p.length, 0);
    const out = new Uint8Array(n);
    let at = 0;
    for (const p of parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }
  opt(code: number, value: Uint8Array | string): Uint8Array {
    const v = typeof value === 'string' ? enc.encode(value) : value;
    const out = new Uint8Array(4 + pad4(v.length));
    out.set(this.u16(code), 0);
    out.set(this.u16(v.length), 2);
    out.set(v, 4);
    return out;
  }
  opts(...o: Uint8Array[]): Uint8Array {
    return o.length ? this.cat(...o, new Uint8Array(4)) : new Uint8Array(0);
  }
  block(type: number, body: Uint8Array): Uint8Array {
    const len = 12 + pad4(body.length);
    const out = new Uint8Array(len);
    out.set(this.u32(type), 0);
    out.set(this.u32(len), 4);
    out.set(body, 8);
    out.set(this.u32(len), len - 4);
    return out;
  }
  shb(...o: Uint8Array[]): Uint8Array {
    return this.block(
      0x0a0d0d0a,
      this.cat(this.u32(0x1a2b3c4d), this.u16(1), this.u16(0), this.u64(0xffffffffffffffffn), this.opts(...o)),
    );
  }
  idb(linktype: number, snaplen = 65535, ...o: Uint8Array[]): Uint8Array {
    return this.block(1, this.cat(this.u16(linktype), this.u16(0), this.u32(snaplen), this.opts(...o)));
  }
  epb(iface: number, ticks: bigint, data: Uint8Array, origLen = data.length, ...o: Uint8Array[]): Uint8Array {
    const d = new Uint8Array(pad4(data.length));
    d.set(data);
    return this.block(
      6,
      this.cat(
        this.u32(iface),
        this.u32(Number(ticks >> 32n)),
        this.u32(Number(ticks & 0xffffffffn)),
        this.u32(data.length),
        this.u32(origLen),
        d,
        this.opts(...o),
      ),
    );
  }
  spb(data: Uint8Array, origLen = data.length): Uint8Array {
    const d = new Uint8Array(pad4(data.length));
    d.set(data);
    return this.block(3, this.cat(this.u32(origLen), d));
  }
  pb(iface: number, drops: number, ticks: bigint, data: Uint8Array, ...o: Uint8Array[]): Uint8Array {
    const d = new Uint8Array(pad4(data.length));
    d.set(data);
    return this.block(
      2,
      this.cat(
        this.u16(iface),
        this.u16(drops),
        this.u32(Number(ticks >> 32n)),
        this.u32(Number(ticks & 0xffffffffn)),
        this.u32(data.length),
        this.u32(data.length),
        d,
        this.opts(...o),
      ),
    );
  }
}
