import { describe, expect, it } from 'vitest';
import { aggregate, fieldValues, matches, search, SearchRequestError, type SearchableDocument } from './search.js';
import { startElasticsearchSimulator } from './simulator.js';

const docs: SearchableDocument[] = [
  { index: 'i', id: '1', source: { t: '2026-01-01T00:00:00Z', host: 'a', cpu: 10, tags: ['x', 'y'], msg: 'Disk is full' } },
  { index: 'i', id: '2', source: { t: '2026-01-01T00:01:00Z', host: 'a', cpu: 30, 'event.action': 'run', msg: 'all good' } },
  { index: 'i', id: '3', source: { t: '2026-01-01T00:02:00Z', host: 'b', cpu: 50, nested: { k: 'v' } } },
];

describe('simulator search', () => {
  it('reads fields by dotted path, dotted keys and .keyword', () => {
    expect(fieldValues(docs[1].source, 'event.action')).toEqual(['run']);
    expect(fieldValues(docs[2].source, 'nested.k')).toEqual(['v']);
    expect(fieldValues(docs[0].source, 'host.keyword')).toEqual(['a']);
    expect(fieldValues(docs[0].source, 'tags')).toEqual(['x', 'y']);
  });

  it('evaluates bool, range, match, match_phrase, term(s), exists and query_string', () => {
    const ids = (q: object) => docs.filter((d) => matches(q, d.source)).map((d) => d.id);
    expect(ids({ range: { t: { gte: '2026-01-01T00:01:00Z', lt: '2026-01-01T00:02:00Z' } } })).toEqual(['2']);
    expect(ids({ range: { cpu: { gt: 10, lte: 50 } } })).toEqual(['2', '3']);
    expect(ids({ match: { msg: 'full good' } })).toEqual(['1', '2']);
    expect(ids({ match_phrase: { msg: 'is full' } })).toEqual(['1']);
    expect(ids({ match_phrase: { msg: 'full is' } })).toEqual([]);
    expect(ids({ term: { host: 'b' } })).toEqual(['3']);
    expect(ids({ terms: { tags: ['y', 'z'] } })).toEqual(['1']);
    expect(ids({ exists: { field: 'nested.k' } })).toEqual(['3']);
    expect(ids({ query_string: { fields: ['msg'], query: 'Disk\\ is*' } })).toEqual(['1']);
    expect(ids({ bool: { filter: [{ term: { host: 'a' } }], must_not: [{ range: { cpu: { lt: 20 } } }] } })).toEqual(['2']);
    expect(ids({ bool: { should: [{ term: { host: 'b' } }, { term: { cpu: 10 } }], minimum_should_match: 1 } })).toEqual(['1', '3']);
    expect(() => ids({ bogus: {} })).toThrow(SearchRequestError);
  });

  it('aggregates: date_range, terms with order and selector, metrics, stats_bucket, top_hits', () => {
    const result = aggregate(
      {
        window: { date_range: { field: 't', ranges: [{ from: '2026-01-01T00:00:30Z', to: '2026-01-01T00:02:00Z' }] } },
        groups: {
          terms: { field: 'host', size: 5, order: { top: 'desc' } },
          aggs: {
            top: { max: { field: 'cpu' } },
            keep: { bucket_selector: { buckets_path: { v: 'top' }, script: 'params.v < 20L || params.v > 40L' } },
            hits: { top_hits: { size: 1 } },
          },
        },
        groupCount: { stats_bucket: { buckets_path: 'groups._count' } },
        total: { sum: { field: 'cpu' } },
        none: { avg: { field: 'missing' } },
      },
      docs,
    );
    expect(result.window.buckets).toEqual([
      { key: '2026-01-01T00:00:30.000Z-2026-01-01T00:02:00.000Z', from: Date.parse('2026-01-01T00:00:30Z'), from_as_string: '2026-01-01T00:00:30.000Z', to: Date.parse('2026-01-01T00:02:00Z'), to_as_string: '2026-01-01T00:02:00.000Z', doc_count: 1 },
    ]);
    expect(result.groups.buckets.map((b: any) => [b.key, b.doc_count, b.top.value, b.hits.hits.hits.length])).toEqual([['b', 1, 50, 1]]);
    expect(result.groupCount).toMatchObject({ count: 1 });
    expect(result.total).toEqual({ value: 90 });
    expect(result.none).toEqual({ value: null });
  });

  it('sorts, sizes, tracks totals and returns docvalue fields', () => {
    const answer = search(docs, {
      size: 2,
      track_total_hits: true,
      sort: [{ t: { order: 'desc', format: 'strict_date_optional_time||epoch_millis' } }],
      docvalue_fields: [{ field: 't', format: 'strict_date_optional_time' }],
    });
    expect(answer.hits.total).toEqual({ value: 3, relation: 'eq' });
    expect(answer.hits.hits.map((h: any) => [h._id, h.sort, h.fields.t])).toEqual([
      ['3', ['2026-01-01T00:02:00.000Z'], ['2026-01-01T00:02:00.000Z']],
      ['2', ['2026-01-01T00:01:00.000Z'], ['2026-01-01T00:01:00.000Z']],
    ]);
    expect(answer).not.toHaveProperty('aggregations');
  });
});

describe('simulator _search over HTTP', () => {
  it('answers Elasticsearch error bodies for a missing index and a bad query, and honours ignore_unavailable', async () => {
    const sim = await startElasticsearchSimulator();
    try {
      const post = (path: string, body: object) =>
        fetch(`${sim.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }).then(async (r) => ({ status: r.status, body: await r.json() }));
      await fetch(`${sim.url}/logs/_bulk?refresh=true`, { method: 'POST', body: '{"index":{}}\n{"a":1}\n', headers: { 'content-type': 'application/x-ndjson' } });

      const missing = await post('/nope/_search', {});
      expect(missing.status).toBe(404);
      expect(missing.body.error).toMatchObject({ type: 'index_not_found_exception', reason: 'no such index [nope]', index: 'nope' });
      expect(missing.body.error.root_cause[0].type).toBe('index_not_found_exception');
      expect((await post('/nope/_search?ignore_unavailable=true', {})).body.hits.total).toEqual({ value: 0, relation: 'eq' });
      expect((await post('/nomatch-*/_search?allow_no_indices=false', {})).status).toBe(404);

      const bad = await post('/logs/_search', { query: { bogus: {} } });
      expect(bad).toEqual({ status: 400, body: { error: { root_cause: [{ type: 'parsing_exception', reason: 'unknown query [bogus]' }], type: 'parsing_exception', reason: 'unknown query [bogus]' }, status: 400 } });

      const ok = await post('/log*/_search?size=0&track_total_hits=true', { query: { term: { a: 1 } } });
      expect(ok.body).toMatchObject({ timed_out: false, _shards: { failed: 0 }, hits: { total: { value: 1, relation: 'eq' }, hits: [] } });
    } finally {
      await sim.close();
    }
  });
});
