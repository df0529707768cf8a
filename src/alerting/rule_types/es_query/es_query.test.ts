import { errors } from '@elastic/elasticsearch';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { formatZodError } from '../../../actions/format_zod_error.js';
import { startElasticsearchSimulator, type ElasticsearchSimulator } from '../../../connector_types/es_index/simulator.js';
import { indexDocuments, ruleRunner } from '../lib/test_harness.js';
import { esQueryRuleType } from './index.js';

const NOW = new Date('2026-01-01T12:00:00.000Z');
const at = (minutesAgo: number) => new Date(NOW.getTime() - minutesAgo * 60_000).toISOString();

const dsl = {
  searchType: 'esQuery',
  index: ['logs'],
  timeField: '@timestamp',
  esQuery: JSON.stringify({ query: { match: { level: 'error' } } }),
  size: 10,
  timeWindowSize: 5,
  timeWindowUnit: 'm',
  thresholdComparator: '>',
  threshold: [0],
};

const kql = {
  searchType: 'searchSource',
  searchConfiguration: { index: { title: 'logs', timeFieldName: '@timestamp' }, query: { query: 'level:error and not service:db', language: 'kuery' } },
  size: 10,
  timeWindowSize: 5,
  timeWindowUnit: 'm',
  thresholdComparator: '>',
  threshold: [0],
};

function problem(params: Record<string, unknown>): string | undefined {
  const result = esQueryRuleType.schemas.params.safeParse(params);
  return result.success ? undefined : formatZodError(result.error);
}

