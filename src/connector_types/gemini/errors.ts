import { STATUS_CODES } from 'node:http';
import { StreamFailure } from '../../actions/failure.js';
import type { ChunkFailure } from '../../actions/answer_chunks.js';

// How Gemini's failures are worded, as Kibana's Gemini connector and clients word them: its error
// answers, an answer withheld for safety, and the same two inside a stream that began with 200.

type Json = Record<string, any>;

/** Kibana's reading of an error answer: Google's `{error: {status, message}}` first. */
export function geminiErrorMessage({ status, statusText, data }: { status: number; statusText: string; data: unknown }): string {
  const body = (data ?? {}) as { error?: { status?: unknown; message?: unknown }; message?: unknown };
  if (body.error) return `API Error: ${body.error.status ? `${String(body.error.status)}: ` : ''}${body.error.message ? String(body.error.message) : ''}`;
  const detail = body.message ? String(body.message) : undefined;
  if (status === 400 && detail === 'The requested operation is not recognized by the service.') return `API Error: ${detail}`;
  if (status === 401) return `Unauthorized API Error${detail ? `: ${detail}` : ''}`;
  return `API Error: ${statusText}${detail ? ` - ${detail}` : ''}`;
}

/** Finish reasons of a candidate withheld (Kibana's list of bad finish reasons). */
const BLOCKED = new Set(['SAFETY', 'RECITATION', 'BLOCKLIST', 'PROHIBITED_CONTENT', 'SPII', 'MALFORMED_FUNCTION_CALL']);

/**
 * Why Gemini withheld an answer (or a stream's chunk): the prompt blocked (promptFeedback) or the
 * candidate stopped for safety, worded as Kibana's Gemini clients word it; undefined otherwise.
 */
export function blockedReason(answer: Json): string | undefined {
  const blockReason = answer.promptFeedback?.blockReason;
  if (typeof blockReason === 'string') return `Prompt was blocked due to ${blockReason}`;
  const candidate = (answer.candidates as Json[] | undefined)?.[0];
  const reason = candidate?.finishReason;
  if (typeof reason !== 'string' || !BLOCKED.has(reason)) return undefined;
  const ratings = Array.isArray(candidate?.safetyRatings) ? (candidate.safetyRatings as Json[]).filter((r) => r?.blocked) : [];
  const why = reason === 'SAFETY' && ratings.length > 0 ? ` - ${ratings.map((r) => `${String(r.category)}: ${String(r.severity)}`).join(', ')}` : '';
  return `Candidate was blocked due to ${reason}${why}`;
}

/**
 * A chunk of streamGenerateContent that ends the answer in failure: Google's `{error: {code,
 * message, status}}` (worded as its error answer, its code the status the queue reads), or a
 * chunk withheld for safety (the same block again if sent again).
 */
export const geminiStreamFailure: ChunkFailure = (chunk) => {
  const error = (chunk as Json).error as Json | undefined;
  if (error && typeof error === 'object') {
    const status = typeof error.code === 'number' ? error.code : 0;
    const message = geminiErrorMessage({ status, statusText: STATUS_CODES[status] ?? '', data: chunk });
    return new StreamFailure(message, status === 429 ? 'user' : 'framework', status ? { httpStatus: status } : undefined);
  }
  const blocked = blockedReason(chunk as Json);
  return blocked === undefined ? undefined : new StreamFailure(blocked, 'framework', { permanent: true });
};
