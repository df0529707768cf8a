import { randomUUID } from 'node:crypto';
import rfdc from 'rfdc';
import { parseDuration } from '../../config/units.js';
import type { AlertMeta, RawAlertInstance } from './task_state.js';

// One alert during a run (Kibana's Alert class, AL/server/alert/alert.ts): its state and meta
// as kept in the task state, the context of this run, and the group it was reported in.

/** Copies of the task state's plain JSON values: far cheaper than structuredClone, taken per alert per run. */
const clone = rfdc();

export type AlertState = Record<string, unknown>;
export type AlertContext = Record<string, unknown>;

export class Alert {
  private state: AlertState;
  private context: AlertContext = {};
  private readonly meta: AlertMeta;
  /** The group the alert was reported in this run; unset for an alert not reported. */
  private scheduledGroup: string | undefined;
  /** This run's extra `alert.*` variables (not kept in the task state). */
  private payload: Record<string, unknown> = {};
  /** Muted for this run only (not kept in the task state). */
  private mutedThisRun = false;

  constructor(
    readonly id: string,
    raw: RawAlertInstance = {},
  ) {
    // A copy, so that the previous task state stays as it was while this run changes the alert.
    const copy = clone(raw);
    this.state = copy.state ?? {};
    this.meta = copy.meta ?? {};
    this.meta.uuid ??= randomUUID();
    this.meta.flappingHistory ??= [];
    this.meta.maintenanceWindowIds ??= [];
    this.meta.maintenanceWindowNames ??= [];
  }

  get uuid(): string {
    return this.meta.uuid!;
  }

  /** Reports the alert in `group` this run; a second report throws, as Kibana's. */
  schedule(group: string, context: AlertContext = {}): void {
    if (this.scheduledGroup !== undefined) throw new Error('Alert instance execution has already been scheduled, cannot schedule twice');
    this.context = context;
    this.scheduledGroup = group;
  }

  isScheduled(): boolean {
    return this.scheduledGroup !== undefined;
  }

  get actionGroup(): string | undefined {
    return this.scheduledGroup;
  }

  getState(): AlertState {
    return this.state;
  }

  replaceState(state: AlertState): void {
    this.state = state;
  }

  getPayload(): Record<string, unknown> {
    return this.payload;
  }

  setPayload(payload: Record<string, unknown>): void {
    this.payload = payload;
  }

  /** Whether the executor muted the alert for this run (no per-alert action, out of summaries). */
  get muted(): boolean {
    return this.mutedThisRun;
  }

  setMuted(muted: boolean): void {
    this.mutedThisRun = muted;
  }

  getContext(): AlertContext {
    return this.context;
  }

  setContext(context: AlertContext): void {
    this.context = context;
  }

  get flappingHistory(): boolean[] {
    return this.meta.flappingHistory ?? [];
  }

  set flappingHistory(history: boolean[]) {
    this.meta.flappingHistory = history;
  }

  get flapping(): boolean {
    return this.meta.flapping ?? false;
  }

  set flapping(flapping: boolean) {
    this.meta.flapping = flapping;
  }

  get activeCount(): number {
    return this.meta.activeCount ?? 0;
  }

  incrementActiveCount(): void {
    this.meta.activeCount = this.activeCount + 1;
  }

  resetActiveCount(): void {
    this.meta.activeCount = 0;
  }

  get pendingRecoveredCount(): number {
    return this.meta.pendingRecoveredCount ?? 0;
  }

  incrementPendingRecoveredCount(): void {
    this.meta.pendingRecoveredCount = this.pendingRecoveredCount + 1;
  }

  resetPendingRecoveredCount(): void {
    this.meta.pendingRecoveredCount = 0;
  }

  get lastScheduledGroup(): string | undefined {
    return this.meta.lastScheduledActions?.group;
  }

  get lastScheduledActions(): AlertMeta['lastScheduledActions'] {
    return this.meta.lastScheduledActions;
  }

  /** No actions before counts as a change (onActionGroupChange fires on the first run). */
  actionGroupHasChanged(): boolean {
    if (this.scheduledGroup === undefined) return false;
    return this.meta.lastScheduledActions?.group !== this.scheduledGroup;
  }

  /**
   * Whether an action on an interval must wait: only while the group is unchanged. With the
   * action's own throttle the date is the one of its uuid (none: not throttled); with the
   * rule-level throttle, the alert's last scheduling date.
   */
  isThrottled(throttle: string | null, now: Date, actionUuid?: string): boolean {
    const last = this.meta.lastScheduledActions;
    if (this.scheduledGroup === undefined || !last || last.group !== this.scheduledGroup) return false;
    const throttleMs = throttle ? (parseDuration(throttle) ?? 0) : 0;
    const date = actionUuid ? last.actions?.[actionUuid]?.date : last.date;
    if (!date) return false;
    return new Date(date).getTime() + throttleMs > now.getTime();
  }

  /** Forgets the throttle dates of actions the rule no longer has. */
  forgetRemovedActions(actionUuids: ReadonlySet<string>): void {
    const actions = this.meta.lastScheduledActions?.actions;
    if (!actions) return;
    for (const uuid of Object.keys(actions)) if (!actionUuids.has(uuid)) delete actions[uuid];
  }

  /**
   * Records that actions ran for `group`. As Kibana (reference §3.2): the group is assigned
   * before it is compared, so the per-action dates of the previous group are never cleared.
   */
  recordScheduledActions(group: string, now: Date, actionUuid?: string): void {
    const date = now.toISOString();
    const last = (this.meta.lastScheduledActions ??= { group, date });
    last.group = group;
    last.date = date;
    if (actionUuid) (last.actions ??= {})[actionUuid] = { date };
  }

  /** The task-state form: a recovered alert keeps only what flapping and its uuid need. */
  toRaw(recovered = false): RawAlertInstance {
    if (!recovered) return clone({ state: this.state, meta: this.meta });
    const { maintenanceWindowIds, maintenanceWindowNames, flappingHistory, flapping, uuid, activeCount } = this.meta;
    return clone({ meta: { maintenanceWindowIds, maintenanceWindowNames, flappingHistory, flapping, uuid, activeCount } });
  }

  /** A new alert object from this one's task-state form (pending recovery, §2.6). */
  copy(): Alert {
    return new Alert(this.id, this.toRaw());
  }
}
