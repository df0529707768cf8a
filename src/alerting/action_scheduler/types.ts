import type { FollowAlertOption } from '../../actions/follow/policy.js';

// The rule as the action schedulers see it (camelCase; the rules API part stores it).

export type NotifyWhen = 'onActionGroupChange' | 'onActiveAlert' | 'onThrottleInterval';

export interface AlertsFilterTimeframe {
  /** ISO weekdays, 1 = Monday … 7 = Sunday; empty = every day. */
  days: number[];
  hours: { start: string; end: string };
  timezone: string;
}

export interface AlertsFilter {
  query?: { kql: string };
  timeframe?: AlertsFilterTimeframe;
}

export interface RuleAction {
  uuid: string;
  /** The connector's id. */
  id: string;
  actionTypeId: string;
  group: string;
  params: Record<string, unknown>;
  frequency?: { summary: boolean; notifyWhen: NotifyWhen; throttle: string | null };
  alertsFilter?: AlertsFilter;
  /** Plugboard's: the action's ticket follows the alert (ticketing types only). */
  followAlert?: FollowAlertOption;
}

export interface RuleSystemAction {
  uuid: string;
  id: string;
  actionTypeId: string;
  params: Record<string, unknown>;
}

export interface SchedulingRule {
  id: string;
  name: string;
  tags: string[];
  ruleTypeId: string;
  ruleTypeName: string;
  consumer: string;
  producer: string;
  revision: number;
  params: Record<string, unknown>;
  schedule: { interval: string };
  notifyWhen: NotifyWhen | null;
  throttle: string | null;
  muteAll: boolean;
  mutedInstanceIds: string[];
  actions: RuleAction[];
  systemActions: RuleSystemAction[];
}

export const isSummaryAction = (action: RuleAction) => action.frequency?.summary ?? false;

/** `onThrottleInterval` with its own throttle (Kibana's isActionOnInterval). */
export const isActionOnInterval = (action: RuleAction): action is RuleAction & { frequency: { throttle: string } } =>
  action.frequency?.notifyWhen === 'onThrottleInterval' && typeof action.frequency.throttle === 'string';
