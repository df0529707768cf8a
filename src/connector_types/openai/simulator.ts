import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { encode } from 'gpt-tokenizer';
import { oneOffAnswer, startRecordingServer, type RecordedRequest } from '../lib/simulator_server.js';
import { pacedStream, type PacedStream } from '../lib/paced_stream.js';

/**
 * An in-process OpenAI chat completions API, in both of its dialects:
 *   POST /v1/chat/completions                                   OpenAI: `Authorization: Bearer <key>`
 *   POST /openai/deployments/<deployment>/chat/completions?api-version=…   Azure: `api-key: <key>`
 * A body `{model, messages, stream?, stream_options?: {include_usage}}` is answered with a
 * chat.completion (200), or with `stream: true` as server-sent events of chat.completion.chunk,
 * ending `data: [DONE]`, with a usage chunk first when include_usage asks for one. Azure's
 * model is its deployment; its stream opens with a prompt_filter_results chunk. Failures, as
 * each provider words them:
 *   401  no or another key
 *   404  a model (OpenAI) or deployment (Azure) it does not serve; another path
 *   400  no messages; messages longer than the model's context window (context_length_exceeded);
 *        Azure without api-version
 *   429  after rateLimitNext: with Retry-After
 * cutStreamNext makes the next stream stop halfway, the connection dropped; failStreamNext makes
 * the next stream (answered 200) send a few chunks, then an `{error: {message, type, param, code}}`
 * chunk, and end without `[DONE]`, as OpenAI reports a failure once streaming has begun (default:
 * its server_error); paceStreamNext sends the next stream's events one at a time, as the test
 * releases them (a slow model).
 */

export const SIMULATOR_REPLY = 'Hello there! How may I assist you today?';

export interface GenAiSimulatorOptions {
  apiKey: string;
  /** Models (OpenAI) or deployments (Azure) served; default gpt-4.1 and gpt-4o. */
  models?: string[];
  /** The context window, in tokens, of every model; default 128000. */
  contextWindow?: number;
  reply?: string;
}

export interface GenAiSimulator {
  url: string;
  requests: RecordedRequest[];
  /** Every completion answered: its request body and the usage it reported (or would have). */
  completions: Array<{ body: Record<string, any>; usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number } }>;
  failNext(status: number, body?: string, headers?: Record<string, string>): void;
  rateLimitNext(retryAfterSeconds: number): void;
  cutStreamNext(): void;
  /** The next stream fails after `afterChunks` chunks with this error chunk (OpenAI's server_error by default). */
  failStreamNext(error?: { message: string; type: string; code?: string | null }, afterChunks?: number): void;
  paceStreamNext(): PacedStream;
  close(): Promise<void>;
}

type Dialect = { kind: 'openai' } | { kind: 'azure'; deployment: string; apiVersion: string | null };

function dialectOf(req: IncomingMessage): Dialect | undefined {
  const url = new URL(req.url ?? '/', 'http://simulator');
  if (url.pathname === '/v1/chat/completions') return { kind: 'openai' };
  const azure = /^\/openai\/deployments\/([^/]+)\/chat\/completions$/.exec(url.pathname);
  if (azure) return { kind: 'azure', deployment: decodeURIComponent(azure[1]), apiVersion: url.searchParams.get('api-version') };
  return undefined;
}

const openAiError = (message: string, type: string, code: string | null, param: string | null = null) => ({ error: { message, type, param, code } });
/** What OpenAI sends when its model fails mid-answer. */
const SERVER_ERROR = { message: 'The server had an error while processing your request. Sorry about that!', type: 'server_error' };
const azureError = (code: string, message: string) => ({ error: { code, message } });

const tokens = (text: string) => encode(text, { disallowedSpecial: new Set() }).length;

/** OpenAI's count of a chat prompt: each message's role and content, and their framing. */
function promptTokensOf(messages: Array<Record<string, unknown>>): number {
  let total = 3;
  for (const m of messages) total += 4 + tokens(String(m.role ?? '')) + tokens(typeof m.content === 'string' ? m.content : JSON.stringify(m.content ?? ''));
  return total;
}

