import { STATUS_CODES } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startJiraSimulator } from '../src/connector_types/jira/simulator.js';
import { startTinesSimulator, WEBHOOK_AGENT, type TinesSimulator } from '../src/connector_types/tines/simulator.js';
import { CONNECTOR_TYPE_FIXTURES } from './fixtures/connector_types.js';
import { availableDialects } from './helpers/databases.js';
import { startTestPlugboard, type TestPlugboard } from './helpers/plugboard.js';
import { startStatusSink, type StatusSink } from './helpers/status_sink.js';
import { eventually } from './helpers/wait.js';

// What `_execute` and a queued execution answer when a service fails, as Kibana answers it (its
// source and API tests): the result's `retry` and `errorSource` are Kibana's, type by type,
// while Plugboard's queue decides from what happened (a 4xx other than 429 is not sent again,
// a 429 with Retry-After pauses the connector, bad params fail at once). Also the sub-action
// framework's message for an unknown sub-action, and Tines's webhook lookup.

const dialects = await availableDialects();

// Defender's token request goes through the sub-action request in Kibana too: the same wording, whichever request failed.
const SUB_ACTION_TYPES = ['.opsgenie', '.tines', '.d3security', '.thehive', '.xsoar', '.gen-ai', '.bedrock', '.microsoft_defender_endpoint', '.sentinelone'];
/** Every type that calls a service over HTTP, aimed at one status sink. */
const HTTP_TYPES = Object.keys(CONNECTOR_TYPE_FIXTURES).filter((typeId) => CONNECTOR_TYPE_FIXTURES[typeId].success);
const STATUSES = [400, 429, 503] as const;
type Status = (typeof STATUSES)[number];

/**
 * Kibana's result for an answer of each status (429 with Retry-After: 120). A returned error:
 * its message (for a retry date, the text before the date), and its retry if any; Kibana's
 * action executor makes every returned error the user's.
 */
const RETURNED: Record<string, Record<Status, { message: string; retry?: true | 'date' }>> = {
  '.webhook': {
    400: { message: 'error calling webhook, invalid response' },
    429: { message: 'error calling webhook, retry at ', retry: 'date' },
    503: { message: 'error calling webhook, retry later', retry: true },
  },
  '.index': {
    400: { message: 'error indexing documents' },
    429: { message: 'error indexing documents' },
    503: { message: 'error indexing documents' },
  },
  '.pagerduty': {
    400: { message: 'error posting pagerduty event: unexpected status 400' },
    429: { message: 'error posting pagerduty event: http status 429, retry later', retry: true },
    503: { message: 'error posting pagerduty event: http status 503, retry later', retry: true },
  },
  '.xmatters': {
    400: { message: 'Error triggering xMatters flow: unexpected status 400' },
    429: { message: 'Error triggering xMatters flow: http status 429, retry later', retry: true },
    503: { message: 'Error triggering xMatters flow: http status 503, retry later', retry: true },
  },
  '.torq': {
    400: { message: 'error triggering Torq workflow, invalid response' },
    429: { message: 'error triggering Torq workflow, retry at ', retry: 'date' },
    503: { message: 'error triggering Torq workflow, retry later', retry: true },
  },
  '.slack': {
    400: { message: 'unexpected http response from slack: 400 Bad Request' },
    429: { message: 'error posting a slack message, retry at ', retry: 'date' },
    503: { message: 'error posting a slack message, retry later', retry: true },
  },
  '.slack_api': {
    400: { message: 'unexpected http response from slack: 400 Bad Request' },
    429: { message: 'error posting a slack message, retry at ', retry: 'date' },
    503: { message: 'error posting a slack message, retry later', retry: true },
  },
  // Kibana's Teams type reads rate limiting only from a 2xx answer's text.
  '.teams': {
    400: { message: 'error posting to Microsoft Teams, invalid response' },
    429: { message: 'error posting to Microsoft Teams, invalid response' },
    503: { message: 'error posting a Microsoft Teams message, retry later', retry: true },
  },
};

