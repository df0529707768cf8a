import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actionEvent, type ExecutionEventContext } from '../src/event_log/action_events.js';
import { getAlertSummary } from '../src/alerting/alert_summary.js';
import { RuleRunEvents } from '../src/alerting/rule_event_log.js';
import { EventLogger } from '../src/event_log/event_logger.js';
import { getRuleExecutionLog } from '../src/event_log/rule_execution_log.js';
import type { RuleRecord } from '../src/storage/rules_repository.js';
import { getConnectorExecutionStats } from '../src/event_log/connector_execution_stats.js';
import { executionEvents } from '../src/event_log/event_reader.js';
import { getSpentTokenBuckets, getTokenUsage } from '../src/event_log/token_usage.js';
import { getExecutionKpi, getExecutionLog } from '../src/event_log/execution_log_queries.js';
import { kqlFilter } from '../src/event_log/kql.js';
import { deleteEventsBefore } from '../src/event_log/retention.js';
import { openDatabase, type PlugboardDatabase } from '../src/storage/database.js';
import { GroupCommit } from '../src/storage/group_commit.js';
import { availableDialects, createPostgresSchema, type TestSchema } from './helpers/databases.js';
import { traceDriverStatements, type DriverStatement } from './helpers/driver_statements.js';

// The plan of every statement on the event_log table, on a month of history: each finds its
// rows through an index, and every index of the table serves one of them (docs/event-log.md
// shows these plans).

const dialects = await availableDialects();
const DAY = 86_400_000;
const ATTEMPTS = 20_000;
const CONNECTORS = 50;
const RULE_RUNS = 2_000;
const RULES = 20;
/** What the alert summary reads of a rule. */
const summaryRule = { id: 'rule-3', spaceId: 'default', name: 'rule', tags: [], alertTypeId: '.index-threshold', consumer: 'alerts', muteAll: false, throttle: null, enabled: true, revision: 0, mutedInstanceIds: [] } as unknown as RuleRecord;
const SPACES = Array.from({ length: 40 }, (_, i) => (i === 0 ? 'default' : `space-${i}`));

