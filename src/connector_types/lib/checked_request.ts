import { parseBody } from '../../actions/sub_actions.js';
import type { ExecutorContext } from '../../actions/types.js';
import type { OutboundRequest, OutboundResponse } from '../../net/http_client.js';

// The requests of Kibana's classic ticketing types (Jira, Swimlane), as their axios calls
// behave: a non-2xx answer or no answer fails with axios' wording, and a 2xx answer is checked
// by Kibana's throwIfResponseIsNotValid (reference §0.4) before the type reads it.

export type Method = NonNullable<OutboundRequest['method']>;

/** A failed call, as Kibana reads an axios error: the answer's status and body when there was one. */
export class CallError extends Error {
  override name = 'CallError';
  constructor(
    message: string,
    readonly response?: { status: number; headers: Record<string, string>; data: unknown },
  ) {
    super(message);
  }
}

/**
 * Kibana's check of an answer: a 204 passes as it is; otherwise a JSON content type, a body that
 * is an object when it is not empty, and each `required` field present (an array never has them).
 */
export function checkAnswer(method: Method, url: string, res: OutboundResponse, data: unknown, required: string[]): void {
  if (res.status === 204) return;
  const contentType = res.headers['content-type'] ?? 'undefined';
  if (!contentType.includes('application/json')) {
    throw new Error(`Unsupported content type: ${contentType} in ${method.toLowerCase()} ${url}. Supported content types: application/json`);
  }
  // Only text that is not JSON fails here: lodash counts null, numbers and booleans as empty.
  if (typeof data === 'string') throw new Error('Response is not a valid JSON');
  if (required.length === 0) return;
  const record = data as Record<string, unknown> | null;
  if (Array.isArray(data) || required.some((key) => record?.[key] === undefined)) {
    throw new Error(`Response is missing at least one of the expected fields: ${required.join(',')}`);
  }
}

export interface CheckedRequest {
  method: Method;
  url: string;
  headers: Record<string, string>;
  /** Sent as JSON. */
  body?: unknown;
  /** Check the answer (checkAnswer) with these required fields; left out, a 2xx answer is taken as it is. */
  required?: string[];
}

/** Sends one request through the outbound policy; resolves to the answer's body, `{}` when empty. */
export async function checkedRequest(
  ctx: Pick<ExecutorContext<unknown, unknown, unknown>, 'services' | 'signal'>,
  { method, url, headers, body, required }: CheckedRequest,
): Promise<Record<string, unknown>> {
  let res: OutboundResponse;
  try {
    res = await ctx.services.http.send({
      url,
      method,
      headers: { 'Content-Type': 'application/json', ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: ctx.signal,
    });
  } catch (err) {
    throw new CallError((err as Error).message);
  }
  const data = parseBody(res.body);
  if (res.status < 200 || res.status >= 300) throw new CallError(`Request failed with status code ${res.status}`, { status: res.status, headers: res.headers, data });
  if (required) checkAnswer(method, url, res, data, required);
  return (data ?? {}) as Record<string, unknown>;
}
