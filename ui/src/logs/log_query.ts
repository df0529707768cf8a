import dateMath from '@elastic/datemath';
import moment from 'moment';

// What the execution log sends to the server (KQL, dates) and how it shows the answers.

/** The statuses the filter offers; an execution's status is the outcome of its last attempt. */
export const STATUSES = ['success', 'failure', 'warning'] as const;
export type Status = (typeof STATUSES)[number];

export const STATUS_LABELS: Record<string, string> = {
  success: 'Success',
  failure: 'Failure',
  warning: 'Warning',
  unknown: 'Unknown',
};

export const STATUS_COLORS: Record<string, string> = {
  success: 'success',
  failure: 'danger',
  warning: 'warning',
  unknown: 'hollow',
};

/** A KQL quoted phrase: only `"` and `\` are special inside quotes (src/event_log/kql.ts). */
export function kqlPhrase(text: string): string {
  return `"${text.replace(/["\\]/g, '\\$&')}"`;
}

export interface LogFilter {
  connectorId?: string;
  statuses: readonly string[];
  message: string;
}

/**
 * The KQL filter of the log, or undefined for none. Each part is parenthesised so that they can
 * be joined with `and` whatever they contain. As in Kibana, the search also looks at
 * `error.message`: a failure's details (what the table shows after " - ") live there.
 */
export function buildKqlFilter({ connectorId, statuses, message }: LogFilter): string | undefined {
  const parts: string[] = [];
  if (connectorId) parts.push(`kibana.action.id:${kqlPhrase(connectorId)}`);
  if (statuses.length > 0) parts.push(`event.outcome:(${statuses.join(' or ')})`);
  const text = message.trim();
  if (text) parts.push(`(message:${kqlPhrase(text)} or error.message:${kqlPhrase(text)})`);
  return parts.length > 0 ? parts.join(' and ') : undefined;
}

/**
 * The picker's range as ISO dates. The server understands only `now-<n><unit>` and ISO dates,
 * while the picker also offers rounding (`now/d`) and months/years, so the UI resolves them.
 */
export function resolveRange(start: string, end: string): { date_start: string; date_end: string } | undefined {
  const from = dateMath.parse(start);
  const to = dateMath.parse(end, { roundUp: true });
  if (!from?.isValid() || !to?.isValid()) return undefined;
  return { date_start: from.toISOString(), date_end: to.toISOString() };
}

/** A count for people, grouped by thousands: `12,345`; `—` when unknown. */
export const formatCount = (n: number | undefined) => (typeof n === 'number' && Number.isFinite(n) ? n.toLocaleString('en-US') : '—');

export const formatTimestamp = (iso: string) => moment(iso).format('MMM D, YYYY @ HH:mm:ss.SSS');

/** A duration for people: `850 ms`, `2.31 s`, `3m 05s`, `1h 02m`. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(2)} s`;
  const totalSeconds = Math.round(ms / 1000);
  const pad = (n: number) => String(n).padStart(2, '0');
  if (totalSeconds < 3600) return `${Math.floor(totalSeconds / 60)}m ${pad(totalSeconds % 60)}s`;
  return `${Math.floor(totalSeconds / 3600)}h ${pad(Math.floor((totalSeconds % 3600) / 60))}m`;
}
