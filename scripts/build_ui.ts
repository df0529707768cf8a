// `npm run build:ui`: Vite's production build of the web UI into ui/dist, skipped when none of
// the files it was built from has changed. Vite has no such check of its own, so the build
// records its inputs, with a hash of each, in ui/dist: every module of its module graph outside
// node_modules (the UI imports server modules too), every file under ui/src, the configuration
// files, and package-lock.json standing for the installed packages.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { build, type Plugin } from 'vite';

const ROOT = path.resolve(import.meta.dirname, '..');
const UI_DIR = 'ui';
const STAMP = 'ui/dist/.build-inputs.json';
const FIXED_INPUTS = ['ui/vite.config.ts', 'ui/tsconfig.json', 'ui/index.html', 'tsconfig.json', 'package-lock.json'];

/** File → content hash; `null` for a file that is not there (any more). */
export type InputHashes = Record<string, string | null>;

export function hashInputs(root: string, files: Iterable<string>): InputHashes {
  const out: InputHashes = {};
  for (const file of [...new Set(files)].sort()) {
    const abs = path.join(root, file);
    out[file] = existsSync(abs) ? createHash('sha256').update(readFileSync(abs)).digest('hex') : null;
  }
  return out;
}

/** The files under `dir`, relative to `root`. */
export function filesUnder(root: string, dir: string): string[] {
  const abs = path.join(root, dir);
  if (!existsSync(abs)) return [];
  return readdirSync(abs, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(root, path.join(entry.parentPath, entry.name)));
}

/**
 * The inputs that differ from the recorded ones: changed, removed, or new under `watchedDir`
 * (a new file elsewhere only matters once a recorded one imports it, and that one changes).
 * Without a record, everything differs.
 */
export function changedInputs(root: string, recorded: InputHashes | undefined, watchedDir: string): string[] {
  if (!recorded) return ['(no record of a previous build)'];
  const now = hashInputs(root, [...Object.keys(recorded), ...filesUnder(root, watchedDir)]);
  return Object.keys(now).filter((file) => now[file] !== recorded[file]);
}

function readStamp(): InputHashes | undefined {
  try {
    return JSON.parse(readFileSync(path.join(ROOT, STAMP), 'utf8')) as InputHashes;
  } catch {
    return undefined;
  }
}

/** Collects the modules Rollup loaded, as paths relative to the repository. */
function moduleGraphRecorder(into: Set<string>): Plugin {
  return {
    name: 'plugboard-record-inputs',
    buildEnd() {
      for (const id of this.getModuleIds()) {
        const file = id.split('?')[0];
        if (path.isAbsolute(file) && file.startsWith(ROOT + path.sep) && !file.includes(`${path.sep}node_modules${path.sep}`)) {
          into.add(path.relative(ROOT, file));
        }
      }
    },
  };
}

async function main(): Promise<void> {
  const changed = changedInputs(ROOT, readStamp(), path.join(UI_DIR, 'src'));
  if (changed.length === 0) {
    process.stdout.write('ui/dist is up to date with its sources; the Vite build is skipped.\n');
    return;
  }
  process.stdout.write(`Building the web UI: ${changed.length > 3 ? `${changed.slice(0, 3).join(', ')} and ${changed.length - 3} more` : changed.join(', ')} changed.\n`);
  const modules = new Set<string>();
  await build({ configFile: path.join(ROOT, UI_DIR, 'vite.config.ts'), plugins: [moduleGraphRecorder(modules)] });
  const inputs = hashInputs(ROOT, [...modules, ...filesUnder(ROOT, path.join(UI_DIR, 'src')), ...FIXED_INPUTS]);
  writeFileSync(path.join(ROOT, STAMP), `${JSON.stringify(inputs, null, 1)}\n`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  await main();
}
