/**
 * npm run conformance -- <corpus-dir> [--only a,b] [--field ip.src] [--disagreements N]
 * Prints `field <tshark-name> agree=<n> disagree=<n> missing=<n>` per field, the first disagreements,
 * and `agreement: <percent>% (<agree>/<compared>) over <N> captures` as the last line.
 */
import { parseArgs } from 'node:util';
import { defaultRegistry } from '../src/protocols/index.js';
import { formatReport, runConformance } from './lib/conformance.js';
import { flowNumbering } from './lib/flows.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    only: { type: 'string' },
    field: { type: 'string', multiple: true },
    disagreements: { type: 'string' },
  },
});
const dir = positionals[0] ?? '../shared/corpus';
const r = await runConformance(dir, {
  files: values.only ? values.only.split(',') : undefined,
  prepare: flowNumbering,
  maxDisagreements: 100000,
});
if (values.field?.length) {
  for (const k of [...r.fields.keys()]) if (!values.field.includes(k)) r.fields.delete(k);
  r.disagreements.splice(0, r.disagreements.length, ...r.disagreements.filter((d) => values.field!.includes(d.field)));
}
console.log(formatReport(r, { disagreements: Number(values.disagreements ?? 25), known: defaultRegistry }));
