import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { createParser } from 'eventsource-parser';
import { encode } from 'gpt-tokenizer';
import type { ChunkFailure } from '../../actions/answer_chunks.js';
import { StreamFailure } from '../../actions/failure.js';
import type { TokenUsage } from '../../actions/types.js';
import { talliedStream, type CountedStream } from '../lib/sse_tally.js';
import { parseObject } from './providers.js';

// Token usage of chat completions (reference §0.4): the provider's `usage` when it gives one,
// otherwise an estimate with gpt-tokenizer, as Kibana makes it.

/** Text as tokens, special-token markers counted as the plain text they are here. */
export const tokens = (text: string) => encode(text, { disallowedSpecial: new Set() }).length;

/** The provider's `usage` object, read as TokenUsage; undefined when it has none. */
export function usageOf(value: unknown): TokenUsage | undefined {
  const usage = (value as { usage?: Record<string, unknown> } | null)?.usage;
  if (!usage || typeof usage !== 'object') return undefined;
  const n = (v: unknown) => (typeof v === 'number' ? v : 0);
  return { promptTokens: n(usage.prompt_tokens), completionTokens: n(usage.completion_tokens), totalTokens: n(usage.total_tokens) };
}

/** The prompt's tokens, estimated from its messages (cookbook-style framing) and functions or tools. */
export function promptTokens(request: Record<string, unknown> | undefined): number {
  const messages = Array.isArray(request?.messages) ? (request.messages as Array<Record<string, unknown>>) : [];
  const framed = messages
    .map((m) => `<|start|>${String(m.role ?? '')}\n${typeof m.content === 'string' ? m.content : JSON.stringify(m.content ?? '')}<|end|>`)
    .join('\n');
  const tools = request?.functions ?? request?.tools;
  return tokens(framed) + (tools ? tokens(JSON.stringify(tools)) : 0);
}

/** What the chunks of a streamed completion said, gathered as they pass. */
class ChunkTally {
  content = '';
  calls = '';
  usage: TokenUsage | undefined;

  add(chunk: Record<string, unknown>): void {
    this.usage = usageOf(chunk) ?? this.usage;
    const choices = Array.isArray(chunk.choices) ? (chunk.choices as Array<{ delta?: Record<string, any> }>) : [];
    const delta = choices[0]?.delta;
    if (!delta) return;
    if (typeof delta.content === 'string') this.content += delta.content;
    if (delta.function_call) this.calls += `${delta.function_call.name ?? ''}${delta.function_call.arguments ?? ''}`;
    for (const call of Array.isArray(delta.tool_calls) ? delta.tool_calls : []) this.calls += `${call.function?.name ?? ''}${call.function?.arguments ?? ''}`;
  }

  count(request: Record<string, unknown> | undefined): TokenUsage {
    if (this.usage) return this.usage;
    const prompt = promptTokens(request);
    const completion = tokens(this.content) + (this.calls ? tokens(this.calls) : 0);
    return { promptTokens: prompt, completionTokens: completion, totalTokens: prompt + completion };
  }
}

/** The JSON of an SSE `data:` line, or undefined for `[DONE]` and what does not parse. */
const chunkOf = (data: string) => (data === '[DONE]' ? undefined : parseObject(data));

/**
 * An `{error}` chunk, as OpenAI and compatible servers send one inside a stream that began with
 * 200: a StreamFailure worded as Kibana words the provider's errors, `API Error: <message>`
 * (there is no status to name).
 */
export const openAiStreamFailure: ChunkFailure = (chunk) => {
  const error = chunk.error as { message?: unknown } | string | undefined | null;
  if (!error) return undefined;
  const detail = typeof error === 'string' ? error : typeof error.message === 'string' ? error.message : JSON.stringify(error);
  return new StreamFailure(`API Error: ${detail}`);
};

/**
 * Passes a chat completion's server-sent events through unchanged while reading them for the
 * token usage (the provider's, or estimated from the request's messages and the streamed text);
 * a chunk `failureOf` reads as a failure rejects the usage with it.
 */
export function countedStream(source: Readable, request: Record<string, unknown> | undefined, failureOf: ChunkFailure = openAiStreamFailure): CountedStream {
  const tally = new ChunkTally();
  return talliedStream(
    source,
    (data) => {
      const chunk = chunkOf(data);
      if (!chunk) return;
      const failure = failureOf(chunk);
      if (failure) throw failure;
      tally.add(chunk);
    },
    () => tally.count(request),
  );
}

/**
 * The chunks of a streamed completion, parsed, for in-process callers (Kibana's
 * invokeAsyncIterator gives the OpenAI SDK's). Leaving the loop early closes the stream; a chunk
 * `failureOf` reads as a failure is thrown, as the SDK throws an `error` chunk.
 */
export async function* completionChunks(stream: Readable, failureOf: ChunkFailure = openAiStreamFailure): AsyncGenerator<Record<string, unknown>> {
  const pending: Array<Record<string, unknown>> = [];
  const parser = createParser({
    onEvent: ({ data }) => {
      const chunk = chunkOf(data);
      if (chunk) pending.push(chunk);
    },
  });
  const decoder = new StringDecoder('utf8');
  try {
    for await (const bytes of stream) {
      parser.feed(decoder.write(bytes as Buffer));
      while (pending.length > 0) {
        const chunk = pending.shift()!;
        const failure = failureOf(chunk);
        if (failure) throw failure;
        yield chunk;
      }
    }
  } finally {
    stream.destroy();
  }
}
