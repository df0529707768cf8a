import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { startRecordingServer, type RecordedRequest } from '../lib/simulator_server.js';

/**
 * An in-process Microsoft Teams incoming webhook (the connector endpoint at
 * <tenant>.webhook.office.com). Kibana has no Teams simulator; this one answers as the
 * endpoint does, in plain text:
 *
 *   POST <webhookUrl>, JSON with `text` (or `summary`, or card attachments) → 200 `1`
 *   a body that is not JSON                                               → 400 Bad payload received by generic incoming webhook.
 *   JSON with neither text, summary nor attachments                       → 400 Summary or Text is required.
 *   another path (a deleted or mistyped webhook; status unconfirmed)      → 404
 *   other methods                                                         → 405
 *
 * Message texts that make it answer as in other situations:
 *   throttled → 200 whose body carries ErrorCode:ApplicationThrottled, with Retry-After: 5
 *   throttled_without_retry_after → the same without Retry-After
 *   rate_limit → 429 with Retry-After: 5; status_<code> → that status
 *   redirect → 307 to the same webhook (the endpoint moved; a client follows it)
 */

export interface TeamsSimulator {
  url: string;
  /** The URL of the one webhook that accepts messages. */
  webhookUrl: string;
  requests: RecordedRequest[];
  /** Texts of the messages posted. */
  messages: string[];
  close(): Promise<void>;
}

export const SIMULATOR_RETRY_AFTER_SECONDS = 5;
export const THROTTLED_BODY =
  'Microsoft Teams endpoint returned HTTP error 429 with ContextId tcid=0,server=simulator,cv=plugboard.0: ErrorCode:ApplicationThrottled';

function reply(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', ...headers });
  res.end(body);
}

export async function startTeamsSimulator(): Promise<TeamsSimulator> {
  const messages: string[] = [];
  const hookPath = `/webhookb2/${randomUUID()}@${randomUUID()}/IncomingWebhook/${randomUUID().replace(/-/g, '')}/${randomUUID()}`;

  const handle = (req: IncomingMessage, res: ServerResponse, body: string): void => {
    const path = (req.url ?? '/').split('?')[0];
    if (path !== hookPath) return reply(res, 404, '');
    if (req.method !== 'POST') return reply(res, 405, '', { Allow: 'POST' });

    let payload: unknown;
    try {
      payload = JSON.parse(body);
    } catch {
      return reply(res, 400, 'Bad payload received by generic incoming webhook.');
    }
    if (!payload || typeof payload !== 'object' || Array.isArray(payload)) return reply(res, 400, 'Bad payload received by generic incoming webhook.');
    const { text: message, summary, attachments } = payload as { text?: unknown; summary?: unknown; attachments?: unknown };
    const hasText = typeof message === 'string' && message !== '';
    if (!hasText && !(typeof summary === 'string' && summary !== '') && !Array.isArray(attachments)) {
      return reply(res, 400, 'Summary or Text is required.');
    }

    switch (message) {
      case 'throttled':
        return reply(res, 200, THROTTLED_BODY, { 'Retry-After': String(SIMULATOR_RETRY_AFTER_SECONDS) });
      case 'throttled_without_retry_after':
        return reply(res, 200, THROTTLED_BODY);
      case 'rate_limit':
        return reply(res, 429, 'Too Many Requests', { 'Retry-After': String(SIMULATOR_RETRY_AFTER_SECONDS) });
      case 'redirect':
        if (!req.url?.includes('moved=1')) return reply(res, 307, '', { Location: `${hookPath}?moved=1` });
    }
    const status = typeof message === 'string' ? /^status_(\d{3})$/.exec(message) : null;
    if (status) return reply(res, Number(status[1]), `simulated status ${status[1]}`);

    if (hasText) messages.push(message as string);
    reply(res, 200, '1');
  };

  const { url, requests, close } = await startRecordingServer(handle);
  return { url, webhookUrl: `${url}${hookPath}`, requests, messages, close };
}
