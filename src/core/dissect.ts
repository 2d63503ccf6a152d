/**
 * THE frame loop: the only place that dispatches, stops and catches (DESIGN §3.3).
 *
 * 1. Start from the link type. 2. For each protocol: short fixed header → partial layer + issue, stop;
 * decode; check → malformed, stop; lengths → truncated/malformed with lenSource, continue on what
 * exists; next → table lookup, then heuristics; no match ends the chain with no issue.
 * 3. One try/catch around it all: an exception becomes a `bug` issue and the frame is kept.
 */
import type { Frame, Layer, LayerKind, RawFrame } from './frame.js';
import { type Issue, type IssueKind, issue, NO_ISSUES } from './issue.js';
import { Need, type Protocol } from './protocol.js';
import type { Registry } from './registry.js';

export interface DissectOptions {
  readonly registry: Registry;
  /** Stop after this layer kind, or after this protocol (PyPCAPKit's `layer=` / `protocol=`). */
  readonly stopAt?: { readonly layer?: LayerKind | 'none' | 'raw'; readonly protocol?: string };
  /** Decode each layer's variable tail (options, TLVs) eagerly into `layer.details`. */
  readonly details?: boolean;
  /** Verify checksums and record `<proto>.bad_checksum` issues (never enforced). */
  readonly checksums?: boolean;
}

/**
 * Dissect one frame. `first`, when given, is the protocol the bytes start with instead of the link
 * type's (IP reassembly re-dissects a datagram's payload from its transport protocol this way).
 */
export type Dissector = (raw: RawFrame, first?: Protocol) => Frame;

const RANK: Readonly<Record<string, number>> = { link: 0, internet: 1, transport: 2, application: 3 };

