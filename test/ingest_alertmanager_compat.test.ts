import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAlertmanager, type Alertmanager } from './helpers/alertmanager.js';
import { POST_CASES } from './helpers/alertmanager_cases.js';
import { availableDialects } from './helpers/databases.js';
import { BASIC_AUTH, startTestPlugboard, type TestPlugboard } from './helpers/plugboard.js';

// Plugboard's `POST /api/v2/alerts` answers, byte for byte, against Alertmanager 0.25's: the
// recorded answers of Debian's prometheus-alertmanager (test/fixtures/alertmanager/post_alerts.json)
// and, where the binary is installed, the live ones of an Alertmanager the test starts (which
// also checks the recording).

const RECORDED = JSON.parse(readFileSync(new URL('./fixtures/alertmanager/post_alerts.json', import.meta.url), 'utf8')) as Record<string, { status: number; body: string }>;
const dialects = await availableDialects();

async function post(url: string, body: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${url}/api/v2/alerts`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
  return { status: res.status, body: await res.text(), contentType: res.headers.get('content-type') };
}

describe('Alertmanager 0.25, live (skips without prometheus-alertmanager unless PLUGBOARD_REQUIRE_SERVICES=1)', () => {
  let am: Alertmanager | undefined;
  beforeAll(async () => {
    am = await startAlertmanager();
  }, 40_000);
  afterAll(async () => am?.stop());

  it('answers every case as recorded', async (ctx) => {
    if (!am) return ctx.skip();
    for (const c of POST_CASES) {
      const { status, body } = await post(am.url, c.body);
      expect({ case: c.name, status, body }).toEqual({ case: c.name, ...RECORDED[c.name] });
    }
  });

  it('answers a bad filter matcher and lists alerts in the shape Plugboard copies', async (ctx) => {
    if (!am) return ctx.skip();
    const bad = await fetch(`${am.url}/api/v2/alerts?filter=${encodeURIComponent('bad matcher')}`);
    expect([bad.status, await bad.text()]).toEqual([400, '"bad matcher format: bad matcher"\n']);
    await post(am.url, '[{"labels":{"alertname":"shape","x":"y"},"annotations":{"s":"t"},"generatorURL":"http://g/x"}]');
    const listed = (await (await fetch(`${am.url}/api/v2/alerts?filter=${encodeURIComponent('alertname="shape"')}`)).json()) as Array<Record<string, unknown>>;
    expect(Object.keys(listed[0])).toEqual(['annotations', 'endsAt', 'fingerprint', 'receivers', 'startsAt', 'status', 'updatedAt', 'generatorURL', 'labels']);
    expect(Object.keys(listed[0].status as object)).toEqual(['inhibitedBy', 'silencedBy', 'state']);
    const status = (await (await fetch(`${am.url}/api/v2/status`)).json()) as Record<string, any>;
    expect(Object.keys(status).sort()).toEqual(['cluster', 'config', 'uptime', 'versionInfo']);
    expect(status.cluster).toEqual({ peers: [], status: 'disabled' });
  });
});

describe.each(dialects)('Plugboard against the recorded answers on %s', (dialect) => {
  let pb: TestPlugboard;
  let url: string;
  beforeAll(async () => {
    pb = await startTestPlugboard({ dialect });
    url = await pb.plugboard.listen();
  });
  afterAll(async () => pb?.close());

  it.each(POST_CASES.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const res = await post(url, c.body, { authorization: BASIC_AUTH });
    expect({ status: res.status, body: res.body }).toEqual(RECORDED[c.name]);
    if (res.status !== 200) expect(res.contentType).toMatch(/^application\/json\b/);
  });

  it('answers a bad filter matcher as Alertmanager', async () => {
    const res = await fetch(`${url}/api/v2/alerts?filter=${encodeURIComponent('bad matcher')}`, { headers: { authorization: BASIC_AUTH } });
    expect([res.status, await res.text()]).toEqual([400, '"bad matcher format: bad matcher"\n']);
  });

  it('lists alerts in the shape of Alertmanager, with mutedBy of newer versions', async () => {
    await post(url, '[{"labels":{"alertname":"shape","x":"y"},"annotations":{"s":"t"},"generatorURL":"http://g/x"}]', { authorization: BASIC_AUTH });
    const res = await fetch(`${url}/api/v2/alerts?filter=${encodeURIComponent('alertname="shape"')}`, { headers: { authorization: BASIC_AUTH } });
    const listed = (await res.json()) as Array<Record<string, unknown>>;
    expect(Object.keys(listed[0])).toEqual(['annotations', 'endsAt', 'fingerprint', 'receivers', 'startsAt', 'status', 'updatedAt', 'generatorURL', 'labels']);
    expect(listed[0].status).toEqual({ inhibitedBy: [], mutedBy: [], silencedBy: [], state: 'active' });
  });
});
