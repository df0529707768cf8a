import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startJiraSimulator, type JiraSimulator } from '../src/connector_types/jira/simulator.js';
import { INTERNAL_PRINCIPAL } from '../src/security/principal.js';
import { TicketLinksRepository } from '../src/storage/ticket_links_repository.js';
import { availableDialects, createPostgresSchema, type TestSchema } from './helpers/databases.js';
import { startTestPlugboard, type TestPlugboard } from './helpers/plugboard.js';
import { DrivenAlerts, RuleRuns, webhookConfig } from './helpers/rule_runs.js';

// Tickets that follow their alerts (issue 19 point 5), end to end over driven rule runs: a Jira
// action with `follow_alert` opens one issue per alert, updates it while the alert fires,
// comments and transitions it to done on resolve, reopens it when the alert fires again within
// the window and opens a new one after it; the correlation survives a restart.

const dialects = await availableDialects();
const onActive = { summary: false, notify_when: 'onActiveAlert', throttle: null };
const push = {
  subAction: 'pushToService',
  subActionParams: { incident: { summary: 'Disk full on {{alert.id}}', description: 'Rule {{rule.name}}', issueType: '10001', externalId: null }, comments: null },
};

describe.each(dialects)('rule actions that follow their alerts on %s', (dialect) => {
  let pb: TestPlugboard;
  let runs: RuleRuns;
  let jira: JiraSimulator;
  const driven = new DrivenAlerts();

  /** The server's storage, kept across a restart. */
  let dataDir: string;
  let schema: TestSchema | undefined;
  const start = async () => {
    pb = await startTestPlugboard({ dialect, extraRuleTypes: [driven.ruleType], settings: { 'plugboard.net.deniedAddresses': [] }, dataDir, databaseUrl: schema?.url });
    runs = new RuleRuns(pb);
  };
  const tickets = () => new TicketLinksRepository(pb.plugboard.database.db);
  const issues = () => [...jira.issues.values()];
  const status = (id: string) => (jira.issues.get(id)!.fields.status as { name: string }).name;
  const writes = () => jira.requests.filter((r) => r.method !== 'GET').map((r) => `${r.method} ${r.path}`);

  beforeAll(async () => {
    jira = await startJiraSimulator({ email: 'e2e@example.com', apiToken: 'e2e-jira-token', projectKey: 'OPS' });
    dataDir = mkdtempSync(path.join(tmpdir(), 'plugboard-follow-'));
    if (dialect === 'postgres') schema = await createPostgresSchema();
    await start();
    for (const [id, type, config, secrets] of [
      ['jira', '.jira', { apiUrl: jira.url, projectKey: 'OPS' }, { email: 'e2e@example.com', apiToken: 'e2e-jira-token' }],
      ['hook', '.webhook', webhookConfig(`${jira.url}/hook`), {}],
    ] as const) {
      const created = await pb.api('POST', `/api/actions/connector/${id}`, { name: id, connector_type_id: type, config, secrets });
      expect(created.status, created.text).toBe(200);
    }
  });
  afterAll(async () => {
    await pb?.close();
    await jira?.close();
    await schema?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('opens one issue, updates it while firing, comments and closes it on resolve, reopens it within the window, opens another after it, across a restart', async () => {
    driven.set('disk', [{ id: 'web-1' }]);
    const rule = await runs.create('disk', {
      name: 'Disk',
      rule_type_id: 'test.driven',
      actions: [{ group: 'firing', id: 'jira', params: push, frequency: onActive, follow_alert: { reopen_within: '1h', resolve_comment: 'Resolved: {{alert.id}} ({{alertActionGroup}})' } }],
    });
    expect(rule.actions[0].follow_alert).toEqual({ reopen_within: '1h', resolve: 'close', resolve_comment: 'Resolved: {{alert.id}} ({{alertActionGroup}})' });
    const [first] = issues();
    expect(issues()).toHaveLength(1);
    expect(first.fields.summary).toBe('Disk full on web-1');
    const [link] = await tickets().listForRule('default', 'disk');
    expect(link).toMatchObject({ alertId: 'web-1', externalId: first.id, title: first.key, state: 'open', connectorId: 'jira', episodeEnded: false });

    // Fired again: the same issue is updated, no second one.
    await runs.runSoon('disk');
    expect(issues()).toHaveLength(1);
    expect(writes().at(-1)).toBe(`PUT /rest/api/2/issue/${first.id}`);

    // A restart keeps the correlation: the next fire still updates the same issue.
    await pb.close();
    await start();
    await runs.runSoon('disk');
    expect(issues()).toHaveLength(1);
    expect(writes().at(-1)).toBe(`PUT /rest/api/2/issue/${first.id}`);

    // Resolved: the rendered comment, then the transition to Done.
    driven.set('disk', []);
    await runs.runSoon('disk');
    expect(first.comments.map((c) => c.body)).toEqual(['Resolved: web-1 (recovered)']);
    expect(status(first.id)).toBe('Done');
    expect((await tickets().listForRule('default', 'disk'))[0]).toMatchObject({ state: 'closed', episodeEnded: true });

    // Fired again within the window: reopened (to the first status not done) and updated.
    driven.set('disk', [{ id: 'web-1' }]);
    await runs.runSoon('disk');
    expect(issues()).toHaveLength(1);
    expect(status(first.id)).toBe('To Do');
    expect((await tickets().listForRule('default', 'disk'))[0]).toMatchObject({ state: 'open', externalId: first.id, closedAt: null });

    // Resolved, then the close is made older than the window: the next fire opens a new issue.
    driven.set('disk', []);
    await runs.runSoon('disk');
    expect(status(first.id)).toBe('Done');
    await pb.plugboard.database.db.updateTable('ticket_links').set({ closed_at: Date.now() - 2 * 3_600_000 }).where('rule_id', '=', 'disk').execute();
    driven.set('disk', [{ id: 'web-1' }]);
    await runs.runSoon('disk');
    expect(issues()).toHaveLength(2);
    const second = issues()[1];
    expect(status(first.id)).toBe('Done');
    expect((await tickets().listForRule('default', 'disk'))[0]).toMatchObject({ state: 'open', externalId: second.id });
  });

  it('resolves the ticket of a muted alert, and a resolve without a ticket keeps a late fire of that episode from opening one', async () => {
    driven.set('muted', [{ id: 'db-1' }]);
    await runs.create('muted', { name: 'Muted', rule_type_id: 'test.driven', actions: [{ group: 'firing', id: 'jira', params: push, frequency: onActive, follow_alert: {} }] });
    const opened = issues().find((i) => i.fields.summary === 'Disk full on db-1')!;
    const mute = await pb.api('POST', '/api/alerting/rule/muted/alert/db-1/_mute');
    expect(mute.status, mute.text).toBe(204);
    driven.set('muted', []);
    await runs.runSoon('muted');
    expect(status(opened.id)).toBe('Done');
    expect(opened.comments[0].body).toMatch(/^Resolved: alert db-1 of rule Muted recovered at /);

    // A fire of an episode that already ended (a retry that comes after its resolve) does nothing.
    const [link] = await tickets().listForRule('default', 'muted');
    const key = { spaceId: 'default', ruleId: 'muted', actionUuid: link.actionUuid, alertId: 'db-1' };
    const before = issues().length;
    const queued = await pb.plugboard.actions.bulkEnqueue({ spaceId: 'default', principal: INTERNAL_PRINCIPAL }, [
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
    expect(issues()).toHaveLength(before);
    expect(await tickets().get(key)).toMatchObject({ state: 'closed', externalId: opened.id });
  });

  it('two fires of one key at once make one ticket', async () => {
    const rule = { executionId: 'same', rule: { id: 'disk', typeId: 'test.driven' }, actionUuid: 'concurrent-action', consumer: 'alerts' };
    const item = (episode: string) => ({ id: 'jira', params: { ...push, subActionParams: { ...push.subActionParams, incident: { ...push.subActionParams.incident, summary: 'Concurrent' } } }, source: 'alert', rule, follow: { alertId: 'web-9', episode, phase: 'fire' as const, option: { reopenWithin: null, resolve: 'close' as const, resolveComment: 'x' } } });
    const queued = await pb.plugboard.actions.bulkEnqueue({ spaceId: 'default', principal: INTERNAL_PRINCIPAL }, [item('e1'), item('e1'), item('e1')]);
    expect(queued.errors).toBe(false);
    await runs.actionsDone();
    expect(issues().filter((i) => i.fields.summary === 'Concurrent')).toHaveLength(1);
  });

  it('refuses follow_alert on a type that cannot follow, on a summary action and on the recovered group, naming the field', async () => {
    const create = (action: Record<string, unknown>) =>
      pb.api('POST', '/api/alerting/rule/refused', { name: 'r', rule_type_id: 'test.driven', consumer: 'alerts', schedule: { interval: '1h' }, params: {}, actions: [action] });
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ group: 'firing', id: 'hook', params: { body: 'x' }, frequency: onActive, follow_alert: {} }, /^actions\[0\]\.follow_alert: connectors of type \.webhook cannot follow alerts/],
      [{ group: 'firing', id: 'jira', params: push, frequency: { ...onActive, summary: true }, follow_alert: {} }, /^actions\[0\]\.follow_alert: only a per-alert action/],
      [{ group: 'recovered', id: 'jira', params: push, frequency: onActive, follow_alert: {} }, /^actions\[0\]\.follow_alert: not on the recovered group/],
      [{ group: 'firing', id: 'jira', params: { subAction: 'issueTypes', subActionParams: {} }, frequency: onActive, follow_alert: {} }, /^actions\[0\]\.follow_alert: the action's params must use the pushToService/],
    ];
    for (const [action, message] of cases) {
      const res = await create(action);
      expect(res.status, res.text).toBe(400);
      expect(res.body).toMatchObject({ statusCode: 400, error: 'Bad Request' });
      expect(res.body.message).toMatch(message);
    }
    const badDuration = await create({ group: 'firing', id: 'jira', params: push, frequency: onActive, follow_alert: { reopen_within: 'soon' } });
    expect(badDuration.status).toBe(400);
    expect(badDuration.body.message).toContain('follow_alert');
    expect((await pb.api('GET', '/api/alerting/rule/refused')).status).toBe(404);
  });
});
