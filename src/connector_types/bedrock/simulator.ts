import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { encode } from 'gpt-tokenizer';
import { oneOffAnswer, startRecordingServer, type RecordedRequest } from '../lib/simulator_server.js';
import { encodeEventStreamMessage } from './event_stream.js';
import { signRequest } from './signing.js';

/**
 * An in-process Amazon Bedrock runtime API:
 *   POST /model/<model id>/invoke                        Anthropic Messages (or legacy `prompt`) JSON
 *   POST /model/<model id>/invoke-with-response-stream   the same, answered as an AWS event stream
 *                                                        of `chunk` events ({bytes: base64 event})
 *   POST /model/<model id>/converse                      the Converse API's JSON
 *   POST /model/<model id>/converse-stream               Converse events (messageStart,
 *                                                        contentBlockDelta, …, metadata)
 * Every request must be signed with SigV4 for service `bedrock` in its region; the signature is
 * checked. Failures, as Bedrock words them (`{message}` and an `x-amzn-ErrorType` header):
 *   403  no, another or a wrongly signed credential (Bedrock has no 401: failNext makes one)
 *   404  a model it does not serve (ResourceNotFoundException)
 *   400  a body it cannot read; input longer than the model's context window; another operation
 *        (Bedrock's answer to a request sent to its control-plane endpoint)
 *   422  a Messages body with a key Anthropic does not take, worded as Kibana's simulator words it
 *   429  after rateLimitNext: ThrottlingException, with Retry-After when given seconds
 * A stream's last event carries Bedrock's invocation metrics (invoke) or its usage metadata
 * (converse). cutStreamNext makes the next stream stop halfway, inside a frame, the connection
 * dropped. failStreamNext makes the next stream (answered 200) send a few events, then an
 * exception message (`:message-type` exception, `:exception-type` e.g. throttlingException,
 * payload `{message}`) and end, as Bedrock reports a failure once streaming has begun.
 */

export const SIMULATOR_REPLY = 'Hello there! How may I assist you today?';
export const SIMULATOR_MODELS = ['us.anthropic.claude-sonnet-4-5-20250929-v1:0', 'anthropic.claude-3-5-sonnet-20240620-v1:0'];

export interface BedrockSimulatorOptions {
  accessKey: string;
  secret: string;
  /** The region signatures must be scoped to; default us-east-1. */
  region?: string;
  /** Model ids served; default SIMULATOR_MODELS. */
  models?: string[];
  /** The context window, in tokens, of every model; default 200000. */
  contextWindow?: number;
  reply?: string;
}

type Usage = { input_tokens: number; output_tokens: number };

export interface BedrockSimulator {
  url: string;
  requests: RecordedRequest[];
  /** Every answered invocation: its operation, model (decoded), request body and the tokens it reported. */
  invocations: Array<{ operation: string; model: string; body: Record<string, any>; usage: Usage }>;
  failNext(status: number, body?: string, headers?: Record<string, string>): void;
  rateLimitNext(retryAfterSeconds?: number): void;
  cutStreamNext(): void;
  /** The next stream fails after `afterEvents` events with this exception (default throttlingException, Bedrock's message for it). */
  failStreamNext(exceptionType?: StreamExceptionType, message?: string, afterEvents?: number): void;
  close(): Promise<void>;
}

/** The exceptions a Bedrock stream may end with, and Bedrock's usual message for each. */
const STREAM_EXCEPTIONS = {
  throttlingException: 'Too many requests, please wait before trying again.',
  modelStreamErrorException: 'The model encountered an error while streaming the response.',
  validationException: 'Input is too long for requested model.',
  internalServerException: 'The system encountered an unexpected error during processing. Try your request again.',
  serviceUnavailableException: 'Bedrock is unable to process your request.',
  modelTimeoutException: 'Model has timed out in processing the request.',
};
export type StreamExceptionType = keyof typeof STREAM_EXCEPTIONS;

const OPERATIONS = ['invoke', 'invoke-with-response-stream', 'converse', 'converse-stream'] as const;
type Operation = (typeof OPERATIONS)[number];

