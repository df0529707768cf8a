import pino from 'pino';
import { beforeAll, describe, expect, it } from 'vitest';
import { formatZodError } from '../../../actions/format_zod_error.js';
import { installZod3Messages } from '../../../common/zod_messages.js';
import type { IncomingAlert } from '../../../ingest/types.js';
import { runAlertsReporter, testRuleInfo } from '../lib/test_harness.js';
import { ruleTypes } from '../index.js';
import { incomingAlertsParamsSchema, parsePrometheusDuration } from './params.js';
import { INCOMING_ALERTS_RULE_TYPE_ID, incomingAlertsRuleType } from './rule_type.js';

// The executor over an in-memory store and silences: which alerts it reports, mutes and recovers, with which variables.

const NOW = new Date('2026-03-01T12:00:00.000Z');
const iso = (minutes: number) => new Date(NOW.getTime() + minutes * 60_000).toISOString();
const incoming = (fingerprint: string, labels: Record<string, string>, endsInMinutes = 5): IncomingAlert => ({
  spaceId: 'default',
  fingerprint,
  labels,
  annotations: { summary: `${labels.alertname} summary` },
  startsAt: iso(-10),
  endsAt: iso(endsInMinutes),
  timeout: false,
  generatorURL: 'http://prometheus/graph',
  updatedAt: iso(-1),
  firstSeenAt: iso(-10),
  source: 'alertmanager-api',
});

