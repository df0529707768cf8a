#!/usr/bin/env node
import { existsSync } from 'node:fs';

// The command runs the compiled server in dist/, which `npm ci` (through the prepare script),
// `npm run build` and `npm start` write; say so instead of failing on a missing module.
const main = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(main)) {
  process.stderr.write('plugboard is not built yet (dist/cli/main.js is missing): run `npm run build` in the Plugboard directory.\n');
  process.exit(1);
}
await import(main.href);
