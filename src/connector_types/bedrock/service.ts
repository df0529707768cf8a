import { ExecutorError } from '../../actions/failure.js';
import { atServiceUrl } from '../../actions/service_url.js';
import { AnswerWithUsage, normalizeServiceUrl, type SubAction, type SubActionContext } from '../../actions/sub_actions.js';
import { parseObject } from '../openai/providers.js';
import { dashboardSubAction } from '../openai/service.js';
import { formatBedrockBody, formatRawBody } from './format.js';
import {
  CONNECTOR_ID,
  DEFAULT_REGION,
  DEFAULT_URL,
  DEFAULT_TIMEOUT_MS,
  SUB_ACTION,
  converseParamsSchema,
  converseResponseSchema,
  invokeParamsSchema,
  invokeRawParamsSchema,
  legacyResponseSchema,
  messagesResponseSchema,
  runParamsSchema,
  type BedrockConfig,
  type BedrockSecrets,
  type ConverseParams,
  type InvokeParams,
  type InvokeRawParams,
  type RunParams,
} from './schema.js';
import { regionOf, signRequest } from './signing.js';
import { anthropicUsage, converseUsage, countedEventStream, usageOrEstimate } from './tokens.js';

type Context = SubActionContext<BedrockConfig, BedrockSecrets>;
type BedrockSubAction = SubAction<BedrockConfig, BedrockSecrets>;
type Json = Record<string, any>;

/** Kibana's reading of a request that got no answer. */
export const bedrockUnansweredMessage = ({ code, message }: { code?: string; message: string }) => `Unexpected API Error: ${code ?? ''} - ${message || 'Unknown error'}`;

const JSON_HEADERS = { 'Content-Type': 'application/json', Accept: '*/*' };
const STREAM_HEADERS = { accept: 'application/vnd.amazon.eventstream', 'Content-Type': 'application/json', 'x-amzn-bedrock-accept': '*/*' };

/** A model id as one path segment (an ARN's `/` and an id's `:` percent-encoded), whether given encoded or not. */
function modelSegment(model: string): string {
  try {
    return encodeURIComponent(decodeURIComponent(model));
  } catch {
    return encodeURIComponent(model);
  }
}

/** A SigV4-signed POST of `body` to `/model/<model>/<operation>`, the model being the request's or the default. */
function signedRequest(ctx: Context, model: string | undefined, operation: string, body: string, stream: boolean) {
  const chosen = model ?? ctx.config.defaultModel;
  if (!chosen) throw new ExecutorError('No model specified. Please configure a default model.', 'framework', { permanent: true });
  // The runtime's own address can be overridden (simulators); the region is still read from the configured one.
  const url = atServiceUrl(ctx.configurationUtilities, CONNECTOR_ID, DEFAULT_URL, normalizeServiceUrl(`${ctx.config.apiUrl}/model/${modelSegment(chosen)}/${operation}`));
  const headers = signRequest(
    { url, method: 'POST', headers: stream ? STREAM_HEADERS : JSON_HEADERS, body },
    { region: regionOf(ctx.config.apiUrl, ctx.config.region, DEFAULT_REGION), service: 'bedrock' },
    { accessKeyId: ctx.secrets.accessKey, secretAccessKey: ctx.secrets.secret },
  );
  return { url, method: 'POST' as const, body, headers };
}

/** The text of a Messages answer: one text block's text, or each block's text after a newline. */
function parseContent(content: Array<{ type: string; text?: string }>): string {
  if (content.length === 1) return content[0].type === 'text' && content[0].text ? content[0].text : '';
  return content.reduce((text, block) => (block.text ? `${text}\n${block.text}` : text), '');
}

/**
 * run and test: InvokeModel with the body as given. A legacy `prompt` body's answer comes back
 * as it is, a Messages answer as `{completion, stop_reason, usage}`; `raw` answers the JSON.
 */
async function runApi(ctx: Context, { body, model, signal, timeout, raw }: RunParams): Promise<AnswerWithUsage> {
  const request = { ...signedRequest(ctx, model, 'invoke', body, false), timeoutMs: timeout ?? DEFAULT_TIMEOUT_MS, ...(signal ? { signal } : {}) };
  const sent = parseObject(body);
  if (raw) {
    const { data } = await ctx.client.request(request);
    return new AnswerWithUsage(data, anthropicUsage(data));
  }
  if (sent?.prompt != null) {
    const { data } = await ctx.client.request({ ...request, responseSchema: legacyResponseSchema });
    return new AnswerWithUsage(data, usageOrEstimate(anthropicUsage(data), sent, data.completion));
  }
  const { data } = await ctx.client.request({ ...request, responseSchema: messagesResponseSchema });
  const completion = parseContent(data.content);
  return new AnswerWithUsage({ completion, stop_reason: data.stop_reason, usage: data.usage }, usageOrEstimate(anthropicUsage(data), sent, completion));
}

