import type { IncomingMessage, ServerResponse } from 'node:http';
import { startRecordingServer, type RecordedRequest } from '../lib/simulator_server.js';

/**
 * An in-process Slack Web API (https://slack.com/api), for the methods the connector calls.
 * As Slack does, it answers HTTP 200 with `{ok: false, error}` for almost every failure, and
 * uses HTTP statuses only for rate limiting (429 with Retry-After), unknown methods (404) and
 * its own trouble (5xx).
 *
 * Every method checks `Authorization: Bearer <token>`: none → not_authed, another → invalid_auth.
 *
 *   GET  /api/conversations.info?channel=<id>   → {ok, channel} | channel_not_found
 *   POST /api/chat.postMessage (JSON)           → {ok, channel, ts, message}, or
 *        invalid_json, json_not_object, channel_not_found (unknown or missing channel, by id or
 *        name with or without #), not_in_channel, is_archived, no_text (neither text nor
 *        blocks), invalid_blocks_format (blocks not an array), invalid_blocks (a block
 *        without a type), msg_too_long (text over 40,000 characters). A JSON body whose
 *        Content-Type has no charset gets Slack's `missing_charset` warning.
 *   any other method                            → 404 unknown_method
 * (Arguments in a query string are not modelled: chat.postMessage by GET is answered invalid_arguments.)
 *
 * Message texts that make Slack answer as in other situations (Kibana's simulator names):
 *   status_500 → 500, rate_limit → 429 with Retry-After: 1 and `ratelimited`,
 *   rate_limit_without_retry_after → 429 without Retry-After, internal_error → 200 with
 *   ok:false internal_error, status_<code> → that status with `{ok:false, error:"status_<code>"}`,
 *   empty_response → 200 with no body.
 */

export interface SimulatedChannel {
  id: string;
  name: string;
  isMember: boolean;
  isArchived: boolean;
  isPrivate: boolean;
}

export interface PostedMessage {
  channel: string;
  text?: string;
  blocks?: unknown[];
  ts: string;
}

export interface SlackApiSimulator {
  /** The Web API base, e.g. `http://127.0.0.1:54321/api`, for plugboard.serviceUrlOverrides. */
  url: string;
  /** The bot token the simulator accepts. */
  token: string;
  channels: SimulatedChannel[];
  requests: RecordedRequest[];
  messages: PostedMessage[];
  close(): Promise<void>;
}

export const SIMULATOR_RETRY_AFTER_SECONDS = 1;
export const MAX_TEXT_LENGTH = 40_000;
const BOT_ID = 'B0PLUGBRD';

export const SIMULATED_CHANNELS: SimulatedChannel[] = [
  { id: 'C0GENERAL01', name: 'general', isMember: true, isArchived: false, isPrivate: false },
  { id: 'C0ALERTS001', name: 'alerts', isMember: true, isArchived: false, isPrivate: true },
  { id: 'C0ELSEWHERE', name: 'elsewhere', isMember: false, isArchived: false, isPrivate: false },
  { id: 'C0ARCHIVED1', name: 'old-alerts', isMember: true, isArchived: true, isPrivate: false },
];

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', ...headers });
  res.end(JSON.stringify(body));
}

const slackError = (res: ServerResponse, error: string, extra: Record<string, unknown> = {}) => json(res, 200, { ok: false, error, ...extra });

function channelJson(c: SimulatedChannel) {
  return {
    id: c.id,
    name: c.name,
    is_channel: !c.isPrivate,
    is_group: false,
    is_im: false,
    is_private: c.isPrivate,
    is_archived: c.isArchived,
    is_member: c.isMember,
    created: 1_700_000_000,
  };
}

