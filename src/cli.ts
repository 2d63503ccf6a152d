#!/usr/bin/env node
/** The `pcapkit` command (package.json bin → dist/cli.js). */
import { main } from './cli/main.js';

main().then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`pcapkit: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exitCode = 1;
  },
);
