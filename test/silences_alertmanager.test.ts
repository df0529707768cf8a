import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { availableDialects } from './helpers/databases.js';
import { ACCEPTED_BODIES, RECORDED_OTHER_ANSWERS, RECORDED_POST_ANSWERS } from './helpers/alertmanager_silences.js';
import { findServiceBinary, freePort, spawnService, type ServiceProcess } from './helpers/local_services.js';
import { startTestPlugboard, TEST_PASSWORD, type TestPlugboard } from './helpers/plugboard.js';
import { eventually } from './helpers/wait.js';

// The silences API beside Debian's Alertmanager 0.25 (/usr/bin/prometheus-alertmanager): the
// same requests to both, the same status and bytes (ids and times of the moment normalised),
// and amtool's `silence add`, `query` and `expire` against Plugboard with Basic credentials
// from --http.config.file, their output compared with the same commands against Alertmanager.
// Skipped without the binaries, unless PLUGBOARD_REQUIRE_SERVICES=1.

const run = promisify(execFile);
const alertmanagerBin = await findServiceBinary('prometheus-alertmanager', 'PLUGBOARD_ALERTMANAGER_BIN');
const amtoolBin = await findServiceBinary('amtool', 'PLUGBOARD_AMTOOL_BIN');
const dialects = await availableDialects();

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;
const ISO = /\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d{3})?( UTC|Z)/g;

/** Ids become `<id>`, and times within two hours of now (creation, update, expiry, amtool's `--duration=1h`) `<now>`; fixed times stay. */
/** amtool's warning that the server is not Alertmanager 0.25 (Plugboard's status names its own version). */
const VERSION_WARNING = /^Warning: amtool version \(\S+\) and alertmanager version \(plugboard-\S+\) are different\.\n/;

function normalise(text: string): string {
  const now = Date.now();
  return text.replace(VERSION_WARNING, '').replace(UUID, '<id>').replace(ISO, (t) => (Math.abs(Date.parse(t.replace(' UTC', 'Z').replace(' ', 'T')) - now) < 7_200_000 ? '<now>' : t));
}

interface Answer {
  status: number;
  text: string;
  contentType: string | null;
}

async function call(base: string, method: string, url: string, body?: unknown, authorization?: string): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (authorization) headers.authorization = authorization;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${base}${url}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: res.status, text: await res.text(), contentType: res.headers.get('content-type') };
}

