import { sql, type Expression, type ExpressionBuilder, type SqlBool } from 'kysely';
import { KqlError, parseKql, type KqlNode, type KqlValue, type RangeOperator } from '../common/kql.js';
import type { Database, EventLogTable } from '../storage/schema.js';

// KQL as typed in Kibana's Logs filter (parsed by common/kql.ts), compiled to SQL over the
// event_log columns.

// ---------------------------------------------------------------------------------------------
// Compilation

type FieldKind = 'keyword' | 'text' | 'number' | 'date';

/** Kibana's event-log field names and the event_log columns that hold them. */
export const KQL_FIELDS: Readonly<Record<string, { column: keyof EventLogTable; kind: FieldKind }>> = {
  '@timestamp': { column: 'timestamp', kind: 'date' },
  'event.provider': { column: 'provider', kind: 'keyword' },
  'event.action': { column: 'action', kind: 'keyword' },
  'event.outcome': { column: 'outcome', kind: 'keyword' },
  'event.duration': { column: 'duration_ns', kind: 'number' },
  'kibana.space_ids': { column: 'space_id', kind: 'keyword' },
  'kibana.action.id': { column: 'connector_id', kind: 'keyword' },
  'kibana.action.name': { column: 'connector_name', kind: 'keyword' },
  'kibana.action.type_id': { column: 'connector_type_id', kind: 'keyword' },
  'kibana.action.execution.uuid': { column: 'execution_uuid', kind: 'keyword' },
  'kibana.action.execution.source': { column: 'source', kind: 'keyword' },
  'kibana.action.execution.attempt': { column: 'attempt', kind: 'number' },
  'kibana.task.schedule_delay': { column: 'schedule_delay_ns', kind: 'number' },
  'rule.id': { column: 'rule_id', kind: 'keyword' },
  'kibana.alert.rule.execution.uuid': { column: 'rule_execution_uuid', kind: 'keyword' },
  message: { column: 'message', kind: 'text' },
  'error.message': { column: 'error_message', kind: 'text' },
};

export type EventLogEb = ExpressionBuilder<Database, 'event_log'>;
export type EventLogFilter = (eb: EventLogEb) => Expression<SqlBool>;

export interface CompileOptions {
  /** Reference time for `now`-relative dates, epoch ms (default: Date.now()). */
  now?: number;
}

const DATE_MATH = /^now(?:([+-])(\d+)([smhdw]))?$/;
const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/**
 * An ISO date or Kibana's relative forms `now`, `now-<n><s|m|h|d|w>` (also `now+…`), as epoch
 * ms; undefined when the text is neither.
 */
export function parseDateValue(text: string, now: number): number | undefined {
  const trimmed = text.trim();
  const math = DATE_MATH.exec(trimmed);
  if (math) {
    if (!math[1]) return now;
    const delta = Number(math[2]) * UNIT_MS[math[3]];
    return math[1] === '-' ? now - delta : now + delta;
  }
  // Date.parse accepts odd strings ("1" is the year 2001); require an ISO-looking date.
  if (!/^\d{4}-\d{2}-\d{2}/.test(trimmed)) return undefined;
  const ms = Date.parse(trimmed);
  return Number.isNaN(ms) ? undefined : ms;
}

/** LIKE pattern text with `\`, `%` and `_` escaped (used with ESCAPE '\'). */
export function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** The filter with fields resolved to columns and values converted: compiling cannot fail after this. */
type Resolved =
  | { kind: 'or' | 'and'; children: Resolved[] }
  | { kind: 'not'; child: Resolved }
  | { kind: 'all' }
  | { kind: 'exists'; column: string }
  | { kind: 'compare'; column: string; operator: '=' | RangeOperator; value: string | number }
  | { kind: 'like'; column: string; pattern: string };

const FREE_TEXT_COLUMNS = ['message', 'error_message'] as const;

function lookupField(name: string, position: number) {
  const field = Object.hasOwn(KQL_FIELDS, name) ? KQL_FIELDS[name] : undefined;
  if (!field) {
    throw new KqlError(`unknown field "${name}" at position ${position}; known fields: ${Object.keys(KQL_FIELDS).join(', ')}`, position);
  }
  return field;
}

function scalar(fieldName: string, kind: FieldKind, text: string, position: number, now: number): string | number {
  if (kind === 'number') {
    const n = text.trim() === '' ? NaN : Number(text);
    if (!Number.isFinite(n)) throw new KqlError(`field "${fieldName}" expects a number, not "${text}" (at position ${position})`, position);
    return n;
  }
  if (kind === 'date') {
    const ms = parseDateValue(text, now);
    if (ms === undefined) {
      throw new KqlError(`field "${fieldName}" expects an ISO date or now-<n><s|m|h|d|w>, not "${text}" (at position ${position})`, position);
    }
    return ms;
  }
  return text;
}

