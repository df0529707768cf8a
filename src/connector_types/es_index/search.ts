// The search side of the Elasticsearch simulator: `_search` over the documents indexed into it,
// for the query DSL and aggregations the stack rule types send (.index-threshold, .es-query).
// Text matching is a plain lowercase word split, enough for tests; `<field>.keyword` reads the
// raw value as dynamic mappings' keyword sub-field would.

export interface SearchableDocument {
  index: string;
  id: string;
  source: Record<string, unknown>;
}

export interface SearchError {
  status: number;
  error: { type: string; reason: string; [key: string]: unknown };
}

/** A failure of the search, answered as Elasticsearch's error body. */
export class SearchRequestError extends Error {
  constructor(
    readonly status: number,
    readonly error: SearchError['error'],
  ) {
    super(error.reason);
  }
}

type Json = Record<string, any>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const asArray = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
const parsing = (reason: string) => new SearchRequestError(400, { type: 'parsing_exception', reason });

/** The values of a field: a dotted path into the source; `x.keyword` falls back to `x`. */
export function fieldValues(source: Json, field: string): unknown[] {
  const walk = (value: unknown, parts: string[]): unknown[] => {
    if (parts.length === 0) return asArray(value as unknown[]).filter((v) => v !== null && v !== undefined);
    if (Array.isArray(value)) return value.flatMap((v) => walk(v, parts));
    if (!isObject(value)) return [];
    // Source keys may themselves contain dots ("event.action": …).
    for (let n = parts.length; n > 0; n--) {
      const key = parts.slice(0, n).join('.');
      if (key in value) return walk(value[key], parts.slice(n));
    }
    return [];
  };
  const values = walk(source, field.split('.'));
  if (values.length === 0 && field.endsWith('.keyword')) return walk(source, field.slice(0, -'.keyword'.length).split('.'));
  return values;
}

const tokens = (v: unknown) => String(v).toLowerCase().split(/[^\p{L}\p{N}_]+/u).filter(Boolean);

/** A date or number as a comparable number: dates as epoch millis. */
function comparable(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v !== 'string') return undefined;
  if (/^-?\d+(\.\d+)?$/.test(v.trim())) return Number(v);
  const ms = Date.parse(v);
  return Number.isNaN(ms) ? undefined : ms;
}

function matchesValue(docValue: unknown, wanted: unknown, phrase: boolean): boolean {
  if (typeof docValue !== 'string' || typeof wanted !== 'string') {
    const a = comparable(docValue);
    const b = comparable(wanted);
    return a !== undefined && b !== undefined ? a === b : String(docValue) === String(wanted);
  }
  const have = tokens(docValue);
  const want = tokens(wanted);
  if (want.length === 0) return false;
  if (!phrase) return want.some((t) => have.includes(t));
  return have.some((_, i) => want.every((t, j) => have[i + j] === t));
}

