import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { encode } from 'gpt-tokenizer';
import { pino } from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ReadOutcome } from '../../actions/executor.js';
import type { SubActionParams } from '../../actions/sub_actions.js';
import { StreamFailure } from '../../actions/failure.js';
import type { ConnectorServices, TokenUsage } from '../../actions/types.js';
import { validateConfig, validateParams, validateSecrets } from '../../actions/validation.js';
import { installZod3Messages } from '../../common/zod_messages.js';
import { makeConfigurationUtilities, makeContext, makeServices, readStreamChunks, runAsAction, thrownMessage } from '../lib/test_context.js';
import { genAiConnectorType } from './index.js';
import { reflowPem, sanitizeBody, sdkChatUrl } from './providers.js';
import { OPENAI_CHAT_URL, secretsSchema, type GenAiConfig, type GenAiSecrets } from './schema.js';
import { SIMULATOR_REPLY, startGenAiSimulator, type GenAiSimulator } from './simulator.js';
import { openAiStreamFailure } from './tokens.js';

installZod3Messages();

const def = genAiConnectorType;
const ctx = { configurationUtilities: makeConfigurationUtilities() };
const KEY = 'sk-simulated-key-123';
const HELLO = [{ role: 'user', content: 'Say hello' }];
const tokens = (s: string) => encode(s).length;

