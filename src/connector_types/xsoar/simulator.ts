import type { IncomingMessage, ServerResponse } from 'node:http';
import { oneOffAnswer, startRecordingServer, type RecordedRequest } from '../lib/simulator_server.js';

/**
 * An in-process Cortex XSOAR server, as far as the connector uses it:
 *   POST /playbook/search      200 {playbooks: [{id, name, …}], tags, total}
 *   POST /incident             201 the incident created (recorded), or 400 incCreateErr when it
 *                              has no name or names an unknown playbook
 * On-premises (no key id) the routes are at the root; as Cortex XSOAR 8 (cloud, a key id) they
 * are under /xsoar/public/v1. The API key must be the whole `Authorization` header (else 401);
 * the cloud also wants the key's id in `x-xdr-auth-id` (else 403). Other paths get 404, other
 * methods 405. The 400 body is the one of Kibana's simulator; XSOAR does not document the
 * wording of its 401, 403, 404 and 405 answers.
 */

export interface SimulatedPlaybook {
  id: string;
  name: string;
}

export interface XsoarSimulator {
  url: string;
  requests: RecordedRequest[];
  /** The tenant's playbooks; tests may replace them. */
  playbooks: SimulatedPlaybook[];
  /** The incidents created, as received, with the id given to each. */
  incidents: Array<{ id: string; fields: Record<string, unknown> }>;
  /** The next answer, whatever the request. */
  failNext(status: number, body?: string, headers?: Record<string, string>): void;
  close(): Promise<void>;
}

export const defaultPlaybooks = (): SimulatedPlaybook[] => [
  { id: '8db0105c-f674-4d83-8095-f95a9f61e77a', name: 'playbook0' },
  { id: 'a1f3c6e2-0d4b-4c61-9a57-2b8e7f4d9c10', name: 'Phishing investigation' },
];

export async function startXsoarSimulator(options: { apiKey: string; apiKeyId?: string }): Promise<XsoarSimulator> {
  const prefix = options.apiKeyId ? '/xsoar/public/v1' : '';
  const incidents: XsoarSimulator['incidents'] = [];
  const state = { playbooks: defaultPlaybooks() };
  let nextId = 178791;
  const nextAnswer = oneOffAnswer();

  const json = (res: ServerResponse, status: number, body: unknown) => res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
  const incidentError = (res: ServerResponse, detail: string) =>
    json(res, 400, { id: 'incCreateErr', status: 400, title: 'Failed creating incident', detail, error: '', encrypted: false, multires: null });

  function searchPlaybooks(res: ServerResponse) {
    const playbooks = state.playbooks.map((p) => ({ ...p, version: 1, tags: [], system: false }));
    json(res, 200, { playbooks, tags: [], total: playbooks.length });
  }

  function createIncident(res: ServerResponse, body: string) {
    let fields: Record<string, unknown>;
    try {
      fields = JSON.parse(body) as Record<string, unknown>;
    } catch {
      return incidentError(res, 'Request body is not valid JSON');
    }
    if (fields === null || typeof fields !== 'object' || typeof fields.name !== 'string' || fields.name === '') return incidentError(res, 'Incident name is required');
    if (fields.playbookId && !state.playbooks.some((p) => p.id === fields.playbookId)) return incidentError(res, `Playbook ${String(fields.playbookId)} not found`);
    const id = String(nextId++);
    incidents.push({ id, fields });
    json(res, 201, { id, version: 1, name: fields.name, type: fields.type ?? 'Unclassified', severity: fields.severity ?? 0, status: 1, playbookId: fields.playbookId ?? '', created: new Date().toISOString() });
  }

  const handle = (req: IncomingMessage, res: ServerResponse, body: string) => {
    if (nextAnswer.sendIfPending(res)) return;
    const path = new URL(req.url ?? '/', 'http://xsoar').pathname;
    const route = path.startsWith(`${prefix}/`) ? path.slice(prefix.length) : undefined;
    if (route !== '/playbook/search' && route !== '/incident') return json(res, 404, { id: 'notFound', status: 404, title: 'Not Found', detail: path });
    if (req.method !== 'POST') return json(res, 405, { id: 'methodNotAllowed', status: 405, title: 'Method Not Allowed' });
    if (req.headers.authorization !== options.apiKey) return json(res, 401, { id: 'unauthorized', status: 401, title: 'Unauthorized', detail: 'Invalid API key' });
    if (options.apiKeyId && req.headers['x-xdr-auth-id'] !== options.apiKeyId) return json(res, 403, { id: 'forbidden', status: 403, title: 'Forbidden', detail: 'API key id mismatch' });
    return route === '/incident' ? createIncident(res, body) : searchPlaybooks(res);
  };

  const { url, requests, close } = await startRecordingServer(handle);
  return {
    url,
    requests,
    get playbooks() {
      return state.playbooks;
    },
    set playbooks(value) {
      state.playbooks = value;
    },
    incidents,
    failNext: nextAnswer.set,
    close,
  };
}
