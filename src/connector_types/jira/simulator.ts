import type { IncomingMessage, ServerResponse } from 'node:http';
import { oneOffAnswer, startRecordingServer, type RecordedRequest } from '../lib/simulator_server.js';

/**
 * An in-process Jira (Cloud, REST API v2), as far as the connector uses it:
 *   POST /rest/api/2/issue                                        201 {id, key, self}
 *   GET  /rest/api/2/issue/:idOrKey                               200 the issue with its fields
 *   PUT  /rest/api/2/issue/:idOrKey                               204
 *   POST /rest/api/2/issue/:idOrKey/comment                       201 the comment
 *   GET  /rest/api/2/issue/:idOrKey/transitions                   200 {expand, transitions}
 *   POST /rest/api/2/issue/:idOrKey/transitions                   204 ({transition: {id}})
 *   GET  /rest/api/2/issue/createmeta/:projectKey/issuetypes      200 {issueTypes, …}
 *   GET  /rest/api/2/issue/createmeta/:projectKey/issuetypes/:id  200 {fields, …}
 *   GET  /rest/api/2/search/jql?jql=…                             200 {issues, isLast}
 * Basic authentication: the account's email and API token (else 401); the read-only `viewer`
 * account may read but gets 403 on writes. An unknown issue or project is 404, fields Jira
 * refuses are 400 with Jira's `errors` by field, a bad search 400 with `errorMessages`; failNext
 * gives one answer of any kind (a 429 with Retry-After, a 5xx, a Data Center shape). Issues
 * follow a simplified workflow (To Do, In Progress, Done: each status reachable from the others,
 * by one transition named as its status); a transition the issue does not offer is 400 with
 * `errorMessages`. Every answer but a 204 is JSON; dates are Jira's (`2020-04-27T14:17:45.490+0000`).
 */

export interface SimulatedComment {
  id: string;
  body: string;
  created: string;
  updated: string;
}

export interface SimulatedIssue {
  id: string;
  key: string;
  fields: Record<string, unknown>;
  comments: SimulatedComment[];
}

interface FieldMeta {
  fieldId: string;
  name: string;
  required: boolean;
  schema: Record<string, unknown>;
  allowedValues?: unknown[];
  defaultValue?: unknown;
}

interface IssueTypeMeta {
  id: string;
  name: string;
  subtask: boolean;
  fields: FieldMeta[];
}

export interface JiraSimulator {
  url: string;
  requests: RecordedRequest[];
  /** By issue id. */
  issues: Map<string, SimulatedIssue>;
  issueTypes: IssueTypeMeta[];
  /** The next answer, whatever the request. */
  failNext(status: number, body?: string, headers?: Record<string, string>): void;
  close(): Promise<void>;
}

export const PRIORITIES = ['Highest', 'High', 'Medium', 'Low', 'Lowest'];

const system = (type: string, systemName: string, items?: string) => ({ type, ...(items ? { items } : {}), system: systemName });

function issueTypesOf(): IssueTypeMeta[] {
  const common: FieldMeta[] = [
    { fieldId: 'summary', name: 'Summary', required: true, schema: system('string', 'summary') },
    { fieldId: 'issuetype', name: 'Issue Type', required: true, schema: system('issuetype', 'issuetype') },
    { fieldId: 'project', name: 'Project', required: true, schema: system('project', 'project') },
    { fieldId: 'description', name: 'Description', required: false, schema: system('string', 'description') },
    { fieldId: 'labels', name: 'Labels', required: false, schema: system('array', 'labels', 'string') },
    {
      fieldId: 'priority',
      name: 'Priority',
      required: false,
      schema: system('priority', 'priority'),
      allowedValues: PRIORITIES.map((name, i) => ({ id: String(i + 1), name })),
      defaultValue: { id: '3', name: 'Medium' },
    },
  ];
  return [
    {
      id: '10001',
      name: 'Task',
      subtask: false,
      fields: [...common, { fieldId: 'customfield_10020', name: 'Team', required: false, schema: { type: 'string', custom: 'com.atlassian.jira.plugin.system.customfieldtypes:textfield', customId: 10020 } }],
    },
    { id: '10002', name: 'Sub-task', subtask: true, fields: [...common, { fieldId: 'parent', name: 'Parent', required: true, schema: system('issuelink', 'parent') }] },
  ];
}

