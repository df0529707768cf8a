import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { availableDialects } from './helpers/databases.js';
import { startTestPlugboard, type TestPlugboard } from './helpers/plugboard.js';
import { DrivenAlerts, RuleRuns, webhookConfig } from './helpers/rule_runs.js';
import { startStatusSink, type StatusSink } from './helpers/status_sink.js';

// Kibana's global rule execution log and KPI (get_global_execution_logs.ts,
// get_global_execution_kpi.ts): every rule run of the space, each with its rule; sorting and
// paging; the 400s of the query; 403 for a caller without rules privileges, before its query is
// checked; one space's runs not in another's, and `namespaces` naming only spaces the caller may
// read rules in. And the connectors' global execution log of the actions a rule queued beside
// one run over HTTP, as Kibana's actions plugin reports them (its get_execution_log_aggregation.ts:
// `source` from `kibana.action.execution.source`, the rule in the events' saved objects). On both
// databases.

const dialects = await availableDialects();
const BLUE = 'blue';
const GREEN = 'green';
const ALL_SORT_FIELDS =
  'timestamp,execution_duration,total_search_duration,es_search_duration,schedule_delay,num_triggered_actions,num_generated_actions,num_active_alerts,num_recovered_alerts,num_new_alerts';

describe.each(dialects)('global rule execution log on %s', (dialect) => {
  let pb: TestPlugboard;
  let runs: RuleRuns;
  const driven = new DrivenAlerts();
  let reader: Record<string, string>;
  let connectorsOnly: Record<string, string>;
  let sink: StatusSink;
  const sort = (field: string, order: string) => encodeURIComponent(JSON.stringify([{ [field]: { order } }]));

  const user = async (name: string, kibana: unknown[]) => {
    expect((await pb.api('PUT', `/api/security/role/${name}`, { kibana })).status).toBe(204);
    expect((await pb.api('PUT', `/api/security/user/${name}-user`, { password: 'a-password-1', roles: [name] })).status).toBe(200);
    return { authorization: `Basic ${Buffer.from(`${name}-user:a-password-1`).toString('base64')}` };
  };

  beforeAll(async () => {
    sink = await startStatusSink();
    sink.respondWith({ status: 200, body: '{}' });
    pb = await startTestPlugboard({ dialect, extraRuleTypes: [driven.ruleType], settings: { 'plugboard.net.deniedAddresses': [] } });
    runs = new RuleRuns(pb);
    expect((await pb.api('POST', '/api/spaces/space', { id: BLUE, name: 'Blue' })).status).toBe(200);
    // Rules may be read in the default space only.
    reader = await user('default-rules-reader', [{ base: [], feature: { stackAlerts: ['read'] }, spaces: ['default'] }]);
    connectorsOnly = await user('connectors-only', [{ base: [], feature: { actions: ['all'] }, spaces: ['default', BLUE] }]);

    driven.set('alpha', [{ id: 'disk' }]);
    driven.set('gamma', [{ id: 'cpu' }, { id: 'memory' }]);
    await runs.create('alpha', { name: 'Alpha', rule_type_id: 'test.driven' });
    await runs.create('beta', { name: 'Beta', rule_type_id: 'test.driven' });
    await runs.runSoon('alpha');
    await runs.create('gamma', { name: 'Gamma', rule_type_id: 'test.driven' }, `/s/${BLUE}`);
    await pb.plugboard.flushWrites();
  });
  afterAll(async () => {
    await pb?.close();
    await sink?.close();
  });

  it("lists every rule run of the space with its rule, newest first, and pages and sorts them", async () => {
    const log = await pb.api('GET', '/internal/alerting/_global_execution_logs?date_start=now-1h');
    expect(log.status, log.text).toBe(200);
    expect(log.body.total).toBe(3);
    const rows = log.body.data as Array<Record<string, any>>;
    expect(rows.map((r) => r.rule_id)).toEqual(['alpha', 'beta', 'alpha']);
    expect(rows.map((r) => r.rule_name)).toEqual(['Alpha', 'Beta', 'Alpha']);
    for (const row of rows) expect(row).toMatchObject({ status: 'success', space_ids: ['default'], timed_out: false, num_errored_actions: 0 });
    // Alpha's first run made its alert new; its second kept it active.
    expect(rows[2]).toMatchObject({ num_new_alerts: 1, num_active_alerts: 1 });
    expect(rows[0]).toMatchObject({ num_new_alerts: 0, num_active_alerts: 1 });
    expect(rows[1]).toMatchObject({ num_new_alerts: 0, num_active_alerts: 0 });
    const timestamps = rows.map((r) => Date.parse(r.timestamp));
    expect([...timestamps].sort((a, b) => b - a)).toEqual(timestamps);

    const ascending = await pb.api('GET', `/internal/alerting/_global_execution_logs?date_start=now-1h&sort=${sort('timestamp', 'asc')}&per_page=1&page=2`);
    expect(ascending.body).toEqual({ total: 3, data: [rows[1]] });
    const byAlerts = await pb.api('GET', `/internal/alerting/_global_execution_logs?date_start=now-1h&sort=${sort('num_new_alerts', 'desc')}&per_page=1`);
    expect(byAlerts.body.data.map((r: any) => r.id)).toEqual([rows[2].id]);
    const pastTheEnd = await pb.api('GET', '/internal/alerting/_global_execution_logs?date_start=now-1h&per_page=10&page=2');
    expect(pastTheEnd.body).toEqual({ total: 3, data: [] });
    const onlyBeta = await pb.api('GET', `/internal/alerting/_global_execution_logs?date_start=now-1h&filter=${encodeURIComponent('rule.id:beta')}`);
    expect(onlyBeta.body.data.map((r: any) => r.rule_id)).toEqual(['beta']);
    // The per-rule log answers the same entries.
    const alphaLog = await pb.api('GET', '/internal/alerting/rule/alpha/_execution_log?date_start=now-1h');
    expect(alphaLog.body.data).toEqual([rows[0], rows[2]]);
  });

  it('counts the runs of every rule in the KPI', async () => {
    const kpi = await pb.api('GET', '/internal/alerting/_global_execution_kpi?date_start=now-1h');
    expect(kpi.status, kpi.text).toBe(200);
    expect(kpi.body).toEqual({ success: 3, unknown: 0, failure: 0, warning: 0, activeAlerts: 2, newAlerts: 1, recoveredAlerts: 0, erroredActions: 0, triggeredActions: 0 });
    const filtered = await pb.api('GET', `/internal/alerting/_global_execution_kpi?date_start=now-1h&filter=${encodeURIComponent('rule.id:alpha')}`);
    expect(filtered.body).toMatchObject({ success: 2, activeAlerts: 2, newAlerts: 1 });
    const later = await pb.api('GET', '/internal/alerting/_global_execution_kpi?date_start=now%2B1h');
    expect(later.body).toMatchObject({ success: 0, unknown: 0 });
  });

  it("keeps each space's runs to itself; namespaces adds the spaces the caller may read rules in", async () => {
    const blue = await pb.api('GET', `/s/${BLUE}/internal/alerting/_global_execution_logs?date_start=now-1h`);
    expect(blue.body.total).toBe(1);
    expect(blue.body.data[0]).toMatchObject({ rule_id: 'gamma', rule_name: 'Gamma', space_ids: [BLUE], num_new_alerts: 2 });
    const blueKpi = await pb.api('GET', `/s/${BLUE}/internal/alerting/_global_execution_kpi?date_start=now-1h`);
    expect(blueKpi.body).toMatchObject({ success: 1, newAlerts: 2, activeAlerts: 2 });

    const both = await pb.api('GET', `/internal/alerting/_global_execution_logs?date_start=now-1h&namespaces=default&namespaces=${BLUE}`);
    expect(both.body.data.map((r: any) => r.rule_id).sort()).toEqual(['alpha', 'alpha', 'beta', 'gamma']);
    const onlyBlue = await pb.api('GET', `/internal/alerting/_global_execution_kpi?date_start=now-1h&namespaces=${BLUE}`);
    expect(onlyBlue.body).toMatchObject({ success: 1 });

    // A reader of the default space's rules: its runs; blue is left out of namespaces.
    const read = await pb.api('GET', `/internal/alerting/_global_execution_logs?date_start=now-1h&namespaces=default&namespaces=${BLUE}`, undefined, { headers: reader });
    expect(read.status, read.text).toBe(200);
    expect(read.body.data.map((r: any) => r.rule_id)).toEqual(['alpha', 'beta', 'alpha']);
    const readBlue = await pb.api('GET', `/internal/alerting/_global_execution_kpi?date_start=now-1h&namespaces=${BLUE}`, undefined, { headers: reader });
    expect(readBlue.body).toMatchObject({ success: 0, unknown: 0, failure: 0 });
  });

  it('refuses a caller without rules privileges with 403, before its query is checked', async () => {
    for (const url of [
      '/internal/alerting/_global_execution_logs?date_start=now-1h',
      '/internal/alerting/_global_execution_kpi?date_start=now-1h',
      '/internal/alerting/_global_execution_logs',
      `/s/${BLUE}/internal/alerting/_global_execution_kpi?date_start=now-1h`,
    ]) {
      const refused = await pb.api('GET', url, undefined, { headers: connectorsOnly });
      expect(refused.body, url).toEqual({ statusCode: 403, error: 'Forbidden', message: 'Unauthorized to find alerts for any rule types' });
    }
    // The reader may not read blue's rules at all.
    const blue = await pb.api('GET', `/s/${BLUE}/internal/alerting/_global_execution_logs?date_start=now-1h`, undefined, { headers: reader });
    expect(blue.status).toBe(403);
  });

  it("answers Kibana's 400s for the query", async () => {
    const cases: Array<[string, string]> = [
      ['', '[request query.date_start]: expected value of type [string] but got [undefined]'],
      ['date_start=yesterday', 'Invalid date for parameter date_start: "yesterday"'],
      ['date_start=now-1h&date_end=soon', 'Invalid date for parameter date_end: "soon"'],
      [`date_start=now-1h&sort=${sort('rule_name', 'asc')}`, `Invalid sort field "rule_name" - must be one of [${ALL_SORT_FIELDS}]`],
      ['date_start=now-1h&sort=not-json', '[request query.sort]: could not parse array value from json input'],
      [`date_start=now-1h&filter=${encodeURIComponent('rule.id:(')}`, 'Invalid kuery syntax for filter rule.id:('],
    ];
    for (const [query, message] of cases) {
      const answer = await pb.api('GET', `/internal/alerting/_global_execution_logs?${query}`);
      expect([answer.status, answer.body.message], query).toEqual([400, message]);
    }
    for (const query of ['date_start=now-1h&page=0', 'date_start=now-1h&per_page=0', 'date_start=now-1h&unknown=1']) {
      const answer = await pb.api('GET', `/internal/alerting/_global_execution_logs?${query}`);
      expect(answer.status, query).toBe(400);
      expect(answer.body).toMatchObject({ statusCode: 400, error: 'Bad Request' });
    }
    const kpi = await pb.api('GET', '/internal/alerting/_global_execution_kpi');
    expect([kpi.status, kpi.body.message]).toEqual([400, '[request query.date_start]: expected value of type [string] but got [undefined]']);
    const kpiSort = await pb.api('GET', `/internal/alerting/_global_execution_kpi?date_start=now-1h&sort=${sort('timestamp', 'asc')}`);
    expect(kpiSort.status).toBe(400);
  });

  it("lists a rule's actions in the connectors' global log with source alert, beside one run over HTTP", async () => {
    const green = (url: string) => `/s/${GREEN}${url}`;
    expect((await pb.api('POST', '/api/spaces/space', { id: GREEN, name: 'Green' })).status).toBe(200);
    const hook = await pb.api('POST', green('/api/actions/connector/green-hook'), { name: 'Green hook', connector_type_id: '.webhook', config: webhookConfig(`${sink.url}/green`), secrets: {} });
    expect(hook.status, hook.text).toBe(200);
    driven.set('delta', [{ id: 'x' }]);
    const action = { group: 'firing', id: 'green-hook', params: { body: '{{alert.id}}' }, frequency: { summary: false, notify_when: 'onActionGroupChange', throttle: null } };
    await runs.create('delta', { name: 'Delta', rule_type_id: 'test.driven', actions: [action] }, `/s/${GREEN}`);
    const direct = await pb.api('POST', green('/api/actions/connector/green-hook/_execute'), { params: { body: 'by hand' } });
    expect(direct.body, direct.text).toMatchObject({ status: 'ok' });
    await pb.plugboard.flushWrites();

    const log = await pb.api('POST', green('/internal/actions/_global_connector_execution_logs'), { date_start: 'now-1h', sort: [{ timestamp: { order: 'asc' } }] });
    expect(log.status, log.text).toBe(200);
    // The rule's own execute-action event is no connector execution.
    expect(log.body.total).toBe(2);
    const [byRule, byHand] = log.body.data;
    const common = { status: 'success', connector_id: 'green-hook', connector_name: 'Green hook', space_ids: [GREEN], timed_out: false, attempts: 1 };
    expect(byRule).toMatchObject({ ...common, source: 'alert', message: 'action executed: .webhook:green-hook: Green hook' });
    expect(byHand).toMatchObject({ ...common, source: 'http_request', schedule_delay_ms: 0 });
    expect(byRule.schedule_delay_ms).toBeGreaterThanOrEqual(0);
    const kpi = await pb.api('POST', green('/internal/actions/_global_connector_execution_kpi'), { date_start: 'now-1h' });
    expect(kpi.body).toEqual({ success: 2, unknown: 0, failure: 0, warning: 0 });
    const onlyRules = await pb.api('POST', green('/internal/actions/_global_connector_execution_logs'), { date_start: 'now-1h', filter: 'kibana.action.execution.source:alert' });
    expect(onlyRules.body.data.map((r: any) => r.id)).toEqual([byRule.id]);

    // The rule run's execution log counts the action; its events name the rule and its run.
    const ruleLog = await pb.api('GET', green('/internal/alerting/_global_execution_logs?date_start=now-1h'));
    expect(ruleLog.body.data).toEqual([expect.objectContaining({ rule_id: 'delta', num_triggered_actions: 1, num_succeeded_actions: 1, num_errored_actions: 0 })]);
    const events = await pb.api('GET', green(`/internal/actions/execution_events/${byRule.id}`));
    const execute = events.body.find((e: any) => e.event.action === 'execute');
    expect(execute.kibana.saved_objects).toEqual([
      { rel: 'primary', type: 'action', id: 'green-hook', type_id: '.webhook', namespace: GREEN },
      { rel: 'primary', type: 'alert', id: 'delta', type_id: 'test.driven', namespace: GREEN },
    ]);
    expect(execute.kibana.alert.rule).toEqual({ consumer: 'alerts', execution: { uuid: ruleLog.body.data[0].id }, rule_type_id: 'test.driven' });
    expect(execute.kibana.action.execution).toMatchObject({ source: 'alert' });
    const manual = (await pb.api('GET', green(`/internal/actions/execution_events/${byHand.id}`))).body.find((e: any) => e.event.action === 'execute');
    expect(manual.kibana.saved_objects).toEqual([{ rel: 'primary', type: 'action', id: 'green-hook', type_id: '.webhook', namespace: GREEN }]);
    expect(manual.kibana.alert).toBeUndefined();
  });
});