describe('incoming-alerts rule type', () => {
  beforeAll(() => installZod3Messages());
  const store = [
    incoming('f1', { alertname: 'HighLatency', severity: 'page' }),
    incoming('f2', { alertname: 'HighLatency', severity: 'ticket' }),
    incoming('f3', { alertname: 'HighLatency', severity: 'page', env: 'dev' }, -1),
    incoming('f4', { alertname: 'DiskFull', severity: 'page' }),
    incoming('f5', { alertname: 'HighLatency', severity: 'page', silenced: 'yes' }),
    incoming('f6', { alertname: 'Old', env: 'dev', silenced: 'yes' }, -2),
  ];
  const type = incomingAlertsRuleType({
    incomingAlerts: { list: async (spaceId) => (spaceId === 'default' ? store : []) },
    silences: { silencedBy: async (_space, labels) => (labels.silenced === 'yes' ? ['s-1'] : []) },
  });

  async function run(params: Record<string, unknown>, previouslyActive: string[] = [], spaceId = 'default') {
    return (await runWith(params, { previouslyActive, spaceId })).alerts;
  }

  async function runWith(params: Record<string, unknown>, opts: { previouslyActive?: string[]; spaceId?: string; hasSummaryActions?: boolean } = {}) {
    const reporter = runAlertsReporter(type, opts.previouslyActive ?? []);
    const spaceId = opts.spaceId ?? 'default';
    const answer = await type.executor({
      executionId: 'run-1',
      params: type.schemas.params.parse(params),
      state: {},
      startedAt: NOW,
      previousStartedAt: null,
      spaceId,
      rule: { ...testRuleInfo(type, 'incoming', NOW), hasSummaryActions: opts.hasSummaryActions ?? false },
      logger: pino({ level: 'silent' }),
      services: {
        alerts: reporter,
        elasticsearch: () => {
          throw new Error('no Elasticsearch');
        },
        results: { addLastRunWarning: () => undefined, setLastRunOutcomeMessage: () => undefined },
        shouldStopExecution: () => false,
      },
      getTimeRange: () => ({ dateStart: NOW.toISOString(), dateEnd: NOW.toISOString() }),
      signal: new AbortController().signal,
    });
    reporter.checkLimitUsage();
    return { alerts: Object.values(reporter.reported), answer };
  }

  it('reports the firing alerts its matchers select, by fingerprint, with their fields in context and alert payload; silenced ones muted', async () => {
    const alerts = await run({ matchers: ['alertname="HighLatency"', 'severity=~"page|critical"'] });
    expect(alerts.map((a) => [a.id, a.actionGroup, a.muted])).toEqual([
      ['f1', 'firing', false],
      ['f5', 'firing', true],
    ]);
    const expected = {
      fingerprint: 'f1',
      status: 'firing',
      labels: { alertname: 'HighLatency', severity: 'page' },
      annotations: { summary: 'HighLatency summary' },
      startsAt: iso(-10),
      endsAt: iso(5),
      generatorURL: 'http://prometheus/graph',
    };
    expect(alerts[0].getContext()).toEqual(expected);
    expect(alerts[0].getPayload()).toEqual(expected);
  });

  it('selects every alert of the space with no matchers, and none of another space', async () => {
    expect((await run({})).map((a) => a.id)).toEqual(['f1', 'f2', 'f4', 'f5']);
    expect(await run({}, [], 'other')).toEqual([]);
  });

  it('recovers resolved and forgotten alerts with a recovery context; a silenced one recovers muted', async () => {
    const alerts = await run({ matchers: ['env="dev"'] }, ['f3', 'f6', 'gone']);
    const recovered = Object.fromEntries(alerts.filter((a) => !a.isScheduled()).map((a) => [a.id, { context: a.getContext(), payload: a.getPayload(), muted: a.muted }]));
    expect(recovered.f3.context).toMatchObject({ fingerprint: 'f3', status: 'resolved', endsAt: iso(-1), labels: { env: 'dev' } });
    expect(recovered.f3.payload).toEqual(recovered.f3.context);
    expect([recovered.f3.muted, recovered.f6.muted]).toEqual([false, true]);
    expect(recovered.gone).toEqual({ context: { fingerprint: 'gone', status: 'resolved' }, payload: { fingerprint: 'gone', status: 'resolved' }, muted: false });
  });

  it('keeps summary groups and asks for an early run at their first flush only when the rule has summary actions', async () => {
    const params = { matchers: ['alertname="HighLatency"'], group_by: ['severity'] };
    const without = (await runWith(params)).answer;
    expect(without).toEqual({ state: {} });
    const withSummaries = (await runWith(params, { hasSummaryActions: true })).answer as { state: { groups: Record<string, unknown> }; nextRun?: Date };
    expect(Object.keys(withSummaries.state.groups).sort()).toEqual(['[["severity","page"]]', '[["severity","ticket"]]']);
    // Its alerts started 10 minutes ago, longer than group_wait: the groups flushed in this run, next at the repeat tick.
    expect(withSummaries.nextRun).toEqual(new Date(NOW.getTime() + 4 * 3_600_000 + 5 * 60_000));
  });

  it('is registered with its groups, producer and variables, and Alertmanager defaults for its timers', () => {
    const registered = ruleTypes({ database: { db: undefined as never, dialect: 'sqlite' }, connectorsOfSpace: async () => [], incomingAlerts: { list: async () => [] }, silences: { silencedBy: async () => [] } });
    expect(registered.map((t) => t.id)).toContain(INCOMING_ALERTS_RULE_TYPE_ID);
    expect(type).toMatchObject({ producer: 'plugboard', actionGroups: [{ id: 'firing', name: 'Firing' }], defaultActionGroupId: 'firing', doesSetRecoveryContext: true });
    const names = ['labels', 'annotations', 'generatorURL', 'startsAt', 'endsAt', 'fingerprint', 'status'];
    expect(type.actionVariables.alert?.map((v) => v.name)).toEqual(names);
    expect(type.actionVariables.context.map((v) => v.name)).toEqual(names);
    expect(incomingAlertsParamsSchema.parse({})).toEqual({ matchers: [], group_by: [], group_wait: '30s', group_interval: '5m', repeat_interval: '4h' });
    expect(incomingAlertsParamsSchema.parse({ group_by: ['...'], group_wait: '0s', repeat_interval: '1d12h' }).group_by).toEqual(['...']);
  });

  it('reads durations as Alertmanager does, and says what is wrong with each param', () => {
    expect([ '30s', '1h30m', '0s', '0', '500ms', '1w', '2y'].map(parsePrometheusDuration)).toEqual([30_000, 5_400_000, 0, 0, 500, 604_800_000, 2 * 365 * 86_400_000]);
    for (const bad of ['', '5', '1.5h', '5 m', '-1s', '30S', 'm']) expect(parsePrometheusDuration(bad), bad).toBeUndefined();
    const errorOf = (params: unknown) => {
      const result = incomingAlertsParamsSchema.safeParse(params);
      if (result.success) throw new Error(`expected ${JSON.stringify(params)} to be invalid`);
      return formatZodError(result.error);
    };
    expect(errorOf({ matchers: ['a="b"', 'a=~"("'] })).toMatch(/^Field "matchers\.1": matchers\[1\]: /);
    expect(errorOf({ matchers: ['foo'] })).toBe('Field "matchers.0": matchers[0]: bad matcher format: foo');
    expect(errorOf({ group_by: [''] })).toBe('Field "group_by.0": must be a label name, not an empty string');
    expect(errorOf({ group_interval: '5' })).toBe('Field "group_interval": must be a duration such as "30s", "5m" or "1h30m" (units y, w, d, h, m, s, ms)');
  });
});
