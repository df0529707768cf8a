import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { encode } from 'gpt-tokenizer';
import { pino } from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ReadOutcome } from '../../actions/executor.js';
import type { SubActionParams } from '../../actions/sub_actions.js';
import { StreamFailure } from '../../actions/failure.js';
import type { ConnectorServices } from '../../actions/types.js';
import { validateConfig, validateParams, validateSecrets } from '../../actions/validation.js';
import { installZod3Messages } from '../../common/zod_messages.js';
import { makeConfigurationUtilities, makeContext, makeServices, readStreamChunks, runAsAction, thrownMessage } from '../lib/test_context.js';
import { EventStreamDecoder, encodeEventStreamMessage, type EventStreamMessage } from './event_stream.js';
import { ensureMessageFormat } from './format.js';
import { bedrockConnectorType } from './index.js';
import { DEFAULT_MODEL, secretsSchema, type BedrockConfig, type BedrockSecrets } from './schema.js';
import { regionOf, signRequest } from './signing.js';
import { SIMULATOR_REPLY, startBedrockSimulator, type BedrockSimulator } from './simulator.js';
import { bedrockStreamFailure } from './errors.js';
import { bedrockStreamEvent, countedEventStream } from './tokens.js';

installZod3Messages();

const def = bedrockConnectorType;
const ctx = { configurationUtilities: makeConfigurationUtilities() };
const ACCESS_KEY = 'AKIASIMULATED0000001';
const SECRET = 'simulated/secret+key/0123456789abcdefghij';
const HELLO = [{ role: 'user', content: 'Say hello' }];
const tokens = (s: string) => encode(s).length;

describe('.bedrock definition and validation', () => {
  it('has Kibana identity', () => {
    expect(def).toMatchObject({ id: '.bedrock', name: 'Amazon Bedrock', minimumLicenseRequired: 'enterprise' });
    expect(def.supportedFeatureIds).toEqual(['generativeAIForSecurity', 'generativeAIForObservability', 'generativeAIForSearchPlayground', 'workflows']);
    for (const field of ['accessKey', 'secret'] as const) expect(secretsSchema.shape[field].meta()).toMatchObject({ secret: true });
  });

  it('fills in the default model, takes a region, and checks the URL against allowedHosts', () => {
    const apiUrl = 'https://bedrock-runtime.us-east-1.amazonaws.com';
    expect(validateConfig(def, { apiUrl }, ctx)).toEqual({ apiUrl, defaultModel: DEFAULT_MODEL });
    expect(validateConfig(def, { apiUrl, region: 'eu-west-3', defaultModel: 'm', contextWindowLength: '200000', temperature: '0.5' }, ctx)).toEqual({
      apiUrl,
      region: 'eu-west-3',
      defaultModel: 'm',
      contextWindowLength: 200000,
      temperature: 0.5,
    });
    expect(thrownMessage(() => validateConfig(def, { apiUrl, apiProvider: 'x' }, ctx))).toBe("error validating connector type config: Unrecognized key(s) in object: 'apiProvider'");
    const restricted = { configurationUtilities: makeConfigurationUtilities({ allowedHosts: ['bedrock-runtime.us-east-1.amazonaws.com'] }) };
    expect(thrownMessage(() => validateConfig(def, { apiUrl: 'https://other.example.com' }, restricted))).toBe(
      'error validating connector type config: Error configuring Amazon Bedrock action: Error: error validating url: target url "https://other.example.com" is not added to the Kibana config xpack.actions.allowedHosts',
    );
  });

  it('needs both the access key and the secret', () => {
    expect(validateSecrets(def, { accessKey: ACCESS_KEY, secret: SECRET }, ctx)).toEqual({ accessKey: ACCESS_KEY, secret: SECRET });
    expect(thrownMessage(() => validateSecrets(def, { accessKey: ACCESS_KEY }, ctx))).toMatch(/^error validating connector type secrets: .*secret/);
    expect(thrownMessage(() => validateSecrets(def, { secret: SECRET }, ctx))).toMatch(/^error validating connector type secrets: .*accessKey/);
  });

  it('signs for the configured region, else the one in the host, else us-east-1', () => {
    expect(regionOf('https://bedrock-runtime.eu-west-3.amazonaws.com', undefined, 'us-east-1')).toBe('eu-west-3');
    expect(regionOf('https://vpce-0a1b-c2d3.bedrock-runtime.ap-southeast-2.vpce.amazonaws.com', undefined, 'us-east-1')).toBe('ap-southeast-2');
    expect(regionOf('https://bedrock-runtime.eu-west-3.amazonaws.com', 'us-west-2', 'us-east-1')).toBe('us-west-2');
    expect(regionOf('https://llm-proxy.example.com', undefined, 'us-east-1')).toBe('us-east-1');
  });

  it('formats messages as Bedrock takes them (reference §2.4)', () => {
    expect(
      ensureMessageFormat(
        [
          { role: 'system', content: 'Be brief.' },
          { role: 'user', content: 'a' },
          { role: 'human', content: 'b' },
          { role: 'ai', content: 'c' },
          { role: 'assistant', rawContent: [{ type: 'text', text: 'd' }] },
          { role: 'user', content: 'e' },
        ],
        'Be kind.',
      ),
    ).toEqual({
      system: 'Be kind.\nBe brief.',
      messages: [
        { role: 'user', content: 'a\nb' },
        { role: 'assistant', content: 'c' },
        { role: 'assistant', content: [{ type: 'text', text: 'd' }] },
        { role: 'user', content: 'e' },
      ],
    });
  });
});

