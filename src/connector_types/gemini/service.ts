import { ExecutorError } from '../../actions/failure.js';
import { formatZodError } from '../../actions/format_zod_error.js';
import { atServiceUrl } from '../../actions/service_url.js';
import { AnswerWithUsage, ServiceRequestError, type SubAction, type SubActionContext } from '../../actions/sub_actions.js';
import { authorizationHeader, forgetToken } from './auth.js';
import { dashboardSubAction } from '../openai/service.js';
import { geminiPayload } from './payload.js';
import {
  CONNECTOR_ID,
  DEFAULT_TIMEOUT_MS,
  DEFAULT_URL,
  SUB_ACTION,
  invokeParamsSchema,
  runParamsSchema,
  runResponseSchema,
  type GeminiConfig,
  type GeminiSecrets,
  type InvokeParams,
  type RunParams,
} from './schema.js';
import { blockedReason } from './errors.js';
import { countedStream, usageOf } from './usage.js';

// The sub-actions of reference §3.3: Vertex AI's generateContent and streamGenerateContent of a
// Google model, with the service account's access token.

type Context = SubActionContext<GeminiConfig, GeminiSecrets>;
type GeminiSubAction = SubAction<GeminiConfig, GeminiSecrets>;
type Json = Record<string, any>;

/** Kibana's reading of a request that got no answer. */
export const geminiUnansweredMessage = ({ code, message }: { code?: string; message: string }) => `Unexpected API Error: ${code ?? ''} - ${message || 'Unknown error'}`;

/** The model's endpoint: its name is not encoded, as Kibana sends it; Vertex AI's us-central1 address can be overridden (simulators). */
function modelUrl({ config, configurationUtilities }: Context, model: string | undefined, method: 'generateContent' | 'streamGenerateContent?alt=sse'): string {
  return atServiceUrl(configurationUtilities, CONNECTOR_ID, DEFAULT_URL, `${config.apiUrl}/v1/projects/${config.gcpProjectID}/locations/${config.gcpRegion}/publishers/google/models/${model ?? config.defaultModel}:${method}`);
}

/** A request with the access token; Vertex AI refusing it (401) drops it, so the next run gets a new one. */
async function withToken<T>(ctx: Context, signal: AbortSignal | undefined, send: (headers: Record<string, string>) => Promise<T>): Promise<T> {
  const headers = { Authorization: await authorizationHeader(ctx, signal) };
  try {
    return await send(headers);
  } catch (err) {
    if (err instanceof ServiceRequestError && err.failure?.httpStatus === 401) forgetToken(ctx);
    throw err;
  }
}

/** An answer Gemini withheld (see blockedReason): sending it again would be blocked again. */
function blockedAnswer(answer: Json): ExecutorError | undefined {
  const reason = blockedReason(answer);
  return reason === undefined ? undefined : new ExecutorError(reason, 'framework', { permanent: true });
}

/** run and test: one generateContent, its first text and usage (raw: Vertex AI's answer as it is). */
async function runApi(ctx: Context, { body, model, signal, timeout, raw }: RunParams): Promise<AnswerWithUsage> {
  const request = { url: modelUrl(ctx, model, 'generateContent'), method: 'POST' as const, body, timeoutMs: timeout ?? DEFAULT_TIMEOUT_MS, ...(signal ? { signal } : {}) };
  const { data } = await withToken(ctx, signal, (headers) => ctx.client.request<Json>({ ...request, headers }));
  if (raw) return new AnswerWithUsage(data, usageOf(data));
  // A block is told before the answer is checked: a blocked prompt's answer has no candidates' count.
  const blocked = blockedAnswer(data ?? {});
  if (blocked) throw blocked;
  const checked = runResponseSchema.safeParse(data);
  if (!checked.success) throw new ServiceRequestError(`Response validation failed (${formatZodError(checked.error)})`);
  // A first part without text (a function call) answers no completion, as in Kibana.
  const completion: unknown = (checked.data.candidates as Json[] | undefined)?.[0]?.content?.parts?.[0]?.text;
  return new AnswerWithUsage({ completion, usageMetadata: checked.data.usageMetadata }, usageOf(data));
}

const commonParams = ({ model, signal, timeout }: InvokeParams) => ({ model, signal, timeout });

/** invokeAI: the messages as a generateContent request; its text as `message`. Tools are not sent. */
async function invokeAI(ctx: Context, params: InvokeParams): Promise<AnswerWithUsage> {
  const answer = await runApi(ctx, { body: JSON.stringify(geminiPayload(params, true)), ...commonParams(params) });
  const { completion, usageMetadata } = answer.data as { completion: string; usageMetadata: unknown };
  return new AnswerWithUsage({ message: completion, usageMetadata }, answer.usage);
}

/** invokeAIRaw: the messages and tools (no tool config) as a generateContent request; Vertex AI's answer as it is. */
async function invokeAIRaw(ctx: Context, params: InvokeParams): Promise<AnswerWithUsage> {
  return runApi(ctx, { body: JSON.stringify({ ...geminiPayload(params, false), tools: params.tools }), ...commonParams(params), raw: true });
}

/**
 * invokeStream: the messages, tool config and tools to streamGenerateContent; its server-sent
 * events as a Node Readable (in-process callers read it), counted as they pass.
 */
async function invokeStream(ctx: Context, params: InvokeParams): Promise<AnswerWithUsage> {
  const payload = { ...geminiPayload(params, true), tools: params.tools };
  const { model, signal, timeout } = commonParams(params);
  const { data: source } = await withToken(ctx, signal, (headers) =>
    ctx.client.stream({
      url: modelUrl(ctx, model, 'streamGenerateContent?alt=sse'),
      method: 'POST',
      body: JSON.stringify(payload),
      headers,
      timeoutMs: timeout ?? DEFAULT_TIMEOUT_MS,
      ...(signal ? { signal } : {}),
    }),
  );
  const counted = countedStream(source, payload);
  return new AnswerWithUsage(counted.stream, counted.usage);
}

export const geminiSubActions: GeminiSubAction[] = [
  { name: SUB_ACTION.Run, schema: runParamsSchema, run: runApi },
  { name: SUB_ACTION.Test, schema: runParamsSchema, run: runApi },
  { name: SUB_ACTION.InvokeAI, schema: invokeParamsSchema, run: invokeAI },
  { name: SUB_ACTION.InvokeAIRaw, schema: invokeParamsSchema, run: invokeAIRaw },
  { name: SUB_ACTION.InvokeStream, schema: invokeParamsSchema, run: invokeStream, streams: true },
  dashboardSubAction,
];
