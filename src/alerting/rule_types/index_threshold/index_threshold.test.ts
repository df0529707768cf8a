import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { formatZodError } from '../../../actions/format_zod_error.js';
import { startElasticsearchSimulator, type ElasticsearchSimulator } from '../../../connector_types/es_index/simulator.js';
import { indexDocuments, ruleRunner } from '../lib/test_harness.js';
import { indexThresholdRuleType } from './index.js';

const base = {
  index: 'metrics',
  timeField: '@timestamp',
  timeWindowSize: 5,
  timeWindowUnit: 'm',
  thresholdComparator: '>',
  threshold: [1],
};

const NOW = new Date('2026-01-01T12:00:00.000Z');
const at = (minutesAgo: number) => new Date(NOW.getTime() - minutesAgo * 60_000).toISOString();

function problem(params: Record<string, unknown>): string | undefined {
  const result = indexThresholdRuleType.schemas.params.safeParse(params);
  return result.success ? undefined : formatZodError(result.error);
}

describe('.index-threshold params', () => {
  it("answers Kibana's message for each check", () => {
    expect(problem(base)).toBeUndefined();
    expect(problem({ ...base, index: ['a', 'b'], aggType: 'avg', aggField: 'cpu', groupBy: 'top', termField: 'host', termSize: 10, filterKuery: 'a:b' })).toBeUndefined();
    expect(problem({ ...base, aggType: 'median' })).toBe('[aggType]: invalid aggType: "median"');
    expect(problem({ ...base, groupBy: 'row' })).toBe('[groupBy]: invalid groupBy: "row"');
    expect(problem({ ...base, filterKuery: 'a:(b' })).toBe('[filterKuery]: Filter query is invalid.');
    expect(problem({ ...base, timeWindowUnit: 'w' })).toBe('[timeWindowUnit]: invalid timeWindowUnit: "w"');
    expect(problem({ ...base, thresholdComparator: '=' })).toBe(
      '[thresholdComparator]: types that failed validation:\n' +
        '- [thresholdComparator.0]: expected value to equal [>]\n- [thresholdComparator.1]: expected value to equal [<]\n' +
        '- [thresholdComparator.2]: expected value to equal [>=]\n- [thresholdComparator.3]: expected value to equal [<=]\n' +
        '- [thresholdComparator.4]: expected value to equal [between]\n- [thresholdComparator.5]: expected value to equal [notBetween]',
    );
    expect(problem({ ...base, aggType: 'sum' })).toBe('[aggField]: must have a value when [aggType] is "sum"');
    expect(problem({ ...base, groupBy: 'top' })).toBe('[termField]: termField required when [groupBy] is top');
    expect(problem({ ...base, groupBy: 'top', termField: 'host' })).toBe('[termSize]: termSize required when [groupBy] is top');
    expect(problem({ ...base, groupBy: 'top', termField: 'host', termSize: 1001 })).toBe('[termSize]: must be less than or equal to 1000');
    expect(problem({ ...base, thresholdComparator: 'between' })).toBe('[threshold]: must have two elements for the "between" comparator');
  });

  it('checks the structure: types, bounds, unknown keys', () => {
    expect(problem({ ...base, timeWindowSize: 0 })).toMatch(/timeWindowSize/);
    expect(problem({ ...base, threshold: [1, 2, 3] })).toMatch(/threshold/);
    expect(problem({ ...base, index: [] })).toMatch(/index/);
    expect(problem({ ...base, extra: 1 })).toMatch(/extra/);
    const { timeField: _t, ...noTimeField } = base;
    expect(problem(noTimeField)).toMatch(/timeField/);
  });

  it('defaults aggType and groupBy', () => {
    expect(indexThresholdRuleType.schemas.params.parse(base)).toMatchObject({ aggType: 'count', groupBy: 'all' });
  });
});

