import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attemptWriter, type TestConnector } from '../../../../test/helpers/connector_attempts.js';
import { availableDialects, openTestDatabase } from '../../../../test/helpers/databases.js';
import { formatZodError } from '../../../actions/format_zod_error.js';
import { installZod3Messages } from '../../../common/zod_messages.js';
import { parseDuration } from '../../../config/units.js';
import type { PlugboardDatabase } from '../../../storage/database.js';
import { ConnectorsRepository } from '../../../storage/connectors_repository.js';
import { SpacesRepository } from '../../../storage/spaces_repository.js';
import type { RuleExecutorOptions } from '../../types.js';
import { ruleTypes } from '../index.js';
import { connectorHealthParamsSchema, type ConnectorHealthParams } from './params.js';
import { CONNECTOR_HEALTH_RULE_TYPE_ID, connectorHealthRuleType } from './rule_type.js';
import { alertsOfRun, runAlertsReporter, testRuleInfo } from '../lib/test_harness.js';

const dialects = await availableDialects();
const MINUTE = 60_000;

const connector = (id: string, typeId = '.webhook'): TestConnector => ({ id, name: `${id} hook`, typeId });
const PARAMS = { window: '5m', maxFailureRate: 0.2, minExecutions: 5, maxP99Ms: 1000 };

