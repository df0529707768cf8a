import { PassThrough, pipeline, Readable } from 'node:stream';
import { StreamFailure } from '../../actions/failure.js';
import type { TokenUsage } from '../../actions/types.js';
import { observed, type CountedStream } from '../lib/sse_tally.js';
import { promptTokens, tokens } from '../openai/tokens.js';
import { bedrockStreamFailure } from './errors.js';
import { EventStreamDecoder, type EventStreamMessage } from './event_stream.js';

// Token usage of Bedrock answers (reference §0.4): the model's own counts (Anthropic `usage`,
// Converse `usage`, a stream's invocation metrics or metadata event) when there are some,
// otherwise a gpt-tokenizer estimate of the prompt and the text, as Kibana makes it.

type Json = Record<string, any>;

const usage = (prompt: number, completion: number): TokenUsage => ({ promptTokens: prompt, completionTokens: completion, totalTokens: prompt + completion });
const count = (value: unknown) => (typeof value === 'number' ? value : 0);

/** Anthropic's `usage: {input_tokens, output_tokens}`; undefined without one. */
export function anthropicUsage(answer: unknown): TokenUsage | undefined {
  const u = (answer as Json | null)?.usage;
  return u && typeof u === 'object' ? usage(count(u.input_tokens), count(u.output_tokens)) : undefined;
}

/** Converse's `usage: {inputTokens, outputTokens, totalTokens}`; undefined without one. */
export function converseUsage(answer: unknown): TokenUsage | undefined {
  const u = (answer as Json | null)?.usage;
  if (!u || typeof u !== 'object') return undefined;
  return { promptTokens: count(u.inputTokens), completionTokens: count(u.outputTokens), totalTokens: count(u.totalTokens ?? count(u.inputTokens) + count(u.outputTokens)) };
}

/** The prompt's tokens, estimated from a request body's system prompt, messages and tools. */
export function estimatedPrompt(request: Json | undefined): number {
  if (!request) return 0;
  if (typeof request.prompt === 'string') return tokens(request.prompt);
  const system = typeof request.system === 'string' ? request.system : Array.isArray(request.system) ? JSON.stringify(request.system) : undefined;
  const messages = Array.isArray(request.messages) ? request.messages : [];
  return promptTokens({ messages: system ? [{ role: 'system', content: system }, ...messages] : messages, tools: request.tools });
}

/** The answer's usage, or the estimate of the request's prompt and the answer's text. */
export const usageOrEstimate = (reported: TokenUsage | undefined, request: Json | undefined, text: string): TokenUsage =>
  reported ?? usage(estimatedPrompt(request), tokens(text));

/** An event of a Bedrock stream: an InvokeModel chunk's Anthropic event, or a Converse event, by its type. */
export interface BedrockStreamEvent {
  /** `chunk` (InvokeModel), or Converse's messageStart, contentBlockDelta, metadata, … */
  type: string;
  body: Json;
}

/**
 * A decoded message as Bedrock means it: a chunk's base64 `bytes` unwrapped; an exception (a
 * failure after the answer began) thrown as its StreamFailure (see bedrockStreamFailure).
 */
export function bedrockStreamEvent(message: EventStreamMessage): BedrockStreamEvent {
  const payload = JSON.parse(Buffer.from(message.body).toString('utf8') || '{}') as Json;
  const messageType = message.headers[':message-type'];
  if (messageType === 'exception') throw bedrockStreamFailure(String(message.headers[':exception-type']), payload);
  if (messageType === 'error') throw new Error(`${String(message.headers[':error-code'])}: ${String(message.headers[':error-message'])}`);
  const type = String(message.headers[':event-type']);
  if (type === 'chunk' && typeof payload.bytes === 'string') return { type, body: JSON.parse(Buffer.from(payload.bytes, 'base64').toString('utf8')) as Json };
  return { type, body: payload };
}

/** What the events of a stream said about tokens and text, gathered as they pass. */
class StreamTally {
  text = '';
  reported: TokenUsage | undefined;
  private input = 0;
  private output: number | undefined;

  add({ type, body }: BedrockStreamEvent): void {
    if (type === 'chunk') {
      const metrics = body['amazon-bedrock-invocationMetrics'];
      if (metrics) this.reported = usage(count(metrics.inputTokenCount), count(metrics.outputTokenCount));
      if (body.type === 'message_start') this.input = count(body.message?.usage?.input_tokens);
      if (body.type === 'message_delta' && body.usage) this.output = count(body.usage.output_tokens);
      if (body.type === 'content_block_delta' && typeof body.delta?.text === 'string') this.text += body.delta.text;
      if (typeof body.completion === 'string') this.text += body.completion;
    } else if (type === 'contentBlockDelta' && typeof body.delta?.text === 'string') {
      this.text += body.delta.text;
    } else if (type === 'metadata' && body.usage) {
      this.reported = converseUsage(body);
    }
  }

  count(request: Json | undefined): TokenUsage {
    // Without Bedrock's metrics, Anthropic's own counts of message_start and message_delta.
    const anthropic = this.output === undefined ? undefined : usage(this.input, this.output);
    return usageOrEstimate(this.reported ?? anthropic, request, this.text);
  }
}

/**
 * Passes a Bedrock event stream through unchanged while decoding it for the token usage. A
 * frame that does not decode ends the counting, not the stream: the reader gets the bytes as
 * Bedrock sent them, as from Kibana. An exception event ends the counting too, and the usage
 * rejects with its StreamFailure.
 */
export function countedEventStream(source: Readable, request: Json | undefined): CountedStream {
  const tally = new StreamTally();
  const decoder = new EventStreamDecoder();
  let readable = true;
  let failure: StreamFailure | undefined;
  const stream = new PassThrough();
  const usage = new Promise<TokenUsage>((resolve, reject) => {
    source.on('data', (bytes: Buffer) => {
      if (!readable) return;
      try {
        for (const message of decoder.push(bytes)) tally.add(bedrockStreamEvent(message));
      } catch (err) {
        readable = false;
        if (err instanceof StreamFailure) failure = err;
      }
    });
    pipeline(source, stream, () => (failure ? reject(failure) : resolve(tally.count(request))));
  });
  return { stream, usage: observed(usage) };
}

/**
 * A streamed answer's events as text chunks for the HTTP event stream: an InvokeModel chunk's
 * model event as its JSON, a Converse event as `{<type>: body}` (the shape of the AWS SDK's
 * ConverseStream output). A corrupt frame or an exception event ends the stream with an error.
 */
export async function* bedrockStreamChunks(data: unknown): AsyncGenerator<string> {
  const source = (data instanceof Readable ? data : (data as { stream?: unknown } | null)?.stream) as Readable | undefined;
  if (!(source instanceof Readable)) return;
  const decoder = new EventStreamDecoder();
  for await (const bytes of source) {
    for (const message of decoder.push(bytes as Uint8Array)) {
      const { type, body } = bedrockStreamEvent(message);
      yield JSON.stringify(type === 'chunk' ? body : { [type]: body });
    }
  }
  decoder.end();
}
