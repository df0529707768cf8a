import { answerFacts } from '../../actions/failure.js';
import type { ConfigurationUtilities, ExecutorResult } from '../../actions/types.js';
import type { OutboundRequest, OutboundResponse } from '../../net/http_client.js';
import { resultRetry } from '../lib/retry.js';
import { CONNECTOR_ID, SLACK_API_URL, type PostParams, type SlackApiConfig } from './schema.js';

/** How much of an answer that is not Slack's JSON is quoted in serviceMessage. */
const MAX_QUOTED_BODY = 300;

/** Slack's `ok:false` errors that say "try again later" rather than "this request is wrong". */
const TRANSIENT_SLACK_ERRORS = new Set(['internal_error', 'fatal_error', 'service_unavailable', 'request_timeout', 'ratelimited']);

export const CHANNEL_REQUIRED = 'One of channels, channelIds, or channelNames is required and cannot be empty';
export const CHANNEL_NOT_ALLOWED = 'One or more provided channels are not included in the allowed channels list';
export const EMPTY_CHANNEL_ID = 'The channel id is empty';

/** The Web API base with a trailing slash, as Kibana's SLACK_URL has it. */
export function slackApiBase(utils: ConfigurationUtilities): string {
  return `${utils.serviceUrl(CONNECTOR_ID, SLACK_API_URL).replace(/\/+$/, '')}/`;
}

function headers(token: string): Record<string, string> {
  return { Authorization: `Bearer ${token}`, 'Content-type': 'application/json; charset=UTF-8' };
}

const withoutHash = (name: string) => name.replace(/^#/, '');

/**
 * The channel a post goes to: channelNames, then channelIds, then the deprecated channels.
 * With allowedChannels set, every given name and id must be in it (a leading # ignored on
 * names). Kibana does not check the deprecated `channels` field, which lets any channel past
 * the list; here it must match an allowed id or name, as the list's purpose requires.
 */
export function chooseChannel(allowedChannels: SlackApiConfig['allowedChannels'], params: PostParams): string {
  const names = params.channelNames ?? [];
  const ids = params.channelIds ?? [];
  const legacy = params.channels ?? [];
  if (allowedChannels && allowedChannels.length > 0) {
    const allowedNames = new Set(allowedChannels.map((c) => withoutHash(c.name)));
    const allowedIds = new Set(allowedChannels.flatMap((c) => (c.id ? [c.id] : [])));
    const allowed =
      names.every((name) => allowedNames.has(withoutHash(name))) &&
      ids.every((id) => allowedIds.has(id)) &&
      legacy.every((channel) => allowedIds.has(channel) || allowedNames.has(withoutHash(channel)));
    if (!allowed) throw new Error(CHANNEL_NOT_ALLOWED);
  }
  if (names.length > 0) return names[0];
  if (ids.length > 0) return ids[0];
  if (legacy.length > 0) return legacy[0];
  throw new Error(CHANNEL_REQUIRED);
}

export function channelInfoRequest(base: string, token: string, channelId: string): OutboundRequest {
  // Kibana puts the id in the query as it is; encoding it changes no real id (they are
  // alphanumeric) and keeps a hostile one from adding parameters.
  return { url: `${base}conversations.info?channel=${encodeURIComponent(channelId)}`, method: 'GET', headers: headers(token) };
}

export function postMessageRequest(base: string, token: string, channel: string, text: string): OutboundRequest {
  return { url: `${base}chat.postMessage`, method: 'POST', headers: headers(token), body: JSON.stringify({ channel, text }) };
}

/** A Block Kit post sends the blocks only; the params schema has checked that they are there. */
export function postBlockkitRequest(base: string, token: string, channel: string, blockKitJson: string): OutboundRequest {
  const { blocks } = JSON.parse(blockKitJson) as { blocks: unknown };
  return { url: `${base}chat.postMessage`, method: 'POST', headers: headers(token), body: JSON.stringify({ channel, blocks }) };
}

/** A failure before anything is sent, or with no answer; the queue does not send again what the params doom. */
export function postFailed(actionId: string, serviceMessage: string, extra: Partial<ExecutorResult> = {}): ExecutorResult {
  return { status: 'error', actionId, message: 'error posting slack message', serviceMessage, ...extra };
}

function quoted(body: string): string {
  const text = body.trim();
  return text.length > MAX_QUOTED_BODY ? `${text.slice(0, MAX_QUOTED_BODY)}…` : text;
}

function parseJson(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return undefined;
  }
}

function slackErrorOf(data: unknown): string | undefined {
  if (!data || typeof data !== 'object') return undefined;
  const { error } = data as { error?: unknown };
  if (error === undefined || error === null) return undefined;
  return typeof error === 'string' ? error : JSON.stringify(error);
}

/**
 * Slack's Web API answers most failures with HTTP 200 and `{ok: false, error}`; HTTP errors
 * are rate limiting (429), Slack's own trouble (5xx) and a few others (404 unknown_method).
 */
export function mapSlackApiResponse(actionId: string, res: OutboundResponse): ExecutorResult {
  if (res.status >= 200 && res.status < 300) {
    if (res.body.trim() === '') return { status: 'error', actionId, message: 'unexpected null response from slack' };
    const data = parseJson(res.body);
    if (!data || typeof data !== 'object') return postFailed(actionId, quoted(res.body));
    if ((data as { ok?: unknown }).ok === true) return { status: 'ok', actionId, data };
    // Kibana sets no retry; the queue sends again only what Slack says may pass.
    const error = slackErrorOf(data) ?? 'unknown error';
    return postFailed(actionId, error, TRANSIENT_SLACK_ERRORS.has(error) ? {} : { failure: { permanent: true } });
  }

  // The wording of the axios error Kibana passes on.
  const requestFailed = `Request failed with status code ${res.status}`;
  const failure = answerFacts(res);
  const retry = resultRetry(res.status, res.headers);
  if (retry instanceof Date) {
    return { status: 'error', actionId, message: `error posting a slack message, retry at ${retry.toISOString()}`, serviceMessage: requestFailed, retry, failure };
  }
  if (retry) return { status: 'error', actionId, message: 'error posting a slack message, retry later', serviceMessage: requestFailed, retry, failure };

  // Kibana sends no serviceMessage here; Slack's error code, when there is one, says what is wrong.
  const slackError = slackErrorOf(parseJson(res.body));
  return {
    status: 'error',
    actionId,
    message: `unexpected http response from slack: ${res.status} ${res.statusText}`,
    ...(slackError === undefined ? {} : { serviceMessage: slackError }),
    failure,
  };
}

/** No answer at all: connection, TLS, timeout, or the network layer's refusal. */
export function mapSlackApiSendError(actionId: string, err: unknown): ExecutorResult {
  return postFailed(actionId, err instanceof Error ? err.message : String(err));
}