describe.skipIf(!alertmanagerBin)('silences beside Alertmanager 0.25', () => {
  let alertmanager: ServiceProcess;
  let amUrl: string;
  let workDir: string;

  beforeAll(async () => {
    workDir = mkdtempSync(path.join(tmpdir(), 'plugboard-am-'));
    writeFileSync(path.join(workDir, 'alertmanager.yml'), 'route:\n  receiver: "null"\nreceivers:\n  - name: "null"\n');
    const port = await freePort();
    amUrl = `http://127.0.0.1:${port}`;
    alertmanager = spawnService(alertmanagerBin!, [
      `--config.file=${path.join(workDir, 'alertmanager.yml')}`,
      `--storage.path=${path.join(workDir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--cluster.listen-address=',
    ]);
    await eventually(
      async () => {
        if (alertmanager.exited()) throw new Error(`alertmanager exited: ${alertmanager.output()}`);
        return (await fetch(`${amUrl}/-/ready`).catch(() => undefined))?.ok || undefined;
      },
      20_000,
      'Alertmanager ready',
    );
  });
  afterAll(async () => {
    await alertmanager?.stop();
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  describe.each(dialects)('Plugboard on %s', (dialect) => {
    let pb: TestPlugboard;
    let pbUrl: string;
    const authorization = `Basic ${Buffer.from(`elastic:${TEST_PASSWORD}`).toString('base64')}`;
    /** The same request to both; Plugboard's answer, after checking it is Alertmanager's. */
    const both = async (method: string, url: string, body?: unknown): Promise<{ am: Answer; pb: Answer }> => {
      const am = await call(amUrl, method, url, body);
      const ours = await call(pbUrl, method, url, body, authorization);
      expect({ status: ours.status, text: normalise(ours.text) }, `${method} ${url} ${JSON.stringify(body)}`).toEqual({ status: am.status, text: normalise(am.text) });
      // Fastify adds the charset to JSON; Alertmanager names the type alone.
      expect(ours.contentType?.split(';')[0] ?? null).toBe(am.contentType);
      return { am, pb: ours };
    };

    beforeAll(async () => {
      pb = await startTestPlugboard({ dialect });
      pbUrl = await pb.plugboard.listen();
    });
    afterAll(async () => {
      await pb?.close();
    });

    it('answers every recorded request with the same status and bytes as the binary', async () => {
      for (const { body, status, answer } of RECORDED_POST_ANSWERS) {
        const { am } = await both('POST', '/api/v2/silences', body);
        // The recording still holds for the installed binary.
        expect({ status: am.status, text: am.text }).toEqual({ status, text: answer });
      }
      for (const { method, url, status, answer } of RECORDED_OTHER_ANSWERS) {
        const { am } = await both(method, url);
        expect({ status: am.status, text: am.text }).toEqual({ status, text: answer });
      }
      for (const { body } of ACCEPTED_BODIES) {
        const { am } = await both('POST', '/api/v2/silences', body);
        expect(am.status).toBe(200);
      }
    });

    it('creates, reads, updates, lists, filters and expires as the binary does', async () => {
      const name = `Cmp-${dialect}`;
      const body = (extra: Record<string, unknown> = {}) => ({
        matchers: [{ name: 'alertname', value: name, isRegex: false }, { name: 'env', value: 'dev.*', isRegex: true, isEqual: false }],
        startsAt: '2026-01-01T00:00:00Z',
        endsAt: '2099-01-01T00:00:00Z',
        createdBy: 'me',
        comment: 'first',
        ...extra,
      });
      const created = await both('POST', '/api/v2/silences', body());
      const ids = { am: JSON.parse(created.am.text).silenceID as string, pb: JSON.parse(created.pb.text).silenceID as string };
      const read = async () => {
        const am = await call(amUrl, 'GET', `/api/v2/silence/${ids.am}`);
        const ours = await call(pbUrl, 'GET', `/api/v2/silence/${ids.pb}`, undefined, authorization);
        expect(normalise(ours.text)).toBe(normalise(am.text));
        return { am: JSON.parse(am.text), pb: JSON.parse(ours.text) };
      };
      const initial = await read();
      // In place: same matchers, same start, a later end.
      const update = async (extra: Record<string, unknown>) => {
        const am = await call(amUrl, 'POST', '/api/v2/silences', body({ id: ids.am, startsAt: initial.am.startsAt, ...extra }));
        const ours = await call(pbUrl, 'POST', '/api/v2/silences', body({ id: ids.pb, startsAt: initial.pb.startsAt, ...extra }), authorization);
        expect(ours.status).toBe(am.status);
        return { am: JSON.parse(am.text).silenceID as string, pb: JSON.parse(ours.text).silenceID as string };
      };
      expect(await update({ endsAt: '2098-01-01T00:00:00Z', comment: 'second' })).toEqual(ids);
      await read();
      // Other matchers: a new silence on both, the old one expired on both.
      const replaced = await update({ matchers: [{ name: 'alertname', value: name, isRegex: false }] });
      expect(replaced.am).not.toBe(ids.am);
      expect(replaced.pb).not.toBe(ids.pb);
      expect((await read()).pb.status.state).toBe('expired');
      await both('GET', `/api/v2/silences?filter=${encodeURIComponent(`alertname="${name}"`)}`);
      await both('GET', `/api/v2/silences?filter=${encodeURIComponent(`alertname="${name}"`)}&filter=${encodeURIComponent('env!~"dev.*"')}`);
      // Expire the new one, twice.
      for (let i = 0; i < 2; i++) {
        const am = await call(amUrl, 'DELETE', `/api/v2/silence/${replaced.am}`);
        const ours = await call(pbUrl, 'DELETE', `/api/v2/silence/${replaced.pb}`, undefined, authorization);
        expect({ status: ours.status, text: ours.text }).toEqual({ status: am.status, text: am.text });
      }
      await both('GET', `/api/v2/silences?filter=${encodeURIComponent(`alertname="${name}"`)}`);
    });

    describe.skipIf(!amtoolBin)('amtool', () => {
      let configFile: string;
      const amtool = async (url: string, args: string[], config?: string) => {
        try {
          const { stdout, stderr } = await run(amtoolBin!, [`--alertmanager.url=${url}`, ...(config ? [`--http.config.file=${config}`] : []), ...args]);
          return { code: 0, stdout, stderr };
        } catch (err) {
          const e = err as { code: number; stdout: string; stderr: string };
          return { code: e.code, stdout: e.stdout, stderr: e.stderr };
        }
      };
      /** The same amtool command against both; Plugboard's output, after checking it is the binary's. */
      const same = async (args: string[], space = '') => {
        const am = await amtool(amUrl, args);
        const ours = await amtool(`${pbUrl}${space}`, args, configFile);
        expect({ code: ours.code, stdout: normalise(ours.stdout), stderr: normalise(ours.stderr) }, args.join(' ')).toEqual({
          code: am.code,
          stdout: normalise(am.stdout),
          stderr: normalise(am.stderr),
        });
        return { am, pb: ours };
      };

      beforeAll(() => {
        configFile = path.join(workDir, `http-${dialect}.yml`);
        writeFileSync(configFile, `basic_auth:\n  username: elastic\n  password: ${TEST_PASSWORD}\n`);
      });

      it('adds, queries and expires silences with Basic credentials, as against Alertmanager', async () => {
        const name = `AmTool-${dialect}`;
        const added = await same(['silence', 'add', `alertname=${name}`, 'severity=~"crit|page"', '--comment=from amtool', '--duration=1h', '--author=tester']);
        const id = added.pb.stdout.trim();
        expect(id).toMatch(UUID);
        expect((await pb.api('GET', `/api/v2/silence/${id}`)).body).toMatchObject({ createdBy: 'tester', comment: 'from amtool', status: { state: 'active' } });
        expect((await same(['silence', 'query', '-q', `alertname=${name}`])).pb.stdout.trim()).toBe(id);
        await same(['silence', 'query', `alertname=${name}`]);
        await same(['silence', 'query', '-o', 'json', `alertname=${name}`]);
        const amId = added.am.stdout.trim();
        expect((await amtool(pbUrl, ['silence', 'expire', id], configFile)).code).toBe(0);
        expect((await amtool(amUrl, ['silence', 'expire', amId])).code).toBe(0);
        expect((await same(['silence', 'query', '-q', `alertname=${name}`])).pb.stdout).toBe('');
        expect((await same(['silence', 'query', '--expired', '-q', `alertname=${name}`])).pb.stdout.trim()).toBe(id);
        // Alertmanager's refusals, as amtool shows them.
        await same(['silence', 'expire', '0d9b1f5e-1111-4a4a-9999-123456789abc']);
        await same(['silence', 'add', 'a=""', '--comment=x', '--author=t']);
        await same(['silence', 'add', 'alertname=X', '--comment=x', '--author=t', '--start=2020-01-01T00:00:00Z', '--end=2021-01-01T00:00:00Z']);
      });

      it('works under a space prefix and needs the credentials', async () => {
        await pb.api('POST', '/api/spaces/space', { id: 'team', name: 'Team' });
        const added = await amtool(`${pbUrl}/s/team`, ['silence', 'add', 'alertname=InSpace', '--comment=c', '--duration=1h', '--author=t'], configFile);
        expect(added.code, added.stderr).toBe(0);
        const id = added.stdout.trim();
        expect((await pb.api('GET', `/s/team/api/v2/silence/${id}`)).status).toBe(200);
        expect((await pb.api('GET', `/api/v2/silence/${id}`)).status).toBe(404);
        expect((await amtool(`${pbUrl}/s/team`, ['silence', 'query', '-q'], configFile)).stdout.trim()).toBe(id);
        const anonymous = await amtool(`${pbUrl}/s/team`, ['silence', 'query', '-q']);
        expect(anonymous.code).not.toBe(0);
      });
    });
  });
});