describe.each(dialects)('connector health rule type on %s', (dialect) => {
  let database: PlugboardDatabase;
  let close: () => Promise<void>;
  let repository: ConnectorsRepository;
  /** The runs' start: every execution below is in the 5 minutes before it. */
  const startedAt = new Date(Date.now() - 60 * MINUTE);

  async function run(given: Record<string, unknown>, opts: { at?: Date; spaceId?: string; previouslyActive?: string[]; limit?: number } = {}) {
    const type = connectorHealthRuleType({ database, connectorsOfSpace: (spaceId) => repository.listBySpace(spaceId, 10_000) });
    const params: ConnectorHealthParams = type.schemas.params.parse(given);
    const reporter = runAlertsReporter(type, opts.previouslyActive ?? [], opts.limit);
    const warnings: string[] = [];
    const at = opts.at ?? startedAt;
    const options: RuleExecutorOptions<ConnectorHealthParams, Record<string, never>> = {
      executionId: 'run-1',
      params,
      state: {},
      startedAt: at,
      previousStartedAt: null,
      spaceId: opts.spaceId ?? 'default',
      rule: testRuleInfo(type, 'connector health', at),
      logger: pino({ level: 'silent' }),
      services: {
        alerts: reporter,
        elasticsearch: () => {
          throw new Error('connector health asks no Elasticsearch');
        },
        results: { addLastRunWarning: (m) => void warnings.push(m), setLastRunOutcomeMessage: () => undefined },
        shouldStopExecution: () => false,
      },
      getTimeRange: (window = '0s') => ({ dateStart: new Date(at.getTime() - parseDuration(window)!).toISOString(), dateEnd: at.toISOString() }),
      signal: new AbortController().signal,
    };
    expect(await type.executor(options)).toEqual({ state: {} });
    const alerts = alertsOfRun(reporter);
    const active = Object.fromEntries(alerts.reported.map((a) => [a.id, a.context?.reason]));
    /** Each reported alert by id: its group and context. */
    const byId = Object.fromEntries(alerts.reported.map(({ id, actionGroup, context }) => [id, { actionGroup, context }]));
    return { alerts, active, byId, warnings };
  }

  beforeAll(async () => {
    ({ database, close } = await openTestDatabase(dialect));
    repository = new ConnectorsRepository(database.db);
    await new SpacesRepository(database.db).insert({ id: 'other', name: 'Other', disabledFeatures: [] });
    for (const [spaceId, ids] of [
      ['default', ['healthy', 'failing', 'slow', 'both', 'few', 'quiet']],
      ['other', ['elsewhere']],
    ] as const) {
      for (const id of ids) {
        const c = connector(id, id === 'slow' ? '.server-log' : '.webhook');
        await repository.insert({ ...c, spaceId, config: {}, secrets: '', isMissingSecrets: false });
      }
    }
    const attempts = attemptWriter(database);
    const tenRuns = (id: string, failures: number, durationMs: number, spaceId = 'default', from = startedAt.getTime() - 4 * MINUTE) => {
      for (let i = 0; i < 10; i++) attempts.log({ spaceId, connector: connector(id), start: new Date(from + i * 1000), durationMs, outcome: i < failures ? 'failure' : 'success' });
    };
    tenRuns('healthy', 2, 10); // 20%: not above the maximum
    tenRuns('failing', 5, 10);
    tenRuns('slow', 0, 2000);
    tenRuns('both', 10, 3000);
    for (let i = 0; i < 4; i++) attempts.log({ connector: connector('few'), start: new Date(startedAt.getTime() - MINUTE), durationMs: 5000, outcome: 'failure' });
    // Before the window: failures that no longer count.
    tenRuns('healthy', 10, 5000, 'default', startedAt.getTime() - 10 * MINUTE);
    // Another space's connector, and executions of a connector deleted from the space.
    tenRuns('elsewhere', 10, 10, 'other');
    tenRuns('gone', 10, 10);
    // After the first runs: `failing` recovers over the window of a run 6 minutes later.
    for (let i = 0; i < 10; i++) attempts.log({ connector: connector('failing'), start: new Date(startedAt.getTime() + 2 * MINUTE + i * 1000), durationMs: 20, outcome: 'success' });
    await attempts.flush();
  });

  afterAll(() => close?.());

  it('alerts for each connector of the space whose failure rate or p99 latency passes its threshold, and no other', async () => {
    const { active, alerts, byId, warnings } = await run(PARAMS);
    expect(active).toEqual({ failing: 'failure_rate', slow: 'p99_latency', both: 'failure_rate_and_p99_latency' });
    expect(warnings).toEqual([]);
    expect(alerts.limitReached).toBe(false);
    expect(byId.failing).toEqual({
      actionGroup: 'unhealthy',
      context: {
        connectorId: 'failing',
        connectorName: 'failing hook',
        connectorTypeId: '.webhook',
        executions: 10,
        failures: 5,
        failureRate: 0.5,
        p99Ms: 10,
        window: '5m',
        reason: 'failure_rate',
        message: "Connector 'failing hook' (.webhook) is unhealthy over the last 5m: failure rate 50% (5 of 10 executions) is above the maximum of 20%.",
      },
    });
    expect(byId.slow.context).toMatchObject({
      connectorTypeId: '.server-log',
      failureRate: 0,
      p99Ms: 2000,
      message: "Connector 'slow hook' (.server-log) is unhealthy over the last 5m: p99 latency 2000 ms is above the maximum of 1000 ms.",
    });
    expect(byId.both.context?.message).toBe(
      "Connector 'both hook' (.webhook) is unhealthy over the last 5m: failure rate 100% (10 of 10 executions) is above the maximum of 20%, and p99 latency 3000 ms is above the maximum of 1000 ms.",
    );
  });

  it('judges only connectors with at least minExecutions executions in the window', async () => {
    // `few` failed 4 times of 4: unjudged at 5, unhealthy at 4.
    expect((await run(PARAMS)).active).not.toHaveProperty('few');
    expect((await run({ ...PARAMS, minExecutions: 4 })).active).toHaveProperty('few', 'failure_rate_and_p99_latency');
    expect((await run({ ...PARAMS, minExecutions: 11 })).active).toEqual({});
  });

  it('leaves latency alone without maxP99Ms, and alerts on any failure with a maximum rate of 0', async () => {
    const { maxP99Ms: _, ...withoutLatency } = PARAMS;
    expect((await run(withoutLatency)).active).toEqual({ failing: 'failure_rate', both: 'failure_rate' });
    expect(Object.keys((await run({ ...withoutLatency, maxFailureRate: 0 })).active).sort()).toEqual(['both', 'failing', 'healthy']);
  });

  it('watches only the connectors named, and warns of those not in the space', async () => {
    expect((await run({ ...PARAMS, connectorIds: ['healthy', 'few', 'quiet'] })).active).toEqual({});
    const { active, warnings } = await run({ ...PARAMS, connectorIds: ['slow', 'elsewhere', 'gone', 'slow'] });
    expect(active).toEqual({ slow: 'p99_latency' });
    expect(warnings).toEqual(['Connectors not found in space default: elsewhere, gone']);
  });

  it("watches every connector of the rule's space when connectorIds is empty, and none of another space", async () => {
    expect((await run({ ...PARAMS, connectorIds: [] }, { spaceId: 'other' })).active).toEqual({ elsewhere: 'failure_rate' });
    expect((await run(PARAMS, { spaceId: 'empty' })).active).toEqual({});
  });

  it('reports no more alerts than the limit, and says it reached it', async () => {
    const { alerts } = await run(PARAMS, { limit: 2 });
    expect(alerts.reported.map((a) => a.id)).toEqual(['both', 'failing']);
    expect(alerts.limitReached).toBe(true);
  });

  it('recovers a connector that is healthy again, with a recovery context saying why', async () => {
    const later = new Date(startedAt.getTime() + 6 * MINUTE);
    const { active, alerts } = await run(PARAMS, { at: later, previouslyActive: ['failing', 'few', 'gone'] });
    expect(active).toEqual({});
    expect(Object.fromEntries(alerts.recovered.map((r) => [r.id, r.context]))).toEqual({
      failing: {
        connectorId: 'failing',
        connectorName: 'failing hook',
        connectorTypeId: '.webhook',
        executions: 10,
        failures: 0,
        failureRate: 0,
        p99Ms: 20,
        window: '5m',
        reason: 'healthy',
        message: "Connector 'failing hook' (.webhook) is healthy again over the last 5m: failure rate 0% (0 of 10 executions), p99 latency 20 ms.",
      },
      few: expect.objectContaining({
        reason: 'too_few_executions',
        executions: 0,
        p99Ms: null,
        message: "Connector 'few hook' (.webhook) recovered: 0 executions over the last 5m, fewer than the 5 needed to judge it.",
      }),
      gone: expect.objectContaining({ connectorName: '', reason: 'connector_not_found', message: 'Connector gone recovered: it is no longer a connector of this space.' }),
    });
  });
});

