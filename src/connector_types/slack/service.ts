import type { ActionResult } from '../../actions/types.js';
import { redactString } from '../../actions/redact.js';
import type { OutboundRequest, OutboundResponse } from '../../net/http_client.js';
import { retryForStatus } from '../lib/retry.js';

/** How much of an unexpected answer is quoted in serviceMessage. */
const MAX_QUOTED_BODY = 300;

export function buildSlackRequest(webhookUrl: string, message: string): OutboundRequest {
  return {
    url: webhookUrl,
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'User-Agent': 'Plugboard (Slack incoming webhook)' },
    body: JSON.stringify({ text: message }),
    // Kibana's Slack client never follows redirects: the webhook URL is a credential, and
    // hooks.slack.com has no reason to send it elsewhere.
    maxRedirects: 0,
  };
}

/** Slack answers webhook errors with a short code (`channel_not_found`, `no_service`…) as text. */
function quoted(body: string): string | undefined {
  const text = body.trim();
  if (text === '') return undefined;
  return text.length > MAX_QUOTED_BODY ? `${text.slice(0, MAX_QUOTED_BODY)}…` : text;
}

/** The wording of the Slack SDK's HTTP error, which Kibana passes on as serviceMessage. */
function protocolError(status: number): string {
  return `An HTTP protocol error occurred: statusCode = ${status}`;
}

export function mapSlackResponse(actionId: string, res: OutboundResponse): ActionResult {
  if (res.status >= 200 && res.status < 300) {
    if (res.body === 'ok') return { status: 'ok', actionId, data: { text: 'ok' } };
    return { status: 'error', actionId, message: 'error posting slack message', serviceMessage: quoted(res.body) ?? '' };
  }

  const retry = retryForStatus(res.status, res.headers);
  if (res.status === 429) {
    const message = retry instanceof Date ? `error posting a slack message, retry at ${retry.toISOString()}` : 'error posting a slack message, retry later';
    return { status: 'error', actionId, message, serviceMessage: protocolError(res.status), retry, errorSource: 'user' };
  }
  if (retry) {
    return { status: 'error', actionId, message: 'error posting a slack message, retry later', serviceMessage: protocolError(res.status), retry, errorSource: 'framework' };
  }
  const result: ActionResult = {
    status: 'error',
    actionId,
    message: `unexpected http response from slack: ${res.status} ${res.statusText}`,
    // The same message to the same webhook would be refused again.
    retry: false,
  };
  // Kibana sends no serviceMessage here; Slack's error code says what to fix.
  const slackError = quoted(res.body);
  if (slackError !== undefined) result.serviceMessage = slackError;
  // An unknown or revoked webhook, an archived channel, a refused payload: all the user's to fix.
  if (res.status >= 400) result.errorSource = 'user';
  return result;
}

/**
 * No answer at all (connection, TLS, timeout, or the network layer's own refusal). The webhook
 * URL is blanked out of the text: it is the credential.
 */
export function mapSlackSendError(actionId: string, err: unknown, webhookUrl: string): ActionResult {
  const reason = err instanceof Error ? err.message : String(err);
  return {
    status: 'error',
    actionId,
    message: 'error posting slack message',
    serviceMessage: `A request error occurred: ${redactString(reason, [webhookUrl])}`,
  };
}
