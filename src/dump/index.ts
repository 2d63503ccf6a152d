/** The built-in report formats: one line each. A user adds theirs with `defaultDumpers.with(csv)`. */
import { createDumpers, type DumperFactory, type DumperRegistry } from './dumper.js';
import { json } from './json.js';
import { ndjson } from './ndjson.js';
import { pcap, pcapng } from './pcap.js';
import { plist } from './plist.js';
import { tree } from './tree.js';

export const builtinDumpers: readonly DumperFactory[] = Object.freeze([json, ndjson, plist, tree, pcap, pcapng]);

export const defaultDumpers: DumperRegistry = createDumpers(builtinDumpers);

export { json, ndjson, pcap, pcapng, plist, tree };
