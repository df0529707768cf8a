import { atServiceUrl } from '../../actions/service_url.js';
import { AnswerWithUsage, type SubAction, type SubActionContext } from '../../actions/sub_actions.js';
import { parseObject, providerHeaders, sanitizeBody, sdkChatUrl } from './providers.js';
import {
  CONNECTOR_ID,
  DEFAULT_MODEL,
  OPENAI_BASE_URL,
  DEFAULT_TIMEOUT_MS,
  SUB_ACTION,
  dashboardParamsSchema,
  invokeParamsSchema,
  runParamsSchema,
  runResponseSchema,
  streamParamsSchema,
  type GenAiConfig,
  type GenAiSecrets,
  type InvokeParams,
  type RunParams,
  type StreamParams,
} from './schema.js';
import { completionChunks, countedStream, usageOf } from './tokens.js';

type Context = SubActionContext<GenAiConfig, GenAiSecrets>;
type GenAiSubAction = SubAction<GenAiConfig, GenAiSecrets>;

const UNRECOGNIZED_ANSWER = 'An error occurred sending your message. \n\nAPI Error: The response from OpenAI was in an unrecognized format.';
const NO_USAGE = { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 };

/** Kibana's reading of an error answer: `error.message`, or `error` itself when it is text (LM Studio). */
export function genAiErrorMessage({ status, statusText, data }: { status: number; statusText: string; data: unknown }): string {
  const error = (data as { error?: unknown } | null)?.error;
  const detail = typeof error === 'string' ? error : (error as { message?: unknown } | undefined)?.message;
  if (status === 401) return `Unauthorized API Error - ${String(detail)}`;
  const message = `API Error: ${statusText} - ${String(detail)}`;
  if (status === 404 && typeof detail === 'string' && detail.includes('Unrecognized request argument supplied: functions')) {
    return `${message} \n\nThis api-version of Azure OpenAI does not take functions: set a newer api-version in the connector's URL.`;
  }
  return message;
}

/** Kibana's reading of a request that got no answer (refused connection, TLS, timeout), with its advice for TLS failures. */
export function genAiUnansweredMessage({ code, message }: { code?: string; message: string }): string {
  if (code === 'UNABLE_TO_VERIFY_LEAF_SIGNATURE') return `Certificate error: ${message}. Please check if your PKI certificates are valid or adjust SSL verification mode.`;
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID' || code === 'ERR_TLS_HANDSHAKE') return `TLS handshake failed: ${message}. Verify server certificate hostname and CA configuration.`;
  return `Unexpected API Error: ${String(code)} - ${message}`;
}

/** Where a request to `url` goes: OpenAI's own address can be overridden (simulators). */
const calledUrl = (ctx: Context, url: string) => atServiceUrl(ctx.configurationUtilities, CONNECTOR_ID, OPENAI_BASE_URL, url);

/** run and test: one chat completion, its answer as the provider gave it. */
async function runApi(ctx: Context, { body, signal, timeout }: RunParams): Promise<AnswerWithUsage> {
  const { data } = await ctx.client.request({
    url: calledUrl(ctx, ctx.config.apiUrl),
    method: 'POST',
    body: sanitizeBody(ctx.config, body, false),
    headers: providerHeaders(ctx.config, ctx.secrets),
    timeoutMs: timeout ?? DEFAULT_TIMEOUT_MS,
    responseSchema: runResponseSchema,
    ...(signal ? { signal } : {}),
  });
  return new AnswerWithUsage(data, usageOf(data));
}

/**
 * stream: with `stream: true` the provider's server-sent events as a Node Readable (in-process
 * callers read it; its usage is counted as it passes); otherwise the completion's JSON.
 */
