import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConnectorTypeDefinition } from '../src/actions/types.js';
import { validateParams } from '../src/actions/validation.js';
import { inputJsonSchema } from '../src/common/json_schema.js';
import { CONNECTOR_TYPES } from '../src/connector_types/index.js';
import { makeConfigurationUtilities } from '../src/connector_types/lib/test_context.js';
import { CONNECTOR_TYPE_FIXTURES, SECRET_MARKER } from './fixtures/connector_types.js';
import { startTestPlugboard, type TestPlugboard } from './helpers/plugboard.js';
import { startStatusSink, type StatusSink } from './helpers/status_sink.js';
import { captureLogger } from './helpers/logs.js';
import { eventually } from './helpers/wait.js';

// Contract tests that every registered connector type must pass.

// System action types have no connector to create, run or test through the API (their
// refusals are tested with each type, e.g. test/obs_ai_assistant.test.ts).
const CREATABLE_TYPES = CONNECTOR_TYPES.filter((t) => !t.isSystemActionType);

describe('connector type fixtures', () => {
  it('exist for every registered type but the system action types', () => {
    expect(Object.keys(CONNECTOR_TYPE_FIXTURES).sort()).toEqual(CREATABLE_TYPES.map((t) => t.id).sort());
  });
});

describe('default Test payloads', () => {
  it.each(CREATABLE_TYPES.map((t) => [t.id, t] as const))("%s has testParams that its params schema accepts", (_id, def) => {
    expect(def.testParams).toBeDefined();
    expect(() => validateParams(def, def.testParams, { configurationUtilities: makeConfigurationUtilities() })).not.toThrow();
  });

  /** The sub-actions a type lists, each with a check of its subActionParams (none: it takes no params). */
  function subActionsOf(def: ConnectorTypeDefinition): Array<{ name: string; check?: (subActionParams: unknown) => void }> {
    if (def.subActionSchemas) {
      return def.subActionSchemas.map(({ name, schema }) => ({ name, check: schema ? (p: unknown) => void schema.parse(p) : undefined }));
    }
    const json = inputJsonSchema(def.schemas.params) as { oneOf?: Array<{ properties?: unknown }>; anyOf?: Array<{ properties?: unknown }> };
    const variants = json.oneOf ?? json.anyOf ?? [];
    return variants
      .map((v) => (v.properties as { subAction?: { const?: string } } | undefined)?.subAction?.const)
      .filter((name): name is string => typeof name === 'string')
      .map((name) => ({
        name,
        check: (subActionParams: unknown) => void validateParams(def, { subAction: name, subActionParams }, { configurationUtilities: makeConfigurationUtilities() }),
      }));
  }

  const withSubActions = CONNECTOR_TYPES.filter((def) => subActionsOf(def).length > 1);
  it('covers every type whose params offer several sub-actions', () => {
    expect(withSubActions.map((def) => def.id)).toEqual(expect.arrayContaining(['.jira', '.slack_api', '.opsgenie', '.tines', '.xsoar']));
  });
  it.each(withSubActions.map((t) => [t.id, t] as const))('%s starts each sub-action of the Test tab from params it accepts', (_id, def) => {
    const tested = (def.testParams as { subAction?: string } | undefined)?.subAction;
    for (const { name, check } of subActionsOf(def)) {
      const start = def.testSubActionParams?.[name];
      // A sub-action with params needs a start of its own, unless it is the one testParams runs.
      if (check && name !== tested) expect(start, `${def.id} ${name}`).toBeDefined();
      if (check && start) expect(() => check(start), `${def.id} ${name}`).not.toThrow();
    }
    // No start for a sub-action the type does not have.
    const names = subActionsOf(def).map((s) => s.name);
    expect(Object.keys(def.testSubActionParams ?? {}).filter((name) => !names.includes(name))).toEqual([]);
  });
});

