import { createServer } from 'node:http';
import { pino } from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ReadOutcome } from '../../actions/executor.js';
import type { SubActionParams } from '../../actions/sub_actions.js';
import type { ActionResult, ConnectorServices } from '../../actions/types.js';
import { validateConfig, validateParams, validateSecrets } from '../../actions/validation.js';
import { installZod3Messages } from '../../common/zod_messages.js';
import { closeServer, listenOnLoopback } from '../lib/simulator_server.js';
import { makeConfigurationUtilities, makeContext, makeServices, runAsAction, thrownMessage } from '../lib/test_context.js';
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

  /** The result clients read and the facts the queue reads, as the action executor answers them. */
  function outcome(params: unknown, overrides: { url?: string; token?: string; services?: ConnectorServices } = {}): Promise<ReadOutcome> {
    const config = validateConfig(def, { url: overrides.url ?? sim.url }, ctx) as TinesConfig;
    const secrets = validateSecrets(def, { email: EMAIL, token: overrides.token ?? TOKEN }, ctx) as TinesSecrets;
    const context = makeContext({ config, secrets, params: validateParams(def, params, ctx) as SubActionParams }, { connectorId: 'tines-1', services: overrides.services ?? services });
    return runAsAction(def, context);
  }
  const run = async (params: unknown, overrides: Parameters<typeof outcome>[1] = {}): Promise<ActionResult> => (await outcome(params, overrides)).result;
  const last = () => sim.requests[sim.requests.length - 1];
  /** A webhook as the webhooks sub-action lists it, and as Kibana's UI hands it to run. */
  const hook = { id: 11, name: 'Receive alert', storyId: 1 };
  const failedWith = (serviceMessage: string) => ({ status: 'error', actionId: 'tines-1', message: 'an error occurred while running the action', serviceMessage, retry: true });

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

  it("asks for a story's webhook actions only, and lists each as {id, name, storyId}", async () => {
    const result = await run({ subAction: 'webhooks', subActionParams: { storyId: '1' } });
    expect(result).toEqual({ status: 'ok', actionId: 'tines-1', data: { webhooks: [hook], incompleteResponse: false } });
    expect(last()).toMatchObject({ method: 'GET', path: '/api/v1/agents', query: { story_id: '1', action_type: WEBHOOK_AGENT, per_page: '500' } });
    expect(sim.requests).toHaveLength(1);
    expect(last().headers['x-user-token']).toBe(TOKEN);
    expect((await run({ subAction: 'webhooks', subActionParams: { storyId: 2 } })).data).toEqual({ webhooks: [{ id: 21, name: 'Receive indicator', storyId: 2 }], incompleteResponse: false });

    sim.agents = Array.from({ length: 1200 }, (_, i) => ({ id: i, name: `a${i}`, type: i % 2 ? WEBHOOK_AGENT : 'Agents::EventTransformationAgent', story_id: 3, options: { path: `p${i}` } }));
    const many = await run({ subAction: 'webhooks', subActionParams: { storyId: 3 } });
    expect(many.data).toMatchObject({ incompleteResponse: true });
    expect((many.data as { webhooks: unknown[] }).webhooks).toHaveLength(500);
  });

  it('refuses an API answer without meta.pages', async () => {
    sim.failNext(200, '{"stories":[]}');
    expect(await run({ subAction: 'stories' })).toEqual({ ...failedWith('Response validation failed (Field "meta": Required)'), errorSource: 'framework' });
  });

  it('runs a webhook: looks it up by id, then posts the body as it is, without API credentials; the default "Ok" answer is a success', async () => {
    const body = '{"alert":"a \\"quoted\\" value","n":1}';
    // A path and secret sent by an older client are dropped: the URL comes from Tines.
    const result = await run({ subAction: 'run', subActionParams: { webhook: { ...hook, path: 'elsewhere', secret: 'guess' }, body } });
    expect(result).toEqual({ status: 'ok', actionId: 'tines-1', data: {} });
    expect(sim.requests.map((r) => [r.method, r.path])).toEqual([
      ['GET', '/api/v1/actions/11'],
      ['POST', '/webhook/alert-path/alert-secret'],
    ]);
    expect(sim.requests[0].headers).toMatchObject({ 'x-user-email': EMAIL, 'x-user-token': TOKEN });
    expect(last()).toMatchObject({ body });
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

  it('posts to webhookUrl as it is, without a lookup', async () => {
    await run({ subAction: 'run', subActionParams: { webhook: { ...hook, id: 999 }, webhookUrl: `${sim.url}/webhook/alert-path/alert-secret`, body: '{"via":"url"}' } });
    expect(sim.requests.map((r) => r.path)).toEqual(['/webhook/alert-path/alert-secret']);
    expect(sim.events).toEqual([{ agentId: 11, body: '{"via":"url"}' }]);
  });

  it("refuses, as Kibana does, a webhook that is not that story's webhook action with a path and a secret", async () => {
    const invalid = (id: number) => failedWith(`Invalid configuration for webhook id: ${id}. Verify webhook exists in Tines.`);
    // Not a webhook action; in another story; no secret (Tines allows one, Kibana does not post to it).
    expect(await run({ subAction: 'run', subActionParams: { webhook: { id: 12, name: 'Open ticket', storyId: 1 }, body: '{}' } })).toMatchObject(invalid(12));
    expect(await run({ subAction: 'run', subActionParams: { webhook: { ...hook, storyId: 2 }, body: '{}' } })).toMatchObject(invalid(11));
    expect(await run({ subAction: 'run', subActionParams: { webhook: { id: 21, name: 'Receive indicator', storyId: 2 }, body: '{}' } })).toMatchObject(invalid(21));
    // A webhook Tines does not have.
    expect(await outcome({ subAction: 'run', subActionParams: { webhook: { ...hook, id: 404 }, body: '{}' } })).toEqual({
      result: { ...failedWith('Status code: 404. Message: API Error: Not Found'), errorSource: 'framework' },
      failure: { httpStatus: 404 },
    });
    expect(sim.requests.every((r) => r.method === 'GET')).toBe(true);
    expect(sim.events).toHaveLength(0);
  });

  it("needs a webhook or a webhook URL (Kibana's thrown error)", async () => {
    expect(await outcome({ subAction: 'run', subActionParams: { body: '{}' } })).toEqual({
      result: { ...failedWith('Invalid subActionsParams: [webhook] or [webhookUrl] expected but got none'), errorSource: 'framework' },
    });
    expect(sim.requests).toHaveLength(0);
  });

  it('words errors as "API Error: <status text>"; every error result says retry, from the framework but a 429', async () => {
    const denied = await outcome({ subAction: 'stories' }, { token: 'wrong-token-xyz' });
    expect(denied).toEqual({
      result: { ...failedWith('Status code: 401. Message: API Error: Unauthorized'), errorSource: 'framework' },
      failure: { httpStatus: 401 },
    });
    expect(JSON.stringify(denied)).not.toContain('wrong-token-xyz');

    sim.agents[0].options = { ...sim.agents[0].options, secret: 'rotated' };
    expect(await run({ subAction: 'run', subActionParams: { webhookUrl: `${sim.url}/webhook/alert-path/alert-secret`, body: '{}' } })).toMatchObject({
      serviceMessage: 'Status code: 401. Message: API Error: Unauthorized',
      retry: true,
    });
    expect(sim.events).toHaveLength(0);

    sim.failNext(429, '{}', { 'Retry-After': '60' });
    const started = Date.now();
    const limited = await outcome({ subAction: 'stories' });
    expect(limited.result).toEqual({ ...failedWith('Status code: 429. Message: API Error: Too Many Requests'), errorSource: 'user' });
    expect(limited.failure?.retryAt?.getTime()).toBeGreaterThanOrEqual(started + 59_000);

    sim.failNext(502, 'bad gateway');
    expect(await outcome({ subAction: 'run', subActionParams: { webhook: hook, body: '{}' } })).toEqual({
      result: { ...failedWith('Status code: 502. Message: API Error: Bad Gateway'), errorSource: 'framework' },
      failure: { httpStatus: 502 },
    });
  });

  it('uses the HTTP wording for a status without a text', async () => {
    const server = createServer((_req, res) => res.writeHead(499).end());
    const url = await listenOnLoopback(server);
    try {
      expect(await outcome({ subAction: 'stories' }, { url })).toMatchObject({
        result: { serviceMessage: 'Status code: 499. Message: Request failed with status code 499', retry: true },
        failure: { httpStatus: 499 },
      });
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

  it("checks each sub-action's params before calling Tines: the user's error, not sent again by the queue", async () => {
    const cases: Array<[unknown, string]> = [
      [{ subAction: 'webhooks', subActionParams: {} }, 'Request validation failed (Field "storyId": Expected number, received nan)'],
      [{ subAction: 'webhooks', subActionParams: { storyId: 1, page: 2 } }, "Request validation failed (Unrecognized key(s) in object: 'page')"],
      [{ subAction: 'run', subActionParams: { webhook: hook } }, 'Request validation failed (Field "body": Required)'],
      [{ subAction: 'run', subActionParams: { body: '', webhook: { id: 1, storyId: 1 } } }, 'Request validation failed (Field "webhook.name": Required)'],
      [{ subAction: 'test', subActionParams: { webhook: { id: 1, name: 'w' }, body: '{}' } }, 'Request validation failed (Field "webhook.storyId": Expected number, received nan)'],
    ];
    for (const [params, message] of cases) {
      expect(await outcome(params), message).toEqual({ result: { ...failedWith(message), errorSource: 'user' }, failure: { permanent: true } });
    }
    // Kibana's "Connector name" is the type's name.
    expect(await outcome({ subAction: 'delete' })).toEqual({
      result: { ...failedWith('Sub action "delete" is not registered. Connector id: tines-1. Connector name: Tines. Connector type: .tines'), errorSource: 'framework' },
      failure: { permanent: true },
    });
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
