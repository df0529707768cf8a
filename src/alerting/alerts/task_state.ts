import { z } from 'zod';

// The rule task's state as Kibana keeps it between runs (reference §2.3 step 8, §2.5): plain
// JSON, so that it round-trips through the task store unchanged.

export interface LastScheduledActions {
  group: string;
  date: string;
  /** Per action uuid, the last time an action with its own throttle was scheduled. */
  actions?: Record<string, { date: string }>;
}

export interface AlertMeta {
  /** Stable across runs, new for an alert that starts again after it stopped being tracked. */
  uuid?: string;
  flappingHistory?: boolean[];
  flapping?: boolean;
  /** Consecutive runs the alert was active (Kibana's `consecutiveMatches`). */
  activeCount?: number;
  /** Runs a flapping alert has been recovered while kept active (§2.6). */
  pendingRecoveredCount?: number;
  lastScheduledActions?: LastScheduledActions;
  maintenanceWindowIds?: string[];
  maintenanceWindowNames?: string[];
}

export interface RawAlertInstance {
  state?: Record<string, unknown>;
  meta?: AlertMeta;
}

/** Summary actions on an interval: when each (by action uuid) last ran. */
export type ThrottledActions = Record<string, { date: string }>;

export interface RuleTaskState {
  alertTypeState: Record<string, unknown>;
  alertInstances: Record<string, RawAlertInstance>;
  alertRecoveredInstances: Record<string, RawAlertInstance>;
  summaryActions: ThrottledActions;
  previousStartedAt: string | null;
}

const lastScheduledActions = z.object({
  group: z.string(),
  date: z.string(),
  actions: z.record(z.string(), z.object({ date: z.string() })).optional(),
});

const meta = z
  .object({
    uuid: z.string().optional(),
    flappingHistory: z.array(z.boolean()).optional(),
    flapping: z.boolean().optional(),
    activeCount: z.number().optional(),
    pendingRecoveredCount: z.number().optional(),
    lastScheduledActions: lastScheduledActions.optional(),
    maintenanceWindowIds: z.array(z.string()).optional(),
    maintenanceWindowNames: z.array(z.string()).optional(),
  })
  .loose();

const rawAlert = z.object({ state: z.record(z.string(), z.unknown()).optional(), meta: meta.optional() });
const record = z.record(z.string(), z.unknown());

const taskState = z.object({
  alertTypeState: record.nullish(),
  alertInstances: z.record(z.string(), rawAlert).nullish(),
  alertRecoveredInstances: z.record(z.string(), rawAlert).nullish(),
  summaryActions: z.record(z.string(), z.object({ date: z.string() })).nullish(),
  previousStartedAt: z.string().nullish(),
});

/**
 * The state a rule task stored last run, `{}` for a task that never ran. A state this version
 * cannot read (corrupted, or from an incompatible version) starts over rather than failing
 * every run, as Kibana's task state migrations drop what they do not know.
 */
export function readRuleTaskState(stored: unknown): RuleTaskState {
  const parsed = taskState.safeParse(stored ?? {});
  const value = parsed.success ? parsed.data : {};
  return {
    alertTypeState: value.alertTypeState ?? {},
    alertInstances: (value.alertInstances ?? {}) as Record<string, RawAlertInstance>,
    alertRecoveredInstances: (value.alertRecoveredInstances ?? {}) as Record<string, RawAlertInstance>,
    summaryActions: value.summaryActions ?? {},
    previousStartedAt: value.previousStartedAt ?? null,
  };
}
