import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { Client } from '@elastic/elasticsearch';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SubActionParams } from '../../actions/sub_actions.js';
import type { ReadOutcome } from '../../actions/executor.js';
import { StreamFailure } from '../../actions/failure.js';
import { validateConfig, validateParams, validateSecrets } from '../../actions/validation.js';
import { installZod3Messages } from '../../common/zod_messages.js';
import { startElasticsearchSimulator, type ElasticsearchSimulator } from '../es_index/simulator.js';
import { makeConfigurationUtilities, makeContext, makeServices, readStreamChunks, runAsAction, thrownMessage } from '../lib/test_context.js';
import { createEndpoint, deleteEndpoint, dropUnsavedEndpoint, existingEndpointIds, unflatten } from './endpoint.js';
import { inferenceConnectorType as def } from './index.js';
import type { InferenceConfig, InferenceSecrets } from './schema.js';
import { inferenceStreamFailure } from './service.js';

installZod3Messages();

const ctx = { configurationUtilities: makeConfigurationUtilities() };
const logger = pino({ level: 'silent' });

describe('.inference definition and validation', () => {
  it("has Kibana's identity", () => {
    expect(def).toMatchObject({ id: '.inference', name: 'AI Connector', minimumLicenseRequired: 'enterprise' });
    expect(def.supportedFeatureIds).toEqual(['generativeAIForSecurity', 'generativeAIForSearchPlayground', 'generativeAIForObservability']);
  });

  it('applies the defaults and refuses unknown keys', () => {
    expect(validateConfig(def, { provider: 'openai', taskType: 'completion', inferenceId: 'x' }, ctx)).toEqual({
      provider: 'openai',
      taskType: 'completion',
      inferenceId: 'x',
      providerConfig: {},
      taskTypeConfig: {},
    });
    expect(validateSecrets(def, {}, ctx)).toEqual({ providerSecrets: {} });
    expect(thrownMessage(() => validateConfig(def, { provider: 'openai', taskType: 'completion', inferenceId: 'x', url: 'u' }, ctx))).toMatch(/url/);
  });

  it("refuses a provider or task type Elasticsearch's inference API does not know, in Kibana's words", () => {
    expect(thrownMessage(() => validateConfig(def, { provider: 'acme', taskType: 'completion', inferenceId: 'x' }, ctx))).toBe(
      'error validating connector type config: Error configuring Inference API action: Error: API Provider is not supported: acme by Inference Endpoint.',
    );
    expect(thrownMessage(() => validateConfig(def, { provider: 'openai', taskType: 'translation', inferenceId: 'x' }, ctx))).toBe(
      'error validating connector type config: Error configuring Inference API action: Error: Task type is not supported: translation by Inference Endpoint.',
    );
  });

  it('unflattens dotted settings', () => {
    expect(unflatten({ 'rate_limit.requests_per_minute': 10, model_id: 'm', 'a.b.c': 1 })).toEqual({ rate_limit: { requests_per_minute: 10 }, model_id: 'm', a: { b: { c: 1 } } });
  });
});

