import { answerFacts, retryAfterSeconds } from '../../actions/failure.js';
import type { ExecutorResult } from '../../actions/types.js';
import { redactString } from '../../actions/redact.js';
import type { OutboundRequest, OutboundResponse } from '../../net/http_client.js';

/** How much of a throttling answer is quoted in serviceMessage. */
const MAX_QUOTED_BODY = 300;
/** Teams' connector endpoints report throttling inside a 2xx answer. */
const THROTTLED_MARKER = 'ErrorCode:ApplicationThrottled';

export function buildTeamsRequest(webhookUrl: string, message: string): OutboundRequest {
  return { url: webhookUrl, method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ text: message }) };
}

function retryLater(actionId: string, serviceMessage: string, retry: true | Date): ExecutorResult {
  const message = retry instanceof Date ? `error posting a Microsoft Teams message, retry at ${retry.toISOString()}` : 'error posting a Microsoft Teams message, retry later';
  return { status: 'error', actionId, message, serviceMessage, retry };
}

/** Any 2xx is a success whose data is what was sent (Kibana), unless Teams says it throttled. */
export function mapTeamsResponse(actionId: string, res: OutboundResponse, message: string): ExecutorResult {
  if (res.status >= 200 && res.status < 300) {
    if (!res.body.includes(THROTTLED_MARKER)) return { status: 'ok', actionId, data: { text: message } };
    const seconds = retryAfterSeconds(res.headers);
    const body = res.body.trim();
    const serviceMessage = body.length > MAX_QUOTED_BODY ? `${body.slice(0, MAX_QUOTED_BODY)}…` : body;
    return retryLater(actionId, serviceMessage, seconds === undefined ? true : new Date(Date.now() + seconds * 1000));
  }

  const serviceMessage = `[${res.status}] ${res.statusText}`;
  const failure = answerFacts(res);
  // Kibana leaves serviceMessage out of its 5xx result; it is kept here, as for every other error.
  if (res.status >= 500) return { ...retryLater(actionId, serviceMessage, true), failure };
  // A deleted webhook or a refused payload; Kibana gives a 429 no retry either (the queue does).
  return { status: 'error', actionId, message: 'error posting to Microsoft Teams, invalid response', serviceMessage, failure };
}

/**
 * No answer at all (connection, TLS, timeout, or the network layer's refusal). Kibana gives no
 * serviceMessage; the reason is kept here with the webhook URL, the credential, blanked out.
 */
export function mapTeamsSendError(actionId: string, err: unknown, webhookUrl: string): ExecutorResult {
  const reason = err instanceof Error ? err.message : String(err);
  return { status: 'error', actionId, message: 'error posting to Microsoft Teams, unexpected error', serviceMessage: redactString(reason, [webhookUrl]) };
}