describe.each(CREATABLE_TYPES.map((t) => [t.id, t] as const))('contract of %s', (typeId) => {
  const fixture = CONNECTOR_TYPE_FIXTURES[typeId];
  let sink: StatusSink;
  let pb: TestPlugboard;
  let logLines: string[] = [];
  const id = `contract-${typeId.replace(/[^a-z0-9]/g, '')}`;

  beforeAll(async () => {
    sink = await startStatusSink();
    const captured = captureLogger();
    logLines = captured.lines;
    const { logger } = captured;
    pb = await startTestPlugboard({ logger, settings: fixture.settings?.(sink.url) ?? {} });
  });
  afterAll(async () => {
    await pb.close();
    await sink.close();
  });

  const execute = () => pb.api('POST', `/api/actions/connector/${id}/_execute`, { params: fixture.connector(sink.url).params });

  it('accepts its full fixture, stores what it validated, and runs it', async () => {
    const { config, secrets } = fixture.connector(sink.url);
    const created = await pb.api('POST', `/api/actions/connector/${id}`, { name: `Contract ${typeId}`, connector_type_id: typeId, config, secrets });
    expect(created.status).toBe(200);
    expect(created.body.config).toMatchObject(config);
    if (fixture.success) sink.respondWith(fixture.success);
    const before = sink.requests.length;
    const run = await execute();
    expect(run.status).toBe(200);
    expect(run.body).toMatchObject({ status: 'ok', connector_id: id });
    expect(sink.requests.length).toBe(fixture.success ? before + (fixture.tokenRequests ?? 0) + (fixture.requestsPerRun ?? 1) : before);
  });

  it('runs through the queue too, and its execution reads as ok', async () => {
    if (fixture.success) sink.respondWith(fixture.success);
    const before = sink.requests.length;
    const queued = await pb.api('POST', `/api/actions/connector/${id}/_enqueue`, { params: fixture.connector(sink.url).params });
    expect(queued.status).toBe(202);
    const done = await eventually(async () => {
      const res = await pb.api('GET', `/api/actions/execution/${queued.body.execution_id}`);
      return ['ok', 'error', 'timeout'].includes(res.body.status) ? res.body : undefined;
    }, 20_000, `the queued ${typeId} action to finish`);
    expect(done).toMatchObject({ status: 'ok', connector_id: id, attempts: 1 });
    expect(sink.requests.length).toBe(fixture.success ? before + (fixture.requestsPerRun ?? 1) : before);
  });

  // The `retry` that `_execute` answers is Kibana's, type by type (kibana_compat_results.test.ts);
  // the queue follows this table for every type.
  it.runIf(fixture.success)('is queued by the retry table: other 4xx → failed at once, 5xx → retried with backoff, 429 → the connector paused until Retry-After', async () => {
    const enqueue = async () => {
      const queued = await pb.api('POST', `/api/actions/connector/${id}/_enqueue`, { params: fixture.connector(sink.url).params });
      expect(queued.status).toBe(202);
      return queued.body.execution_id as string;
    };
    const task = (executionId: string) => pb.plugboard.database.db.selectFrom('tasks').selectAll().where('id', '=', executionId).executeTakeFirstOrThrow();

    sink.respondWith({ status: 400, body: '{}' });
    const refused = await enqueue();
    const failed = await eventually(async () => {
      const res = await pb.api('GET', `/api/actions/execution/${refused}`);
      return res.body.status === 'error' ? res.body : undefined;
    }, 20_000, `the ${typeId} 400 to fail`);
    expect(failed.attempts).toBe(1);

    sink.respondWith({ status: 503, body: '{}' });
    const unavailable = await enqueue();
    const waiting = await eventually(async () => {
      const row = await task(unavailable);
      return row.status === 'idle' && row.attempts === 1 ? row : undefined;
    }, 20_000, `the ${typeId} 503 to be requeued`);
    expect(waiting.run_at).toBeGreaterThan(Date.now() + 20_000);

    sink.respondWith({ status: 429, headers: { 'retry-after': '120' }, body: '{}' });
    const started = Date.now();
    const limited = await enqueue();
    const pause = await eventually(
      () => pb.plugboard.database.db.selectFrom('connector_pauses').selectAll().where('connector_id', '=', id).executeTakeFirst(),
      20_000,
      `the ${typeId} connector to be paused`,
    );
    expect(pause.paused_until).toBeGreaterThanOrEqual(started + 119_000);
    expect(await task(limited)).toMatchObject({ status: 'idle', attempts: 0 });
    sink.respondWith(fixture.success!);
  });

  it('never shows a secret in responses, errors or logs', async () => {
    const { config, secrets } = fixture.connector(sink.url);
    const texts: string[] = [];
    texts.push((await pb.api('GET', `/api/actions/connector/${id}`)).text);
    texts.push((await pb.api('GET', '/api/actions/connectors')).text);
    texts.push((await pb.api('PUT', `/api/actions/connector/${id}`, { name: 'renamed', config, secrets })).text);
    for (const response of [{ status: 500, body: `{"message":"upstream failed"}` }, { status: 401, body: '{}' }, fixture.success ?? { status: 200 }]) {
      sink.respondWith(response);
      texts.push((await execute()).text);
    }
    const invalid = await pb.api('POST', '/api/actions/connector', {
      name: 'bad',
      connector_type_id: typeId,
      config,
      secrets: { ...secrets, unexpected: `${SECRET_MARKER}-extra` },
    });
    expect(invalid.status).toBe(400);
    texts.push(invalid.text);
    for (const text of texts) expect(text).not.toContain(SECRET_MARKER);
    expect(logLines.join('')).not.toContain(SECRET_MARKER);
    if (fixture.success) sink.respondWith(fixture.success);
  });

  it.runIf(fixture.allowedHostsApplies)('is held to allowedHosts on create and at execution', async () => {
    const { config, secrets } = fixture.connector(sink.url);
    const captured = captureLogger();
    const restricted = await startTestPlugboard({
      logger: captured.logger,
      settings: { 'xpack.actions.allowedHosts': ['allowed.example'], 'xpack.actions.preconfigured': { 'pre-outside': { name: 'x', actionTypeId: typeId, config, secrets } } },
    });
    let restrictedAgain: TestPlugboard | undefined;
    try {
      const refused = await restricted.api('POST', '/api/actions/connector', { name: 'x', connector_type_id: typeId, config, secrets });
      expect(refused.status).toBe(400);
      // A URL held in secrets (Slack and Teams webhooks) is refused as part of the secrets.
      expect(refused.body.message).toMatch(/^error validating connector type (config|secrets): .*is not added to the Kibana config xpack\.actions\.allowedHosts/);

      // Preconfigured, as in Kibana, it does not stop start-up (it is warned about once) and
      // is refused when it runs, with the same message.
      expect(captured.records().filter((r) => r.level === 40 && /^xpack\.actions\.preconfigured\.pre-outside: the host "(127\.0\.0\.1|localhost)" is not in/.test(r.msg))).toHaveLength(1);
      const beforePreconfigured = sink.requests.length;
      const preconfigured = await restricted.api('POST', '/api/actions/connector/pre-outside/_execute', { params: fixture.connector(sink.url).params });
      // The result never shows a secret, a webhook URL included.
      const secretValues = Object.values(secrets ?? {}).filter((v): v is string => typeof v === 'string' && v !== '');
      const shown = secretValues.reduce((message: string, secret) => message.replaceAll(secret, '[REDACTED]'), refused.body.message);
      expect(preconfigured.body).toMatchObject({ status: 'error', message: shown });
      expect(sink.requests.length).toBe(beforePreconfigured);

      // A connector saved while its host was allowed is refused once the host no longer is (one
      // server at a time on a SQLite data directory: restarted with the other setting).
      await restricted.plugboard.close();
      const open = await startTestPlugboard({ dataDir: restricted.dataDir, settings: {} });
      await open.api('POST', '/api/actions/connector/was-allowed', { name: 'x', connector_type_id: typeId, config, secrets });
      await open.plugboard.close();
      restrictedAgain = await startTestPlugboard({ dataDir: restricted.dataDir, settings: { 'xpack.actions.allowedHosts': ['allowed.example'] } });
      const before = sink.requests.length;
      const run = await restrictedAgain.api('POST', '/api/actions/connector/was-allowed/_execute', { params: fixture.connector(sink.url).params });
      expect(run.body.status).toBe('error');
      expect(run.body.message).toMatch(/is not added to the Kibana config xpack\.actions\.allowedHosts/);
      expect(sink.requests.length).toBe(before);
    } finally {
      await restrictedAgain?.plugboard.close();
      await restricted.close();
    }
  });
});
