import { STATUS_CODES } from 'node:http';
import type { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { AnswerWithUsage, type SubAction, type SubActionContext } from '../../actions/sub_actions.js';
import type { ChunkFailure } from '../../actions/answer_chunks.js';
import { answerFacts, ExecutorError, StreamFailure } from '../../actions/failure.js';
import { clientErrorFailure } from '../es_index/service.js';
import { completionChunks, countedStream } from '../openai/tokens.js';
import {
  chatParamsSchema,
  completionParamsSchema,
  rerankParamsSchema,
  sparseEmbeddingParamsSchema,
  SUB_ACTION,
  textEmbeddingParamsSchema,
  type ChatParams,
  type InferenceConfig,
  type InferenceSecrets,
} from './schema.js';

// The sub-actions of reference §4.3: each one a call to Elasticsearch's inference API on the
// connector's endpoint, through the client of `elasticsearch.hosts`.

type Context = SubActionContext<InferenceConfig, InferenceSecrets>;
type Json = Record<string, any>;

/** How long Elasticsearch may take over a chat completion (Kibana's 180 s). */
const STREAM_TIMEOUT_MS = 180_000;
const MAX_MESSAGE_LENGTH = 1000;
const TRUNCATED = '... [truncated]';

const truncate = (message: string) => (message.length > MAX_MESSAGE_LENGTH ? `${message.slice(0, MAX_MESSAGE_LENGTH - TRUNCATED.length)}${TRUNCATED}` : message);

/**
 * A failed call, worded as Kibana's buildInferenceErrorMessage: the client's message, the status
 * and Elasticsearch's answer; the user's when Elasticsearch refused the request (4xx).
 */
function inferenceError(err: unknown): ExecutorError {
  const meta = (err as { meta?: { statusCode?: number; body?: unknown } }).meta;
  const message = (err as Error).message ?? String(err);
  const status = meta?.statusCode;
  const body = meta?.body === undefined ? '' : typeof meta.body === 'string' ? meta.body : JSON.stringify(meta.body);
  const parts = [message];
  if (status && !message.includes(`status code ${status}`)) parts.push(`Status code: ${status}`);
  if (body && !message.includes(body)) parts.push(`Upstream response: ${body}`);
  return new ExecutorError(truncate(parts.join('. ')), status !== undefined && status > 0 && status < 500 ? 'user' : 'framework', clientErrorFailure(err));
}

/** Elasticsearch's status names (`too_many_requests`) by their code. */
const STATUS_BY_NAME = new Map(Object.entries(STATUS_CODES).map(([code, name]) => [String(name).toLowerCase().replace(/\W+/g, '_'), Number(code)]));

/**
 * The `event: error` Elasticsearch sends once a chat stream has begun: `{error: {code, message,
 * type}}` (its unified chat completion error) or `{error: {type, reason}, status}` (any other
 * failure). Worded as Kibana's unified_completion raises it: the error's message, else its
 * reason, truncated; its status (or the status its code names) goes to the queue.
 */
export const inferenceStreamFailure: ChunkFailure = (chunk) => {
  const error = chunk.error as { message?: unknown; reason?: unknown; code?: unknown } | undefined | null;
  if (!error || typeof error !== 'object') return undefined;
  const text = [error.message, error.reason].find((t) => typeof t === 'string' && t !== '') as string | undefined;
  const status = typeof chunk.status === 'number' ? chunk.status : typeof error.code === 'string' ? STATUS_BY_NAME.get(error.code) : undefined;
  return new StreamFailure(truncate(text ?? 'Unknown error'), 'framework', status === undefined ? undefined : { httpStatus: status });
};

async function infer(ctx: Context, taskType: string, body: Json): Promise<Json> {
  try {
    return (await ctx.services
      .elasticsearch()
      .inference.inference({ task_type: taskType, inference_id: ctx.config.inferenceId, ...body } as never, { signal: ctx.signal })) as Json;
  } catch (err) {
    throw inferenceError(err);
  }
}

/**
 * The chat completion as Elasticsearch streams it (`_stream`, OpenAI's chunks as server-sent
 * events), the request's `n` left out. An error answer is read: Kibana's wording, a quota 429 the
 * user's.
 */
async function chatStream(ctx: Context, params: ChatParams): Promise<{ source: Readable; body: Json }> {
  const { n: _n, ...body } = params.body;
  const { inferenceId } = ctx.config;
  const signal = params.signal ? AbortSignal.any([ctx.signal, params.signal]) : ctx.signal;
  let answer;
  try {
    answer = await ctx.services.elasticsearch().transport.request(
      { method: 'POST', path: `/_inference/chat_completion/${encodeURIComponent(inferenceId)}/_stream`, querystring: { timeout: '180s' }, body },
      {
        asStream: true,
        meta: true,
        signal,
        requestTimeout: STREAM_TIMEOUT_MS,
        maxRetries: 0,
        headers: { 'X-Elastic-Product-Use-Case': params.telemetryMetadata?.pluginId ?? 'inference', 'accept-encoding': 'identity' },
      },
    );
  } catch (err) {
    throw inferenceError(err);
  }
  const source = answer.body as unknown as Readable;
  const status = answer.statusCode ?? 0;
  if (status < 400) return { source, body };
  const read = await text(source).catch(() => '');
  const facts = answerFacts({ status, headers: answer.headers as Record<string, string> });
  if (status === 429 && /quota/i.test(read)) throw new ExecutorError(truncate(read), 'user', facts);
  throw new ExecutorError(truncate(`Inference endpoint [${inferenceId}] returned status code ${status}: ${read}`), status < 500 ? 'user' : 'framework', facts);
}

interface ToolCall {
  id?: string;
  type?: string;
  function: { name: string; arguments: string };
}

/** unified_completion: the streamed chunks gathered into one OpenAI-style chat completion. */
async function unifiedCompletion(ctx: Context, params: ChatParams): Promise<AnswerWithUsage> {
  const { source, body } = await chatStream(ctx, params);
  const counted = countedStream(source, body, inferenceStreamFailure);
  let id = '';
  let model = '';
  let content = '';
  const calls: ToolCall[] = [];
  for await (const chunk of completionChunks(counted.stream, inferenceStreamFailure)) {
    id ||= String(chunk.id ?? '');
    model ||= String(chunk.model ?? '');
    const choice = (chunk.choices as Json[] | undefined)?.[0];
    if (choice?.finish_reason === 'length') throw new ExecutorError('createTokenLimitReachedError()', 'user', { permanent: true });
    const delta = choice?.delta as Json | undefined;
    if (typeof delta?.content === 'string') content += delta.content;
    for (const call of (delta?.tool_calls as Json[] | undefined) ?? []) {
      const index = typeof call.index === 'number' ? call.index : calls.length;
      const merged = (calls[index] ??= { function: { name: '', arguments: '' } });
      if (call.id) merged.id = call.id;
      if (call.type) merged.type = call.type;
      merged.function.name += call.function?.name ?? '';
      merged.function.arguments += call.function?.arguments ?? '';
    }
  }
  const usage = await counted.usage;
  const toolCalls = calls.filter(Boolean).map((call) => ({ ...call, function: { ...call.function, arguments: call.function.arguments || '{}' } }));
  const message = { content: content === '' ? null : content, refusal: null, role: 'assistant', ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}) };
  const data = {
    id,
    model,
    object: 'chat.completion',
    choices: [{ message }],
    usage: { prompt_tokens: usage.promptTokens, completion_tokens: usage.completionTokens, total_tokens: usage.totalTokens },
  };
  return new AnswerWithUsage(data, usage);
}