/** query_string as the KQL compiler writes it: escaped text with `*` wildcards. */
function queryStringPattern(query: string): RegExp {
  let pattern = '';
  for (let i = 0; i < query.length; i++) {
    const c = query[i];
    if (c === '\\' && i + 1 < query.length) pattern += query[++i].replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    else if (c === '*') pattern += '.*';
    else if (c === '?') pattern += '.';
    else pattern += c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${pattern}$`, 'i');
}

const stringLeaves = (value: unknown): string[] =>
  Array.isArray(value) ? value.flatMap(stringLeaves) : isObject(value) ? Object.values(value).flatMap(stringLeaves) : typeof value === 'string' ? [value] : [];

/** The single `{field: spec}` entry of a leaf query. */
function fieldEntry(kind: string, body: unknown): [string, unknown] {
  if (!isObject(body) || Object.keys(body).length !== 1) throw parsing(`[${kind}] query doesn't support multiple fields, found [${isObject(body) ? Object.keys(body).join('] and [') : ''}]`);
  return Object.entries(body)[0];
}

export function matches(query: unknown, doc: Json): boolean {
  if (!isObject(query) || Object.keys(query).length !== 1) throw parsing('query malformed, must start with start_object');
  const [kind, body] = Object.entries(query)[0];
  switch (kind) {
    case 'match_all':
      return true;
    case 'match_none':
      return false;
    case 'bool': {
      const must = [...asArray(body.must), ...asArray(body.filter)];
      const should = asArray(body.should);
      if (!must.every((q) => matches(q, doc))) return false;
      if (asArray(body.must_not).some((q) => matches(q, doc))) return false;
      const minimum = body.minimum_should_match ?? (must.length === 0 && should.length > 0 ? 1 : 0);
      return should.filter((q) => matches(q, doc)).length >= Number(minimum);
    }
    case 'range': {
      const [field, spec] = fieldEntry(kind, body) as [string, Json];
      const bounds = { gte: comparable(spec.gte), gt: comparable(spec.gt), lte: comparable(spec.lte), lt: comparable(spec.lt) };
      return fieldValues(doc, field).some((v) => {
        const x = comparable(v);
        if (x === undefined) return false;
        return (
          (bounds.gte === undefined || x >= bounds.gte) &&
          (bounds.gt === undefined || x > bounds.gt) &&
          (bounds.lte === undefined || x <= bounds.lte) &&
          (bounds.lt === undefined || x < bounds.lt)
        );
      });
    }
    case 'match':
    case 'match_phrase': {
      const [field, spec] = fieldEntry(kind, body);
      const wanted = isObject(spec) ? spec.query : spec;
      return fieldValues(doc, field).some((v) => matchesValue(v, wanted, kind === 'match_phrase'));
    }
    case 'multi_match':
      return stringLeaves(doc).some((v) => matchesValue(v, body.query, body.type === 'phrase'));
    case 'term': {
      const [field, spec] = fieldEntry(kind, body);
      const wanted = isObject(spec) ? spec.value : spec;
      return fieldValues(doc, field).some((v) => v === wanted || String(v) === String(wanted));
    }
    case 'terms': {
      const [field, wanted] = fieldEntry(kind, body);
      if (!Array.isArray(wanted)) throw parsing('[terms] query does not support [' + field + ']');
      return fieldValues(doc, field).some((v) => wanted.some((w) => String(v) === String(w)));
    }
    case 'exists':
      return fieldValues(doc, body.field).length > 0;
    case 'query_string': {
      const pattern = queryStringPattern(String(body.query));
      const values = body.fields ? asArray<string>(body.fields).flatMap((f) => fieldValues(doc, f)) : stringLeaves(doc);
      return values.some((v) => pattern.test(String(v)) || tokens(v).some((t) => pattern.test(t)));
    }
    default:
      throw parsing(`unknown query [${kind}]`);
  }
}

// ---------------------------------------------------------------------------------------------
// Aggregations

const METRICS = new Set(['avg', 'min', 'max', 'sum']);

function metric(kind: string, field: string, docs: Json[]): number | null {
  const values = docs.flatMap((d) => fieldValues(d, field)).map(comparable).filter((v): v is number => v !== undefined);
  if (kind === 'sum') return values.reduce((a, b) => a + b, 0);
  if (values.length === 0) return null;
  if (kind === 'avg') return values.reduce((a, b) => a + b, 0) / values.length;
  return kind === 'min' ? Math.min(...values) : Math.max(...values);
}

/** A bucket_selector script of Kibana's comparator forms: `params.x > 5L && params.x <= 7`. */
function selectorScript(script: string): (params: Record<string, number>) => boolean {
  const comparison = /^params\.(\w+)\s*(>=|<=|==|!=|>|<)\s*(-?\d+(?:\.\d+)?)L?$/;
  const ors = script.split('||').map((or) =>
    or.split('&&').map((part) => {
      const m = comparison.exec(part.trim());
      if (!m) throw new SearchRequestError(400, { type: 'script_exception', reason: `compile error: cannot evaluate [${script}]` });
      return { name: m[1], op: m[2], n: Number(m[3]) };
    }),
  );
  const test = (v: number, op: string, n: number) =>
    op === '>' ? v > n : op === '<' ? v < n : op === '>=' ? v >= n : op === '<=' ? v <= n : op === '==' ? v === n : v !== n;
  return (params) => ors.some((ands) => ands.every(({ name, op, n }) => test(params[name], op, n)));
}

type Bucket = Json & { doc_count: number };

function bucketValue(bucket: Bucket, path: string): number {
  if (path === '_count') return bucket.doc_count;
  const [name, prop = 'value'] = path.split('.');
  const agg = bucket[name];
  if (!isObject(agg)) throw new SearchRequestError(400, { type: 'illegal_argument_exception', reason: `No aggregation found for path [${path}]` });
  return agg[prop];
}

function topHits(docs: SearchableDocument[], size: number): Json {
  return {
    hits: {
      total: { value: docs.length, relation: 'eq' },
      max_score: null,
      hits: docs.slice(0, size).map((d) => ({ _index: d.index, _id: d.id, _score: null, _source: structuredClone(d.source) })),
    },
  };
}

/** The aggregations of one level over `docs`; bucket pipelines apply to their parent's buckets. */
export function aggregate(aggs: unknown, docs: SearchableDocument[]): Json {
  if (aggs === undefined) return {};
  if (!isObject(aggs)) throw parsing('Expected [START_OBJECT] under [aggs]');
  const out: Json = {};
  const siblings: Array<[string, Json]> = [];
  for (const [name, spec] of Object.entries(aggs)) {
    if (!isObject(spec)) throw parsing(`Expected [START_OBJECT] under [${name}]`);
    const { aggs: sub, aggregations: subAlt, ...rest } = spec;
    const subAggs = sub ?? subAlt;
    const kind = Object.keys(rest)[0];
    const body = rest[kind];
    if (METRICS.has(kind)) out[name] = { value: metric(kind, body.field, docs.map((d) => d.source)) };
    else if (kind === 'top_hits') out[name] = topHits(docs, body.size ?? 3);
    else if (kind === 'date_range') out[name] = { buckets: dateRangeBuckets(body, subAggs, docs) };
    else if (kind === 'terms' || kind === 'multi_terms') out[name] = termsBuckets(kind, body, subAggs, docs);
    else if (kind === 'stats_bucket') siblings.push([name, body]);
    else if (kind === 'bucket_selector') continue; // applied by the parent bucket aggregation
    else throw parsing(`Unknown aggregation type [${kind}] did you mean [terms]?`);
  }
  for (const [name, body] of siblings) {
    const [aggName, ...rest] = String(body.buckets_path).split('.');
    const values = (out[aggName]?.buckets ?? []).map((b: Bucket) => bucketValue(b, rest.join('.') || '_count'));
    const sum = values.reduce((a: number, b: number) => a + b, 0);
    out[name] = {
      count: values.length,
      min: values.length ? Math.min(...values) : null,
      max: values.length ? Math.max(...values) : null,
      avg: values.length ? sum / values.length : null,
      sum,
    };
  }
  return out;
}

function withSubAggs(key: Json, subAggs: unknown, docs: SearchableDocument[]): Bucket {
  return { ...key, doc_count: docs.length, ...aggregate(subAggs, docs) };
}

/** The bucket_selectors among `subAggs`, applied to finished buckets. */
function applySelectors(buckets: Bucket[], subAggs: unknown): Bucket[] {
  if (!isObject(subAggs)) return buckets;
  let kept = buckets;
  for (const spec of Object.values(subAggs)) {
    const selector = isObject(spec) ? spec.bucket_selector : undefined;
    if (!selector) continue;
    const script = typeof selector.script === 'string' ? selector.script : selector.script?.source;
    const test = selectorScript(String(script));
    kept = kept.filter((b) => {
      const params = Object.fromEntries(Object.entries(selector.buckets_path as Record<string, string>).map(([k, path]) => [k, bucketValue(b, path)]));
      return test(params);
    });
  }
  return kept;
}

function dateRangeBuckets(body: Json, subAggs: unknown, docs: SearchableDocument[]): Bucket[] {
  const buckets = asArray<Json>(body.ranges).map((range) => {
    const from = comparable(range.from);
    const to = comparable(range.to);
    const inside = docs.filter((d) =>
      fieldValues(d.source, body.field).some((v) => {
        const x = comparable(v);
        return x !== undefined && (from === undefined || x >= from) && (to === undefined || x < to);
      }),
    );
    const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());
    const key = `${iso(from) ?? '*'}-${iso(to) ?? '*'}`;
    return withSubAggs({ key, ...(from !== undefined ? { from, from_as_string: iso(from) } : {}), ...(to !== undefined ? { to, to_as_string: iso(to) } : {}) }, subAggs, inside);
  });
  return applySelectors(buckets, subAggs);
}

