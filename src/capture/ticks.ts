/**
 * pcapng 64-bit timestamps → exact seconds + nanoseconds, without BigInt on the common path
 * (DESIGN §3.5 rule 5): `hi * 2**32 + lo` is not exact for nanosecond ticks, so we divide in
 * 16-bit limbs while the divisor allows it, and fall back to BigInt only for exotic resolutions.
 */
const TWO32 = 4294967296;

export interface Time {
  sec: number;
  nsec: number;
}

/** if_tsresol byte → ticks per second: 10^n, or 2^n when the MSB is set (pcapng §4.2). */
export function ticksPerSecond(tsresol: number): number {
  const e = tsresol & 0x7f;
  return tsresol & 0x80 ? 2 ** e : 10 ** e;
}

function fracToNsec(rem: number, tps: number): number {
  if (tps === 1e9) return rem;
  if (tps < 1e9 && 1e9 % tps === 0) return rem * (1e9 / tps);
  if (tps > 1e9 && tps % 1e9 === 0 && Number.isSafeInteger(tps)) return Math.floor(rem / (tps / 1e9));
  const x = rem * 1e9;
  if (Number.isSafeInteger(x)) {
    let q = Math.floor(x / tps);
    if (q * tps > x) q--;
    else if ((q + 1) * tps <= x) q++;
    return q;
  }
  return Number((BigInt(rem) * 1_000_000_000n) / BigInt(tps));
}

/** Split `hi:lo` ticks at `tps` per second into exact seconds and nanoseconds (truncated). */
export function splitTicks(hi: number, lo: number, tps: number, out: Time): Time {
  const t = hi * TWO32 + lo;
  if (t <= Number.MAX_SAFE_INTEGER && Number.isSafeInteger(tps)) {
    let sec = Math.floor(t / tps);
    let rem = t - sec * tps;
    if (rem < 0) {
      sec--;
      rem += tps;
    } else if (rem >= tps) {
      sec++;
      rem -= tps;
    }
    out.sec = sec;
    out.nsec = fracToNsec(rem, tps);
    return out;
  }
  if (tps <= 2 ** 36) {
    // Long division in 16-bit limbs: r < tps ≤ 2^36, so r * 2^16 + limb < 2^53 stays exact.
    const limbs = [hi >>> 16, hi & 0xffff, lo >>> 16, lo & 0xffff];
    let q = 0;
    let r = 0;
    for (let i = 0; i < 4; i++) {
      r = r * 65536 + limbs[i];
      let d = Math.floor(r / tps);
      let rr = r - d * tps;
      if (rr < 0) {
        d--;
        rr += tps;
      } else if (rr >= tps) {
        d++;
        rr -= tps;
      }
      q = q * 65536 + d;
      r = rr;
    }
    out.sec = q;
    out.nsec = fracToNsec(r, tps);
    return out;
  }
  const T = (BigInt(hi) << 32n) | BigInt(lo);
  const P = BigInt(Math.round(tps));
  out.sec = Number(T / P);
  out.nsec = Number(((T % P) * 1_000_000_000n) / P);
  return out;
}
