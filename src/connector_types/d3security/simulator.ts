import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { oneOffAnswer, startRecordingServer, type RecordedRequest } from '../lib/simulator_server.js';

/**
 * An in-process D3 SOAR event intake: a POST to any path with the webhook key in `d3key`
 * and the Elasticsearch-hit envelope `{hits: {hits: {_source: {...}}}}` as JSON.
 *   202 {refid: <uuid>}                 accepted; the event is recorded
 *   401 {error: {statusMessage}}        no or another d3key
 *   405                                 another method
 *   422 {error: {statusMessage: 'Bad job'}}   not JSON, or no `hits.hits._source` object
 * D3 does not document its errors; the 422 body is the one of Kibana's simulator.
 */

export interface D3SecuritySimulator {
  url: string;
  requests: RecordedRequest[];
  /** The `_source` of every accepted event, with its refid. */
  events: Array<{ refid: string; source: Record<string, unknown> }>;
  /** The next answer, whatever the request. */
  failNext(status: number, body?: string, headers?: Record<string, string>): void;
  close(): Promise<void>;
}

function sourceOf(body: string): Record<string, unknown> | undefined {
  try {
    const source = (JSON.parse(body) as { hits?: { hits?: { _source?: unknown } } })?.hits?.hits?._source;
    return source !== null && typeof source === 'object' && !Array.isArray(source) ? (source as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

export async function startD3SecuritySimulator(options: { token: string }): Promise<D3SecuritySimulator> {
  const events: D3SecuritySimulator['events'] = [];
  const nextAnswer = oneOffAnswer();

  const json = (res: ServerResponse, status: number, body: unknown) => res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));

  const handle = (req: IncomingMessage, res: ServerResponse, body: string) => {
    if (nextAnswer.sendIfPending(res)) return;
    if (req.method !== 'POST') return json(res, 405, { error: { statusMessage: 'Method Not Allowed' } });
    if (req.headers.d3key !== options.token) return json(res, 401, { error: { statusMessage: 'Unauthorized' } });
    const source = sourceOf(body);
    if (!source) return json(res, 422, { error: { statusMessage: 'Bad job' } });
    const refid = randomUUID();
    events.push({ refid, source });
    json(res, 202, { refid });
  };

  const { url, requests, close } = await startRecordingServer(handle);
  return {
    url,
    requests,
    events,
    failNext: nextAnswer.set,
    close,
  };
}
