/** Sniff the format from the first bytes, never from the file name. */
export type Detected = 'pcap' | 'pcapng' | 'gzip' | 'zstd' | 'xz' | 'lz4' | 'bzip2' | 'unknown';

/** Bytes needed to tell every format apart. */
export const SNIFF_LEN = 6;

export function detect(u8: Uint8Array): Detected {
  if (u8.length < 4) return 'unknown';
  const m = ((u8[0] << 24) | (u8[1] << 16) | (u8[2] << 8) | u8[3]) >>> 0;
  switch (m) {
    case 0xa1b2c3d4: // pcap, µs, big-endian file
    case 0xd4c3b2a1: // pcap, µs, little-endian
    case 0xa1b23c4d: // pcap, ns, big-endian
    case 0x4d3cb2a1: // pcap, ns, little-endian
    case 0xa1b2cd34: // Kuznetzov "modified" pcap, big-endian
    case 0x34cdb2a1: // Kuznetzov "modified" pcap, little-endian
      return 'pcap';
    case 0x0a0d0d0a: // pcapng Section Header Block type (palindromic: same in both byte orders)
      return 'pcapng';
    case 0x28b52ffd: // zstd frame (RFC 8878 §3.1.1)
      return 'zstd';
    case 0x04224d18: // lz4 frame
      return 'lz4';
  }
  if (u8[0] === 0x1f && u8[1] === 0x8b) return 'gzip'; // RFC 1952 §2.3.1
  if (
    u8.length >= 6 &&
    u8[0] === 0xfd &&
    u8[1] === 0x37 &&
    u8[2] === 0x7a &&
    u8[3] === 0x58 &&
    u8[4] === 0x5a &&
    u8[5] === 0
  )
    return 'xz';
  if (u8[0] === 0x42 && u8[1] === 0x5a && u8[2] === 0x68) return 'bzip2';
  return 'unknown';
}