/** Compile the options once; the returned function dissects one frame. */
export function createDissector(opts: DissectOptions): Dissector {
  const reg = opts.registry;
  const layerStop = opts.stopAt?.layer;
  const maxRank =
    layerStop === undefined || layerStop === 'application'
      ? 99
      : layerStop === 'none' || layerStop === 'raw'
        ? -1
        : RANK[layerStop];
  const stopName = opts.stopAt?.protocol?.toLowerCase();
  const details = opts.details === true;
  const checksums = opts.checksums === true;

  return function dissect(raw: RawFrame, first?: Protocol): Frame {
    const b = raw.bytes;
    const layers: Layer[] = [];
    let issues: Issue[] | undefined;
    const cutKind: IssueKind = raw.end - raw.start < raw.origLen ? 'truncated' : 'malformed';
    let at = raw.start;
    // The FCS is the last thing on the wire: a snaplen cut loses it first, so trim only what was captured.
    const lost = raw.origLen - (raw.end - raw.start);
    let end = raw.end - (lost >= raw.fcsLen ? 0 : lost > 0 ? raw.fcsLen - lost : raw.fcsLen);
    if (end < at) end = at;
    let proto: Protocol | undefined = first ?? reg.lookup('linktype', raw.linktype);
    if (proto === undefined) {
      issues = addIssue(issues, issue('unsupported', 'frame.linktype_unknown', -1, at));
    }
    if (raw.tsNsec >= 1_000_000_000)
      issues = addIssue(issues, issue('malformed', 'frame.invalid_timestamp', -1, raw.start));
    let inFragment = false;
    // Inside an ICMP/ICMPv6 error's quoted datagram: short inner headers are expected, not issues.
    let inQuote = false;
    try {
      while (proto !== undefined) {
        if (proto.rank > maxRank) break;
        const avail = end - at;
        const idx = layers.length;
        // a. Short fixed header: keep what is there, stop.
        if (avail < proto.minLen) {
          layers.push({
            protocol: proto.name,
            start: at,
            hdrEnd: end,
            end,
            complete: false,
            fields: proto.decodePartial(b, at, avail),
          });
          if (!inQuote) {
            issues = addIssue(
              issues,
              issue(cutKind, `${proto.name}.short`, idx, at, { need: proto.minLen, have: avail }),
            );
          }
          break;
        }
        // b. Decode.
        const f = proto.decode(b, at, end);
        if (f instanceof Need) {
          layers.push({ protocol: proto.name, start: at, hdrEnd: end, end, complete: false, fields: f.partial });
          if (!inQuote) {
            issues = addIssue(
              issues,
              issue(cutKind, f.code ?? `${proto.name}.short`, idx, at, { need: f.need, have: avail }),
            );
          }
          break;
        }
        // c. Check.
        const bad = proto.check === undefined ? undefined : proto.check(f, b, at, end);
        if (bad !== undefined) {
          const hl = proto.headerLen === undefined ? proto.minLen : proto.headerLen(f, avail);
          const he = hl > proto.minLen && at + hl <= end ? at + hl : at + proto.minLen;
          layers.push({ protocol: proto.name, start: at, hdrEnd: he, end, complete: true, fields: f });
          issues = addIssue(issues, issue('malformed', bad, idx, at));
          break;
        }
        if (proto.warn !== undefined) {
          const w = proto.warn(f);
          if (w !== undefined) issues = addIssue(issues, issue('malformed', w, idx, at));
        }
        // d. Lengths.
        const hdrEnd = at + (proto.headerLen === undefined ? proto.minLen : proto.headerLen(f, avail));
        if (hdrEnd > end) {
          // Options or extension run past the bytes: keep the fixed fields, mark the layer partial.
          layers.push({ protocol: proto.name, start: at, hdrEnd: end, end, complete: false, fields: f });
          if (!inQuote) {
            issues = addIssue(
              issues,
              issue(cutKind, `${proto.name}.short`, idx, at, { need: hdrEnd - at, have: avail }),
            );
          }
          break;
        }
        let pend = end;
        if (proto.payloadLen !== undefined) {
          const have = end - hdrEnd;
          const claim = proto.payloadLen(f, have);
          if (claim < have) pend = hdrEnd + Math.max(claim, 0);
          else if (claim > have && !inFragment && !inQuote) {
            issues = addIssue(
              issues,
              issue(cutKind, `${proto.name}.length_exceeds`, idx, hdrEnd, {
                need: claim,
                have,
                lenSource: proto.lenSource ?? proto.name,
              }),
            );
          }
        }
        const layer: Layer =
          details && proto.rest !== undefined
            ? {
                protocol: proto.name,
                start: at,
                hdrEnd,
                end: pend,
                complete: true,
                fields: f,
                details: proto.rest.decode(b, at + proto.minLen, hdrEnd, f, reg, { layers, index: idx }),
              }
            : { protocol: proto.name, start: at, hdrEnd, end: pend, complete: true, fields: f };
        layers.push(layer);
        if (checksums && proto.verify !== undefined && !inFragment && !inQuote) {
          if (!proto.verify(b, layer, layers, raw)) {
            issues = addIssue(issues, issue('checksum', `${proto.name}.bad_checksum`, idx, at));
          }
        }
        if (proto.fragment?.(f)) inFragment = true;
        if (proto.quote?.(f)) inQuote = true;
        if (stopName !== undefined && (proto.name === stopName || proto.alias.toLowerCase() === stopName)) break;
        // e. Next: nothing to dissect in an empty payload (NoPayload).
        if (hdrEnd >= pend || proto.next === undefined) break;
        const nx = proto.next(f);
        if (nx === undefined) break;
        let np = reg.lookup(nx.table, nx.key);
        if (np?.accept !== undefined && !np.accept(b, hdrEnd, pend, nx.table)) np = undefined;
        if (np === undefined && nx.alt !== undefined) {
          np = reg.lookup(nx.table, nx.alt);
          if (np?.accept !== undefined && !np.accept(b, hdrEnd, pend, nx.table)) np = undefined;
        }
        if (np === undefined) {
          const hs = reg.heuristics(nx.table);
          for (let i = 0; i < hs.length; i++) {
            // A protocol above the stop layer would end the loop anyway: don't pay for its probe.
            if (hs[i].rank > maxRank) continue;
            if (hs[i].probe!(b, hdrEnd, pend)) {
              np = hs[i];
              break;
            }
          }
        }
        at = hdrEnd;
        end = pend;
        proto = np;
      }
    } catch (e) {
      const name = proto?.name ?? 'frame';
      issues = addIssue(
        issues,
        issue('bug', `${name}.exception`, layers.length, at, { message: e instanceof Error ? e.message : String(e) }),
      );
    }
    return {
      n: raw.n,
      bytes: b,
      start: raw.start,
      end: raw.end,
      origLen: raw.origLen,
      tsSec: raw.tsSec,
      tsNsec: raw.tsNsec,
      hasTs: raw.hasTs,
      linktype: raw.linktype,
      iface: raw.iface,
      fcsLen: raw.fcsLen,
      comments: raw.comments,
      opts: raw.opts,
      section: raw.section,
      layers,
      issues: issues ?? NO_ISSUES,
      // Stage fields, present from the start so stages store into the frame without reshaping it
      // (a property added later costs an allocation per frame: measured, the stream stages' main cost).
      flow: undefined,
      flows: undefined,
      reassembled: undefined,
      messages: undefined,
    };
  };
}

function addIssue(list: Issue[] | undefined, i: Issue): Issue[] {
  if (list === undefined) return [i];
  list.push(i);
  return list;
}

/** Decode a layer's variable tail (options, TLVs) now, unless the loop already did. */
export function details<D = unknown>(frame: RawFrame, layer: Layer, reg: Registry): D | undefined {
  if (layer.details !== undefined) return layer.details as D;
  const p = reg.byName(layer.protocol);
  if (p?.rest === undefined || !layer.complete) return undefined;
  try {
    const layers = (frame as { layers?: readonly Layer[] }).layers;
    const ctx = layers === undefined ? undefined : { layers, index: layers.indexOf(layer) };
    return p.rest.decode(frame.bytes, layer.start + p.minLen, layer.hdrEnd, layer.fields, reg, ctx) as D;
  } catch {
    return undefined;
  }
}
