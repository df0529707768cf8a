import { createPublicKey, generateKeyPairSync, randomUUID, verify, type KeyObject } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { encode } from 'gpt-tokenizer';
import { oneOffAnswer, startRecordingServer, type RecordedRequest } from '../lib/simulator_server.js';

/**
 * Google's OAuth token endpoint and Vertex AI's Gemini endpoints, in-process:
 *   POST /token   the JWT bearer grant of a service account (form `grant_type`, `assertion`): the
 *                 RS256 assertion is checked with the account's public key, its audience (this
 *                 URL or Google's), scope and one-hour lifetime; answered `{access_token,
 *                 expires_in: 3599, token_type: "Bearer"}`, or 400 with Google's `invalid_grant`
 *                 (`Invalid JWT Signature.`, …), `invalid_scope` or `unsupported_grant_type`.
 *   POST /v1/projects/<project>/locations/<region>/publishers/google/models/<model>:generateContent
 *                 a GenerateContentResponse: the reply as the candidate's text, usageMetadata.
 *   POST …:streamGenerateContent?alt=sse
 *                 the reply in chunks as server-sent events (`data: {…}\r\n\r\n`), the last with
 *                 finishReason and the usage; without alt=sse, the chunks as one JSON array.
 * Failures, with Google's error body `{error: {code, message, status}}`:
 *   401 UNAUTHENTICATED    no token, or one it did not issue or that has expired (expireTokens)
 *   403 PERMISSION_DENIED  another project
 *   404 NOT_FOUND          a model it does not serve; another path
 *   400 INVALID_ARGUMENT   a body that is not JSON; no contents; a prompt over the context window
 *   429 RESOURCE_EXHAUSTED after rateLimitNext, with Retry-After
 * blockNext makes the next answer a safety block (the prompt's, or the candidate's);
 * cutStreamNext makes the next stream stop halfway, the connection dropped. failStreamNext makes
 * the next stream (answered 200) send a few chunks, then end with a chunk of Google's error body
 * (default 429 RESOURCE_EXHAUSTED) or, with 'safety', a candidate stopped with finishReason
 * SAFETY: a failure or a safety block once streaming has begun.
 */

export const SIMULATOR_REPLY = 'Hello! How can I help you with your alerts today?';
export const GOOGLE_TOKEN_AUDIENCE = 'https://oauth2.googleapis.com/token';
const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
const LIFETIME_SECONDS = 3599;

export interface GeminiSimulatorOptions {
  projectId: string;
  /** Models served; default gemini-2.5-pro and gemini-2.5-flash. */
  models?: string[];
  /** The context window, in tokens, of every model; default 1048576. */
  contextWindow?: number;
  reply?: string;
}

export interface Generation {
  model: string;
  stream: boolean;
  body: Record<string, any>;
  usageMetadata: { promptTokenCount: number; candidatesTokenCount: number; totalTokenCount: number };
}

export interface GeminiSimulator {
  url: string;
  /** The service account's key file (JSON text), its token_uri this simulator's; fields may be replaced. */
  credentials(overrides?: Record<string, unknown>): string;
  /** The key file of the same account with another private key: its assertions fail the signature check. */
  credentialsWithAnotherKey(): string;
  requests: RecordedRequest[];
  /** Token requests answered with a token. */
  tokensIssued: string[];
  generations: Generation[];
  failNext(status: number, body?: string, headers?: Record<string, string>): void;
  rateLimitNext(retryAfterSeconds: number): void;
  blockNext(what: 'prompt' | 'candidate'): void;
  cutStreamNext(): void;
  /** The next stream ends after `afterChunks` chunks with this error chunk, or a SAFETY stop. */
  failStreamNext(failure?: 'safety' | { code: number; status: string; message: string }, afterChunks?: number): void;
  /** Every token issued so far stops being accepted. */
  expireTokens(): void;
  close(): Promise<void>;
}

type Json = Record<string, any>;

