import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { answerChunks } from './answer_chunks.js';
import { StreamFailure } from './failure.js';

// The chunks of a streamed answer as the HTTP event stream sends them, and a failure the
// provider reports inside the stream (an SSE `event: error`) thrown after the chunks before it.

const failureOf = (chunk: Record<string, unknown>) => (chunk.error ? new StreamFailure(String((chunk.error as { message: string }).message)) : undefined);

async function read(data: unknown, withFailures = true): Promise<{ chunks: string[]; failure?: unknown }> {
  const chunks: string[] = [];
  try {
    for await (const chunk of answerChunks(data, withFailures ? failureOf : undefined)) chunks.push(chunk);
  } catch (failure) {
    return { chunks, failure };
  }
  return { chunks };
}

describe('answerChunks', () => {
  const sse = 'event: message\ndata: {"n":1}\n\nevent: message\ndata: {"n":2}\n\nevent: error\ndata: {"error":{"message":"rate limited"}}\n\n';

  it('passes each event on and stops at the one reporting a failure, however the bytes are split', async () => {
    for (let cut = 1; cut < sse.length; cut += 7) {
      const { chunks, failure } = await read(Readable.from([Buffer.from(sse.slice(0, cut)), Buffer.from(sse.slice(cut))]));
      expect(chunks).toEqual(['{"n":1}', '{"n":2}']);
      expect(failure).toBeInstanceOf(StreamFailure);
      expect((failure as Error).message).toBe('rate limited');
    }
  });

  it('without a reading of failures, passes every event on; [DONE] and text that is not JSON are handled', async () => {
    expect((await read(Readable.from([Buffer.from(sse)]), false)).chunks).toHaveLength(3);
    expect(await read(Readable.from([Buffer.from('data: not json\n\ndata: [DONE]\n\n')]))).toEqual({ chunks: ['not json'] });
  });

  it("an iterator's items as JSON; what it throws is thrown", async () => {
    async function* items() {
      yield { a: 1 };
      throw new StreamFailure('API Error: boom');
    }
    const { chunks, failure } = await read({ consumerStream: items() });
    expect(chunks).toEqual(['{"a":1}']);
    expect((failure as Error).message).toBe('API Error: boom');
    expect(await read(null)).toEqual({ chunks: [] });
  });
});
