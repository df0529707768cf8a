import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { BASIC_AUTH, startTestPlugboard, type TestPlugboard } from './helpers/plugboard.js';
import { IMPORT_REQUEST, VALID_BODIES } from './helpers/valid_requests.js';
import { startPrometheus } from './helpers/prometheus.js';
import { sample } from './helpers/prometheus_text.js';
import { startStatusSink, type StatusSink } from './helpers/status_sink.js';

// GET /metrics: who may scrape it (the `monitor` cluster privilege, and nothing else with it),
// and what it counts besides the task manager: runs within a request and HTTP requests.

const SCRAPE_ROLE = { elasticsearch: { cluster: ['monitor'] } };
const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

/**
 * Routes a scrape credential gets an answer other than 403 from, and why that is no permission:
 * besides the metrics, only what any authenticated caller sees about itself and the service.
 */
const OPEN_TO_ANY_CALLER = new Set([
  'GET /metrics',
  // Who the caller is, and what it may do (all false for a scrape credential).
  'GET /internal/security/me',
  'POST /api/core/capabilities',
  // The registered connector types and their forms: no connector, no setting.
  'GET /api/actions/connector_types',
  'GET /internal/actions/connector_types',
  'GET /internal/actions/connector_type_forms',
  // Likewise the rule types' forms: schemas of the registered types, no rule, no setting.
  'GET /internal/alerting/rule_type_forms',
  // The rule types the caller may use: none (`[]`, as Kibana lists only authorized types).
  'GET /api/alerting/rule_types',
  // Only the spaces the caller may see: none (checked below).
  'GET /api/spaces/space',
  // Task manager health, as Kibana shows it to any authenticated user: monitoring too.
  'GET /api/task_manager/_health',
  // A caller's own API keys: a scrape key reaches only itself (tested on its own below).
  'GET /api/security/api_key',
  'DELETE /api/security/api_key',
]);