/** Classic types that throw their own wording of a failed call: retry, from the framework whatever the status. */
const THROWN_CLASSIC: Record<string, string> = { '.swimlane': '[Action][Swimlane]: Unable to create record in application with id contractApp. Status: ' };

/** Classic types that throw with the service's reason, a 429 being the user's (Kibana's Jira): the whole message by status. */
const THROWN_CLASSIC_REASONED: Record<string, (status: Status) => string> = {
  '.jira': (status) => `[Action][Jira]: Unable to get incident with id 10000. Error: Request failed with status code ${status}. Reason: unknown: errorResponse.errors was null`,
};
/**
 * Sub-action types that throw their own wording around the failed call: Kibana throws a new error
 * there, so the result is retry, from the framework whatever the status.
 */
const THROWN_WRAPPED: Record<string, string> = { '.resilient': '[Action][IBM Resilient]: Unable to create incident. Error: Status code: ' };
/** Cases Webhook throws Kibana's wording of a failed step: the answer's body as JSON, then its status text. */
const CASES_WEBHOOK_FAILED = (status: Status) =>
  `[Action][Webhook - Case Management]: Unable to create case. Error: Request failed with status code ${status}. {} Reason: ${STATUS_CODES[status]}`;
/** The ServiceNow types throw too (retry, from the framework whatever the status), worded with the endpoint. */
const THROWN_SERVICENOW: Record<string, (status: number) => string> = {
  '.servicenow': (status) =>
    `[Action][ServiceNow]: Unable to get choices. Error: Request failed with status code ${status} Reason: unknown: no error in error response [status=${status}] [method=get] [endpoint=table]`,
  '.servicenow-sir': (status) =>
    `[Action][ServiceNow]: Unable to get choices. Error: Request failed with status code ${status} Reason: unknown: no error in error response [status=${status}] [method=get] [endpoint=table]`,
  '.servicenow-itom': (status) => `[Action][ServiceNow]: Unable to add event. Error: Request failed with status code ${status} Reason: unknown: no error in error response`,
};

/**
 * Types that fetch an access token first throw Kibana's wording of a failed token request
 * (retry, from the framework whatever the status): the sink refuses the token too.
 */
const THROWN_TOKEN: Record<string, (status: Status) => string> = {
  '.gemini': (status) =>
    `Unable to retrieve access token. Ensure the service account has the right permissions and the Vertex AI endpoint is enabled in the GCP project. Error: Request failed with status code ${status}`,
};

/**
 * CrowdStrike throws the service's words without Kibana's `Status code: N. Message:` prefix
 * (its CrowdstrikeError keeps the message only); the sink refuses the token request too.
 */
const THROWN_UNPREFIXED: Record<string, string> = { '.crowdstrike': 'API Error: {}' };

/**
 * The AI Connector throws Elasticsearch's answer (buildInferenceErrorMessage), tagged the user's
 * when Elasticsearch refused the request (below 500).
 */
const INFERENCE_SOURCE: Record<Status, 'user' | 'framework'> = { 400: 'user', 429: 'user', 503: 'framework' };

/** The sub-action types throw: Kibana's action executor says retry, from the framework but a 429 (the user's). */
const THROWN_SOURCE: Record<Status, 'user' | 'framework'> = { 400: 'framework', 429: 'user', 503: 'framework' };

const idOf = (typeId: string) => `compat-${typeId.replace(/[^a-z0-9]/g, '')}`;

