import { badRequest } from '../common/errors.js';
import { KqlError, parseKql, type KqlNode, type KqlValue } from '../common/kql.js';
import type { RuleRecord } from '../storage/rules_repository.js';

// Kibana's `_find` over one space's rules, evaluated in memory: the KQL filter names the saved
// object's attributes (`alert.attributes.<camelCase>`), `search` is a simple_query_string over
// `search_fields`, then the list is sorted and paged. A space holds at most thousands of rules,
// which one read and a pass in memory serve quicker than SQL over JSON columns in two dialects.

export interface FindRulesOptions {
  page: number;
  perPage: number;
  search?: string;
  defaultSearchOperator: 'OR' | 'AND';
  searchFields?: string[];
  sortField?: string;
  sortOrder?: 'asc' | 'desc';
  hasReference?: { type: string; id: string };
  fields?: string[];
  filter?: string;
  /** Only rules of these consumers (Kibana's `filter_consumers`). */
  consumers?: string[];
}

export interface FindRulesResult {
  page: number;
  perPage: number;
  total: number;
  data: RuleRecord[];
}

/** The rule's attributes as Kibana's `alert` saved object has them. */
export function ruleAttributes(rule: RuleRecord): Record<string, unknown> {
  const { id: _id, spaceId: _space, version: _version, ...attributes } = rule;
  return attributes;
}

const ATTRIBUTES_PREFIX = 'alert.attributes.';
/** Kibana refuses these on the public find (`fieldsToExcludeFromPublicApi`). */
const EXCLUDED = ['monitoring', 'mapped_params', 'snoozeSchedule', 'activeSnoozes'];
/** Text fields (analysed in Kibana's mapping): a value matches any of their words. */
const TEXT_FIELDS = new Set(['name', 'tags']);
const DEFAULT_SEARCH_FIELDS = ['name', 'tags'];

function checkField(field: string): string {
  if (!field.startsWith(ATTRIBUTES_PREFIX)) {
    throw badRequest(`Error find rules: This key '${field}' need to be wrapped by a saved object type like alert`);
  }
  return field.slice(ATTRIBUTES_PREFIX.length);
}

function refuseExcluded(fields: string[]): void {
  for (const field of fields) {
    const root = field.split('.')[0];
    if (EXCLUDED.includes(root)) throw badRequest(`Error find rules: Filter is not supported on this field ${field}`);
  }
}

/** The values at a dotted path; arrays are flattened, as Elasticsearch indexes them. */
function valuesAt(doc: unknown, path: string): unknown[] {
  let current: unknown[] = [doc];
  for (const part of path.split('.')) {
    const next: unknown[] = [];
    for (const value of current) {
      for (const item of Array.isArray(value) ? value : [value]) {
        if (item !== null && typeof item === 'object' && part in item) next.push((item as Record<string, unknown>)[part]);
      }
    }
    current = next;
  }
  return current.flatMap((v) => (Array.isArray(v) ? v : [v])).filter((v) => v !== null && v !== undefined);
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function valuePattern(value: KqlValue, caseInsensitive: boolean): RegExp {
  return new RegExp(`^${value.segments.map(escapeRegExp).join('.*')}$`, caseInsensitive ? 'is' : 's');
}

const words = (text: string) => text.split(/[^\p{L}\p{N}_]+/u).filter(Boolean);

function matches(values: unknown[], value: KqlValue, text: boolean): boolean {
  const pattern = valuePattern(value, text);
  return values.some((v) => {
    const s = String(v);
    return pattern.test(s) || (text && !value.quoted && words(s).some((w) => pattern.test(w)));
  });
}

function compare(a: unknown, b: unknown): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  const na = Number(a);
  const nb = Number(b);
  if (typeof a === 'number' && !Number.isNaN(nb)) return a - nb;
  return String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0;
}

