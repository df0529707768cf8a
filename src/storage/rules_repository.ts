import type { FollowAlertOption } from '../actions/follow/policy.js';
import type { Kysely, Selectable, Transaction } from 'kysely';
import type { Database, RulesTable } from './schema.js';

// Kibana's rule attributes (the `alert` saved object), in Kibana's camelCase names, so that a
// `_find` filter on `alert.attributes.<name>` reads them as they are.

export type RuleNotifyWhen = 'onActionGroupChange' | 'onActiveAlert' | 'onThrottleInterval';

export interface RuleActionFrequency {
  summary: boolean;
  notifyWhen: RuleNotifyWhen;
  throttle: string | null;
}

export interface RuleAlertsFilter {
  query?: { kql: string; filters: unknown[]; dsl?: string };
  timeframe?: { days: number[]; hours: { start: string; end: string }; timezone: string };
}

export interface RuleAction {
  uuid: string;
  group: string;
  /** The connector id. */
  id: string;
  actionTypeId: string;
  params: Record<string, unknown>;
  frequency?: RuleActionFrequency;
  alertsFilter?: RuleAlertsFilter;
  useAlertDataForTemplate?: boolean;
  /** Plugboard's: the action's ticket follows the alert (`follow_alert`). */
  followAlert?: FollowAlertOption;
}

/** A system connector's action: no group, no frequency. */
export interface RuleSystemAction {
  uuid: string;
  id: string;
  actionTypeId: string;
  params: Record<string, unknown>;
}

export type RuleExecutionStatusValue = 'ok' | 'active' | 'error' | 'warning' | 'pending' | 'unknown';

export interface RuleExecutionStatus {
  status: RuleExecutionStatusValue;
  lastExecutionDate: string;
  lastDuration?: number;
  error?: { reason: string; message: string } | null;
  warning?: { reason: string; message: string } | null;
}

export interface RuleLastRun {
  outcome: 'succeeded' | 'warning' | 'failed';
  outcomeOrder?: number;
  warning?: string | null;
  outcomeMsg?: string[] | null;
  alertsCount: { active?: number | null; new?: number | null; recovered?: number | null; ignored?: number | null };
}

export interface RuleFlapping {
  lookBackWindow: number;
  statusChangeThreshold: number;
  enabled?: boolean;
}

/** What a user sets (create and update); the rest is kept by the framework. */
export interface RuleUserFields {
  name: string;
  tags: string[];
  schedule: { interval: string };
  params: Record<string, unknown>;
  actions: RuleAction[];
  systemActions: RuleSystemAction[];
  throttle: string | null;
  notifyWhen: RuleNotifyWhen | null;
  alertDelay: { active: number } | null;
  flapping: RuleFlapping | null;
}

/** What a rule's runs write back (the task runner); never bumps `version` or `revision`. */
export interface RuleRunState {
  executionStatus: RuleExecutionStatus;
  lastRun: RuleLastRun | null;
  nextRun: string | null;
  running: boolean;
}

/** The state a user's operation (enable, disable, mute…) changes beside the user fields. */
export interface RuleControlFields {
  enabled: boolean;
  muteAll: boolean;
  mutedInstanceIds: string[];
  scheduledTaskId: string | null;
  revision: number;
  updatedBy: string | null;
  updatedAt: string;
  apiKeyOwner: string | null;
}

export interface RuleRecord extends RuleUserFields, RuleRunState, RuleControlFields {
  id: string;
  spaceId: string;
  alertTypeId: string;
  consumer: string;
  createdBy: string | null;
  createdAt: string;
  version: number;
}

export type NewRuleRecord = Omit<RuleRecord, 'version'>;

const json = (value: unknown) => JSON.stringify(value);
const parsed = <T>(text: string | null): T | null => (text === null ? null : (JSON.parse(text) as T));