/** The simplified workflow: each status with its category, and the transition (same name) to it. */
export const STATUSES = [
  { transitionId: '11', id: '10000', name: 'To Do', category: { id: 2, key: 'new', name: 'To Do', colorName: 'blue-gray' } },
  { transitionId: '21', id: '10001', name: 'In Progress', category: { id: 4, key: 'indeterminate', name: 'In Progress', colorName: 'yellow' } },
  { transitionId: '31', id: '10002', name: 'Done', category: { id: 3, key: 'done', name: 'Done', colorName: 'green' } },
];

/** Jira's way of writing a time. */
const jiraDate = (date: Date) => date.toISOString().replace('Z', '+0000');

const ROUTES = {
  createmeta: /^\/rest\/api\/2\/issue\/createmeta\/([^/]+)\/issuetypes(?:\/([^/]+))?$/,
  issue: /^\/rest\/api\/2\/issue(?:\/([^/]+)(\/comment|\/transitions)?)?$/,
  search: /^\/rest\/api\/2\/search\/jql$/,
};

/** `project="KEY" and summary ~"text"`, as the connector writes it. */
const JQL = /^project="([^"]*)" and summary ~"(.*)"$/;

export async function startJiraSimulator(options: {
  email: string;
  apiToken: string;
  projectKey: string;
  /** A read-only account. */
  viewer?: { email: string; apiToken: string };
}): Promise<JiraSimulator> {
  const issues = new Map<string, SimulatedIssue>();
  const issueTypes = issueTypesOf();
  const { projectKey } = options;
  let nextIssue = 10000;
  let nextNumber = 1;
  let nextComment = 10000;
  const nextAnswer = oneOffAnswer();

  let base = '';
  const json = (res: ServerResponse, status: number, body: unknown) => res.writeHead(status, { 'Content-Type': 'application/json;charset=UTF-8' }).end(JSON.stringify(body));
  const refused = (res: ServerResponse, status: number, ...errorMessages: string[]) => json(res, status, { errorMessages, errors: {} });
  const fieldErrors = (res: ServerResponse, errors: Record<string, string>) => json(res, 400, { errorMessages: [], errors });
  const basic = (account: { email: string; apiToken: string }) => `Basic ${Buffer.from(`${account.email}:${account.apiToken}`).toString('base64')}`;

  const findIssue = (idOrKey: string) => issues.get(idOrKey) ?? [...issues.values()].find((issue) => issue.key === idOrKey);
  const issueJson = (issue: SimulatedIssue) => ({ expand: 'renderedFields,names,schema', id: issue.id, self: `${base}/rest/api/2/issue/${issue.id}`, key: issue.key, fields: issue.fields });

  /** Jira's checks of an issue's fields against its type's screen; the errors by field. */
  function fieldProblems(fields: Record<string, unknown>, type: IssueTypeMeta | undefined, creating: boolean): Record<string, string> {
    const errors: Record<string, string> = {};
    if (creating && (typeof fields.summary !== 'string' || fields.summary.trim() === '')) errors.summary = 'You must specify a summary of the issue.';
    if (!type) {
      errors.issuetype = fields.issuetype === undefined ? 'Specify an issue type' : 'Specify a valid issue type';
      return errors;
    }
    const known = new Set(type.fields.map((f) => f.fieldId));
    for (const fieldId of Object.keys(fields)) {
      if (!known.has(fieldId)) errors[fieldId] = `Field '${fieldId}' cannot be set. It is not on the appropriate screen, or unknown.`;
    }
    const labels = fields.labels;
    if (Array.isArray(labels)) {
      const spaced = labels.find((label) => typeof label !== 'string' || /\s/.test(label));
      if (spaced !== undefined) errors.labels = `The label '${String(spaced)}' contains spaces which is invalid.`;
    }
    const priority = fields.priority as { name?: string } | undefined;
    if (priority !== undefined && !PRIORITIES.includes(String(priority?.name))) errors.priority = `Priority name '${String(priority?.name)}' is not valid`;
    const parent = fields.parent as { key?: string } | undefined;
    if (type.subtask && creating && parent === undefined) errors.parent = 'Issue type is a sub-task but parent issue key or id not specified.';
    if (parent !== undefined && !findIssue(String(parent?.key))) errors.parent = 'Could not find issue by id or key.';
    return errors;
  }

  /** The stored form of the fields sent: Jira's objects for the issue type, priority and parent. */
  function storedFields(fields: Record<string, unknown>, type: IssueTypeMeta): Record<string, unknown> {
    const stored: Record<string, unknown> = { ...fields, issuetype: { id: type.id, name: type.name, subtask: type.subtask }, project: { key: projectKey, name: `${projectKey} project` } };
    const priority = fields.priority as { name: string } | undefined;
    if (priority) stored.priority = { id: String(PRIORITIES.indexOf(priority.name) + 1), name: priority.name };
    const parent = fields.parent as { key: string } | undefined;
    if (parent) {
      const found = findIssue(parent.key)!;
      stored.parent = { id: found.id, key: found.key };
    }
    return stored;
  }

  function createIssue(res: ServerResponse, body: Record<string, unknown>) {
    const fields = (body.fields ?? {}) as Record<string, unknown>;
    const project = fields.project as { key?: string } | undefined;
    if (project?.key !== projectKey) return fieldErrors(res, { project: 'valid project is required' });
    const type = issueTypes.find((t) => t.id === (fields.issuetype as { id?: string } | undefined)?.id);
    const errors = fieldProblems(fields, type, true);
    if (Object.keys(errors).length > 0) return fieldErrors(res, errors);
    const now = jiraDate(new Date());
    const id = String(nextIssue++);
    const key = `${projectKey}-${nextNumber++}`;
    issues.set(id, { id, key, fields: { ...storedFields(fields, type!), status: statusJson(STATUSES[0]), created: now, updated: now }, comments: [] });
    json(res, 201, { id, key, self: `${base}/rest/api/2/issue/${id}` });
  }

  function updateIssue(res: ServerResponse, issue: SimulatedIssue, body: Record<string, unknown>) {
    const { project, issuetype, ...fields } = (body.fields ?? {}) as Record<string, unknown>;
    if (project !== undefined && (project as { key?: string }).key !== projectKey) return fieldErrors(res, { project: "Field 'project' cannot be set. It is not on the appropriate screen, or unknown." });
    const typeId = (issuetype as { id?: string } | undefined)?.id ?? (issue.fields.issuetype as { id: string }).id;
    const type = issueTypes.find((t) => t.id === typeId);
    const errors = fieldProblems(fields, type, false);
    if (Object.keys(errors).length > 0) return fieldErrors(res, errors);
    issue.fields = { ...issue.fields, ...storedFields(fields, type!), updated: jiraDate(new Date()) };
    res.writeHead(204).end();
  }

  const statusJson = (status: (typeof STATUSES)[number]) => ({
    self: `${base}/rest/api/2/status/${status.id}`,
    description: '',
    name: status.name,
    id: status.id,
    statusCategory: { self: `${base}/rest/api/2/statuscategory/${status.category.id}`, ...status.category },
  });

  /** The transitions an issue offers: to each status but its own. */
  const transitionsOf = (issue: SimulatedIssue) => STATUSES.filter((s) => s.name !== (issue.fields.status as { name: string }).name);

  function transitions(res: ServerResponse, issue: SimulatedIssue) {
    const offered = transitionsOf(issue).map((s) => ({ id: s.transitionId, name: s.name, to: statusJson(s), hasScreen: false, isGlobal: true, isInitial: false, isAvailable: true, isConditional: false, isLooped: false }));
    json(res, 200, { expand: 'transitions', transitions: offered });
  }

  function transition(res: ServerResponse, issue: SimulatedIssue, body: Record<string, unknown>) {
    const id = (body.transition as { id?: unknown } | undefined)?.id;
    const target = transitionsOf(issue).find((s) => s.transitionId === String(id));
    if (!target) return refused(res, 400, `Transition id '${String(id)}' is not valid for this issue.`);
    issue.fields = { ...issue.fields, status: statusJson(target), updated: jiraDate(new Date()) };
    res.writeHead(204).end();
  }

  function addComment(res: ServerResponse, issue: SimulatedIssue, body: Record<string, unknown>) {
    if (typeof body.body !== 'string' || body.body.trim() === '') return fieldErrors(res, { comment: 'Comment body can not be empty!' });
    const now = jiraDate(new Date());
    const comment = { id: String(nextComment++), body: body.body, created: now, updated: now };
    issue.comments.push(comment);
    json(res, 201, { self: `${base}/rest/api/2/issue/${issue.id}/comment/${comment.id}`, ...comment, author: { emailAddress: options.email, displayName: 'Plugboard' } });
  }

  function search(res: ServerResponse, jql: string) {
    const match = JQL.exec(jql);
    if (!match) return refused(res, 400, `Error in the JQL Query: ${jql}`);
    if (match[1] !== projectKey) return refused(res, 400, `The value '${match[1]}' does not exist for the field 'project'.`);
    // Jira's text search, roughly: the words, escapes dropped, anywhere in the summary.
    const words = match[2].replaceAll('\\', '').toLowerCase();
    const found = [...issues.values()].filter((issue) => String(issue.fields.summary).toLowerCase().includes(words));
    json(res, 200, { issues: found.map((issue) => ({ expand: '', id: issue.id, self: `${base}/rest/api/2/issue/${issue.id}`, key: issue.key, fields: { summary: issue.fields.summary } })), isLast: true });
  }

  function issueTypeMeta(res: ServerResponse, key: string, typeId: string | undefined) {
    if (key !== projectKey) return refused(res, 404, `No project could be found with key '${key}'.`);
    if (typeId === undefined) {
      const values = issueTypes.map(({ id, name, subtask }) => ({ self: `${base}/rest/api/2/issuetype/${id}`, id, name, subtask, description: '' }));
      return json(res, 200, { maxResults: 50, startAt: 0, total: values.length, issueTypes: values });
    }
    const type = issueTypes.find((t) => t.id === typeId);
    if (!type) return refused(res, 404, `Issue type with id '${typeId}' does not exist.`);
    const fields = type.fields.map((f) => ({ ...f, key: f.fieldId, hasDefaultValue: f.defaultValue !== undefined, operations: ['set'] }));
    json(res, 200, { maxResults: 50, startAt: 0, total: fields.length, fields });
  }

  const handle = (req: IncomingMessage, res: ServerResponse, text: string) => {
    if (nextAnswer.sendIfPending(res)) return;
    const url = new URL(req.url ?? '/', 'http://jira');
    const method = req.method ?? 'GET';
    const authorization = req.headers.authorization;
    const writer = authorization === basic(options);
    if (!writer && !(options.viewer && authorization === basic(options.viewer))) {
      return refused(res, 401, 'You are not authenticated. Authentication required to perform this operation.');
    }
    const parts = (route: RegExp) => route.exec(url.pathname)?.map((part) => (part === undefined ? undefined : decodeURIComponent(part)));

    if (method === 'GET' && ROUTES.search.test(url.pathname)) return search(res, url.searchParams.get('jql') ?? '');
    const meta = parts(ROUTES.createmeta);
    if (meta && method === 'GET') return issueTypeMeta(res, meta[1]!, meta[2]);
    const route = parts(ROUTES.issue);
    if (!route || meta) return refused(res, 404, `null for uri: ${base}${url.pathname}`);
    const [, idOrKey, sub] = route;
    const allowed = idOrKey === undefined ? ['POST'] : sub === '/comment' ? ['POST'] : sub === '/transitions' ? ['GET', 'POST'] : ['GET', 'PUT'];
    if (!allowed.includes(method)) return res.writeHead(405).end();
    if (method !== 'GET' && !writer) {
      return refused(res, 403, idOrKey === undefined ? 'You do not have permission to create issues in this project.' : 'You do not have permission to edit issues in this project.');
    }
    let body: Record<string, unknown> = {};
    if (method !== 'GET') {
      try {
        body = JSON.parse(text) as Record<string, unknown>;
      } catch {
        return refused(res, 400, 'Unexpected character in the request body: it is not JSON.');
      }
    }
    if (idOrKey === undefined) return createIssue(res, body);
    const issue = findIssue(idOrKey);
    if (!issue) return refused(res, 404, 'Issue does not exist or you do not have permission to see it.');
    if (sub === '/comment') return addComment(res, issue, body);
    if (sub === '/transitions') return method === 'GET' ? transitions(res, issue) : transition(res, issue, body);
    return method === 'GET' ? json(res, 200, issueJson(issue)) : updateIssue(res, issue, body);
  };

  const server = await startRecordingServer(handle);
  base = server.url;
  return { url: server.url, requests: server.requests, issues, issueTypes, failNext: nextAnswer.set, close: server.close };
}