export async function startGenAiSimulator(options: GenAiSimulatorOptions): Promise<GenAiSimulator> {
  const models = options.models ?? ['gpt-4.1', 'gpt-4o'];
  const contextWindow = options.contextWindow ?? 128_000;
  const reply = options.reply ?? SIMULATOR_REPLY;
  const completions: GenAiSimulator['completions'] = [];
  const nextAnswer = oneOffAnswer();
  let rateLimit: number | undefined;
  let cutNext = false;
  let failing: { error: ReturnType<typeof openAiError>; afterChunks: number } | undefined;
  let paced: ReturnType<typeof pacedStream> | undefined;

  const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) =>
    res.writeHead(status, { 'Content-Type': 'application/json', ...headers }).end(JSON.stringify(body));

  const handle = (req: IncomingMessage, res: ServerResponse, text: string) => {
    if (nextAnswer.sendIfPending(res)) return;
    const dialect = dialectOf(req);
    if (req.method !== 'POST' || !dialect) return json(res, 404, azureError('404', 'Resource not found'));
    const azure = dialect.kind === 'azure';
    const key = azure ? req.headers['api-key'] : req.headers.authorization?.replace(/^Bearer /, '');
    if (key !== options.apiKey) {
      return azure
        ? json(res, 401, azureError('401', 'Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a valid key for an active subscription and use a correct regional API endpoint for your resource.'))
        : json(res, 401, openAiError('Incorrect API key provided. You can find your API key at https://platform.openai.com/account/api-keys.', 'invalid_request_error', 'invalid_api_key'));
    }
    if (azure && !dialect.apiVersion) return json(res, 404, azureError('404', 'Resource not found'));
    if (rateLimit !== undefined) {
      const seconds = rateLimit;
      rateLimit = undefined;
      const message = `Rate limit reached for requests. Please try again in ${seconds}s.`;
      return json(res, 429, azure ? azureError('429', message) : openAiError(message, 'requests', 'rate_limit_exceeded'), { 'Retry-After': String(seconds) });
    }
    let body: Record<string, any>;
    try {
      body = JSON.parse(text) as Record<string, any>;
    } catch {
      return json(res, 400, openAiError('We could not parse the JSON body of your request.', 'invalid_request_error', null));
    }
    const model = azure ? dialect.deployment : body.model;
    if (!models.includes(model)) {
      return azure
        ? json(res, 404, azureError('DeploymentNotFound', 'The API deployment for this resource does not exist. If you created the deployment within the last 5 minutes, please wait a moment and try again.'))
        : json(res, 404, openAiError(`The model \`${String(model)}\` does not exist or you do not have access to it.`, 'invalid_request_error', 'model_not_found'));
    }
    if (!Array.isArray(body.messages) || body.messages.length === 0) {
      return json(res, 400, openAiError("Missing required parameter: 'messages'.", 'invalid_request_error', 'missing_required_parameter', 'messages'));
    }
    const promptTokens = promptTokensOf(body.messages);
    if (promptTokens > contextWindow) {
      const message = `This model's maximum context length is ${contextWindow} tokens. However, your messages resulted in ${promptTokens} tokens. Please reduce the length of the messages.`;
      return json(res, 400, openAiError(message, 'invalid_request_error', 'context_length_exceeded', 'messages'));
    }
    const completionTokens = tokens(reply);
    const usage = { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens };
    completions.push({ body, usage });
    const id = `chatcmpl-${randomUUID().replaceAll('-', '').slice(0, 29)}`;
    const created = Math.floor(Date.now() / 1000);
    if (body.stream !== true) {
      return json(res, 200, {
        id,
        object: 'chat.completion',
        created,
        model,
        choices: [{ index: 0, message: { role: 'assistant', content: reply, refusal: null }, logprobs: null, finish_reason: 'stop' }],
        usage,
      });
    }
    const chunk = (choices: unknown[], extra: Record<string, unknown> = {}) => ({ id, object: 'chat.completion.chunk', created, model, choices, ...extra });
    const events: unknown[] = [];
    if (azure) events.push({ id: '', object: '', created: 0, model: '', choices: [], prompt_filter_results: [{ prompt_index: 0, content_filter_results: {} }] });
    events.push(chunk([{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }]));
    for (const word of reply.match(/\S+\s*/g) ?? []) events.push(chunk([{ index: 0, delta: { content: word }, finish_reason: null }]));
    events.push(chunk([{ index: 0, delta: {}, finish_reason: 'stop' }]));
    if (body.stream_options?.include_usage === true) events.push(chunk([], { usage }));
    const failed = failing;
    failing = undefined;
    const lines = failed
      ? [...events.slice(0, failed.afterChunks), failed.error].map((e) => `data: ${JSON.stringify(e)}\n\n`)
      : [...events.map((e) => `data: ${JSON.stringify(e)}\n\n`), 'data: [DONE]\n\n'];
    res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache' });
    if (paced) {
      paced.send(res, lines);
      paced = undefined;
      return;
    }
    if (cutNext) {
      cutNext = false;
      res.write(lines.slice(0, Math.ceil(lines.length / 2)).join(''), () => res.destroy());
      return;
    }
    res.end(lines.join(''));
  };

  const { url, requests, close } = await startRecordingServer(handle);
  return {
    url,
    requests,
    completions,
    failNext: nextAnswer.set,
    rateLimitNext: (seconds) => {
      rateLimit = seconds;
    },
    cutStreamNext: () => {
      cutNext = true;
    },
    failStreamNext: (error = SERVER_ERROR, afterChunks = 3) => {
      failing = { error: openAiError(error.message, error.type, error.code ?? null), afterChunks };
    },
    paceStreamNext: () => {
      paced = pacedStream();
      return paced;
    },
    close,
  };
}
