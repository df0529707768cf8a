import { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { createParser } from 'eventsource-parser';
import type { StreamableOutcome } from '../actions/actions_client.js';
import type { TokenUsage } from '../actions/types.js';
import { toExecuteResponse } from './schemas.js';
import type { RouteResponse } from './route.js';

// A streamed answer over HTTP (Plugboard, beyond Kibana): `_execute` and the unsaved test of
// params that answer with a stream, asked with `Accept: text/event-stream`, answer
//   event: chunk     one per chunk of the provider's answer, its JSON as the provider sent it
//   event: result    last: the run's result as `_execute` words it, without `data`, and the
//                    tokens used (`usage`, null when the type counts none)
// A run that fails before its answer begins is a lone `result` event.

export const EVENT_STREAM = 'text/event-stream';

/** Whether an Accept header lists text/event-stream (a quality of 0 refuses it). */
export function acceptsEventStream(accept: string | undefined): boolean {
  return (accept ?? '').split(',').some((range) => {
    const [type, ...params] = range.split(';').map((part) => part.trim().toLowerCase());
    return type === EVENT_STREAM && !params.some((p) => /^q=0(\.0*)?$/.test(p));
  });
}

/** One server-sent event; a data text of several lines is sent as several `data:` lines. */
function sseEvent(name: string, data: string): string {
  return `event: ${name}\n${data
    .split('\n')
    .map((line) => `data: ${line}\n`)
    .join('')}\n`;
}

/**
 * The chunks of a streamed answer, as text: the events of a server-sent event stream (a Node
 * Readable, as `stream` and `invokeStream` answer; OpenAI's closing `[DONE]` is no chunk), or
 * each item of an iterator (`{consumerStream}`, as `invokeAsyncIterator` answers) as JSON.
 */
async function* answerChunks(data: unknown): AsyncGenerator<string> {
  const iterable = data instanceof Readable ? data : (data as { consumerStream?: AsyncIterable<unknown> } | null)?.consumerStream;
  if (!iterable) return;
  if (!(iterable instanceof Readable)) {
    for await (const item of iterable) yield JSON.stringify(item);
    return;
  }
  const pending: string[] = [];
  const parser = createParser({
    onEvent: ({ data: text }) => {
      if (text !== '[DONE]') pending.push(text);
    },
  });
  const decoder = new StringDecoder('utf8');
  for await (const bytes of iterable) {
    parser.feed(decoder.write(bytes as Buffer));
    yield* pending.splice(0);
  }
}

const usageDocument = (usage: TokenUsage | null | undefined) =>
  usage ? { prompt_tokens: usage.promptTokens, completion_tokens: usage.completionTokens, total_tokens: usage.totalTokens } : null;

async function* events({ result, usage, chunks = answerChunks }: StreamableOutcome): AsyncGenerator<string> {
  // A comment (clients skip it) sends the head at once, before the provider's first chunk.
  yield ': answer stream\n\n';
  const { data, ...rest } = result;
  let final: Record<string, unknown> = toExecuteResponse(rest);
  try {
    if (result.status === 'ok') for await (const chunk of chunks(data)) yield sseEvent('chunk', chunk);
  } catch (err) {
    // Cut halfway (the provider dropped it, or an error chunk): what came is what was used.
    final = { status: 'error', connector_id: result.actionId, message: 'an error occurred while reading the answer stream', service_message: (err as Error).message };
  }
  const used = await Promise.resolve(usage).catch(() => null);
  yield sseEvent('result', JSON.stringify({ ...final, usage: usageDocument(used) }));
}

/**
 * The route's answer for a run asked with `Accept: text/event-stream`: the event stream when
 * its params answer with a stream, the usual JSON result otherwise. The client going away
 * aborts the provider's request through the route's signal (the executor hands a streamed
 * answer's requests the caller's signal).
 */
export function streamableResponse(outcome: StreamableOutcome): RouteResponse {
  if (!outcome.streams) return { body: toExecuteResponse(outcome.result) };
  return {
    headers: { 'content-type': `${EVENT_STREAM}; charset=utf-8`, 'cache-control': 'no-cache', 'x-accel-buffering': 'no' },
    body: Readable.from(events(outcome), { objectMode: false }),
  };
}
