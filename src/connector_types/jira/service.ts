import { answerFacts, ExecutorError } from '../../actions/failure.js';
import type { ExecutorContext } from '../../actions/types.js';
import { CallError, checkedRequest, type Method } from '../lib/checked_request.js';
import type { CaseService, PushedRecord } from '../lib/push_to_service.js';
import { CONNECTOR_NAME, type JiraConfig, type JiraIncident, type JiraParams, type JiraSecrets } from './schema.js';

// Jira's REST API v2 as Kibana's .jira calls it (reference §1, C/jira/service.ts): Basic
// authentication with the account's email and API token, answers checked as Kibana checks them,
// and each failure worded `[Action][Jira]: <what>. Error: <error>. Reason: <Jira's reason>`.

type Context = ExecutorContext<JiraConfig, JiraSecrets, JiraParams>;

/** A field of an issue type, as Kibana hands it on. */
export interface IssueTypeField {
  required?: boolean;
  allowedValues: unknown[];
  defaultValue: unknown;
  schema?: unknown;
  name?: string;
}

/** Kibana's reading of Jira's error body: its errorMessages, else the values of its errors. */
export function jiraReason(data: unknown): string {
  if (data == null) return 'unknown: errorResponse was null';
  const { errorMessages, errors } = data as { errorMessages?: unknown; errors?: unknown };
  if (Array.isArray(errorMessages) && errorMessages.length > 0) return errorMessages.join(', ');
  if (errors == null) return 'unknown: errorResponse.errors was null';
  // Each value after the first is joined with a space, as long as what came before is not empty.
  return Object.values(errors as Record<string, unknown>).reduce<string>((text, value) => (text.length > 0 ? `${text} ${String(value)}` : String(value)), '');
}

/**
 * Kibana's wording of a failed step. A 429 is the user's, as Kibana tags it; the queue reads the
 * answer's status and Retry-After (or, for a step that failed in a step, the inner answer's).
 */
function stepFailed(step: string, err: unknown): ExecutorError {
  const response = err instanceof CallError ? err.response : undefined;
  const message = `[Action][${CONNECTOR_NAME}]: ${step}. Error: ${(err as Error).message}. Reason: ${jiraReason(response?.data)}`;
  const failure = response ? answerFacts(response) : err instanceof ExecutorError ? err.failure : undefined;
  return new ExecutorError(message, response?.status === 429 ? 'user' : 'framework', failure);
}

async function step<T>(what: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    throw stepFailed(what, err);
  }
}

/** Jira's text search syntax: quotes dropped, a backslash doubled, a single quote and each special character escaped (Kibana's escapeJqlSpecialCharacters). */
export function escapeJqlText(text: string): string {
  return text
    .replaceAll('"', '')
    .replaceAll('\\', '\\\\')
    .replaceAll("'", '\\\\')
    .replace(/[-!^+&*()[\]/{}|:?~]/g, '\\\\$&');
}

/** The summary on one line: each line trimmed, empty ones dropped, the rest joined with commas. */
function oneLine(summary: string): string {
  return summary
    .split(/[\n\r]/)
    .map((line) => line.trim())
    .filter((line) => line !== '')
    .join(', ');
}

/** The issue's `fields` as Kibana builds them; otherFields go last, so they win. */
export function issueFields(projectKey: string, incident: Partial<JiraIncident>): Record<string, unknown> {
  return {
    summary: oneLine(incident.summary ?? ''),
    project: { key: projectKey },
    ...(incident.issueType ? { issuetype: { id: incident.issueType } } : {}),
    ...(incident.description ? { description: incident.description } : {}),
    ...(incident.labels ? { labels: incident.labels } : {}),
    ...(incident.priority ? { priority: { name: incident.priority } } : {}),
    ...(incident.parent ? { parent: { key: incident.parent } } : {}),
    ...incident.otherFields,
  };
}

interface RawField {
  fieldId: string;
  required?: boolean;
  allowedValues?: unknown[];
  defaultValue?: unknown;
  schema?: unknown;
  name?: string;
}

/** A transition as Jira lists it: its id and name, and the status it leads to. */
export interface JiraTransition {
  id: string;
  name: string;
  to?: { name?: string; statusCategory?: { key?: string } };
}

interface RawIssue {
  id: string;
  key: string;
  fields?: Record<string, unknown>;
}