function termsBuckets(kind: string, body: Json, subAggs: unknown, docs: SearchableDocument[]): Json {
  const fields: string[] = kind === 'multi_terms' ? asArray<Json>(body.terms).map((t) => t.field) : [body.field];
  const groups = new Map<string, { key: unknown; docs: SearchableDocument[] }>();
  for (const doc of docs) {
    const perField = fields.map((f) => fieldValues(doc.source, f));
    if (perField.some((v) => v.length === 0)) continue;
    // Every combination of the fields' values is a key (one per value for plain terms).
    const combos = perField.reduce<unknown[][]>((acc, values) => acc.flatMap((c) => values.map((v) => [...c, v])), [[]]);
    for (const combo of combos) {
      const key = kind === 'multi_terms' ? combo : combo[0];
      const id = JSON.stringify(key);
      const group = groups.get(id) ?? { key, docs: [] };
      if (!group.docs.includes(doc)) group.docs.push(doc);
      groups.set(id, group);
    }
  }
  let buckets = [...groups.values()].map((g) =>
    withSubAggs(kind === 'multi_terms' ? { key: g.key, key_as_string: (g.key as unknown[]).join('|') } : { key: g.key }, subAggs, g.docs),
  );
  const [orderBy, direction] = Object.entries((body.order as Json) ?? { _count: 'desc' })[0] as [string, string];
  const sign = direction === 'asc' ? 1 : -1;
  const byKey = (a: Bucket, b: Bucket) => String(a.key).localeCompare(String(b.key));
  buckets.sort((a, b) => {
    const va = orderBy === '_key' ? 0 : bucketValue(a, orderBy) ?? -Infinity;
    const vb = orderBy === '_key' ? 0 : bucketValue(b, orderBy) ?? -Infinity;
    return orderBy === '_key' ? sign * byKey(a, b) : va === vb ? byKey(a, b) : sign * (va - vb);
  });
  const size = body.size ?? 10;
  const shown = buckets.slice(0, size);
  const other = buckets.slice(size).reduce((n, b) => n + b.doc_count, 0);
  buckets = applySelectors(shown, subAggs);
  return { doc_count_error_upper_bound: 0, sum_other_doc_count: other, buckets };
}

