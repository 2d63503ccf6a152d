/**
 * Compare our dissection of a corpus capture with its tshark oracle, field by field (tshark names),
 * for protocol tests: the conformance tool's field values (src/api/fields.ts) over a few captures.
 */

import { normalise } from '../../scripts/lib/conformance.js';
import { fieldValues } from '../../src/api/fields.js';
import { readFramesSync } from '../../src/api/read-frames.js';
import { PcapkitError } from '../../src/core/errors.js';
import type { Frame } from '../../src/core/frame.js';
import type { Protocol } from '../../src/core/protocol.js';
import { defineProtocol, u8, u16, u32 } from '../../src/core/protocol.js';
import type { Registry } from '../../src/core/registry.js';
import { defaultRegistry } from '../../src/protocols/index.js';
import { corpusPath, oraclePackets } from './corpus.js';

/** Our values for one tshark field in one frame, joined with ',' outermost first ('' if absent). */
export function ourValue(frame: Frame, name: string, reg: Registry = defaultRegistry): string {
  return fieldValues(frame, name, reg).join(',');
}

/** Every frame of a capture; a file cut short keeps the frames before the cut (as tshark does). */
export function readAll(file: string, reg: Registry = defaultRegistry): Frame[] {
  const frames: Frame[] = [];
  try {
    for (const f of readFramesSync(corpusPath(file), { registry: reg })) frames.push(f);
  } catch (e) {
    if ((e as { code?: string }).code !== 'ERR_TRUNCATED_FILE') throw e;
  }
  return frames;
}

export interface FieldScore {
  agree: number;
  disagree: number;
  missing: number;
  firstBad: string[];
}

/** Per-field agreement over one capture, for rows where tshark or we have a value. */
export function compareCapture(
  file: string,
  fields: readonly string[],
  reg: Registry = defaultRegistry,
  skip: (n: number) => boolean = () => false,
): { scores: Record<string, FieldScore>; frames: Frame[] } {
  const table = oraclePackets(file);
  const frames = readAll(file, reg);
  const scores: Record<string, FieldScore> = {};
  for (const name of fields) {
    const col = table.col(name);
    const s: FieldScore = { agree: 0, disagree: 0, missing: 0, firstBad: [] };
    scores[name] = s;
    if (col < 0) continue;
    for (const row of table.rows) {
      const want = row[col] ?? '';
      const n = Number(row[0]);
      if (skip(n)) continue;
      const fr = frames[n - 1];
      const got = fr ? ourValue(fr, name, reg) : '';
      // As the conformance tool counts: a value tshark lacks is a disagreement too.
      if (want === '' && got === '') continue;
      if (normalise(got) === normalise(want)) s.agree++;
      else {
        if (got === '') s.missing++;
        else s.disagree++;
        if (s.firstBad.length < 5) s.firstBad.push(`${file}#${n} ${name}: tshark=${want} ours=${got}`);
      }
    }
  }
  return { scores, frames };
}

// ---- ICMP/OSPF/IPX helpers: whole-capture tallies, files by column, stand-ins for absent link types

/** Normalise a cell for comparison: hex numbers to decimal, per comma-separated item. */
function norm(cell: string): string {
  return cell
    .split(',')
    .map((x) => (/^0x[0-9a-f]+$/i.test(x) ? String(Number.parseInt(x, 16)) : x))
    .join(',');
}

export interface FieldTally {
  agree: number;
  disagree: number;
  /** tshark has a value, we have none. */
  missing: number;
  /** we have a value, tshark has none. */
  extra: number;
  readonly examples: string[];
}

export interface OracleResult {
  readonly fields: Map<string, FieldTally>;
  readonly frames: number;
  readonly bugs: string[];
  /** A file-level error after the good frames (a capture cut short), as its code. */
  readonly fileError?: string;
}

