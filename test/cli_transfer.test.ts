import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyCommand } from '../src/cli/apply.js';
import type { CliIo } from '../src/cli/command_io.js';
import { exportCommand, importCommand, type ExportOptions, type ImportOptions } from '../src/cli/transfer.js';
import { startTestPlugboard, type TestPlugboard } from './helpers/plugboard.js';

// `plugboard export` and `plugboard import` against an in-process server over a real socket;
// one dialect (SQLite) is enough for a client.

const ROOT = path.resolve(import.meta.dirname, '..');
const HOOK_PASSWORD = 'transfer-hook-password';

describe('plugboard export and import', () => {
  let pb: TestPlugboard;
  let url: string;
  let apiKey: string;
  let dir: string;

  beforeAll(async () => {
    pb = await startTestPlugboard();
    url = await pb.plugboard.listen();
    apiKey = (await pb.api('POST', '/api/security/api_key', { name: 'cli' })).body.encoded;
    dir = mkdtempSync(path.join(tmpdir(), 'plugboard-transfer-'));
    for (const id of ['source', 'target', 'copies']) expect((await pb.api('POST', '/api/spaces/space', { id, name: id })).status).toBe(200);
    const create = (id: string, body: object) => pb.api('POST', `/s/source/api/actions/connector/${id}`, body);
    expect(
      (
        await create('src-hook', {
          name: 'Source hook',
          connector_type_id: '.webhook',
          config: { url: 'https://example.com/hook' },
          secrets: { user: 'u', password: HOOK_PASSWORD },
        })
      ).status,
    ).toBe(200);
    expect((await create('src-log', { name: 'Source log', connector_type_id: '.server-log' })).status).toBe(200);
  });
  afterAll(async () => {
    await pb?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  function io(env: Record<string, string> = {}) {
    const captured = { out: '', err: '' };
    const value: CliIo = {
      out: (t) => (captured.out += t),
      err: (t) => (captured.err += t),
      env: { PLUGBOARD_URL: url, PLUGBOARD_API_KEY: apiKey, ...env },
      cwd: dir,
    };
    return { io: value, captured };
  }

  async function runExport(opts: ExportOptions) {
    const { io: cliIo, captured } = io();
    return { code: await exportCommand(opts, cliIo), ...captured };
  }

  async function runImport(file: string, opts: ImportOptions) {
    const { io: cliIo, captured } = io();
    return { code: await importCommand(file, opts, cliIo), ...captured };
  }

  const list = async (space: string) =>
    ((await pb.api('GET', `/s/${space}/api/actions/connectors`)).body as Array<{ id: string; name: string; is_missing_secrets: boolean }>).sort(
      (a, b) => a.name.localeCompare(b.name),
    );

  it('exports a space to a file without secrets, and imports it into another space, naming the connectors that need secrets', async () => {
    const exported = await runExport({ space: 'source', output: 'source.ndjson' });
    expect(exported.code).toBe(0);
    expect(exported.out).toBe('');
    expect(exported.err).toBe('Exported 2 objects from space "source" to source.ndjson. Secrets are not exported: 1 of them will need their secrets entered again after import.\n');
    const text = readFileSync(path.join(dir, 'source.ndjson'), 'utf8');
    expect(text).not.toContain(HOOK_PASSWORD);
    const lines = text.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => l.id ?? 'summary')).toEqual(['src-hook', 'src-log', 'summary']);
    expect(lines[0].attributes).toMatchObject({ isMissingSecrets: true, secrets: {} });
    expect(lines[2]).toMatchObject({ exportedCount: 2 });

    const imported = await runImport('source.ndjson', { space: 'target' });
    expect(imported.err).toBe('');
    expect(imported.code).toBe(0);
    const target = await list('target');
    // Ids are unique across spaces: the copies get ids of their own in the target space.
    const hook = target.find((c) => c.name === 'Source hook')!;
    expect(hook).toMatchObject({ is_missing_secrets: true });
    expect(hook.id).not.toBe('src-hook');
    expect(target.find((c) => c.name === 'Source log')).toMatchObject({ is_missing_secrets: false });
    expect(imported.out).toBe(
      [
        'Imported 2 objects into space "target".',
        'Action required: 1 connector has sensitive information that require updates.',
        'Connectors that need their secrets:',
        `  Source hook (${hook.id})`,
        'Enter them with Fix on the Connectors page, or send them with PUT /api/actions/connector/{id} or plugboard apply.',
        '',
      ].join('\n'),
    );

    // Again: conflicts, then --overwrite.
    const again = await runImport('source.ndjson', { space: 'target' });
    expect(again.code).toBe(1);
    expect(again.out).toContain('Imported 0 objects into space "target".\nNot imported (2):\n');
    expect(again.out).toContain(
      '  Connector: [Source hook] (action src-hook): exists already (--overwrite replaces it, --create-new-copies imports a copy with a new id)\n',
    );
    const overwritten = await runImport('source.ndjson', { space: 'target', overwrite: true });
    expect(overwritten.code).toBe(0);
    expect(overwritten.out).toMatch(/^Imported 2 objects into space "target" \(2 overwritten\)\.\n/);

    const copies = await runImport('source.ndjson', { space: 'copies', createNewCopies: true });
    expect(copies.code).toBe(0);
    expect((await list('copies')).map((c) => c.name)).toEqual(['Source hook', 'Source log']);

    // plugboard apply fills in the missing secrets: the Fix flow from the command line.
    writeFileSync(
      path.join(dir, 'fix.yaml'),
      `${hook.id}:\n  name: Source hook\n  actionTypeId: .webhook\n  config: {url: "https://example.com/hook"}\n  secrets: {user: u, password: "\${HOOK_PASSWORD}"}\n`,
    );
    const fix = io({ HOOK_PASSWORD });
    expect(await applyCommand('fix.yaml', { space: 'target' }, fix.io)).toBe(0);
    expect(fix.captured.out).toContain(`~ update ${hook.id}: secrets (missing on the server)\n`);
    expect((await list('target')).find((c) => c.id === hook.id)).toMatchObject({ is_missing_secrets: false });
  });

  it('exports chosen connectors to standard output', async () => {
    const exported = await runExport({ space: 'source', id: ['src-log'], excludeExportDetails: true });
    expect(exported.code).toBe(0);
    const lines = exported.out.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ id: 'src-log', type: 'action', attributes: { name: 'Source log', isMissingSecrets: false } });
    expect(exported.err).toBe('Exported 1 object from space "source".\n');

    const missing = await runExport({ space: 'source', id: ['no-such-connector'] });
    expect(missing.code).toBe(1);
    expect(missing.err).toBe('plugboard: POST /s/source/api/saved_objects/_export failed (400): Error fetching objects to export\n');
  });

  it('reports a bad file with the server message and imports nothing; refuses contradictory options', async () => {
    writeFileSync(path.join(dir, 'broken.ndjson'), '{"type":"action","id":"x",\n');
    const broken = await runImport('broken.ndjson', { space: 'copies' });
    expect(broken.code).toBe(1);
    expect(broken.err).toMatch(/^plugboard: POST \/s\/copies\/api\/saved_objects\/_import failed \(400\): /);
    expect(broken.out).toBe('');

    const both = await runImport('broken.ndjson', { overwrite: true, createNewCopies: true });
    expect(both).toEqual({ code: 2, out: '', err: 'plugboard: --overwrite and --create-new-copies cannot be used together\n' });
    const unreadable = await runImport('no-such.ndjson', {});
    expect(unreadable.code).toBe(2);
    expect(unreadable.err).toContain('cannot read no-such.ndjson');
  });

  it('pipes an export into an import as commands, and exits 2 without an API key', { timeout: 120_000 }, async () => {
    const run = (args: string[], env: Record<string, string>, stdin?: string) => {
      // tsx resolves from the working directory: run in the project.
      const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
        cwd: ROOT,
        env: { PATH: process.env.PATH ?? '', ...env },
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      let out = '';
      let err = '';
      child.stdout.on('data', (d) => (out += d));
      child.stderr.on('data', (d) => (err += d));
      child.stdin.end(stdin ?? '');
      return new Promise<{ code: number | null; out: string; err: string }>((resolve) => child.on('exit', (code) => resolve({ code, out, err })));
    };
    const env = { PLUGBOARD_URL: url, PLUGBOARD_API_KEY: apiKey };
    expect((await pb.api('POST', '/api/spaces/space', { id: 'piped', name: 'piped' })).status).toBe(200);

    const [exported, noKey, badOptions] = await Promise.all([
      run(['export', '--space', 'source', '--id', 'src-log'], env),
      run(['export'], { PLUGBOARD_URL: url }),
      run(['import', '-', '--overwrite', '--create-new-copies'], env),
    ]);
    expect(exported.code).toBe(0);
    expect(noKey.code).toBe(2);
    expect(noKey.err).toContain('pass --api-key or set PLUGBOARD_API_KEY');
    expect(badOptions.code).toBe(2);
    expect(badOptions.err).toContain("option '--overwrite' cannot be used with option '--create-new-copies'");

    const imported = await run(['import', '-', '--space', 'piped'], env, exported.out);
    expect(imported.err).toBe('');
    expect(imported.code).toBe(0);
    expect(imported.out).toBe('Imported 1 object into space "piped".\n');
    expect((await list('piped')).map((c) => c.name)).toEqual(['Source log']);
  });
});