describe('.gen-ai definition and validation', () => {
  it('has Kibana identity', () => {
    expect(def).toMatchObject({ id: '.gen-ai', name: 'OpenAI', minimumLicenseRequired: 'enterprise' });
    expect(def.supportedFeatureIds).toEqual(['generativeAIForSecurity', 'generativeAIForObservability', 'generativeAIForSearchPlayground']);
    for (const field of ['apiKey', 'certificateData', 'privateKeyData', 'caData'] as const) expect(secretsSchema.shape[field].meta()).toMatchObject({ secret: true });
  });

  it('takes each provider with its own fields: OpenAI gets the default model, Other must name one', () => {
    expect(validateConfig(def, { apiProvider: 'OpenAI', apiUrl: OPENAI_CHAT_URL }, ctx)).toEqual({ apiProvider: 'OpenAI', apiUrl: OPENAI_CHAT_URL, defaultModel: 'gpt-4.1' });
    expect(validateConfig(def, { apiProvider: 'Azure OpenAI', apiUrl: 'https://a.openai.azure.com/openai/deployments/d/chat/completions?api-version=2024-10-21' }, ctx)).not.toHaveProperty('defaultModel');
    expect(validateConfig(def, { apiProvider: 'Other', apiUrl: 'https://llm.example.com/v1/chat/completions', defaultModel: 'llama3' }, ctx)).toMatchObject({ verificationMode: 'full' });
    expect(thrownMessage(() => validateConfig(def, { apiProvider: 'Other', apiUrl: 'https://llm.example.com' }, ctx))).toBe('error validating connector type config: Field "defaultModel": Required');
    expect(thrownMessage(() => validateConfig(def, { apiProvider: 'Azure OpenAI', apiUrl: 'https://a.example.com', organizationId: 'o' }, ctx))).toBe(
      "error validating connector type config: Unrecognized key(s) in object: 'organizationId'",
    );
    expect(thrownMessage(() => validateConfig(def, { apiProvider: 'Bard', apiUrl: 'https://a.example.com' }, ctx))).toMatch(/^error validating connector type config: .*apiProvider/);
    const restricted = { configurationUtilities: makeConfigurationUtilities({ allowedHosts: ['api.openai.com'] }) };
    expect(thrownMessage(() => validateConfig(def, { apiProvider: 'OpenAI', apiUrl: 'https://other.example.com/v1' }, restricted))).toBe(
      'error validating connector type config: Error configuring OpenAI action: Error: error validating url: target url "https://other.example.com/v1" is not added to the Kibana config xpack.actions.allowedHosts',
    );
  });

  it('needs an API key, or a client certificate with its key (base64 PEM)', () => {
    const pem = (kind: string) => Buffer.from(`-----BEGIN ${kind}-----\nAAAA\n-----END ${kind}-----\n`).toString('base64');
    expect(validateSecrets(def, { apiKey: KEY }, ctx)).toEqual({ apiKey: KEY });
    expect(thrownMessage(() => validateSecrets(def, {}, ctx))).toBe('error validating connector type secrets: [apiKey]: expected value of type [string] but got [undefined]');
    expect(thrownMessage(() => validateSecrets(def, { apiKey: '' }, ctx))).toMatch(/^error validating connector type secrets: Field "apiKey"/);
    expect(validateSecrets(def, { certificateData: pem('CERTIFICATE'), privateKeyData: pem('PRIVATE KEY') }, ctx)).toHaveProperty('certificateData');
    expect(thrownMessage(() => validateSecrets(def, { certificateData: pem('CERTIFICATE') }, ctx))).toBe(
      'error validating connector type secrets: PKI authentication needs both certificateData and privateKeyData',
    );
    expect(thrownMessage(() => validateSecrets(def, { certificateData: pem('PRIVATE KEY'), privateKeyData: pem('PRIVATE KEY') }, ctx))).toBe(
      'error validating connector type secrets: certificateData must be a base64-encoded PEM certificate',
    );
    expect(thrownMessage(() => validateSecrets(def, { certificateData: pem('CERTIFICATE'), privateKeyData: pem('PRIVATE KEY'), caData: 'eA==' }, ctx))).toBe(
      'error validating connector type secrets: caData must be a base64-encoded PEM certificate',
    );
  });

  it("sanitizes the body per provider (Kibana's rules of §1.4)", () => {
    const openAi = validateConfig(def, { apiProvider: 'OpenAI', apiUrl: OPENAI_CHAT_URL }, ctx) as GenAiConfig;
    const body = JSON.stringify({ messages: HELLO, tool_choice: 'auto', parallel_tool_calls: true, function_call: 'auto' });
    expect(JSON.parse(sanitizeBody(openAi, body, false))).toEqual({ messages: HELLO, model: 'gpt-4.1', stream: false });
    expect(JSON.parse(sanitizeBody(openAi, JSON.stringify({ messages: HELLO, model: 'gpt-4o' }), true))).toEqual({
      messages: HELLO,
      model: 'gpt-4o',
      stream: true,
      stream_options: { include_usage: true },
    });
    const proxied = { ...openAi, apiUrl: 'https://proxy.example.com/v1/chat/completions' } as GenAiConfig;
    expect(JSON.parse(sanitizeBody(proxied, JSON.stringify({ messages: HELLO }), true))).toEqual({ messages: HELLO, model: 'gpt-4.1' });
    expect(sanitizeBody(openAi, 'not json {{', false)).toBe('not json {{');

    const azure = validateConfig(def, { apiProvider: 'Azure OpenAI', apiUrl: 'https://a.openai.azure.com/openai/deployments/d1/chat/completions?api-version=2024-10-21' }, ctx) as GenAiConfig;
    expect(JSON.parse(sanitizeBody(azure, JSON.stringify({ messages: HELLO }), false))).toEqual({ messages: HELLO, stream: false });
    const azureOther = { ...azure, apiUrl: 'https://a.openai.azure.com/openai/deployments/d1/embeddings?api-version=1' } as GenAiConfig;
    expect(JSON.parse(sanitizeBody(azureOther, JSON.stringify({ messages: HELLO }), true))).toEqual({ messages: HELLO });
    expect(sdkChatUrl({ ...azure, apiUrl: 'https://a.openai.azure.com/openai/deployments/d1/chat/completions?x=1&api-version=v2' } as GenAiConfig)).toBe(
      'https://a.openai.azure.com/openai/deployments/d1/chat/completions?api-version=v2',
    );

    const other = validateConfig(def, { apiProvider: 'Other', apiUrl: 'https://llm.example.com/v1/chat/completions', defaultModel: 'llama3' }, ctx) as GenAiConfig;
    expect(JSON.parse(sanitizeBody(other, JSON.stringify({ messages: HELLO, tool_choice: 'auto' }), true))).toEqual({ messages: HELLO, tool_choice: 'auto', model: 'llama3', stream: true });
    expect(sdkChatUrl(other)).toBe('https://llm.example.com/v1/chat/completions');
    expect(sdkChatUrl({ ...other, apiUrl: 'https://llm.example.com/v1' } as GenAiConfig)).toBe('https://llm.example.com/v1/chat/completions');
  });

  it('reflows pasted PEM text to 64 columns', () => {
    const body = 'A'.repeat(100);
    expect(reflowPem(`-----BEGIN CERTIFICATE----- ${body.slice(0, 30)} ${body.slice(30)} -----END CERTIFICATE-----`)).toBe(
      `-----BEGIN CERTIFICATE-----\n${'A'.repeat(64)}\n${'A'.repeat(36)}\n-----END CERTIFICATE-----`,
    );
  });
});

