import { PassThrough, pipeline, type Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { createParser } from 'eventsource-parser';
import type { TokenUsage } from '../../actions/types.js';

// A provider's server-sent events passed through unchanged to the caller, each event's data
// read on the way for what the type counts (the tokens a streamed answer used).

export interface CountedStream {
  /** The provider's bytes, as they arrive; destroying it closes the connection. */
  stream: Readable;
  /**
   * The tokens used, once the provider's stream has ended (read by the caller or buffered for
   * it), failed or been destroyed: counted from what came in (a stream cut halfway counts its
   * first half). Rejects with the StreamFailure of a failure the provider reported in the stream.
   */
  usage: Promise<TokenUsage>;
}

/**
 * `source` as a pass-through whose events' data go to `onData`; `count` is asked once it is over,
 * whatever ended it. What `onData` throws (a failure reported in the stream) ends the reading and
 * is what the usage rejects with; the bytes still pass through as they came.
 */
export function talliedStream(source: Readable, onData: (data: string) => void, count: () => TokenUsage): CountedStream {
  let failure: unknown;
  const parser = createParser({
    onEvent: ({ data }) => {
      if (failure !== undefined) return;
      try {
        onData(data);
      } catch (err) {
        failure = err;
      }
    },
  });
  const decoder = new StringDecoder('utf8');
  const stream = new PassThrough();
  const usage = new Promise<TokenUsage>((resolve, reject) => {
    source.on('data', (bytes: Buffer) => parser.feed(decoder.write(bytes)));
    // Whatever ends it (its end, a failure, the consumer going away), source and pass-through
    // are both closed, and what went through is counted.
    pipeline(source, stream, () => (failure === undefined ? resolve(count()) : reject(failure)));
  });
  return { stream, usage: observed(usage) };
}

/** `usage`, marked as handled: whoever awaits it sees its rejection, and nobody awaiting it is no crash. */
export function observed<T>(usage: Promise<T>): Promise<T> {
  usage.catch(() => undefined);
  return usage;
}
