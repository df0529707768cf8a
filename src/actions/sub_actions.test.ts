import { createServer, type IncomingHttpHeaders } from 'node:http';
import { text } from 'node:stream/consumers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { closeServer, listenOnLoopback } from '../connector_types/lib/simulator_server.js';
import { makeContext, makeServices } from '../connector_types/lib/test_context.js';
import { installZod3Messages } from '../common/zod_messages.js';
import { defineSubActionConnectorType, normalizeServiceUrl, type SubActionParams } from './sub_actions.js';
import { validateParams } from './validation.js';

installZod3Messages();

interface Seen {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

let base: string;
const seen: Seen[] = [];
let answer: { status: number; headers?: Record<string, string>; body: string } = { status: 200, body: '{}' };
const server = createServer((req, res) => {
  void text(req).then((body) => {
    seen.push({ method: req.method!, url: req.url!, headers: req.headers, body });
    res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers }).end(answer.body);
  });
});
beforeAll(async () => {
  base = await listenOnLoopback(server);
});
afterAll(() => closeServer(server));

const type = defineSubActionConnectorType<{ apiUrl: string }, { user: string; password: string }>({
  id: '.test-sub-actions',
  name: 'Sub-action test',
  category: 'other',
  summary: 'A type for tests.',
  minimumLicenseRequired: 'gold',
  supportedFeatureIds: ['alerting'],
  schemas: { config: z.strictObject({ apiUrl: z.string() }), secrets: z.strictObject({ user: z.string(), password: z.string() }) },
  client: ({ secrets }) => ({
    auth: { username: secrets.user, password: secrets.password },
    errorMessage: ({ data, statusText }) => (data && typeof data === 'object' && 'message' in data ? String(data.message) : statusText),
  }),
  subActions: [
    {
      name: 'create',
      schema: z.strictObject({ title: z.string(), priority: z.number().int().optional() }),
      async run({ client, config }, params: { title: string; priority?: number }) {
        const res = await client.request({
          url: `${config.apiUrl}//items/`,
          method: 'POST',
          body: params,
          responseSchema: z.object({ id: z.string() }),
        });
        return { id: res.data.id };
      },
    },
    {
      name: 'ping',
      schema: null,
      async run({ client, config }) {
        await client.request({ url: `${config.apiUrl}/ping` });
      },
    },
  ],
});

function run(params: unknown) {
  return type.executor(
    makeContext(
      { config: { apiUrl: `${base}/api/` }, secrets: { user: 'svc', password: 'pw' }, params: validateParams(type, params, { configurationUtilities: makeContext({ config: {}, secrets: {}, params: {} }).configurationUtilities }) as SubActionParams },
      { connectorId: 'sub-1', services: makeServices() },
    ),
  );
}

describe('sub-action framework', () => {
  it('runs the named sub-action with its checked params and answers its data', async () => {
    answer = { status: 201, body: '{"id":"item-7","extra":true}' };
    expect(await run({ subAction: 'create', subActionParams: { title: 'Disk full', priority: 2 }, dropped: 'x' })).toEqual({ status: 'ok', actionId: 'sub-1', data: { id: 'item-7' } });
    const request = seen.at(-1)!;
    // Doubled and trailing slashes are normalised; JSON and basic auth by default.
    expect(request).toMatchObject({ method: 'POST', url: '/api/items', body: '{"title":"Disk full","priority":2}' });
    expect(request.headers['content-type']).toBe('application/json');
    expect(request.headers.authorization).toBe(`Basic ${Buffer.from('svc:pw').toString('base64')}`);
    // A sub-action that returns nothing answers an empty object.
    answer = { status: 200, body: '' };
    expect(await run({ subAction: 'ping' })).toEqual({ status: 'ok', actionId: 'sub-1', data: {} });
  });

  it("answers an unknown sub-action and bad sub-action params with Kibana's texts, without calling the service", async () => {
    const before = seen.length;
    expect(await run({ subAction: 'explode', subActionParams: {} })).toEqual({
      status: 'error',
      actionId: 'sub-1',
      message: 'an error occurred while running the action',
      serviceMessage: 'Sub action "explode" is not registered. Connector id: sub-1. Connector name: A test connector. Connector type: .test-sub-actions',
      retry: false,
      errorSource: 'user',
    });
    const invalid = await run({ subAction: 'create', subActionParams: { priority: 'high' } });
    expect(invalid).toMatchObject({ status: 'error', retry: false, errorSource: 'user' });
    expect(invalid.serviceMessage).toMatch(/^Request validation failed \(2 errors:/);
    expect(invalid.serviceMessage).toContain('Field "title"');
    expect(seen.length).toBe(before);
  });

  it('words failed calls as "Status code: N. Message: …" and follows the retry table', async () => {
    answer = { status: 400, body: '{"message":"title too long"}' };
    expect(await run({ subAction: 'create', subActionParams: { title: 'x' } })).toEqual({
      status: 'error',
      actionId: 'sub-1',
      message: 'an error occurred while running the action',
      serviceMessage: 'Status code: 400. Message: title too long',
      retry: false,
      errorSource: 'user',
    });
    answer = { status: 503, body: 'down' };
    expect(await run({ subAction: 'ping' })).toMatchObject({ serviceMessage: 'Status code: 503. Message: Service Unavailable', retry: true });
    answer = { status: 429, headers: { 'retry-after': '30' }, body: '{}' };
    const limited = await run({ subAction: 'ping' });
    expect((limited.retry as Date).getTime()).toBeGreaterThan(Date.now() + 25_000);
  });

  it('refuses an answer that does not match the response schema', async () => {
    answer = { status: 200, body: '{"identifier":1}' };
    const result = await run({ subAction: 'create', subActionParams: { title: 'x' } });
    expect(result).toMatchObject({ status: 'error', retry: true });
    expect(result.serviceMessage).toMatch(/^Response validation failed \(Field "id": /);
  });
});

describe('normalizeServiceUrl', () => {
  it.each([
    ['https://api.example.com/v2//alerts/', 'https://api.example.com/v2/alerts'],
    ['https://api.example.com/', 'https://api.example.com'],
    ['https://api.example.com//a//b?q=//x', 'https://api.example.com/a/b?q=//x'],
  ])('%s → %s', (input, output) => {
    expect(normalizeServiceUrl(input)).toBe(output);
  });
});