export async function startSlackApiSimulator(options: { token?: string } = {}): Promise<SlackApiSimulator> {
  const token = options.token ?? 'xoxb-simulated-bot-token';
  const channels = SIMULATED_CHANNELS.map((c) => ({ ...c }));
  const messages: PostedMessage[] = [];
  let clock = 1_700_000_000;

  const findChannel = (ref: string) => channels.find((c) => c.id === ref || c.name === ref.replace(/^#/, ''));

  const conversationsInfo = (res: ServerResponse, query: URLSearchParams) => {
    const channel = findChannel(query.get('channel') ?? '');
    // Lookups are by id only; Slack answers a name as an unknown channel.
    if (!channel || channel.id !== query.get('channel')) return slackError(res, 'channel_not_found');
    json(res, 200, { ok: true, channel: channelJson(channel) });
  };

  const postMessage = (req: IncomingMessage, res: ServerResponse, body: string) => {
    const contentType = req.headers['content-type'] ?? '';
    let payload: unknown;
    try {
      payload = JSON.parse(body);
    } catch {
      return slackError(res, 'invalid_json');
    }
    if (!payload || typeof payload !== 'object' || Array.isArray(payload)) return slackError(res, 'json_not_object');
    const { channel: ref, text: messageText, blocks } = payload as { channel?: unknown; text?: unknown; blocks?: unknown };

    switch (messageText) {
      case 'status_500':
        return json(res, 500, { ok: false, error: 'internal_error' });
      case 'rate_limit':
        return json(res, 429, { ok: false, error: 'ratelimited' }, { 'Retry-After': String(SIMULATOR_RETRY_AFTER_SECONDS) });
      case 'rate_limit_without_retry_after':
        return json(res, 429, { ok: false, error: 'ratelimited' });
      case 'internal_error':
        return slackError(res, 'internal_error');
      case 'empty_response':
        res.writeHead(200).end();
        return;
    }
    const status = typeof messageText === 'string' ? /^status_(\d{3})$/.exec(messageText) : null;
    if (status) return json(res, Number(status[1]), { ok: false, error: messageText });

    const channel = typeof ref === 'string' ? findChannel(ref) : undefined;
    if (!channel) return slackError(res, 'channel_not_found');
    if (channel.isArchived) return slackError(res, 'is_archived');
    if (!channel.isMember) return slackError(res, 'not_in_channel');
    if (blocks !== undefined) {
      if (!Array.isArray(blocks)) return slackError(res, 'invalid_blocks_format');
      if (!blocks.every((b) => b && typeof b === 'object' && typeof (b as { type?: unknown }).type === 'string')) return slackError(res, 'invalid_blocks');
    }
    const hasText = typeof messageText === 'string' && messageText !== '';
    if (!hasText && (!Array.isArray(blocks) || blocks.length === 0)) return slackError(res, 'no_text');
    if (hasText && (messageText as string).length > MAX_TEXT_LENGTH) return slackError(res, 'msg_too_long');

    const ts = `${clock++}.000100`;
    const posted: PostedMessage = { channel: channel.id, ts };
    if (hasText) posted.text = messageText as string;
    if (Array.isArray(blocks)) posted.blocks = blocks;
    messages.push(posted);
    const answer: Record<string, unknown> = {
      ok: true,
      channel: channel.id,
      ts,
      message: { type: 'message', subtype: 'bot_message', bot_id: BOT_ID, text: posted.text ?? '', ts, ...(posted.blocks ? { blocks: posted.blocks } : {}) },
    };
    if (!/charset=/i.test(contentType)) Object.assign(answer, { warning: 'missing_charset', response_metadata: { warnings: ['missing_charset'] } });
    json(res, 200, answer);
  };

  const handle = (req: IncomingMessage, res: ServerResponse, body: string): void => {
    const url = new URL(req.url ?? '/', 'http://simulator');
    const method = url.pathname.replace(/^\/api\//, '');
    const known = method === 'conversations.info' || method === 'chat.postMessage';
    if (!url.pathname.startsWith('/api/') || !known) return json(res, 404, { ok: false, error: 'unknown_method', req_method: method });

    const authorization = req.headers.authorization;
    if (!authorization) return slackError(res, 'not_authed');
    if (authorization !== `Bearer ${token}`) return slackError(res, 'invalid_auth');

    if (method === 'conversations.info') return conversationsInfo(res, url.searchParams);
    if (req.method !== 'POST') return slackError(res, 'invalid_arguments');
    postMessage(req, res, body);
  };

  const { url: base, requests, close } = await startRecordingServer(handle);
  return { url: `${base}/api`, token, channels, requests, messages, close };
}
