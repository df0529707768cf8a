import { createServer } from 'node:http';
import { pino } from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { SubActionParams } from '../../actions/sub_actions.js';
import type { ActionResult, ConnectorServices } from '../../actions/types.js';
import { validateConfig, validateParams, validateSecrets } from '../../actions/validation.js';
import { installZod3Messages } from '../../common/zod_messages.js';
import { closeServer, listenOnLoopback } from '../lib/simulator_server.js';
import { makeConfigurationUtilities, makeContext, makeServices, thrownMessage } from '../lib/test_context.js';
import { tinesConnectorType } from './index.js';
import { secretsSchema, type TinesConfig, type TinesSecrets } from './schema.js';
import { defaultAgents, defaultStories, startTinesSimulator, WEBHOOK_AGENT, type TinesSimulator } from './simulator.js';

installZod3Messages();

const def = tinesConnectorType;
const ctx = { configurationUtilities: makeConfigurationUtilities() };
const EMAIL = 'soc@example.com';
const TOKEN = 'tines-token-abc';

describe('.tines definition and validation', () => {
  it('has Kibana identity', () => {
    expect(def).toMatchObject({ id: '.tines', name: 'Tines', minimumLicenseRequired: 'gold', supportedFeatureIds: ['siem'] });
    for (const field of Object.values(secretsSchema.shape)) expect(field.meta()).toMatchObject({ secret: true });
  });

  it('validates config and secrets: required, strict, url held to allowedHosts', () => {
    expect(validateConfig(def, { url: 'https://example.tines.com' }, ctx)).toEqual({ url: 'https://example.tines.com' });
    expect(thrownMessage(() => validateConfig(def, {}, ctx))).toBe('error validating connector type config: Field "url": Required');
    const restricted = { configurationUtilities: makeConfigurationUtilities({ allowedHosts: ['example.tines.com'] }) };
    expect(thrownMessage(() => validateConfig(def, { url: 'https://other.tines.com' }, restricted))).toBe(
      'error validating connector type config: error validating url: target url "https://other.tines.com" is not added to the Kibana config xpack.actions.allowedHosts',
    );
    expect(validateSecrets(def, { email: EMAIL, token: TOKEN }, ctx)).toEqual({ email: EMAIL, token: TOKEN });
    expect(thrownMessage(() => validateSecrets(def, { email: EMAIL }, ctx))).toBe('error validating connector type secrets: Field "token": Required');
    expect(thrownMessage(() => validateSecrets(def, { email: EMAIL, token: TOKEN, apiKey: 'x' }, ctx))).toBe(
      "error validating connector type secrets: Unrecognized key(s) in object: 'apiKey'",
    );
  });
});