function evaluate(node: KqlNode, doc: Record<string, unknown>): boolean {
  switch (node.type) {
    case 'or':
      return node.children.some((c) => evaluate(c, doc));
    case 'and':
      return node.children.every((c) => evaluate(c, doc));
    case 'not':
      return !evaluate(node.child, doc);
    case 'exists':
      return valuesAt(doc, checkField(node.field)).length > 0;
    case 'range': {
      const values = valuesAt(doc, checkField(node.field));
      return values.some((v) => {
        const c = compare(v, node.value);
        return node.operator === '<' ? c < 0 : node.operator === '<=' ? c <= 0 : node.operator === '>' ? c > 0 : c >= 0;
      });
    }
    case 'match': {
      if (node.field === undefined) return DEFAULT_SEARCH_FIELDS.some((f) => matches(valuesAt(doc, f), node.value, true));
      const path = checkField(node.field);
      return matches(valuesAt(doc, path), node.value, TEXT_FIELDS.has(path));
    }
  }
}

function fieldsOf(node: KqlNode): string[] {
  switch (node.type) {
    case 'or':
    case 'and':
      return node.children.flatMap(fieldsOf);
    case 'not':
      return fieldsOf(node.child);
    default:
      return node.field === undefined ? [] : [node.field.startsWith(ATTRIBUTES_PREFIX) ? node.field.slice(ATTRIBUTES_PREFIX.length) : node.field];
  }
}

/** simple_query_string, as far as rules use it: words, `prefix*`, quoted phrases; OR or AND between them. */
function searchMatcher(search: string, fields: string[], operator: 'OR' | 'AND'): (doc: Record<string, unknown>) => boolean {
  const terms = [...search.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => (m[1] !== undefined ? { text: m[1].toLowerCase(), phrase: true } : { text: m[2].toLowerCase(), phrase: false }));
  if (terms.length === 0) return () => true;
  const termMatches = (doc: Record<string, unknown>, term: { text: string; phrase: boolean }) =>
    fields.some((field) =>
      valuesAt(doc, field).some((v) => {
        const s = String(v).toLowerCase();
        if (term.phrase) return s.includes(term.text);
        if (term.text.endsWith('*')) return words(s).some((w) => w.startsWith(term.text.slice(0, -1))) || s.startsWith(term.text.slice(0, -1));
        return s === term.text || words(s).includes(term.text);
      }),
    );
  return (doc) => (operator === 'AND' ? terms.every((t) => termMatches(doc, t)) : terms.some((t) => termMatches(doc, t)));
}

export function findRules(rules: RuleRecord[], options: FindRulesOptions): FindRulesResult {
  let filter: KqlNode | undefined;
  try {
    filter = options.filter ? parseKql(options.filter) : undefined;
  } catch (err) {
    if (err instanceof KqlError) throw badRequest(`Error find rules: ${err.message}`);
    throw err;
  }
  refuseExcluded([...(filter ? fieldsOf(filter) : []), ...(options.searchFields ?? []), ...(options.sortField ? [options.sortField] : [])]);
  const search = options.search ? searchMatcher(options.search, options.searchFields ?? DEFAULT_SEARCH_FIELDS, options.defaultSearchOperator) : undefined;
  const reference = options.hasReference;
  let found = rules.filter((rule) => {
    const doc = ruleAttributes(rule);
    if (filter && !evaluate(filter, doc)) return false;
    if (search && !search(doc)) return false;
    if (reference && !(reference.type === 'action' && rule.actions.some((a) => a.id === reference.id))) return false;
    if (options.consumers && !options.consumers.includes(rule.consumer)) return false;
    return true;
  });
  if (options.sortField) {
    // Kibana maps `name` to `name.keyword`: sorted as stored, not analysed.
    const path = options.sortField === 'name.keyword' ? 'name' : options.sortField;
    const direction = options.sortOrder === 'desc' ? -1 : 1;
    const key = (rule: RuleRecord) => valuesAt(ruleAttributes(rule), path)[0];
    found = [...found].sort((a, b) => {
      const ka = key(a);
      const kb = key(b);
      // Rules without the field come last, either way (Elasticsearch's `missing: _last`).
      if (ka === undefined || kb === undefined) return ka === kb ? 0 : ka === undefined ? 1 : -1;
      return direction * compare(ka, kb);
    });
  }
  const start = (options.page - 1) * options.perPage;
  return { page: options.page, perPage: options.perPage, total: found.length, data: found.slice(start, start + options.perPage) };
}
