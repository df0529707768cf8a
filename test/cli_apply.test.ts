import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyCommand, formatStep, planChanges, type ApplyOptions, type ServerConnector } from '../src/cli/apply.js';
import { readConnectorFile } from '../src/cli/connector_file.js';
import { startTestPlugboard, type TestPlugboard } from './helpers/plugboard.js';
import { startStatusSink, type StatusSink } from './helpers/status_sink.js';

// `plugboard apply` against an in-process server over a real socket. The server's dialect does
// not matter to a client, so one (SQLite) is enough.

const ROOT = path.resolve(import.meta.dirname, '..');

describe('plugboard apply', () => {
  let pb: TestPlugboard;
  let url: string;
  let apiKey: string;
  let dir: string;
  let sink: StatusSink;

  beforeAll(async () => {
    pb = await startTestPlugboard({
      settings: { 'xpack.actions.preconfigured': { 'pre-log': { name: 'Preconfigured log', actionTypeId: '.server-log' } } },
    });
    url = await pb.plugboard.listen();
    const key = await pb.api('POST', '/api/security/api_key', { name: 'cli' });
    expect(key.status).toBe(200);
    apiKey = key.body.encoded;
    dir = mkdtempSync(path.join(tmpdir(), 'plugboard-apply-'));
    sink = await startStatusSink();
  });
  afterAll(async () => {
    await sink?.close();
    await pb?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  let spaceCount = 0;
  /** Every test works in a space of its own. */
  async function newSpace(): Promise<string> {
    const id = `apply-${++spaceCount}`;
    expect((await pb.api('POST', '/api/spaces/space', { id, name: id })).status).toBe(200);
    return id;
  }

  function writeFile(name: string, content: string): string {
    writeFileSync(path.join(dir, name), content);
    return name;
  }

  async function apply(file: string, opts: ApplyOptions = {}, env: Record<string, string> = {}) {
    let out = '';
    let err = '';
    const code = await applyCommand(file, opts, {
      out: (t) => (out += t),
      err: (t) => (err += t),
      env: { PLUGBOARD_URL: url, PLUGBOARD_API_KEY: apiKey, ...env },
      cwd: dir,
    });
    return { code, out, err };
  }

  const list = async (space: string) =>
    ((await pb.api('GET', `/s/${space}/api/actions/connectors`)).body as Array<{ id: string; is_preconfigured: boolean }>).filter(
      (c) => !c.is_preconfigured,
    );

  // Connector ids are unique across spaces, so each test's ids start with its space.
  const hooksFile = (p: string, hookUrl: string) => `
${p}-hook:
  name: Ops hook
  actionTypeId: .webhook
  config:
    url: ${hookUrl}
    method: put
  secrets:
    user: \${HOOK_USER}
    password: file:hook-password.txt
${p}-log:
  name: Audit log
  actionTypeId: .server-log
`;

  it('prints a plan, changes nothing on --dry-run, then creates; a second run changes nothing', async () => {
    const space = await newSpace();
    writeFile('hook-password.txt', 'pw-from-file\n');
    const file = writeFile('hooks.yaml', hooksFile(space, `${sink.url}/hook`));
    const env = { HOOK_USER: 'hook-user' };

    const dry = await apply(file, { space, dryRun: true }, env);
    expect(dry.err).toBe('');
    expect(dry.code).toBe(0);
    expect(dry.out).toBe(
      [
        `+ create ${space}-hook (.webhook) "Ops hook", secrets user, password (set)`,
        `+ create ${space}-log (.server-log) "Audit log"`,
        'Plan: 2 to create, 0 to update, 0 to delete.',
        'Dry run: nothing was changed.',
        '',
      ].join('\n'),
    );
    expect(await list(space)).toEqual([]);

    const applied = await apply(file, { space }, env);
    expect(applied.err).toBe('');
    expect(applied.code).toBe(0);
    expect(applied.out).toContain(`created ${space}-hook\ncreated ${space}-log\nApplied 2 changes to space "${space}".\n`);
    expect(applied.out).not.toContain('pw-from-file');
    const hook = (await pb.api('GET', `/s/${space}/api/actions/connector/${space}-hook`)).body;
    expect(hook).toMatchObject({ name: 'Ops hook', connector_type_id: '.webhook', config: { url: `${sink.url}/hook`, method: 'put', hasAuth: true } });

    // The secrets from the environment and the file are the ones the service receives.
    const run = await pb.api('POST', `/s/${space}/api/actions/connector/${space}-hook/_execute`, { params: { body: '{"hello":1}' } });
    expect(run.body).toMatchObject({ status: 'ok' });
    const received = sink.requests.at(-1)!;
    expect(received.method).toBe('PUT');
    expect(received.headers.authorization).toBe(`Basic ${Buffer.from('hook-user:pw-from-file').toString('base64')}`);

    const again = await apply(file, { space }, env);
    expect(again).toEqual({ code: 0, out: 'No changes: 2 connectors match hooks.yaml.\n', err: '' });
  });

  it('updates what differs, showing config changes but never secret values', async () => {
    const space = await newSpace();
    writeFile('hook-password.txt', 'first-password');
    const file = writeFile('update.yaml', hooksFile(space, 'https://example.com/a'));
    const first = await apply(file, { space }, { HOOK_USER: 'first-user' });
    expect(first.err).toBe('');
    expect(first.code).toBe(0);

    writeFile('hook-password.txt', 'second-password');
    writeFile('update.yaml', hooksFile(space, 'https://example.com/b').replace('name: Audit log', 'name: Audit trail'));
    const result = await apply(file, { space }, { HOOK_USER: 'second-user' });
    expect(result.err).toBe('');
    expect(result.code).toBe(0);
    expect(result.out).toBe(
      [
        `~ update ${space}-hook: config.url "https://example.com/a" → "https://example.com/b", secrets (re-sent)`,
        `~ update ${space}-log: name "Audit log" → "Audit trail"`,
        'Plan: 0 to create, 2 to update, 0 to delete.',
        `updated ${space}-hook`,
        `updated ${space}-log`,
        `Applied 2 changes to space "${space}".`,
        '',
      ].join('\n'),
    );
    expect(result.out).not.toMatch(/second-password|second-user/);
    expect((await pb.api('GET', `/s/${space}/api/actions/connector/${space}-log`)).body.name).toBe('Audit trail');

    // Unchanged connectors keep their secrets unless asked to re-send them.
    writeFile('update.yaml', hooksFile(space, 'https://example.com/c'));
    expect((await apply(file, { space, dryRun: true }, { HOOK_USER: 'third-user' })).out).toBe(
      [
        `~ update ${space}-hook: config.url "https://example.com/b" → "https://example.com/c", secrets (re-sent)`,
        `~ update ${space}-log: name "Audit trail" → "Audit log"`,
        'Plan: 0 to create, 2 to update, 0 to delete.',
        'Dry run: nothing was changed.',
        '',
      ].join('\n'),
    );
    writeFile('update.yaml', hooksFile(space, 'https://example.com/c').replace('name: Audit log', 'name: Audit trail'));
    expect((await apply(file, { space, dryRun: true }, { HOOK_USER: 'third-user' })).out).toContain(
      '1 unchanged; their secrets are not compared and not re-sent (--update-secrets re-sends them).\n',
    );
    writeFile('update.yaml', hooksFile(space, 'https://example.com/b').replace('name: Audit log', 'name: Audit trail'));
    const forced = await apply(file, { space, updateSecrets: true, dryRun: true }, { HOOK_USER: 'third-user' });
    expect(forced.out).toBe(
      [
        `~ update ${space}-hook: secrets (re-sent: --update-secrets)`,
        '1 unchanged (no secrets in the file).',
        'Plan: 0 to create, 1 to update, 0 to delete.',
        'Dry run: nothing was changed.',
        '',
      ].join('\n'),
    );
  });

  it('ignores config keys the file leaves out (server defaults), and replaces a connector whose type changed', async () => {
    const space = await newSpace();
    const id = `${space}-bare`;
    // The server stores method too (Kibana's default); it is not in the file.
    const file = writeFile('defaults.yaml', `${id}:\n  name: Bare\n  actionTypeId: .webhook\n  config: {url: "https://example.com/x", hasAuth: false, headers: null}\n`);
    expect((await apply(file, { space })).code).toBe(0);
    expect((await pb.api('GET', `/s/${space}/api/actions/connector/${id}`)).body.config).toMatchObject({ method: 'post', hasAuth: false });
    expect(await apply(file, { space })).toEqual({ code: 0, out: 'No changes: 1 connector matches defaults.yaml.\n', err: '' });

    writeFile('defaults.yaml', `${id}:\n  name: Bare\n  actionTypeId: .server-log\n`);
    const replaced = await apply(file, { space });
    expect(replaced.out).toContain(`-/+ replace ${id} (.webhook → .server-log; a type cannot be changed in place) "Bare"\n`);
    expect(replaced.out).toContain('Plan: 1 to create, 0 to update, 1 to delete (1 of them replaced).\n');
    expect(replaced.code).toBe(0);
    expect((await pb.api('GET', `/s/${space}/api/actions/connector/${id}`)).body.connector_type_id).toBe('.server-log');
  });

  it('with --prune deletes only the connectors of the space that are not in the file, never preconfigured ones', async () => {
    const space = await newSpace();
    const create = (id: string, name: string, s = space) =>
      pb.api('POST', `/s/${s}/api/actions/connector/${id}`, { name, connector_type_id: '.server-log', config: {}, secrets: {} });
    await create(`${space}-stray-1`, 'Stray one');
    await create(`${space}-stray-2`, 'Stray two');
    const other = await newSpace();
    await create(`${other}-elsewhere`, 'Elsewhere', other);
    const file = writeFile('prune.yaml', `${space}-kept:\n  name: Kept\n  actionTypeId: .server-log\n`);

    const withoutPrune = await apply(file, { space, dryRun: true });
    expect(withoutPrune.out).toContain(`Not in prune.yaml, left as they are (--prune deletes them): ${space}-stray-1 "Stray one", ${space}-stray-2 "Stray two"\n`);
    expect(withoutPrune.out).toContain('Plan: 1 to create, 0 to update, 0 to delete.\n');

    const pruned = await apply(file, { space, prune: true });
    expect(pruned.code).toBe(0);
    expect(pruned.out).toContain(
      `- delete ${space}-stray-1 (.server-log) "Stray one"\n- delete ${space}-stray-2 (.server-log) "Stray two"\n` +
        'Plan: 1 to create, 0 to update, 2 to delete.\n',
    );
    expect((await list(space)).map((c) => c.id)).toEqual([`${space}-kept`]);
    expect((await list(other)).map((c) => c.id)).toEqual([`${other}-elsewhere`]);
    expect((await pb.api('GET', '/api/actions/connector/pre-log')).status).toBe(200);
    expect((await apply(file, { space, prune: true })).out).toBe('No changes: 1 connector matches prune.yaml.\n');
  });

  it('re-sends secrets to a connector the server says is missing them', async () => {
    const space = await newSpace();
    const file = writeFile('missing.yaml', hooksFile(space, 'https://example.com/m'));
    writeFile('hook-password.txt', 'pw');
    expect((await apply(file, { space }, { HOOK_USER: 'u' })).code).toBe(0);
    // What an import leaves behind: the same connector, flagged as missing its secrets.
    const listed: ServerConnector[] = (await pb.api('GET', `/s/${space}/api/actions/connectors`)).body;
    const flagged = listed.map((c) => (c.id === `${space}-hook` ? { ...c, is_missing_secrets: true } : c));
    const plan = planChanges(readConnectorFile(file, { cwd: dir, env: { HOOK_USER: 'u' } }), flagged, new Set(['.webhook', '.server-log']));
    expect(plan.steps.map(formatStep)).toEqual([`~ update ${space}-hook: secrets (missing on the server)`]);
  });

  it('says when an id is taken in another space', async () => {
    const space = await newSpace();
    const other = await newSpace();
    await pb.api('POST', `/s/${other}/api/actions/connector/${other}-taken`, { name: 'x', connector_type_id: '.server-log' });
    const result = await apply(writeFile('taken.yaml', `${other}-taken:\n  name: Mine\n  actionTypeId: .server-log\n`), { space });
    expect(result.code).toBe(1);
    expect(result.err).toContain('(connector ids are unique across spaces; this one is used in another space)');
  });

  it('refuses a file that names a preconfigured connector or an unknown type, changing nothing', async () => {
    const space = await newSpace();
    const file = writeFile('clash.yaml', 'pre-log:\n  name: Mine\n  actionTypeId: .server-log\nnew-one:\n  name: New\n  actionTypeId: .nope\n');
    const result = await apply(file, { space });
    expect(result.code).toBe(2);
    expect(result.err).toContain('pre-log: is a preconfigured connector of the server');
    expect(result.err).toContain('new-one.actionTypeId: the server has no connector type ".nope"');
    expect(await list(space)).toEqual([]);
  });

  it('resolves references anywhere in a secret value, in nested secrets, and after file:', () => {
    writeFile('token.txt', 'token-from-file\r\n');
    writeFile(
      'refs-ok.yaml',
      'ref-hook:\n  name: Refs\n  actionTypeId: .webhook\n  config: {url: "${NOT_IN_CONFIG}"}\n' +
        '  secrets:\n    user: "${A}-${B}"\n    password: "$${LITERAL}x"\n    headers: {X-Token: "file:${DIR}/token.txt", X-Port: 8080}\n',
    );
    const parsed = readConnectorFile('refs-ok.yaml', { cwd: dir, env: { A: 'first', B: 'second', DIR: dir } });
    expect(parsed.connectors[0]).toEqual({
      id: 'ref-hook',
      name: 'Refs',
      actionTypeId: '.webhook',
      // Config is compared with the server and printed in the plan: it is taken literally.
      config: { url: '${NOT_IN_CONFIG}' },
      secrets: { user: 'first-second', password: '${LITERAL}x', headers: { 'X-Token': 'token-from-file', 'X-Port': 8080 } },
    });
    expect(() => readConnectorFile('refs-ok.yaml', { cwd: dir, env: { A: 'first', B: '', DIR: dir } })).toThrow(
      'ref-hook.secrets.user: environment variable B is not set',
    );
  });

  it('reports unresolvable secret references before changing anything', async () => {
    const space = await newSpace();
    const file = writeFile(
      'refs.yaml',
      'first-log:\n  name: First\n  actionTypeId: .server-log\n' +
        'refs-hook:\n  name: Hook\n  actionTypeId: .webhook\n  config: {url: "https://example.com"}\n' +
        '  secrets: {user: "${UNSET_USER}", password: "file:no-such-file.txt"}\n',
    );
    const result = await apply(file, { space });
    expect(result.code).toBe(2);
    expect(result.out).toBe('');
    expect(result.err).toBe(
      'plugboard: refs.yaml is not a valid connectors file:\n' +
        '  refs-hook.secrets.user: environment variable UNSET_USER is not set\n' +
        '  refs-hook.secrets.password: cannot read no-such-file.txt: ENOENT\n',
    );
    expect(await list(space)).toEqual([]);
  });

  it('names the path of every shape error, and the line of a YAML error', async () => {
    const shape = writeFile(
      'shape.yaml',
      'my-hook:\n  name: Hook\n  config: {url: ""}\n  exposeConfig: true\nBad_Id:\n  name: X\n  actionTypeId: .server-log\nnot-a-map: 3\n',
    );
    const result = await apply(shape);
    expect(result.code).toBe(2);
    expect(result.err).toBe(
      'plugboard: shape.yaml is not a valid connectors file:\n' +
        '  my-hook.actionTypeId: Required\n' +
        "  my-hook.config.url: value '' is not valid\n" +
        '  my-hook.exposeConfig: unknown key\n' +
        '  Bad_Id: Connector ID must contain only lowercase letters, numbers, and hyphens.\n' +
        '  not-a-map: Expected object, received number\n',
    );

    const yaml = await apply(writeFile('broken.yaml', 'a:\n  name: [unclosed\n'));
    expect(yaml.code).toBe(2);
    expect(yaml.err).toMatch(/^plugboard: broken\.yaml is not valid YAML: Flow sequence.* at line \d+, column \d+/s);

    const pasted = await apply(writeFile('pasted.yaml', 'xpack.actions.preconfigured:\n  a:\n    name: A\n    actionTypeId: .server-log\n'));
    expect(pasted.err).toContain('xpack.actions.preconfigured: the file holds the connectors themselves');
    expect((await apply(writeFile('empty.yaml', ''))).err).toContain('empty.yaml is empty');
  });

  it('stops at the first failing change and says what was not applied', async () => {
    const space = await newSpace();
    const file = writeFile(
      'failing.yaml',
      `${space}-a:\n  name: A\n  actionTypeId: .server-log\n${space}-b:\n  name: B\n  actionTypeId: .webhook\n  config: {url: "not a url"}\n${space}-c:\n  name: C\n  actionTypeId: .server-log\n`,
    );
    const result = await apply(file, { space });
    expect(result.code).toBe(1);
    expect(result.out).toContain(`created ${space}-a\n`);
    expect(result.err).toMatch(new RegExp(`^failed to create ${space}-b: POST /s/${space}/api/actions/connector/${space}-b failed \\(400\\): error validating`));
    expect(result.err).toContain('Stopped at the first failure: 1 of 3 changes applied, 1 not attempted.\n');
    expect((await list(space)).map((c) => c.id)).toEqual([`${space}-a`]);
  });

  it('needs an API key, and shows the server message on an HTTP error', async () => {
    const file = writeFile('any.yaml', '{}\n');
    let missingErr = '';
    const missing = await applyCommand(file, {}, { out: () => undefined, err: (t) => (missingErr += t), env: { PLUGBOARD_URL: url }, cwd: dir });
    expect(missing).toBe(2);
    expect(missingErr).toBe(
      'plugboard: an API key is required: pass --api-key or set PLUGBOARD_API_KEY to the `encoded` value that POST /api/security/api_key returns\n',
    );
    const wrong = await apply(file, { apiKey: Buffer.from('nope:nope').toString('base64') });
    expect(wrong.code).toBe(1);
    expect(wrong.err).toBe('plugboard: GET /api/actions/connectors failed (401): Unauthorized\n');
    const noSpace = await apply(file, { space: 'no-such-space' });
    expect(noSpace.code).toBe(1);
    expect(noSpace.err).toMatch(/^plugboard: GET \/s\/no-such-space\/api\/actions\/connectors failed \(404\)/);
  });

  describe('as a command', () => {
    function runCli(args: string[], env: Record<string, string>) {
      // tsx resolves from the working directory: run in the project, with absolute file paths.
      const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
        cwd: ROOT,
        env: { PATH: process.env.PATH ?? '', ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      let err = '';
      child.stdout.on('data', (d) => (out += d));
      child.stderr.on('data', (d) => (err += d));
      return new Promise<{ code: number | null; out: string; err: string }>((resolve) => child.on('exit', (code) => resolve({ code, out, err })));
    }

    it('exits 0 on success, 2 without an API key, on a bad file or a bad option, and 1 on a failure', { timeout: 120_000 }, async () => {
      const space = await newSpace();
      const file = path.join(dir, writeFile('cmd.yaml', `${space}-cmd:\n  name: Cmd\n  actionTypeId: .server-log\n`));
      const env = { PLUGBOARD_URL: url, PLUGBOARD_API_KEY: apiKey };
      const [ok, noKey, badFile, badOption, unreachable] = await Promise.all([
        runCli(['apply', file, '--space', space], env),
        runCli(['apply', file], { PLUGBOARD_URL: url }),
        runCli(['apply', path.join(dir, writeFile('cmd-bad.yaml', 'x:\n  name: X\n')), '--space', space], env),
        runCli(['apply', file, '--frobnicate'], env),
        runCli(['apply', file, '--url', 'http://127.0.0.1:9'], env),
      ]);
      expect(ok).toMatchObject({ code: 0, err: '' });
      expect(ok.out).toContain(`created ${space}-cmd`);
      expect(noKey.code).toBe(2);
      expect(noKey.err).toContain('pass --api-key or set PLUGBOARD_API_KEY');
      expect(badFile.code).toBe(2);
      expect(badFile.err).toContain('x.actionTypeId: Required');
      expect(badOption.code).toBe(2);
      expect(badOption.err).toContain("unknown option '--frobnicate'");
      expect(unreachable.code).toBe(1);
      expect(unreachable.err).toContain('cannot reach http://127.0.0.1:9');
      expect((await runCli(['apply', file, '--space', space], env)).out).toBe(`No changes: 1 connector matches ${file}.\n`);
    });
  });
});
