import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { oneOffAnswer, startRecordingServer, type RecordedRequest } from '../lib/simulator_server.js';

/**
 * An in-process Swimlane, as far as the connector uses its REST API:
 *   POST  /api/app/:appId/record                        200 the record created
 *   PATCH /api/app/:appId/record/:id                    200 the record, its values merged
 *   POST  /api/app/:appId/record/:id/:fieldId/comment   204 the comment added (Swimlane answers no data)
 * The token must be the `Private-Token` header (else 401); another application than the
 * simulator's gets 403, an unknown record 404, a body that is not JSON 400, other paths 404 and
 * other methods 405. Error bodies carry `ErrorCode` and `Argument`, as Swimlane's do; the codes
 * are the simulator's own, Swimlane does not document them.
 */

export interface SimulatedRecord {
  id: string;
  name: string;
  applicationId: string;
  values: Record<string, unknown>;
  /** Per comments field, in the order received. */
  comments: Record<string, Array<{ createdDate: string; fieldId: string; isRichText: boolean; message: string }>>;
  createdDate: string;
  modifiedDate: string;
}

export interface SwimlaneSimulator {
  url: string;
  requests: RecordedRequest[];
  records: Map<string, SimulatedRecord>;
  /** The next answer, whatever the request. */
  failNext(status: number, body?: string, headers?: Record<string, string>): void;
  close(): Promise<void>;
}

export const SIMULATOR_ERROR_CODES = { badRequest: 1000, unauthorized: 1001, forbidden: 1002, notFound: 1003 } as const;

const ROUTE = /^\/api\/app\/([^/]+)\/record(?:\/([^/]+)(?:\/([^/]+)\/(comment))?)?$/;

export async function startSwimlaneSimulator(options: { apiToken: string; appId: string; acronym?: string }): Promise<SwimlaneSimulator> {
  const records = new Map<string, SimulatedRecord>();
  const acronym = options.acronym ?? 'ET';
  let tracking = 0;
  const nextAnswer = oneOffAnswer();

  const json = (res: ServerResponse, status: number, body: unknown) => res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8' }).end(JSON.stringify(body));
  const error = (res: ServerResponse, status: number, code: number, argument: string) => json(res, status, { ErrorCode: code, Argument: argument });

  function saveRecord(res: ServerResponse, appId: string, body: Record<string, unknown>, existing?: SimulatedRecord) {
    const now = new Date().toISOString();
    const values = (body.values ?? {}) as Record<string, unknown>;
    const record: SimulatedRecord = existing
      ? { ...existing, values: { ...existing.values, ...values }, modifiedDate: now }
      : { id: randomBytes(12).toString('base64url'), name: `${acronym}-${++tracking}`, applicationId: appId, values, comments: {}, createdDate: now, modifiedDate: now };
    records.set(record.id, record);
    json(res, 200, record);
  }

  function addComment(res: ServerResponse, record: SimulatedRecord, fieldId: string, body: Record<string, unknown>) {
    const comment = { createdDate: String(body.createdDate), fieldId: String(body.fieldId), isRichText: body.isRichText === true, message: String(body.message) };
    (record.comments[fieldId] ??= []).push(comment);
    res.writeHead(204).end();
  }

  const handle = (req: IncomingMessage, res: ServerResponse, text: string) => {
    if (nextAnswer.sendIfPending(res)) return;
    const match = ROUTE.exec(new URL(req.url ?? '/', 'http://swimlane').pathname);
    if (!match) return error(res, 404, SIMULATOR_ERROR_CODES.notFound, 'route');
    const [, appId, recordId, fieldId] = match.map((part) => (part === undefined ? undefined : decodeURIComponent(part)));
    const expected = recordId === undefined || fieldId !== undefined ? 'POST' : 'PATCH';
    if (req.method !== expected) return json(res, 405, { message: 'Method Not Allowed' });
    if (req.headers['private-token'] !== options.apiToken) return error(res, 401, SIMULATOR_ERROR_CODES.unauthorized, 'Private-Token');
    if (appId !== options.appId) return error(res, 403, SIMULATOR_ERROR_CODES.forbidden, appId!);
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(text) as Record<string, unknown>;
    } catch {
      return error(res, 400, SIMULATOR_ERROR_CODES.badRequest, 'body');
    }
    if (recordId === undefined) return saveRecord(res, appId, body);
    const record = records.get(recordId);
    if (!record) return error(res, 404, SIMULATOR_ERROR_CODES.notFound, recordId);
    return fieldId === undefined ? saveRecord(res, appId, body, record) : addComment(res, record, fieldId, body);
  };

  const { url, requests, close } = await startRecordingServer(handle);
  return {
    url,
    requests,
    records,
    failNext: nextAnswer.set,
    close,
  };
}
