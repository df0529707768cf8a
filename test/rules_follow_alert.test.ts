import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCasesWebhookSimulator, type CasesWebhookSimulator } from '../src/connector_types/cases_webhook/simulator.js';
import { startJiraSimulator, type JiraSimulator } from '../src/connector_types/jira/simulator.js';
import { startServiceNowSimulator, type ServiceNowSimulator } from '../src/connector_types/servicenow/simulator.js';
import { labelsFingerprint } from '../src/ingest/fingerprint.js';
import { INTERNAL_PRINCIPAL } from '../src/security/principal.js';
import { TicketLinksRepository } from '../src/storage/ticket_links_repository.js';
import { availableDialects, createPostgresSchema, type TestSchema } from './helpers/databases.js';
import { BASIC_AUTH, startTestPlugboard, type TestPlugboard } from './helpers/plugboard.js';
import { DrivenAlerts, RuleRuns, webhookConfig } from './helpers/rule_runs.js';
import { systemType } from './helpers/test_types.js';

// Tickets that follow their alerts (issue 19 point 5), end to end over driven rule runs: an
// action with `follow_alert` on Jira, ServiceNow ITSM or a cases webhook opens one ticket per
// alert, updates it while the alert fires, comments and closes it on resolve, reopens it when the
// alert fires again within the window and opens a new one after it; the correlation survives a
// restart; a muted alert's ticket is still resolved; concurrent fires of one key make one ticket.

const dialects = await availableDialects();
const onActive = { summary: false, notify_when: 'onActiveAlert', throttle: null };
const scope = { spaceId: 'default', principal: INTERNAL_PRINCIPAL };
const push = {
  subAction: 'pushToService',
  subActionParams: { incident: { summary: 'Disk full on {{alert.id}}', description: 'Rule {{rule.name}}', issueType: '10001', externalId: null }, comments: null },
};

/** A ticket as a test reads it from a simulator. */
interface Ticket {
  id: string;
  title: string;
  summary: string;
  status: string;
  comments: string[];
}

/** A ticketing service the scenario runs against: its connector, its tickets, and its statuses. */
interface Vendor {
  key: string;
  type: string;
  start(): Promise<{ url: string; close(): Promise<void> }>;
  config(url: string): Record<string, unknown>;
  secrets: Record<string, unknown>;
  params: Record<string, unknown>;
  tickets(): Ticket[];
  /** How many requests updated the ticket. */
  updates(id: string): number;
  statuses: { opened: string; closed: string; reopened: string };
}