/** A registry that can read the corpus before the link-layer helpers land: stubs only where missing. */
export function corpusRegistry(reg: Registry = defaultRegistry): Registry {
  const add: Protocol[] = [];
  if (!reg.lookup('linktype', 0)) {
    // BSD loopback (LINKTYPE_NULL): a host-order 4-byte address family; 2 = IPv4, 24/28/30 = IPv6.
    add.push(
      defineProtocol({
        name: 'stub_null',
        abbrev: 'null',
        title: 'BSD loopback (test stub)',
        layer: 'link',
        header: { family: u32(0) },
        bind: { linktype: [0] },
        next: (f: { family: number }) => {
          const fam = f.family > 0xffff ? (f.family >>> 24) | ((f.family >>> 8) & 0xff00) : f.family;
          return { table: 'ethertype', key: fam === 2 ? 0x0800 : 0x86dd };
        },
      }),
    );
  }
  if (!reg.lookup('ieee802.3', 0)) {
    // 802.2 LLC (test stub): DSAP 0xe0 is Novell IPX; raw 802.3 (0xffff) is IPX too.
    add.push(
      defineProtocol({
        name: 'stub_llc',
        abbrev: 'llc',
        title: 'LLC (test stub)',
        layer: 'link',
        header: { dsap: u8(0), ssap: u8(1), control: u8(2) },
        bind: { 'ieee802.3': [0] },
        next: (f: { dsap: number }) => (f.dsap === 0xe0 ? { table: 'ethertype', key: 0x8137 } : undefined),
      }),
    );
  }
  if (!reg.lookup('linktype', 113)) {
    add.push(
      defineProtocol({
        name: 'stub_sll',
        abbrev: 'sll',
        title: 'Linux cooked (test stub)',
        layer: 'link',
        header: { pkttype: u16(0), hatype: u16(2), halen: u16(4), etype: u16(14) },
        bind: { linktype: [113] },
        next: (f: { etype: number }) => ({ table: 'ethertype', key: f.etype }),
      }),
    );
  }
  if (!reg.lookup('ip.proto', 0)) {
    // IPv6 Hop-by-Hop, Routing, Destination Options (RFC 8200 §4): next header, length in 8-octet units.
    add.push(
      defineProtocol({
        name: 'stub_ipv6ext',
        abbrev: 'ipv6ext',
        title: 'IPv6 extension header (test stub)',
        layer: 'internet',
        header: { nxt: u8(0), len: u8(1) },
        minLen: 8,
        bind: { 'ip.proto': [0, 43, 60] },
        headerLen: (f: { nxt: number; len: number }) => (f.len + 1) * 8,
        next: (f: { nxt: number; len: number }) => ({ table: 'ip.proto', key: f.nxt }),
      }),
      defineProtocol({
        name: 'stub_ipv6frag',
        abbrev: 'ipv6frag',
        title: 'IPv6 fragment header (test stub)',
        layer: 'internet',
        header: { nxt: u8(0), off: u16(2) },
        minLen: 8,
        bind: { 'ip.proto': [44] },
        fragment: (f: { off: number }) => (f.off & 0xfff9) !== 0,
        next: (f: { nxt: number; off: number }) =>
          (f.off & 0xfff8) === 0 ? { table: 'ip.proto', key: f.nxt } : undefined,
      }),
    );
  }
  if (!reg.lookup('ip.proto', 51)) {
    // IPsec AH (RFC 4302 §2.2): next header, payload length in 32-bit words minus 2.
    add.push(
      defineProtocol({
        name: 'stub_ah',
        abbrev: 'ah',
        title: 'AH (test stub)',
        layer: 'internet',
        header: { nxt: u8(0), len: u8(1) },
        minLen: 12,
        bind: { 'ip.proto': [51] },
        headerLen: (f: { nxt: number; len: number }) => (f.len + 2) * 4,
        next: (f: { nxt: number; len: number }) => ({ table: 'ip.proto', key: f.nxt }),
      }),
    );
  }
  return add.length ? reg.with(...add) : reg;
}

/** Compare `names` over one capture. Frames are matched by number. */
export function compareOracle(file: string, names: readonly string[], reg: Registry = corpusRegistry()): OracleResult {
  const table = oraclePackets(file);
  const numCol = table.col('frame.number');
  const byNum = new Map<number, readonly string[]>();
  for (const r of table.rows) byNum.set(Number(r[numCol]), r);
  const fields = new Map<string, FieldTally>();
  for (const n of names) fields.set(n, { agree: 0, disagree: 0, missing: 0, extra: 0, examples: [] });
  const bugs: string[] = [];
  let frames = 0;
  let fileError: string | undefined;
  const it = readFramesSync(corpusPath(file), { registry: reg });
  const next = (): Frame | undefined => {
    try {
      const r = it.next();
      return r.done ? undefined : r.value;
    } catch (e) {
      if (!(e instanceof PcapkitError)) throw e;
      fileError = e.code;
      return undefined;
    }
  };
  for (let frame = next(); frame !== undefined; frame = next()) {
    frames++;
    for (const i of frame.issues) if (i.kind === 'bug') bugs.push(`${file}#${frame.n}: ${i.code} ${i.message ?? ''}`);
    const row = byNum.get(frame.n);
    if (!row) continue;
    for (const n of names) {
      const col = table.col(n);
      if (col < 0) continue;
      const want = norm(row[col] ?? '');
      const got = norm(ourValue(frame, n, reg));
      const t = fields.get(n)!;
      if (want === '' && got === '') continue;
      if (want === got) t.agree++;
      else if (got === '') t.missing++;
      else if (want === '') t.extra++;
      else t.disagree++;
      if (want !== got && got !== '' && t.examples.length < (Number(process.env.EX) || 5))
        t.examples.push(`${file}#${frame.n} ${n}: tshark '${want}' ours '${got}'`);
    }
  }
  return fileError === undefined ? { fields, frames, bugs } : { fields, frames, bugs, fileError };
}

/** Merge per-file tallies. */
export function mergeTallies(into: Map<string, FieldTally>, from: Map<string, FieldTally>): void {
  for (const [n, t] of from) {
    const a = into.get(n) ?? { agree: 0, disagree: 0, missing: 0, extra: 0, examples: [] };
    a.agree += t.agree;
    a.disagree += t.disagree;
    a.missing += t.missing;
    a.extra += t.extra;
    for (const e of t.examples) if (a.examples.length < 10) a.examples.push(e);
    into.set(n, a);
  }
}

/** Files whose oracle has any value in one of these columns. */
export function filesWith(files: readonly string[], names: readonly string[]): string[] {
  return files.filter((f) => {
    try {
      const t = oraclePackets(f);
      const cols = names.map((n) => t.col(n)).filter((c) => c >= 0);
      return t.rows.some((r) => cols.some((c) => (r[c] ?? '') !== ''));
    } catch {
      return false;
    }
  });
}
