import type { IncomingMessage, ServerResponse } from 'node:http';
import { oneOffAnswer, startRecordingServer, type RecordedRequest } from '../lib/simulator_server.js';

/**
 * An in-process TheHive 5 server, as far as the connector uses it:
 *   POST  /api/v1/case               201 the case created
 *   PATCH /api/v1/case/:id           204, the case's fields replaced by those sent
 *   POST  /api/v1/case/:id/comment   201 the comment added
 *   POST  /api/v1/alert              201 the alert created
 * A case or alert without title or description gets 400. The key must come as
 * `Authorization: Bearer <key>` (else 401); an `X-Organisation` the key does not belong to gets
 * 403; an unknown case, or any other route, 404. Errors answer TheHive's `{type, message}`.
 */

export type SimulatedRecord = Record<string, unknown> & { _id: string };

export interface TheHiveSimulator {
  url: string;
  requests: RecordedRequest[];
  /** The cases, by id, as they stand (the fields sent included). */
  cases: Map<string, SimulatedRecord>;
  /** The comments added, with their case's id. */
  comments: Array<{ caseId: string; message: string }>;
  /** The alerts created, the fields sent included. */
  alerts: SimulatedRecord[];
  /** The next answer, whatever the request. */
  failNext(status: number, body?: string, headers?: Record<string, string>): void;
  close(): Promise<void>;
}

const SEVERITY_LABELS = ['', 'LOW', 'MEDIUM', 'HIGH', 'CRITICAL'];
const TLP_LABELS = ['CLEAR', 'GREEN', 'AMBER', 'AMBER+STRICT', 'RED'];
const USER = 'kibana@thehive.local';

export async function startTheHiveSimulator(options: { apiKey: string; organisations?: string[] }): Promise<TheHiveSimulator> {
  const organisations = options.organisations ?? ['admin'];
  const cases: TheHiveSimulator['cases'] = new Map();
  const comments: TheHiveSimulator['comments'] = [];
  const alerts: SimulatedRecord[] = [];
  let nextId = 172064;
  const nextAnswer = oneOffAnswer();

  const json = (res: ServerResponse, status: number, body: unknown) => res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
  const error = (res: ServerResponse, status: number, type: string, message: string) => json(res, status, { type, message });

  /** The fields TheHive gives every case and alert, from the ones sent. */
  function common(fields: Record<string, unknown>, now: number) {
    const severity = typeof fields.severity === 'number' ? fields.severity : 2;
    const tlp = typeof fields.tlp === 'number' ? fields.tlp : 2;
    return {
      _id: `~${nextId++}`,
      _createdBy: USER,
      _createdAt: now,
      title: fields.title,
      description: fields.description,
      severity,
      severityLabel: SEVERITY_LABELS[severity] ?? 'MEDIUM',
      tags: fields.tags ?? [],
      tlp,
      tlpLabel: TLP_LABELS[tlp] ?? 'AMBER',
      pap: 2,
      papLabel: 'AMBER',
      status: 'New',
      stage: 'New',
      extraData: {},
      newDate: now,
      timeToDetect: 0,
    };
  }

  function create(res: ServerResponse, body: string, kind: 'case' | 'alert') {
    let fields: Record<string, unknown>;
    try {
      fields = JSON.parse(body) as Record<string, unknown>;
    } catch {
      return error(res, 400, 'BadRequest', 'Invalid json');
    }
    if (fields === null || typeof fields !== 'object' || typeof fields.title !== 'string' || typeof fields.description !== 'string') {
      return error(res, 400, 'AttributeCheckingError', `${kind} must have a title and a description`);
    }
    const now = Date.now();
    if (kind === 'case') {
      const created: SimulatedRecord = { ...fields, ...common(fields, now), _type: 'Case', number: cases.size + 1, startDate: now, flag: false };
      cases.set(created._id, created);
      return json(res, 201, created);
    }
    const { type, source, sourceRef } = fields;
    const created: SimulatedRecord = { ...fields, ...common(fields, now), _type: 'Alert', type, source, sourceRef, date: now, observableCount: 0, follow: true };
    alerts.push(created);
    return json(res, 201, created);
  }

  function update(res: ServerResponse, id: string, body: string) {
    const existing = cases.get(id);
    if (!existing) return error(res, 404, 'NotFoundError', `Case ${id} not found`);
    cases.set(id, { ...existing, ...(JSON.parse(body) as object), _updatedAt: Date.now(), _updatedBy: USER });
    return res.writeHead(204).end();
  }

  function comment(res: ServerResponse, id: string, body: string) {
    if (!cases.has(id)) return error(res, 404, 'NotFoundError', `Case ${id} not found`);
    const { message } = JSON.parse(body) as { message: string };
    comments.push({ caseId: id, message });
    json(res, 201, { _id: `~${nextId++}`, _type: 'Comment', createdBy: USER, createdAt: Date.now(), message, isEdited: false, extraData: {} });
  }

  const handle = (req: IncomingMessage, res: ServerResponse, body: string) => {
    if (nextAnswer.sendIfPending(res)) return;
    if (req.headers.authorization !== `Bearer ${options.apiKey}`) return error(res, 401, 'AuthenticationError', 'Authentication failure');
    const organisation = req.headers['x-organisation'];
    if (typeof organisation === 'string' && !organisations.includes(organisation)) return error(res, 403, 'AuthorizationError', `User is not in organisation ${organisation}`);
    const path = new URL(req.url ?? '/', 'http://thehive').pathname;
    const [, caseId, commentRoute] = /^\/api\/v1\/case(?:\/([^/]+)(\/comment)?)?$/.exec(path) ?? [];
    if (req.method === 'POST' && path === '/api/v1/alert') return create(res, body, 'alert');
    if (req.method === 'POST' && path === '/api/v1/case') return create(res, body, 'case');
    if (caseId && req.method === 'PATCH' && !commentRoute) return update(res, decodeURIComponent(caseId), body);
    if (caseId && req.method === 'POST' && commentRoute) return comment(res, decodeURIComponent(caseId), body);
    return error(res, 404, 'NotFoundError', `No route for ${req.method} ${path}`);
  };

  const { url, requests, close } = await startRecordingServer(handle);
  return {
    url,
    requests,
    cases,
    comments,
    alerts,
    failNext: nextAnswer.set,
    close,
  };
}