// AWS's published Signature Version 4 test suite (aws-sig-v4-test-suite, as kept in
// awslabs/aws-c-auth): credentials AKIDEXAMPLE, region us-east-1, service `service`, signed at
// 2015-08-30T12:36:00Z. (get-utf8 sends raw UTF-8 bytes in its path, which a URL cannot hold:
// Plugboard always sends a percent-encoded path, as the next test shows.)
describe('SigV4 against the AWS test suite', () => {
  const SUITE = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };
  const SCOPE = { region: 'us-east-1', service: 'service' };
  const CREDENTIAL = 'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request';
  const sign = (method: string, url: string, body = '', headers: Record<string, string> = {}) =>
    signRequest({ url, method, headers: { 'X-Amz-Date': '20150830T123600Z', ...headers }, body }, SCOPE, SUITE);

  it.each([
    ['get-vanilla', 'GET', 'https://example.amazonaws.com/', '', {}, 'host;x-amz-date', '5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31'],
    ['get-vanilla-query-order-key-case', 'GET', 'https://example.amazonaws.com/?Param2=value2&Param1=value1', '', {}, 'host;x-amz-date', 'b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500'],
    ['post-vanilla', 'POST', 'https://example.amazonaws.com/', '', {}, 'host;x-amz-date', '5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b'],
    [
      'post-x-www-form-urlencoded',
      'POST',
      'https://example.amazonaws.com/',
      'Param1=value1',
      { 'Content-Type': 'application/x-www-form-urlencoded' },
      'content-type;host;x-amz-date',
      'ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a',
    ],
  ])('%s', (_name, method, url, body, headers, signedHeaders, signature) => {
    const signed = sign(method, url, body, headers);
    expect(signed.Authorization).toBe(`${CREDENTIAL}, SignedHeaders=${signedHeaders}, Signature=${signature}`);
    expect(signed['X-Amz-Date']).toBe('20150830T123600Z');
    // Host and Content-Length are the HTTP client's to send (Content-Length is not signed).
    expect(Object.keys(signed).map((h) => h.toLowerCase())).not.toContain('host');
    expect(Object.keys(signed).map((h) => h.toLowerCase())).not.toContain('content-length');
  });

  it('signs the path as it is sent: a model id encoded (%3A) is another path than one with a bare colon', () => {
    const at = { url: 'https://bedrock-runtime.us-east-1.amazonaws.com/model/anthropic.claude-3-5-sonnet-20240620-v1%3A0/invoke', method: 'POST', body: '{}' };
    const plain = signRequest({ ...at, headers: { 'X-Amz-Date': '20150830T123600Z' } }, { region: 'us-east-1', service: 'bedrock' }, SUITE);
    const other = signRequest({ ...at, url: at.url.replace('%3A', ':'), headers: { 'X-Amz-Date': '20150830T123600Z' } }, { region: 'us-east-1', service: 'bedrock' }, SUITE);
    expect(plain.Authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/20150830\/us-east-1\/bedrock\/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=[0-9a-f]{64}$/);
    // AWS services but S3 sign the path as sent, each segment encoded once more.
    expect(other.Authorization).not.toBe(plain.Authorization);
  });
});