describe('.tines execution against the simulator', () => {
  let sim: TinesSimulator;
  let services: ConnectorServices;

  beforeAll(async () => {
    sim = await startTinesSimulator({ email: EMAIL, token: TOKEN });
    services = makeServices();
  });
  afterAll(async () => {
    await services.http.close();
    await sim.close();
  });
  beforeEach(() => {
    sim.requests.length = 0;
    sim.events.length = 0;
    sim.stories = defaultStories();
    sim.agents = defaultAgents();
  });

  async function run(params: unknown, overrides: { url?: string; token?: string; services?: ConnectorServices } = {}): Promise<ActionResult> {
    const config = validateConfig(def, { url: overrides.url ?? sim.url }, ctx) as TinesConfig;
    const secrets = validateSecrets(def, { email: EMAIL, token: overrides.token ?? TOKEN }, ctx) as TinesSecrets;
    const context = makeContext({ config, secrets, params: validateParams(def, params, ctx) as SubActionParams }, { connectorId: 'tines-1', services: overrides.services ?? services });
    return def.executor(context);
  }
  const last = () => sim.requests[sim.requests.length - 1];
  const hook = { id: 11, name: 'Receive alert', storyId: 1, path: 'alert-path', secret: 'alert-secret' };

  it('lists stories: one page of 500, API credentials in headers', async () => {
    expect(await run({ subAction: 'stories' })).toEqual({
      status: 'ok',
      actionId: 'tines-1',
      data: {
        stories: [
          { id: 1, name: 'Triage alerts', published: true },
          { id: 2, name: 'Enrich indicators', published: false },
        ],
        incompleteResponse: false,
      },
    });
    expect(last()).toMatchObject({ method: 'GET', path: '/api/v1/stories', query: { per_page: '500' } });
    expect(last().headers).toMatchObject({ 'x-user-email': EMAIL, 'x-user-token': TOKEN, 'content-type': 'application/json' });
  });

  it('says when there are more stories than one page', async () => {
    sim.stories = Array.from({ length: 501 }, (_, i) => ({ id: i + 1, name: `story ${i + 1}`, published: true }));
    const result = await run({ subAction: 'stories', subActionParams: {} });
    const data = result.data as { stories: unknown[]; incompleteResponse: boolean };
    expect(data.stories).toHaveLength(500);
    expect(data.incompleteResponse).toBe(true);
    expect(sim.requests).toHaveLength(1);
  });

  it("lists a story's webhooks, keeping only webhook actions", async () => {
    const result = await run({ subAction: 'webhooks', subActionParams: { storyId: '1' } });
    expect(result).toEqual({ status: 'ok', actionId: 'tines-1', data: { webhooks: [hook], incompleteResponse: false } });
    expect(last()).toMatchObject({ method: 'GET', path: '/api/v1/agents', query: { story_id: '1', per_page: '500' } });
    expect(last().headers['x-user-token']).toBe(TOKEN);
    // A webhook without a secret lists an empty one.
    const second = await run({ subAction: 'webhooks', subActionParams: { storyId: 2 } });
    expect((second.data as { webhooks: unknown[] }).webhooks).toEqual([{ id: 21, name: 'Receive indicator', path: 'indicator-path', secret: '', storyId: 2 }]);

    sim.agents = Array.from({ length: 600 }, (_, i) => ({ id: i, name: `a${i}`, type: i % 2 ? WEBHOOK_AGENT : 'Agents::EventTransformationAgent', story_id: 3, options: { path: `p${i}` } }));
    const many = await run({ subAction: 'webhooks', subActionParams: { storyId: 3 } });
    expect(many.data).toMatchObject({ incompleteResponse: true });
    expect((many.data as { webhooks: unknown[] }).webhooks).toHaveLength(250);
  });

  it('refuses an API answer without meta.pages', async () => {
    sim.failNext(200, '{"stories":[]}');
    const result = await run({ subAction: 'stories' });
    expect(result).toMatchObject({ status: 'error', serviceMessage: 'Response validation failed (Field "meta": Required)', retry: true });
  });

  it('runs a webhook: the body as it is, no API credentials, the default "Ok" answer a success', async () => {
    const body = '{"alert":"a \\"quoted\\" value","n":1}';
    const result = await run({ subAction: 'run', subActionParams: { webhook: { ...hook, extra: 'dropped' }, body } });
    expect(result).toEqual({ status: 'ok', actionId: 'tines-1', data: {} });
    expect(last()).toMatchObject({ method: 'POST', path: '/webhook/alert-path/alert-secret', body });
    expect(last().headers['content-type']).toBe('application/json');
    expect(last().headers['x-user-email']).toBeUndefined();
    expect(last().headers['x-user-token']).toBeUndefined();
    expect(sim.events).toEqual([{ agentId: 11, body }]);
  });

  it("returns the webhook's JSON answer as data, for run and test", async () => {
    sim.agents[0].options = { ...sim.agents[0].options, response: { status: 'ok', received: true }, response_code: 200 };
    for (const subAction of ['run', 'test']) {
      expect(await run({ subAction, subActionParams: { webhook: hook, body: '{}' } })).toMatchObject({ status: 'ok', data: { status: 'ok', received: true } });
    }
    expect(sim.events).toHaveLength(2);
  });

  it('runs a webhook without a secret, and prefers webhookUrl', async () => {
    expect(await run({ subAction: 'test', subActionParams: { webhook: { id: 21, name: 'Receive indicator', storyId: 2, path: 'indicator-path', secret: '' }, body: '{}' } })).toMatchObject({ status: 'ok' });
    expect(last().path).toBe('/webhook/indicator-path');
    await run({ subAction: 'run', subActionParams: { webhook: { ...hook, path: 'elsewhere' }, webhookUrl: `${sim.url}/webhook/alert-path/alert-secret`, body: '{"via":"url"}' } });
    expect(sim.events.at(-1)).toEqual({ agentId: 11, body: '{"via":"url"}' });
  });

  it('needs a webhook with a path or a webhook URL (a throw, which the action executor reports with retry)', async () => {
    await expect(run({ subAction: 'run', subActionParams: { body: '{}' } })).rejects.toThrow(
      /^Invalid subActionsParams: \[webhook\] or \[webhookUrl\] expected but got none$/,
    );
    await expect(run({ subAction: 'run', subActionParams: { webhook: { id: 11, name: 'Receive alert', storyId: 1 }, body: '{}' } })).rejects.toThrow(
      /^Invalid subActionsParams: \[webhook\.path\] expected but got none$/,
    );
    expect(sim.requests).toHaveLength(0);
  });

  it('words errors as "API Error: <status text>" and follows the retry table', async () => {
    const denied = await run({ subAction: 'stories' }, { token: 'wrong-token-xyz' });
    expect(denied).toEqual({
      status: 'error',
      actionId: 'tines-1',
      message: 'an error occurred while running the action',
      serviceMessage: 'Status code: 401. Message: API Error: Unauthorized',
      retry: false,
      errorSource: 'user',
    });
    expect(JSON.stringify(denied)).not.toContain('wrong-token-xyz');

    expect(await run({ subAction: 'run', subActionParams: { webhook: { ...hook, secret: 'nope' }, body: '{}' } })).toMatchObject({
      serviceMessage: 'Status code: 401. Message: API Error: Unauthorized',
      retry: false,
    });
    expect(sim.events).toHaveLength(0);

    sim.failNext(429, '{}', { 'Retry-After': '60' });
    const started = Date.now();
    const limited = await run({ subAction: 'stories' });
    expect(limited.serviceMessage).toBe('Status code: 429. Message: API Error: Too Many Requests');
    expect((limited.retry as Date).getTime()).toBeGreaterThanOrEqual(started + 59_000);

    sim.failNext(502, 'bad gateway');
    expect(await run({ subAction: 'run', subActionParams: { webhook: hook, body: '{}' } })).toMatchObject({
      serviceMessage: 'Status code: 502. Message: API Error: Bad Gateway',
      retry: true,
    });
  });

  it('uses the HTTP wording for a status without a text', async () => {
    const server = createServer((_req, res) => res.writeHead(499).end());
    const url = await listenOnLoopback(server);
    try {
      expect(await run({ subAction: 'stories' }, { url })).toMatchObject({ serviceMessage: 'Status code: 499. Message: Request failed with status code 499', retry: false });
    } finally {
      await closeServer(server);
    }
  });

  it('is held to allowedHosts when sending, webhook URLs included', async () => {
    const restricted = makeServices({ allowedHosts: ['example.tines.com'] });
    try {
      for (const params of [{ subAction: 'stories' }, { subAction: 'run', subActionParams: { webhookUrl: `${sim.url}/webhook/alert-path/alert-secret`, body: '{}' } }]) {
        const result = await run(params, { services: restricted });
        expect(result.status).toBe('error');
        expect(result.serviceMessage).toMatch(/is not added to the Kibana config xpack\.actions\.allowedHosts/);
      }
      expect(sim.requests).toHaveLength(0);
    } finally {
      await restricted.http.close();
    }
  });

  it("checks each sub-action's params before calling Tines", async () => {
    const cases: Array<[unknown, string]> = [
      [{ subAction: 'webhooks', subActionParams: { storyId: 'abc' } }, 'Request validation failed (Field "storyId": Expected number, received nan)'],
      [{ subAction: 'webhooks', subActionParams: { storyId: 1, page: 2 } }, "Request validation failed (Unrecognized key(s) in object: 'page')"],
      [{ subAction: 'run', subActionParams: { webhook: hook } }, 'Request validation failed (Field "body": Required)'],
      [{ subAction: 'test', subActionParams: { webhook: { ...hook, name: 3 }, body: '{}' } }, 'Request validation failed (Field "webhook.name": Expected string, received number)'],
    ];
    for (const [params, message] of cases) {
      expect(await run(params), message).toMatchObject({ status: 'error', serviceMessage: message, retry: false, errorSource: 'user' });
    }
    expect((await run({ subAction: 'delete' })).serviceMessage).toBe(
      'Sub action "delete" is not registered. Connector id: tines-1. Connector name: A test connector. Connector type: .tines',
    );
    expect(sim.requests).toHaveLength(0);
  });

  it('runs its Test params', async () => {
    expect(validateParams(def, def.testParams, ctx)).toEqual(def.testParams);
    expect(await run(def.testParams)).toMatchObject({ status: 'ok' });
  });
});