/** The keys of an Anthropic Messages (or legacy text completion) body on Bedrock. */
const ANTHROPIC_KEYS = new Set([
  'anthropic_version', 'anthropic_beta', 'messages', 'system', 'max_tokens', 'stop_sequences', 'temperature', 'top_p', 'top_k',
  'tools', 'tool_choice', 'metadata', 'thinking', 'prompt', 'max_tokens_to_sample',
]);

const tokens = (text: string) => encode(text, { disallowedSpecial: new Set() }).length;

/** The words of a text, each with the space after it: the deltas of a stream. */
const words = (text: string) => text.match(/\S+\s*/g) ?? [];

function textOf(value: unknown): string {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return value.map((v) => textOf((v as { text?: unknown; content?: unknown })?.text ?? (v as { content?: unknown })?.content ?? '')).join('\n');
  return '';
}

/** The input tokens of a request: its system prompt and every message's text. */
function inputTokensOf(body: Record<string, any>): number {
  if (typeof body.prompt === 'string') return tokens(body.prompt);
  const messages = Array.isArray(body.messages) ? body.messages : [];
  return tokens([textOf(body.system), ...messages.map((m: { content?: unknown }) => textOf(m?.content))].join('\n'));
}

interface Authorization {
  accessKey: string;
  region: string;
  service: string;
  signedHeaders: string[];
  signature: string;
}

function parseAuthorization(header: string | undefined): Authorization | undefined {
  const match = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/\d{8}\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$/.exec(header ?? '');
  if (!match) return undefined;
  return { accessKey: match[1], region: match[2], service: match[3], signedHeaders: match[4].split(';'), signature: match[5] };
}

