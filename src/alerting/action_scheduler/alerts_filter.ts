import moment from 'moment-timezone';
import { parseKql, type KqlNode, type KqlValue } from '../../common/kql.js';
import { parseDateValue } from '../../event_log/kql.js';
import { getDocumentField } from '../alert_document.js';
import type { AlertsFilter, AlertsFilterTimeframe } from './types.js';

// An action's `alerts_filter` tested on one alert document in memory, where Kibana adds it to
// its alerts-as-data query (reference §1.3; AL/server/alerts_client/lib/get_summarized_alerts_query.ts).

export type AlertPredicate = (doc: Record<string, unknown>) => boolean;

/** Leaf values of a field: an array's items, or the value itself. */
const leaves = (value: unknown): unknown[] => (Array.isArray(value) ? value.flatMap(leaves) : value === undefined || value === null ? [] : [value]);

function allLeaves(value: unknown): unknown[] {
  if (Array.isArray(value)) return value.flatMap(allLeaves);
  if (value && typeof value === 'object') return Object.values(value).flatMap(allLeaves);
  return value === undefined || value === null ? [] : [value];
}

function valueMatcher(value: KqlValue): (leaf: unknown) => boolean {
  if (value.segments.length === 1) {
    const text = value.segments[0];
    return (leaf) => (typeof leaf === 'number' ? leaf === Number(text) && text.trim() !== '' : String(leaf) === text);
  }
  const escaped = value.segments.map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  const pattern = new RegExp(`^${escaped.join('.*')}$`, 's');
  return (leaf) => pattern.test(String(leaf));
}

function compare(leaf: unknown, operator: '<' | '<=' | '>' | '>=', text: string, now: number): boolean {
  let a: number | string;
  let b: number | string;
  if (typeof leaf === 'number' && text.trim() !== '' && !Number.isNaN(Number(text))) [a, b] = [leaf, Number(text)];
  else {
    const left = typeof leaf === 'string' ? parseDateValue(leaf, now) : undefined;
    const right = parseDateValue(text, now);
    [a, b] = left !== undefined && right !== undefined ? [left, right] : [String(leaf), text];
  }
  switch (operator) {
    case '<':
      return a < b;
    case '<=':
      return a <= b;
    case '>':
      return a > b;
    case '>=':
      return a >= b;
  }
}

function compile(node: KqlNode, now: number): AlertPredicate {
  switch (node.type) {
    case 'or': {
      const children = node.children.map((c) => compile(c, now));
      return (doc) => children.some((c) => c(doc));
    }
    case 'and': {
      const children = node.children.map((c) => compile(c, now));
      return (doc) => children.every((c) => c(doc));
    }
    case 'not': {
      const child = compile(node.child, now);
      return (doc) => !child(doc);
    }
    case 'exists':
      return (doc) => leaves(getDocumentField(doc, node.field)).length > 0;
    case 'range':
      return (doc) => leaves(getDocumentField(doc, node.field)).some((leaf) => compare(leaf, node.operator, node.value, now));
    case 'match': {
      const matches = valueMatcher(node.value);
      const field = node.field;
      if (field === undefined) return (doc) => allLeaves(doc).some(matches);
      return (doc) => leaves(getDocumentField(doc, field)).some(matches);
    }
  }
}

/**
 * A KQL filter as a test of one alert document: keyword semantics (exact, case-sensitive;
 * `*` wildcards), numbers compared as numbers, ranges on numbers or dates (ISO, `now-5m`), an
 * array field matching when any item does, a bare term matching any field. Throws KqlError for
 * a filter that does not parse.
 */
export function compileAlertKql(kql: string, now = Date.now()): AlertPredicate {
  const tree = parseKql(kql);
  return tree ? compile(tree, now) : () => true;
}

const minutesOf = (hhmm: string) => {
  const [h, m] = hhmm.split(':').map(Number);
  return h * 60 + m;
};

/**
 * Whether `date` falls in the timeframe, as Kibana's painless script decides it: the weekday
 * in the time zone (1 = Monday; no days = every day), and the time of day to the minute strictly
 * after `start` and strictly before `end`; an `end` not after `start` spans midnight.
 */
export function isInTimeframe(timeframe: AlertsFilterTimeframe, date: Date): boolean {
  const local = moment.tz(date, timeframe.timezone);
  if (timeframe.days.length > 0 && !timeframe.days.includes(local.isoWeekday())) return false;
  const time = local.hours() * 60 + local.minutes();
  const start = minutesOf(timeframe.hours.start);
  const end = minutesOf(timeframe.hours.end);
  if (end <= start) return time > start || (time > 0 && time < end);
  return time > start && time < end;
}

/** The whole `alerts_filter` as a test of an alert document (its `@timestamp` for the timeframe). */
export function compileAlertsFilter(filter: AlertsFilter, now = Date.now()): AlertPredicate {
  const query = filter.query?.kql ? compileAlertKql(filter.query.kql, now) : () => true;
  const { timeframe } = filter;
  if (!timeframe) return query;
  return (doc) => query(doc) && isInTimeframe(timeframe, new Date(String(doc['@timestamp'])));
}
