/**
 * Runs every benchmark in bench/ (each *.ts file beside this one, with a default export), one
 * after the other. `npm run bench -- api` runs only the named ones. Never part of `npm test`.
 */
import { readdir } from 'node:fs/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import path from 'node:path';

const BENCH_DIR = path.dirname(fileURLToPath(import.meta.url));

async function benchmarkNames(): Promise<string[]> {
  const files = await readdir(BENCH_DIR, { withFileTypes: true });
  return files
    .filter((f) => f.isFile() && f.name.endsWith('.ts') && f.name !== 'run.ts')
    .map((f) => f.name.slice(0, -'.ts'.length))
    .sort();
}

const available = await benchmarkNames();
const requested = process.argv.slice(2);
const unknown = requested.filter((name) => !available.includes(name));
if (unknown.length > 0) {
  console.error(`Unknown benchmark(s): ${unknown.join(', ')}. Available: ${available.join(', ')}`);
  process.exit(2);
}

let failed = false;
for (const name of requested.length > 0 ? requested : available) {
  console.log(`\n### bench/${name}.ts`);
  try {
    const module = (await import(pathToFileURL(path.join(BENCH_DIR, `${name}.ts`)).href)) as { default?: unknown };
    if (typeof module.default !== 'function') throw new Error('it has no default export to run');
    await (module.default as () => Promise<void>)();
  } catch (err) {
    console.error(`\nbench/${name}.ts FAILED: ${(err as Error).stack ?? String(err)}`);
    failed = true;
  }
}
process.exitCode = failed ? 1 : 0;