export async function startBedrockSimulator(options: BedrockSimulatorOptions): Promise<BedrockSimulator> {
  const region = options.region ?? 'us-east-1';
  const models = options.models ?? SIMULATOR_MODELS;
  const contextWindow = options.contextWindow ?? 200_000;
  const reply = options.reply ?? SIMULATOR_REPLY;
  const invocations: BedrockSimulator['invocations'] = [];
  const nextAnswer = oneOffAnswer();
  let rateLimit: { seconds?: number } | undefined;
  let cutNext = false;
  let failing: { type: StreamExceptionType; message: string; afterEvents: number } | undefined;

  const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) =>
    res.writeHead(status, { 'Content-Type': 'application/json', 'x-amzn-RequestId': randomBytes(16).toString('hex'), ...headers }).end(JSON.stringify(body));
  const fail = (res: ServerResponse, status: number, type: string, message: string, headers: Record<string, string> = {}) =>
    json(res, status, { message }, { 'x-amzn-ErrorType': `${type}:http://internal.amazon.com/coral/com.amazon.bedrock/`, ...headers });

  /** Why the request's signature is refused; undefined when it holds. */
  function refusal(req: IncomingMessage, body: string): [type: string, message: string] | undefined {
    const auth = parseAuthorization(req.headers.authorization);
    if (!auth) return ['MissingAuthenticationTokenException', 'Missing Authentication Token'];
    if (auth.accessKey !== options.accessKey) return ['UnrecognizedClientException', 'The security token included in the request is invalid.'];
    if (auth.service !== 'bedrock') return ['InvalidSignatureException', "Credential should be scoped to correct service: 'bedrock'. "];
    if (auth.region !== region) return ['InvalidSignatureException', `Credential should be scoped to a valid region. `];
    const signed: Record<string, string> = {};
    for (const name of auth.signedHeaders) if (name !== 'host') signed[name] = String(req.headers[name] ?? '');
    const expected = signRequest(
      { url: `http://${req.headers.host}${req.url}`, method: req.method ?? 'POST', headers: signed, body },
      { region, service: 'bedrock' },
      { accessKeyId: options.accessKey, secretAccessKey: options.secret },
    );
    if (!expected.Authorization?.endsWith(`Signature=${auth.signature}`)) {
      return [
        'InvalidSignatureException',
        'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
      ];
    }
    return undefined;
  }

  /** Why Bedrock would not take the body; undefined when it would. */
  function invalid(operation: Operation, body: Record<string, any>): [status: number, type: string, message: string] | undefined {
    if (operation.startsWith('invoke')) {
      const extraneous = Object.keys(body).find((key) => !ANTHROPIC_KEYS.has(key));
      if (extraneous) return [422, 'ValidationException', `Malformed input request: extraneous key [${extraneous}] is not permitted, please reformat your input and try again.`];
      if (typeof body.prompt === 'string') return undefined;
      for (const key of ['anthropic_version', 'max_tokens', 'messages']) {
        if (body[key] === undefined) return [400, 'ValidationException', `Malformed input request: #: required key [${key}] not found, please reformat your input and try again.`];
      }
    }
    if (!Array.isArray(body.messages) || body.messages.length === 0) return [400, 'ValidationException', 'A conversation must start with a user message. Try again with a conversation that starts with a user message.'];
    return undefined;
  }

  /** An event-stream answer; cut halfway, inside a frame, or failing with an exception, when asked. */
  function sendStream(res: ServerResponse, all: Uint8Array[]) {
    res.writeHead(200, { 'Content-Type': 'application/vnd.amazon.eventstream', 'x-amzn-RequestId': randomBytes(16).toString('hex') });
    const exception = failing;
    failing = undefined;
    const frames = exception ? [...all.slice(0, exception.afterEvents), exceptionFrame(exception.type, exception.message)] : all;
    const bytes = Buffer.concat(frames);
    if (cutNext) {
      cutNext = false;
      const half = frames.slice(0, Math.ceil(frames.length / 2)).reduce((n, f) => n + f.length, 0) + 5;
      res.write(bytes.subarray(0, half), () => res.destroy());
      return;
    }
    res.end(bytes);
  }

  // Bedrock pads each payload with `p` so that sizes do not tell the content.
  const padding = () => 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123'.slice(0, 1 + Math.floor(Math.random() * 40));
  const chunk = (event: Record<string, unknown>) =>
    encodeEventStreamMessage(
      { ':event-type': 'chunk', ':content-type': 'application/json', ':message-type': 'event' },
      JSON.stringify({ bytes: Buffer.from(JSON.stringify(event)).toString('base64'), p: padding() }),
    );
  const converseEvent = (type: string, payload: Record<string, unknown>) =>
    encodeEventStreamMessage({ ':event-type': type, ':content-type': 'application/json', ':message-type': 'event' }, JSON.stringify({ ...payload, p: padding() }));

  // A modelStreamErrorException also tells what the model's own failure was.
  const exceptionFrame = (type: StreamExceptionType, message: string) =>
    encodeEventStreamMessage(
      { ':exception-type': type, ':content-type': 'application/json', ':message-type': 'exception' },
      JSON.stringify(type === 'modelStreamErrorException' ? { message, originalStatusCode: 500, originalMessage: 'Internal error' } : { message }),
    );

  function invoke(res: ServerResponse, model: string, body: Record<string, any>, usage: Usage, stream: boolean) {
    const id = `msg_bdrk_${randomBytes(12).toString('hex')}`;
    const metrics = { inputTokenCount: usage.input_tokens, outputTokenCount: usage.output_tokens, invocationLatency: 412, firstByteLatency: 160 };
    const legacy = typeof body.prompt === 'string';
    if (!stream) {
      const headers = { 'X-Amzn-Bedrock-Input-Token-Count': String(usage.input_tokens), 'X-Amzn-Bedrock-Output-Token-Count': String(usage.output_tokens) };
      if (legacy) return json(res, 200, { type: 'completion', completion: ` ${reply}`, stop_reason: 'stop_sequence', stop: '\n\nHuman:' }, headers);
      return json(res, 200, { id, type: 'message', role: 'assistant', model, content: [{ type: 'text', text: reply }], stop_reason: 'end_turn', stop_sequence: null, usage }, headers);
    }
    if (legacy) {
      const parts = words(reply);
      return sendStream(
        res,
        parts.map((word, i) => chunk(i < parts.length - 1 ? { completion: word, stop_reason: null, stop: null } : { completion: word, stop_reason: 'stop_sequence', stop: '\n\nHuman:', 'amazon-bedrock-invocationMetrics': metrics })),
      );
    }
    sendStream(res, [
      chunk({ type: 'message_start', message: { id, type: 'message', role: 'assistant', model, content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: usage.input_tokens, output_tokens: 1 } } }),
      chunk({ type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }),
      ...words(reply).map((word) => chunk({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: word } })),
      chunk({ type: 'content_block_stop', index: 0 }),
      chunk({ type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: usage.output_tokens } }),
      chunk({ type: 'message_stop', 'amazon-bedrock-invocationMetrics': metrics }),
    ]);
  }

  function converse(res: ServerResponse, usage: Usage, stream: boolean) {
    const converseUsage = { inputTokens: usage.input_tokens, outputTokens: usage.output_tokens, totalTokens: usage.input_tokens + usage.output_tokens };
    if (!stream) {
      return json(res, 200, { output: { message: { role: 'assistant', content: [{ text: reply }] } }, stopReason: 'end_turn', usage: converseUsage, metrics: { latencyMs: 412 } });
    }
    sendStream(res, [
      converseEvent('messageStart', { role: 'assistant' }),
      ...words(reply).map((word) => converseEvent('contentBlockDelta', { contentBlockIndex: 0, delta: { text: word } })),
      converseEvent('contentBlockStop', { contentBlockIndex: 0 }),
      converseEvent('messageStop', { stopReason: 'end_turn' }),
      converseEvent('metadata', { usage: converseUsage, metrics: { latencyMs: 412 } }),
    ]);
  }

  const handle = (req: IncomingMessage, res: ServerResponse, text: string) => {
    if (nextAnswer.sendIfPending(res)) return;
    const route = /^\/model\/([^/]+)\/([^/?]+)$/.exec(req.url ?? '');
    const operation = route?.[2] as Operation | undefined;
    if (req.method !== 'POST' || !route || !OPERATIONS.includes(operation!)) return fail(res, 400, 'UnknownOperationException', 'The requested operation is not recognized by the service.');
    const refused = refusal(req, text);
    if (refused) return fail(res, 403, ...refused);
    if (rateLimit) {
      const { seconds } = rateLimit;
      rateLimit = undefined;
      return fail(res, 429, 'ThrottlingException', 'Too many requests, please wait before trying again.', seconds === undefined ? {} : { 'Retry-After': String(seconds) });
    }
    const model = decodeURIComponent(route[1]);
    if (!models.includes(model)) return fail(res, 404, 'ResourceNotFoundException', 'Could not resolve the foundation model from the provided model identifier.');
    let body: Record<string, any>;
    try {
      body = JSON.parse(text) as Record<string, any>;
    } catch {
      return fail(res, 400, 'ValidationException', 'Malformed input request, please reformat your input and try again.');
    }
    const problem = invalid(operation!, body);
    if (problem) return fail(res, problem[0], problem[1], problem[2]);
    const inputTokens = inputTokensOf(body);
    if (inputTokens > contextWindow) return fail(res, 400, 'ValidationException', 'Input is too long for requested model.');
    const usage = { input_tokens: inputTokens, output_tokens: tokens(reply) };
    invocations.push({ operation: operation!, model, body, usage });
    if (operation === 'invoke' || operation === 'invoke-with-response-stream') return invoke(res, model, body, usage, operation !== 'invoke');
    converse(res, usage, operation === 'converse-stream');
  };

  const { url, requests, close } = await startRecordingServer(handle);
  return {
    url,
    requests,
    invocations,
    failNext: nextAnswer.set,
    rateLimitNext: (seconds) => {
      rateLimit = { seconds };
    },
    cutStreamNext: () => {
      cutNext = true;
    },
    failStreamNext: (type = 'throttlingException', message = STREAM_EXCEPTIONS[type], afterEvents = 3) => {
      failing = { type, message, afterEvents };
    },
    close,
  };
}
