import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ReadOutcome } from '../../actions/executor.js';
import type { ActionResult, ConnectorServices } from '../../actions/types.js';
import { validateConfig, validateParams, validateSecrets } from '../../actions/validation.js';
import { installZod3Messages } from '../../common/zod_messages.js';
import { makeConfigurationUtilities, makeContext, makeServices, runAsAction, thrownMessage } from '../lib/test_context.js';
import { jiraConnectorType } from './index.js';
import { secretsSchema, type JiraConfig, type JiraParams, type JiraSecrets } from './schema.js';
import { escapeJqlText, jiraReason } from './service.js';
import { startJiraSimulator, type JiraSimulator } from './simulator.js';

installZod3Messages();

const def = jiraConnectorType;
const ctx = { configurationUtilities: makeConfigurationUtilities() };
const EMAIL = 'soc@example.com';
const TOKEN = 'jira-api-token-123';
const PROJECT = 'SEC';
const push = (incident: Record<string, unknown>, comments: unknown = null) => ({ subAction: 'pushToService', subActionParams: { incident, comments } });
const NULL_INCIDENT = { description: null, externalId: null, issueType: null, priority: null, labels: null, parent: null, otherFields: null };
const failed = (serviceMessage: string, errorSource = 'framework') => ({
  status: 'error',
  actionId: 'jira-1',
  message: 'an error occurred while running the action',
  serviceMessage,
  retry: true,
  errorSource,
});
const ISO_OF_JIRA = (jiraDate: unknown) => new Date(String(jiraDate)).toISOString();

