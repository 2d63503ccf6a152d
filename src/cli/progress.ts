/**
 * A progress line on stderr while a long file is read: bytes done of total, frames/s, ETA. Drawn at
 * most ten times a second, only when stderr is a TTY and the run is not quiet; cleared at the end.
 */
import type { ProgressInfo } from '../api/options.js';

export interface Progress {
  update(p: ProgressInfo): void;
  done(): void;
}

const NONE: Progress = { update() {}, done() {} };

function size(n: number): string {
  if (n >= 1 << 30) return `${(n / (1 << 30)).toFixed(1)} GiB`;
  if (n >= 1 << 20) return `${(n / (1 << 20)).toFixed(1)} MiB`;
  if (n >= 1 << 10) return `${(n / (1 << 10)).toFixed(1)} KiB`;
  return `${n} B`;
}

function rate(n: number): string {
  return n >= 1e6 ? `${(n / 1e6).toFixed(2)}M` : n >= 1e3 ? `${(n / 1e3).toFixed(1)}k` : `${Math.round(n)}`;
}

function clock(s: number): string {
  if (!Number.isFinite(s)) return '--:--';
  const t = Math.round(s);
  const m = Math.floor(t / 60);
  return `${m}:${String(t % 60).padStart(2, '0')}`;
}

/** A progress bar for `total` input bytes (0: unknown, e.g. stdin) on `out`, or a no-op. */
export function createProgress(total: number, out: NodeJS.WriteStream, enabled: boolean): Progress {
  if (!enabled || !out.isTTY) return NONE;
  let last = 0;
  let drawn = false;
  return {
    update(p) {
      const now = performance.now();
      if (now - last < 100) return;
      last = now;
      const secs = p.elapsedMs / 1000;
      const fps = secs > 0 ? p.frames / secs : 0;
      const width = Math.max(10, Math.min(30, (out.columns ?? 80) - 60));
      let line: string;
      if (total > 0) {
        const frac = Math.min(1, p.bytesRead / total);
        const fill = Math.round(frac * width);
        const eta = frac > 0 ? secs * (1 / frac - 1) : Number.POSITIVE_INFINITY;
        line = `[${'#'.repeat(fill)}${'.'.repeat(width - fill)}] ${(frac * 100).toFixed(0).padStart(3)}% ${size(p.bytesRead)}/${size(total)} ${rate(fps)} frames/s ETA ${clock(eta)}`;
      } else line = `${size(p.bytesRead)} ${p.frames} frames ${rate(fps)} frames/s`;
      out.write(`\r\x1b[K${line}`);
      drawn = true;
    },
    done() {
      if (drawn) out.write('\r\x1b[K');
      drawn = false;
    },
  };
}
