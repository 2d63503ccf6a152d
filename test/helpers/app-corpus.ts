/**
 * Reading corpus captures for the application-layer tests. Link types other helpers are still
 * writing (NULL, RAW, SLL, 802.1Q) get minimal stand-ins here, used only when the default registry
 * lacks them, so the HTTP/FTP tests run on every capture today and on the real dissectors once
 * they land.
 */
import { readCaptureSync } from '../../src/capture/read.js';
import { createDissector } from '../../src/core/dissect.js';
import type { Frame } from '../../src/core/frame.js';
import { defineProtocol, need, u16 } from '../../src/core/protocol.js';
import type { Registry } from '../../src/core/registry.js';
import { defaultRegistry } from '../../src/protocols/index.js';
import { corpusPath, decodeAs } from './corpus.js';

const nullLink = defineProtocol({
  name: 'test-null',
  abbrev: 'null',
  title: 'BSD loopback (test stand-in)',
  layer: 'link',
  minLen: 4,
  decode: (b, at, end) => {
    if (end - at < 4) return need(4);
    // Host byte order: the family is in the first byte (LE) or the last (BE).
    const family = b.u8[at] !== 0 ? b.u8[at] : b.u8[at + 3];
    return { family };
  },
  headerLen: () => 4,
  next: (f: { family: number }) => ({ table: 'ethertype', key: f.family === 2 ? 0x0800 : 0x86dd }),
  bind: { linktype: [0] },
});
const rawLink = defineProtocol({
  name: 'test-raw',
  abbrev: 'raw',
  title: 'Raw IP (test stand-in)',
  layer: 'link',
  minLen: 1,
  decode: (b, at, end) => (end - at < 1 ? need(1) : { version: b.u8[at] >> 4 }),
  headerLen: () => 0,
  next: (f: { version: number }) => ({ table: 'ethertype', key: f.version === 6 ? 0x86dd : 0x0800 }),
  bind: { linktype: [12, 101, 14] },
});
const sll = defineProtocol({
  name: 'test-sll',
  abbrev: 'sll',
  title: 'Linux cooked (test stand-in)',
  layer: 'link',
  header: { etype: u16(14) },
  next: (f: { etype: number }) => ({ table: 'ethertype', key: f.etype }),
  bind: { linktype: [113] },
});
const vlan = defineProtocol({
  name: 'test-vlan',
  abbrev: 'vlan',
  title: '802.1Q (test stand-in)',
  layer: 'link',
  header: { tci: u16(0), etype: u16(2) },
  next: (f: { etype: number }) => ({ table: 'ethertype', key: f.etype }),
  bind: { ethertype: [0x8100, 0x88a8, 0x9100] },
});

/** The default registry plus stand-ins for link types it does not have yet. */
export function appRegistry(base: Registry = defaultRegistry): Registry {
  const add = [];
  if (!base.lookup('linktype', 0)) add.push(nullLink);
  if (!base.lookup('linktype', 101)) add.push(rawLink);
  if (!base.lookup('linktype', 113)) add.push(sll);
  if (!base.lookup('ethertype', 0x8100)) add.push(vlan);
  return add.length ? base.with(...add) : base;
}

/** The registry for one corpus file, with its decode-as.tsv mappings applied. */
export function registryFor(file: string, base: Registry = defaultRegistry): Registry {
  let reg = appRegistry(base);
  for (const [table, port, proto] of decodeAs(file)) reg = reg.decodeAs(table, port, proto);
  return reg;
}

/** Every frame of a corpus capture, dissected with `registryFor(file)`. */
export function corpusFrames(file: string, reg: Registry = registryFor(file)): Frame[] {
  const dissect = createDissector({ registry: reg });
  const out: Frame[] = [];
  try {
    for (const batch of readCaptureSync(corpusPath(file))) for (const r of batch) out.push(dissect(r));
  } catch {
    // A file cut short (the OpenHIP dumps): keep the frames before the cut.
  }
  return out;
}
