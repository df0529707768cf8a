// The OData query of Defender's collection APIs (machines, machine actions) as Kibana builds it
// (reference §8.4): always a count, one page, an order when a field is named, and the filters
// joined with AND, each `key eq 'v'` or `key in ('a','b')`. Values are quoted as given, as
// Kibana sends them (a quote inside a value is not doubled).

export type ODataFilter = Record<string, string | readonly string[] | undefined>;

export interface ODataPaging {
  page?: number;
  pageSize?: number;
  sortField?: string;
  sortDirection?: 'asc' | 'desc';
}

export const DEFAULT_PAGE_SIZE = 20;

/** `$filter` text, or undefined when no filter has a value. */
export function odataFilter(filter: ODataFilter): string | undefined {
  const clauses: string[] = [];
  for (const [key, value] of Object.entries(filter)) {
    if (value === undefined) continue;
    clauses.push(typeof value === 'string' ? `${key} eq '${value}'` : `${key} in (${value.map((v) => `'${v}'`).join(',')})`);
  }
  return clauses.length > 0 ? clauses.join(' AND ') : undefined;
}

/** The query parameters, in Kibana's order. */
export function odataParams(filter: ODataFilter, { page = 1, pageSize = DEFAULT_PAGE_SIZE, sortField, sortDirection = 'desc' }: ODataPaging = {}): URLSearchParams {
  const params = new URLSearchParams({ $count: 'true', $top: String(pageSize) });
  if (page > 1) params.set('$skip', String((page - 1) * pageSize));
  if (sortField) params.set('$orderby', `${sortField} ${sortDirection}`);
  const where = odataFilter(filter);
  if (where !== undefined) params.set('$filter', where);
  return params;
}

/** A value encoded as axios encodes query values: `$ , : [ ]` kept, spaces as `+`. */
const encodeValue = (value: string) =>
  encodeURIComponent(value).replace(/%3A/gi, ':').replace(/%24/g, '$').replace(/%2C/gi, ',').replace(/%20/g, '+').replace(/%5B/gi, '[').replace(/%5D/gi, ']');

/** `url?<query>`, written as Kibana's requests (axios) write it, so a request reads the same in Defender's logs. */
export function withOData(url: string, filter: ODataFilter, paging?: ODataPaging): string {
  const query = [...odataParams(filter, paging)].map(([key, value]) => `${key}=${encodeValue(value)}`).join('&');
  return `${url}?${query}`;
}
