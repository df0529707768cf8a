import { Client } from '@elastic/elasticsearch';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { indexDocuments } from '../src/alerting/rule_types/lib/test_harness.js';
import { startElasticsearchSimulator, type ElasticsearchSimulator } from '../src/connector_types/es_index/simulator.js';
import { availableDialects } from './helpers/databases.js';
import { startTestPlugboard, type TestPlugboard } from './helpers/plugboard.js';
import { RuleRuns, webhookConfig } from './helpers/rule_runs.js';
import { startStatusSink, type StatusSink } from './helpers/status_sink.js';

// Kibana's Elasticsearch rule types created through the rules API, run against the
// Elasticsearch simulator (`elasticsearch.hosts`): they fire and recover, and the actions
// posted to a sink carry their rendered context.

const dialects = await availableDialects();

const frequency = { summary: false, notify_when: 'onActionGroupChange', throttle: null };
const contextBody = JSON.stringify({
  alert: '{{alert.id}}',
  group: '{{alert.actionGroup}}',
  rule: '{{rule.name}}',
  title: '{{context.title}}',
  message: '{{context.message}}',
  conditions: '{{context.conditions}}',
  value: '{{context.value}}',
  date: '{{context.date}}',
});

describe.each(dialects)('Elasticsearch rule types through the API on %s', (dialect) => {
  let pb: TestPlugboard;
  let es: ElasticsearchSimulator;
  let client: Client;
  let sink: StatusSink;
  let runs: RuleRuns;

  const posted = (path: string) => sink.requests.filter((r) => r.url === path).map((r) => JSON.parse(r.body) as Record<string, string>);
  const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000).toISOString();

  beforeAll(async () => {
    es = await startElasticsearchSimulator();
    client = new Client({ node: es.url });
    sink = await startStatusSink();
    pb = await startTestPlugboard({ dialect, settings: { 'plugboard.net.deniedAddresses': [], 'elasticsearch.hosts': [es.url] } });
    runs = new RuleRuns(pb);
  });
  afterAll(async () => {
    await pb?.close();
    await client?.close();
    await es?.close();
    await sink?.close();
  });

  const connector = async (id: string, path: string) => {
    const created = await pb.api('POST', `/api/actions/connector/${id}`, { name: id, connector_type_id: '.webhook', config: webhookConfig(`${sink.url}${path}`), secrets: {} });
    expect(created.status, created.text).toBe(200);
  };

  it('.index-threshold alerts on a host over the threshold and recovers it when its average falls', async () => {
    await connector('cpu-hook', '/cpu');
    await indexDocuments(client, 'metrics', [
      { '@timestamp': minutesAgo(1), host: 'web-1', cpu: 90 },
      { '@timestamp': minutesAgo(2), host: 'web-2', cpu: 20 },
    ]);
    const first = await runs.create('cpu', {
      name: 'CPU high',
      rule_type_id: '.index-threshold',
      params: { index: 'metrics', timeField: '@timestamp', aggType: 'avg', aggField: 'cpu', groupBy: 'top', termField: 'host', termSize: 10, timeWindowSize: 5, timeWindowUnit: 'm', thresholdComparator: '>', threshold: [80] },
      actions: [
        { group: 'threshold met', id: 'cpu-hook', params: { body: contextBody }, frequency },
        { group: 'recovered', id: 'cpu-hook', params: { body: contextBody }, frequency },
      ],
    });
    expect(first.last_run).toMatchObject({ outcome: 'succeeded', alerts_count: { new: 1, active: 1 } });
    const [fired] = posted('/cpu');
    expect(fired).toMatchObject({
      alert: 'web-1',
      group: 'threshold met',
      rule: 'CPU high',
      title: 'alert CPU high group web-1 met threshold',
      conditions: 'avg(cpu) is greater than 80',
      value: '90',
    });
    expect(fired.message).toBe(`alert 'CPU high' is active for group 'web-1':\n\n- Value: 90\n- Conditions Met: avg(cpu) is greater than 80 over 5m\n- Timestamp: ${fired.date}`);
    expect(Date.parse(fired.date)).toBeGreaterThanOrEqual(Date.parse(first.execution_status.last_execution_date));

    await indexDocuments(client, 'metrics', [{ '@timestamp': minutesAgo(1), host: 'web-1', cpu: 10 }]);
    const second = await runs.runSoon('cpu');
    expect(second.last_run).toMatchObject({ outcome: 'succeeded', alerts_count: { new: 0, active: 0, recovered: 1 } });
    const recovered = posted('/cpu')[1];
    expect(recovered).toMatchObject({
      alert: 'web-1',
      group: 'recovered',
      title: 'alert CPU high group web-1 recovered',
      conditions: 'avg(cpu) is NOT greater than 80',
      // As Kibana: a grouped query leaves out the groups under the threshold (bucket_selector),
      // so a recovered group's value is not known.
      value: 'unknown',
    });
    expect(recovered.message).toContain(`alert 'CPU high' is recovered for group 'web-1'`);
    expect(posted('/cpu')).toHaveLength(2);
  });

  it('.es-query alerts on matching documents with their hits, and recovers when no new ones match', async () => {
    await connector('errors-hook', '/errors');
    await indexDocuments(client, 'logs', [
      { '@timestamp': minutesAgo(1), level: 'error', service: 'checkout' },
      { '@timestamp': minutesAgo(2), level: 'info', service: 'search' },
      { '@timestamp': minutesAgo(3), level: 'error', service: 'payments' },
    ]);
    const body = JSON.stringify({
      ...JSON.parse(contextBody),
      link: '{{context.link}}',
      services: '{{#context.hits}}{{_source.service}};{{/context.hits}}',
    });
    const first = await runs.create('errors', {
      name: 'Errors',
      rule_type_id: '.es-query',
      params: {
        searchType: 'esQuery',
        index: ['logs'],
        timeField: '@timestamp',
        esQuery: JSON.stringify({ query: { match: { level: 'error' } } }),
        size: 10,
        timeWindowSize: 5,
        timeWindowUnit: 'm',
        thresholdComparator: '>',
        threshold: [0],
      },
      actions: [
        { group: 'query matched', id: 'errors-hook', params: { body }, frequency },
        { group: 'recovered', id: 'errors-hook', params: { body }, frequency },
      ],
    });
    expect(first.last_run).toMatchObject({ outcome: 'succeeded', alerts_count: { new: 1, active: 1 } });
    const [fired] = posted('/errors');
    expect(fired).toMatchObject({
      alert: 'query matched',
      group: 'query matched',
      title: "rule 'Errors' matched query",
      message: 'Document count is 2 in the last 5m in logs index. Alert when greater than 0.',
      conditions: 'Number of matching documents is greater than 0',
      value: '2',
      link: '/app/management/insightsAndAlerting/triggersActions/rule/errors',
      services: 'checkout;payments;',
    });

    // The hits of the last run are not counted again: nothing new matches, the alert recovers.
    const second = await runs.runSoon('errors');
    expect(second.last_run).toMatchObject({ outcome: 'succeeded', alerts_count: { active: 0, recovered: 1 } });
    expect(posted('/errors')[1]).toMatchObject({
      alert: 'query matched',
      group: 'recovered',
      title: "rule 'Errors' recovered",
      conditions: 'Number of matching documents is NOT greater than 0',
      value: '0',
      services: '',
    });
  });
});
