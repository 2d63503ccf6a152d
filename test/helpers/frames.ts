/** Small builders for tests: a few distinct Ethernet/IPv4/UDP packets, and capture reading helpers. */

import type { Input } from '../../src/capture/source.js';
import type { RecordIn } from '../../src/capture/write-pcap.js';
import type { Frame } from '../../src/core/frame.js';
import { build, ip, payload, readFrames } from '../../src/index.js';
import { ethernet, ipv4, udp } from '../../src/protocols/index.js';

export function udpPacket(i: number, size = 10): Uint8Array {
  return build(
    ethernet.make(),
    ipv4.make({ src: ip('10.0.0.1'), dst: ip('10.0.0.2'), id: i & 0xffff }),
    udp.make({ srcport: 1000 + (i % 50), dstport: 53 }),
    payload(new Uint8Array(size).fill(i & 0xff)),
  );
}

export function records(n: number, opts: { size?: (i: number) => number; t0?: number } = {}): RecordIn[] {
  const t0 = opts.t0 ?? 1_700_000_000;
  return Array.from({ length: n }, (_, i) => ({
    data: udpPacket(i, opts.size ? opts.size(i) : 10 + (i % 7)),
    tsSec: t0 + i,
    tsNsec: (i * 1_234_567) % 1_000_000_000,
  }));
}

export async function collect(input: Input, opts: Parameters<typeof readFrames>[1] = {}): Promise<Frame[]> {
  const out: Frame[] = [];
  for await (const b of readFrames(input, opts).batches()) out.push(...b);
  return out;
}

/** Read everything, returning the frames and the error thrown at the end (if any). */
export async function collectWithError(
  input: Input,
  opts: Parameters<typeof readFrames>[1] = {},
): Promise<{ frames: Frame[]; error: (Error & { code?: string }) | undefined }> {
  const frames: Frame[] = [];
  try {
    for await (const b of readFrames(input, opts).batches()) frames.push(...b);
    return { frames, error: undefined };
  } catch (e) {
    return { frames, error: e as Error & { code?: string } };
  }
}

/** Split bytes into chunks at the given cut points (an async iterable, as a stream would give). */
export async function* chunked(bytes: Uint8Array, cuts: readonly number[]): AsyncGenerator<Uint8Array> {
  let prev = 0;
  for (const c of [...cuts].sort((a, b) => a - b)) {
    if (c <= prev || c >= bytes.length) continue;
    yield bytes.slice(prev, c);
    prev = c;
  }
  yield bytes.slice(prev);
}

export function frameData(f: Frame): Uint8Array {
  return f.bytes.u8.slice(f.start, f.end);
}