const googleError = (code: number, status: string, message: string) => ({ error: { code, message, status } });
/** The safety ratings of a candidate withheld for dangerous content. */
const BLOCKED_RATINGS = [
  { category: 'HARM_CATEGORY_HATE_SPEECH', probability: 'NEGLIGIBLE', probabilityScore: 0.02, severity: 'HARM_SEVERITY_NEGLIGIBLE', severityScore: 0.01 },
  { category: 'HARM_CATEGORY_DANGEROUS_CONTENT', probability: 'HIGH', probabilityScore: 0.97, severity: 'HARM_SEVERITY_HIGH', severityScore: 0.91, blocked: true },
];
const tokens = (text: string) => encode(text, { disallowedSpecial: new Set() }).length;

const textOf = (contents: unknown): string =>
  (Array.isArray(contents) ? contents : [])
    .flatMap((c: Json | null) => (Array.isArray(c?.parts) ? c.parts : []))
    .map((p: Json | null) => (typeof p?.text === 'string' ? p.text : ''))
    .join(' ');

const pemKeyPair = () => generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });

/** The claims of an RS256 assertion whose signature its issuer's key verifies; Google's reason otherwise. */
function checkAssertion(assertion: string, keys: Map<string, KeyObject>): { claims: Json } | { reason: string } {
  const [header, payload, signature, extra] = assertion.split('.');
  if (!header || !payload || !signature || extra !== undefined) return { reason: 'Invalid JWT Signature.' };
  let claims: Json;
  let alg: unknown;
  try {
    alg = (JSON.parse(Buffer.from(header, 'base64url').toString()) as Json).alg;
    claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Json;
  } catch {
    return { reason: 'Invalid JWT Signature.' };
  }
  const key = typeof claims.iss === 'string' ? keys.get(claims.iss) : undefined;
  if (!key) return { reason: 'Invalid grant: account not found' };
  if (alg !== 'RS256' || !verify('sha256', Buffer.from(`${header}.${payload}`), key, Buffer.from(signature, 'base64url'))) return { reason: 'Invalid JWT Signature.' };
  return { claims };
}

