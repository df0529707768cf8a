import type { CalledRequest } from '../../actions/sub_actions.js';

// Kibana's wording of Defender's failures (reference §8.5), after `Status code: N. Message: `.

/** Kibana's suffix: the request and what came back (`{}` when nothing did). */
function withRequest(message: string, request: CalledRequest, data: unknown): string {
  return `${message}\nURL called:[${request.method}] ${request.url}\nResponse body: ${JSON.stringify(data ?? {})}`;
}

/** Defender's error body: `{error: {code, message, target}}`. */
function defenderError(data: unknown): { code?: unknown; message?: unknown } | undefined {
  const error = (data as { error?: unknown } | null | undefined)?.error;
  return error !== null && typeof error === 'object' ? (error as { code?: unknown; message?: unknown }) : undefined;
}

/**
 * An error answer. Kibana reads `error.code` without checking there is an `error` object, so an
 * answer without one (a proxy's page, Entra ID's `{error: "invalid_client"}`) makes its wording
 * throw a TypeError; here such an answer is worded by its status like any other.
 */
export function defenderErrorMessage({ status, statusText, data }: { status: number; statusText: string; data: unknown }, request: CalledRequest): string {
  const error = defenderError(data);
  if (error?.code === 'ActiveRequestAlreadyExists') return `${String(error.message)}. Please wait or force clear with 'cancel' response action`;
  if (status === 401) return withRequest('Unauthorized API Error (401)', request, data);
  // axios' own message for a refused request.
  return withRequest(`API Error: [${statusText}] Request failed with status code ${status}`, request, data);
}

/** A request that got no answer: its reason, and the request. */
export function defenderUnansweredMessage({ message }: { code?: string; message: string }, request: CalledRequest): string {
  return withRequest(message || 'Unknown API Error', request, undefined);
}