describe('.jira definition and validation', () => {
  it("has Kibana's identity; both secrets are secret", () => {
    expect(def).toMatchObject({ id: '.jira', name: 'Jira', minimumLicenseRequired: 'gold', supportedFeatureIds: ['alerting', 'cases', 'uptime', 'siem'] });
    for (const f of Object.values(secretsSchema.shape)) expect(f.meta()).toMatchObject({ secret: true });
  });

  it('validates config and secrets: both fields required, strict, apiUrl held to allowedHosts', () => {
    const config = { apiUrl: 'https://example.atlassian.net', projectKey: PROJECT };
    expect(validateConfig(def, config, ctx)).toEqual(config);
    expect(thrownMessage(() => validateConfig(def, { projectKey: PROJECT }, ctx))).toBe('error validating connector type config: Field "apiUrl": Required');
    expect(thrownMessage(() => validateConfig(def, { apiUrl: config.apiUrl }, ctx))).toBe('error validating connector type config: Field "projectKey": Required');
    expect(thrownMessage(() => validateConfig(def, { ...config, apiToken: 'x' }, ctx))).toBe("error validating connector type config: Unrecognized key(s) in object: 'apiToken'");
    const restricted = { configurationUtilities: makeConfigurationUtilities({ allowedHosts: ['example.atlassian.net'] }) };
    expect(validateConfig(def, config, restricted)).toEqual(config);
    expect(thrownMessage(() => validateConfig(def, { ...config, apiUrl: 'http://jira.mynonexistent.com' }, restricted))).toBe(
      'error validating connector type config: error configuring connector action: target url "http://jira.mynonexistent.com" is not added to the Kibana config xpack.actions.allowedHosts',
    );

    expect(validateSecrets(def, { email: EMAIL, apiToken: TOKEN }, ctx)).toEqual({ email: EMAIL, apiToken: TOKEN });
    expect(thrownMessage(() => validateSecrets(def, {}, ctx))).toBe('error validating connector type secrets: 2 errors:\n [1]: Field "email": Required;\n [2]: Field "apiToken": Required');
    expect(thrownMessage(() => validateSecrets(def, { email: EMAIL, apiToken: TOKEN, password: 'x' }, ctx))).toBe("error validating connector type secrets: Unrecognized key(s) in object: 'password'");
  });

  it("validates params as Kibana's schema: a union on subAction, incident fields null by default, labels without spaces", () => {
    expect(validateParams(def, push({ summary: 'a title' }), ctx)).toEqual(push({ summary: 'a title', ...NULL_INCIDENT }));
    expect(validateParams(def, { subAction: 'handshake', subActionParams: {} }, ctx)).toEqual({ subAction: 'handshake', subActionParams: {} });
    expect(validateParams(def, { subAction: 'getFields', subActionParams: { any: 1 } }, ctx)).toEqual({ subAction: 'getFields', subActionParams: { any: 1 } });
    expect(thrownMessage(() => validateParams(def, { subAction: 'non-supported' }, ctx))).toBe(
      "error validating action params: Field \"subAction\": Invalid discriminator value. Expected 'getFields' | 'getIncident' | 'handshake' | 'pushToService' | 'issueTypes' | 'fieldsByIssueType' | 'issues' | 'issue'",
    );
    expect(thrownMessage(() => validateParams(def, { subAction: 'pushToService' }, ctx))).toBe('error validating action params: Field "subActionParams": Required');
    expect(thrownMessage(() => validateParams(def, push({ description: 'success' }, []), ctx))).toBe('error validating action params: Field "subActionParams.incident.summary": Required');
    expect(thrownMessage(() => validateParams(def, push({ summary: 's' }, [{ comment: 'c' }]), ctx))).toBe('error validating action params: Field "subActionParams.comments.0.commentId": Required');
    expect(thrownMessage(() => validateParams(def, push({ summary: 's' }, [{ commentId: 'c' }]), ctx))).toBe('error validating action params: Field "subActionParams.comments.0.comment": Required');
    expect(thrownMessage(() => validateParams(def, push({ summary: 's', title: 'x' }), ctx))).toBe("error validating action params: Field \"subActionParams.incident\": Unrecognized key(s) in object: 'title'");
    expect(thrownMessage(() => validateParams(def, push({ summary: 's', labels: ['ok', 'label with spaces'] }), ctx))).toBe(
      'error validating action params: Field "subActionParams.incident.labels.1": The label label with spaces cannot contain spaces',
    );
    expect(thrownMessage(() => validateParams(def, push({ summary: 's', labels: ['tab\there'] }), ctx))).toMatch(/The label tab\there cannot contain spaces$/);
    expect(thrownMessage(() => validateParams(def, { subAction: 'issue', subActionParams: {} }, ctx))).toBe('error validating action params: Field "subActionParams.id": Required');
    expect(thrownMessage(() => validateParams(def, { subAction: 'issueTypes', subActionParams: { x: 1 } }, ctx))).toBe("error validating action params: Field \"subActionParams\": Unrecognized key(s) in object: 'x'");
  });

  it('takes otherFields as an object or JSON text: at most 20 keys, none of the incident fields', () => {
    const incident = (otherFields: unknown) => push({ summary: 's', otherFields });
    const otherFieldsOf = (params: unknown) => ((validateParams(def, params, ctx) as JiraParams).subActionParams as { incident: { otherFields: unknown } }).incident.otherFields;
    expect(otherFieldsOf(incident({ foo: 'bar' }))).toEqual({ foo: 'bar' });
    expect(otherFieldsOf(incident('{ "foo": "bar" }'))).toEqual({ foo: 'bar' });
    expect(otherFieldsOf(incident(null))).toBeNull();
    const tooMany = Object.fromEntries(Array.from({ length: 21 }, (_, i) => [String(i), 'foobar']));
    expect(thrownMessage(() => validateParams(def, incident(tooMany), ctx))).toBe(
      'error validating action params: Field "subActionParams.incident.otherFields": A maximum of 20 fields in otherFields can be defined at a time.',
    );
    expect(otherFieldsOf(incident(Object.fromEntries(Object.entries(tooMany).slice(1))))).toHaveProperty('20');
    expect(thrownMessage(() => validateParams(def, incident({ summary: 'foo' }), ctx))).toBe(
      'error validating action params: Field "subActionParams.incident.otherFields.summary": The following properties cannot be defined inside otherFields: summary.',
    );
    expect(thrownMessage(() => validateParams(def, incident('{"foo": '), ctx))).toMatch(/^error validating action params: Field "subActionParams\.incident\.otherFields": .*JSON/);
  });

  it("escapes a title for Jira's text search as Kibana does, and reads Jira's error bodies", () => {
    expect(escapeJqlText('Disk "full" on web-1 (prod)')).toBe('Disk full on web\\\\-1 \\\\(prod\\\\)');
    expect(escapeJqlText("it's a\\b")).toBe('it\\\\s a\\\\b');
    expect(escapeJqlText('-!^+&*()[]/{}|:?~')).toBe('-!^+&*()[]/{}|:?~'.replace(/./g, '\\\\$&'));

    expect(jiraReason(undefined)).toBe('unknown: errorResponse was null');
    expect(jiraReason({})).toBe('unknown: errorResponse.errors was null');
    expect(jiraReason({ errorMessages: [], errors: {} })).toBe('');
    expect(jiraReason({ errorMessages: ['one', 'two'], errors: { a: 'x' } })).toBe('one, two');
    expect(jiraReason({ errorMessages: [], errors: { summary: 'You must specify a summary of the issue.', labels: 'Bad label.' } })).toBe(
      'You must specify a summary of the issue. Bad label.',
    );
  });
});