describe('GET /metrics', () => {
  let pb: TestPlugboard;
  let sink: StatusSink;
  let scrapeKey: { id: string; encoded: string };
  let executionId: string;

  /** Everything a scrape credential must not change. */
  const snapshot = async () => {
    const { db } = pb.plugboard.database;
    const all = (table: 'connectors' | 'spaces' | 'users' | 'roles' | 'tasks') => db.selectFrom(table).selectAll().execute();
    return { connectors: await all('connectors'), spaces: await all('spaces'), users: await all('users'), roles: await all('roles'), tasks: await all('tasks') };
  };

  /** Calls every authenticated route with `authorization`; lists those not refused with 403. */
  async function notRefused(authorization: string, allowed: Set<string>): Promise<string[]> {
    const doc = (await pb.api('GET', '/api/openapi.json')).body as { paths: Record<string, Record<string, { security?: unknown[] }>> };
    const values: Record<string, string> = { username: 'elastic', name: 'custom', execution_id: executionId };
    const answered: string[] = [];
    for (const [path, operations] of Object.entries(doc.paths)) {
      for (const [method, operation] of Object.entries(operations)) {
        const route = `${method.toUpperCase()} ${path}`;
        if (operation.security?.length === 0 || allowed.has(route)) continue;
        const url = path.replace(/\{(\w+)\}/g, (_, param: string) => values[param] ?? (path.startsWith('/api/spaces') ? 'other' : 'log'));
        const body = VALID_BODIES[route] ?? (method === 'get' || method === 'delete' ? undefined : {});
        const multipart = route === 'POST /api/saved_objects/_import' ? IMPORT_REQUEST : undefined;
        const res = await pb.api(method.toUpperCase(), url, body, { raw: multipart?.raw, headers: { ...multipart?.headers, authorization } });
        if (res.status !== 403) answered.push(`${route} → ${res.status} ${res.body?.message ?? ''}`);
      }
    }
    return answered;
  }

  beforeAll(async () => {
    sink = await startStatusSink();
    pb = await startTestPlugboard();
    await pb.api('POST', '/api/actions/connector/log', { name: 'log', connector_type_id: '.server-log' });
    await pb.api('POST', '/api/spaces/space', { id: 'other', name: 'Other' });
    await pb.api('PUT', '/api/security/role/custom', { kibana: [{ base: ['read'], spaces: ['default'] }] });
    executionId = (await pb.api('POST', '/api/actions/connector/log/_enqueue', { params: { message: 'queued' } })).body.execution_id;
    const created = await pb.api('POST', '/api/security/api_key', { name: 'prometheus', role_descriptors: { scrape: SCRAPE_ROLE } });
    expect(created.status).toBe(200);
    scrapeKey = created.body;
    await pb.api('PUT', '/api/security/role/metrics_reader', SCRAPE_ROLE);
    await pb.api('PUT', '/api/security/user/prometheus', { password: 'scrape-password', roles: ['metrics_reader'] });
  });
  afterAll(async () => {
    await pb?.close();
    await sink?.close();
  });

  it('an API key with only the monitor cluster privilege reads the metrics and nothing else', async () => {
    const authorization = `ApiKey ${scrapeKey.encoded}`;
    const metrics = await pb.api('GET', '/metrics', undefined, { headers: { authorization } });
    expect(metrics.status).toBe(200);
    expect(String(metrics.headers['content-type'])).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(metrics.text).toContain('# TYPE plugboard_http_request_duration_seconds histogram');

    const before = await snapshot();
    expect(await notRefused(authorization, OPEN_TO_ANY_CALLER)).toEqual([]);
    expect(await snapshot()).toEqual(before);
    expect((await pb.api('GET', '/api/spaces/space', undefined, { headers: { authorization } })).body).toEqual([]);
    // The keys of its owner (elastic) stay out of its reach.
    const keys = await pb.api('GET', '/api/security/api_key', undefined, { headers: { authorization } });
    expect(keys.body.api_keys.map((k: { id: string }) => k.id)).toEqual([scrapeKey.id]);
  });

  it('a user whose only role grants monitor reads the metrics and nothing else but its own credentials', async () => {
    const authorization = basic('prometheus', 'scrape-password');
    expect((await pb.api('GET', '/metrics', undefined, { headers: { authorization } })).status).toBe(200);
    const before = await snapshot();
    // Like every user it may make API keys for itself, which can do no more than it can.
    expect(await notRefused(authorization, new Set([...OPEN_TO_ANY_CALLER, 'POST /api/security/api_key', 'POST /internal/security/api_key']))).toEqual([]);
    expect(await snapshot()).toEqual(before);
  });

  it('refuses credentials without the monitor privilege with 403, and no credentials with 401', async () => {
    await pb.api('PUT', '/api/security/user/reader', { password: 'reader-password', roles: ['viewer'] });
    const viewer = await pb.api('GET', '/metrics', undefined, { headers: { authorization: basic('reader', 'reader-password') } });
    expect(viewer.status).toBe(403);
    expect(viewer.body).toEqual({ statusCode: 403, error: 'Forbidden', message: 'Unauthorized to read metrics: the [monitor] cluster privilege is needed' });

    // A key of the superuser narrowed to connectors only loses the metrics too.
    const narrowed = await pb.api('POST', '/api/security/api_key', { name: 'connectors-only', role_descriptors: { c: { kibana: [{ base: ['all'], spaces: ['*'] }] } } });
    expect((await pb.api('GET', '/metrics', undefined, { headers: { authorization: `ApiKey ${narrowed.body.encoded}` } })).status).toBe(403);
    expect((await pb.api('GET', '/metrics', undefined, { headers: { authorization: BASIC_AUTH } })).status).toBe(200);

    const anonymous = await pb.api('GET', '/metrics', undefined, { headers: { authorization: '' } });
    expect(anonymous.status).toBe(401);
    expect(anonymous.body).toEqual({ statusCode: 401, error: 'Unauthorized', message: 'Unauthorized' });
  });

  it('a scrape key can invalidate only itself, not the other keys of its owner', async () => {
    const other = await pb.api('POST', '/api/security/api_key', { name: 'other-key' });
    const authorization = `ApiKey ${scrapeKey.encoded}`;
    const byId = await pb.api('DELETE', '/api/security/api_key', { ids: [other.body.id] }, { headers: { authorization } });
    expect(byId.body).toEqual({ invalidated_api_keys: [], previously_invalidated_api_keys: [], error_count: 0 });
    const all = await pb.api('DELETE', '/api/security/api_key', { owner: true }, { headers: { authorization } });
    expect(all.body.invalidated_api_keys).toEqual([scrapeKey.id]);
    expect((await pb.api('GET', '/api/actions/connectors', undefined, { headers: { authorization: `ApiKey ${other.body.encoded}` } })).status).toBe(200);
    expect((await pb.api('GET', '/metrics', undefined, { headers: { authorization } })).status).toBe(401);
  });

  it('counts _execute and _test runs by source next to queued ones', async () => {
    await pb.api('POST', '/api/actions/connector/hook', { name: 'hook', connector_type_id: '.webhook', config: { url: sink.url, hasAuth: false } });
    const ok = await pb.api('POST', '/api/actions/connector/hook/_execute', { params: { body: 'x' } });
    expect(ok.body.status).toBe('ok');
    sink.respondWith({ status: 500 });
    const failed = await pb.api('POST', '/api/actions/connector/hook/_execute', { params: { body: 'x' } });
    expect(failed.body.status).toBe('error');
    sink.respondWith({ status: 200, body: '{}' });
    const tested = await pb.api('POST', '/api/actions/connector/_test', { connector_type_id: '.webhook', config: { url: sink.url, hasAuth: false }, params: { body: 'x' } });
    expect(tested.body.status).toBe('ok');
    await expect.poll(async () => (await pb.api('GET', `/api/actions/execution/${executionId}`)).body.status, { timeout: 20_000 }).toBe('ok');

    const text = (await pb.api('GET', '/metrics')).text;
    const executions = (type: string, outcome: string, source: string) => sample(text, 'plugboard_action_executions_total', { connector_type: type, outcome, source });
    expect(executions('.webhook', 'success', 'http_request')).toBe(1);
    expect(executions('.webhook', 'failure', 'http_request')).toBe(1);
    expect(executions('.webhook', 'success', 'test')).toBe(1);
    expect(executions('.server-log', 'success', 'queue')).toBe(1);
    const durations = (type: string, source: string) => sample(text, 'plugboard_action_execution_duration_seconds_count', { connector_type: type, source });
    expect(durations('.webhook', 'http_request')).toBe(2);
    expect(durations('.webhook', 'test')).toBe(1);
    expect(durations('.server-log', 'queue')).toBe(1);
  });

  it('counts requests by route pattern, method and status, never by URL', async () => {
    const count = async (labels: Record<string, string>) => sample((await pb.api('GET', '/metrics')).text, 'plugboard_http_request_duration_seconds_count', labels) ?? 0;
    const route = '/api/actions/connector/{id}';
    const before = await count({ route, method: 'GET', status_code: '200' });
    const missingBefore = await count({ route, method: 'GET', status_code: '404' });
    const unmatchedBefore = await count({ route: 'unmatched', method: 'GET', status_code: '404' });

    expect((await pb.api('GET', '/api/actions/connector/log')).status).toBe(200);
    await pb.api('POST', '/s/other/api/actions/connector/in-other', { name: 'o', connector_type_id: '.server-log' });
    expect((await pb.api('GET', '/s/other/api/actions/connector/in-other')).status).toBe(200);
    expect((await pb.api('GET', '/api/actions/connector/no-such-connector-42')).status).toBe(404);
    expect((await pb.api('GET', '/api/no/such/route/7f3a')).status).toBe(404);
    // A pattern with an optional id counts each documented variant under its own path.
    const created = async (path: string) => count({ route: path, method: 'POST', status_code: '200' });
    const [withId, withoutId] = [await created(route), await created('/api/actions/connector')];
    expect((await pb.api('POST', '/api/actions/connector/counted', { name: 'c', connector_type_id: '.server-log' })).status).toBe(200);
    expect((await pb.api('POST', '/api/actions/connector', { name: 'c', connector_type_id: '.server-log' })).status).toBe(200);
    expect([await created(route), await created('/api/actions/connector')]).toEqual([withId + 1, withoutId + 1]);

    expect(await count({ route, method: 'GET', status_code: '200' })).toBe(before + 2);
    expect(await count({ route, method: 'GET', status_code: '404' })).toBe(missingBefore + 1);
    expect(await count({ route: 'unmatched', method: 'GET', status_code: '404' })).toBe(unmatchedBefore + 1);
    const text = (await pb.api('GET', '/metrics')).text;
    expect(sample(text, 'plugboard_http_request_duration_seconds_bucket', { route, method: 'GET', status_code: '200', le: '+Inf' })).toBe(before + 2);
    // Neither ids, spaces nor unknown paths become label values.
    for (const raw of ['no-such-connector-42', 'in-other', '/s/other', '7f3a', ':id', '}?']) expect(text).not.toContain(raw);
  });
});

