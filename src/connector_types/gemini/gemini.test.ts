import { createPublicKey, verify } from 'node:crypto';
import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { encode } from 'gpt-tokenizer';
import { pino } from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ReadOutcome } from '../../actions/executor.js';
import type { SubActionParams } from '../../actions/sub_actions.js';
import { StreamFailure } from '../../actions/failure.js';
import type { ConfigurationUtilities, ConnectorServices } from '../../actions/types.js';
import { validateConfig, validateParams, validateSecrets } from '../../actions/validation.js';
import { installZod3Messages } from '../../common/zod_messages.js';
import { makeConfigurationUtilities, makeContext, makeServices, readStreamChunks, runAsAction, thrownMessage } from '../lib/test_context.js';
import { geminiStreamFailure } from './errors.js';
import { geminiConnectorType } from './index.js';
import { geminiPayload } from './payload.js';
import { secretsSchema, type GeminiConfig, type GeminiSecrets, type InvokeParams } from './schema.js';
import { GOOGLE_TOKEN_AUDIENCE, SIMULATOR_REPLY, startGeminiSimulator, type GeminiSimulator } from './simulator.js';

installZod3Messages();

const def = geminiConnectorType;
const ctx = { configurationUtilities: makeConfigurationUtilities() };
const PROJECT = 'plugboard-test-project';
const HELLO = [{ role: 'user', content: 'Say hello' }];
const tokens = (s: string) => encode(s).length;
const TOKEN_FAILURE = 'Unable to retrieve access token. Ensure the service account has the right permissions and the Vertex AI endpoint is enabled in the GCP project. Error: ';

describe('.gemini definition and validation', () => {
  it('has Kibana identity', () => {
    expect(def).toMatchObject({ id: '.gemini', name: 'Google Gemini', minimumLicenseRequired: 'enterprise' });
    expect(def.supportedFeatureIds).toEqual(['generativeAIForSecurity', 'generativeAIForSearchPlayground', 'generativeAIForObservability']);
    expect(secretsSchema.shape.credentialsJson.meta()).toMatchObject({ secret: true });
  });

  it("takes Kibana's config: region and project required, the default model filled in, the URL under allowedHosts", () => {
    const config = { apiUrl: 'https://us-central1-aiplatform.googleapis.com', gcpRegion: 'us-central1', gcpProjectID: 'p1' };
    expect(validateConfig(def, config, ctx)).toEqual({ ...config, defaultModel: 'gemini-2.5-pro' });
    expect(thrownMessage(() => validateConfig(def, { apiUrl: config.apiUrl, gcpRegion: 'us-central1' }, ctx))).toBe('error validating connector type config: Field "gcpProjectID": Required');
    expect(thrownMessage(() => validateConfig(def, { ...config, region: 'x' }, ctx))).toBe("error validating connector type config: Unrecognized key(s) in object: 'region'");
    const restricted = { configurationUtilities: makeConfigurationUtilities({ allowedHosts: ['us-central1-aiplatform.googleapis.com'] }) };
    expect(thrownMessage(() => validateConfig(def, { ...config, apiUrl: 'https://other.example.com' }, restricted))).toBe(
      'error validating connector type config: Error configuring Google Gemini action: Error: error validating url: target url "https://other.example.com" is not added to the Kibana config xpack.actions.allowedHosts',
    );
  });

  it("checks the credentials as Kibana's secrets validator does", () => {
    const json = JSON.stringify({ type: 'service_account', client_email: 'a@b', private_key: 'k' });
    expect(validateSecrets(def, { credentialsJson: json }, ctx)).toEqual({ credentialsJson: json });
    expect(thrownMessage(() => validateSecrets(def, {}, ctx))).toBe('error validating connector type secrets: Field "credentialsJson": Required');
    expect(thrownMessage(() => validateSecrets(def, { credentialsJson: '' }, ctx))).toBe('error validating connector type secrets: Google Service Account credentials JSON is required.');
    expect(thrownMessage(() => validateSecrets(def, { credentialsJson: '{not json' }, ctx))).toBe('error validating connector type secrets: Invalid JSON format for credentials.');
    expect(thrownMessage(() => validateSecrets(def, { credentialsJson: '{"type":"authorized_user"}' }, ctx))).toBe(
      'error validating connector type secrets: Invalid credential type. Only "service_account" credentials are supported. Type was "authorized_user".',
    );
  });

  it('builds the payload of §3.4: roles mapped, user turns joined, parts kept, safety lowered to high only', () => {
    const params = {
      messages: [
        { role: 'system', content: 'You are a SOC analyst.' },
        { role: 'user', content: 'Look at this alert.' },
        { role: 'assistant', content: 'Which one?' },
        { role: 'user', content: 'The first.' },
        { role: 'model', parts: [{ functionCall: { name: 'lookup', args: {} } }] },
        { role: 'assistant', content: 'Found it.' },
      ],
      temperature: 0.3,
      maxOutputTokens: 500,
      systemInstruction: 'Be brief.',
      toolConfig: { mode: 'ANY', allowedFunctionNames: ['lookup'] },
    } as InvokeParams;
    const expected = {
      contents: [
        { role: 'user', parts: [{ text: 'You are a SOC analyst. Look at this alert.' }] },
        { role: 'model', parts: [{ text: 'Which one?' }] },
        { role: 'user', parts: [{ text: 'The first.' }] },
        { role: 'model', parts: [{ functionCall: { name: 'lookup', args: {} } }] },
        { role: 'model', parts: [{ text: 'Found it.' }] },
      ],
      generation_config: { temperature: 0.3, maxOutputTokens: 500 },
      system_instruction: { parts: [{ text: 'Be brief.' }] },
      safety_settings: [{ category: 'HARM_CATEGORY_DANGEROUS_CONTENT', threshold: 'BLOCK_ONLY_HIGH' }],
    };
    expect(JSON.parse(JSON.stringify(geminiPayload(params, false)))).toEqual(expected);
    expect(geminiPayload(params, true).tool_config).toEqual({ function_calling_config: { mode: 'ANY', allowed_function_names: ['lookup'] } });
    expect(JSON.parse(JSON.stringify(geminiPayload({ messages: HELLO } as InvokeParams, true)))).toEqual({
      contents: [{ role: 'user', parts: [{ text: 'Say hello' }] }],
      generation_config: { temperature: 0 },
      safety_settings: [{ category: 'HARM_CATEGORY_DANGEROUS_CONTENT', threshold: 'BLOCK_ONLY_HIGH' }],
    });
  });
});

