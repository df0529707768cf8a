import type { IncomingMessage, ServerResponse } from 'node:http';
import { oneOffAnswer, startRecordingServer, type RecordedRequest } from '../lib/simulator_server.js';

/**
 * A Jira-like issue tracker, the service Kibana tests this type against (its connector is
 * configured by templates, so any REST API with JSON answers fits):
 *   POST /rest/api/2/issue                   201 {id, key, self}
 *   GET  /rest/api/2/issue/:idOrKey          200 {id, key, self, fields}
 *   PUT  /rest/api/2/issue/:idOrKey          204 the fields merged
 *   POST /rest/api/2/issue/:idOrKey/comment  201 {id, self, body, created}
 *   GET  /browse/:key                        200 an HTML page (the view URL)
 * Basic authentication with the simulator's user and password (else 401); a project the user
 * may not create issues in gets 403, an unknown project or no summary 400, an unknown issue 404,
 * other paths 404 and other methods 405. Error bodies are Jira's {errorMessages, errors}.
 */

export interface SimulatedIssue {
  id: string;
  key: string;
  fields: Record<string, unknown>;
  comments: Array<{ id: string; body: unknown; created: string }>;
}

export interface CasesWebhookSimulator {
  url: string;
  requests: RecordedRequest[];
  issues: Map<string, SimulatedIssue>;
  /** The next answer, whatever the request. */
  failNext(status: number, body?: string, headers?: Record<string, string>): void;
  close(): Promise<void>;
}

export const ISSUE_NOT_FOUND = 'Issue does not exist or you do not have permission to see it.';

const ROUTE = /^\/rest\/api\/2\/issue(?:\/([^/]+)(\/comment)?)?$/;

export async function startCasesWebhookSimulator(options: { user: string; password: string; projects?: string[]; forbiddenProjects?: string[] }): Promise<CasesWebhookSimulator> {
  const issues = new Map<string, SimulatedIssue>();
  const projects = options.projects ?? ['ROC'];
  const forbidden = options.forbiddenProjects ?? ['SEC'];
  const counters = new Map<string, number>();
  let nextId = 10000;
  let nextCommentId = 20000;
  const nextAnswer = oneOffAnswer();
  const expectedAuth = `Basic ${Buffer.from(`${options.user}:${options.password}`).toString('base64')}`;

  const json = (res: ServerResponse, status: number, body: unknown) => res.writeHead(status, { 'Content-Type': 'application/json;charset=UTF-8' }).end(JSON.stringify(body));
  const jiraError = (res: ServerResponse, status: number, errorMessages: string[], errors: Record<string, string> = {}) => json(res, status, { errorMessages, errors });
  const find = (idOrKey: string) => issues.get(idOrKey) ?? [...issues.values()].find((issue) => issue.key === idOrKey);

  function create(res: ServerResponse, base: string, fields: Record<string, unknown>) {
    const project = (fields.project as { key?: unknown } | undefined)?.key;
    if (typeof project !== 'string' || !(projects.includes(project) || forbidden.includes(project))) return jiraError(res, 400, [], { project: 'valid project is required' });
    if (forbidden.includes(project)) return jiraError(res, 403, ['You do not have permission to create issues in this project.']);
    if (typeof fields.summary !== 'string' || fields.summary === '') return jiraError(res, 400, [], { summary: 'You must specify a summary of the issue.' });
    const n = (counters.get(project) ?? 0) + 1;
    counters.set(project, n);
    const issue: SimulatedIssue = { id: String(nextId++), key: `${project}-${n}`, fields, comments: [] };
    issues.set(issue.id, issue);
    json(res, 201, { id: issue.id, key: issue.key, self: `${base}/rest/api/2/issue/${issue.id}` });
  }

  const handle = (req: IncomingMessage, res: ServerResponse, text: string) => {
    if (nextAnswer.sendIfPending(res)) return;
    const base = `http://${req.headers.host}`;
    const { pathname } = new URL(req.url ?? '/', base);
    if (req.headers.authorization !== expectedAuth) return jiraError(res, 401, ['You are not authenticated. Authentication required to perform this operation.']);
    const browse = /^\/browse\/([^/]+)$/.exec(pathname);
    if (browse && req.method === 'GET') return res.writeHead(200, { 'Content-Type': 'text/html' }).end(`<html><title>${decodeURIComponent(browse[1]!)}</title></html>`);
    const match = ROUTE.exec(pathname);
    if (!match) return jiraError(res, 404, ['Not found.']);
    const [, rawId, comment] = match;
    const expected = rawId === undefined || comment ? ['POST'] : ['GET', 'PUT'];
    if (!expected.includes(req.method ?? '')) return jiraError(res, 405, ['Method Not Allowed']);
    let body: Record<string, unknown> = {};
    if (req.method !== 'GET') {
      try {
        body = JSON.parse(text) as Record<string, unknown>;
      } catch {
        return jiraError(res, 400, ['Unexpected character in the request body: it is not JSON.']);
      }
    }
    if (rawId === undefined) return create(res, base, (body.fields ?? {}) as Record<string, unknown>);
    const issue = find(decodeURIComponent(rawId));
    if (!issue) return jiraError(res, 404, [ISSUE_NOT_FOUND]);
    const self = `${base}/rest/api/2/issue/${issue.id}`;
    if (comment) {
      const added = { id: String(nextCommentId++), body: body.body, created: new Date().toISOString() };
      issue.comments.push(added);
      return json(res, 201, { ...added, self: `${self}/comment/${added.id}` });
    }
    if (req.method === 'GET') return json(res, 200, { id: issue.id, key: issue.key, self, fields: issue.fields });
    issue.fields = { ...issue.fields, ...((body.fields ?? {}) as Record<string, unknown>) };
    res.writeHead(204).end();
  };

  const { url, requests, close } = await startRecordingServer(handle);
  return { url, requests, issues, failNext: nextAnswer.set, close };
}
