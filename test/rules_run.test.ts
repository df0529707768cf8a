import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineRuleType } from '../src/alerting/types.js';
import { availableDialects } from './helpers/databases.js';
import { startTestPlugboard, type TestPlugboard } from './helpers/plugboard.js';
import { startStatusSink, type StatusSink } from './helpers/status_sink.js';
import { eventually } from './helpers/wait.js';

// A rule running on its schedule, end to end: connector health watches a webhook connector
// whose service answers 500, alerts on it, and its action posts a rendered message through
// another webhook connector to a local HTTP sink; the rule's run state says what happened.

const dialects = await availableDialects();

/** A rule type whose every run throws, for the failed-run path. */
const throwingRuleType = defineRuleType({
  id: 'test.throws',
  name: 'Always throws',
  category: 'management',
  producer: 'alerts',
  minimumLicenseRequired: 'basic',
  isExportable: true,
  actionGroups: [{ id: 'default', name: 'Default' }],
  defaultActionGroupId: 'default',
  actionVariables: { context: [] },
  schemas: { params: z.object({}) },
  async executor() {
    throw new Error('the index is gone');
  },
});

const webhook = (url: string) => ({ url, method: 'post', headers: { 'content-type': 'application/json' }, hasAuth: false });

describe.each(dialects)('a rule run on its schedule on %s', (dialect) => {
  let pb: TestPlugboard;
  let failing: StatusSink;
  let notified: StatusSink;

  beforeAll(async () => {
    failing = await startStatusSink();
    failing.respondWith({ status: 500, body: '{"error":"down"}' });
    notified = await startStatusSink();
    pb = await startTestPlugboard({
      dialect,
      extraRuleTypes: [throwingRuleType],
      settings: {
        // The sinks are on loopback; rules may run every second here.
        'plugboard.net.deniedAddresses': [],
        'plugboard.tasks.pollInterval': '200ms',
        'xpack.alerting.rules.minimumScheduleInterval': { value: '1s' },
      },
    });
    const create = (id: string, name: string, url: string) =>
      pb.api('POST', `/api/actions/connector/${id}`, { name, connector_type_id: '.webhook', config: webhook(url), secrets: {} });
    expect((await create('orders-hook', 'Orders hook', `${failing.url}/orders`)).status).toBe(200);
    expect((await create('pager-hook', 'Pager hook', `${notified.url}/page`)).status).toBe(200);
  });
  afterAll(async () => {
    await pb?.close();
    await failing?.close();
    await notified?.close();
  });

  it('alerts on a failing connector once, posts the rendered action, and records the run on the rule', async () => {
    for (let i = 0; i < 2; i++) {
      const run = await pb.api('POST', '/api/actions/connector/orders-hook/_execute', { params: { body: '{"order":1}' } });
      expect(run.body.status).toBe('error');
    }
    const body = JSON.stringify({ alert: '{{alert.id}}', rule: '{{rule.name}}', group: '{{alert.actionGroup}}', message: '{{context.message}}' });
    const created = await pb.api('POST', '/api/alerting/rule/orders-health', {
      name: 'Orders hook health',
      rule_type_id: 'plugboard.connector-health',
      consumer: 'alerts',
      schedule: { interval: '1s' },
      params: { connectorIds: ['orders-hook'], window: '1h', maxFailureRate: 0.5, minExecutions: 1 },
      actions: [{ group: 'unhealthy', id: 'pager-hook', params: { body }, frequency: { summary: false, notify_when: 'onActionGroupChange', throttle: null } }],
    });
    expect(created.status, created.text).toBe(200);

    const posted = await eventually(() => notified.requests.find((r) => r.url === '/page'), 20_000, 'the rule action to reach the sink');
    const message = JSON.parse(posted.body) as Record<string, string>;
    expect(message).toMatchObject({ alert: 'orders-hook', rule: 'Orders hook health', group: 'unhealthy' });
    expect(message.message).toContain('Orders hook');

    // Later runs find the alert still active: the rule says so, and the action does not repeat
    // (notify on action group change).
    const active = await eventually(async () => {
      const rule = (await pb.api('GET', '/api/alerting/rule/orders-health')).body;
      return rule.execution_status?.status === 'active' && rule.last_run?.alerts_count?.new === 0 ? rule : undefined;
    }, 20_000, 'a later run with the alert ongoing');
    expect(active).toMatchObject({ running: false, last_run: { outcome: 'succeeded', alerts_count: { active: 1, new: 0, recovered: 0 } } });
    expect(Date.parse(active.next_run)).toBeGreaterThan(Date.parse(active.execution_status.last_execution_date));
    expect(notified.requests.filter((r) => r.url === '/page')).toHaveLength(1);
  });

  it('records a run that throws as a failed run, and runs the rule again at its interval', async () => {
    const created = await pb.api('POST', '/api/alerting/rule/always-throws', {
      name: 'Always throws',
      rule_type_id: 'test.throws',
      consumer: 'alerts',
      schedule: { interval: '1s' },
      params: {},
      actions: [],
    });
    expect(created.status, created.text).toBe(200);
    const failed = await eventually(async () => {
      const rule = (await pb.api('GET', '/api/alerting/rule/always-throws')).body;
      return rule.last_run ? rule : undefined;
    }, 20_000, 'the first run of the rule');
    expect(failed).toMatchObject({
      running: false,
      execution_status: { status: 'error', error: { reason: 'execute', message: 'the index is gone' } },
      last_run: { outcome: 'failed', warning: 'execute', outcome_msg: ['the index is gone'] },
    });
    const first = failed.execution_status.last_execution_date;
    await eventually(async () => {
      const rule = (await pb.api('GET', '/api/alerting/rule/always-throws')).body;
      return rule.execution_status.last_execution_date !== first ? rule : undefined;
    }, 20_000, 'a second run at the interval');
  });
});