describe('.gemini sub-actions against the simulated token endpoint and Vertex AI', () => {
  let sim: GeminiSimulator;
  let services: ConnectorServices;
  let n = 0;

  beforeAll(async () => {
    sim = await startGeminiSimulator({ projectId: PROJECT, contextWindow: 300 });
    services = makeServices();
  });
  afterAll(async () => {
    await services.http.close();
    await sim.close();
  });
  beforeEach(() => {
    sim.requests.length = 0;
    sim.generations.length = 0;
  });

  const configOf = (overrides: Record<string, unknown> = {}) => ({ apiUrl: sim.url, gcpRegion: 'us-central1', gcpProjectID: PROJECT, ...overrides });

  /** Runs params as an action; each call a new connector (so a new token) unless connectorId is given. */
  function outcome(
    params: unknown,
    overrides: { config?: Record<string, unknown>; credentialsJson?: string; connectorId?: string; utils?: ConfigurationUtilities } = {},
  ): Promise<ReadOutcome> {
    const utils = overrides.utils ?? ctx.configurationUtilities;
    const config = validateConfig(def, configOf(overrides.config), { configurationUtilities: utils }) as GeminiConfig;
    const secrets = validateSecrets(def, { credentialsJson: overrides.credentialsJson ?? sim.credentials() }, ctx) as GeminiSecrets;
    const context = makeContext(
      { config, secrets, params: validateParams(def, params, ctx) as SubActionParams },
      { connectorId: overrides.connectorId ?? `gemini-${++n}`, services, configurationUtilities: utils },
    );
    return runAsAction(def, context);
  }
  const vertexRequests = () => sim.requests.filter((r) => r.path !== '/token');
  const tokenRequests = () => sim.requests.filter((r) => r.path === '/token');
  const lastVertex = () => vertexRequests()[vertexRequests().length - 1];
  const usageOf = (i = 0) => {
    const u = sim.generations[i].usageMetadata;
    return { promptTokens: u.promptTokenCount, completionTokens: u.candidatesTokenCount, totalTokens: u.totalTokenCount };
  };
  const RUN = { subAction: 'run', subActionParams: { body: JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'Say hello' }] }] }) } };

  it("run: a token from the credentials' token_uri (a signed JWT bearer grant), then generateContent with it; the first text and usage", async () => {
    const read = await outcome(RUN, { connectorId: 'gemini-cached' });
    expect(read.result).toMatchObject({ status: 'ok', actionId: 'gemini-cached' });
    expect(read.result.data).toEqual({ completion: SIMULATOR_REPLY, usageMetadata: sim.generations[0].usageMetadata });
    expect(read.usage).toEqual(usageOf());

    const [grant] = tokenRequests();
    expect(grant).toMatchObject({ method: 'POST', headers: { 'content-type': expect.stringMatching(/^application\/x-www-form-urlencoded/) } });
    const form = Object.fromEntries(new URLSearchParams(grant.body));
    expect(Object.keys(form)).toEqual(['grant_type', 'assertion']);
    expect(form.grant_type).toBe('urn:ietf:params:oauth:grant-type:jwt-bearer');
    const [header, claims, signature] = form.assertion.split('.');
    const account = JSON.parse(sim.credentials());
    expect(JSON.parse(Buffer.from(header, 'base64url').toString())).toEqual({ alg: 'RS256', typ: 'JWT', kid: account.private_key_id });
    const decoded = JSON.parse(Buffer.from(claims, 'base64url').toString());
    expect(decoded).toMatchObject({ iss: account.client_email, scope: 'https://www.googleapis.com/auth/cloud-platform', aud: `${sim.url}/token` });
    expect(decoded.exp - decoded.iat).toBe(3600);
    expect(verify('sha256', Buffer.from(`${header}.${claims}`), createPublicKey(account.private_key), Buffer.from(signature, 'base64url'))).toBe(true);

    expect(lastVertex()).toMatchObject({ method: 'POST', path: `/v1/projects/${PROJECT}/locations/us-central1/publishers/google/models/gemini-2.5-pro:generateContent` });
    expect(lastVertex().headers).toMatchObject({ authorization: `Bearer ${sim.tokensIssued.at(-1)}`, 'content-type': 'application/json' });
    expect(lastVertex().body).toBe(RUN.subActionParams.body);

    // Kept until it expires: the next run of the connector asks for no token.
    await outcome(RUN, { connectorId: 'gemini-cached' });
    expect(tokenRequests()).toHaveLength(1);
    expect(vertexRequests()).toHaveLength(2);
  });

  it('run raw and test: the answer as Vertex AI gave it; the model of the params', async () => {
    const raw = await outcome({ subAction: 'run', subActionParams: { ...RUN.subActionParams, raw: true, model: 'gemini-2.5-flash' } });
    expect(raw.result.data).toMatchObject({ candidates: [{ content: { role: 'model', parts: [{ text: SIMULATOR_REPLY }] }, finishReason: 'STOP' }], modelVersion: 'gemini-2.5-flash' });
    expect(lastVertex().path).toMatch(/\/models\/gemini-2\.5-flash:generateContent$/);
    expect(raw.usage).toEqual(usageOf());
    expect((await outcome({ ...RUN, subAction: 'test' })).result.data).toMatchObject({ completion: SIMULATOR_REPLY });
  });

  it('invokeAI: the payload of §3.4 without tools; the text as message, with usageMetadata', async () => {
    const tools = [{ functionDeclarations: [{ name: 'lookup', parameters: { type: 'object' } }] }];
    const read = await outcome({ subAction: 'invokeAI', subActionParams: { messages: HELLO, tools, toolConfig: { mode: 'AUTO' }, temperature: 0.5, telemetryMetadata: { pluginId: 'p' } } });
    expect(read.result.data).toEqual({ message: SIMULATOR_REPLY, usageMetadata: sim.generations[0].usageMetadata });
    expect(JSON.parse(lastVertex().body)).toEqual({
      contents: [{ role: 'user', parts: [{ text: 'Say hello' }] }],
      generation_config: { temperature: 0.5 },
      tool_config: { function_calling_config: { mode: 'AUTO' } },
      safety_settings: [{ category: 'HARM_CATEGORY_DANGEROUS_CONTENT', threshold: 'BLOCK_ONLY_HIGH' }],
    });
    expect(read.usage).toEqual(usageOf());
  });

  it('invokeAIRaw: tools sent, no tool config; the raw answer', async () => {
    const tools = [{ functionDeclarations: [{ name: 'lookup' }] }];
    const read = await outcome({ subAction: 'invokeAIRaw', subActionParams: { messages: HELLO, tools, toolConfig: { mode: 'ANY' } } });
    const body = JSON.parse(lastVertex().body);
    expect(body.tools).toEqual(tools);
    expect(body).not.toHaveProperty('tool_config');
    expect(read.result.data).toMatchObject({ candidates: [{ finishReason: 'STOP' }], usageMetadata: { trafficType: 'ON_DEMAND' } });
  });

  it('invokeStream: streamGenerateContent?alt=sse as a Readable of the raw events; usage from the last chunk', async () => {
    const read = await outcome({ subAction: 'invokeStream', subActionParams: { messages: HELLO, tools: [{ functionDeclarations: [] }] } });
    expect(read.result.data).toBeInstanceOf(Readable);
    expect(lastVertex().path).toMatch(/\/models\/gemini-2\.5-pro:streamGenerateContent\?alt=sse$/);
    expect(JSON.parse(lastVertex().body).tools).toEqual([{ functionDeclarations: [] }]);
    const sse = await text(read.result.data as Readable);
    const chunks = sse.split('\r\n\r\n').filter(Boolean).map((line) => JSON.parse(line.replace(/^data: /, '')));
    expect(chunks.map((c) => c.candidates[0].content.parts[0].text).join('')).toBe(SIMULATOR_REPLY);
    expect(chunks.at(-1)).toMatchObject({ candidates: [{ finishReason: 'STOP' }], usageMetadata: sim.generations[0].usageMetadata });
    expect(await read.usage).toEqual(usageOf());
    expect(def.streamsAnswer!({ subAction: 'invokeStream', subActionParams: {} })).toBe(true);
    expect(def.streamsAnswer!({ subAction: 'invokeAI', subActionParams: {} })).toBe(false);
  });

  it('a stream cut halfway fails its reader, and its usage is estimated from what came through', async () => {
    sim.cutStreamNext();
    const read = await outcome({ subAction: 'invokeStream', subActionParams: { messages: HELLO } });
    await expect(text(read.result.data as Readable)).rejects.toThrow();
    const usage = (await read.usage)!;
    expect(usage.promptTokens).toBe(tokens('Say hello'));
    expect(usage.completionTokens).toBeGreaterThan(0);
    expect(usage.completionTokens).toBeLessThan(tokens(SIMULATOR_REPLY));
  });

  it('a stream ending in an error chunk or a safety stop (answered 200): the chunks before it, then its failure, no usage', async () => {
    const readChunks = (data: unknown) => readStreamChunks(def, data);
    sim.failStreamNext(undefined, 3);
    const limited = await outcome({ subAction: 'invokeStream', subActionParams: { messages: HELLO } });
    const read = await readChunks(limited.result.data);
    expect(read.chunks.map((c) => JSON.parse(c).candidates[0].content.parts[0].text).join('')).toBe(SIMULATOR_REPLY.match(/\S+\s*/g)!.slice(0, 3).join(''));
    expect(read.failure).toBeInstanceOf(StreamFailure);
    expect(read.failure).toMatchObject({ message: 'API Error: RESOURCE_EXHAUSTED: Resource exhausted. Please try again later.', source: 'user', failure: { httpStatus: 429 } });
    await expect(limited.usage).rejects.toThrow('API Error: RESOURCE_EXHAUSTED: Resource exhausted. Please try again later.');

    sim.failStreamNext('safety', 2);
    const blocked = await outcome({ subAction: 'invokeStream', subActionParams: { messages: HELLO } });
    const safety = await readChunks(blocked.result.data);
    expect(safety.chunks).toHaveLength(2);
    expect(safety.failure).toMatchObject({ message: 'Candidate was blocked due to SAFETY - HARM_CATEGORY_DANGEROUS_CONTENT: HARM_SEVERITY_HIGH', failure: { permanent: true } });
    await expect(blocked.usage).rejects.toBeInstanceOf(StreamFailure);
  });

  it('reads a stream chunk as a failure only when it is an error or a withheld candidate', () => {
    expect(geminiStreamFailure({ error: { code: 500, status: 'INTERNAL', message: 'Internal error encountered.' } })).toMatchObject({
      message: 'API Error: INTERNAL: Internal error encountered.',
      source: 'framework',
      failure: { httpStatus: 500 },
    });
    expect(geminiStreamFailure({ candidates: [{ finishReason: 'RECITATION' }] })?.message).toBe('Candidate was blocked due to RECITATION');
    expect(geminiStreamFailure({ candidates: [{ content: { parts: [{ text: 'Hi' }] }, finishReason: 'STOP' }] })).toBeUndefined();
    expect(geminiStreamFailure({ candidates: [{ content: { parts: [{ text: 'Hi' }] } }] })).toBeUndefined();
  });

  it("the caller's signal aborts a stream being read", async () => {
    const controller = new AbortController();
    const read = await outcome({ subAction: 'invokeStream', subActionParams: { messages: HELLO, signal: controller.signal } });
    const stream = read.result.data as Readable;
    controller.abort();
    await expect(text(stream)).rejects.toThrow();
    expect(stream.destroyed).toBe(true);
    expect(await read.usage).toBeDefined();
  });

  it('fails as Vertex AI fails, worded as Kibana words it; a quota 429 is the user\'s with its Retry-After', async () => {
    const model404 = await outcome({ subAction: 'run', subActionParams: { ...RUN.subActionParams, model: 'gemini-0' } });
    expect(model404.result).toMatchObject({
      status: 'error',
      message: 'an error occurred while running the action',
      serviceMessage: `Status code: 404. Message: API Error: NOT_FOUND: Publisher Model \`projects/${PROJECT}/locations/us-central1/publishers/google/models/gemini-0\` was not found or your project does not have access to it. Please ensure you are using a valid model version. For more information, see: https://cloud.google.com/vertex-ai/generative-ai/docs/learn/model-versions`,
      retry: true,
      errorSource: 'framework',
    });
    expect(model404.failure).toMatchObject({ httpStatus: 404 });
    expect(model404.usage).toBeUndefined();

    const long = await outcome({ subAction: 'invokeAI', subActionParams: { messages: [{ role: 'user', content: 'word '.repeat(400) }] } });
    expect(long.result.serviceMessage).toMatch(/^Status code: 400\. Message: API Error: INVALID_ARGUMENT: The input token count \(\d+\) exceeds the maximum number of tokens allowed \(300\)\.$/);

    sim.rateLimitNext(30);
    const started = Date.now();
    const limited = await outcome(RUN);
    expect(limited.result).toMatchObject({
      serviceMessage: 'Status code: 429. Message: API Error: RESOURCE_EXHAUSTED: Resource exhausted. Please try again later. Please refer to https://cloud.google.com/vertex-ai/generative-ai/docs/error-code-429 for more details.',
      errorSource: 'user',
    });
    expect(limited.failure?.retryAt?.getTime()).toBeGreaterThanOrEqual(started + 29_000);

    const otherProject = await outcome(RUN, { config: { gcpProjectID: 'someone-else' } });
    expect(otherProject.result.serviceMessage).toMatch(/^Status code: 403\. Message: API Error: PERMISSION_DENIED: Permission 'aiplatform\.endpoints\.predict' denied/);

    const stream401 = await outcome({ subAction: 'invokeStream', subActionParams: { messages: HELLO } }, { connectorId: 'gemini-expiring' });
    await text(stream401.result.data as Readable);
    sim.expireTokens();
    const expired = await outcome({ subAction: 'invokeStream', subActionParams: { messages: HELLO } }, { connectorId: 'gemini-expiring' });
    expect(expired.result.serviceMessage).toBe(
      'Status code: 401. Message: API Error: UNAUTHENTICATED: Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.',
    );
    // The refused token is dropped: the next run gets a new one and succeeds.
    const tokensBefore = sim.tokensIssued.length;
    expect((await outcome(RUN, { connectorId: 'gemini-expiring' })).result.status).toBe('ok');
    expect(sim.tokensIssued.length).toBe(tokensBefore + 1);

    sim.failNext(500, JSON.stringify({ message: 'backend crashed' }));
    const crashed = await outcome(RUN, { connectorId: 'gemini-expiring' });
    expect(crashed.result.serviceMessage).toBe('Status code: 500. Message: API Error: Internal Server Error - backend crashed');
  });

  it("a safety block is worded as Kibana's Gemini clients word it, and is not sent again", async () => {
    sim.blockNext('candidate');
    const candidate = await outcome({ subAction: 'invokeAI', subActionParams: { messages: HELLO } });
    expect(candidate.result).toMatchObject({
      status: 'error',
      serviceMessage: 'Candidate was blocked due to SAFETY - HARM_CATEGORY_DANGEROUS_CONTENT: HARM_SEVERITY_HIGH',
      errorSource: 'framework',
    });
    expect(candidate.failure).toEqual({ permanent: true });
    sim.blockNext('prompt');
    expect((await outcome(RUN)).result.serviceMessage).toBe('Prompt was blocked due to SAFETY');
    // Raw sub-actions answer the block as Vertex AI gave it, for the caller to read.
    sim.blockNext('prompt');
    expect((await outcome({ subAction: 'invokeAIRaw', subActionParams: { messages: HELLO } })).result.data).toMatchObject({ promptFeedback: { blockReason: 'SAFETY' } });
  });

  it("fails to get a token as Google refuses it, in Kibana's words; bad credentials send nothing to Vertex AI", async () => {
    const wrongKey = await outcome(RUN, { credentialsJson: sim.credentialsWithAnotherKey() });
    expect(wrongKey.result).toMatchObject({ status: 'error', serviceMessage: `${TOKEN_FAILURE}invalid_grant: Invalid JWT Signature.`, errorSource: 'framework' });
    expect(wrongKey.failure).toMatchObject({ httpStatus: 400 });
    expect(JSON.stringify(wrongKey)).not.toContain('PRIVATE KEY');

    const unknown = await outcome(RUN, { credentialsJson: sim.credentials({ client_email: 'nobody@elsewhere.iam.gserviceaccount.com' }) });
    expect(unknown.result.serviceMessage).toBe(`${TOKEN_FAILURE}invalid_grant: Invalid grant: account not found`);

    const noKey = await outcome(RUN, { credentialsJson: sim.credentials({ private_key: undefined }) });
    expect(noKey.result.serviceMessage).toBe(`${TOKEN_FAILURE}The incoming JSON object does not contain a private_key field`);
    expect(noKey.failure).toEqual({ permanent: true });

    const badKey = await outcome(RUN, { credentialsJson: sim.credentials({ private_key: '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n' }) });
    expect(badKey.result.serviceMessage).toMatch(new RegExp(`^${TOKEN_FAILURE.replace(/\./g, '\\.')}`));

    sim.failNext(503, '<html>unavailable</html>', { 'Content-Type': 'text/html' });
    const down = await outcome(RUN);
    expect(down.result.serviceMessage).toBe(`${TOKEN_FAILURE}Request failed with status code 503`);
    expect(down.failure).toMatchObject({ httpStatus: 503 });

    // A 200 without a token (empty or absent) gets Kibana's own words.
    for (const answer of [{ token_type: 'Bearer', expires_in: 3599 }, { access_token: '', token_type: 'Bearer', expires_in: 3599 }]) {
      sim.failNext(200, JSON.stringify(answer));
      const empty = await outcome(RUN);
      expect(empty.result).toMatchObject({ status: 'error', serviceMessage: 'Error occurred while retrieving the access token. Ensure that the credentials are vaild.' });
    }

    const refused = await outcome(RUN, { credentialsJson: sim.credentials({ token_uri: 'http://127.0.0.1:1/token' }) });
    expect(refused.result.serviceMessage).toMatch(new RegExp(`^${TOKEN_FAILURE.replace(/\./g, '\\.')}.*ECONNREFUSED|connect`));
    expect(vertexRequests()).toHaveLength(0);
  });

  it("the token endpoint is Google's when the credentials name none, the /token of plugboard.serviceUrlOverrides['.gemini'] over both, and under allowedHosts", async () => {
    const redirect = (allowedHosts?: string[]): ConfigurationUtilities => ({
      ...makeConfigurationUtilities(allowedHosts ? { allowedHosts } : {}),
      serviceUrl: (typeId, defaultUrl) => (typeId === '.gemini' ? sim.url : defaultUrl),
    });
    const fromGoogle = await outcome(RUN, { credentialsJson: sim.credentials({ token_uri: undefined }), utils: redirect() });
    expect(fromGoogle.result.status).toBe('ok');
    expect(tokenRequests()).toHaveLength(1);
    // The assertion is for the URL it was posted to.
    const assertion = new URLSearchParams(tokenRequests()[0].body).get('assertion')!;
    expect(JSON.parse(Buffer.from(assertion.split('.')[1], 'base64url').toString()).aud).toBe(`${sim.url}/token`);
    expect(GOOGLE_TOKEN_AUDIENCE).toBe('https://oauth2.googleapis.com/token');

    const overridden = await outcome(RUN, { credentialsJson: sim.credentials({ token_uri: 'https://oauth2.googleapis.com/token' }), utils: redirect() });
    expect(overridden.result.status).toBe('ok');

    // The Vertex AI host is allowed, the token endpoint's (another name for it) is not.
    const restrictedServices = makeServices({ allowedHosts: ['127.0.0.1'] });
    try {
      const config = validateConfig(def, configOf(), ctx) as GeminiConfig;
      const tokenUri = sim.credentials({ token_uri: sim.url.replace('127.0.0.1', 'localhost') + '/token' });
      const context = makeContext(
        { config, secrets: { credentialsJson: tokenUri }, params: validateParams(def, RUN, ctx) as SubActionParams },
        { connectorId: 'gemini-restricted', services: restrictedServices, configurationUtilities: makeConfigurationUtilities({ allowedHosts: ['127.0.0.1'] }) },
      );
      const read = await runAsAction(def, context);
      expect(read.result.serviceMessage).toBe(`${TOKEN_FAILURE}target url "${sim.url.replace('127.0.0.1', 'localhost')}/token" is not added to the Kibana config xpack.actions.allowedHosts`);
      expect(read.failure).toEqual({ permanent: true });
    } finally {
      await restrictedServices.http.close();
    }
  });

  it("checks each sub-action's params before sending", async () => {
    expect((await outcome({ subAction: 'invokeAI', subActionParams: { messages: HELLO, top_k: 3 } })).result.serviceMessage).toBe(
      "Request validation failed (Unrecognized key(s) in object: 'top_k')",
    );
    expect((await outcome({ subAction: 'invokeAI', subActionParams: { messages: HELLO, toolConfig: { mode: 'SOME' } } })).result.serviceMessage).toMatch(/^Request validation failed \(.*toolConfig\.mode/);
    expect((await outcome({ subAction: 'getDashboard', subActionParams: { dashboardId: 'd' } })).result.data).toEqual({ available: false });
    expect(sim.requests).toHaveLength(0);
  });

  it('runs its Test params', async () => {
    expect(validateParams(def, def.testParams, ctx)).toEqual(def.testParams);
    expect((await outcome(def.testParams)).result.status).toBe('ok');
  });
});

describe('.gemini renderParameterTemplates', () => {
  it('JSON-escapes values in the body of run and test only', () => {
    const render = (params: SubActionParams) => def.renderParameterTemplates!(pino({ level: 'silent' }), params, { context: { reason: 'a "quoted"\nline' } });
    const rendered = render({ subAction: 'test', subActionParams: { body: '{"contents":[{"role":"user","parts":[{"text":"{{context.reason}}"}]}]}' } });
    expect(JSON.parse(rendered.subActionParams!.body as string).contents[0].parts[0].text).toBe('a "quoted"\nline');
    const invoke = { subAction: 'invokeAI', subActionParams: { messages: [{ role: 'user', content: '{{context.reason}}' }] } };
    expect(render(invoke)).toEqual(invoke);
  });
});