export async function startGeminiSimulator(options: GeminiSimulatorOptions): Promise<GeminiSimulator> {
  const models = options.models ?? ['gemini-2.5-pro', 'gemini-2.5-flash'];
  const contextWindow = options.contextWindow ?? 1_048_576;
  const reply = options.reply ?? SIMULATOR_REPLY;
  const email = `plugboard-sim@${options.projectId}.iam.gserviceaccount.com`;
  const account = pemKeyPair();
  const other = pemKeyPair();
  const keys = new Map([[email, createPublicKey(account.publicKey)]]);
  const issued = new Map<string, number>();
  const tokensIssued: string[] = [];
  const generations: Generation[] = [];
  const nextAnswer = oneOffAnswer();
  let rateLimit: number | undefined;
  let block: 'prompt' | 'candidate' | undefined;
  let cutNext = false;
  let failing: { failure: 'safety' | { code: number; status: string; message: string }; afterChunks: number } | undefined;
  let url = '';

  const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) =>
    res.writeHead(status, { 'Content-Type': 'application/json; charset=UTF-8', ...headers }).end(JSON.stringify(body));

  const grant = (res: ServerResponse, text: string) => {
    const form = new URLSearchParams(text);
    const invalid = (description: string) => json(res, 400, { error: 'invalid_grant', error_description: description });
    if (form.get('grant_type') !== JWT_BEARER) return json(res, 400, { error: 'unsupported_grant_type', error_description: `Invalid grant_type: ${form.get('grant_type') ?? ''}` });
    const checked = checkAssertion(form.get('assertion') ?? '', keys);
    if ('reason' in checked) return invalid(checked.reason);
    const { claims } = checked;
    if (claims.aud !== `${url}/token` && claims.aud !== GOOGLE_TOKEN_AUDIENCE) return invalid('Invalid JWT: Failed audience check.');
    const now = Math.floor(Date.now() / 1000);
    const { iat, exp } = claims;
    if (typeof iat !== 'number' || typeof exp !== 'number' || exp - iat > 3600 || iat > now + 300 || exp < now) {
      return invalid('Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. Check your iat and exp values in the JWT claim.');
    }
    if (typeof claims.scope !== 'string' || claims.scope === '') return json(res, 400, { error: 'invalid_scope', error_description: 'Invalid OAuth scope or ID token audience provided.' });
    const token = `ya29.c.sim-${tokensIssued.length + 1}-${randomUUID().replaceAll('-', '')}`;
    issued.set(token, Date.now() + LIFETIME_SECONDS * 1000);
    tokensIssued.push(token);
    json(res, 200, { access_token: token, expires_in: LIFETIME_SECONDS, token_type: 'Bearer' }, { 'Cache-Control': 'no-cache, no-store, max-age=0, must-revalidate' });
  };

  const handle = (req: IncomingMessage, res: ServerResponse, text: string) => {
    if (nextAnswer.sendIfPending(res)) return;
    const target = new URL(req.url ?? '/', 'http://simulator');
    if (req.method === 'POST' && target.pathname === '/token') return grant(res, text);
    const route = /^\/v1\/projects\/([^/]+)\/locations\/([^/]+)\/publishers\/google\/models\/([^/:]+):(generateContent|streamGenerateContent)$/.exec(target.pathname);
    if (req.method !== 'POST' || !route) return json(res, 404, googleError(404, 'NOT_FOUND', 'The requested URL was not found on this server.'));
    const [, project, region, model, method] = route;
    const token = req.headers.authorization?.replace(/^Bearer /, '') ?? '';
    if ((issued.get(token) ?? 0) <= Date.now()) {
      return json(res, 401, googleError(401, 'UNAUTHENTICATED', 'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.'));
    }
    const resource = `projects/${project}/locations/${region}/publishers/google/models/${model}`;
    if (project !== options.projectId) {
      return json(res, 403, googleError(403, 'PERMISSION_DENIED', `Permission 'aiplatform.endpoints.predict' denied on resource '//aiplatform.googleapis.com/${resource}' (or it may not exist).`));
    }
    if (!models.includes(model)) {
      return json(res, 404, googleError(404, 'NOT_FOUND', `Publisher Model \`${resource}\` was not found or your project does not have access to it. Please ensure you are using a valid model version. For more information, see: https://cloud.google.com/vertex-ai/generative-ai/docs/learn/model-versions`));
    }
    if (rateLimit !== undefined) {
      const seconds = rateLimit;
      rateLimit = undefined;
      return json(res, 429, googleError(429, 'RESOURCE_EXHAUSTED', 'Resource exhausted. Please try again later. Please refer to https://cloud.google.com/vertex-ai/generative-ai/docs/error-code-429 for more details.'), { 'Retry-After': String(seconds) });
    }
    let body: Json;
    try {
      body = JSON.parse(text) as Json;
    } catch {
      return json(res, 400, googleError(400, 'INVALID_ARGUMENT', 'Invalid JSON payload received. Unexpected token.'));
    }
    if (!Array.isArray(body.contents) || body.contents.length === 0) {
      return json(res, 400, googleError(400, 'INVALID_ARGUMENT', 'Unable to submit request because it must include at least one parts field, which describes the prompt input. Learn more: https://cloud.google.com/vertex-ai/generative-ai/docs/model-reference/gemini'));
    }
    const promptTokenCount = tokens(`${textOf(body.contents)} ${textOf([body.system_instruction ?? body.systemInstruction])}`.trim());
    if (promptTokenCount > contextWindow) {
      return json(res, 400, googleError(400, 'INVALID_ARGUMENT', `The input token count (${promptTokenCount}) exceeds the maximum number of tokens allowed (${contextWindow}).`));
    }
    const stream = method === 'streamGenerateContent';
    const meta = { modelVersion: model, createTime: new Date().toISOString(), responseId: randomUUID().replaceAll('-', '').slice(0, 22) };
    const blocked = block;
    block = undefined;
    const candidatesTokenCount = blocked ? 0 : tokens(reply);
    const usageMetadata = { promptTokenCount, candidatesTokenCount, totalTokenCount: promptTokenCount + candidatesTokenCount };
    generations.push({ model, stream, body, usageMetadata });
    const usage = { ...usageMetadata, trafficType: 'ON_DEMAND' };
    let chunks: Json[];
    if (blocked === 'prompt') {
      const ratings = [{ category: 'HARM_CATEGORY_DANGEROUS_CONTENT', probability: 'HIGH', blocked: true }];
      chunks = [{ promptFeedback: { blockReason: 'SAFETY', safetyRatings: ratings }, usageMetadata: { promptTokenCount, totalTokenCount: promptTokenCount, trafficType: 'ON_DEMAND' }, ...meta }];
    } else if (blocked === 'candidate') {
      chunks = [{ candidates: [{ finishReason: 'SAFETY', safetyRatings: BLOCKED_RATINGS }], usageMetadata: usage, ...meta }];
    } else if (!stream) {
      chunks = [{ candidates: [{ content: { role: 'model', parts: [{ text: reply }] }, finishReason: 'STOP', avgLogprobs: -0.12 }], usageMetadata: usage, ...meta }];
    } else {
      const pieces = reply.match(/\S+\s*/g) ?? [reply];
      chunks = pieces.map((piece, i) => {
        const last = i === pieces.length - 1;
        return {
          candidates: [{ content: { role: 'model', parts: [{ text: piece }] }, ...(last ? { finishReason: 'STOP' } : {}) }],
          usageMetadata: last ? usage : { trafficType: 'ON_DEMAND' },
          ...meta,
        };
      });
    }
    if (!stream) return json(res, 200, chunks[0]);
    const failed = failing;
    failing = undefined;
    if (failed) {
      const { failure } = failed;
      const last = failure === 'safety' ? { candidates: [{ content: { role: 'model', parts: [] }, finishReason: 'SAFETY', safetyRatings: BLOCKED_RATINGS }], ...meta } : googleError(failure.code, failure.status, failure.message);
      chunks = [...chunks.slice(0, failed.afterChunks), last];
    }
    const sse = target.searchParams.get('alt') === 'sse';
    const parts = sse ? chunks.map((c) => `data: ${JSON.stringify(c)}\r\n\r\n`) : [`[${chunks.map((c) => JSON.stringify(c)).join(',\r\n')}]`];
    res.writeHead(200, { 'Content-Type': sse ? 'text/event-stream' : 'application/json; charset=UTF-8' });
    if (cutNext) {
      cutNext = false;
      res.write(parts.join('').slice(0, Math.floor(parts.join('').length / 2)), () => res.destroy());
      return;
    }
    res.end(parts.join(''));
  };

  const server = await startRecordingServer(handle);
  url = server.url;
  const keyFile = (privateKey: string, overrides: Record<string, unknown> = {}) =>
    JSON.stringify({
      type: 'service_account',
      project_id: options.projectId,
      private_key_id: 'b6c4e0f1d2a3b4c5d6e7f8a9b0c1d2e3f4a5b6c7',
      private_key: privateKey,
      client_email: email,
      client_id: '109876543210987654321',
      auth_uri: 'https://accounts.google.com/o/oauth2/auth',
      token_uri: `${url}/token`,
      auth_provider_x509_cert_url: 'https://www.googleapis.com/oauth2/v1/certs',
      client_x509_cert_url: `https://www.googleapis.com/robot/v1/metadata/x509/${encodeURIComponent(email)}`,
      universe_domain: 'googleapis.com',
      ...overrides,
    });
  return {
    url,
    credentials: (overrides) => keyFile(account.privateKey, overrides),
    credentialsWithAnotherKey: () => keyFile(other.privateKey),
    requests: server.requests,
    tokensIssued,
    generations,
    failNext: nextAnswer.set,
    rateLimitNext: (seconds) => {
      rateLimit = seconds;
    },
    blockNext: (what) => {
      block = what;
    },
    cutStreamNext: () => {
      cutNext = true;
    },
    failStreamNext: (failure = { code: 429, status: 'RESOURCE_EXHAUSTED', message: 'Resource exhausted. Please try again later.' }, afterChunks = 3) => {
      failing = { failure, afterChunks };
    },
    expireTokens: () => issued.clear(),
    close: server.close,
  };
}