describe.each(dialects)("Kibana's execution results on %s", (dialect) => {
  let sink: StatusSink;
  let tines: TinesSimulator;
  let pb: TestPlugboard;

  const params = (typeId: string) => CONNECTOR_TYPE_FIXTURES[typeId].connector(sink.url).params;
  const execute = async (id: string, body: Record<string, unknown>) => {
    const res = await pb.api('POST', `/api/actions/connector/${id}/_execute`, { params: body });
    expect(res.status, res.text).toBe(200);
    return res.body;
  };
  const enqueue = async (id: string, body: Record<string, unknown>) => {
    const res = await pb.api('POST', `/api/actions/connector/${id}/_enqueue`, { params: body });
    expect(res.status, res.text).toBe(202);
    return res.body.execution_id as string;
  };
  const execution = async (executionId: string) => (await pb.api('GET', `/api/actions/execution/${executionId}`)).body;
  const task = (executionId: string) => pb.plugboard.database.db.selectFrom('tasks').selectAll().where('id', '=', executionId).executeTakeFirstOrThrow();
  const failedFor = (executionId: string) =>
    eventually(async () => {
      const body = await execution(executionId);
      return body.status === 'error' ? body : undefined;
    }, 20_000, `execution ${executionId} to fail`);

  beforeAll(async () => {
    sink = await startStatusSink();
    tines = await startTinesSimulator({ email: 'compat@example.com', token: 'compat-tines-token' });
    const settings = Object.assign({}, ...HTTP_TYPES.map((typeId) => CONNECTOR_TYPE_FIXTURES[typeId].settings?.(sink.url) ?? {}));
    pb = await startTestPlugboard({ dialect, settings: { ...settings, 'plugboard.tasks.pollInterval': '200ms' } });
    for (const typeId of HTTP_TYPES) {
      const { config, secrets } = CONNECTOR_TYPE_FIXTURES[typeId].connector(sink.url);
      const created = await pb.api('POST', `/api/actions/connector/${idOf(typeId)}`, { name: `Compat ${typeId}`, connector_type_id: typeId, config, secrets });
      expect(created.status, created.text).toBe(200);
    }
    const created = await pb.api('POST', '/api/actions/connector/compat-tines-api', {
      name: 'Compat Tines API',
      connector_type_id: '.tines',
      config: { url: tines.url },
      secrets: { email: 'compat@example.com', token: 'compat-tines-token' },
    });
    expect(created.status, created.text).toBe(200);
  });
  afterAll(async () => {
    await pb?.close();
    await sink?.close();
    await tines?.close();
  });

  it.each(STATUSES)('answers a %s from every HTTP type with the retry and errorSource Kibana gives', async (status) => {
    sink.respondWith({ status, body: '{}', ...(status === 429 ? { headers: { 'retry-after': '120' } } : {}) });
    for (const typeId of HTTP_TYPES) {
      const started = Date.now();
      const body = await execute(idOf(typeId), params(typeId));
      expect(body, typeId).toMatchObject({ status: 'error', connector_id: idOf(typeId) });
      if (THROWN_WRAPPED[typeId]) {
        expect(body, typeId).toMatchObject({ message: 'an error occurred while running the action', retry: true, errorSource: 'framework' });
        expect(body.service_message, typeId).toBe(`${THROWN_WRAPPED[typeId]}${status}. Message: API Error: ${STATUS_CODES[status]}.`);
        continue;
      }
      if (THROWN_TOKEN[typeId]) {
        expect(body, typeId).toMatchObject({ message: 'an error occurred while running the action', retry: true, errorSource: 'framework', service_message: THROWN_TOKEN[typeId](status) });
        continue;
      }
      if (THROWN_UNPREFIXED[typeId]) {
        expect(body, typeId).toMatchObject({ message: 'an error occurred while running the action', retry: true, errorSource: THROWN_SOURCE[status], service_message: THROWN_UNPREFIXED[typeId] });
        continue;
      }
      if (typeId === '.inference') {
        expect(body, typeId).toMatchObject({ message: 'an error occurred while running the action', retry: true, errorSource: INFERENCE_SOURCE[status] });
        expect(body.service_message, typeId).toContain(`Status code: ${status}`);
        continue;
      }
      if (SUB_ACTION_TYPES.includes(typeId)) {
        expect(body, typeId).toMatchObject({ message: 'an error occurred while running the action', retry: true, errorSource: THROWN_SOURCE[status] });
        expect(body.service_message, typeId).toMatch(new RegExp(`^Status code: ${status}\\. Message: `));
        continue;
      }
      if (THROWN_CLASSIC_REASONED[typeId]) {
        expect(body, typeId).toMatchObject({ message: 'an error occurred while running the action', retry: true, errorSource: THROWN_SOURCE[status] });
        expect(body.service_message, typeId).toBe(THROWN_CLASSIC_REASONED[typeId](status));
        continue;
      }
      if (typeId === '.cases-webhook') {
        expect(body, typeId).toMatchObject({ message: 'an error occurred while running the action', retry: true, errorSource: 'framework', service_message: CASES_WEBHOOK_FAILED(status) });
        continue;
      }
      if (THROWN_SERVICENOW[typeId]) {
        expect(body, typeId).toMatchObject({ message: 'an error occurred while running the action', retry: true, errorSource: 'framework', service_message: THROWN_SERVICENOW[typeId](status) });
        continue;
      }
      if (THROWN_CLASSIC[typeId]) {
        expect(body, typeId).toMatchObject({ message: 'an error occurred while running the action', retry: true, errorSource: 'framework' });
        expect(body.service_message, typeId).toBe(`${THROWN_CLASSIC[typeId]}${status}. Error: Request failed with status code ${status}. Reason: unknown`);
        continue;
      }
      const expected = RETURNED[typeId][status];
      expect(body.errorSource, typeId).toBe('user');
      if (expected.retry === 'date') {
        const retryAt = Date.parse(body.retry);
        expect(retryAt, typeId).toBeGreaterThanOrEqual(started + 119_000);
        expect(retryAt, typeId).toBeLessThanOrEqual(Date.now() + 121_000);
        expect(body.message, typeId).toBe(`${expected.message}${body.retry}`);
      } else {
        expect(body.message, typeId).toBe(expected.message);
        if (expected.retry) expect(body.retry, typeId).toBe(true);
        else expect(body, typeId).not.toHaveProperty('retry');
      }
    }
  });

  it.each([
    ['.opsgenie', 'Opsgenie'],
    ['.tines', 'Tines'],
    ['.d3security', 'D3 Security'],
    ['.gen-ai', 'OpenAI'],
    ['.gemini', 'Google Gemini'],
    ['.bedrock', 'Amazon Bedrock'],
    ['.inference', 'AI Connector'],
    ['.thehive', 'TheHive'],
    ['.xsoar', 'XSOAR'],
    ['.resilient', 'IBM Resilient'],
    ['.crowdstrike', 'CrowdStrike'],
    ['.microsoft_defender_endpoint', 'Microsoft Defender for Endpoint'],
  ])("names the type in %s's unknown sub-action error, as Kibana's API test expects", async (typeId, typeName) => {
    const id = idOf(typeId);
    expect(await execute(id, { subAction: 'invalidAction' })).toEqual({
      connector_id: id,
      status: 'error',
      retry: true,
      message: 'an error occurred while running the action',
      errorSource: 'framework',
      service_message: `Sub action "invalidAction" is not registered. Connector id: ${id}. Connector name: ${typeName}. Connector type: ${typeId}`,
    });
  });

  it(".cases-webhook answers as Kibana's API test expects: params refused by the user, a push's exact result", async () => {
    const id = idOf('.cases-webhook');
    const refused = (message: string) => ({ connector_id: id, status: 'error', retry: false, message: `error validating action params: ${message}`, errorSource: 'user' });
    const incident = { title: 'a title', description: 'a description', externalId: null };
    expect(await execute(id, { subAction: 'non-supported' })).toEqual(refused(`Field "subAction": Invalid discriminator value. Expected 'pushToService'`));
    expect(await execute(id, { subAction: 'pushToService' })).toEqual(refused('Field "subActionParams": Required'));
    expect(await execute(id, { subAction: 'pushToService', subActionParams: { incident: { description: 'success' }, comments: [] } })).toEqual(refused('Field "subActionParams.incident.title": Required'));
    expect(await execute(id, { subAction: 'pushToService', subActionParams: { incident, comments: [{ comment: 'comment' }] } })).toEqual(refused('Field "subActionParams.comments.0.commentId": Required'));
    expect(await execute(id, { subAction: 'pushToService', subActionParams: { incident, comments: [{ commentId: 'success' }] } })).toEqual(refused('Field "subActionParams.comments.0.comment": Required'));

    sink.respondWith(CONNECTOR_TYPE_FIXTURES['.cases-webhook'].success!);
    const body = await execute(id, { subAction: 'pushToService', subActionParams: { incident, comments: [] } });
    expect(body).toEqual({ status: 'ok', connector_id: id, data: { id: '10001', title: 'CT-1', url: `${sink.url}/browse/CT-1`, pushedDate: expect.any(String) } });
  });

  it('keeps the queue from sending again what would fail the same way, whatever retry the result says', async () => {
    // The error answer of Kibana's Opsgenie simulator.
    sink.respondWith({ status: 422, body: JSON.stringify({ result: 'error', errors: { message: 'failed' }, took: 0.107, requestId: '43a29c5c-3dbf-4fa4-9c26-f4f71023e120' }) });
    // Opsgenie's 422 (Kibana's API test): retry true, from the framework; the queue fails it at once.
    const opsgenie = await failedFor(await enqueue(idOf('.opsgenie'), params('.opsgenie')));
    expect(opsgenie.attempts).toBe(1);
    expect(opsgenie.result).toEqual({
      status: 'error',
      connector_id: idOf('.opsgenie'),
      message: 'an error occurred while running the action',
      service_message: 'Status code: 422. Message: Request failed with status code 422: {"message":"failed"}',
      retry: true,
      errorSource: 'framework',
    });
    // An unknown sub-action and bad sub-action params: the same.
    const unknown = await failedFor(await enqueue(idOf('.d3security'), { subAction: 'invalidAction' }));
    expect(unknown).toMatchObject({ attempts: 1, result: { retry: true, errorSource: 'framework' } });
    const invalid = await failedFor(await enqueue(idOf('.tines'), { subAction: 'run', subActionParams: { webhookUrl: 'https://x.example', body: 1 } }));
    expect(invalid).toMatchObject({ attempts: 1, result: { retry: true, errorSource: 'user', service_message: 'Request validation failed (Field "body": Expected string, received number)' } });
    // Params that fail validation as a task: Kibana says retry; they cannot change, so they fail.
    const badParams = await failedFor(await enqueue(idOf('.webhook'), { body: 42 }));
    expect(badParams).toMatchObject({ attempts: 1, result: { retry: true, errorSource: 'user' } });
    expect(badParams.result.message).toMatch(/^error validating action params: /);
    // A returned 4xx sets no retry, and its event says none (Kibana writes `; retry` only when true).
    const webhook = await failedFor(await enqueue(idOf('.webhook'), params('.webhook')));
    expect(webhook.attempts).toBe(1);
    expect(webhook.result).not.toHaveProperty('retry');
    const executed = webhook.events.find((e: { event: { action: string } }) => e.event.action === 'execute');
    expect(executed.error.message).toBe('error calling webhook, invalid response: [422] Unprocessable Entity');
  });

  it('retries a 5xx with backoff, and pauses on a 429 with Retry-After, though the result says only retry: true or nothing', async () => {
    sink.respondWith({ status: 503, body: '{}' });
    const unavailable = await enqueue(idOf('.d3security'), params('.d3security'));
    const waiting = await eventually(async () => {
      const row = await task(unavailable);
      return row.status === 'idle' && row.attempts === 1 ? row : undefined;
    }, 20_000, 'the 503 to be requeued');
    expect(waiting.run_at).toBeGreaterThan(Date.now() + 20_000);
    expect(JSON.parse(waiting.result!)).toMatchObject({ retry: true, errorSource: 'framework' });

    sink.respondWith({ status: 429, headers: { 'retry-after': '120' }, body: '{}' });
    for (const typeId of ['.pagerduty', '.teams']) {
      const started = Date.now();
      const limited = await enqueue(idOf(typeId), params(typeId));
      const pause = await eventually(
        () => pb.plugboard.database.db.selectFrom('connector_pauses').selectAll().where('connector_id', '=', idOf(typeId)).executeTakeFirst(),
        20_000,
        `${typeId} to be paused`,
      );
      expect(pause.paused_until, typeId).toBeGreaterThanOrEqual(started + 119_000);
      const row = await task(limited);
      expect(row, typeId).toMatchObject({ status: 'idle', attempts: 0 });
      // PagerDuty: retry true without a date (Kibana reads no Retry-After); Teams: no retry at all.
      const stored = JSON.parse(row.result!);
      if (typeId === '.pagerduty') expect(stored.retry, typeId).toBe(true);
      else expect(stored, typeId).not.toHaveProperty('retry');
    }
  });

  it("answers a ServiceNow connector on the Table API as deprecated, as Kibana's is_deprecated; bad params fail before a call", async () => {
    const secrets = { username: 'compat-user', password: 'compat-password' };
    for (const [id, usesTableApi, deprecated] of [['compat-sn-table', true, true], ['compat-sn-default', undefined, true], ['compat-sn-app', false, false]] as const) {
      const config = { apiUrl: sink.url, ...(usesTableApi === undefined ? {} : { usesTableApi }) };
      const created = await pb.api('POST', `/api/actions/connector/${id}`, { name: id, connector_type_id: '.servicenow', config, secrets });
      expect(created.body, id).toMatchObject({ is_deprecated: deprecated, is_connector_type_deprecated: false, config: { usesTableApi: usesTableApi ?? true } });
      expect((await pb.api('GET', `/api/actions/connector/${id}`)).body.is_deprecated, id).toBe(deprecated);
    }
    const listed = (await pb.api('GET', '/api/actions/connectors')).body as Array<{ id: string; is_deprecated: boolean }>;
    expect(listed.filter((c) => c.id.startsWith('compat-sn-')).map((c) => [c.id, c.is_deprecated])).toEqual([
      ['compat-sn-app', false],
      ['compat-sn-default', true],
      ['compat-sn-table', true],
    ]);
    const before = sink.requests.length;
    const body = await execute('compat-sn-app', { subAction: 'getChoices', subActionParams: {} });
    expect(body).toMatchObject({ status: 'error', retry: false, errorSource: 'user' });
    expect(body.message).toMatch(/^error validating action params: /);
    expect(sink.requests.length).toBe(before);
  });

  it("lists a Tines story's webhook actions as {id, name, storyId}, asking Tines for webhook actions only", async () => {
    const body = await execute('compat-tines-api', { subAction: 'webhooks', subActionParams: { storyId: 1 } });
    expect(body).toEqual({
      status: 'ok',
      connector_id: 'compat-tines-api',
      data: { webhooks: [{ id: 11, name: 'Receive alert', storyId: 1 }], incompleteResponse: false },
    });
    expect(tines.requests.at(-1)).toMatchObject({ method: 'GET', path: '/api/v1/agents', query: { story_id: '1', action_type: WEBHOOK_AGENT, per_page: '500' } });
  });

  it('runs a Tines webhook given as {id, name, storyId}: looked up, then posted to, through _execute and the queue', async () => {
    const webhook = { id: 11, name: 'Receive alert', storyId: 1 };
    const before = tines.requests.length;
    expect(await execute('compat-tines-api', { subAction: 'run', subActionParams: { webhook, body: '["test"]' } })).toEqual({
      status: 'ok',
      connector_id: 'compat-tines-api',
      data: {},
    });
    expect(tines.requests.slice(before).map((r) => `${r.method} ${r.path}`)).toEqual(['GET /api/v1/actions/11', 'POST /webhook/alert-path/alert-secret']);
    const queued = await enqueue('compat-tines-api', { subAction: 'run', subActionParams: { webhook, body: '["queued"]' } });
    const done = await eventually(async () => {
      const body = await execution(queued);
      return body.status === 'ok' ? body : undefined;
    }, 20_000, 'the queued Tines run');
    expect(done).toMatchObject({ attempts: 1, result: { status: 'ok', data: {} } });
    expect(tines.events.map((e) => e.body)).toEqual(['["test"]', '["queued"]']);
  });

  it("answers Jira's pushToService and its refusals as Kibana's API test expects", async () => {
    const jira = await startJiraSimulator({ email: 'compat@example.com', apiToken: 'compat-jira-token', projectKey: 'CK' });
    try {
      const created = await pb.api('POST', '/api/actions/connector/compat-jira-sim', {
        name: 'Compat Jira',
        connector_type_id: '.jira',
        config: { apiUrl: jira.url, projectKey: 'CK' },
        secrets: { email: 'compat@example.com', apiToken: 'compat-jira-token' },
      });
      expect(created.status, created.text).toBe(200);
      const incident = { summary: 'a title', description: 'a description', externalId: null };
      const push = (overrides: Record<string, unknown>, comments: unknown = []) => ({ subAction: 'pushToService', subActionParams: { incident: { ...incident, ...overrides }, comments } });
      const pushed = (body: { data: { id: string } }) => {
        const issue = jira.issues.get(body.data.id)!;
        return { id: issue.id, title: issue.key, pushedDate: new Date(String(issue.fields.created)).toISOString(), url: `${jira.url}/browse/${issue.key}` };
      };

      for (const overrides of [{ issueType: '10001' }, { otherFields: { customfield_10020: 'bar' } }, { otherFields: '{ "customfield_10020": "bar" }' }]) {
        const body = await execute('compat-jira-sim', push(overrides));
        expect(body, JSON.stringify(overrides)).toEqual({ status: 'ok', connector_id: 'compat-jira-sim', data: pushed(body) });
      }
      const refused = (message: string) => ({ connector_id: 'compat-jira-sim', status: 'error', retry: false, errorSource: 'user', message: `error validating action params: ${message}` });
      expect(await execute('compat-jira-sim', push({ issueType: '10006', labels: ['label with spaces'] }))).toEqual(
        refused('Field "subActionParams.incident.labels.0": The label label with spaces cannot contain spaces'),
      );
      const tooMany = Object.fromEntries(Array.from({ length: 21 }, (_, i) => [String(i), 'foobar']));
      expect(await execute('compat-jira-sim', push({ otherFields: tooMany }))).toEqual(
        refused('Field "subActionParams.incident.otherFields": A maximum of 20 fields in otherFields can be defined at a time.'),
      );
      expect(await execute('compat-jira-sim', push({ otherFields: { summary: 'foo' } }))).toEqual(
        refused('Field "subActionParams.incident.otherFields.summary": The following properties cannot be defined inside otherFields: summary.'),
      );
      expect(await execute('compat-jira-sim', push({}, [{ comment: 'comment' }]))).toEqual(refused('Field "subActionParams.comments.0.commentId": Required'));
      expect(await execute('compat-jira-sim', { subAction: 'handshake', subActionParams: {} })).toEqual({
        connector_id: 'compat-jira-sim',
        status: 'error',
        retry: true,
        message: 'an error occurred while running the action',
        errorSource: 'framework',
        service_message: '[Action][ExternalService] subAction handshake not implemented.',
      });
    } finally {
      await jira.close();
    }
  });
});
