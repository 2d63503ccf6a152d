/**
 * Example: extending an existing protocol without touching it. RFC 6994 shares the experimental TCP
 * option kinds 253 and 254 between experiments by a 16-bit Experiment Identifier (ExID) at the start
 * of the option's data (§3). This handler decodes one experiment of our own, ExID 0x7e57, into named
 * fields, and hands every other ExID to the handler that was registered before (the built-in one
 * knows TCP Fast Open 0xF989 and AccECN 0xACC0/0xACC1).
 *
 *  | Kind=253/254 | Length | ExID (16) | token (32) | hops (8) |
 *
 * Decoded options appear in `details()`, and in every report format (JSON, NDJSON, plist, tree).
 * As a library: `withExperiment(defaultRegistry)`. As a CLI plugin: `--plugin ./examples/tcp-exp-option.ts`.
 */
import { type Bytes, type Extensions, hex, type OptionHandler, type Registry } from '../src/index.js';

/** Our experiment's identifier. Real experiments register one with IANA (RFC 6994 §7). */
export const EXAMPLE_EXID = 0x7e57;

/** The fields of ExID 0x7e57: a 32-bit token and an 8-bit hop count. */
export interface ExampleExperiment {
  readonly exid: number;
  readonly experiment: string;
  readonly token: number;
  readonly hops: number;
}

/** The experimental-option handler for one kind, falling back to `previous` for other ExIDs. */
export function experimentHandler(previous: OptionHandler<any> | undefined): OptionHandler<any> {
  return {
    name: previous?.name ?? 'experimental',
    decode(b: Bytes, s: number, e: number) {
      if (e - s >= 2 && b.dv.getUint16(s) === EXAMPLE_EXID) {
        // RFC 6994 §3: the ExID is followed by the experiment's own data; ours is exactly 5 bytes.
        if (e - s !== 7)
          return { exid: EXAMPLE_EXID, experiment: 'pcapkit-example', malformed: true, data: hex(b.u8, s + 2, e) };
        return { exid: EXAMPLE_EXID, experiment: 'pcapkit-example', token: b.dv.getUint32(s + 2), hops: b.u8[s + 6] };
      }
      return previous ? previous.decode(b, s, e) : { data: hex(b.u8, s, e) };
    },
    // Building: `tcp.make({...}, [{ kind: 253, exid: 0x7e57, token: 1, hops: 2 }])`.
    encode(b: Bytes, at: number, v: Record<string, unknown>) {
      b.dv.setUint16(at, Number(v.exid ?? EXAMPLE_EXID));
      b.dv.setUint32(at + 2, Number(v.token ?? 0) >>> 0);
      b.u8[at + 6] = Number(v.hops ?? 0);
      return 7;
    },
    encodingLength: () => 7,
  };
}

/** A registry whose TCP option kinds 253 and 254 know ExID 0x7e57. */
export function withExperiment(reg: Registry): Registry {
  let r = reg;
  for (const kind of [253, 254])
    r = r.withHandler('tcp.option', kind, experimentHandler(reg.handler('tcp.option', kind)));
  return r;
}

/** Plugin entry: `--plugin ./examples/tcp-exp-option.ts`. */
export default function register(ext: Extensions): Partial<Extensions> {
  return { protocols: withExperiment(ext.protocols) };
}