describe('.tines renderParameterTemplates', () => {
  const logger = pino({ level: 'silent' });
  const render = (params: SubActionParams, variables: Record<string, unknown>) => def.renderParameterTemplates!(logger, params, variables);
  const hostile = 'a "quoted" \\ back\nslash {{rule.id}} *bold* <b>';

  it('replaces the run body with the JSON of all variables, without each alert\'s kibana field', () => {
    const variables = {
      rule: { id: 'r1', name: hostile },
      context: { alerts: [{ _id: 'a1', kibana: { alert: { uuid: 'u1' } }, host: { name: hostile } }, 'odd'], other: 1 },
      date: '2024-01-01T00:00:00.000Z',
    };
    const rendered = render({ subAction: 'run', subActionParams: { webhook: { id: 1, name: 'w', storyId: 1 }, body: 'what the user typed {{rule.id}}' } }, variables);
    expect(rendered.subActionParams!.webhook).toEqual({ id: 1, name: 'w', storyId: 1 });
    expect(JSON.parse(rendered.subActionParams!.body as string)).toEqual({
      rule: { id: 'r1', name: hostile },
      context: { alerts: [{ _id: 'a1', host: { name: hostile } }, 'odd'], other: 1 },
      date: '2024-01-01T00:00:00.000Z',
    });
    // The caller's variables are not changed.
    expect(variables.context.alerts[0]).toHaveProperty('kibana');
    expect(JSON.parse(render({ subAction: 'run', subActionParams: { body: '' } }, { rule: { id: 'r1' } }).subActionParams!.body as string)).toEqual({ rule: { id: 'r1' } });
  });

  it('sends an error object when the variables cannot be JSON', () => {
    const rendered = render({ subAction: 'run', subActionParams: { body: '' } }, { count: 10n });
    expect(JSON.parse(rendered.subActionParams!.body as string)).toEqual({ error: { message: expect.stringContaining('BigInt') } });
  });

  it('leaves test, stories and webhooks alone', () => {
    for (const params of [
      { subAction: 'test', subActionParams: { webhook: { id: 1, name: 'w', storyId: 1 }, body: '{"x":"{{rule.id}}"}' } },
      { subAction: 'stories' },
      { subAction: 'webhooks', subActionParams: { storyId: '{{rule.id}}' } },
    ]) {
      expect(render(params, { rule: { id: hostile } })).toEqual(params);
    }
  });
});