describe('.gen-ai sub-actions against the simulator', () => {
  let sim: GenAiSimulator;
  let services: ConnectorServices;

  beforeAll(async () => {
    sim = await startGenAiSimulator({ apiKey: KEY, models: ['gpt-4.1', 'gpt-4o', 'llama3', 'prod-gpt4'], contextWindow: 200 });
    services = makeServices();
  });
  afterAll(async () => {
    await services.http.close();
    await sim.close();
  });
  beforeEach(() => {
    sim.requests.length = 0;
    sim.completions.length = 0;
  });

  const configs = {
    openai: () => ({ apiProvider: 'OpenAI', apiUrl: `${sim.url}/v1/chat/completions`, organizationId: 'org-1', projectId: 'proj-1', headers: { 'X-Team': 'soc' } }),
    azure: () => ({ apiProvider: 'Azure OpenAI', apiUrl: `${sim.url}/openai/deployments/prod-gpt4/chat/completions?api-version=2024-10-21` }),
    other: () => ({ apiProvider: 'Other', apiUrl: `${sim.url}/v1/chat/completions`, defaultModel: 'llama3' }),
  };

  function outcome(provider: keyof typeof configs, params: unknown, overrides: { apiKey?: string; config?: Record<string, unknown> } = {}): Promise<ReadOutcome> {
    const config = validateConfig(def, { ...configs[provider](), ...overrides.config }, ctx) as GenAiConfig;
    const secrets = validateSecrets(def, { apiKey: overrides.apiKey ?? KEY }, ctx) as GenAiSecrets;
    const context = makeContext({ config, secrets, params: validateParams(def, params, ctx) as SubActionParams }, { connectorId: 'ai-1', services });
    return runAsAction(def, context);
  }
  const last = () => sim.requests[sim.requests.length - 1];
  const lastBody = () => JSON.parse(last().body) as Record<string, unknown>;
  const reported = (i = 0): TokenUsage => {
    const u = sim.completions[i].usage;
    return { promptTokens: u.prompt_tokens, completionTokens: u.completion_tokens, totalTokens: u.total_tokens };
  };

  it('run (OpenAI): posts the body with the default model and its headers, and answers the completion as given, with its usage', async () => {
    const read = await outcome('openai', { subAction: 'run', subActionParams: { body: JSON.stringify({ messages: HELLO }) } });
    expect(read.result).toMatchObject({ status: 'ok', actionId: 'ai-1', data: { object: 'chat.completion', model: 'gpt-4.1', choices: [{ message: { role: 'assistant', content: SIMULATOR_REPLY } }] } });
    expect(last()).toMatchObject({ method: 'POST', path: '/v1/chat/completions' });
    expect(last().headers).toMatchObject({ authorization: `Bearer ${KEY}`, 'openai-organization': 'org-1', 'openai-project': 'proj-1', 'x-team': 'soc', 'content-type': 'application/json' });
    // Not api.openai.com: no stream flag is added, as in Kibana's FTR test.
    expect(lastBody()).toEqual({ messages: HELLO, model: 'gpt-4.1' });
    expect(read.usage).toEqual(reported());
  });

  it('invokeAI: sends the params as a completion and answers the trimmed text and usage', async () => {
    const tools = [{ type: 'function', function: { name: 'lookup', parameters: { type: 'object' } } }];
    const read = await outcome('openai', {
      subAction: 'invokeAI',
      subActionParams: { messages: HELLO, model: 'gpt-4o', temperature: 0.2, stop: ['\n\n'], tools, tool_choice: 'auto', telemetryMetadata: { pluginId: 'p' }, timeout: 5000 },
    });
    const usage = sim.completions[0].usage;
    expect(read.result).toMatchObject({ status: 'ok', data: { message: SIMULATOR_REPLY, usage } });
    expect(lastBody()).toEqual({ messages: HELLO, model: 'gpt-4o', temperature: 0.2, stop: ['\n\n'], tools, tool_choice: 'auto' });
    expect(read.usage).toEqual(reported());
  });

  it("invokeAI: a completion without text answers Kibana's fixed message", async () => {
    sim.failNext(200, JSON.stringify({ choices: [{ message: { role: 'assistant', content: null } }], usage: { prompt_tokens: 1, completion_tokens: 0, total_tokens: 1 } }));
    expect((await outcome('openai', { subAction: 'invokeAI', subActionParams: { messages: HELLO } })).result.data).toEqual({
      message: 'An error occurred sending your message. \n\nAPI Error: The response from OpenAI was in an unrecognized format.',
      usage: { prompt_tokens: 1, completion_tokens: 0, total_tokens: 1 },
    });
  });

  it('Azure: api-key header, the deployment URL with its api-version, the stream flag set', async () => {
    const read = await outcome('azure', { subAction: 'test', subActionParams: { body: JSON.stringify({ messages: HELLO }) } });
    expect(read.result.status).toBe('ok');
    expect(last().path).toBe('/openai/deployments/prod-gpt4/chat/completions?api-version=2024-10-21');
    expect(last().headers['api-key']).toBe(KEY);
    expect(last().headers.authorization).toBeUndefined();
    expect(lastBody()).toEqual({ messages: HELLO, stream: false });
  });

  it('Other: the model and stream flag always set', async () => {
    await outcome('other', { subAction: 'run', subActionParams: { body: JSON.stringify({ messages: HELLO }) } });
    expect(lastBody()).toEqual({ messages: HELLO, model: 'llama3', stream: false });
    expect(last().headers.authorization).toBe(`Bearer ${KEY}`);
  });

  it('fails as each provider fails, worded as Kibana words it; a 429 is the user\'s with its Retry-After', async () => {
    const body = { body: JSON.stringify({ messages: HELLO }) };
    const denied = await outcome('openai', { subAction: 'run', subActionParams: body }, { apiKey: 'sk-wrong-key-456' });
    expect(denied.result).toMatchObject({
      status: 'error',
      message: 'an error occurred while running the action',
      serviceMessage: 'Status code: 401. Message: Unauthorized API Error - Incorrect API key provided. You can find your API key at https://platform.openai.com/account/api-keys.',
      retry: true,
      errorSource: 'framework',
    });
    expect(JSON.stringify(denied)).not.toContain('sk-wrong-key-456');
    expect((await outcome('openai', { subAction: 'run', subActionParams: { body: JSON.stringify({ messages: HELLO, model: 'gpt-9' }) } })).result.serviceMessage).toBe(
      'Status code: 404. Message: API Error: Not Found - The model `gpt-9` does not exist or you do not have access to it.',
    );
    expect((await outcome('azure', { subAction: 'run', subActionParams: body }, { config: { apiUrl: `${sim.url}/openai/deployments/nope/chat/completions?api-version=1` } })).result.serviceMessage).toMatch(
      /^Status code: 404\. Message: API Error: Not Found - The API deployment for this resource does not exist\./,
    );
    const long = await outcome('openai', { subAction: 'invokeAI', subActionParams: { messages: [{ role: 'user', content: 'word '.repeat(300) }] } });
    expect(long.result.serviceMessage).toMatch(/^Status code: 400\. Message: API Error: Bad Request - This model's maximum context length is 200 tokens\. However, your messages resulted in \d+ tokens\./);
    expect(long.failure).toMatchObject({ httpStatus: 400 });

    sim.rateLimitNext(20);
    const started = Date.now();
    const limited = await outcome('openai', { subAction: 'run', subActionParams: body });
    expect(limited.result).toMatchObject({ serviceMessage: 'Status code: 429. Message: API Error: Too Many Requests - Rate limit reached for requests. Please try again in 20s.', errorSource: 'user' });
    expect(limited.failure?.retryAt?.getTime()).toBeGreaterThanOrEqual(started + 19_000);
    expect(denied.usage).toBeUndefined();

    sim.failNext(200, JSON.stringify({ choices: [] }));
    expect((await outcome('openai', { subAction: 'run', subActionParams: body })).result.serviceMessage).toMatch(/^Response validation failed \(.*usage/);
    sim.failNext(500, JSON.stringify({ error: 'model crashed' }));
    expect((await outcome('other', { subAction: 'run', subActionParams: body })).result.serviceMessage).toBe('Status code: 500. Message: API Error: Internal Server Error - model crashed');
  });

  it("checks each sub-action's params before sending", async () => {
    expect((await outcome('openai', { subAction: 'invokeAI', subActionParams: { messages: HELLO, top_k: 3 } })).result.serviceMessage).toBe(
      "Request validation failed (Unrecognized key(s) in object: 'top_k')",
    );
    expect((await outcome('openai', { subAction: 'getDashboard', subActionParams: { dashboardId: 'd' } })).result.data).toEqual({ available: false });
    expect(sim.requests).toHaveLength(0);
    // A signal that is not an AbortSignal (JSON cannot make one) is ignored, as in Kibana.
    expect((await outcome('openai', { subAction: 'run', subActionParams: { body: JSON.stringify({ messages: HELLO }), signal: {} } })).result.status).toBe('ok');
  });

  it('words a request that got no answer as Kibana does', async () => {
    const read = await outcome('openai', { subAction: 'run', subActionParams: { body: '{}' } }, { config: { apiUrl: 'http://127.0.0.1:1/v1/chat/completions' } });
    expect(read.result.serviceMessage).toMatch(/^Status code: undefined\. Message: Unexpected API Error: ECONNREFUSED - /);
  });

  it('stream and invokeStream (Azure): the raw events as a Readable, usage from its usage chunk', async () => {
    const read = await outcome('azure', { subAction: 'invokeStream', subActionParams: { messages: HELLO } });
    expect(read.result.status).toBe('ok');
    expect(read.result.data).toBeInstanceOf(Readable);
    expect(lastBody()).toEqual({ messages: HELLO, stream: true, stream_options: { include_usage: true } });
    const sse = await text(read.result.data as Readable);
    expect(sse).toMatch(/^data: \{"id":"","object":"","created":0,"model":"","choices":\[\],"prompt_filter_results"/);
    expect(sse.endsWith('data: [DONE]\n\n')).toBe(true);
    expect(await read.usage).toEqual(reported());

    const plain = await outcome('openai', { subAction: 'stream', subActionParams: { body: JSON.stringify({ messages: HELLO }), stream: false } });
    expect(plain.result.data).toMatchObject({ object: 'chat.completion' });
  });

  it('invokeStream (Other, no usage chunk): the tokens are counted from the prompt and the streamed text', async () => {
    const read = await outcome('other', { subAction: 'invokeStream', subActionParams: { messages: HELLO } });
    expect(lastBody()).toEqual({ messages: HELLO, model: 'llama3', stream: true });
    await text(read.result.data as Readable);
    const prompt = tokens('<|start|>user\nSay hello<|end|>');
    const completion = tokens(SIMULATOR_REPLY);
    expect(await read.usage).toEqual({ promptTokens: prompt, completionTokens: completion, totalTokens: prompt + completion });
  });

  it('invokeAsyncIterator: parsed chunks for in-process callers, sent as the SDK sends them', async () => {
    const read = await outcome('other', { subAction: 'invokeAsyncIterator', subActionParams: { messages: HELLO } });
    expect(last().path).toBe('/v1/chat/completions');
    expect(lastBody()).toEqual({ messages: HELLO, stream: true, model: 'llama3' });
    let content = '';
    for await (const chunk of (read.result.data as { consumerStream: AsyncIterable<any> }).consumerStream) {
      expect(chunk.object).toBe('chat.completion.chunk');
      content += chunk.choices[0]?.delta?.content ?? '';
    }
    expect(content).toBe(SIMULATOR_REPLY);
    expect((await read.usage)?.completionTokens).toBe(tokens(SIMULATOR_REPLY));
  });

  it('a stream cut halfway fails its reader, and counts what came through', async () => {
    sim.cutStreamNext();
    const read = await outcome('other', { subAction: 'invokeStream', subActionParams: { messages: HELLO } });
    await expect(text(read.result.data as Readable)).rejects.toThrow();
    const usage = (await read.usage)!;
    expect(usage.completionTokens).toBeGreaterThan(0);
    expect(usage.completionTokens).toBeLessThan(tokens(SIMULATOR_REPLY));

    sim.cutStreamNext();
    const iterated = await outcome('other', { subAction: 'invokeAsyncIterator', subActionParams: { messages: HELLO } });
    const chunks: unknown[] = [];
    await expect(
      (async () => {
        for await (const chunk of (iterated.result.data as { consumerStream: AsyncIterable<unknown> }).consumerStream) chunks.push(chunk);
      })(),
    ).rejects.toThrow();
    expect(chunks.length).toBeGreaterThan(0);
  });

  it('an error chunk mid-stream (answered 200): the chunks before it, then its failure; the usage rejects with it', async () => {
    sim.failStreamNext(undefined, 3);
    const read = await outcome('other', { subAction: 'invokeStream', subActionParams: { messages: HELLO } });
    expect(read.result.status).toBe('ok');
    const { chunks, failure } = await readStreamChunks(def, read.result.data);
    expect(failure).toBeInstanceOf(StreamFailure);
    expect((failure as Error).message).toBe('API Error: The server had an error while processing your request. Sorry about that!');
    expect(chunks.map((c) => JSON.parse(c).object)).toEqual(['chat.completion.chunk', 'chat.completion.chunk', 'chat.completion.chunk']);
    await expect(read.usage).rejects.toBeInstanceOf(StreamFailure);

    sim.failStreamNext({ message: 'Rate limit reached for tokens', type: 'tokens', code: 'rate_limit_exceeded' }, 2);
    const iterated = await outcome('other', { subAction: 'invokeAsyncIterator', subActionParams: { messages: HELLO } });
    const parsed: unknown[] = [];
    await expect(
      (async () => {
        for await (const chunk of (iterated.result.data as { consumerStream: AsyncIterable<unknown> }).consumerStream) parsed.push(chunk);
      })(),
    ).rejects.toThrow('API Error: Rate limit reached for tokens');
    expect(parsed).toHaveLength(2);
    await expect(iterated.usage).rejects.toThrow('API Error: Rate limit reached for tokens');
  });

  it('reads an error chunk as a failure: its message, or the error itself when it is text', () => {
    expect(openAiStreamFailure({ error: { message: 'boom', type: 'server_error' } })?.message).toBe('API Error: boom');
    expect(openAiStreamFailure({ error: 'model not loaded' })?.message).toBe('API Error: model not loaded');
    expect(openAiStreamFailure({ error: { code: 500 } })?.message).toBe('API Error: {"code":500}');
    expect(openAiStreamFailure({ object: 'chat.completion.chunk', choices: [] })).toBeUndefined();
  });

  it("the caller's signal aborts a stream being read; leaving the iterator early closes it", async () => {
    const controller = new AbortController();
    const read = await outcome('other', { subAction: 'invokeStream', subActionParams: { messages: HELLO, signal: controller.signal } });
    const stream = read.result.data as Readable;
    controller.abort();
    await expect(text(stream)).rejects.toThrow();
    expect(stream.destroyed).toBe(true);
    expect(await read.usage).toBeDefined();

    const iterated = await outcome('other', { subAction: 'invokeAsyncIterator', subActionParams: { messages: HELLO } });
    for await (const _chunk of (iterated.result.data as { consumerStream: AsyncIterable<unknown> }).consumerStream) break;
    // Settles only once the connection's stream is closed.
    expect(await iterated.usage).toMatchObject({ promptTokens: expect.any(Number) });

    const before = new AbortController();
    before.abort();
    expect((await outcome('other', { subAction: 'invokeStream', subActionParams: { messages: HELLO, signal: before.signal } })).result.status).toBe('error');
  });

  it('an error answer to a stream request is read and thrown as for run', async () => {
    const read = await outcome('other', { subAction: 'invokeStream', subActionParams: { messages: HELLO } }, { apiKey: 'sk-bad-one' });
    expect(read.result.serviceMessage).toMatch(/^Status code: 401\. Message: Unauthorized API Error - Incorrect API key provided/);
  });

  it('tells which params answer with a stream', () => {
    expect(def.streamsAnswer!({ subAction: 'invokeStream', subActionParams: {} })).toBe(true);
    expect(def.streamsAnswer!({ subAction: 'invokeAsyncIterator' })).toBe(true);
    expect(def.streamsAnswer!({ subAction: 'stream', subActionParams: { stream: true } })).toBe(true);
    expect(def.streamsAnswer!({ subAction: 'stream', subActionParams: { stream: false } })).toBe(false);
    expect(def.streamsAnswer!({ subAction: 'run', subActionParams: {} })).toBe(false);
  });

  it('runs its Test params', async () => {
    expect(validateParams(def, def.testParams, ctx)).toEqual(def.testParams);
    expect((await outcome('openai', def.testParams)).result.status).toBe('ok');
  });
});

describe('.gen-ai renderParameterTemplates', () => {
  it('JSON-escapes values in the body of run and test only', () => {
    const render = (params: SubActionParams) => def.renderParameterTemplates!(pino({ level: 'silent' }), params, { context: { reason: 'a "quoted"\nline' } });
    const rendered = render({ subAction: 'run', subActionParams: { body: '{"messages":[{"role":"user","content":"{{context.reason}}"}]}' } });
    expect(JSON.parse(rendered.subActionParams!.body as string)).toEqual({ messages: [{ role: 'user', content: 'a "quoted"\nline' }] });
    const invoke = { subAction: 'invokeAI', subActionParams: { messages: [{ role: 'user', content: '{{context.reason}}' }] } };
    expect(render(invoke)).toEqual(invoke);
  });
});
