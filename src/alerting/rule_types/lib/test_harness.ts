import { Client as ElasticsearchClient } from '@elastic/elasticsearch';
import { pino } from 'pino';
import type { AlertsReporter, RecoveredAlert, RuleExecutorOptions, RuleInfo, RuleTypeDefinition } from '../../types.js';

// What a rule type's own tests need to drive its executor: the executor options of
// alerting/types.ts with a small alerts reporter that remembers which alerts were active last run.

export interface ReportedAlert {
  id: string;
  actionGroup: string;
  context?: Record<string, unknown>;
  state?: Record<string, unknown>;
}

export interface RunOutcome<S> {
  state: S;
  reported: ReportedAlert[];
  recovered: Array<{ id: string; context?: Record<string, unknown> }>;
  limitReached: boolean | undefined;
  warnings: string[];
  logged: Array<{ level: string; msg: string }>;
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
      const reported: ReportedAlert[] = [];
      const recovered: RunOutcome<S>['recovered'] = [];
      const warnings: string[] = [];
      const logged: RunOutcome<S>['logged'] = [];
      let limitReached: boolean | undefined;
      const limit = opts.alertLimit ?? 1000;
      const alerts: AlertsReporter = {
        report(alert) {
          if (reported.length === limit) throw new Error(`Rule reported more than ${limit} alerts.`);
          reported.push(alert);
        },
        getAlertLimitValue: () => limit,
        setAlertLimitReached: (reached) => void (limitReached = reached),
        getRecoveredAlerts(): RecoveredAlert[] {
          if (limitReached) return [];
          const now = new Set(reported.map((a) => a.id));
          return [...active].filter((id) => !now.has(id)).map((id) => {
            const entry: RunOutcome<S>['recovered'][number] = { id };
            recovered.push(entry);
            return { id, setContext: (context) => void (entry.context = context) };
          });
        },
      };
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
      if (!limitReached) active = new Set(reported.map((a) => a.id));
      return {
        state: result.state,
        reported,
        recovered,
        limitReached,
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
  };
}