function vendors(): Vendor[] {
  let jira: JiraSimulator;
  let sn: ServiceNowSimulator;
  let cases: CasesWebhookSimulator;
  return [
    {
      key: 'jira',
      type: '.jira',
      start: async () => (jira = await startJiraSimulator({ email: 'e2e@example.com', apiToken: 'e2e-jira-token', projectKey: 'OPS' })),
      config: (url) => ({ apiUrl: url, projectKey: 'OPS' }),
      secrets: { email: 'e2e@example.com', apiToken: 'e2e-jira-token' },
      params: push,
      tickets: () =>
        [...jira.issues.values()].map((i) => ({ id: i.id, title: i.key, summary: String(i.fields.summary), status: (i.fields.status as { name: string }).name, comments: i.comments.map((c) => c.body) })),
      updates: (id) => jira.requests.filter((r) => r.method === 'PUT' && r.path === `/rest/api/2/issue/${id}`).length,
      statuses: { opened: 'To Do', closed: 'Done', reopened: 'To Do' },
    },
    {
      key: 'servicenow',
      type: '.servicenow',
      start: async () => (sn = await startServiceNowSimulator({ username: 'e2e-sn-user', password: 'e2e-sn-password' })),
      config: (url) => ({ apiUrl: url, usesTableApi: false }),
      secrets: { username: 'e2e-sn-user', password: 'e2e-sn-password' },
      params: { subAction: 'pushToService', subActionParams: { incident: { short_description: 'Disk full on {{alert.id}}', correlation_id: '{{rule.id}}:{{alert.id}}' }, comments: null } },
      tickets: () =>
        [...sn.tables.get('incident')!.values()].map((r) => ({ id: r.sys_id, title: r.number, summary: String(r.short_description), status: r.state, comments: sn.workNotes.get(r.sys_id) ?? [] })),
      updates: (id) => sn.requests.filter((r) => r.method === 'POST' && r.body.includes(`"elastic_incident_id":"${id}"`)).length,
      // ServiceNow's incident states: 1 New, 2 In Progress, 7 Closed.
      statuses: { opened: '1', closed: '7', reopened: '2' },
    },
    {
      key: 'cases',
      type: '.cases-webhook',
      start: async () => (cases = await startCasesWebhookSimulator({ user: 'e2e-user', password: 'e2e-password' })),
      config: (url) => ({
        createIncidentUrl: `${url}/rest/api/2/issue`,
        createIncidentJson: '{"fields":{"summary":{{{case.title}}},"description":{{{case.description}}},"status":{{{case.status}}},"project":{"key":"ROC"}}}',
        createIncidentResponseKey: 'id',
        getIncidentUrl: `${url}/rest/api/2/issue/{{{external.system.id}}}`,
        getIncidentResponseExternalTitleKey: 'key',
        viewIncidentUrl: `${url}/browse/{{{external.system.title}}}`,
        updateIncidentUrl: `${url}/rest/api/2/issue/{{{external.system.id}}}`,
        updateIncidentJson: '{"fields":{"summary":{{{case.title}}},"status":{{{case.status}}}}}',
        createCommentUrl: `${url}/rest/api/2/issue/{{{external.system.id}}}/comment`,
        createCommentMethod: 'post',
        createCommentJson: '{"body":{{{case.comment}}}}',
        hasAuth: true,
      }),
      secrets: { user: 'e2e-user', password: 'e2e-password' },
      params: { subAction: 'pushToService', subActionParams: { incident: { title: 'Disk full on {{alert.id}}', description: 'Rule {{rule.name}}', status: 'open', externalId: null }, comments: null } },
      tickets: () => [...cases.issues.values()].map((i) => ({ id: i.id, title: i.key, summary: String(i.fields.summary), status: String(i.fields.status), comments: i.comments.map((c) => String(c.body)) })),
      updates: (id) => cases.requests.filter((r) => r.method === 'PUT' && r.path === `/rest/api/2/issue/${id}`).length,
      statuses: { opened: 'open', closed: 'closed', reopened: 'open' },
    },
  ];
}

