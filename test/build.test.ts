import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { changedInputs, filesUnder, hashInputs } from '../scripts/build_ui.js';

const ROOT = path.resolve(import.meta.dirname, '..');
let dir: string;
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function tree(files: Record<string, string>): string {
  dir = mkdtempSync(path.join(tmpdir(), 'plugboard-build-'));
  for (const [file, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    writeFileSync(path.join(dir, file), content);
  }
  return dir;
}

describe('the record of the UI build inputs (npm run build:ui)', () => {
  const files = { 'ui/src/main.tsx': 'main', 'ui/src/app/App.tsx': 'app', 'src/shared.ts': 'shared', 'package-lock.json': '{}' };

  it('finds nothing changed when every input has the content it was built from, whatever its mtime', () => {
    const root = tree(files);
    const recorded = hashInputs(root, Object.keys(files));
    utimesSync(path.join(root, 'ui/src/main.tsx'), new Date(), new Date(Date.now() + 60_000));
    expect(changedInputs(root, recorded, 'ui/src')).toEqual([]);
  });

  it('finds a changed, a removed and a new input, in ui/src and elsewhere', () => {
    const root = tree(files);
    const recorded = hashInputs(root, Object.keys(files));
    writeFileSync(path.join(root, 'src/shared.ts'), 'shared, changed');
    rmSync(path.join(root, 'ui/src/app/App.tsx'));
    writeFileSync(path.join(root, 'ui/src/app/New.tsx'), 'new');
    writeFileSync(path.join(root, 'package-lock.json'), '{"lockfileVersion":3}');
    expect(changedInputs(root, recorded, 'ui/src').sort()).toEqual(['package-lock.json', 'src/shared.ts', 'ui/src/app/App.tsx', 'ui/src/app/New.tsx']);
  });

  it('finds everything changed without a record (no build yet, or ui/dist deleted)', () => {
    expect(changedInputs(tree(files), undefined, 'ui/src')).not.toEqual([]);
  });

  it('lists the files under a directory, nested ones included', () => {
    expect(filesUnder(tree(files), 'ui/src').sort()).toEqual(['ui/src/app/App.tsx', 'ui/src/main.tsx']);
  });
});

describe('bin/plugboard.js', () => {
  it('says which command builds it when dist/ is missing, instead of a module error', () => {
    const root = tree({});
    mkdirSync(path.join(root, 'bin'));
    copyFileSync(path.join(ROOT, 'bin/plugboard.js'), path.join(root, 'bin/plugboard.js'));
    writeFileSync(path.join(root, 'package.json'), '{"type":"module"}');
    const run = spawnSync(process.execPath, [path.join(root, 'bin/plugboard.js'), 'serve'], { encoding: 'utf8' });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('run `npm run build`');
    expect(run.stderr).not.toContain('ERR_MODULE_NOT_FOUND');
  });
});