describe('the AWS event-stream decoder', () => {
  const messages = [
    encodeEventStreamMessage({ ':event-type': 'chunk', ':message-type': 'event' }, '{"bytes":"eyJhIjoxfQ=="}'),
    encodeEventStreamMessage({ ':event-type': 'chunk', ':message-type': 'event' }, ''),
    encodeEventStreamMessage({ ':message-type': 'exception', ':exception-type': 'throttlingException' }, '{"message":"slow down"}'),
  ];
  const all = Buffer.concat(messages);
  const decodeAll = (pieces: Uint8Array[]) => {
    const decoder = new EventStreamDecoder();
    const out: EventStreamMessage[] = [];
    for (const piece of pieces) out.push(...decoder.push(piece));
    decoder.end();
    return out.map((m) => ({ headers: m.headers, body: Buffer.from(m.body).toString() }));
  };
  const expected = [
    { headers: { ':event-type': 'chunk', ':message-type': 'event' }, body: '{"bytes":"eyJhIjoxfQ=="}' },
    { headers: { ':event-type': 'chunk', ':message-type': 'event' }, body: '' },
    { headers: { ':message-type': 'exception', ':exception-type': 'throttlingException' }, body: '{"message":"slow down"}' },
  ];

  it('decodes messages whole, and however their bytes are split', () => {
    expect(decodeAll([all])).toEqual(expected);
    for (let cut = 1; cut < all.length; cut++) expect(decodeAll([all.subarray(0, cut), all.subarray(cut)])).toEqual(expected);
    expect(decodeAll([...all].map((byte) => Uint8Array.of(byte)))).toEqual(expected);
  });

  it('refuses a corrupt prelude before trusting its length, a corrupt payload, and a stream ending inside a message', () => {
    const prelude = Buffer.from(all);
    prelude[2] ^= 0xff;
    expect(() => new EventStreamDecoder().push(prelude)).toThrow(/prelude checksum mismatch/);
    const payload = Buffer.from(messages[0]);
    payload[payload.length - 8] ^= 0x01;
    expect(() => new EventStreamDecoder().push(payload)).toThrow(/message checksum/);
    const cut = new EventStreamDecoder();
    expect(cut.push(all.subarray(0, messages[0].length + 5))).toHaveLength(1);
    expect(() => cut.end()).toThrow(/ended inside a message/);
  });

  it('reads chunks and Converse events as Bedrock means them; an exception is thrown', () => {
    const [chunk, , exception] = new EventStreamDecoder().push(all);
    expect(bedrockStreamEvent(chunk)).toEqual({ type: 'chunk', body: { a: 1 } });
    const delta = new EventStreamDecoder().push(encodeEventStreamMessage({ ':event-type': 'contentBlockDelta', ':message-type': 'event' }, '{"delta":{"text":"Hi"}}'));
    expect(bedrockStreamEvent(delta[0])).toEqual({ type: 'contentBlockDelta', body: { delta: { text: 'Hi' } } });
    // An exception, worded as Kibana words the same exception answered before the stream.
    const thrown = (() => {
      try {
        bedrockStreamEvent(exception);
      } catch (err) {
        return err;
      }
    })();
    expect(thrown).toBeInstanceOf(StreamFailure);
    expect(thrown).toMatchObject({ message: 'API Error: Too Many Requests - slow down', source: 'user', failure: { httpStatus: 429 } });
  });

  it('words each exception a stream may end with as the HTTP error Bedrock would have answered', () => {
    expect(bedrockStreamFailure('modelStreamErrorException', { message: 'model failed' })).toMatchObject({ message: 'API Error: Failed Dependency - model failed', failure: { httpStatus: 424 }, source: 'framework' });
    expect(bedrockStreamFailure('validationException', { message: 'bad input' })).toMatchObject({ message: 'API Error: Bad Request - bad input', failure: { httpStatus: 400 } });
    expect(bedrockStreamFailure('internalServerException', { message: 'oops' })).toMatchObject({ message: 'API Error: Internal Server Error - oops', failure: { httpStatus: 500 } });
    expect(bedrockStreamFailure('someNewException', {})).toMatchObject({ message: 'API Error: someNewException', failure: undefined });
  });
});

