import type { Kysely } from 'kysely';
import { timeOrderedUuid } from '../../common/ids.js';
import { ATTEMPT_END_ACTIONS, attemptKey, rowDocuments, toEventRow, type EventRow } from '../../event_log/document.js';
import type { EventLogTable } from '../schema.js';

/** The table as this migration leaves it. */
type Tables = Kysely<{ event_log: EventLogTable }>;

// One event row per attempt (see EventRow in src/event_log/document.ts): an attempt's
// `execute-start` row takes its end (`execute` or `execute-interrupted`) into its columns, with
// `events` 2. Existing pairs are joined only where the joined row reads back exactly the two
// documents it replaces; any other row stays as it is, which reads the same as before.

/** Starts read and joined at a time: a page's joined rows are one insert, within both dialects' limits on parameters. */
const PAGE = 500;

export async function up(untyped: Kysely<unknown>): Promise<void> {
  const db = untyped as Tables;
  await db.schema.alterTable('event_log').addColumn('events', 'integer', (c) => c.notNull().defaultTo(1)).execute();
  // A page of starts by primary key, then their executions' ends by event_log_execution: a join
  // in SQL would be planned as a scan of the whole table for every page.
  let after = '';
  for (;;) {
    const starts = await db.selectFrom('event_log').selectAll().where('action', '=', 'execute-start').where('id', '>', after).orderBy('id').limit(PAGE).execute();
    if (starts.length === 0) return;
    after = starts[starts.length - 1].id;
    const ends = await db
      .selectFrom('event_log')
      .select(['id', 'execution_uuid', 'attempt', 'timestamp', 'action', 'outcome', 'duration_ns', 'message', 'error_message', 'document'])
      .where('execution_uuid', 'in', [...new Set(starts.map((s) => s.execution_uuid))])
      .where('action', 'in', [...ATTEMPT_END_ACTIONS])
      .orderBy('id')
      .execute();
    const endsOf = new Map<string, typeof ends>();
    for (const end of ends) {
      const key = attemptKey(end);
      const same = endsOf.get(key);
      if (same) same.push(end);
      else endsOf.set(key, [end]);
    }
    const joined: EventRow[] = [];
    const replaced = new Set<string>();
    for (const start of starts) {
      for (const end of endsOf.get(attemptKey(start)) ?? []) {
        if (replaced.has(end.id)) continue;
        const { action, outcome, duration_ns, message, error_message } = end;
        const row: EventRow = { ...start, action, outcome, duration_ns, message, error_message, events: 2 };
        if (JSON.stringify(rowDocuments(row)[1]) !== end.document) continue;
        joined.push(row);
        replaced.add(start.id).add(end.id);
        break;
      }
    }
    if (joined.length > 0) {
      await db.deleteFrom('event_log').where('id', 'in', [...replaced]).execute();
      await db.insertInto('event_log').values(joined).execute();
    }
  }
}

/** The table has no rule columns until migration 014, nor gen_ai_usage until 017. */
function withoutLaterColumns(row: EventRow): EventRow {
  const { rule_id: _ruleId, rule_execution_uuid: _ruleExecution, gen_ai_usage: _genAiUsage, ...rest } = row;
  return rest as EventRow;
}

export async function down(untyped: Kysely<unknown>): Promise<void> {
  const db = untyped as Tables;
  for (;;) {
    const rows = await db.selectFrom('event_log').selectAll().where('events', '=', 2).orderBy('id').limit(PAGE).execute();
    if (rows.length === 0) break;
    await db.deleteFrom('event_log').where('id', 'in', rows.map((r) => r.id)).execute();
    const split = rows.flatMap((row) => {
      const [start, end] = rowDocuments(row);
      return [toEventRow(row.id, start), toEventRow(timeOrderedUuid(), end)].map(withoutLaterColumns);
    });
    await db.insertInto('event_log').values(split).execute();
  }
  await db.schema.alterTable('event_log').dropColumn('events').execute();
}