/** unified_completion_stream: Elasticsearch's server-sent events, read on the way for the usage. */
async function unifiedCompletionStream(ctx: Context, params: ChatParams): Promise<AnswerWithUsage> {
  const { source, body } = await chatStream(ctx, params);
  const counted = countedStream(source, body, inferenceStreamFailure);
  return new AnswerWithUsage(counted.stream, counted.usage);
}

/** unified_completion_async_iterator: the chunks, parsed, for in-process callers. */
async function unifiedCompletionAsyncIterator(ctx: Context, params: ChatParams): Promise<AnswerWithUsage> {
  const { source, body } = await chatStream(ctx, params);
  const counted = countedStream(source, body, inferenceStreamFailure);
  return new AnswerWithUsage({ consumerStream: completionChunks(counted.stream, inferenceStreamFailure) }, counted.usage);
}

export const inferenceSubActions: Array<SubAction<InferenceConfig, InferenceSecrets>> = [
  { name: SUB_ACTION.UnifiedCompletion, schema: chatParamsSchema, run: unifiedCompletion },
  { name: SUB_ACTION.UnifiedCompletionStream, schema: chatParamsSchema, run: unifiedCompletionStream, streams: true },
  { name: SUB_ACTION.UnifiedCompletionAsyncIterator, schema: chatParamsSchema, run: unifiedCompletionAsyncIterator, streams: true },
  {
    name: SUB_ACTION.Completion,
    schema: completionParamsSchema,
    run: async (ctx, { input }) => (await infer(ctx, 'completion', { input })).completion,
  },
  {
    name: SUB_ACTION.Rerank,
    schema: rerankParamsSchema,
    run: async (ctx, { input, query }) =>
      ((await infer(ctx, 'rerank', { input, query })).rerank as Json[]).map(({ relevance_score, ...rest }) => ({ ...rest, score: relevance_score })),
  },
  {
    name: SUB_ACTION.TextEmbedding,
    schema: textEmbeddingParamsSchema,
    run: async (ctx, { input, inputType }) => (await infer(ctx, 'text_embedding', { input, task_settings: { input_type: inputType } })).text_embedding,
  },
  {
    name: SUB_ACTION.SparseEmbedding,
    schema: sparseEmbeddingParamsSchema,
    run: async (ctx, { input }) => (await infer(ctx, 'sparse_embedding', { input })).sparse_embedding,
  },
];