describe('.index-threshold against the Elasticsearch simulator', () => {
  let sim: ElasticsearchSimulator;
  let runner: ReturnType<typeof ruleRunner>;
  beforeAll(async () => {
    sim = await startElasticsearchSimulator();
    runner = ruleRunner(indexThresholdRuleType, sim.url);
    await indexDocuments(runner.client, 'metrics', [
      { '@timestamp': at(1), host: 'a', cpu: 90, env: 'prod' },
      { '@timestamp': at(2), host: 'a', cpu: 70, env: 'prod' },
      { '@timestamp': at(3), host: 'b', cpu: 20, env: 'dev' },
      { '@timestamp': at(30), host: 'b', cpu: 99, env: 'prod' },
    ]);
  });
  afterAll(async () => {
    await runner.close();
    await sim.close();
  });
  afterEach(() => void sim.requests.splice(0));

  const searches = () => sim.requests.filter((r) => r.path.endsWith('/_search'));

  it('sends Kibana’s request and alerts on all documents when the count passes the threshold', async () => {
    const outcome = await runner.run({ ...base, filterKuery: 'env:prod' }, NOW);
    const [request] = searches();
    expect(request.path).toBe('/metrics/_search');
    expect(request.query).toEqual({ ignore_unavailable: 'true', allow_no_indices: 'true' });
    expect(JSON.parse(request.body)).toEqual({
      size: 0,
      query: {
        bool: {
          filter: [
            { range: { '@timestamp': { gte: at(5), lt: NOW.toISOString(), format: 'strict_date_time' } } },
            { bool: { should: [{ match: { env: 'prod' } }], minimum_should_match: 1 } },
          ],
        },
      },
      aggs: { dateAgg: { date_range: { field: '@timestamp', format: 'strict_date_time', ranges: [{ from: at(5), to: NOW.toISOString() }] } } },
    });
    expect(outcome.reported).toEqual([
      {
        id: 'all documents',
        actionGroup: 'threshold met',
        state: {},
        context: {
          group: 'all documents',
          date: NOW.toISOString(),
          value: 2,
          conditions: 'count is greater than 1',
          title: 'alert my rule group all documents met threshold',
          message: `alert 'my rule' is active for group 'all documents':\n\n- Value: 2\n- Conditions Met: count is greater than 1 over 5m\n- Timestamp: ${NOW.toISOString()}`,
        },
      },
    ]);
    expect(outcome.state).toEqual({});
  });

  it('recovers with the unmet value and NOT in the conditions', async () => {
    const later = new Date(NOW.getTime() + 10 * 60_000);
    const outcome = await runner.run({ ...base, filterKuery: 'env:prod' }, later);
    expect(outcome.reported).toEqual([]);
    expect(outcome.recovered).toEqual([
      {
        id: 'all documents',
        context: {
          group: 'all documents',
          date: later.toISOString(),
          value: 0,
          conditions: 'count is NOT greater than 1',
          title: 'alert my rule group all documents recovered',
          message: `alert 'my rule' is recovered for group 'all documents':\n\n- Value: 0\n- Conditions Met: count is NOT greater than 1 over 5m\n- Timestamp: ${later.toISOString()}`,
        },
      },
    ]);
  });

  it('groups with terms, a bucket selector and the group count, alerting per group', async () => {
    const params = { ...base, aggType: 'max', aggField: 'cpu', groupBy: 'top', termField: 'host', termSize: 5, thresholdComparator: 'between', threshold: [50, 95] };
    const outcome = await runner.run(params, NOW);
    expect(JSON.parse(searches()[0].body).aggs).toEqual({
      groupAgg: {
        terms: { field: 'host', size: 5, order: { sortValueAgg: 'desc' } },
        aggs: {
          dateAgg: {
            date_range: { field: '@timestamp', format: 'strict_date_time', ranges: [{ from: at(5), to: NOW.toISOString() }] },
            aggs: { metricAgg: { max: { field: 'cpu' } } },
          },
          sortValueAgg: { max: { field: 'cpu' } },
          conditionSelector: {
            bucket_selector: { buckets_path: { compareValue: 'sortValueAgg' }, script: 'params.compareValue >= 50L && params.compareValue <= 95L' },
          },
        },
      },
      groupAggCount: { stats_bucket: { buckets_path: 'groupAgg._count' } },
    });
    expect(outcome.reported.map((a) => [a.id, a.context?.value, a.context?.conditions])).toEqual([['a', 90, 'max(cpu) is between 50 and 95']]);
  });

  it('counts per group with the count selector and caps the groups at the alert limit', async () => {
    const limited = ruleRunner(indexThresholdRuleType, sim.url, { alertLimit: 1 });
    const params = { ...base, groupBy: 'top', termField: 'host', termSize: 10, thresholdComparator: '>=', threshold: [1], timeWindowSize: 1, timeWindowUnit: 'h' };
    const outcome = await limited.run(params, NOW);
    await limited.close();
    const aggs = JSON.parse(searches()[0].body).aggs;
    expect(aggs.groupAgg.terms).toEqual({ field: 'host', size: 2 });
    expect(aggs.groupAgg.aggs.conditionSelector).toEqual({ bucket_selector: { buckets_path: { compareValue: '_count' }, script: 'params.compareValue >= 1L' } });
    expect(outcome.reported.map((a) => a.id)).toEqual(['a']);
    expect(outcome.limitReached).toBe(true);
  });

  it('swallows Elasticsearch errors: a warning, no results, every alert recovers', async () => {
    expect((await runner.run(base, NOW)).reported.map((a) => a.id)).toEqual(['all documents']);
    sim.failNextSearch(400, { type: 'parsing_exception', reason: 'unknown query [bogus]' });
    const outcome = await runner.run(base, NOW);
    expect(outcome.reported).toEqual([]);
    expect(outcome.recovered.map((r) => r.id)).toEqual(['all documents']);
    expect(outcome.logged.find((l) => l.level === 'warn')?.msg).toBe('indexThreshold timeSeriesQuery: callCluster error: parsing_exception: unknown query [bogus], caused by: ""');
  });

  it('finds nothing in a missing index without failing', async () => {
    const outcome = await runner.run({ ...base, index: 'missing' }, NOW);
    expect(outcome.reported).toEqual([]);
    expect(outcome.logged.filter((l) => l.level === 'warn')).toEqual([]);
  });
});