describe.each(dialects)('rule actions that follow their alerts on %s', (dialect) => {
  let pb: TestPlugboard;
  let runs: RuleRuns;
  const driven = new DrivenAlerts();
  const services = vendors();
  const jira = services[0];
  const simulators: Array<{ url: string; close(): Promise<void> }> = [];

  /** The server's storage, kept across a restart. */
  let dataDir: string;
  let schema: TestSchema | undefined;
  const start = async () => {
    pb = await startTestPlugboard({ dialect, extraRuleTypes: [driven.ruleType], extraConnectorTypes: [systemType], settings: { 'plugboard.net.deniedAddresses': [] }, dataDir, databaseUrl: schema?.url });
    runs = new RuleRuns(pb);
  };
  const tickets = () => new TicketLinksRepository(pb.plugboard.database.db);
  const links = async (ruleId: string) => tickets().listForRule('default', ruleId);

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'plugboard-follow-'));
    if (dialect === 'postgres') schema = await createPostgresSchema();
    await start();
    for (const vendor of services) {
      const sim = await vendor.start();
      simulators.push(sim);
      const created = await pb.api('POST', `/api/actions/connector/${vendor.key}`, { name: vendor.key, connector_type_id: vendor.type, config: vendor.config(sim.url), secrets: vendor.secrets });
      expect(created.status, created.text).toBe(200);
    }
    const hook = await pb.api('POST', '/api/actions/connector/hook', { name: 'hook', connector_type_id: '.webhook', config: webhookConfig(`${simulators[0].url}/hook`), secrets: {} });
    expect(hook.status, hook.text).toBe(200);
  });
  afterAll(async () => {
    await pb?.close();
    for (const sim of simulators) await sim.close();
    await schema?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it.each(services.map((v) => [v.type, v] as const))('%s: one ticket per alert, updated while firing, commented and closed on resolve, reopened within the window, a new one after it, across a restart', async (_type, vendor) => {
    const ruleId = `disk-${vendor.key}`;
    driven.set(ruleId, [{ id: 'web-1' }]);
    const rule = await runs.create(ruleId, {
      name: 'Disk',
      rule_type_id: 'test.driven',
      actions: [{ group: 'firing', id: vendor.key, params: vendor.params, frequency: onActive, follow_alert: { reopen_within: '1h', resolve_comment: 'Resolved: {{alert.id}} ({{alertActionGroup}})' } }],
    });
    expect(rule.actions[0].follow_alert).toEqual({ reopen_within: '1h', resolve: 'close', resolve_comment: 'Resolved: {{alert.id}} ({{alertActionGroup}})' });
    expect(vendor.tickets()).toHaveLength(1);
    const [first] = vendor.tickets();
    expect(first).toMatchObject({ summary: 'Disk full on web-1', status: vendor.statuses.opened });
    expect(await links(ruleId)).toMatchObject([{ alertId: 'web-1', externalId: first.id, title: first.title, state: 'open', connectorId: vendor.key, episodeEnded: false }]);
    const ticket = () => vendor.tickets().find((t) => t.id === first.id)!;

    // Fired again: the same ticket is updated, no second one.
    const updates = vendor.updates(first.id);
    await runs.runSoon(ruleId);
    expect(vendor.tickets()).toHaveLength(1);
    expect(vendor.updates(first.id)).toBe(updates + 1);

    // A restart keeps the correlation: the next fire still updates the same ticket.
    await pb.close();
    await start();
    await runs.runSoon(ruleId);
    expect(vendor.tickets()).toHaveLength(1);
    expect(vendor.updates(first.id)).toBe(updates + 2);

    // Resolved: the rendered comment, then closed.
    driven.set(ruleId, []);
    await runs.runSoon(ruleId);
    expect(ticket()).toMatchObject({ comments: ['Resolved: web-1 (recovered)'], status: vendor.statuses.closed });
    expect(await links(ruleId)).toMatchObject([{ state: 'closed', episodeEnded: true }]);

    // Fired again within the window: reopened and updated.
    driven.set(ruleId, [{ id: 'web-1' }]);
    await runs.runSoon(ruleId);
    expect(vendor.tickets()).toHaveLength(1);
    expect(ticket().status).toBe(vendor.statuses.reopened);
    expect(await links(ruleId)).toMatchObject([{ state: 'open', externalId: first.id, closedAt: null }]);

    // Resolved, then the close is made older than the window: the next fire opens a new ticket.
    driven.set(ruleId, []);
    await runs.runSoon(ruleId);
    expect(ticket().status).toBe(vendor.statuses.closed);
    await pb.plugboard.database.db.updateTable('ticket_links').set({ closed_at: Date.now() - 2 * 3_600_000 }).where('rule_id', '=', ruleId).execute();
    driven.set(ruleId, [{ id: 'web-1' }]);
    await runs.runSoon(ruleId);
    expect(vendor.tickets()).toHaveLength(2);
    const second = vendor.tickets().find((t) => t.id !== first.id)!;
    expect(second.status).toBe(vendor.statuses.opened);
    expect(ticket().status).toBe(vendor.statuses.closed);
    expect(await links(ruleId)).toMatchObject([{ state: 'open', externalId: second.id }]);

    // The rule's page reads the same through its route.
    const listed = await pb.api('GET', `/internal/alerting/rule/${ruleId}/_tickets`);
    expect(listed.status, listed.text).toBe(200);
    expect(listed.body).toEqual([
      { action_uuid: rule.actions[0].uuid, alert_id: 'web-1', connector_id: vendor.key, external_id: second.id, title: second.title, url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:/), state: 'open', opened_at: expect.any(String), closed_at: null, updated_at: expect.any(String) },
    ]);
  });

  it('resolves the ticket of a muted alert, and a resolve without a ticket keeps a late fire of that episode from opening one', async () => {
    driven.set('muted', [{ id: 'db-1' }]);
    await runs.create('muted', { name: 'Muted', rule_type_id: 'test.driven', actions: [{ group: 'firing', id: 'jira', params: push, frequency: onActive, follow_alert: {} }] });
    const opened = jira.tickets().find((t) => t.summary === 'Disk full on db-1')!;
    const ticket = () => jira.tickets().find((t) => t.id === opened.id)!;
    const mute = await pb.api('POST', '/api/alerting/rule/muted/alert/db-1/_mute');
    expect(mute.status, mute.text).toBe(204);
    driven.set('muted', []);
    await runs.runSoon('muted');
    expect(ticket().status).toBe('Done');
    expect(ticket().comments).toEqual([expect.stringMatching(/^Resolved: alert db-1 of rule Muted recovered at /)]);

    // A fire of an episode that already ended (a retry that comes after its resolve) does nothing.
    const [link] = await tickets().listForRule('default', 'muted');
    const key = { spaceId: 'default', ruleId: 'muted', actionUuid: link.actionUuid, alertId: 'db-1' };
    const before = jira.tickets().length;
    const queued = await pb.plugboard.actions.bulkEnqueue(scope, [
      {
        id: 'jira',
        params: push,
        source: 'alert',
        rule: { executionId: 'late', rule: { id: 'muted', typeId: 'test.driven' }, actionUuid: link.actionUuid, consumer: 'alerts' },
        follow: { alertId: 'db-1', episode: link.episode!, phase: 'fire', option: { reopenWithin: null, resolve: 'close', resolveComment: 'x' } },
      },
    ]);
    expect(queued.errors).toBe(false);
    await runs.actionsDone();
    expect(jira.tickets()).toHaveLength(before);
    expect(await tickets().get(key)).toMatchObject({ state: 'closed', externalId: opened.id });
    // One execution, which says what it did.
    const execution = await pb.plugboard.actions.getExecution(scope, queued.items[0].executionId!);
    expect(execution.result).toMatchObject({ status: 'ok', data: { follow: { did: 'skipped', phase: 'fire', alertId: 'db-1', externalId: opened.id, reason: 'the episode already ended' } } });
    expect(execution.events.filter((e) => e.event.action === 'execute')).toHaveLength(1);
  });

  it('closes the ticket of an incoming alert that resolves while silenced (alertmanager#226)', async () => {
    const post = async (alerts: unknown) => {
      const ran = runs.awaitRun('incoming');
      const res = await pb.api('POST', '/api/v2/alerts', alerts, { headers: { 'kbn-xsrf': '', authorization: BASIC_AUTH } });
      expect(res.status, res.text).toBe(200);
      await ran;
    };
    await runs.create('incoming', {
      name: 'Incoming',
      rule_type_id: 'plugboard.incoming-alerts',
      params: { matchers: ['alertname="Quiet"'] },
      actions: [{ group: 'firing', id: 'jira', params: push, frequency: onActive, follow_alert: {} }],
    });
    const labels = { alertname: 'Quiet', instance: 'db-2' };
    const fingerprint = labelsFingerprint(labels);
    await post([{ labels }]);
    const opened = jira.tickets().find((t) => t.summary === `Disk full on ${fingerprint}`)!;
    expect(opened.status).toBe('To Do');

    const hour = 3_600_000;
    const silence = await pb.api(
      'POST',
      '/api/v2/silences',
      { matchers: [{ name: 'alertname', value: 'Quiet', isRegex: false, isEqual: true }], startsAt: new Date(Date.now() - 1000).toISOString(), endsAt: new Date(Date.now() + hour).toISOString(), createdBy: 'test', comment: 'maintenance' },
      { headers: { 'kbn-xsrf': '', authorization: BASIC_AUTH } },
    );
    expect(silence.status, silence.text).toBe(200);
    // Silenced and firing: no update.
    const updates = jira.updates(opened.id);
    await runs.runSoon('incoming');
    expect(jira.updates(opened.id)).toBe(updates);
    // Resolved while silenced: the ticket is still commented and closed.
    await post([{ labels, startsAt: new Date(Date.now() - hour).toISOString(), endsAt: new Date(Date.now() - 1000).toISOString() }]);
    const closed = jira.tickets().find((t) => t.id === opened.id)!;
    expect(closed.status).toBe('Done');
    expect(closed.comments).toEqual([expect.stringMatching(new RegExp(`^Resolved: alert ${fingerprint} of rule Incoming recovered at `))]);
  });

  it('two fires of one key at once make one ticket', async () => {
    const rule = { executionId: 'same', rule: { id: 'disk-jira', typeId: 'test.driven' }, actionUuid: 'concurrent-action', consumer: 'alerts' };
    const item = (episode: string) => ({ id: 'jira', params: { ...push, subActionParams: { ...push.subActionParams, incident: { ...push.subActionParams.incident, summary: 'Concurrent' } } }, source: 'alert', rule, follow: { alertId: 'web-9', episode, phase: 'fire' as const, option: { reopenWithin: null, resolve: 'close' as const, resolveComment: 'x' } } });
    const queued = await pb.plugboard.actions.bulkEnqueue(scope, [item('e1'), item('e1'), item('e1')]);
    expect(queued.errors).toBe(false);
    await runs.actionsDone();
    const concurrent = jira.tickets().filter((t) => t.summary === 'Concurrent');
    expect(concurrent).toHaveLength(1);
    const done = await Promise.all(queued.items.map(async (i) => (await pb.plugboard.actions.getExecution(scope, i.executionId!)).result?.data as { follow: { did: string; externalId: string } }));
    expect(done.map((d) => d.follow.did).sort()).toEqual(['created', 'updated', 'updated']);
    expect(new Set(done.map((d) => d.follow.externalId))).toEqual(new Set([concurrent[0].id]));
  });

  it('refuses follow_alert on a type that cannot follow, on a summary action and on the recovered group, naming the field', async () => {
    const create = (action: Record<string, unknown>) =>
      pb.api('POST', '/api/alerting/rule/refused', { name: 'r', rule_type_id: 'test.driven', consumer: 'alerts', schedule: { interval: '1h' }, params: {}, actions: [action] });
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ group: 'firing', id: 'hook', params: { body: 'x' }, frequency: onActive, follow_alert: {} }, /^actions\[0\]\.follow_alert: connectors of type \.webhook cannot follow alerts/],
      [{ group: 'firing', id: 'jira', params: push, frequency: { ...onActive, summary: true }, follow_alert: {} }, /^actions\[0\]\.follow_alert: only a per-alert action can follow its alerts, not a summary action$/],
      [{ id: 'system-connector-.test-system', params: {}, follow_alert: {} }, /^actions\[0\]\.follow_alert: only a per-alert action can follow its alerts, not a system action$/],
      [{ group: 'recovered', id: 'jira', params: push, frequency: onActive, follow_alert: {} }, /^actions\[0\]\.follow_alert: not on the recovered group/],
      [{ group: 'firing', id: 'jira', params: { subAction: 'issueTypes', subActionParams: {} }, frequency: onActive, follow_alert: {} }, /^actions\[0\]\.follow_alert: the action's params must use the pushToService/],
    ];
    for (const [action, message] of cases) {
      const res = await create(action);
      expect(res.status, res.text).toBe(400);
      expect(res.body).toMatchObject({ statusCode: 400, error: 'Bad Request' });
      expect(res.body.message).toMatch(message);
    }
    // Without follow_alert, a Cases-only type stays refused in a rule, as in Kibana.
    const casesOnly = await create({ group: 'firing', id: 'cases', params: services[2].params, frequency: onActive });
    expect(casesOnly.status).toBe(400);
    expect(casesOnly.body.message).toBe('Failed to validate actions due to the following error: This type of connector cannot be used as alerting actions');
    const badDuration = await create({ group: 'firing', id: 'jira', params: push, frequency: onActive, follow_alert: { reopen_within: 'soon' } });
    expect(badDuration.status).toBe(400);
    expect(badDuration.body.message).toContain('follow_alert');
    expect((await pb.api('GET', '/api/alerting/rule/refused')).status).toBe(404);
    expect((await pb.api('GET', '/internal/alerting/rule/refused/_tickets')).body).toMatchObject({ statusCode: 404, message: 'Saved object [alert/refused] not found' });
  });

  it('round-trips the option through update and find, and leaves it out of actions without it', async () => {
    const plain = { group: 'firing', id: 'jira', params: push, frequency: onActive };
    await runs.create('round-trip', { name: 'Round trip', rule_type_id: 'test.driven', actions: [plain] });
    expect((await runs.rule('round-trip')).actions[0]).not.toHaveProperty('follow_alert');
    const option = { reopen_within: null, resolve: 'comment', resolve_comment: 'Done: {{alert.id}}', jira: { close_transition: 'Done', reopen_transition: 'To Do' } };
    const updated = await pb.api('PUT', '/api/alerting/rule/round-trip', { name: 'Round trip', schedule: { interval: '1h' }, params: {}, actions: [{ ...plain, follow_alert: option }] });
    expect(updated.status, updated.text).toBe(200);
    expect(updated.body.actions[0].follow_alert).toEqual(option);
    const found = await pb.api('GET', '/api/alerting/rules/_find?search=Round&search_fields=name');
    expect(found.body.data[0].actions[0].follow_alert).toEqual(option);
  });
});