describe('.inference against the Elasticsearch simulator', () => {
  let es: ElasticsearchSimulator;
  let client: Client;
  let services: ReturnType<typeof makeServices>;
  let n = 0;

  beforeAll(async () => {
    es = await startElasticsearchSimulator();
    client = new Client({ node: es.url });
    services = makeServices({ elasticsearch: client });
  });
  afterAll(async () => {
    await client.close();
    await es.close();
  });

  const configOf = (taskType: string, inferenceId: string, extra: Record<string, unknown> = {}) =>
    validateConfig(def, { provider: 'openai', taskType, inferenceId, providerConfig: { model_id: 'gpt-4o', 'rate_limit.requests_per_minute': 30 }, ...extra }, ctx) as InferenceConfig;
  const secretsOf = () => validateSecrets(def, { providerSecrets: { api_key: 'sk-inference-secret' } }, ctx) as InferenceSecrets;
  const hook = (config: InferenceConfig, isUpdate = false, secrets = secretsOf()) => ({ connectorId: `c-${++n}`, config, secrets, isUpdate, logger, services });

  async function created(taskType: string): Promise<InferenceConfig> {
    const config = configOf(taskType, `${taskType}-${++n}`);
    await createEndpoint(hook(config));
    return config;
  }

  function run(config: InferenceConfig, params: unknown): Promise<ReadOutcome> {
    const context = makeContext({ config, secrets: secretsOf(), params: validateParams(def, params, ctx) as SubActionParams }, { services });
    return runAsAction(def, context);
  }

  it('preSave creates the endpoint with the service, its settings and secrets nested, and the task settings', async () => {
    const config = configOf('completion', 'created-1', { taskTypeConfig: { 'user.name': 'a' } });
    await createEndpoint(hook(config));
    expect(es.inferenceEndpoints().find((e) => e.inference_id === 'created-1')).toEqual({
      inference_id: 'created-1',
      task_type: 'completion',
      service: 'openai',
      service_settings: { model_id: 'gpt-4o', rate_limit: { requests_per_minute: 30 }, api_key: 'sk-inference-secret' },
      task_settings: { user: { name: 'a' } },
    });
    const put = es.requests.filter((r) => r.method === 'PUT').at(-1)!;
    expect(put.path).toBe('/_inference/completion/created-1');
  });

  it('preSave refuses a create over an existing endpoint, and replaces it on update', async () => {
    const config = configOf('completion', 'created-2');
    await createEndpoint(hook(config));
    await expect(createEndpoint(hook(config))).rejects.toMatchObject({ statusCode: 400, message: 'Inference with id created-2 and task type completion already exists.' });
    const before = es.requests.length;
    await createEndpoint(hook(configOf('completion', 'created-2', { providerConfig: { model_id: 'gpt-4.1' } }), true));
    expect(es.requests.slice(before).map((r) => `${r.method} ${r.path}`)).toEqual([
      'GET /_inference/completion/created-2',
      'DELETE /_inference/completion/created-2',
      'PUT /_inference/completion/created-2',
    ]);
    expect(es.inferenceEndpoints().find((e) => e.inference_id === 'created-2')?.service_settings.model_id).toBe('gpt-4.1');
  });

  it("preSave refuses with Elasticsearch's reason when it will not create the endpoint, and nothing is left", async () => {
    const config = configOf('completion', 'refused-1');
    await expect(createEndpoint(hook(config, false, { providerSecrets: {} }))).rejects.toMatchObject({
      statusCode: 400,
      message: 'Validation Failed: 1: [service_settings] does not contain the required setting [api_key];',
    });
    expect(es.inferenceEndpoints().some((e) => e.inference_id === 'refused-1')).toBe(false);
  });

  it('preSave answers 502 when Elasticsearch does not answer', async () => {
    const closed = await startElasticsearchSimulator();
    await closed.close();
    const unreachable = new Client({ node: closed.url, maxRetries: 0 });
    const config = configOf('completion', 'unreachable-1');
    await expect(createEndpoint({ ...hook(config), services: makeServices({ elasticsearch: unreachable }) })).rejects.toMatchObject({
      statusCode: 502,
      message: expect.stringMatching(/^Elasticsearch could not create the inference endpoint unreachable-1: /),
    });
    await unreachable.close();
  });

  it('postSave drops the endpoint of a create that was not stored; postDelete deletes it', async () => {
    const kept = await created('completion');
    await dropUnsavedEndpoint({ ...hook(kept), wasSuccessful: true });
    await dropUnsavedEndpoint({ ...hook(kept, true), wasSuccessful: false });
    expect(es.inferenceEndpoints().some((e) => e.inference_id === kept.inferenceId)).toBe(true);
    await dropUnsavedEndpoint({ ...hook(kept), wasSuccessful: false });
    expect(es.inferenceEndpoints().some((e) => e.inference_id === kept.inferenceId)).toBe(false);
    const other = await created('rerank');
    await deleteEndpoint({ config: other, services });
    expect(es.requests.at(-1)).toMatchObject({ method: 'DELETE', path: `/_inference/rerank/${other.inferenceId}` });
    expect(es.inferenceEndpoints().some((e) => e.inference_id === other.inferenceId)).toBe(false);
  });

  it('completion, rerank, text_embedding, sparse_embedding: the answers as Kibana shapes them', async () => {
    const completion = await run(await created('completion'), { subAction: 'completion', subActionParams: { input: 'hi there' } });
    expect(completion.result).toMatchObject({ status: 'ok', data: [{ result: 'You said: hi there' }] });
    expect(completion.usage).toBeUndefined();

    const rerank = await run(await created('rerank'), { subAction: 'rerank', subActionParams: { input: ['berlin is big', 'paris is in france'], query: 'where is paris' } });
    expect(rerank.result.data).toEqual([
      { index: 1, score: 0.5, text: 'paris is in france' },
      { index: 0, score: 1 / 3, text: 'berlin is big' },
    ]);

    const embeddingConfig = await created('text_embedding');
    const embedding = await run(embeddingConfig, { subAction: 'text_embedding', subActionParams: { input: 'hello', inputType: 'ingest' } });
    expect((embedding.result.data as Array<{ embedding: number[] }>)[0].embedding).toHaveLength(8);
    expect(JSON.parse(es.requests.at(-1)!.body)).toEqual({ input: 'hello', task_settings: { input_type: 'ingest' } });

    const sparse = await run(await created('sparse_embedding'), { subAction: 'sparse_embedding', subActionParams: { input: 'hello world' } });
    expect(sparse.result.data).toEqual([{ is_truncated: false, embedding: { hello: expect.any(Number), world: expect.any(Number) } }]);
  });

  const CHAT = { body: { messages: [{ role: 'user', content: 'hello plugboard' }], n: 2, temperature: 0 } };

  it('unified_completion: the stream gathered into one chat completion, with the usage Elasticsearch reports', async () => {
    const config = await created('chat_completion');
    const read = await run(config, { subAction: 'unified_completion', subActionParams: { ...CHAT, telemetryMetadata: { pluginId: 'security' } } });
    const usage = { prompt_tokens: 2, completion_tokens: 4, total_tokens: 6 };
    expect(read.result).toMatchObject({
      status: 'ok',
      data: { object: 'chat.completion', model: 'gpt-4o', choices: [{ message: { content: 'You said: hello plugboard', refusal: null, role: 'assistant' } }], usage },
    });
    expect(read.usage).toEqual({ promptTokens: 2, completionTokens: 4, totalTokens: 6 });
    const request = es.requests.at(-1)!;
    expect(request).toMatchObject({ method: 'POST', path: `/_inference/chat_completion/${config.inferenceId}/_stream`, query: { timeout: '180s' } });
    expect(request.headers['x-elastic-product-use-case']).toBe('security');
    expect(JSON.parse(request.body)).toEqual({ messages: CHAT.body.messages, temperature: 0 });
  });

  it("unified_completion fails with Kibana's token-limit error when the answer stops at max_tokens", async () => {
    const read = await run(await created('chat_completion'), { subAction: 'unified_completion', subActionParams: { body: { ...CHAT.body, max_tokens: 2 } } });
    expect(read.result).toMatchObject({ status: 'error', errorSource: 'user', serviceMessage: 'createTokenLimitReachedError()' });
  });

  it('unified_completion merges tool calls by index', async () => {
    const tools = [{ type: 'function', function: { name: 'lookup' } }];
    const read = await run(await created('chat_completion'), { subAction: 'unified_completion', subActionParams: { body: { messages: CHAT.body.messages, tools } } });
    expect(read.result.data).toMatchObject({
      choices: [{ message: { content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'lookup', arguments: '{"query":"hello plugboard"}' } }] } }],
    });
  });

  it('unified_completion_stream answers the raw events and counts their usage; the async iterator the parsed chunks', async () => {
    const config = await created('chat_completion');
    const streamed = await run(config, { subAction: 'unified_completion_stream', subActionParams: CHAT });
    expect(streamed.result.data).toBeInstanceOf(Readable);
    const events = await text(streamed.result.data as Readable);
    expect(events).toMatch(/^event: message\ndata: \{/);
    expect(events.trimEnd().endsWith('data: [DONE]')).toBe(true);
    expect(await streamed.usage).toEqual({ promptTokens: 2, completionTokens: 4, totalTokens: 6 });

    const iterated = await run(config, { subAction: 'unified_completion_async_iterator', subActionParams: CHAT });
    const chunks: Array<Record<string, any>> = [];
    for await (const chunk of (iterated.result.data as { consumerStream: AsyncIterable<Record<string, any>> }).consumerStream) chunks.push(chunk);
    expect(chunks.map((c) => c.choices[0]?.delta?.content ?? '').join('')).toBe('You said: hello plugboard');
    expect(def.streamsAnswer!({ subAction: 'unified_completion_stream' } as never)).toBe(true);
    expect(def.streamsAnswer!({ subAction: 'unified_completion' } as never)).toBe(false);
  });

  it('a stream cut halfway fails its reader, its usage estimated from what came through', async () => {
    const config = await created('chat_completion');
    es.cutNextInferenceStream();
    const read = await run(config, { subAction: 'unified_completion_stream', subActionParams: CHAT });
    await expect(text(read.result.data as Readable)).rejects.toThrow();
    const usage = (await read.usage)!;
    expect(usage.completionTokens).toBeGreaterThan(0);
    es.cutNextInferenceStream();
    const gathered = await run(config, { subAction: 'unified_completion', subActionParams: CHAT });
    expect(gathered.result.status).toBe('error');
  });

  it("an error event mid-stream (answered 200): the chunks before it, then the error's message, as Kibana's unified_completion raises it", async () => {
    const config = await created('chat_completion');
    const RATE_LIMITED = 'Received a rate limit status code for request from inference entity id [stream] status [429]. Error message: [Rate limit reached for requests]';
    es.failNextInferenceStream();
    const streamed = await run(config, { subAction: 'unified_completion_stream', subActionParams: CHAT });
    expect(streamed.result.status).toBe('ok');
    const { chunks, failure } = await readStreamChunks(def, streamed.result.data);
    expect(chunks.map((c) => JSON.parse(c).choices[0].delta.content)).toEqual(['You', ' said:']);
    expect(failure).toBeInstanceOf(StreamFailure);
    expect(failure).toMatchObject({ message: RATE_LIMITED, failure: { httpStatus: 429 } });
    await expect(streamed.usage).rejects.toThrow(RATE_LIMITED);

    // Gathered: the run fails with the same words; a 429 is retried by the queue, as a 429 answer is.
    es.failNextInferenceStream();
    const gathered = await run(config, { subAction: 'unified_completion', subActionParams: CHAT });
    expect(gathered.result).toMatchObject({ status: 'error', message: 'an error occurred while running the action', serviceMessage: RATE_LIMITED, retry: true });
    expect(gathered.failure).toEqual({ httpStatus: 429 });
    expect(gathered.usage).toBeUndefined();

    // Another failure's shape: `{error: {type, reason}, status}`, its reason when it has no message.
    es.failNextInferenceStream({ error: { root_cause: [], type: 'illegal_state_exception', reason: 'model crashed' }, status: 500 }, 1);
    const crashed = await run(config, { subAction: 'unified_completion', subActionParams: CHAT });
    expect(crashed.result.serviceMessage).toBe('model crashed');
    expect(crashed.failure).toEqual({ httpStatus: 500 });
  });

  it('reads an error event as Kibana does: message, else reason, else "Unknown error", truncated to 1000 characters', () => {
    expect(inferenceStreamFailure({ error: { code: 'bad_request', message: 'bad', type: 'x' } })).toMatchObject({ message: 'bad', failure: { httpStatus: 400 } });
    expect(inferenceStreamFailure({ error: {} })).toMatchObject({ message: 'Unknown error', failure: undefined });
    const long = inferenceStreamFailure({ error: { reason: 'y'.repeat(2000) } })!.message;
    expect(long).toHaveLength(1000);
    expect(long.endsWith('... [truncated]')).toBe(true);
    expect(inferenceStreamFailure({ object: 'chat.completion.chunk', choices: [] })).toBeUndefined();
  });

  it('fails as Elasticsearch fails: a missing endpoint (404), a task it is not of (400), a rate limit (429)', async () => {
    const missing = await run(configOf('completion', 'never-created'), { subAction: 'completion', subActionParams: { input: 'x' } });
    expect(missing.result).toMatchObject({ status: 'error', errorSource: 'user', message: 'an error occurred while running the action' });
    expect(missing.result.serviceMessage).toContain('Inference endpoint not found [never-created]');
    expect(missing.result.serviceMessage).toContain('Status code: 404');
    expect(missing.failure).toMatchObject({ httpStatus: 404 });

    const streamMissing = await run(configOf('chat_completion', 'never-created'), { subAction: 'unified_completion_stream', subActionParams: CHAT });
    expect(streamMissing.result.serviceMessage).toMatch(/^Inference endpoint \[never-created\] returned status code 404: \{"error":\{"root_cause"/);
    expect(streamMissing.result.errorSource).toBe('user');

    const completion = await created('completion');
    const wrongTask = await run(completion, { subAction: 'unified_completion', subActionParams: CHAT });
    expect(wrongTask.result.serviceMessage).toContain('Incompatible task_type, the requested type [chat_completion] does not match the model type [completion]');

    es.failNextInference(429, { type: 'status_exception', reason: 'Received a rate limit status code. You exceeded your current quota' }, { 'retry-after': '30' });
    const limited = await run(completion, { subAction: 'completion', subActionParams: { input: 'x' } });
    expect(limited.result).toMatchObject({ status: 'error', errorSource: 'user' });
    expect(limited.failure?.httpStatus).toBe(429);
    expect(limited.failure?.retryAt).toBeInstanceOf(Date);

    const chat = await created('chat_completion');
    es.failNextInference(429, { type: 'status_exception', reason: 'You exceeded your current quota' });
    const quota = await run(chat, { subAction: 'unified_completion_stream', subActionParams: CHAT });
    expect(quota.result).toMatchObject({ status: 'error', errorSource: 'user' });
    expect(quota.result.serviceMessage).toContain('You exceeded your current quota');
  });

  it('the listing reads the endpoints Elasticsearch has, and nothing when it cannot say', async () => {
    const config = await created('sparse_embedding');
    const listed = await def.listedConnectors!(services);
    expect(listed!.listed(config)).toBe(true);
    expect(listed!.listed(configOf('completion', 'never-created'))).toBe(false);
    const closed = await startElasticsearchSimulator();
    await closed.close();
    const unreachable = new Client({ node: closed.url });
    expect(await existingEndpointIds(unreachable)).toBeUndefined();
    await unreachable.close();
  });

  it('checks the params of each sub-action', async () => {
    const read = await run(await created('rerank'), { subAction: 'rerank', subActionParams: { input: ['a'] } });
    expect(read.result).toMatchObject({ status: 'error', errorSource: 'user' });
    expect(read.result.serviceMessage).toMatch(/^Request validation failed/);
  });
});