/** invokeAI: a Messages body from the params; the answer's text, trimmed, and its usage. */
async function invokeAI(ctx: Context, params: InvokeParams): Promise<AnswerWithUsage> {
  const body = JSON.stringify(formatBedrockBody(params, true));
  const answer = await runApi(ctx, { body, model: params.model, signal: params.signal, timeout: params.timeout });
  const { completion, usage } = answer.data as { completion: string; usage?: unknown };
  return new AnswerWithUsage({ message: completion.trim(), usage }, answer.usage);
}

/** invokeStream: InvokeModelWithResponseStream; Bedrock's event-stream bytes as a Readable, counted as they pass. */
async function invokeStream(ctx: Context, params: InvokeParams): Promise<AnswerWithUsage> {
  return streamApi(ctx, params, 'invoke-with-response-stream', formatBedrockBody(params, false));
}

/**
 * A streamed operation: Bedrock's event-stream bytes as a Readable (converse-stream's inside
 * `{stream}`, as Kibana hands them), counted as they pass.
 */
async function streamApi(ctx: Context, params: { model?: string; signal?: AbortSignal; timeout?: number }, operation: string, sent: Json): Promise<AnswerWithUsage> {
  const request = signedRequest(ctx, params.model, operation, JSON.stringify(sent), true);
  const { data: source } = await ctx.client.stream({ ...request, ...(params.timeout ? { timeoutMs: params.timeout } : {}), ...(params.signal ? { signal: params.signal } : {}) });
  const counted = countedEventStream(source, sent);
  return new AnswerWithUsage(operation === 'converse-stream' ? { stream: counted.stream } : counted.stream, counted.usage);
}

/** invokeAIRaw: the messages as given, the model's whole answer back. */
async function invokeAIRaw(ctx: Context, params: InvokeRawParams): Promise<AnswerWithUsage> {
  return runApi(ctx, { body: JSON.stringify(formatRawBody(params)), model: params.model, signal: params.signal, timeout: params.timeout, raw: true });
}

/** The Converse body of the params: the tool config only when there are tools or a choice. */
function converseBody(params: ConverseParams): Json {
  const { messages, system, temperature, stopSequences, maxTokens, tools, toolChoice } = params;
  return {
    messages,
    inferenceConfig: { temperature, stopSequences, maxTokens },
    ...(tools !== undefined || toolChoice !== undefined ? { toolConfig: { tools, toolChoice } } : {}),
    system,
  };
}

/** converse: the Converse API's answer as it is, with its usage. */
async function converse(ctx: Context, params: ConverseParams): Promise<AnswerWithUsage> {
  const sent = converseBody(params);
  const { data } = await ctx.client.request({
    ...signedRequest(ctx, params.model, 'converse', JSON.stringify(sent), false),
    timeoutMs: params.timeout ?? DEFAULT_TIMEOUT_MS,
    responseSchema: converseResponseSchema,
    ...(params.signal ? { signal: params.signal } : {}),
  });
  return new AnswerWithUsage(data, converseUsage(data) ?? usageOrEstimate(undefined, sent, JSON.stringify(data.output.message ?? '')));
}

/** converseStream: `{stream}`, the ConverseStream event-stream bytes, counted from its metadata event. */
async function converseStream(ctx: Context, params: ConverseParams): Promise<AnswerWithUsage> {
  return streamApi(ctx, params, 'converse-stream', converseBody(params));
}

export const bedrockSubActions: BedrockSubAction[] = [
  { name: SUB_ACTION.Run, schema: runParamsSchema, run: runApi },
  { name: SUB_ACTION.Test, schema: runParamsSchema, run: runApi },
  { name: SUB_ACTION.InvokeAI, schema: invokeParamsSchema, run: invokeAI },
  { name: SUB_ACTION.InvokeStream, schema: invokeParamsSchema, run: invokeStream, streams: true },
  { name: SUB_ACTION.InvokeAIRaw, schema: invokeRawParamsSchema, run: invokeAIRaw },
  { name: SUB_ACTION.Converse, schema: converseParamsSchema, run: converse },
  { name: SUB_ACTION.ConverseStream, schema: converseParamsSchema, run: converseStream, streams: true },
  dashboardSubAction,
];
