import type { Readable } from 'node:stream';
import { encode } from 'gpt-tokenizer';
import type { TokenUsage } from '../../actions/types.js';
import { talliedStream, type CountedStream } from '../lib/sse_tally.js';
import { geminiStreamFailure } from './errors.js';

// Token usage of Gemini answers (reference §0.4): Vertex AI's usageMetadata, of the answer or of
// a stream's last chunk. A stream that ends without one (cut halfway) is estimated with
// gpt-tokenizer, from the request's text and the text that came through.

type Json = Record<string, any>;

/** usageMetadata as TokenUsage; undefined when it has no counts (a stream's chunks before the last). */
export function usageOf(answer: unknown): TokenUsage | undefined {
  const metadata = (answer as Json | null)?.usageMetadata as Json | undefined;
  if (!metadata || typeof metadata.promptTokenCount !== 'number') return undefined;
  const n = (v: unknown) => (typeof v === 'number' ? v : 0);
  return { promptTokens: n(metadata.promptTokenCount), completionTokens: n(metadata.candidatesTokenCount), totalTokens: n(metadata.totalTokenCount) };
}

const tokens = (text: string) => encode(text, { disallowedSpecial: new Set() }).length;

/** The text parts of contents (a request's, or an answer's candidates'), joined. */
const textOf = (contents: unknown): string =>
  (Array.isArray(contents) ? contents : [])
    .flatMap((content: Json | null) => (Array.isArray(content?.parts) ? content.parts : []))
    .map((part: Json | null) => (typeof part?.text === 'string' ? part.text : ''))
    .join('');

function parse(data: string): Json | undefined {
  try {
    const value: unknown = JSON.parse(data);
    return value && typeof value === 'object' ? (value as Json) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Passes Vertex AI's server-sent events through unchanged, reading them for the usage; an error
 * chunk or a safety stop rejects the usage with its StreamFailure.
 */
export function countedStream(source: Readable, request: { contents: unknown; system_instruction?: { parts: unknown } }): CountedStream {
  let reported: TokenUsage | undefined;
  let completion = '';
  return talliedStream(
    source,
    (data) => {
      const chunk = parse(data);
      if (!chunk) return;
      const failure = geminiStreamFailure(chunk);
      if (failure) throw failure;
      reported = usageOf(chunk) ?? reported;
      completion += textOf((chunk.candidates as Json[] | undefined)?.map((c) => c?.content));
    },
    () => {
      if (reported) return reported;
      const prompt = tokens(textOf(request.contents) + textOf([request.system_instruction]));
      const completed = tokens(completion);
      return { promptTokens: prompt, completionTokens: completed, totalTokens: prompt + completed };
    },
  );
}
