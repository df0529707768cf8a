import { Client as ElasticsearchClient } from '@elastic/elasticsearch';
import { pino } from 'pino';
import { DEFAULT_MAX_ALERTS, RunAlertsReporter } from '../../alerts/alerts_reporter.js';
import type { RuleExecutorOptions, RuleInfo, RuleTypeDefinition } from '../../types.js';

// What a rule type's own tests need to drive its executor: the executor options of
// alerting/types.ts with the task runner's alerts reporter over the alerts active the run before.

export interface ReportedAlert {
  id: string;
  actionGroup: string;
  context?: Record<string, unknown>;
  state?: Record<string, unknown>;
}

export interface RunAlerts {
  /** The alerts reported this run, with their group, context and state. */
  reported: ReportedAlert[];
  /** The alerts active the run before and not reported (none once the limit is reached), with the context the executor set. */
  recovered: Array<{ id: string; context: Record<string, unknown> }>;
  limitReached: boolean;
}

export interface RunOutcome<S> extends RunAlerts {
  state: S;
  warnings: string[];
  logged: Array<{ level: string; msg: string }>;
}

/** The alerts reporter the task runner gives a run of `type`, over the alerts active the run before. */
export function runAlertsReporter(
  type: Pick<RuleTypeDefinition<any, any>, 'autoRecoverAlerts' | 'doesSetRecoveryContext'>,
  previouslyActive: Iterable<string>,
  maxAlerts = DEFAULT_MAX_ALERTS,
): RunAlertsReporter {
  const alertInstances = Object.fromEntries([...previouslyActive].map((id) => [id, {}]));
  return new RunAlertsReporter(
    { alertInstances, alertRecoveredInstances: {} },
    { maxAlerts, autoRecoverAlerts: type.autoRecoverAlerts ?? true, doesSetRecoveryContext: type.doesSetRecoveryContext ?? false },
  );
}

/** What a run reported and recovered, read from its reporter once the executor is done (checked as the task runner does). */
export function alertsOfRun(reporter: RunAlertsReporter): RunAlerts {
  reporter.checkLimitUsage();
  const alerts = Object.values(reporter.reported);
  const limitReached = reporter.hasReachedAlertLimit;
  return {
    reported: alerts.filter((a) => a.isScheduled()).map((a) => ({ id: a.id, actionGroup: a.actionGroup!, context: a.getContext(), state: a.getState() })),
    recovered: limitReached ? [] : alerts.filter((a) => !a.isScheduled() && Object.hasOwn(reporter.tracked.active, a.id)).map((a) => ({ id: a.id, context: a.getContext() })),
    limitReached,
  };
}

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Runs a rule type's executor run after run, as the task runner would, against `esUrl`. */
export function ruleRunner<P, S extends Record<string, unknown>>(type: RuleTypeDefinition<P, S>, esUrl: string, opts: { alertLimit?: number; spaceId?: string } = {}) {
  const client = new ElasticsearchClient({ node: esUrl });
  let active = new Set<string>();
  let state = {} as S;

  return {
    client,
    /** One run with `rawParams` (validated by the type's schema) ending at `now`. */
    async run(rawParams: unknown, now: Date = new Date()): Promise<RunOutcome<S>> {
      const params = type.schemas.params.parse(rawParams);
      const alerts = runAlertsReporter(type, active, opts.alertLimit);
      const warnings: string[] = [];
      const logged: RunOutcome<S>['logged'] = [];
      const logger = pino({ level: 'debug' }, { write: (line: string) => void logged.push(JSON.parse(line)) });
      const options: RuleExecutorOptions<P, S> = {
        executionId: 'execution-1',
        params,
        state,
        startedAt: now,
        previousStartedAt: null,
        spaceId: opts.spaceId ?? 'default',
        rule: testRuleInfo(type, 'my rule', now),
        logger,
        services: {
          alerts,
          elasticsearch: () => client,
          results: { addLastRunWarning: (m) => void warnings.push(m), setLastRunOutcomeMessage: () => {} },
          shouldStopExecution: () => false,
        },
        getTimeRange(window = '0s') {
          const m = /^(\d+)([smhd])$/.exec(window);
          if (!m) throw new Error(`Invalid format for windowSize: "${window}"`);
          return { dateStart: new Date(now.getTime() - Number(m[1]) * UNIT_MS[m[2]]).toISOString(), dateEnd: now.toISOString() };
        },
        signal: new AbortController().signal,
      };
      const result = await type.executor(options);
      state = result.state;
      const outcome = alertsOfRun(alerts);
      if (!outcome.limitReached) active = new Set(outcome.reported.map((a) => a.id));
      return {
        state: result.state,
        ...outcome,
        warnings,
        logged: logged.map((l: any) => ({ level: l.level >= 50 ? 'error' : l.level >= 40 ? 'warn' : 'info', msg: l.msg })),
      };
    },
    close: () => client.close(),
  };
}

/** Indexes `docs` into the simulator through its `_bulk` API, refreshed. */
export async function indexDocuments(client: ElasticsearchClient, index: string, docs: Array<Record<string, unknown>>): Promise<void> {
  await client.bulk({ refresh: true, operations: docs.flatMap((doc) => [{ index: { _index: index } }, doc]) });
}

/** The rule a test run's executor is given: one minute, enabled, created at `at`. */
export function testRuleInfo(type: Pick<RuleTypeDefinition<any, any>, 'id' | 'name' | 'producer'>, name: string, at: Date): RuleInfo {
  return {
    id: 'rule-1',
    name,
    tags: [],
    consumer: 'alerts',
    producer: type.producer,
    revision: 0,
    ruleTypeId: type.id,
    ruleTypeName: type.name,
    enabled: true,
    schedule: { interval: '1m' },
    createdBy: null,
    updatedBy: null,
    createdAt: at,
    updatedAt: at,
    throttle: null,
    notifyWhen: null,
    muteAll: false,
    hasSummaryActions: false,
  };
}