describe('.es-query params', () => {
  it("answers Kibana's message for each check", () => {
    expect(problem(dsl)).toBeUndefined();
    expect(problem(kql)).toBeUndefined();
    expect(problem({ ...dsl, timeWindowUnit: 'y' })).toBe('[timeWindowUnit]: invalid timeWindowUnit: "y"');
    expect(problem({ ...dsl, thresholdComparator: 'eq' })).toMatch(/^\[thresholdComparator\]: types that failed validation:\n- \[thresholdComparator.0\]: expected value to equal \[>\]/);
    expect(problem({ ...dsl, aggType: 'p99' })).toBe('[aggType]: invalid aggType: "p99"');
    expect(problem({ ...dsl, groupBy: 'any' })).toBe('[groupBy]: invalid groupBy: "any"');
    expect(problem({ ...dsl, thresholdComparator: 'notBetween' })).toBe('[threshold]: must have two elements for the "notBetween" comparator');
    expect(problem({ ...dsl, aggType: 'avg' })).toBe('[aggField]: must have a value when [aggType] is "avg"');
    expect(problem({ ...dsl, groupBy: 'top' })).toBe('[termField]: termField required when [groupBy] is top');
    expect(problem({ ...dsl, groupBy: 'top', termField: 'host' })).toBe('[termSize]: termSize required when [groupBy] is top');
    expect(problem({ ...dsl, groupBy: 'top', termField: 'host', termSize: 2000 })).toBe('[termSize]: must be less than or equal to 1000');
    expect(problem({ ...dsl, groupBy: 'row' })).toBe('[groupBy]: groupBy should be all or top when [searchType] is not esqlQuery');
    expect(problem({ ...dsl, esQuery: '{"query"' })).toBe('[esQuery]: must be valid JSON');
    expect(problem({ ...dsl, esQuery: '{"aggs":{}}' })).toBe('[esQuery]: must contain "query"');
  });

  it('asks each search type for its own fields and refuses the others', () => {
    const { timeField: _t, ...noTimeField } = dsl;
    expect(problem(noTimeField)).toBe('[timeField]: expected value of type [string] but got [undefined]');
    const { esQuery: _q, ...noQuery } = dsl;
    expect(problem(noQuery)).toBe('[esQuery]: expected value of type [string] but got [undefined]');
    const { index: _i, ...noIndex } = dsl;
    expect(problem(noIndex)).toBe('[index]: expected value of type [array] but got [undefined]');
    expect(problem({ ...dsl, searchConfiguration: {} })).toBe("[searchConfiguration]: a value wasn't expected to be present");
    expect(problem({ ...kql, esQuery: dsl.esQuery })).toBe("[esQuery]: a value wasn't expected to be present");
    expect(problem({ ...kql, index: ['logs'] })).toBe("[index]: a value wasn't expected to be present");
    const { searchConfiguration: _s, ...noConfiguration } = kql;
    expect(problem(noConfiguration)).toBe('[searchConfiguration]: expected value of type [object] but got [undefined]');
  });

  it('needs an inline data view with a time field and a valid query in searchConfiguration', () => {
    const config = kql.searchConfiguration;
    expect(problem({ ...kql, searchConfiguration: { ...config, index: 'data-view-id' } })).toMatch(/^\[searchConfiguration.index\]: Plugboard has no saved data views/);
    expect(problem({ ...kql, searchConfiguration: { ...config, index: { title: 'logs' } } })).toBe('[searchConfiguration.index.timeFieldName]: the data view needs a time field');
    expect(problem({ ...kql, searchConfiguration: { ...config, query: { query: 'a', language: 'sql' } } })).toBe(
      '[searchConfiguration.query]: expected {"query": "<text>", "language": "kuery" | "lucene"}',
    );
    expect(problem({ ...kql, searchConfiguration: { ...config, query: { query: 'a:(b', language: 'kuery' } } })).toMatch(/^\[searchConfiguration.query\]: expected "\)"/);
    expect(problem({ ...kql, searchConfiguration: { ...config, filter: [{ meta: {} }] } })).toBe(
      '[searchConfiguration.filter]: expected an array of filters, each with a "query" object',
    );
  });

  it('checks the structure and defaults', () => {
    expect(problem({ ...dsl, size: 10_001 })).toMatch(/size/);
    expect(problem({ ...dsl, termField: ['a'] })).toMatch(/termField/);
    expect(problem({ ...dsl, searchType: 'esqlQuery' })).toMatch(/searchType/);
    expect(problem({ ...dsl, sourceFields: new Array(6).fill({ label: 'a', searchPath: 'a' }) })).toMatch(/sourceFields/);
    expect(esQueryRuleType.schemas.params.parse(dsl)).toMatchObject({ excludeHitsFromPreviousRun: true, aggType: 'count', groupBy: 'all' });
  });
});

