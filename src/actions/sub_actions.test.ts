import { createServer, type IncomingHttpHeaders } from 'node:http';
import { text } from 'node:stream/consumers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { closeServer, listenOnLoopback } from '../connector_types/lib/simulator_server.js';
import { makeContext, makeServices, runAsAction } from '../connector_types/lib/test_context.js';
import { installZod3Messages } from '../common/zod_messages.js';
import { Readable } from 'node:stream';
import { contentDisposition, contentDispositionFileName, fileFactsOf } from './file_answer.js';
import { AnswerWithUsage, defineSubActionConnectorType, normalizeServiceUrl, type SubActionParams } from './sub_actions.js';
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
      name: 'count',
      schema: null,
      async run() {
        return new AnswerWithUsage({ counted: true }, Promise.resolve({ promptTokens: 3, completionTokens: 2, totalTokens: 5 }));
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

/** The result clients read and the facts the queue reads, as the action executor answers them. */
function outcome(params: unknown) {
  return runAsAction(
    type,
    makeContext(
      { config: { apiUrl: `${base}/api/` }, secrets: { user: 'svc', password: 'pw' }, params: validateParams(type, params, { configurationUtilities: makeContext({ config: {}, secrets: {}, params: {} }).configurationUtilities }) as SubActionParams },
      { connectorId: 'sub-1', services: makeServices() },
    ),
  );
}
const run = async (params: unknown) => (await outcome(params)).result;

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

  it("answers an unknown sub-action and bad sub-action params with Kibana's results, without calling the service; the queue does not send them again", async () => {
    const before = seen.length;
    // Kibana's "Connector name" is the type's name, not the connector's.
    expect(await outcome({ subAction: 'explode', subActionParams: {} })).toEqual({
      result: {
        status: 'error',
        actionId: 'sub-1',
        message: 'an error occurred while running the action',
        serviceMessage: 'Sub action "explode" is not registered. Connector id: sub-1. Connector name: Sub-action test. Connector type: .test-sub-actions',
        retry: true,
        errorSource: 'framework',
      },
      failure: { permanent: true },
    });
    const invalid = await outcome({ subAction: 'create', subActionParams: { priority: 'high' } });
    expect(invalid).toMatchObject({ result: { status: 'error', retry: true, errorSource: 'user' }, failure: { permanent: true } });
    expect(invalid.result.serviceMessage).toMatch(/^Request validation failed \(2 errors:/);
    expect(invalid.result.serviceMessage).toContain('Field "title"');
    expect(seen.length).toBe(before);
  });

  it('words failed calls as "Status code: N. Message: …", always worth retrying in the result; the status goes to the queue', async () => {
    answer = { status: 400, body: '{"message":"title too long"}' };
    expect(await outcome({ subAction: 'create', subActionParams: { title: 'x' } })).toEqual({
      result: {
        status: 'error',
        actionId: 'sub-1',
        message: 'an error occurred while running the action',
        serviceMessage: 'Status code: 400. Message: title too long',
        retry: true,
        errorSource: 'framework',
      },
      failure: { httpStatus: 400 },
    });
    answer = { status: 503, body: 'down' };
    expect(await outcome({ subAction: 'ping' })).toMatchObject({
      result: { serviceMessage: 'Status code: 503. Message: Service Unavailable', retry: true, errorSource: 'framework' },
      failure: { httpStatus: 503 },
    });
    // Rate limiting is the user's (Kibana tags it so); the queue waits for Retry-After.
    answer = { status: 429, headers: { 'retry-after': '30' }, body: '{}' };
    const limited = await outcome({ subAction: 'ping' });
    expect(limited.result).toMatchObject({ retry: true, errorSource: 'user' });
    expect(limited.failure?.httpStatus).toBe(429);
    expect(limited.failure?.retryAt?.getTime()).toBeGreaterThan(Date.now() + 25_000);
  });

  it('refuses an answer that does not match the response schema, with no status for the queue', async () => {
    answer = { status: 200, body: '{"identifier":1}' };
    const { result, failure } = await outcome({ subAction: 'create', subActionParams: { title: 'x' } });
    expect(result).toMatchObject({ status: 'error', retry: true, errorSource: 'framework' });
    expect(result.serviceMessage).toMatch(/^Response validation failed \(Field "id": /);
    expect(failure).toBeUndefined();
  });
});

describe('token usage of a sub-action', () => {
  it('goes beside the result, never into it', async () => {
    const read = await outcome({ subAction: 'count' });
    expect(read.result).toEqual({ status: 'ok', actionId: 'sub-1', data: { counted: true } });
    expect(await read.usage).toEqual({ promptTokens: 3, completionTokens: 2, totalTokens: 5 });
    expect((await outcome({ subAction: 'ping' })).usage).toBeUndefined();
  });
});

describe('endpoint-security types', () => {
  const seenParams: unknown[] = [];
  const edr = defineSubActionConnectorType<Record<string, never>, Record<string, never>>({
    id: '.test-edr-unit',
    name: 'EDR unit',
    category: 'edr',
    summary: 'A type for tests.',
    minimumLicenseRequired: 'enterprise',
    supportedFeatureIds: ['endpointSecurity'],
    schemas: { config: z.strictObject({}), secrets: z.strictObject({}) },
    client: () => ({ errorMessage: () => '' }),
    subActions: [
      { name: 'agents', endpoint: 'reads', schema: null, run: async (ctx) => void seenParams.push(ctx.params) },
      { name: 'isolate', endpoint: 'changesHost', schema: z.strictObject({ id: z.string() }), run: async (ctx, params) => void seenParams.push(ctx.params, params) },
      { name: 'scripts', schema: null, run: async () => undefined },
    ],
  });
  const ctx = makeContext({ config: {}, secrets: {}, params: {} });
  const valid = (params: unknown) => validateParams(edr, params, { configurationUtilities: ctx.configurationUtilities });

  it('tells what the sub-action the params name does', () => {
    expect(edr.endpointKindOf?.({ subAction: 'agents' })).toBe('reads');
    expect(edr.endpointKindOf?.({ subAction: 'isolate', subActionParams: { id: 'h' } })).toBe('changesHost');
    expect(edr.endpointKindOf?.({ subAction: 'scripts' })).toBeUndefined();
    expect(edr.endpointKindOf?.({ subAction: 'unknown' })).toBeUndefined();
    // Other sub-action types have no such reading.
    expect(type.endpointKindOf).toBeUndefined();
  });

  it('takes confirm beside the sub-action, checks it is a boolean, and keeps it from the sub-action', async () => {
    const params = valid({ subAction: 'isolate', subActionParams: { id: 'h-1' }, confirm: true });
    expect(params).toEqual({ subAction: 'isolate', subActionParams: { id: 'h-1' }, confirm: true });
    expect(() => valid({ subAction: 'agents', confirm: 'yes' })).toThrow(/confirm/);
    seenParams.length = 0;
    const { result } = await runAsAction(edr, makeContext({ config: {}, secrets: {}, params: params as SubActionParams }, { services: makeServices() }));
    expect(result.status).toBe('ok');
    expect(seenParams).toEqual([{ subAction: 'isolate', subActionParams: { id: 'h-1' } }, { id: 'h-1' }]);
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

describe('a sub-action that answers a file (downloads)', () => {
  const files = defineSubActionConnectorType<{ apiUrl: string }, Record<string, never>>({
    id: '.test-downloads',
    name: 'Download test',
    category: 'other',
    summary: 'A type for tests.',
    minimumLicenseRequired: 'gold',
    supportedFeatureIds: ['alerting'],
    schemas: { config: z.strictObject({ apiUrl: z.string() }), secrets: z.strictObject({}) },
    client: () => ({ errorMessage: ({ statusText }) => statusText }),
    subActions: [
      { name: 'file', schema: null, downloads: true, run: ({ client, config }) => client.download({ url: `${config.apiUrl}/file` }) },
      { name: 'notAFile', schema: null, downloads: true, async run() {
        return { nothing: true };
      } },
      { name: 'list', schema: null, async run() {
        return [];
      } },
    ],
  });
  const runFile = (subAction: string) =>
    runAsAction(files, makeContext({ config: { apiUrl: base }, secrets: {}, params: { subAction } as SubActionParams }, { connectorId: 'dl-1', services: makeServices() }));

  it('is derived for the type from its sub-actions, as streams are', () => {
    expect(files.downloadsAnswer!({ subAction: 'file' })).toBe(true);
    expect(files.downloadsAnswer!({ subAction: 'list' })).toBe(false);
    expect(files.streamsAnswer).toBeUndefined();
    expect(type.downloadsAnswer).toBeUndefined();
  });

  it("answers the service's body as it arrives, with its name and size; its usage promise settles at the end", async () => {
    answer = { status: 200, headers: { 'content-type': 'application/zip', 'content-length': '9', 'content-disposition': "attachment; filename=\"r_sum_.zip\"; filename*=UTF-8''r%C3%A9sum%C3%A9.zip" }, body: 'zip-bytes' };
    const read = await runFile('file');
    // As Kibana's: the data is the stream itself.
    const file = read.result.data as Readable;
    expect(file).toBeInstanceOf(Readable);
    expect(fileFactsOf(file)).toEqual({ fileName: 'résumé.zip', contentLength: 9 });
    expect(await text(file)).toBe('zip-bytes');
    expect(await read.usage).toBeNull();
  });

  it('a file cut before its end fails its usage promise (the execute event is then a failure)', async () => {
    answer = { status: 200, body: 'x'.repeat(100_000) };
    const read = await runFile('file');
    (read.result.data as Readable).destroy();
    await expect(read.usage).rejects.toThrow(/^the download was cut: /);
  });

  it('an error answer is the usual error; a downloading sub-action that returns no file is refused', async () => {
    answer = { status: 404, body: '{}' };
    expect((await runFile('file')).result).toMatchObject({ status: 'error', serviceMessage: 'Status code: 404. Message: Not Found' });
    expect((await runFile('notAFile')).result).toMatchObject({ status: 'error', serviceMessage: 'Sub action "notAFile" answered no file' });
  });

  it('reads and writes Content-Disposition file names', () => {
    expect(contentDispositionFileName('attachment; filename="a \\"b\\".txt"')).toBe('a "b".txt');
    expect(contentDispositionFileName('attachment; filename=plain.bin')).toBe('plain.bin');
    expect(contentDispositionFileName('inline')).toBeUndefined();
    expect(contentDispositionFileName(undefined)).toBeUndefined();
    expect(contentDisposition('../dir/résumé "1".zip')).toBe(`attachment; filename="r_sum_ _1_.zip"; filename*=UTF-8''r%C3%A9sum%C3%A9%20%221%22.zip`);
  });
});
