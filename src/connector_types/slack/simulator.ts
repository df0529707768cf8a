import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { startRecordingServer, type RecordedRequest } from '../lib/simulator_server.js';

/**
 * An in-process Slack incoming webhook (hooks.slack.com). As Slack does, it answers in plain
 * text: 200 `ok` once the message is posted, otherwise an HTTP error status with a short code.
 *
 *   POST /services/<team>/<bot>/<secret>, JSON `{"text": …}`
 *     the simulator's own hook (`webhookUrl`)   → 200 ok, the text is recorded in `messages`
 *     same team and bot, another secret         → 403 invalid_token
 *     any other path                            → 404 no_service
 *     a body that is not JSON                   → 400 invalid_payload
 *     no string `text` (nor blocks/attachments) → 400 no_text
 *   other methods                               → 400 invalid_payload
 *
 * Texts that make the hook answer as Slack does in other situations (the names of Kibana's
 * Slack simulator where it has them):
 *   invalid_payload → 400, no_text → 400, invalid_token → 403, action_prohibited → 403,
 *   channel_not_found → 404, channel_is_archived → 410, status_500 → 500 rollup_error,
 *   rate_limit → 429 with Retry-After: 1 (and Slack's JSON body),
 *   rate_limit_without_retry_after → 429 without Retry-After,
 *   unexpected_body → 200 with a body other than `ok` (as a proxy or captive portal might),
 *   redirect → 302 to another path.
 */

export interface SlackWebhookSimulator {
  /** Base URL, e.g. `http://127.0.0.1:54321`. */
  url: string;
  /** The URL of the one hook that accepts messages. */
  webhookUrl: string;
  /** Every request received, in order. */
  requests: RecordedRequest[];
  /** Texts of the messages posted. */
  messages: string[];
  close(): Promise<void>;
}

export const SIMULATOR_RETRY_AFTER_SECONDS = 1;

const TEAM = 'T0PLUGBRD';
const BOT = 'B0PLUGBRD';

/** Triggers answered with an error status and Slack's plain-text code. */
const ERROR_TRIGGERS: Record<string, [number, string]> = {
  invalid_payload: [400, 'invalid_payload'],
  no_text: [400, 'no_text'],
  invalid_token: [403, 'invalid_token'],
  action_prohibited: [403, 'action_prohibited'],
  channel_not_found: [404, 'channel_not_found'],
  channel_is_archived: [410, 'channel_is_archived'],
  status_500: [500, 'rollup_error'],
};

function reply(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'Content-Type': 'text/html', ...headers });
  res.end(body);
}

function textOf(body: string): string | undefined | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return null;
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return null;
  const payload = parsed as { text?: unknown; blocks?: unknown; attachments?: unknown };
  if (typeof payload.text === 'string' && payload.text !== '') return payload.text;
  // Blocks or attachments alone are a valid message too; the simulator records no text for them.
  return payload.blocks !== undefined || payload.attachments !== undefined ? undefined : '';
}

export async function startSlackWebhookSimulator(): Promise<SlackWebhookSimulator> {
  const messages: string[] = [];
  const hookPath = `/services/${TEAM}/${BOT}/${randomBytes(12).toString('hex')}`;

  const handle = (req: IncomingMessage, res: ServerResponse, body: string): void => {
    if (req.method !== 'POST') return reply(res, 400, 'invalid_payload');
    const path = (req.url ?? '/').split('?')[0];
    if (path !== hookPath) {
      if (path.startsWith(`/services/${TEAM}/${BOT}/`)) return reply(res, 403, 'invalid_token');
      return reply(res, 404, 'no_service');
    }

    const message = textOf(body);
    if (message === null) return reply(res, 400, 'invalid_payload');
    if (message === '') return reply(res, 400, 'no_text');
    if (message === undefined) return reply(res, 200, 'ok');

    const trigger = ERROR_TRIGGERS[message];
    if (trigger) return reply(res, trigger[0], trigger[1]);
    switch (message) {
      case 'rate_limit':
        res.writeHead(429, { 'Content-Type': 'application/json', 'Retry-After': String(SIMULATOR_RETRY_AFTER_SECONDS) });
        res.end(JSON.stringify({ retry_after: SIMULATOR_RETRY_AFTER_SECONDS, ok: false, error: 'rate_limited' }));
        return;
      case 'rate_limit_without_retry_after':
        return reply(res, 429, 'rate_limited');
      case 'unexpected_body':
        return reply(res, 200, '<html>sign in to continue</html>');
      case 'redirect':
        return reply(res, 302, '', { Location: '/services/moved' });
    }
    messages.push(message);
    reply(res, 200, 'ok');
  };

  const { url, requests, close } = await startRecordingServer(handle);
  return { url, webhookUrl: `${url}${hookPath}`, requests, messages, close };
}