async function streamApi(ctx: Context, { body, stream, signal, timeout }: StreamParams): Promise<AnswerWithUsage> {
  const sent = sanitizeBody(ctx.config, body, stream);
  const request = { url: calledUrl(ctx, ctx.config.apiUrl), method: 'POST' as const, body: sent, headers: providerHeaders(ctx.config, ctx.secrets), ...(signal ? { signal } : {}) };
  if (!stream) {
    const { data } = await ctx.client.request({ ...request, timeoutMs: timeout ?? DEFAULT_TIMEOUT_MS });
    return new AnswerWithUsage(data, usageOf(data));
  }
  const { data: source } = await ctx.client.stream({ ...request, ...(timeout ? { timeoutMs: timeout } : {}) });
  const counted = countedStream(source, parseObject(sent));
  return new AnswerWithUsage(counted.stream, counted.usage);
}

/** The params of an invoke sub-action as a chat completion body, and what only the connector reads. */
function invokeBody({ signal, timeout, telemetryMetadata: _telemetry, ...completion }: InvokeParams) {
  return { completion, signal, timeout };
}

/** invokeAI: the first choice's text, trimmed, and the usage. */
async function invokeAI(ctx: Context, params: InvokeParams): Promise<AnswerWithUsage> {
  const { completion, signal, timeout } = invokeBody(params);
  const { data, usage } = await runApi(ctx, { body: JSON.stringify(completion), signal, timeout });
  const answer = data as { choices: Array<{ message: { content?: string | null } }>; usage?: typeof NO_USAGE };
  const content = answer.choices[0]?.message.content;
  return new AnswerWithUsage({ message: typeof content === 'string' ? content.trim() : UNRECOGNIZED_ANSWER, usage: answer.usage ?? NO_USAGE }, usage);
}

/** invokeStream: as stream with `stream: true`, from invokeAI's params. */
async function invokeStream(ctx: Context, params: InvokeParams): Promise<AnswerWithUsage> {
  const { completion, signal, timeout } = invokeBody(params);
  return streamApi(ctx, { body: JSON.stringify(completion), stream: true, signal, timeout });
}

/**
 * invokeAsyncIterator: a streamed completion sent as the OpenAI SDK sends it (to
 * `<base>/chat/completions`, the model always set), its chunks parsed, as `consumerStream`.
 */
async function invokeAsyncIterator(ctx: Context, params: InvokeParams): Promise<AnswerWithUsage> {
  const { completion, signal, timeout } = invokeBody(params);
  const body = { ...completion, stream: true, model: completion.model ?? ctx.config.defaultModel ?? DEFAULT_MODEL };
  const { data: source } = await ctx.client.stream({
    url: calledUrl(ctx, sdkChatUrl(ctx.config)),
    method: 'POST',
    body,
    headers: providerHeaders(ctx.config, ctx.secrets),
    ...(timeout ? { timeoutMs: timeout } : {}),
    ...(signal ? { signal } : {}),
  });
  const counted = countedStream(source, body);
  return new AnswerWithUsage({ consumerStream: completionChunks(counted.stream) }, counted.usage);
}

/** getDashboard of the AI types: Kibana's token-usage dashboard is a Kibana saved object, and Plugboard has none to offer. */
export const dashboardSubAction: SubAction<unknown, unknown> = { name: SUB_ACTION.Dashboard, schema: dashboardParamsSchema, run: async () => ({ available: false }) };

export const genAiSubActions: GenAiSubAction[] = [
  { name: SUB_ACTION.Run, schema: runParamsSchema, run: runApi },
  { name: SUB_ACTION.Test, schema: runParamsSchema, run: runApi },
  // `stream` streams only with `stream: true`.
  { name: SUB_ACTION.Stream, schema: streamParamsSchema, run: streamApi, streams: (params) => params?.stream === true },
  { name: SUB_ACTION.InvokeAI, schema: invokeParamsSchema, run: invokeAI },
  { name: SUB_ACTION.InvokeStream, schema: invokeParamsSchema, run: invokeStream, streams: true },
  { name: SUB_ACTION.InvokeAsyncIterator, schema: invokeParamsSchema, run: invokeAsyncIterator, streams: true },
  dashboardSubAction,
];
