import type { Rule } from '../api/types.js';

export type RuleStatus = 'succeeded' | 'warning' | 'failed' | 'pending' | 'disabled';

export const STATUS_LABELS: Record<RuleStatus, string> = {
  succeeded: 'Succeeded',
  warning: 'Warning',
  failed: 'Failed',
  pending: 'Pending',
  disabled: 'Disabled',
};

export const STATUS_COLORS: Record<RuleStatus, string> = {
  succeeded: 'success',
  warning: 'warning',
  failed: 'danger',
  pending: 'default',
  disabled: 'hollow',
};

/** Kibana's last response: the outcome of the last run, pending before the first, disabled when off. */
export function ruleStatus(rule: Rule): RuleStatus {
  if (!rule.enabled) return 'disabled';
  if (rule.last_run?.outcome) return rule.last_run.outcome;
  return rule.execution_status.status === 'error' ? 'failed' : 'pending';
}

/** Why the last run did not succeed, when it says. */
export function statusMessage(rule: Rule): string | undefined {
  return rule.execution_status.error?.message ?? rule.execution_status.warning?.message ?? rule.last_run?.outcome_msg?.join(' ') ?? undefined;
}

const INTERVAL = /^([1-9][0-9]*)([smhd])$/;
export const INTERVAL_UNITS = [
  { value: 's', text: 'seconds' },
  { value: 'm', text: 'minutes' },
  { value: 'h', text: 'hours' },
  { value: 'd', text: 'days' },
];

export function splitInterval(interval: string): { count: number; unit: string } {
  const match = INTERVAL.exec(interval);
  return match ? { count: Number(match[1]), unit: match[2]! } : { count: 1, unit: 'm' };
}

export const formatDate = (iso: string | null | undefined) => (iso ? new Date(iso).toLocaleString() : '—');