function fromRow(row: Selectable<RulesTable>): RuleRecord {
  return {
    id: row.id,
    spaceId: row.space_id,
    name: row.name,
    tags: JSON.parse(row.tags) as string[],
    alertTypeId: row.rule_type_id,
    consumer: row.consumer,
    schedule: { interval: row.schedule_interval },
    params: JSON.parse(row.params) as Record<string, unknown>,
    actions: JSON.parse(row.actions) as RuleAction[],
    systemActions: JSON.parse(row.system_actions) as RuleSystemAction[],
    throttle: row.throttle,
    notifyWhen: row.notify_when as RuleNotifyWhen | null,
    muteAll: Boolean(row.mute_all),
    mutedInstanceIds: JSON.parse(row.muted_alert_ids) as string[],
    enabled: Boolean(row.enabled),
    executionStatus: JSON.parse(row.execution_status) as RuleExecutionStatus,
    lastRun: parsed<RuleLastRun>(row.last_run),
    nextRun: row.next_run,
    revision: Number(row.revision),
    running: Boolean(row.running),
    createdBy: row.created_by,
    updatedBy: row.updated_by,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    apiKeyOwner: row.api_key_owner,
    alertDelay: parsed<{ active: number }>(row.alert_delay),
    flapping: parsed<RuleFlapping>(row.flapping),
    scheduledTaskId: row.scheduled_task_id,
    version: Number(row.version),
  };
}

function userColumns(f: RuleUserFields) {
  return {
    name: f.name,
    tags: json(f.tags),
    schedule_interval: f.schedule.interval,
    params: json(f.params),
    actions: json(f.actions),
    system_actions: json(f.systemActions),
    throttle: f.throttle,
    notify_when: f.notifyWhen,
    alert_delay: f.alertDelay === null ? null : json(f.alertDelay),
    flapping: f.flapping === null ? null : json(f.flapping),
  };
}

function controlColumns(f: RuleControlFields) {
  return {
    enabled: f.enabled ? 1 : 0,
    mute_all: f.muteAll ? 1 : 0,
    muted_alert_ids: json(f.mutedInstanceIds),
    scheduled_task_id: f.scheduledTaskId,
    revision: f.revision,
    updated_by: f.updatedBy,
    updated_at: f.updatedAt,
    api_key_owner: f.apiKeyOwner,
  };
}

function runStateColumns(f: RuleRunState) {
  return {
    execution_status: json(f.executionStatus),
    last_run: f.lastRun === null ? null : json(f.lastRun),
    next_run: f.nextRun,
    running: f.running ? 1 : 0,
  };
}

/** The source type of a rule's rows in connector_references (Kibana's saved-object type). */
export const RULE_REFERENCE_SOURCE = 'alert';