describe('.jira execution against the simulator', () => {
  let sim: JiraSimulator;
  let services: ConnectorServices;

  beforeAll(async () => {
    sim = await startJiraSimulator({ email: EMAIL, apiToken: TOKEN, projectKey: PROJECT, viewer: { email: 'viewer@example.com', apiToken: 'viewer-token' } });
    services = makeServices();
  });
  afterAll(async () => {
    await services.http.close();
    await sim.close();
  });
  beforeEach(() => {
    sim.requests.length = 0;
  });

  function outcome(params: unknown, overrides: { config?: Record<string, unknown>; secrets?: Record<string, unknown> } = {}): Promise<ReadOutcome> {
    const config = validateConfig(def, { apiUrl: sim.url, projectKey: PROJECT, ...overrides.config }, ctx) as JiraConfig;
    const secrets = validateSecrets(def, { email: EMAIL, apiToken: TOKEN, ...overrides.secrets }, ctx) as JiraSecrets;
    const context = makeContext({ config, secrets, params: validateParams(def, params, ctx) as JiraParams }, { connectorId: 'jira-1', services });
    return runAsAction(def, context);
  }
  const run = async (params: unknown, overrides: Parameters<typeof outcome>[1] = {}): Promise<ActionResult> => (await outcome(params, overrides)).result;
  const data = async (params: unknown) => {
    const result = await run(params);
    expect(result.status, result.serviceMessage).toBe('ok');
    return result.data as any;
  };
  const bodyOf = (index: number) => JSON.parse(sim.requests[index].body);

  it('follows an alert: closes and reopens the issue by the transitions Jira offers, by default or by name; an unknown one fails naming those offered', async () => {
    const config = validateConfig(def, { apiUrl: sim.url, projectKey: PROJECT }, ctx) as JiraConfig;
    const secrets = validateSecrets(def, { email: EMAIL, apiToken: TOKEN }, ctx) as JiraSecrets;
    const context = makeContext({ config, secrets, params: validateParams(def, push({ summary: 'Followed', issueType: '10001' }), ctx) as JiraParams }, { connectorId: 'jira-1', services });
    const option = { reopenWithin: '1h', resolve: 'close' as const, resolveComment: 'x' };
    const follow = def.follow!;
    const { id } = await follow.push(context, null);
    const status = () => (sim.issues.get(id)!.fields.status as { name: string; statusCategory: { key: string } });
    expect(status()).toMatchObject({ name: 'To Do', statusCategory: { key: 'new' } });

    // Jira's listing: each transition with its target status and that status's category.
    const authorization = `Basic ${Buffer.from(`${EMAIL}:${TOKEN}`).toString('base64')}`;
    const listed = await fetch(`${sim.url}/rest/api/2/issue/${id}/transitions`, { headers: { authorization } });
    expect(((await listed.json()) as { transitions: unknown[] }).transitions).toMatchObject([
      { id: '21', name: 'In Progress', to: { name: 'In Progress', statusCategory: { key: 'indeterminate' } } },
      { id: '31', name: 'Done', to: { name: 'Done', statusCategory: { key: 'done' } } },
    ]);
    await follow.comment(context, id, 'Resolved');
    await follow.close(context, id, option);
    expect(status().name).toBe('Done');
    expect(sim.issues.get(id)!.comments.map((c) => c.body)).toEqual(['Resolved']);
    await follow.reopen(context, id, { ...option, jira: { reopenTransition: 'In Progress' } });
    expect(status().name).toBe('In Progress');
    await expect(follow.close(context, id, { ...option, jira: { closeTransition: 'Resolve Issue' } })).rejects.toThrow(
      `[Action][Jira]: Issue ${id} offers no transition named "Resolve Issue"; it offers: To Do, Done`,
    );

    // A transition the issue does not offer is Jira's 400.
    const refused = await fetch(`${sim.url}/rest/api/2/issue/${id}/transitions`, {
      method: 'POST',
      headers: { authorization, 'content-type': 'application/json' },
      body: JSON.stringify({ transition: { id: '21' } }),
    });
    expect(refused.status).toBe(400);
    expect(await refused.json()).toEqual({ errorMessages: ["Transition id '21' is not valid for this issue."], errors: {} });
  });

  it("creates an issue of the project's first type when none is given, and answers as Kibana: key as title, the browse URL, Jira's created date", async () => {
    const result = await run(push({ summary: 'CPU high', description: 'on web-1' }, []));
    const issue = [...sim.issues.values()].at(-1)!;
    expect(result).toEqual({
      status: 'ok',
      actionId: 'jira-1',
      data: { id: issue.id, title: issue.key, url: `${sim.url}/browse/${issue.key}`, pushedDate: ISO_OF_JIRA(issue.fields.created) },
    });
    expect(sim.requests.map((r) => [r.method, r.path])).toEqual([
      ['GET', `/rest/api/2/issue/createmeta/${PROJECT}/issuetypes`],
      ['POST', '/rest/api/2/issue'],
      ['GET', `/rest/api/2/issue/${issue.id}`],
    ]);
    expect(sim.requests[1].headers).toMatchObject({ authorization: `Basic ${Buffer.from(`${EMAIL}:${TOKEN}`).toString('base64')}`, 'content-type': 'application/json' });
    expect(bodyOf(1)).toEqual({ fields: { summary: 'CPU high', project: { key: PROJECT }, issuetype: { id: '10001' }, description: 'on web-1' } });
  });

  it('sends every incident field (summary on one line, otherFields last and winning), then each comment in order, skipping empty ones', async () => {
    const parent = await data(push({ summary: 'Parent', issueType: '10001' }));
    sim.requests.length = 0;
    const incident = {
      summary: '  Disk full\r\n\n on web-1 ',
      description: 'details',
      issueType: '10001',
      priority: 'High',
      labels: ['disk', 'prod'],
      parent: parent.title,
      otherFields: { issuetype: { id: '10002' } },
    };
    const comments = [
      { commentId: 'c1', comment: 'first' },
      { commentId: 'c2', comment: '' },
      { commentId: 'c3', comment: 'third' },
    ];
    const result = await data(push(incident, comments));
    const issue = sim.issues.get(result.id)!;
    expect(bodyOf(0)).toEqual({
      fields: {
        summary: 'Disk full, on web-1',
        project: { key: PROJECT },
        issuetype: { id: '10002' },
        description: 'details',
        labels: ['disk', 'prod'],
        priority: { name: 'High' },
        parent: { key: parent.title },
      },
    });
    expect(issue.comments.map((c) => c.body)).toEqual(['first', 'third']);
    expect(sim.requests.slice(2).map((r) => [r.method, r.path, JSON.parse(r.body)])).toEqual([
      ['POST', `/rest/api/2/issue/${issue.id}/comment`, { body: 'first' }],
      ['POST', `/rest/api/2/issue/${issue.id}/comment`, { body: 'third' }],
    ]);
    expect(result).toEqual({
      id: issue.id,
      title: issue.key,
      url: `${sim.url}/browse/${issue.key}`,
      pushedDate: ISO_OF_JIRA(issue.fields.created),
      comments: [
        { commentId: 'c1', pushedDate: ISO_OF_JIRA(issue.comments[0].created) },
        { commentId: 'c3', pushedDate: ISO_OF_JIRA(issue.comments[1].created) },
      ],
    });
    expect(Object.keys(result)).toEqual(['title', 'id', 'pushedDate', 'url', 'comments']);
  });

  it('updates the issue externalId names without its unset fields, dated by Jira’s updated; a trailing slash of the URL is dropped', async () => {
    const created = await data(push({ summary: 'To update', issueType: '10001', labels: ['a'] }));
    sim.requests.length = 0;
    const result = (await outcome(push({ summary: 'Updated', externalId: created.title, priority: 'Low' }, [{ commentId: 'c1', comment: 'note' }]), { config: { apiUrl: `${sim.url}/` } })).result;
    const issue = sim.issues.get(created.id)!;
    expect(sim.requests.map((r) => [r.method, r.path])).toEqual([
      ['PUT', `/rest/api/2/issue/${created.title}`],
      ['GET', `/rest/api/2/issue/${created.title}`],
      ['POST', `/rest/api/2/issue/${created.id}/comment`],
    ]);
    expect(bodyOf(0)).toEqual({ fields: { summary: 'Updated', project: { key: PROJECT }, priority: { name: 'Low' } } });
    expect(issue.fields).toMatchObject({ summary: 'Updated', labels: ['a'], priority: { name: 'Low' } });
    expect(result.data).toEqual({
      id: created.id,
      title: created.title,
      url: `${sim.url}/browse/${created.title}`,
      pushedDate: ISO_OF_JIRA(issue.fields.updated),
      comments: [{ commentId: 'c1', pushedDate: ISO_OF_JIRA(issue.comments[0].created) }],
    });
  });

  it('reads issues, issue types and fields as Kibana hands them on', async () => {
    const created = await data(push({ summary: 'Login (failed) from 10.0.0.1', issueType: '10001', otherFields: { customfield_10020: 'Blue' } }));
    const issue = sim.issues.get(created.id)!;
    expect(await data({ subAction: 'getIncident', subActionParams: { externalId: created.id } })).toEqual({
      id: issue.id,
      key: issue.key,
      ...issue.fields,
      created: issue.fields.created,
      updated: issue.fields.updated,
    });
    expect(await data({ subAction: 'issue', subActionParams: { id: created.title } })).toEqual({ id: issue.id, key: issue.key, title: 'Login (failed) from 10.0.0.1' });

    sim.requests.length = 0;
    expect(await data({ subAction: 'issues', subActionParams: { title: 'login (failed)' } })).toEqual([{ id: issue.id, key: issue.key, title: 'Login (failed) from 10.0.0.1' }]);
    const search = new URL(sim.requests[0].path, sim.url);
    expect(search.pathname).toBe('/rest/api/2/search/jql');
    expect(search.searchParams.get('jql')).toBe(`project="${PROJECT}" and summary ~"login \\\\(failed\\\\)"`);
    expect(search.searchParams.get('fields')).toBe('summary,key');
    expect(await data({ subAction: 'issues', subActionParams: { title: 'nothing like it' } })).toEqual([]);

    expect(await data({ subAction: 'issueTypes', subActionParams: {} })).toEqual([
      { id: '10001', name: 'Task' },
      { id: '10002', name: 'Sub-task' },
    ]);
    const taskFields = await data({ subAction: 'fieldsByIssueType', subActionParams: { id: '10001' } });
    expect(Object.keys(taskFields)).toEqual(['summary', 'issuetype', 'project', 'description', 'labels', 'priority', 'customfield_10020']);
    expect(taskFields.summary).toEqual({ required: true, allowedValues: [], defaultValue: {}, schema: { type: 'string', system: 'summary' }, name: 'Summary' });
    expect(taskFields.priority).toMatchObject({ required: false, allowedValues: expect.arrayContaining([{ id: '2', name: 'High' }]), defaultValue: { id: '3', name: 'Medium' } });
    // Only the fields both types have, as the first describes them.
    const common = await data({ subAction: 'getFields', subActionParams: {} });
    expect(Object.keys(common)).toEqual(['summary', 'issuetype', 'project', 'description', 'labels', 'priority']);
    expect(common.priority).toEqual(taskFields.priority);
  });

  it("reads Jira Data Center's answers (values), and refuses handshake as Kibana does", async () => {
    sim.failNext(200, JSON.stringify({ values: [{ id: '1', name: 'Bug', subtask: false }], isLast: true }));
    expect(await data({ subAction: 'issueTypes', subActionParams: {} })).toEqual([{ id: '1', name: 'Bug' }]);
    sim.failNext(200, JSON.stringify({ values: [{ fieldId: 'summary', name: 'Summary', required: true, schema: { type: 'string' } }] }));
    expect(await data({ subAction: 'fieldsByIssueType', subActionParams: { id: '1' } })).toEqual({ summary: { required: true, allowedValues: [], defaultValue: {}, schema: { type: 'string' }, name: 'Summary' } });

    const handshake = await outcome({ subAction: 'handshake', subActionParams: {} });
    expect(handshake).toEqual({ result: failed('[Action][ExternalService] subAction handshake not implemented.'), failure: { permanent: true } });
    const wrong = await run({ subAction: 'issueTypes', subActionParams: {} }, { config: { projectKey: '' } });
    expect(wrong).toEqual(failed('[Action]Jira: Wrong configuration.'));
    expect(sim.requests).toHaveLength(2);
  });

  it("words Jira's failures as Kibana does, with Jira's reasons; the queue reads the status", async () => {
    const denied = await outcome({ subAction: 'issueTypes', subActionParams: {} }, { secrets: { apiToken: 'wrong-token-xyz' } });
    expect(denied).toEqual({
      result: failed('[Action][Jira]: Unable to get issue types. Error: Request failed with status code 401. Reason: You are not authenticated. Authentication required to perform this operation.'),
      failure: { httpStatus: 401 },
    });
    expect(JSON.stringify(denied)).not.toContain('wrong-token-xyz');

    const viewer = await outcome(push({ summary: 's', issueType: '10001' }), { secrets: { email: 'viewer@example.com', apiToken: 'viewer-token' } });
    expect(viewer.result).toEqual(failed('[Action][Jira]: Unable to create incident. Error: Request failed with status code 403. Reason: You do not have permission to create issues in this project.'));
    expect(viewer.failure).toEqual({ httpStatus: 403 });

    expect(await run({ subAction: 'getIncident', subActionParams: { externalId: 'SEC-999' } })).toEqual(
      failed('[Action][Jira]: Unable to get incident with id SEC-999. Error: Request failed with status code 404. Reason: Issue does not exist or you do not have permission to see it.'),
    );
    expect(await run(push({ summary: 's', externalId: 'SEC-999' }))).toEqual(
      failed('[Action][Jira]: Unable to update incident with id SEC-999. Error: Request failed with status code 404. Reason: Issue does not exist or you do not have permission to see it.'),
    );
    expect(await run({ subAction: 'issue', subActionParams: { id: 'SEC-999' } })).toEqual(
      failed('[Action][Jira]: Unable to get issue with id SEC-999. Error: Request failed with status code 404. Reason: Issue does not exist or you do not have permission to see it.'),
    );
    expect(await run({ subAction: 'fieldsByIssueType', subActionParams: { id: '1' } }, { config: { projectKey: 'OTHER' } })).toEqual(
      failed("[Action][Jira]: Unable to get fields. Error: Request failed with status code 404. Reason: No project could be found with key 'OTHER'."),
    );
    expect(await run({ subAction: 'issues', subActionParams: { title: 'x' } }, { config: { projectKey: 'OTHER' } })).toEqual(
      failed("[Action][Jira]: Unable to get issues. Error: Request failed with status code 400. Reason: The value 'OTHER' does not exist for the field 'project'."),
    );
    // Fields Jira refuses: the values of its errors, joined.
    expect(await run(push({ summary: 's', issueType: '10001', priority: 'Urgent', otherFields: { foo: 'bar' } }))).toEqual(
      failed("[Action][Jira]: Unable to create incident. Error: Request failed with status code 400. Reason: Field 'foo' cannot be set. It is not on the appropriate screen, or unknown. Priority name 'Urgent' is not valid"),
    );
    expect(await run(push({ summary: 's', issueType: '10002' }))).toEqual(
      failed('[Action][Jira]: Unable to create incident. Error: Request failed with status code 400. Reason: Issue type is a sub-task but parent issue key or id not specified.'),
    );
    const issueId = (await data(push({ summary: 'commented', issueType: '10001' }))).id;
    sim.failNext(400, JSON.stringify({ errorMessages: [], errors: { comment: 'Comment body can not be empty!' } }));
    expect(await run(push({ summary: 'commented', externalId: issueId }, [{ commentId: 'c1', comment: 'x' }]))).toEqual(
      failed(`[Action][Jira]: Unable to update incident with id ${issueId}. Error: Request failed with status code 400. Reason: Comment body can not be empty!`),
    );
  });

  it('makes a 429 the user’s and hands its Retry-After to the queue; a step that fails inside another is worded inside it', async () => {
    sim.failNext(429, JSON.stringify({ errorMessages: ['Rate limit exceeded.'], errors: {} }), { 'Retry-After': '30' });
    const started = Date.now();
    const limited = await outcome({ subAction: 'issueTypes', subActionParams: {} });
    expect(limited.result).toEqual(failed('[Action][Jira]: Unable to get issue types. Error: Request failed with status code 429. Reason: Rate limit exceeded.', 'user'));
    expect(limited.failure?.httpStatus).toBe(429);
    expect(limited.failure?.retryAt?.getTime()).toBeGreaterThanOrEqual(started + 29_000);

    // Kibana reads the created issue back inside its create step: both wordings, the outer one's reason unknown.
    sim.failNext(201, JSON.stringify({ id: '99999', key: 'SEC-99999' }));
    const nested = await outcome(push({ summary: 'created, then gone', issueType: '10001' }));
    expect(nested.result).toEqual(
      failed(
        '[Action][Jira]: Unable to create incident. Error: [Action][Jira]: Unable to get incident with id 99999. Error: Request failed with status code 404. ' +
          'Reason: Issue does not exist or you do not have permission to see it.. Reason: unknown: errorResponse was null',
      ),
    );
    expect(nested.failure).toEqual({ httpStatus: 404 });
  });

  it("checks Jira's answers as Kibana does: JSON content type, an object, the fields it reads", async () => {
    sim.failNext(200, 'not json', { 'Content-Type': 'text/html' });
    expect(await run({ subAction: 'issueTypes', subActionParams: {} })).toEqual(
      failed(`[Action][Jira]: Unable to get issue types. Error: Unsupported content type: text/html in get ${sim.url}/rest/api/2/issue/createmeta/${PROJECT}/issuetypes. Supported content types: application/json. Reason: unknown: errorResponse was null`),
    );
    sim.failNext(200, 'not json');
    expect(await run({ subAction: 'issue', subActionParams: { id: '1' } })).toEqual(
      failed('[Action][Jira]: Unable to get issue with id 1. Error: Response is not a valid JSON. Reason: unknown: errorResponse was null'),
    );
    sim.failNext(201, JSON.stringify({ key: 'SEC-1' }));
    expect(await run(push({ summary: 's', issueType: '10001' }))).toEqual(
      failed('[Action][Jira]: Unable to create incident. Error: Response is missing at least one of the expected fields: id. Reason: unknown: errorResponse was null'),
    );
  });
});
