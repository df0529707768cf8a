import { answerFacts } from '../../actions/failure.js';
import type { ExecutorResult } from '../../actions/types.js';
import { redactString } from '../../actions/redact.js';
import type { OutboundRequest, OutboundResponse } from '../../net/http_client.js';
import { resultRetry } from '../lib/retry.js';

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

export function mapSlackResponse(actionId: string, res: OutboundResponse): ExecutorResult {
  if (res.status >= 200 && res.status < 300) {
    if (res.body === 'ok') return { status: 'ok', actionId, data: { text: 'ok' } };
    return { status: 'error', actionId, message: 'error posting slack message', serviceMessage: quoted(res.body) ?? '' };
  }

  const failure = answerFacts(res);
  const retry = resultRetry(res.status, res.headers);
  if (retry) {
    const message = retry instanceof Date ? `error posting a slack message, retry at ${retry.toISOString()}` : 'error posting a slack message, retry later';
    return { status: 'error', actionId, message, serviceMessage: protocolError(res.status), retry, failure };
  }
  // An unknown or revoked webhook, an archived channel, a refused payload. Kibana sends no
  // serviceMessage here; Slack's error code says what to fix.
  const slackError = quoted(res.body);
  return {
    status: 'error',
    actionId,
    message: `unexpected http response from slack: ${res.status} ${res.statusText}`,
    ...(slackError === undefined ? {} : { serviceMessage: slackError }),
    failure,
  };
}

/**
 * No answer at all (connection, TLS, timeout, or the network layer's own refusal). The webhook
 * URL is blanked out of the text: it is the credential.
 */
export function mapSlackSendError(actionId: string, err: unknown, webhookUrl: string): ExecutorResult {
  const reason = err instanceof Error ? err.message : String(err);
  return {
    status: 'error',
    actionId,
    message: 'error posting slack message',
    serviceMessage: `A request error occurred: ${redactString(reason, [webhookUrl])}`,
  };
}
