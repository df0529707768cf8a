import type { IncomingAlertView, Silence, SilenceMatcher } from '../api/types.js';

export type MatchOperator = '=' | '!=' | '=~' | '!~';

export const OPERATORS: Array<{ value: MatchOperator; text: string }> = [
  { value: '=', text: '= equals' },
  { value: '!=', text: '!= differs' },
  { value: '=~', text: '=~ matches regex' },
  { value: '!~', text: '!~ does not match regex' },
];

export const operatorOf = (m: Pick<SilenceMatcher, 'isRegex' | 'isEqual'>): MatchOperator => (m.isRegex ? (m.isEqual ? '=~' : '!~') : m.isEqual ? '=' : '!=');

export const fromOperator = (op: MatchOperator) => ({ isRegex: op === '=~' || op === '!~', isEqual: op === '=' || op === '=~' });

/** A matcher in Alertmanager's syntax: `team!="qa"`. */
export const matcherText = (m: SilenceMatcher) => `${m.name}${operatorOf(m)}"${m.value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;

export const silenceText = (s: Pick<Silence, 'matchers'>) => s.matchers.map(matcherText).join(', ');

/** The alert's name for the table: its `alertname`, else its fingerprint. */
export const alertName = (alert: IncomingAlertView) => alert.labels.alertname ?? alert.fingerprint;

export const STATUS_LABELS: Record<IncomingAlertView['status'], string> = { firing: 'Firing', suppressed: 'Suppressed', resolved: 'Resolved' };
export const STATUS_COLORS: Record<IncomingAlertView['status'], string> = { firing: 'danger', suppressed: 'hollow', resolved: 'success' };

export const SOURCE_LABELS: Record<IncomingAlertView['source'], string> = {
  'alertmanager-api': 'Alertmanager API',
  'alertmanager-webhook': 'Alertmanager webhook',
  'grafana-webhook': 'Grafana webhook',
  json: 'JSON webhook',
};

export const SILENCE_STATE_COLORS: Record<Silence['status']['state'], string> = { active: 'primary', pending: 'warning', expired: 'default' };

export const formatTime = (iso: string) => new Date(iso).toLocaleString();

/** Short enough for a table cell: `Dec 7, 05:38:44`, the year only when not this year's. */
export const shortTime = (iso: string) => {
  const date = new Date(iso);
  const sameYear = date.getFullYear() === new Date().getFullYear();
  return date.toLocaleString(undefined, { month: 'short', day: 'numeric', ...(sameYear ? {} : { year: 'numeric' }), hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false });
};

/** Why silencing is refused to a user who only reads rules (silences need what changing rules needs). */
export const SILENCES_READ_ONLY_REASON = 'Your role lets you view the alerts and silences of this space, not silence alerts or expire silences.';
