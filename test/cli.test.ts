import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { GEMINI_KEY_FILE } from '../src/cli/demo.js';
import { eventually } from './helpers/wait.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function tempDir() {
  const d = mkdtempSync(path.join(tmpdir(), 'plugboard-cli-'));
  dirs.push(d);
  return d;
}

function runCli(args: string[], env: Record<string, string> = {}) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
    cwd: ROOT,
    env: { ...process.env, PLUGBOARD_ELASTIC_PASSWORD: 'changeme', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, exited, out: () => stdout, err: () => stderr };
}


// Each test starts real server processes (through tsx), which takes seconds on a loaded machine.
describe('plugboard serve', { timeout: 90_000 }, () => {
  it('prints its URL, answers /api/status, and drains and exits 0 on SIGTERM', async () => {
    const run = runCli(['serve', '--port', '0', '--host', '127.0.0.1', '--data-dir', tempDir()]);
    const url = await eventually(() => /Plugboard listening on (http:\/\/\S+)/.exec(run.out())?.[1], 60_000, 'the server to listen');
    const status = await fetch(`${url}/api/status`);
    expect(status.status).toBe(200);
    expect(await status.json()).toMatchObject({
      version: { number: expect.stringMatching(/^9\.\d+\.\d+$/) },
      plugboard: { version: expect.any(String) },
      status: { overall: { level: 'available' } },
    });
    const unauth = await fetch(`${url}/api/actions/connectors`);
    expect(unauth.status).toBe(401);
    const auth = await fetch(`${url}/api/actions/connectors`, { headers: { authorization: `Basic ${Buffer.from('elastic:changeme').toString('base64')}` } });
    expect(auth.status).toBe(200);
    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);
  });

  it('with --demo, runs the simulators of Slack, PagerDuty, OpenAI, Bedrock, Gemini and Elasticsearch and points those types at them', async () => {
    const dataDir = tempDir();
    const run = runCli(['serve', '--demo', '--port', '0', '--host', '127.0.0.1', '--data-dir', dataDir]);
    try {
      const url = await eventually(() => /Plugboard listening on (http:\/\/\S+)/.exec(run.out())?.[1], 60_000, 'the server to listen');
      expect(run.out()).toMatch(/Demo mode: not for production use\.\n {2}\.slack_api → simulated Slack Web API at http:\/\/127\.0\.0\.1:\d+\/api/);
      for (const typeId of ['.gen-ai', '.bedrock', '.gemini', '.inference, .index']) expect(run.out()).toContain(`\n  ${typeId} → simulated `);
      const headers = { authorization: `Basic ${Buffer.from('elastic:changeme').toString('base64')}`, 'kbn-xsrf': 'x', 'content-type': 'application/json' };
      const post = async (path: string, body: unknown) => (await fetch(`${url}${path}`, { method: 'POST', headers, body: JSON.stringify(body) })).json();
      await post('/api/actions/connector/demo-slack', { name: 'Slack', connector_type_id: '.slack_api', config: {}, secrets: { token: 'xoxb-simulated-bot-token' } });
      expect(await post('/api/actions/connector/demo-slack/_execute', { params: { subAction: 'postMessage', subActionParams: { channelIds: ['C0GENERAL01'], text: 'hello' } } })).toMatchObject({
        status: 'ok',
        data: { ok: true, channel: 'C0GENERAL01' },
      });
      await post('/api/actions/connector/demo-pd', { name: 'PD', connector_type_id: '.pagerduty', config: {}, secrets: { routingKey: 'a1b2c3d4e5f60718293a4b5c6d7e8f90' } });
      expect(await post('/api/actions/connector/demo-pd/_execute', { params: { eventAction: 'trigger', summary: 'demo' } })).toMatchObject({
        status: 'ok',
        data: { status: 'success' },
      });

      // The generative-AI types at their services' own addresses, as their forms start, reach the simulators.
      const hello = { messages: [{ role: 'user', content: 'Hello' }] };
      const runs: Array<[string, Record<string, unknown>, Record<string, unknown>, Record<string, unknown>]> = [
        ['.gen-ai', { apiProvider: 'OpenAI', apiUrl: 'https://api.openai.com/v1/chat/completions' }, { apiKey: 'sk-plugboard-demo' }, { subAction: 'invokeAI', subActionParams: hello }],
        [
          '.bedrock',
          { apiUrl: 'https://bedrock-runtime.us-east-1.amazonaws.com' },
          { accessKey: 'AKIAPLUGBOARDDEMO000', secret: 'plugboard-demo-secret-access-key' },
          { subAction: 'invokeAI', subActionParams: hello },
        ],
        [
          '.gemini',
          { apiUrl: 'https://us-central1-aiplatform.googleapis.com', gcpRegion: 'us-central1', gcpProjectID: 'plugboard-demo' },
          { credentialsJson: readFileSync(path.join(dataDir, GEMINI_KEY_FILE), 'utf8') },
          { subAction: 'invokeAI', subActionParams: hello },
        ],
        [
          '.inference',
          { provider: 'openai', taskType: 'chat_completion', inferenceId: 'demo-chat', providerConfig: { model_id: 'gpt-4o' } },
          { providerSecrets: { api_key: 'sk-demo' } },
          { subAction: 'unified_completion', subActionParams: { body: hello } },
        ],
      ];
      const answers: unknown[] = [];
      for (const [typeId, config, secrets, params] of runs) {
        const id = `demo${typeId.replace('.', '-')}`;
        const created = await post(`/api/actions/connector/${id}`, { name: typeId, connector_type_id: typeId, config, secrets });
        expect(created, JSON.stringify(created)).toMatchObject({ id });
        answers.push(await post(`/api/actions/connector/${id}/_execute`, { params }));
      }
      expect(answers).toMatchObject([
        { status: 'ok', data: { message: 'Hello there! How may I assist you today?' } },
        { status: 'ok', data: { message: 'Hello there! How may I assist you today?' } },
        { status: 'ok', data: { message: 'Hello! How can I help you with your alerts today?' } },
        { status: 'ok', data: { choices: [{ message: { content: 'You said: Hello' } }] } },
      ]);
      run.child.kill('SIGTERM');
      expect(await run.exited).toBe(0);
    } finally {
      run.child.kill('SIGKILL');
    }
  });

  it('lets a running request finish when SIGTERM arrives', async () => {
    const slow = createServer((_req, res) => setTimeout(() => res.end('done'), 1500));
    await new Promise<void>((resolve) => slow.listen(0, '127.0.0.1', resolve));
    const target = `http://127.0.0.1:${(slow.address() as AddressInfo).port}/slow`;
    const run = runCli(['serve', '--port', '0', '--host', '127.0.0.1', '--data-dir', tempDir()]);
    try {
      const url = await eventually(() => /Plugboard listening on (http:\/\/\S+)/.exec(run.out())?.[1], 60_000, 'the server to listen');
      const headers = { authorization: `Basic ${Buffer.from('elastic:changeme').toString('base64')}`, 'kbn-xsrf': 'x', 'content-type': 'application/json' };
      const created = await fetch(`${url}/api/actions/connector/slow-hook`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ name: 'slow', connector_type_id: '.webhook', config: { url: target, hasAuth: false } }),
      });
      expect(created.status).toBe(200);
      const inFlight = fetch(`${url}/api/actions/connector/slow-hook/_execute`, { method: 'POST', headers, body: JSON.stringify({ params: { body: 'x' } }) });
      await new Promise((r) => setTimeout(r, 300));
      run.child.kill('SIGTERM');
      const res = await inFlight;
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ status: 'ok', connector_id: 'slow-hook', data: 'x' });
      expect(await run.exited).toBe(0);
    } finally {
      slow.close();
    }
  });

  it('generates and prints the elastic password once when none is configured', async () => {
    const dataDir = tempDir();
    const first = runCli(['serve', '--port', '0', '--host', '127.0.0.1', '--data-dir', dataDir], { PLUGBOARD_ELASTIC_PASSWORD: '' });
    const url = await eventually(() => /Plugboard listening on (http:\/\/\S+)/.exec(first.out())?.[1], 60_000, 'the server to listen');
    const password = /Generated a password for the "elastic" superuser: (\S+)/.exec(first.out())?.[1];
    expect(password).toBeDefined();
    const ok = await fetch(`${url}/api/actions/connectors`, { headers: { authorization: `Basic ${Buffer.from(`elastic:${password}`).toString('base64')}` } });
    expect(ok.status).toBe(200);
    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);

    const second = runCli(['serve', '--port', '0', '--host', '127.0.0.1', '--data-dir', dataDir], { PLUGBOARD_ELASTIC_PASSWORD: '' });
    await eventually(() => /Plugboard listening on/.exec(second.out())?.[0], 60_000, 'the server to listen');
    expect(second.out()).not.toContain('Generated a password');
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
  });

  // Configuration errors, found by the schema or later at start-up, all exit 78 naming the key.
  const serveWithConfig = (yaml: string) => {
    const dir = tempDir();
    const file = path.join(dir, 'plugboard.yml');
    writeFileSync(file, yaml);
    return runCli(['serve', '--config', file, '--data-dir', dir, '--port', '0']);
  };

  it('stops at start-up on a bad config file, naming the key', async () => {
    const run = serveWithConfig('xpack.actions.allowedHostz: ["*"]\n');
    expect(await run.exited).toBe(78);
    expect(run.err()).toContain('xpack.actions.allowedHostz: unknown setting');
  });

  it('stops at start-up on a preconfigured connector of an unknown type', async () => {
    const run = serveWithConfig('xpack.actions.preconfigured:\n  x:\n    name: X\n    actionTypeId: .nope\n');
    expect(await run.exited).toBe(78);
    expect(run.err()).toContain('xpack.actions.preconfigured.x.actionTypeId');
  });

  it('stops at start-up on a preconfigured connector whose config is invalid, naming the key', async () => {
    const run = serveWithConfig('xpack.actions.preconfigured:\n  bad-hook:\n    name: Bad\n    actionTypeId: .webhook\n    config:\n      method: post\n');
    expect(await run.exited).toBe(78);
    expect(run.err()).toMatch(/^Invalid configuration: xpack\.actions\.preconfigured\.bad-hook\.config: .*"url": Required$/m);
  });

  it('rotates the encryption key from the command line', async () => {
    const dir = tempDir();
    const oldKey = 'old-key-old-key-old-key-old-key-old-key';
    const newKey = 'new-key-new-key-new-key-new-key-new-key';
    const file = path.join(dir, 'plugboard.yml');
    writeFileSync(file, `xpack.encryptedSavedObjects.encryptionKey: ${oldKey}\n`);
    const server = runCli(['serve', '--config', file, '--data-dir', dir, '--port', '0', '--host', '127.0.0.1']);
    const url = await eventually(() => /Plugboard listening on (http:\/\/\S+)/.exec(server.out())?.[1], 60_000, 'the server to listen');
    const headers = { authorization: `Basic ${Buffer.from('elastic:changeme').toString('base64')}`, 'kbn-xsrf': 'x', 'content-type': 'application/json' };
    const created = await fetch(`${url}/api/actions/connector/cli-hook`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ name: 'h', connector_type_id: '.webhook', config: { url: 'http://127.0.0.1:9/x' }, secrets: { user: 'u', password: 'pw-pw-pw' } }),
    });
    expect(created.status).toBe(200);
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);

    writeFileSync(file, `xpack.encryptedSavedObjects.encryptionKey: ${newKey}\nxpack.encryptedSavedObjects.keyRotation.decryptionOnlyKeys: [${oldKey}]\n`);
    const rotate = runCli(['encryption', 'rotate', '--config', file, '--data-dir', dir]);
    expect(await rotate.exited).toBe(0);
    expect(rotate.out()).toContain('Re-encrypted 1 connector(s)');
  });
});
