import { Readable } from 'node:stream';
import type { StreamableOutcome } from '../actions/actions_client.js';
import { answerChunks } from '../actions/answer_chunks.js';
import { ANSWER_STREAM_FAILED, StreamFailure } from '../actions/failure.js';
import type { TokenUsage } from '../actions/types.js';
import { toExecuteResponse } from './schemas.js';
import type { RouteResponse } from './route.js';

// A streamed answer over HTTP (Plugboard, beyond Kibana): `_execute` and the unsaved test of
// params that answer with a stream, asked with `Accept: text/event-stream`, answer
//   event: chunk     one per chunk of the provider's answer, its JSON as the provider sent it
//   event: result    last: the run's result as `_execute` words it, without `data`, and the
//                    tokens used (`usage`, null when the type counts none)
// A run that fails before its answer begins is a lone `result` event; a failure the provider
// reports inside its stream (after some chunks) ends it with a `result` of status error, in the
// provider's words.

export const EVENT_STREAM = 'text/event-stream';

/** Whether an Accept header names this media type itself (wildcards do not; a quality of 0 refuses it). */
export function acceptsMediaType(accept: string | undefined, mediaType: string): boolean {
  return (accept ?? '').split(',').some((range) => {
    const [type, ...params] = range.split(';').map((part) => part.trim().toLowerCase());
    return type === mediaType && !params.some((p) => /^q=0(\.0*)?$/.test(p));
  });
}

/** Whether an Accept header lists text/event-stream. */
export function acceptsEventStream(accept: string | undefined): boolean {
  return acceptsMediaType(accept, EVENT_STREAM);
}

/** One server-sent event; a data text of several lines is sent as several `data:` lines. */
function sseEvent(name: string, data: string): string {
  return `event: ${name}\n${data
    .split('\n')
    .map((line) => `data: ${line}\n`)
    .join('')}\n`;
}

const usageDocument = (usage: TokenUsage | null | undefined) =>
  usage ? { prompt_tokens: usage.promptTokens, completion_tokens: usage.completionTokens, total_tokens: usage.totalTokens } : null;

async function* events({ result, usage, chunks = answerChunks }: StreamableOutcome): AsyncGenerator<string> {
  // A comment (clients skip it) sends the head at once, before the provider's first chunk.
  yield ': answer stream\n\n';
  const { data, ...rest } = result;
  let final: Record<string, unknown> = toExecuteResponse(rest);
  const failed = (serviceMessage: string) => ({ status: 'error', connector_id: result.actionId, message: ANSWER_STREAM_FAILED, service_message: serviceMessage });
  try {
    if (result.status === 'ok') for await (const chunk of chunks(data)) yield sseEvent('chunk', chunk);
  } catch (err) {
    // Cut halfway (the provider dropped it, or a corrupt frame): what came is what was used.
    final = failed((err as Error).message);
  }
  // A failure the provider reported in its stream fails the run, in the provider's words, and
  // counts no tokens (the execute event says the same).
  const used = await Promise.resolve(usage).catch((err: unknown) => {
    if (err instanceof StreamFailure) final = failed(err.message);
    return null;
  });
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