const group = (kind: 'or' | 'and', children: Resolved[]): Resolved => (children.length === 1 ? children[0] : { kind, children });

function textMatch(columns: readonly string[], value: KqlValue): Resolved {
  // Text fields are analysed in Elasticsearch; approximate with case-insensitive containment:
  // a phrase must appear as is, each word of an unquoted value must appear somewhere.
  const patterns =
    value.quoted || value.segments.length > 1
      ? [`%${value.segments.map(escapeLike).join('%')}%`]
      : value.segments[0]
          .split(/\s+/)
          .filter((w) => w !== '')
          .map((w) => `%${escapeLike(w)}%`);
  return group(
    'and',
    patterns.map((pattern) => group('or', columns.map((column) => ({ kind: 'like', column, pattern })))),
  );
}

function resolve(node: KqlNode, now: number): Resolved {
  switch (node.type) {
    case 'or':
    case 'and':
      return { kind: node.type, children: node.children.map((c) => resolve(c, now)) };
    case 'not':
      return { kind: 'not', child: resolve(node.child, now) };
    case 'exists':
      return { kind: 'exists', column: lookupField(node.field, node.position).column };
    case 'range': {
      const field = lookupField(node.field, node.position);
      if (field.kind !== 'number' && field.kind !== 'date') {
        throw new KqlError(
          `range "${node.operator}" needs a numeric or date field; "${node.field}" is neither (at position ${node.position})`,
          node.position,
        );
      }
      return { kind: 'compare', column: field.column, operator: node.operator, value: scalar(node.field, field.kind, node.value, node.position, now) };
    }
    case 'match': {
      if (node.field === undefined) {
        if (!node.value.quoted && node.value.segments.every((s) => s === '')) return { kind: 'all' };
        return textMatch(FREE_TEXT_COLUMNS, node.value);
      }
      const field = lookupField(node.field, node.position);
      if (field.kind === 'text') return textMatch([field.column], node.value);
      if (node.value.segments.length > 1) {
        if (field.kind !== 'keyword') {
          throw new KqlError(`wildcards need a text field; "${node.field}" is a ${field.kind} field (at position ${node.position})`, node.position);
        }
        return { kind: 'like', column: field.column, pattern: node.value.segments.map(escapeLike).join('%') };
      }
      return { kind: 'compare', column: field.column, operator: '=', value: scalar(node.field, field.kind, node.value.segments[0], node.position, now) };
    }
  }
}

/**
 * `a or b or c …` as a balanced tree of pairs. SQL parses a flat chain into a tree as deep as
 * the chain is long, and SQLite refuses expressions deeper than 1000 (a 1,600-term `or` fits in
 * a filter); balanced, the depth grows with the logarithm of the length instead.
 */
function chain(eb: EventLogEb, kind: 'and' | 'or', terms: Expression<SqlBool>[]): Expression<SqlBool> {
  if (terms.length <= 2) return terms.length === 1 ? terms[0] : eb[kind](terms);
  const half = Math.ceil(terms.length / 2);
  return eb[kind]([chain(eb, kind, terms.slice(0, half)), chain(eb, kind, terms.slice(half))]);
}

function build(eb: EventLogEb, node: Resolved): Expression<SqlBool> {
  switch (node.kind) {
    case 'or':
    case 'and':
      return chain(eb, node.kind, node.children.map((c) => build(eb, c)));
    case 'not':
      return eb.not(build(eb, node.child));
    case 'all':
      return sql<SqlBool>`1 = 1`;
    case 'exists':
      return eb(sql.ref(node.column), 'is not', null);
    // The `is not null` guards keep every leaf two-valued, so that `not x:y` also matches rows
    // without the field, as in Elasticsearch (SQL's NOT NULL would be NULL, i.e. no match).
    case 'compare':
      return eb.and([eb(sql.ref(node.column), 'is not', null), eb(sql.ref(node.column), node.operator, node.value)]);
    case 'like':
      return eb.and([
        eb(sql.ref(node.column), 'is not', null),
        sql<SqlBool>`lower(${sql.ref(node.column)}) like lower(${node.pattern}) escape '\\'`,
      ]);
  }
}

/**
 * Compiles a parsed filter into a `where` callback. Fields and values are checked here, so a
 * KqlError (unknown field, value of the wrong kind) comes out of this call, not out of the query.
 */
export function compileKql(node: KqlNode, options: CompileOptions = {}): EventLogFilter {
  const resolved = resolve(node, options.now ?? Date.now());
  return (eb) => build(eb, resolved);
}

/** Parses and compiles a filter; undefined for a blank one. */
export function kqlFilter(input: string, options: CompileOptions = {}): EventLogFilter | undefined {
  const node = parseKql(input);
  return node && compileKql(node, options);
}