// ---------------------------------------------------------------------------------------------
// The search

/** The body of a `_search`, with the query string's `size` and `track_total_hits` folded in. */
export function search(docs: SearchableDocument[], body: Json): Json {
  const matched = docs.filter((d) => matches(body.query ?? { match_all: {} }, d.source));
  const sortSpec = asArray<Json | string>(body.sort).map((s) => (typeof s === 'string' ? { [s]: { order: s === '_score' ? 'desc' : 'asc' } } : s));
  const sortKeys = sortSpec.map((s) => {
    const [field, spec] = Object.entries(s)[0] as [string, Json | string];
    const order = typeof spec === 'string' ? spec : (spec.order ?? 'asc');
    return { field, order, formatted: typeof spec === 'object' && typeof spec.format === 'string' };
  });
  const sortValue = (d: SearchableDocument, key: (typeof sortKeys)[number]) => {
    const v = fieldValues(d.source, key.field)[0];
    const n = comparable(v);
    // Dates sort as epoch millis and come back formatted when the sort asks for a format.
    if (typeof v === 'string' && n !== undefined && Number.isNaN(Number(v))) return key.formatted ? new Date(n).toISOString() : n;
    return v ?? null;
  };
  const ordered = [...matched];
  if (sortKeys.length > 0) {
    ordered.sort((a, b) => {
      for (const key of sortKeys) {
        const va = comparable(sortValue(a, key));
        const vb = comparable(sortValue(b, key));
        if (va === vb) continue;
        if (va === undefined) return 1;
        if (vb === undefined) return -1;
        return key.order === 'desc' ? vb - va : va - vb;
      }
      return 0;
    });
  }
  const from = Number(body.from ?? 0);
  const size = Number(body.size ?? 10);
  const docvalueFields = asArray<Json | string>(body.docvalue_fields).map((f) => (typeof f === 'string' ? { field: f } : f));
  const hits = ordered.slice(from, from + size).map((d) => {
    const fields: Json = {};
    for (const f of docvalueFields) {
      const values = fieldValues(d.source, f.field).map((v) => {
        const n = comparable(v);
        return f.format && typeof v === 'string' && n !== undefined ? new Date(n).toISOString() : v;
      });
      if (values.length > 0) fields[f.field] = values;
    }
    return {
      _index: d.index,
      _id: d.id,
      _score: sortKeys.length > 0 ? null : 1,
      _source: structuredClone(d.source),
      ...(Object.keys(fields).length > 0 ? { fields } : {}),
      ...(sortKeys.length > 0 ? { sort: sortKeys.map((k) => sortValue(d, k)) } : {}),
    };
  });
  const trackAll = body.track_total_hits === true || body.track_total_hits === 'true';
  const cap = typeof body.track_total_hits === 'number' ? body.track_total_hits : 10_000;
  const total = trackAll || matched.length <= cap ? { value: matched.length, relation: 'eq' } : { value: cap, relation: 'gte' };
  const aggregations = aggregate(body.aggs ?? body.aggregations, matched);
  return {
    hits: { total, max_score: sortKeys.length > 0 ? null : matched.length > 0 ? 1 : null, hits },
    ...(body.aggs !== undefined || body.aggregations !== undefined ? { aggregations } : {}),
  };
}
