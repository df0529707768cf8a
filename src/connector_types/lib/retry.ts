import type { ActionResult } from '../../actions/types.js';

// The retry table every HTTP connector type follows: 429 → retry at the Retry-After time
// (or with backoff when there is none), 5xx → retry, any other 4xx → do not retry: the same
// request would fail the same way.

/** Retry-After is honoured only as whole seconds (parseInt), as Kibana does; an HTTP-date is ignored. */
export function retryAfterSeconds(headers: Record<string, string | string[] | undefined>): number | undefined {
  const raw = headers['retry-after'];
  const value = Array.isArray(raw) ? raw[0] : raw;
  if (value === undefined) return undefined;
  const seconds = Number.parseInt(value, 10);
  return Number.isNaN(seconds) ? undefined : seconds;
}

export function retryForStatus(status: number, headers: Record<string, string | string[] | undefined> = {}): boolean | Date {
  if (status === 429) {
    const seconds = retryAfterSeconds(headers);
    return seconds === undefined ? true : new Date(Date.now() + seconds * 1000);
  }
  return status >= 500;
}

/**
 * The failure result for a non-success status, worded `<prefix>: http status N, retry at
 * <ISO>` / `… retry later` / `<prefix>: unexpected status N` (PagerDuty, xMatters). Kibana
 * leaves retry unset for the last; it is false here: the same request would fail again.
 */
export function statusFailure(
  actionId: string,
  prefix: string,
  res: { status: number; headers: Record<string, string | string[] | undefined> },
  serviceMessage: string,
): ActionResult {
  const retry = retryForStatus(res.status, res.headers);
  const message =
    retry instanceof Date
      ? `${prefix}: http status ${res.status}, retry at ${retry.toISOString()}`
      : retry
        ? `${prefix}: http status ${res.status}, retry later`
        : `${prefix}: unexpected status ${res.status}`;
  return { status: 'error', actionId, message, serviceMessage, retry };
}