describe('token usage of a Bedrock stream', () => {
  const chunk = (event: Record<string, unknown>) =>
    encodeEventStreamMessage({ ':event-type': 'chunk', ':message-type': 'event' }, JSON.stringify({ bytes: Buffer.from(JSON.stringify(event)).toString('base64') }));
  const request = { messages: HELLO };
  const delta = (text: string) => chunk({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text } });

  it("takes Anthropic's own counts without Bedrock's metrics, and estimates without either", async () => {
    const counted = countedEventStream(Readable.from([chunk({ type: 'message_start', message: { usage: { input_tokens: 12, output_tokens: 1 } } }), delta('Hi'), chunk({ type: 'message_delta', usage: { output_tokens: 3 } })]), request);
    await buffer(counted.stream);
    expect(await counted.usage).toEqual({ promptTokens: 12, completionTokens: 3, totalTokens: 15 });
    const bare = countedEventStream(Readable.from([delta('Hello there')]), request);
    await buffer(bare.stream);
    const prompt = tokens('<|start|>user\nSay hello<|end|>');
    expect(await bare.usage).toEqual({ promptTokens: prompt, completionTokens: tokens('Hello there'), totalTokens: prompt + tokens('Hello there') });
  });

  it('passes a stream ending with an exception through as it came; its usage rejects with the exception', async () => {
    const exception = encodeEventStreamMessage({ ':message-type': 'exception', ':exception-type': 'modelStreamErrorException', ':content-type': 'application/json' }, '{"message":"model failed"}');
    const bytes = Buffer.concat([delta('Hello'), exception]);
    const counted = countedEventStream(Readable.from([bytes]), request);
    expect(await buffer(counted.stream)).toEqual(bytes);
    await expect(counted.usage).rejects.toBeInstanceOf(StreamFailure);
    await expect(counted.usage).rejects.toThrow('API Error: Failed Dependency - model failed');
  });

  it('passes a corrupt stream through as it came, counting what decoded before the corruption', async () => {
    const corrupt = Buffer.from(delta('Bye now'));
    corrupt[corrupt.length - 1] ^= 0xff;
    const bytes = [Buffer.from(delta('Hello')), corrupt, Buffer.from(delta(' again'))];
    const counted = countedEventStream(Readable.from(bytes), request);
    expect(await buffer(counted.stream)).toEqual(Buffer.concat(bytes));
    expect((await counted.usage).completionTokens).toBe(tokens('Hello'));
  });
});

