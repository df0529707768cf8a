import { getSpentTokenBuckets } from '../event_log/token_usage.js';
import type { PlugboardDatabase } from '../storage/database.js';
import type { FlowControl } from './flow_control.js';

// Token budgets are kept in memory; at start-up an instance reads what the connectors with a
// budget spent within the budgets' window from the event log, so that a restart does not give
// them their budgets afresh. Only this instance's view: instances sharing a database do not
// share spending as it happens (issue 23).

/** Day-long windows are read by the minute, a minute-long one by the second. */
const bucketMsFor = (windowMs: number) => (windowMs > 60_000 ? 60_000 : 1_000);

/** Seeds the flow control with the token spending the event log holds; returns how many buckets were read. */
export async function restoreTokenBudgets(flowControl: FlowControl, database: Pick<PlugboardDatabase, 'db' | 'dialect'>, now = Date.now()): Promise<number> {
  const budgeted = flowControl.budgetedConnectors();
  if (!budgeted) return 0;
  const buckets = await getSpentTokenBuckets(database, {
    since: now - budgeted.windowMs,
    bucketMs: bucketMsFor(budgeted.windowMs),
    ...(budgeted.all ? {} : { typeIds: budgeted.typeIds, connectorIds: budgeted.connectorIds }),
  });
  // Budgets are per connector id (ids are unique across spaces), whatever space a run was asked from.
  flowControl.restoreSpent(
    buckets.map((b) => ({ connectorId: b.connectorId, typeId: b.connectorTypeId, at: b.at, tokens: b.totalTokens })),
    now,
  );
  return buckets.length;
}