describe('.es-query against the Elasticsearch simulator', () => {
  let sim: ElasticsearchSimulator;
  let runner: ReturnType<typeof ruleRunner>;
  beforeAll(async () => {
    sim = await startElasticsearchSimulator();
    runner = ruleRunner(esQueryRuleType, sim.url);
    await indexDocuments(runner.client, 'logs', [
      { '@timestamp': at(4), level: 'error', service: 'api', latency: 300 },
      { '@timestamp': at(2), level: 'error', service: 'db', latency: 900 },
      { '@timestamp': at(1), level: 'info', service: 'api', latency: 100 },
      { '@timestamp': at(20), level: 'error', service: 'api', latency: 50 },
    ]);
  });
  afterAll(async () => {
    await runner.close();
    await sim.close();
  });
  afterEach(() => void sim.requests.splice(0));

  const searchBodies = () => sim.requests.filter((r) => r.path.endsWith('/_search')).map((r) => ({ path: r.path, query: r.query, body: JSON.parse(r.body) }));

  it('sends the sorted events query, alerts with Kibana’s context and keeps the newest hit time', async () => {
    const fresh = ruleRunner(esQueryRuleType, sim.url);
    const outcome = await fresh.run(dsl, NOW);
    const [request] = searchBodies();
    expect(request.path).toBe('/logs/_search');
    expect(request.query).toEqual({ allow_no_indices: 'true', ignore_unavailable: 'true' });
    expect(request.body).toEqual({
      size: 10,
      track_total_hits: true,
      docvalue_fields: [{ field: '@timestamp', format: 'strict_date_optional_time' }],
      query: {
        bool: {
          filter: [
            { match: { level: 'error' } },
            { bool: { filter: [{ range: { '@timestamp': { lte: NOW.toISOString(), gte: at(5), format: 'strict_date_optional_time' } } }] } },
          ],
        },
      },
      aggs: {},
      sort: [{ '@timestamp': { order: 'desc', format: 'strict_date_optional_time||epoch_millis' } }],
    });
    expect(outcome.reported).toHaveLength(1);
    const [alert] = outcome.reported;
    expect(alert.id).toBe('query matched');
    expect(alert.actionGroup).toBe('query matched');
    expect(alert.context).toMatchObject({
      title: "rule 'my rule' matched query",
      message: 'Document count is 2 in the last 5m in logs index. Alert when greater than 0.',
      value: 2,
      conditions: 'Number of matching documents is greater than 0',
      link: '/app/management/insightsAndAlerting/triggersActions/rule/rule-1',
      sourceFields: {},
    });
    expect((alert.context?.hits as Array<{ _source: { service: string }; sort: string[] }>).map((h) => [h._source.service, h.sort])).toEqual([
      ['db', [at(2)]],
      ['api', [at(4)]],
    ]);
    expect(outcome.state).toEqual({ latestTimestamp: at(2) });

    // The next run excludes what the last one saw, and recovers with Kibana's wording.
    sim.requests.splice(0);
    const later = new Date(NOW.getTime() + 60_000);
    const second = await fresh.run(dsl, later);
    await fresh.close();
    expect(searchBodies()[0].body.query.bool.filter[0]).toEqual({
      bool: {
        filter: [
          { match: { level: 'error' } },
          { bool: { must_not: [{ bool: { filter: [{ range: { '@timestamp': { lte: at(2), format: 'strict_date_optional_time' } } }] } }] } },
        ],
      },
    });
    expect(second.reported).toEqual([]);
    expect(second.recovered).toEqual([
      {
        id: 'query matched',
        context: expect.objectContaining({
          title: "rule 'my rule' recovered",
          message: 'Document count is 0 in the last 5m in logs index. Alert when greater than 0.',
          value: 0,
          hits: [],
          conditions: 'Number of matching documents is NOT greater than 0',
        }),
      },
    ]);
    expect(second.state).toEqual({ latestTimestamp: at(2) });
  });

  it('counts previous hits again when excludeHitsFromPreviousRun is false', async () => {
    const fresh = ruleRunner(esQueryRuleType, sim.url);
    await fresh.run({ ...dsl, excludeHitsFromPreviousRun: false }, NOW);
    const second = await fresh.run({ ...dsl, excludeHitsFromPreviousRun: false }, new Date(NOW.getTime() + 60_000));
    await fresh.close();
    expect(searchBodies()[1].body.query.bool.filter[0]).toEqual({ match: { level: 'error' } });
    expect(second.reported.map((a) => a.context?.value)).toEqual([2]);
  });

  it('compares a metric, and names several indices', async () => {
    const outcome = await runner.run({ ...dsl, index: ['logs', 'other-*'], aggType: 'max', aggField: 'latency', thresholdComparator: '>=', threshold: [900] }, NOW);
    // The client sends the index list URL-encoded.
    expect(searchBodies()[0].path).toBe('/logs%2Cother-*/_search');
    expect(searchBodies()[0].body.aggs).toEqual({ metricAgg: { max: { field: 'latency' } } });
    expect(outcome.reported[0].context).toMatchObject({
      value: 900,
      message: 'Document count is 900 in the last 5m in logs, other-* indices. Alert when greater than or equal to 900.',
      conditions: 'Number of matching documents where max of latency is greater than or equal to 900',
    });
  });

  it('groups with terms, top hits and a bucket selector, one alert per group', async () => {
    const params = { ...dsl, esQuery: JSON.stringify({ query: { match_all: {} } }), groupBy: 'top', termField: 'service', termSize: 10, size: 1, threshold: [1] };
    const outcome = await ruleRunner(esQueryRuleType, sim.url, { spaceId: 'ops' }).run(params, NOW);
    const { body } = searchBodies()[0];
    expect(body.size).toBe(0);
    expect(body.aggs).toEqual({
      groupAgg: {
        terms: { field: 'service', size: 10 },
        aggs: {
          topHitsAgg: { top_hits: { size: 1 } },
          conditionSelector: { bucket_selector: { buckets_path: { compareValue: '_count' }, script: 'params.compareValue > 1L' } },
        },
      },
      groupAggCount: { stats_bucket: { buckets_path: 'groupAgg._count' } },
    });
    expect(outcome.reported.map((a) => [a.id, a.context?.title, a.context?.conditions, a.context?.link])).toEqual([
      ['api', "rule 'my rule' matched query for group api", 'Number of matching documents for group "api" is greater than 1', '/s/ops/app/management/insightsAndAlerting/triggersActions/rule/rule-1'],
    ]);
    expect(outcome.reported[0].context?.message).toBe('Document count is 2 in the last 5m for api in logs index. Alert when greater than 1.');
    expect(outcome.reported[0].context?.hits).toHaveLength(1);
    expect(outcome.state).toEqual({});
  });

  it('runs a KQL search source as Kibana lays out its query', async () => {
    const outcome = await ruleRunner(esQueryRuleType, sim.url).run(kql, NOW);
    const [request] = searchBodies();
    expect(request.path).toBe('/logs/_search');
    expect(request.body).toEqual({
      size: 10,
      track_total_hits: true,
      query: {
        bool: {
          must: [],
          filter: [
            {
              bool: {
                filter: [
                  { bool: { should: [{ match: { level: 'error' } }], minimum_should_match: 1 } },
                  { bool: { must_not: { bool: { should: [{ match: { service: 'db' } }], minimum_should_match: 1 } } } },
                ],
              },
            },
            { range: { '@timestamp': { lte: NOW.toISOString(), gte: at(5), format: 'strict_date_optional_time' } } },
          ],
          should: [],
          must_not: [],
        },
      },
      aggs: {},
      sort: [{ '@timestamp': { order: 'desc', format: 'strict_date_optional_time||epoch_millis' } }],
    });
    expect(outcome.reported[0].context).toMatchObject({ value: 1, message: 'Document count is 1 in the last 5m in logs data view. Alert when greater than 0.' });
  });

  it('excludes the previous run’s hits in a search source with a gt filter', async () => {
    const fresh = ruleRunner(esQueryRuleType, sim.url);
    await fresh.run(kql, NOW);
    // Only while the last newest hit (4 minutes ago) is still inside the window.
    const second = await fresh.run(kql, new Date(NOW.getTime() + 30_000));
    await fresh.close();
    expect(searchBodies()[1].body.query.bool.filter.at(-1)).toEqual({ range: { '@timestamp': { gt: at(4), format: 'strict_date_optional_time' } } });
    expect(second.reported).toEqual([]);
  });

  it('fails the run on an Elasticsearch error, unlike .index-threshold', async () => {
    await expect(runner.run({ ...dsl, esQuery: JSON.stringify({ query: { bogus: {} } }) }, NOW)).rejects.toThrow(errors.ResponseError);
    await expect(runner.run({ ...dsl, esQuery: JSON.stringify({ query: { bogus: {} } }) }, NOW)).rejects.toThrow(/unknown query \[bogus\]/);
  });

  it('finds nothing, without failing, in a missing index (ignore_unavailable)', async () => {
    const outcome = await runner.run({ ...dsl, index: ['missing'] }, NOW);
    expect(outcome.reported).toEqual([]);
    expect(outcome.warnings).toEqual([]);
  });
});