export class RulesRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /**
   * Inserts a rule with its connector references, in one transaction. `storedConnectorIds`
   * are the connectors of its actions that are stored (preconfigured and system ones get no
   * reference, as in Kibana). A duplicate id raises the database's unique-violation error.
   */
  async insert(record: NewRuleRecord, storedConnectorIds: string[]): Promise<RuleRecord> {
    return this.db.transaction().execute(async (trx) => {
      const row = await trx
        .insertInto('rules')
        .values({
          id: record.id,
          space_id: record.spaceId,
          rule_type_id: record.alertTypeId,
          consumer: record.consumer,
          created_by: record.createdBy,
          created_at: record.createdAt,
          version: 1,
          ...userColumns(record),
          ...controlColumns(record),
          ...runStateColumns(record),
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      await writeReferences(trx, record.spaceId, record.id, storedConnectorIds);
      return fromRow(row);
    });
  }

  async get(spaceId: string, id: string): Promise<RuleRecord | undefined> {
    const row = await this.db.selectFrom('rules').selectAll().where('space_id', '=', spaceId).where('id', '=', id).executeTakeFirst();
    return row ? fromRow(row) : undefined;
  }

  /** Whether a rule of this id exists in any space (rule ids are unique across spaces). */
  async exists(id: string): Promise<boolean> {
    return (await this.db.selectFrom('rules').select('id').where('id', '=', id).executeTakeFirst()) !== undefined;
  }

  /** Every rule of a space, for `_find` (which filters, sorts and pages them in memory). */
  async listBySpace(spaceId: string): Promise<RuleRecord[]> {
    const rows = await this.db.selectFrom('rules').selectAll().where('space_id', '=', spaceId).orderBy('created_at').orderBy('id').execute();
    return rows.map(fromRow);
  }

  /** The schedules of every enabled rule in every space (the runs-per-minute circuit breaker). */
  async enabledIntervals(exceptId?: string): Promise<string[]> {
    let query = this.db.selectFrom('rules').select('schedule_interval').where('enabled', '=', 1);
    if (exceptId) query = query.where('id', '!=', exceptId);
    return (await query.execute()).map((r) => r.schedule_interval);
  }

  /**
   * Writes a user's change if the row still has `expectedVersion`: the user fields (with the
   * references of the new actions, when given) and the control fields. Returns the new record,
   * or undefined when the rule is gone or was changed meanwhile.
   */
  async update(
    spaceId: string,
    id: string,
    expectedVersion: number,
    fields: { user?: RuleUserFields; storedConnectorIds?: string[]; control: RuleControlFields; runState?: RuleRunState },
  ): Promise<RuleRecord | undefined> {
    return this.db.transaction().execute(async (trx) => {
      const row = await trx
        .updateTable('rules')
        .set({
          ...(fields.user ? userColumns(fields.user) : {}),
          ...controlColumns(fields.control),
          ...(fields.runState ? runStateColumns(fields.runState) : {}),
          version: expectedVersion + 1,
        })
        .where('space_id', '=', spaceId)
        .where('id', '=', id)
        .where('version', '=', expectedVersion)
        .returningAll()
        .executeTakeFirst();
      if (row && fields.storedConnectorIds) {
        await trx.deleteFrom('connector_references').where('source_type', '=', RULE_REFERENCE_SOURCE).where('source_id', '=', id).execute();
        await writeReferences(trx, spaceId, id, fields.storedConnectorIds);
      }
      return row ? fromRow(row) : undefined;
    });
  }

  /**
   * The task runner's write of a run's outcome: only the run state, whatever a user changed
   * meanwhile. False when the rule is gone.
   */
  async writeRunState(id: string, state: Partial<RuleRunState>): Promise<boolean> {
    const set: { execution_status?: string; last_run?: string | null; next_run?: string | null; running?: number } = {};
    if (state.executionStatus !== undefined) set.execution_status = json(state.executionStatus);
    if (state.lastRun !== undefined) set.last_run = state.lastRun === null ? null : json(state.lastRun);
    if (state.nextRun !== undefined) set.next_run = state.nextRun;
    if (state.running !== undefined) set.running = state.running ? 1 : 0;
    if (Object.keys(set).length === 0) return this.exists(id);
    const result = await this.db.updateTable('rules').set(set).where('id', '=', id).executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  /** Deletes a rule and its references; false when it was not there. */
  async delete(spaceId: string, id: string): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      const result = await trx.deleteFrom('rules').where('space_id', '=', spaceId).where('id', '=', id).executeTakeFirst();
      if (Number(result.numDeletedRows) !== 1) return false;
      await trx.deleteFrom('connector_references').where('source_type', '=', RULE_REFERENCE_SOURCE).where('source_id', '=', id).execute();
      return true;
    });
  }
}

/** One reference row per connector, with the number of actions that name it. */
async function writeReferences(trx: Transaction<Database>, spaceId: string, ruleId: string, connectorIds: string[]): Promise<void> {
  const uses = new Map<string, number>();
  for (const id of connectorIds) uses.set(id, (uses.get(id) ?? 0) + 1);
  if (uses.size === 0) return;
  await trx
    .insertInto('connector_references')
    .values([...uses].map(([connectorId, count]) => ({ source_type: RULE_REFERENCE_SOURCE, source_id: ruleId, space_id: spaceId, connector_id: connectorId, uses: count })))
    .execute();
}