export function jiraService(ctx: Context) {
  const { apiUrl, projectKey } = ctx.config;
  const { email, apiToken } = ctx.secrets;
  const site = apiUrl.endsWith('/') ? apiUrl.slice(0, -1) : apiUrl;
  // Path segments are sent encoded: no Jira key or id changes, and none can reach another route.
  const issuesUrl = `${site}/rest/api/2/issue`;
  const issueUrl = (id: string) => `${issuesUrl}/${encodeURIComponent(id)}`;
  const issueTypesUrl = `${issuesUrl}/createmeta/${encodeURIComponent(projectKey)}/issuetypes`;
  const headers = { Authorization: `Basic ${Buffer.from(`${email}:${apiToken}`).toString('base64')}` };
  const browseUrl = (key: string) => `${site}/browse/${key}`;
  const call = (method: Method, url: string, required: string[] = [], body?: unknown) => checkedRequest(ctx, { method, url, headers, body, required });

  async function getIncident(id: string): Promise<Record<string, unknown>> {
    return step(`Unable to get incident with id ${id}`, async () => {
      const { id: issueId, key, fields = {} } = (await call('GET', issueUrl(id), ['id', 'key'])) as unknown as RawIssue;
      return { id: issueId, key, created: fields.created, updated: fields.updated, ...fields };
    });
  }

  async function issueTypes(): Promise<Array<{ id: string; name: string }>> {
    return step('Unable to get issue types', async () => {
      // Jira Cloud answers `issueTypes`, Jira Data Center `values`.
      const data = (await call('GET', issueTypesUrl)) as { issueTypes?: Array<{ id: string; name: string }>; values?: Array<{ id: string; name: string }> };
      return (data.issueTypes || data.values || []).map(({ id, name }) => ({ id, name }));
    });
  }

  async function fieldsByIssueType(issueTypeId: string): Promise<Record<string, IssueTypeField>> {
    return step('Unable to get fields', async () => {
      // Jira Cloud answers `fields`, Jira Data Center `values`.
      const data = (await call('GET', `${issueTypesUrl}/${encodeURIComponent(issueTypeId)}`)) as { fields?: RawField[]; values?: RawField[] };
      const byId: Record<string, IssueTypeField> = {};
      for (const field of data.fields || data.values || []) {
        byId[field.fieldId] = { required: field.required, allowedValues: field.allowedValues ?? [], defaultValue: field.defaultValue ?? {}, schema: field.schema, name: field.name };
      }
      return byId;
    });
  }

  /** The fields every issue type has, as the first type describes them. */
  async function commonFields(): Promise<Record<string, IssueTypeField>> {
    const perType = await Promise.all((await issueTypes()).map(({ id }) => fieldsByIssueType(id)));
    const [first, ...others] = perType;
    if (!first) return {};
    return Object.fromEntries(Object.entries(first).filter(([fieldId]) => others.every((fields) => fieldId in fields)));
  }

  async function searchIssues(title: string): Promise<Array<{ id: string; key: string; title: string | null }>> {
    const jql = `project="${projectKey}" and summary ~"${escapeJqlText(title)}"`;
    const url = `${site}/rest/api/2/search/jql?jql=${encodeURIComponent(jql)}&fields=summary,key`;
    return step('Unable to get issues', async () => {
      const { issues } = (await call('GET', url)) as { issues?: RawIssue[] };
      return (issues ?? []).map((issue) => ({ id: issue.id, key: issue.key, title: (issue.fields?.summary as string | undefined) ?? null }));
    });
  }

  async function getIssue(id: string): Promise<{ id: string; key: string; title: string | null }> {
    return step(`Unable to get issue with id ${id}`, async () => {
      const issue = (await call('GET', issueUrl(id))) as unknown as RawIssue;
      return { id: issue.id, key: issue.key, title: (issue.fields?.summary as string | undefined) ?? null };
    });
  }

  /** The issue as pushed: its key as title, its page, and the date Jira gives (`created` or `updated`). */
  async function pushed(id: string, date: 'created' | 'updated'): Promise<PushedRecord> {
    const issue = await getIncident(id);
    return { title: issue.key as string, id: issue.id as string, pushedDate: new Date(issue[date] as string).toISOString(), url: browseUrl(issue.key as string) };
  }

  const cases: CaseService<JiraIncident> = {
    async createIncident(incident) {
      // Jira requires an issue type: without one, the project's first (looked up outside the step, as Kibana does).
      const issueType = incident.issueType || ((await issueTypes())[0]?.id ?? '');
      return step('Unable to create incident', async () => {
        const created = await call('POST', issuesUrl, ['id'], { fields: issueFields(projectKey, { ...incident, issueType }) });
        return pushed(String(created.id), 'created');
      });
    },
    async updateIncident(externalId, incident) {
      const set = Object.fromEntries(Object.entries(incident).filter(([, value]) => value != null)) as Partial<JiraIncident>;
      return step(`Unable to update incident with id ${externalId}`, async () => {
        await call('PUT', issueUrl(externalId), [], { fields: issueFields(projectKey, set) });
        return pushed(externalId, 'updated');
      });
    },
    async addComment(issueId, { comment }) {
      if (!comment) return null;
      return step(`Unable to create comment at incident with id ${issueId}`, async () => {
        const created = await call('POST', `${issueUrl(issueId)}/comment`, ['id', 'created'], { body: comment });
        return new Date(created.created as string).toISOString();
      });
    },
  };

  /** The transitions the issue offers now (Jira's GET …/transitions). */
  async function transitions(id: string): Promise<JiraTransition[]> {
    return step(`Unable to get transitions of incident with id ${id}`, async () => {
      const data = (await call('GET', `${issueUrl(id)}/transitions`)) as { transitions?: JiraTransition[] };
      return data.transitions ?? [];
    });
  }

  async function transition(id: string, transitionId: string): Promise<void> {
    await step(`Unable to transition incident with id ${id}`, () => call('POST', `${issueUrl(id)}/transitions`, [], { transition: { id: transitionId } }));
  }

  return { cases, transitions, transition, getIncident, issueTypes, fieldsByIssueType, commonFields, searchIssues, getIssue };
}
