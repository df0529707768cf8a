import { answerFacts, retryAfterSeconds } from '../../actions/failure.js';
import type { ExecutorResult } from '../../actions/types.js';

// The `retry` that Kibana's HTTP connector types put in their results, which clients read.
// Plugboard's queue decides from the answer's status instead (answerFacts, action_task.ts).

/**
 * Webhook, Slack, Slack API and Torq: a 429 gives the Retry-After time (true without one), a
 * 5xx gives true, any other status none.
 */
export function resultRetry(status: number, headers: Record<string, string | string[] | undefined> = {}): true | Date | undefined {
  if (status === 429) {
    const seconds = retryAfterSeconds(headers);
    return seconds === undefined ? true : new Date(Date.now() + seconds * 1000);
  }
  return status >= 500 ? true : undefined;
}

/**
 * PagerDuty's and xMatters' failure for a non-success status, as Kibana words it: 429 and 5xx
 * give `<prefix>: http status N, retry later` with `retry: true` (Retry-After is not read), any
 * other status `<prefix>: unexpected status N` without retry. The serviceMessage is Plugboard's.
 */
export function statusFailure(
  actionId: string,
  prefix: string,
  res: { status: number; headers: Record<string, string | string[] | undefined> },
  serviceMessage: string,
): ExecutorResult {
  const failure = answerFacts(res);
  if (res.status === 429 || res.status >= 500) {
    return { status: 'error', actionId, message: `${prefix}: http status ${res.status}, retry later`, serviceMessage, retry: true, failure };
  }
  return { status: 'error', actionId, message: `${prefix}: unexpected status ${res.status}`, serviceMessage, failure };
}