describe('Prometheus with the configuration of docs/metrics.md', () => {
  it('scrapes Plugboard with the documented API key and with the documented user: both targets are up', { timeout: 120_000 }, async (ctx) => {
    const page = readFileSync(path.join(import.meta.dirname, '..', 'docs', 'metrics.md'), 'utf8');
    const [fullConfig, basicAuthJob] = [...page.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => YAML.parse(m[1]));
    const pb = await startTestPlugboard();
    let prometheus: Awaited<ReturnType<typeof startPrometheus>>;
    try {
      const target = new URL(await pb.plugboard.listen()).host;
      const key = await pb.api('POST', '/api/security/api_key', { name: 'prometheus', role_descriptors: { scrape: SCRAPE_ROLE } });
      await pb.api('PUT', '/api/security/role/metrics_reader', SCRAPE_ROLE);
      await pb.api('PUT', '/api/security/user/prometheus', { password: 'scrape-password', roles: ['metrics_reader'] });

      // Only where Plugboard runs, where the secrets are and how often to scrape are the test's own.
      const config = fullConfig;
      config.global.scrape_interval = '1s';
      config.scrape_configs[0].static_configs[0].targets = [target];
      config.scrape_configs[0].authorization.credentials_file = 'plugboard.key';
      const basicJob = basicAuthJob[0];
      basicJob.job_name = 'plugboard-basic';
      basicJob.static_configs[0].targets = [target];
      basicJob.basic_auth.password_file = 'plugboard.password';
      config.scrape_configs.push(basicJob);
      prometheus = await startPrometheus(YAML.stringify(config), { 'plugboard.key': `${key.body.encoded}\n`, 'plugboard.password': 'scrape-password\n' });
      if (!prometheus) return ctx.skip();

      const health = async () => (await prometheus!.targets()).map((t) => `${t.scrapePool}: ${t.health} ${t.lastError}`.trim()).sort();
      await expect.poll(health, { timeout: 60_000, interval: 250 }).toEqual(['plugboard-basic: up', 'plugboard: up']);
      const capacity = await prometheus.query('plugboard_task_capacity');
      expect(capacity.map((r) => [r.metric.job, r.value[1]]).sort()).toEqual([
        ['plugboard', '200'],
        ['plugboard-basic', '200'],
      ]);
    } finally {
      await prometheus?.stop();
      await pb.close();
    }
  });
});