describe('.bedrock sub-actions against the simulator', () => {
  let sim: BedrockSimulator;
  let services: ConnectorServices;
  const CLAUDE_35 = 'anthropic.claude-3-5-sonnet-20240620-v1:0';

  beforeAll(async () => {
    sim = await startBedrockSimulator({ accessKey: ACCESS_KEY, secret: SECRET, region: 'eu-west-3', contextWindow: 300 });
    services = makeServices();
  });
  afterAll(async () => {
    await services.http.close();
    await sim.close();
  });
  beforeEach(() => {
    sim.requests.length = 0;
    sim.invocations.length = 0;
  });

  function outcome(params: unknown, overrides: { secrets?: Partial<BedrockSecrets>; config?: Record<string, unknown> } = {}): Promise<ReadOutcome> {
    const config = validateConfig(def, { apiUrl: sim.url, region: 'eu-west-3', ...overrides.config }, ctx) as BedrockConfig;
    const secrets = validateSecrets(def, { accessKey: ACCESS_KEY, secret: SECRET, ...overrides.secrets }, ctx) as BedrockSecrets;
    const context = makeContext({ config, secrets, params: validateParams(def, params, ctx) as SubActionParams }, { connectorId: 'bedrock-1', services });
    return runAsAction(def, context);
  }
  const last = () => sim.requests[sim.requests.length - 1];
  const lastBody = () => JSON.parse(last().body) as Record<string, unknown>;
  const reported = (i = 0) => {
    const u = sim.invocations[i].usage;
    return { promptTokens: u.input_tokens, completionTokens: u.output_tokens, totalTokens: u.input_tokens + u.output_tokens };
  };
  const messagesBody = JSON.stringify({ anthropic_version: 'bedrock-2023-05-31', messages: HELLO, max_tokens: 100 });

  it('test: the body as given to the default model, SigV4-signed; the answer as {completion, stop_reason, usage}', async () => {
    const read = await outcome({ subAction: 'test', subActionParams: { body: messagesBody } });
    expect(read.result).toMatchObject({ status: 'ok', actionId: 'bedrock-1' });
    expect(read.result.data).toEqual({ completion: SIMULATOR_REPLY, stop_reason: 'end_turn', usage: sim.invocations[0].usage });
    expect(last()).toMatchObject({ method: 'POST', path: '/model/us.anthropic.claude-sonnet-4-5-20250929-v1%3A0/invoke', body: messagesBody });
    expect(last().headers).toMatchObject({ 'content-type': 'application/json', accept: '*/*', 'x-amz-date': expect.stringMatching(/^\d{8}T\d{6}Z$/) });
    expect(last().headers.authorization).toMatch(new RegExp(`^AWS4-HMAC-SHA256 Credential=${ACCESS_KEY}/\\d{8}/eu-west-3/bedrock/aws4_request, SignedHeaders=accept;content-type;host;x-amz-date, Signature=`));
    expect(read.usage).toEqual(reported());
  });

  it("run: another model, a legacy prompt answered as it is, raw answers the model's JSON", async () => {
    const legacy = await outcome({ subAction: 'run', subActionParams: { body: JSON.stringify({ prompt: '\n\nHuman: hi\n\nAssistant:', max_tokens_to_sample: 50 }), model: CLAUDE_35 } });
    expect(last().path).toBe('/model/anthropic.claude-3-5-sonnet-20240620-v1%3A0/invoke');
    expect(legacy.result.data).toEqual({ type: 'completion', completion: ` ${SIMULATOR_REPLY}`, stop_reason: 'stop_sequence', stop: '\n\nHuman:' });
    // No usage in a legacy answer: estimated from the prompt and the completion.
    expect(legacy.usage).toEqual({ promptTokens: tokens('\n\nHuman: hi\n\nAssistant:'), completionTokens: tokens(` ${SIMULATOR_REPLY}`), totalTokens: tokens('\n\nHuman: hi\n\nAssistant:') + tokens(` ${SIMULATOR_REPLY}`) });
    const raw = await outcome({ subAction: 'run', subActionParams: { body: messagesBody, raw: true, model: encodeURIComponent(CLAUDE_35) } });
    expect(last().path).toBe('/model/anthropic.claude-3-5-sonnet-20240620-v1%3A0/invoke');
    expect(raw.result.data).toMatchObject({ type: 'message', role: 'assistant', content: [{ type: 'text', text: SIMULATOR_REPLY }], usage: sim.invocations[1].usage });
  });

  it("invokeAI: Kibana's Messages body (FTR expectation), the trimmed text and usage", async () => {
    const read = await outcome({
      subAction: 'invokeAI',
      subActionParams: {
        messages: [
          { role: 'system', content: 'Be a good chatbot' },
          { role: 'user', content: 'Hello world' },
          { role: 'assistant', content: 'Hi, I am a good chatbot' },
          { role: 'user', content: 'What is 2+2?' },
        ],
        telemetryMetadata: { pluginId: 'security_ai_assistant' },
      },
    });
    expect(lastBody()).toEqual({
      anthropic_version: 'bedrock-2023-05-31',
      messages: [
        { role: 'user', content: 'Hello world' },
        { role: 'assistant', content: 'Hi, I am a good chatbot' },
        { role: 'user', content: 'What is 2+2?' },
      ],
      system: 'Be a good chatbot',
      max_tokens: 8191,
      temperature: 0,
    });
    expect(read.result.data).toEqual({ message: SIMULATOR_REPLY, usage: sim.invocations[0].usage });
    expect(read.usage).toEqual(reported());

    await outcome({ subAction: 'invokeAI', subActionParams: { messages: HELLO, maxTokens: 10, temperature: 0.3, stopSequences: ['\n'], tools: [{ name: 't', description: 'd', input_schema: { type: 'object' } }], toolChoice: { type: 'auto' } } });
    expect(lastBody()).toEqual({
      anthropic_version: 'bedrock-2023-05-31',
      messages: HELLO,
      max_tokens: 10,
      temperature: 0.3,
      stop_sequences: ['\n'],
      tools: [{ name: 't', description: 'd', input_schema: { type: 'object' } }],
      tool_choice: { type: 'auto' },
    });
  });

  it('invokeAIRaw: the messages as given; the whole answer', async () => {
    const messages = [{ role: 'user', content: [{ type: 'text', text: 'Say hello' }] }];
    const read = await outcome({ subAction: 'invokeAIRaw', subActionParams: { messages, system: 'S', anthropicVersion: 'bedrock-2023-05-31' } });
    expect(lastBody()).toEqual({ messages, system: 'S', max_tokens: 8191, anthropic_version: 'bedrock-2023-05-31' });
    expect(read.result.data).toMatchObject({ type: 'message', content: [{ type: 'text', text: SIMULATOR_REPLY }] });
    expect(read.usage).toEqual(reported());
  });

  it('invokeStream: the event-stream bytes as a Readable, signed with the stream headers, usage from the invocation metrics', async () => {
    const read = await outcome({ subAction: 'invokeStream', subActionParams: { messages: HELLO, maxTokens: 10 } });
    expect(last().path).toBe('/model/us.anthropic.claude-sonnet-4-5-20250929-v1%3A0/invoke-with-response-stream');
    expect(last().headers).toMatchObject({ accept: 'application/vnd.amazon.eventstream', 'x-amzn-bedrock-accept': '*/*' });
    // maxTokens is not forwarded when streaming, as in Kibana.
    expect(lastBody()).toMatchObject({ max_tokens: 8191 });
    expect(read.result.data).toBeInstanceOf(Readable);
    const decoder = new EventStreamDecoder();
    const events = decoder.push(await buffer(read.result.data as Readable)).map(bedrockStreamEvent);
    decoder.end();
    expect(events.map((e) => e.body.type)).toEqual(['message_start', 'content_block_start', ...Array(8).fill('content_block_delta'), 'content_block_stop', 'message_delta', 'message_stop']);
    expect(events.map((e) => e.body.delta?.text ?? '').join('')).toBe(SIMULATOR_REPLY);
    expect(await read.usage).toEqual(reported());
  });

  it('converse and converseStream: the Converse API, usage from its usage field and metadata event', async () => {
    const messages = [{ role: 'user', content: [{ text: 'Say hello' }] }];
    const read = await outcome({ subAction: 'converse', subActionParams: { messages, system: [{ text: 'S' }], maxTokens: 20, tools: [{ toolSpec: { name: 't' } }] } });
    expect(last().path).toBe('/model/us.anthropic.claude-sonnet-4-5-20250929-v1%3A0/converse');
    expect(lastBody()).toEqual({ messages, inferenceConfig: { maxTokens: 20 }, toolConfig: { tools: [{ toolSpec: { name: 't' } }] }, system: [{ text: 'S' }] });
    expect(read.result.data).toMatchObject({ output: { message: { role: 'assistant', content: [{ text: SIMULATOR_REPLY }] } }, stopReason: 'end_turn' });
    expect(read.usage).toEqual(reported());

    const streamed = await outcome({ subAction: 'converseStream', subActionParams: { messages, model: CLAUDE_35 } });
    expect(last().path).toBe('/model/anthropic.claude-3-5-sonnet-20240620-v1%3A0/converse-stream');
    expect(lastBody()).toEqual({ messages, inferenceConfig: {} });
    const { stream } = streamed.result.data as { stream: Readable };
    const events = new EventStreamDecoder().push(await buffer(stream)).map(bedrockStreamEvent);
    expect(events.map((e) => e.type)).toEqual(['messageStart', ...Array(8).fill('contentBlockDelta'), 'contentBlockStop', 'messageStop', 'metadata']);
    expect(await streamed.usage).toEqual(reported(1));
  });

  it('fails as Bedrock fails, worded as Kibana words it; a 429 is the user\'s with its Retry-After', async () => {
    const body = { body: messagesBody };
    const wrongSecret = await outcome({ subAction: 'run', subActionParams: body }, { secrets: { secret: 'not-the-secret' } });
    expect(wrongSecret.result).toMatchObject({
      status: 'error',
      message: 'an error occurred while running the action',
      serviceMessage: 'Status code: 403. Message: API Error: Forbidden - The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
      retry: true,
      errorSource: 'framework',
    });
    expect(JSON.stringify(wrongSecret)).not.toContain('not-the-secret');
    expect((await outcome({ subAction: 'run', subActionParams: body }, { secrets: { accessKey: 'AKIAOTHER' } })).result.serviceMessage).toBe(
      'Status code: 403. Message: API Error: Forbidden - The security token included in the request is invalid.',
    );
    expect((await outcome({ subAction: 'run', subActionParams: body }, { config: { region: 'us-west-2' } })).result.serviceMessage).toMatch(/^Status code: 403\. Message: API Error: Forbidden - Credential should be scoped to a valid region/);
    sim.failNext(401, JSON.stringify({ message: 'The api key was invalid.' }));
    expect((await outcome({ subAction: 'run', subActionParams: body })).result.serviceMessage).toBe('Status code: 401. Message: Unauthorized API Error: The api key was invalid.');

    expect((await outcome({ subAction: 'run', subActionParams: { ...body, model: 'anthropic.claude-v9' } })).result.serviceMessage).toBe(
      'Status code: 404. Message: API Error: Not Found - Could not resolve the foundation model from the provided model identifier.',
    );
    const long = await outcome({ subAction: 'invokeAI', subActionParams: { messages: [{ role: 'user', content: 'word '.repeat(400) }] } });
    expect(long.result.serviceMessage).toBe('Status code: 400. Message: API Error: Bad Request - Input is too long for requested model.');
    expect(long.failure).toMatchObject({ httpStatus: 400 });
    expect((await outcome({ subAction: 'test', subActionParams: { body: JSON.stringify({ ...JSON.parse(messagesBody), ooooo: 1 }) } })).result.serviceMessage).toBe(
      'Status code: 422. Message: API Error: Unprocessable Entity - Malformed input request: extraneous key [ooooo] is not permitted, please reformat your input and try again.',
    );
    expect((await outcome({ subAction: 'run', subActionParams: body }, { config: { apiUrl: `${sim.url}/control-plane` } })).result.serviceMessage).toBe(
      'Status code: 400. Message: API Error: The requested operation is not recognized by the service.\n\nThe Kibana Connector in use may need to be reconfigured with an updated Amazon Bedrock endpoint, like `bedrock-runtime`.',
    );

    sim.rateLimitNext(20);
    const started = Date.now();
    const limited = await outcome({ subAction: 'run', subActionParams: body });
    expect(limited.result).toMatchObject({ serviceMessage: 'Status code: 429. Message: API Error: Too Many Requests - Too many requests, please wait before trying again.', errorSource: 'user' });
    expect(limited.failure?.retryAt?.getTime()).toBeGreaterThanOrEqual(started + 19_000);
    expect(wrongSecret.usage).toBeUndefined();

    sim.failNext(200, JSON.stringify({ completion_text: 'x' }));
    expect((await outcome({ subAction: 'run', subActionParams: body })).result.serviceMessage).toMatch(/^Response validation failed \(.*content/);
    sim.failNext(500, '{}');
    expect((await outcome({ subAction: 'run', subActionParams: body })).result.serviceMessage).toBe('Status code: 500. Message: API Error: Internal Server Error');
  });

  it('an error answer to a stream request is read and thrown as for run', async () => {
    const read = await outcome({ subAction: 'invokeStream', subActionParams: { messages: HELLO, model: 'nope' } });
    expect(read.result.serviceMessage).toBe('Status code: 404. Message: API Error: Not Found - Could not resolve the foundation model from the provided model identifier.');
  });

  it("checks each sub-action's params before sending; no model at all is refused", async () => {
    expect((await outcome({ subAction: 'invokeAI', subActionParams: { messages: [{ role: 'user' }] } })).result.serviceMessage).toMatch(/^Request validation failed \(.*content or rawContent/);
    expect((await outcome({ subAction: 'invokeAI', subActionParams: { messages: HELLO, top_k: 3 } })).result.serviceMessage).toBe("Request validation failed (Unrecognized key(s) in object: 'top_k')");
    expect((await outcome({ subAction: 'getDashboard', subActionParams: { dashboardId: 'd' } })).result.data).toEqual({ available: false });
    expect((await outcome({ subAction: 'bedrockClientSend', subActionParams: { command: {} } })).result.serviceMessage).toBe(
      'Sub action "bedrockClientSend" is not registered. Connector id: bedrock-1. Connector name: Amazon Bedrock. Connector type: .bedrock',
    );
    expect((await outcome({ subAction: 'run', subActionParams: { body: '{}' } }, { config: { defaultModel: '' } })).result.serviceMessage).toBe('No model specified. Please configure a default model.');
    expect(sim.requests).toHaveLength(0);
  });

  it('words a request that got no answer as Kibana does', async () => {
    const read = await outcome({ subAction: 'run', subActionParams: { body: '{}' } }, { config: { apiUrl: 'http://127.0.0.1:1' } });
    expect(read.result.serviceMessage).toMatch(/^Status code: undefined\. Message: Unexpected API Error: ECONNREFUSED - /);
  });

  it('a stream cut halfway fails its reader, and counts what came through', async () => {
    sim.cutStreamNext();
    const read = await outcome({ subAction: 'invokeStream', subActionParams: { messages: HELLO } });
    await expect(buffer(read.result.data as Readable)).rejects.toThrow();
    const usage = (await read.usage)!;
    // No metrics arrived: Anthropic's input count of message_start is not enough, so it is estimated.
    expect(usage.completionTokens).toBeGreaterThan(0);
    expect(usage.completionTokens).toBeLessThan(tokens(SIMULATOR_REPLY));
  });

  it('a stream the simulator fails with an exception: the events before it, then the failure; the usage rejects with it', async () => {
    sim.failStreamNext('throttlingException', undefined, 4);
    const read = await outcome({ subAction: 'converseStream', subActionParams: { messages: [{ role: 'user', content: [{ text: 'hi' }] }] } });
    expect(read.result.status).toBe('ok');
    const { chunks, failure } = await readStreamChunks(def, read.result.data);
    expect(chunks.map((c) => Object.keys(JSON.parse(c))[0])).toEqual(['messageStart', 'contentBlockDelta', 'contentBlockDelta', 'contentBlockDelta']);
    expect(failure).toMatchObject({ message: 'API Error: Too Many Requests - Too many requests, please wait before trying again.', failure: { httpStatus: 429 } });
    await expect(read.usage).rejects.toThrow('API Error: Too Many Requests - Too many requests, please wait before trying again.');
  });

  it("the caller's signal aborts a stream being read", async () => {
    const controller = new AbortController();
    const read = await outcome({ subAction: 'converseStream', subActionParams: { messages: [{ role: 'user', content: [{ text: 'hi' }] }], signal: controller.signal } });
    const { stream } = read.result.data as { stream: Readable };
    controller.abort();
    await expect(buffer(stream)).rejects.toThrow();
    expect(stream.destroyed).toBe(true);
    expect(await read.usage).toBeDefined();
  });

  it('tells which params answer with a stream', () => {
    expect(def.streamsAnswer!({ subAction: 'invokeStream', subActionParams: {} })).toBe(true);
    expect(def.streamsAnswer!({ subAction: 'converseStream' })).toBe(true);
    expect(def.streamsAnswer!({ subAction: 'converse' })).toBe(false);
    expect(def.streamsAnswer!({ subAction: 'run', subActionParams: {} })).toBe(false);
  });

  it('runs its Test params and each sub-action of its Test tab', async () => {
    expect(validateParams(def, def.testParams, ctx)).toEqual(def.testParams);
    expect((await outcome(def.testParams)).result.status).toBe('ok');
    for (const [subAction, subActionParams] of Object.entries(def.testSubActionParams!)) {
      const read = await outcome({ subAction, subActionParams });
      expect(read.result.status, subAction).toBe('ok');
    }
  });
});

describe('.bedrock renderParameterTemplates', () => {
  it('JSON-escapes values in the body of run and test only', () => {
    const render = (params: SubActionParams) => def.renderParameterTemplates!(pino({ level: 'silent' }), params, { context: { reason: 'a "quoted"\nline' } });
    const rendered = render({ subAction: 'test', subActionParams: { body: '{"messages":[{"role":"user","content":"{{context.reason}}"}]}' } });
    expect(JSON.parse(rendered.subActionParams!.body as string)).toEqual({ messages: [{ role: 'user', content: 'a "quoted"\nline' }] });
    const invoke = { subAction: 'invokeAI', subActionParams: { messages: [{ role: 'user', content: '{{context.reason}}' }] } };
    expect(render(invoke)).toEqual(invoke);
  });
});