describe('connector health rule type definition', () => {
  beforeAll(() => installZod3Messages());

  const type = connectorHealthRuleType({
    database: { db: undefined as never, dialect: 'sqlite' },
    connectorsOfSpace: async () => [],
  });
  const errorOf = (params: unknown) => {
    const result = type.schemas.params.safeParse(params);
    if (result.success) throw new Error(`expected ${JSON.stringify(params)} to be invalid`);
    return formatZodError(result.error);
  };

  it('is registered with its action group, licence, producer and variables', () => {
    expect(ruleTypes({ database: { db: undefined as never, dialect: 'sqlite' }, connectorsOfSpace: async () => [], incomingAlerts: { list: async () => [] }, silences: { silencedBy: async () => [] } }).map((t) => t.id)).toContain(CONNECTOR_HEALTH_RULE_TYPE_ID);
    expect(type).toMatchObject({
      id: 'plugboard.connector-health',
      name: 'Connector health',
      producer: 'stackAlerts',
      category: 'management',
      minimumLicenseRequired: 'basic',
      actionGroups: [{ id: 'unhealthy', name: 'Unhealthy' }],
      defaultActionGroupId: 'unhealthy',
      doesSetRecoveryContext: true,
    });
    expect(type.actionVariables.context.map((v) => v.name)).toEqual([
      'connectorId',
      'connectorName',
      'connectorTypeId',
      'executions',
      'failures',
      'failureRate',
      'p99Ms',
      'window',
      'reason',
      'message',
    ]);
    expect(type.actionVariables.params?.map((v) => v.name)).toEqual(['connectorIds', 'window', 'maxFailureRate', 'minExecutions', 'maxP99Ms']);
  });

  it('takes valid params, with every connector of the space by default', () => {
    expect(connectorHealthParamsSchema.parse({ window: '30s', maxFailureRate: 0, minExecutions: 1 })).toEqual({ connectorIds: [], window: '30s', maxFailureRate: 0, minExecutions: 1 });
    for (const window of ['1s', '5m', '24h', '7d', '90m']) expect(connectorHealthParamsSchema.safeParse({ ...PARAMS, window }).success).toBe(true);
    expect(connectorHealthParamsSchema.safeParse({ ...PARAMS, maxFailureRate: 1, maxP99Ms: 0.5, connectorIds: ['a'] }).success).toBe(true);
  });

  it('says what is wrong with each param', () => {
    expect(errorOf({})).toBe('3 errors:\n [1]: Field "window": Required;\n [2]: Field "maxFailureRate": Required;\n [3]: Field "minExecutions": Required');
    const durationMessage = 'Field "window": must be a duration: a whole number followed by s, m, h or d, such as "5m"';
    for (const window of ['5', '5ms', '0m', '05m', '1.5h', '5 m', '-5m', '']) expect(errorOf({ ...PARAMS, window })).toBe(durationMessage);
    expect(errorOf({ ...PARAMS, window: 5 })).toBe('Field "window": Expected string, received number');
    for (const maxFailureRate of [-0.1, 1.01]) expect(errorOf({ ...PARAMS, maxFailureRate })).toBe('Field "maxFailureRate": must be between 0 and 1');
    expect(errorOf({ ...PARAMS, maxFailureRate: '0.5' })).toBe('Field "maxFailureRate": Expected number, received string');
    for (const minExecutions of [0, 2.5, -1]) expect(errorOf({ ...PARAMS, minExecutions })).toBe('Field "minExecutions": must be a whole number of at least 1');
    for (const maxP99Ms of [0, -10]) expect(errorOf({ ...PARAMS, maxP99Ms })).toBe('Field "maxP99Ms": must be a number of milliseconds greater than 0');
    expect(errorOf({ ...PARAMS, connectorIds: ['a', ''] })).toBe('Field "connectorIds.1": must be a connector id, not an empty string');
    expect(errorOf({ ...PARAMS, connectorIds: 'a' })).toBe('Field "connectorIds": Expected array, received string');
    expect(errorOf({ ...PARAMS, threshold: 3 })).toBe("Unrecognized key(s) in object: 'threshold'");
  });
});
