import { parseKql, type KqlNode, type KqlValue, type RangeOperator } from '../common/kql.js';

// KQL (parsed by common/kql.ts) compiled to Elasticsearch query DSL the way Kibana's
// @kbn/es-query toElasticsearchQuery does it without a data view: every field is taken as named,
// with no type information, so there are no keyword `term`/`wildcard` or date-specific forms.

export type QueryDsl = Record<string, unknown>;

const RANGE_KEYS: Record<RangeOperator, 'lt' | 'lte' | 'gt' | 'gte'> = { '<': 'lt', '<=': 'lte', '>': 'gt', '>=': 'gte' };

// Kibana's grammar turns unquoted literals that look like numbers or booleans into those types.
const NUMBER_PATTERN = /^(-?[1-9]+\d*([.]\d+)?)$|^(-?0[.]\d*[1-9]+)$|^0$|^0.0$|^[.]\d{1,}$/;

function literalValue(text: string, quoted: boolean): string | number | boolean | null {
  if (quoted) return text;
  if (text === 'null') return null;
  if (text === 'true') return true;
  if (text === 'false') return false;
  return NUMBER_PATTERN.test(text) ? Number(text) : text;
}

/** query_string's reserved characters, escaped in the text around wildcards. */
const escapeQueryString = (text: string) => text.replace(/[+\-=&|><!(){}[\]^"~*?:\\/]/g, '\\$&');

const wildcardQuery = (value: KqlValue) => value.segments.map(escapeQueryString).join('*');

const isWildcard = (value: KqlValue) => !value.quoted && value.segments.length > 1;

/** One condition, as Kibana wraps it: a `should` of the (here single) field it applies to. */
const shouldOne = (query: QueryDsl): QueryDsl => ({ bool: { should: [query], minimum_should_match: 1 } });

function compileMatch(node: Extract<KqlNode, { type: 'match' }>): QueryDsl {
  const { field, value } = node;
  if (field === undefined) {
    if (isWildcard(value)) return { query_string: { query: wildcardQuery(value) } };
    return { multi_match: { type: value.quoted ? 'phrase' : 'best_fields', query: literalValue(value.segments[0], value.quoted), lenient: true } };
  }
  if (isWildcard(value)) return shouldOne({ query_string: { fields: [field], query: wildcardQuery(value) } });
  const kind = value.quoted ? 'match_phrase' : 'match';
  return shouldOne({ [kind]: { [field]: literalValue(value.segments[0], value.quoted) } });
}

export function kqlNodeToDsl(node: KqlNode): QueryDsl {
  switch (node.type) {
    case 'and':
      return { bool: { filter: node.children.map(kqlNodeToDsl) } };
    case 'or':
      return { bool: { should: node.children.map(kqlNodeToDsl), minimum_should_match: 1 } };
    case 'not':
      return { bool: { must_not: kqlNodeToDsl(node.child) } };
    case 'exists':
      return shouldOne({ exists: { field: node.field } });
    case 'range':
      return shouldOne({ range: { [node.field]: { [RANGE_KEYS[node.operator]]: literalValue(node.value, false) } } });
    case 'match':
      return compileMatch(node);
  }
}

/**
 * A KQL string as query DSL; a blank string matches everything (`match_all`), as Kibana's
 * `toElasticsearchQuery(fromKueryExpression(''))` does. Throws KqlError on a syntax error.
 */
export function kqlToDsl(kql: string): QueryDsl {
  const node = parseKql(kql);
  return node ? kqlNodeToDsl(node) : { match_all: {} };
}