describe.each(dialects)('event_log query plans on %s', (dialect) => {
  let database: PlugboardDatabase;
  let schema: TestSchema | undefined;
  let dataDir: string;
  const now = Date.now();

  const hook = (n: number) => ({ id: `c${n % CONNECTORS}`, name: `hook ${n % CONNECTORS}`, typeId: '.webhook', inMemory: false });

  /** Logs, as the executor does, attempt 1 of execution `uuid`, started at `start`; `ended` adds its end. */
  function logAttempt(events: EventLogger, uuid: string, n: number, start: Date, ended = true) {
    const ctx: ExecutionEventContext = { spaceId: SPACES[n % SPACES.length], connector: hook(n), executionId: uuid, source: 'http_request', attempt: 1, scheduledAt: start };
    void events.log(actionEvent(ctx, 'execute-start', { message: 'action started', end: start }));
    if (ended) void events.log(actionEvent(ctx, 'execute', { message: 'action executed', start, end: new Date(start.getTime() + 20), outcome: n % 7 ? 'success' : 'failure' }));
  }

  /** Run n of rule `rule-<n % RULES>`, as the task runner logs it, and the action it queued. */
  function logRuleRun(events: EventLogger, n: number, at: Date) {
    const executionId = `rule-run-${n}`;
    const rule = { id: `rule-${n % RULES}`, name: 'rule', ruleTypeId: '.index-threshold', consumer: 'alerts', revision: 0, producer: 'stackAlerts', license: 'basic' };
    const run = new RuleRunEvents(events, { executionId, spaceId: 'default', rule, scheduledAt: at }, at);
    run.start();
    run.stopped({ id: 'a', uuid: 'u', actionGroup: 'default', start: at.toISOString(), end: at.toISOString(), duration: '0', status: 'recovered', message: 'recovered' });
    run.end({ outcome: 'success', status: 'ok', metrics: { number_of_triggered_actions: 1 } }, new Date(at.getTime() + 10));
    const link = { executionId, rule: { id: rule.id, typeId: rule.ruleTypeId }, consumer: 'alerts' };
    const ctx: ExecutionEventContext = { spaceId: 'default', connector: hook(n), executionId: `rule-action-${n}`, source: 'alert', attempt: 1, scheduledAt: at, rule: link };
    void events.log(actionEvent(ctx, 'execute-start', { message: 'action started', end: at }));
    void events.log(actionEvent(ctx, 'execute', { message: 'action executed', start: at, end: new Date(at.getTime() + 20), outcome: 'success' }));
  }

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'plugboard-plans-'));
    schema = dialect === 'postgres' ? await createPostgresSchema() : undefined;
    database = await openDatabase({ dataDir, url: schema?.url });
    const writes = new GroupCommit(database.db, pino({ level: 'silent' }), { pool: database.pool });
    const events = new EventLogger(writes, database, (err) => {
      throw err;
    });
    // A month of attempts, the newest now; one in a hundred has started but not ended.
    for (let n = 0; n < ATTEMPTS; n++) logAttempt(events, `run-${n}`, n, new Date(now - Math.floor((n * 30 * DAY) / ATTEMPTS)), n % 100 !== 99);
    // A month of runs of 20 rules, each with an alert's end and an action it queued.
    for (let n = 0; n < RULE_RUNS; n++) logRuleRun(events, n, new Date(now - Math.floor((n * 30 * DAY) / RULE_RUNS)));
    await writes.flush();
    if (dialect === 'postgres') await sql`analyze event_log`.execute(database.db);
  }, 120_000);

  afterAll(async () => {
    await database?.close();
    await schema?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  /** The statements on event_log that `run` sends to the drivers, each with the plan the database chooses for it. */
  async function plans(run: () => Promise<unknown>): Promise<Array<{ sql: string; plan: string }>> {
    const seen: DriverStatement[] = [];
    const stop = traceDriverStatements((statement) => seen.push(statement));
    try {
      await run();
    } finally {
      stop();
    }
    const out: Array<{ sql: string; plan: string }> = [];
    for (const { text, params } of seen.filter((s) => /event_log/.test(s.text))) {
      // Explained with the parameters it ran with: positional or named (SQLite), arrays of a named statement's rows (PostgreSQL).
      const lines =
        dialect === 'sqlite'
          ? database.sqlite!.prepare<unknown[], { detail: string }>(`explain query plan ${text}`).all(...params).map((r) => r.detail)
          : (await database.pool!.query<{ 'QUERY PLAN': string }>(`explain (costs off) ${text}`, params)).rows.map((r) => r['QUERY PLAN']);
      out.push({ sql: text, plan: lines.join('\n') });
    }
    return out;
  }

  const PRIMARY_KEY = /^(sqlite_autoindex_event_log_\d+|event_log_pkey)$/;
  /** The event_log indexes a plan reads, the primary key's (named by the database) as `primary key`. */
  const indexesIn = (plan: string) =>
    [...new Set([...plan.matchAll(/\b(event_log_\w+|sqlite_autoindex_event_log_\d+)\b/g)].map((m) => (PRIMARY_KEY.test(m[1]) ? 'primary key' : m[1])))].sort();
  const scansWholeTable = (plan: string) => (dialect === 'sqlite' ? /\bSCAN event_log\b(?! USING)/.test(plan) : /Seq Scan on event_log\b/.test(plan));

  it('finds the rows of every event-log statement through an index, and uses every index', async () => {
    const writes = new GroupCommit(database.db, pino({ level: 'silent' }), { pool: database.pool });
    const events = new EventLogger(writes, database, (err) => {
      throw err;
    });
    const ctx: ExecutionEventContext = { spaceId: 'default', connector: hook(1), executionId: 'traced', source: 'http_request', attempt: 1 };
    const start = new Date(now);
    // Each run, and the indexes of its statements, in order (an insert reads none).
    const queries: Array<[string, () => Promise<unknown>, string[][]]> = [
      ['start (insert)', () => events.log(actionEvent(ctx, 'execute-start', { message: 'action started', end: start })), [[]]],
      // Written after its start: an update of the start's row.
      ['end (update)', () => events.log(actionEvent(ctx, 'execute', { message: 'action executed', start, end: new Date(now + 5), outcome: 'success' })), [['event_log_execution']]],
      ['events of an execution', () => executionEvents(database.db, 'traced'), [['event_log_execution']]],
      [
        'execution log of a space, last 24 hours',
        () => getExecutionLog(database.db, { dateStart: now - DAY, dateEnd: now, spaceIds: ['default'], sort: [], page: 1, perPage: 10 }),
        [['event_log_space_time'], ['primary key']],
      ],
      [
        "execution log of a connector (its Logs tab's KQL), last 30 days",
        () => getExecutionLog(database.db, { dateStart: now - 30 * DAY, dateEnd: now, spaceIds: ['default'], filter: kqlFilter('kibana.action.id:c0', { now }), sort: [], page: 1, perPage: 10 }),
        [['event_log_connector_time'], ['primary key']],
      ],
      ['KPI of a space, last 24 hours', () => getExecutionKpi(database.db, { dateStart: now - DAY, dateEnd: now, spaceIds: ['default'] }), [['event_log_space_time']]],
      ['KPI of every space, last 24 hours', () => getExecutionKpi(database.db, { dateStart: now - DAY, dateEnd: now }), [['event_log_timestamp']]],
      ['connector statistics of a space (connector-health rule), last 5 minutes', () => getConnectorExecutionStats(database, { spaceId: 'default', dateStart: now - 300_000, dateEnd: now }), [['event_log_space_time']]],
      [
        'connector statistics of two connectors of a space, last 5 minutes',
        () => getConnectorExecutionStats(database, { spaceId: 'default', connectorIds: ['c0', 'c1'], dateStart: now - 300_000, dateEnd: now }),
        // SQLite is steered to the connectors' index (see connector_execution_stats.ts); PostgreSQL chooses by its statistics.
        [[dialect === 'sqlite' ? 'event_log_connector_time' : 'event_log_space_time']],
      ],
      ['token usage of a space, last 24 hours', () => getTokenUsage(database, { spaceId: 'default', dateStart: now - DAY, dateEnd: now }), [['event_log_space_time']]],
      [
        'token usage of one connector, last 24 hours',
        () => getTokenUsage(database, { spaceId: 'default', connectorId: 'c0', dateStart: now - DAY, dateEnd: now }),
        // SQLite is steered to the connector's index (as for the connector statistics); PostgreSQL picks it by its statistics over a day.
        [['event_log_connector_time']],
      ],
      [
        'token spending of the budgeted connectors at start-up, last 24 hours',
        () => getSpentTokenBuckets(database, { since: now - DAY, bucketMs: 60_000, typeIds: ['.gen-ai'], connectorIds: ['c0'] }),
        [['event_log_timestamp']],
      ],
      [
        'execution log of a rule, last 30 days',
        () => getRuleExecutionLog(database.db, { ruleId: 'rule-3', spaceIds: ['default'], dateStart: now - 30 * DAY, dateEnd: now, sort: [], page: 1, perPage: 10 }),
        [['event_log_rule_time'], ['event_log_rule_time'], ['event_log_rule_time']],
      ],
      [
        'global execution log of the rules of a space, last 24 hours',
        () => getRuleExecutionLog(database.db, { spaceIds: ['default'], dateStart: now - DAY, dateEnd: now, sort: [], page: 1, perPage: 10 }),
        [['event_log_space_time'], ['event_log_space_time'], ['event_log_space_time']],
      ],
      ['alert summary of a rule', () => getAlertSummary(database.db, summaryRule, { dateStart: new Date(now - 30 * DAY), dateEnd: new Date(now), numberOfExecutions: 60 }), [['event_log_rule_time']]],
      ['retention', () => deleteEventsBefore(database.db, new Date(now - 29 * DAY)), [['event_log_timestamp'], ['event_log_timestamp']]],
    ];
    const used = new Set<string>();
    for (const [name, run, expected] of queries) {
      const found = await plans(run);
      const shown = `${name}:\n${found.map((f) => `${f.sql}\n${f.plan}`).join('\n--\n')}`;
      if (process.env.PRINT_PLANS) console.log(shown);
      expect(found.map(({ plan }) => indexesIn(plan)), shown).toEqual(expected);
      for (const { sql: text, plan } of found) {
        expect(scansWholeTable(plan), `${name}: ${text}\n${plan}`).toBe(false);
        for (const index of indexesIn(plan)) used.add(index);
      }
    }
    const declared =
      dialect === 'sqlite'
        ? await sql<{ name: string }>`select name from sqlite_master where type = 'index' and tbl_name = 'event_log'`.execute(database.db)
        : await sql<{ name: string }>`select indexname as name from pg_indexes where tablename = 'event_log' and schemaname = current_schema()`.execute(database.db);
    expect([...used].sort()).toEqual(declared.rows.map((r) => (PRIMARY_KEY.test(r.name) ? 'primary key' : r.name)).sort());
  });
});
