/**
 * Capture-level records in file order, named as PyPCAPKit names its report blocks: "Global Header"
 * for pcap; "Section Header 1", "Interface Description 1", … for pcapng, each placed just before the
 * first frame that follows it in the file (a block read later, such as a second section or an
 * interface statistics block, lands where it was).
 */
import type { BlockRecord, CaptureInfo, InterfaceInfo, SectionInfo } from '../capture/info.js';
import { linktypeName } from '../capture/linktypes.js';
import { hexOf, toPlain } from './fmt.js';

export type NamedRecord = readonly [name: string, record: Record<string, unknown>];

const BLOCK_TITLES: Readonly<Record<BlockRecord['kind'], string>> = {
  shb: 'Section Header',
  idb: 'Interface Description',
  nrb: 'Name Resolution',
  isb: 'Interface Statistics',
  dsb: 'Decryption Secrets',
  custom: 'Custom Block',
  journal: 'Systemd Journal Export',
  unknown: 'Unknown Block',
};

function plainObject(v: unknown): Record<string, unknown> {
  const p = toPlain(v);
  return p !== null && typeof p === 'object' && !Array.isArray(p) ? (p as Record<string, unknown>) : {};
}

export function globalHeaderRecord(info: CaptureInfo): Record<string, unknown> {
  const h = info.pcap;
  if (h === undefined) return { format: info.format };
  const r: Record<string, unknown> = {
    magic_number: `0x${h.magic.toString(16).padStart(8, '0')}`,
    byteorder: h.byteOrder,
    nanosecond: h.nanosecond,
    version: `${h.versionMajor}.${h.versionMinor}`,
    thiszone: h.thiszone,
    sigfigs: h.sigfigs,
    snaplen: h.snaplen,
    network: { name: linktypeName(h.linktype), value: h.linktype },
    fcs_len: h.fcsLen,
  };
  if (h.modified) r.modified = true;
  if (info.compression.length > 0) r.compression = [...info.compression];
  return r;
}

function sectionRecord(s: SectionInfo): Record<string, unknown> {
  const { interfaces: _i, index, byteOrder, versionMajor, versionMinor, sectionLength, ...rest } = s;
  return {
    section: index,
    byteorder: byteOrder,
    version: `${versionMajor}.${versionMinor}`,
    section_length: sectionLength,
    ...plainObject(rest),
  };
}

function interfaceRecord(i: InterfaceInfo): Record<string, unknown> {
  const { id, section, linktype, ...rest } = i;
  return {
    interface_id: id,
    section,
    linktype: { name: linktypeName(linktype), value: linktype },
    ...plainObject(rest),
  };
}

function blockRecord(info: CaptureInfo, b: BlockRecord): Record<string, unknown> | undefined {
  switch (b.kind) {
    case 'shb': {
      const s = info.sections[b.section];
      return s === undefined ? undefined : sectionRecord(s);
    }
    case 'idb': {
      const i = info.sections[b.section]?.interfaces[b.iface];
      return i === undefined ? undefined : interfaceRecord(i);
    }
    case 'dsb':
    case 'custom':
    case 'journal': {
      const { kind: _k, beforeFrame: _b, data, ...rest } = b;
      return { ...plainObject(rest), length: data.length, data: hexOf(data, 0, data.length) };
    }
    default: {
      const { kind: _k, beforeFrame: _b, ...rest } = b;
      return plainObject(rest);
    }
  }
}

/** Hands out capture-level records as the frames they precede are written. */
export class BlockTracker {
  private next = 0;
  private readonly counts = new Map<string, number>();
  private headerDone = false;
  constructor(private readonly info: CaptureInfo) {}

  /** True when records are due before frame `n` (cheap: checked per frame). */
  due(n: number): boolean {
    return !this.headerDone || (this.next < this.info.blocks.length && this.info.blocks[this.next].beforeFrame <= n);
  }

  /** Records due before frame `n` (Infinity: all that remain). */
  take(n: number): NamedRecord[] {
    const out: NamedRecord[] = [];
    if (!this.headerDone) {
      this.headerDone = true;
      if (this.info.format === 'pcap') out.push(['Global Header', globalHeaderRecord(this.info)]);
    }
    const bs = this.info.blocks;
    while (this.next < bs.length && bs[this.next].beforeFrame <= n) {
      const b = bs[this.next++];
      const rec = blockRecord(this.info, b);
      if (rec === undefined) continue;
      const title = BLOCK_TITLES[b.kind] ?? 'Block';
      const k = (this.counts.get(title) ?? 0) + 1;
      this.counts.set(title, k);
      out.push([`${title} ${k}`, rec]);
    }
    return out;
  }
}
