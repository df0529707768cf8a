import { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { createParser } from 'eventsource-parser';

// The chunks of a streamed answer as text, for the HTTP event stream (src/http/event_stream.ts):
// the events of a server-sent event stream (a Node Readable, as `stream` and `invokeStream`
// answer; OpenAI's closing `[DONE]` is no chunk), or each item of an iterator (`{consumerStream}`,
// as `invokeAsyncIterator` answers) as JSON.

/** A type's reading of one parsed event: the failure the provider reported in it, if any. */
export type ChunkFailure = (chunk: Record<string, unknown>) => Error | undefined;

function parsed(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Reads `data` chunk by chunk. With `failureOf`, an event in which the provider reports a failure
 * (see StreamFailure) is not passed on: its failure is thrown, the chunks before it having been.
 */
export async function* answerChunks(data: unknown, failureOf?: ChunkFailure): AsyncGenerator<string> {
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
    for (const text of pending.splice(0)) {
      const chunk = failureOf && parsed(text);
      const failure = chunk ? failureOf(chunk) : undefined;
      if (failure) throw failure;
      yield text;
    }
  }
}
