import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineRuleType } from '../src/alerting/types.js';
import { availableDialects } from './helpers/databases.js';
import { startTestPlugboard, type TestPlugboard } from './helpers/plugboard.js';

// Kibana's rules API (reference kibana-alerting-rules.md §1) on both databases, with a small
// rule type of the test's own: every route, status and validation message, and the rule's
// task kept in step with enable, disable, update and delete.

const testRuleType = defineRuleType({
  id: 'test.threshold',
  name: 'Test threshold',
  category: 'management',
  producer: 'alerts',
  minimumLicenseRequired: 'basic',
  isExportable: true,
  actionGroups: [{ id: 'breached', name: 'Breached' }],
  defaultActionGroupId: 'breached',
  actionVariables: { context: [{ name: 'value', description: 'The value' }] },
  schemas: { params: z.strictObject({ threshold: z.number() }) },
  async executor({ state }) {
    return { state };
  },
});

const frequency = { summary: false, notify_when: 'onActiveAlert', throttle: null };

const dialects = await availableDialects();

describe.each(dialects)('rules API on %s', (dialect) => {
  let pb: TestPlugboard;
  const task = (id: string) => pb.plugboard.taskStore.get(id);
  const ruleBody = (overrides: Record<string, unknown> = {}) => ({
    name: 'High value',
    rule_type_id: 'test.threshold',
    consumer: 'alerts',
    schedule: { interval: '1m' },
    params: { threshold: 5 },
    actions: [],
    ...overrides,
  });

  beforeAll(async () => {
    // runTasks false: the rule task runner is not part of this suite; the task rows are what it checks.
    pb = await startTestPlugboard({
      dialect,
      runTasks: false,
      extraRuleTypes: [testRuleType],
      settings: {
        'xpack.actions.preconfigured': { 'pre-log': { name: 'Preconfigured log', actionTypeId: '.server-log' } },
      },
    });
    for (const id of ['log-1', 'log-2']) {
      const res = await pb.api('POST', `/api/actions/connector/${id}`, { name: id, connector_type_id: '.server-log' });
      expect(res.status).toBe(200);
    }
  });
  afterAll(async () => pb.close());

  it('creates a rule with a generated id (200) with Kibana fields, and schedules its task', async () => {
    const res = await pb.api('POST', '/api/alerting/rule', ruleBody({ tags: ['prod'] }));
    expect(res.status).toBe(200);
    const id = res.body.id;
    expect(res.body).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      enabled: true,
      name: 'High value',
      tags: ['prod'],
      rule_type_id: 'test.threshold',
      consumer: 'alerts',
      schedule: { interval: '1m' },
      actions: [],
      params: { threshold: 5 },
      scheduled_task_id: id,
      created_by: 'elastic',
      updated_by: 'elastic',
      created_at: expect.any(String),
      updated_at: res.body.created_at,
      api_key_owner: 'elastic',
      throttle: null,
      mute_all: false,
      notify_when: null,
      muted_alert_ids: [],
      execution_status: { status: 'pending', last_execution_date: res.body.created_at },
      revision: 0,
      running: false,
    });
    const t = await task(id);
    expect(t).toMatchObject({
      id,
      type: 'alerting:test.threshold',
      scope: 'alerting',
      spaceId: 'default',
      params: { alertId: id, spaceId: 'default', consumer: 'alerts' },
      state: { previousStartedAt: null, alertTypeState: {}, alertInstances: {} },
      intervalMs: 60_000,
      status: 'idle',
    });
    const got = await pb.api('GET', `/api/alerting/rule/${id}`);
    expect(got.status).toBe(200);
    expect(got.body).toEqual(res.body);
    expect((await pb.api('GET', `/internal/alerting/rule/${id}`)).body).toEqual(res.body);
  });

  it('creates with an id, 409 when the id is in use, and a disabled rule gets no task', async () => {
    const res = await pb.api('POST', '/api/alerting/rule/my-rule', ruleBody({ enabled: false }));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: 'my-rule', enabled: false, api_key_owner: null });
    expect(res.body).not.toHaveProperty('scheduled_task_id');
    expect(await task('my-rule')).toBeUndefined();
    const again = await pb.api('POST', '/api/alerting/rule/my-rule', ruleBody());
    expect(again.status).toBe(409);
    expect(again.body).toEqual({ statusCode: 409, error: 'Conflict', message: 'Saved object [alert/my-rule] conflict' });
  });

  it('answers 404 with the saved-object message for a missing rule on every single-rule route', async () => {
    const message = 'Saved object [alert/nope] not found';
    const calls: Array<[string, string, unknown?]> = [
      ['GET', '/api/alerting/rule/nope'],
      ['PUT', '/api/alerting/rule/nope', { name: 'x', schedule: { interval: '1m' } }],
      ['DELETE', '/api/alerting/rule/nope'],
      ['POST', '/api/alerting/rule/nope/_enable'],
      ['POST', '/api/alerting/rule/nope/_disable'],
      ['POST', '/api/alerting/rule/nope/_mute_all'],
      ['POST', '/api/alerting/rule/nope/_unmute_all'],
      ['POST', '/api/alerting/rule/nope/alert/a1/_mute'],
      ['POST', '/api/alerting/rule/nope/alert/a1/_unmute'],
      ['POST', '/api/alerting/rule/nope/_update_api_key'],
    ];
    for (const [method, url, body] of calls) {
      const res = await pb.api(method, url, body);
      expect([url, res.status, res.body]).toEqual([url, 404, { statusCode: 404, error: 'Not Found', message }]);
    }
  });

  describe('validation (400, nothing stored)', () => {
    const cases: Array<[string, Record<string, unknown>, string]> = [
      ['an action without a group', { actions: [{ id: 'log-1', params: {} }] }, 'Group is not defined in action log-1'],
      [
        'bad KQL in an alerts filter',
        { actions: [{ id: 'log-1', group: 'breached', params: {}, frequency, alerts_filter: { query: { kql: 'a:(b', filters: [] } } }] },
        'Invalid KQL: ',
      ],
      ['a rule type that is not registered', { rule_type_id: 'nope.type' }, 'Rule type "nope.type" is not registered.'],
      ['params the type refuses', { params: { threshold: 'high' } }, 'params invalid: [threshold]: expected value of type [number] but got [string]'],
      ['params the type does not know', { params: { threshold: 1, extra: true } }, 'params invalid: [extra]: definition for this key is missing'],
      ['a bad schedule', { schedule: { interval: '10x' } }, '[request body.schedule.interval]: string is not a valid duration: 10x'],
      ['a bad notify_when', { notify_when: 'sometimes' }, '[request body.notify_when]: string is not a valid RuleNotifyWhenType: sometimes'],
      [
        'an unknown connector',
        { actions: [{ id: 'missing-connector', group: 'breached', params: {}, frequency }] },
        'Failed to load action missing-connector (404): Saved object [action/missing-connector] not found',
      ],
      [
        'a group the type does not have',
        { actions: [{ id: 'log-1', group: 'nope', params: {}, frequency }] },
        'Failed to validate actions due to the following error: Invalid action groups: nope',
      ],
      [
        'an action without frequency',
        { actions: [{ id: 'log-1', group: 'breached', params: {} }] },
        'Failed to validate actions due to the following error: Actions missing frequency parameters: breached',
      ],
      [
        'per-action frequency beside a rule-level notify_when',
        { notify_when: 'onActiveAlert', actions: [{ id: 'log-1', group: 'breached', params: {}, frequency }] },
        'Failed to validate actions due to the following error: Cannot specify per-action frequency params when notify_when or throttle are defined at the rule level: breached',
      ],
      [
        'a throttle shorter than the interval',
        { schedule: { interval: '5m' }, actions: [{ id: 'log-1', group: 'breached', params: {}, frequency: { summary: false, notify_when: 'onThrottleInterval', throttle: '1m' } }] },
        'Failed to validate actions due to the following error: Action frequency cannot be shorter than the schedule interval of 5m: breached (1m)',
      ],
      [
        'duplicated action uuids',
        { actions: ['a', 'b'].map(() => ({ id: 'log-1', group: 'breached', params: {}, frequency, uuid: 'same' })) },
        'Failed to validate actions due to the following error: Actions have duplicated UUIDs',
      ],
      [
        'an alerts filter with a bad time range',
        { actions: [{ id: 'log-1', group: 'breached', params: {}, frequency, uuid: 'u1', alerts_filter: { timeframe: { days: [1], hours: { start: '25:00', end: '10:00' }, timezone: 'UTC' } } }] },
        "Failed to validate actions due to the following error: Action's alertsFilter time range has an invalid value: 25:00-10:00",
      ],
      [
        'an alerts filter with neither query nor timeframe',
        { actions: [{ id: 'log-1', group: 'breached', params: {}, frequency, uuid: 'u2', alerts_filter: {} }] },
        'Failed to validate actions due to the following error: Action\'s alertsFilter  must have either "query" or "timeframe" : u2',
      ],
      [
        'several action errors, collected in one message',
        { actions: [{ id: 'log-1', group: 'nope', params: {} }] },
        'Failed to validate actions due to the following 2 errors:\n- Invalid action groups: nope\n- Actions missing frequency parameters: nope',
      ],
      ['update-only fields on create', { revision: 3 }, '[request body.revision]: definition for this key is missing'],
    ];
    it.each(cases)('%s', async (_what, overrides, message) => {
      const before = (await pb.api('GET', '/api/alerting/rules/_find?per_page=1000')).body.total;
      const res = await pb.api('POST', '/api/alerting/rule', ruleBody(overrides));
      expect(res.status).toBe(400);
      expect(res.body.error).toBe('Bad Request');
      if (message.endsWith(': ')) expect(res.body.message.startsWith(message)).toBe(true);
      else expect(res.body.message).toBe(message);
      expect((await pb.api('GET', '/api/alerting/rules/_find?per_page=1000')).body.total).toBe(before);
    });

    it('refuses a connector type that cannot serve rules, and one not enabled in config', async () => {
      const stub = await startTestPlugboard({
        dialect,
        runTasks: false,
        extraRuleTypes: [testRuleType],
        settings: { 'xpack.actions.enabledActionTypes': ['.webhook'] },
      });
      try {
        await stub.plugboard.actions.create(
          { spaceId: 'default', principal: { username: 'elastic', roles: ['superuser'], authenticationType: 'internal' } },
          { id: 'webhook-1', name: 'hook', typeId: '.webhook', config: { url: 'https://example.com' }, secrets: {} },
        );
        // Stored before the setting changed: created through the repository directly.
        const { ConnectorsRepository } = await import('../src/storage/connectors_repository.js');
        await new ConnectorsRepository(stub.plugboard.database.db).insert({ id: 'log-x', spaceId: 'default', typeId: '.server-log', name: 'log', config: {}, secrets: stub.plugboard.cipher.encrypt({}, { spaceId: 'default', connectorId: 'log-x', typeId: '.server-log', config: {} }), isMissingSecrets: false });
        const res = await stub.api('POST', '/api/alerting/rule', ruleBody({ actions: [{ id: 'log-x', group: 'breached', params: {}, frequency }] }));
        expect(res.status).toBe(400);
        expect(res.body.message).toBe(
          'Failed to validate actions due to the following error: action type ".server-log" is not enabled in the Kibana config xpack.actions.enabledActionTypes',
        );
      } finally {
        await stub.close();
      }
    });

    it('enforces the minimum interval only when told to', async () => {
      const lenient = await pb.api('POST', '/api/alerting/rule', ruleBody({ schedule: { interval: '10s' } }));
      expect(lenient.status).toBe(200);
      const strict = await startTestPlugboard({
        dialect,
        runTasks: false,
        extraRuleTypes: [testRuleType],
        settings: { 'xpack.alerting.rules.minimumScheduleInterval': { value: '30s', enforce: true } },
      });
      try {
        const res = await strict.api('POST', '/api/alerting/rule', ruleBody({ schedule: { interval: '10s' } }));
        expect(res.status).toBe(400);
        expect(res.body.message).toBe('Error creating rule: the interval is less than the allowed minimum interval of 30s');
        const ok = await strict.api('POST', '/api/alerting/rule', ruleBody({ schedule: { interval: '30s' } }));
        expect(ok.status).toBe(200);
        const update = await strict.api('PUT', `/api/alerting/rule/${ok.body.id}`, { name: 'x', schedule: { interval: '5s' }, params: { threshold: 1 } });
        expect(update.status).toBe(400);
        expect(update.body.message).toBe('Error updating rule: the interval is less than the allowed minimum interval of 30s');
      } finally {
        await strict.close();
      }
    });

    it('applies the runs-per-minute circuit breaker', async () => {
      const tight = await startTestPlugboard({
        dialect,
        runTasks: false,
        extraRuleTypes: [testRuleType],
        settings: { 'xpack.alerting.rules.maxScheduledPerMinute': 2 },
      });
      try {
        expect((await tight.api('POST', '/api/alerting/rule', ruleBody({ schedule: { interval: '1m' } }))).status).toBe(200);
        const res = await tight.api('POST', '/api/alerting/rule', ruleBody({ name: 'Fast', schedule: { interval: '30s' } }));
        expect(res.status).toBe(400);
        expect(res.body.message).toBe(
          "Error validating circuit breaker - Rule 'Fast' cannot be created. The maximum number of runs per minute would be exceeded. - The rule has 2 runs per minute; there is only 1 run per minute available. Before you can modify this rule, you must increase its check interval so that it runs less frequently. Alternatively, disable other rules or change their check intervals.",
        );
        // A disabled rule uses no runs.
        expect((await tight.api('POST', '/api/alerting/rule', ruleBody({ enabled: false, schedule: { interval: '30s' } }))).status).toBe(200);
      } finally {
        await tight.close();
      }
    });
  });

  it('stores actions with a uuid and the connector type, and system-less preconfigured connectors', async () => {
    const res = await pb.api(
      'POST',
      '/api/alerting/rule',
      ruleBody({
        actions: [
          { id: 'log-1', group: 'breached', params: { message: '{{context.value}}' }, frequency },
          { id: 'pre-log', group: 'recovered', params: {}, frequency: { summary: true, notify_when: 'onThrottleInterval', throttle: '1h' }, uuid: 'fixed' },
        ],
      }),
    );
    expect(res.status).toBe(200);
    expect(res.body.actions).toEqual([
      { group: 'breached', id: 'log-1', params: { message: '{{context.value}}' }, connector_type_id: '.server-log', frequency, uuid: expect.stringMatching(/^[0-9a-f-]{36}$/) },
      { group: 'recovered', id: 'pre-log', params: {}, connector_type_id: '.server-log', frequency: { summary: true, notify_when: 'onThrottleInterval', throttle: '1h' }, uuid: 'fixed' },
    ]);
  });

  it('updates as a full replace, bumps the revision, and moves the task to the new interval', async () => {
    const created = (await pb.api('POST', '/api/alerting/rule', ruleBody({ tags: ['a'], actions: [{ id: 'log-1', group: 'breached', params: {}, frequency }] }))).body;
    const res = await pb.api('PUT', `/api/alerting/rule/${created.id}`, { name: 'Renamed', schedule: { interval: '5m' }, params: { threshold: 9 } });
    expect(res.status).toBe(200);
    // Omitted tags and actions are gone; type, consumer and enabled are kept.
    expect(res.body).toMatchObject({ name: 'Renamed', tags: [], actions: [], params: { threshold: 9 }, schedule: { interval: '5m' }, revision: 1, rule_type_id: 'test.threshold', consumer: 'alerts', enabled: true });
    expect((await task(created.id))?.intervalMs).toBe(300_000);
    const refused = await pb.api('PUT', `/api/alerting/rule/${created.id}`, { name: 'x', schedule: { interval: '5m' }, rule_type_id: 'other' });
    expect(refused.status).toBe(400);
    expect(refused.body.message).toBe('[request body.rule_type_id]: definition for this key is missing');
    const badParams = await pb.api('PUT', `/api/alerting/rule/${created.id}`, { name: 'x', schedule: { interval: '5m' }, params: {} });
    expect(badParams.status).toBe(400);
    expect(badParams.body.message).toMatch(/^params invalid: /);
    expect((await pb.api('GET', `/api/alerting/rule/${created.id}`)).body.name).toBe('Renamed');
  });

  it('disables (removing the task, with or without untrack) and enables (scheduling it again), neither bumping the revision', async () => {
    const { id } = (await pb.api('POST', '/api/alerting/rule', ruleBody())).body;
    expect(await task(id)).toBeDefined();
    const disabled = await pb.api('POST', `/api/alerting/rule/${id}/_disable`, { untrack: true });
    expect(disabled.status).toBe(204);
    expect(disabled.text).toBe('');
    expect(await task(id)).toBeUndefined();
    const off = (await pb.api('GET', `/api/alerting/rule/${id}`)).body;
    expect(off).toMatchObject({ enabled: false, revision: 0 });
    expect(off).not.toHaveProperty('scheduled_task_id');
    // Disabling a disabled rule, with no body: 204 still.
    expect((await pb.api('POST', `/api/alerting/rule/${id}/_disable`)).status).toBe(204);
    expect((await pb.api('POST', `/api/alerting/rule/${id}/_disable`, { untrack: 'yes' })).status).toBe(400);

    expect((await pb.api('POST', `/api/alerting/rule/${id}/_enable`)).status).toBe(204);
    const on = (await pb.api('GET', `/api/alerting/rule/${id}`)).body;
    expect(on).toMatchObject({ enabled: true, scheduled_task_id: id, revision: 0, execution_status: { status: 'pending', last_duration: 0 } });
    expect(Date.parse(on.next_run)).toBeGreaterThan(Date.now());
    expect(await task(id)).toMatchObject({ type: 'alerting:test.threshold', intervalMs: 60_000, state: { alertInstances: {} } });
    // Enabling an enabled rule only makes sure it has its task.
    await pb.plugboard.taskStore.remove(id);
    expect((await pb.api('POST', `/api/alerting/rule/${id}/_enable`)).status).toBe(204);
    expect(await task(id)).toBeDefined();
  });

  it('deletes a rule (204) with its task', async () => {
    const { id } = (await pb.api('POST', '/api/alerting/rule', ruleBody())).body;
    const res = await pb.api('DELETE', `/api/alerting/rule/${id}`);
    expect(res.status).toBe(204);
    expect(res.text).toBe('');
    expect(await task(id)).toBeUndefined();
    expect((await pb.api('GET', `/api/alerting/rule/${id}`)).status).toBe(404);
  });

  it('mutes and unmutes all alerts and single alerts without bumping the revision', async () => {
    const { id } = (await pb.api('POST', '/api/alerting/rule', ruleBody())).body;
    expect((await pb.api('POST', `/api/alerting/rule/${id}/alert/host-1/_mute`)).status).toBe(204);
    expect((await pb.api('POST', `/api/alerting/rule/${id}/alert/host-2/_mute`)).status).toBe(204);
    expect((await pb.api('POST', `/api/alerting/rule/${id}/alert/host-1/_mute`)).status).toBe(204);
    expect((await pb.api('GET', `/api/alerting/rule/${id}`)).body).toMatchObject({ muted_alert_ids: ['host-1', 'host-2'], mute_all: false, revision: 0 });
    expect((await pb.api('POST', `/api/alerting/rule/${id}/alert/host-1/_unmute`)).status).toBe(204);
    expect((await pb.api('GET', `/api/alerting/rule/${id}`)).body.muted_alert_ids).toEqual(['host-2']);
    expect((await pb.api('POST', `/api/alerting/rule/${id}/_mute_all`)).status).toBe(204);
    expect((await pb.api('GET', `/api/alerting/rule/${id}`)).body).toMatchObject({ muted_alert_ids: [], mute_all: true, revision: 0 });
    expect((await pb.api('POST', `/api/alerting/rule/${id}/_unmute_all`)).status).toBe(204);
    expect((await pb.api('GET', `/api/alerting/rule/${id}`)).body.mute_all).toBe(false);
    const key = await pb.api('POST', `/api/alerting/rule/${id}/_update_api_key`);
    expect(key.status).toBe(204);
    expect(key.text).toBe('');
  });

  it('finds with search, KQL filter on attribute names, sort, paging, fields and has_reference', async () => {
    const space = 'finder';
    expect((await pb.api('POST', '/api/spaces/space', { id: space, name: 'Finder' })).status).toBe(200);
    const base = `/s/${space}/api/alerting`;
    const conn = await pb.api('POST', `/s/${space}/api/actions/connector/finder-log`, { name: 'l', connector_type_id: '.server-log' });
    expect(conn.status).toBe(200);
    for (const [name, tags, enabled] of [
      ['alpha cpu', ['prod'], true],
      ['beta memory', ['dev'], false],
      ['gamma cpu', ['prod', 'db'], true],
    ] as const) {
      const actions = name.startsWith('gamma') ? [{ id: 'finder-log', group: 'breached', params: {}, frequency }] : [];
      expect((await pb.api('POST', `${base}/rule`, ruleBody({ name, tags, enabled, actions }))).status).toBe(200);
    }
    const names = (body: { data: Array<{ name: string }> }) => body.data.map((r) => r.name);
    const all = await pb.api('GET', `${base}/rules/_find?sort_field=name&sort_order=desc`);
    expect(all.status).toBe(200);
    expect(all.body).toMatchObject({ page: 1, per_page: 10, total: 3 });
    expect(names(all.body)).toEqual(['gamma cpu', 'beta memory', 'alpha cpu']);
    expect(names((await pb.api('GET', `${base}/rules/_find?search_fields=name&search=cpu&sort_field=name`)).body)).toEqual(['alpha cpu', 'gamma cpu']);
    expect(names((await pb.api('GET', `${base}/rules/_find?search_fields=name&search=al*`)).body)).toEqual(['alpha cpu']);
    const filter = encodeURIComponent('alert.attributes.enabled:true and alert.attributes.tags:db');
    expect(names((await pb.api('GET', `${base}/rules/_find?filter=${filter}`)).body)).toEqual(['gamma cpu']);
    const page2 = await pb.api('GET', `${base}/rules/_find?sort_field=name&per_page=2&page=2`);
    expect(page2.body).toMatchObject({ page: 2, per_page: 2, total: 3 });
    expect(names(page2.body)).toEqual(['gamma cpu']);
    const fields = await pb.api('GET', `${base}/rules/_find?fields=name&fields=tags&sort_field=name&per_page=1`);
    expect(fields.body.data).toEqual([{ id: expect.any(String), name: 'alpha cpu', tags: ['prod'], rule_type_id: 'test.threshold', consumer: 'alerts' }]);
    const ref = encodeURIComponent(JSON.stringify({ type: 'action', id: 'finder-log' }));
    expect(names((await pb.api('GET', `${base}/rules/_find?has_reference=${ref}`)).body)).toEqual(['gamma cpu']);
    const internal = await pb.api('POST', `/s/${space}/internal/alerting/rules/_find`, { filter: 'alert.attributes.name:beta*' });
    expect(internal.status).toBe(200);
    expect(names(internal.body)).toEqual(['beta memory']);
    // Rules of another space are not found here.
    expect((await pb.api('GET', `${base}/rules/_find?per_page=100`)).body.total).toBe(3);
    const badKql = await pb.api('GET', `${base}/rules/_find?filter=${encodeURIComponent('alert.attributes.name:(a')}`);
    expect(badKql.status).toBe(400);
    expect(badKql.body.message).toMatch(/^Error find rules: /);
    const unwrapped = await pb.api('GET', `${base}/rules/_find?filter=name:x`);
    expect(unwrapped.status).toBe(400);
    expect(unwrapped.body.message).toBe("Error find rules: This key 'name' need to be wrapped by a saved object type like alert");
    const excluded = await pb.api('GET', `${base}/rules/_find?sort_field=monitoring`);
    expect(excluded.status).toBe(400);
    const badPage = await pb.api('GET', `${base}/rules/_find?page=0`);
    expect(badPage.status).toBe(400);
    expect(badPage.body.message).toBe('[request query.page]: Value must be equal to or greater than [1].');
  });

  it('lists rule types with the recovered group added, and answers the health route', async () => {
    const res = await pb.api('GET', '/api/alerting/rule_types');
    expect(res.status).toBe(200);
    expect(res.body).toContainEqual({
      id: 'test.threshold',
      name: 'Test threshold',
      category: 'management',
      producer: 'alerts',
      action_groups: [
        { id: 'breached', name: 'Breached' },
        { id: 'recovered', name: 'Recovered' },
      ],
      default_action_group_id: 'breached',
      recovery_action_group: { id: 'recovered', name: 'Recovered' },
      action_variables: { context: [{ name: 'value', description: 'The value' }], state: [], params: [] },
      minimum_license_required: 'basic',
      is_exportable: true,
      enabled_in_license: true,
      authorized_consumers: { alerts: { read: true, all: true }, stackAlerts: { read: true, all: true } },
      has_alerts_mappings: false,
      has_fields_for_a_a_d: false,
    });
    const health = await pb.api('GET', '/api/alerting/_health');
    expect(health.status).toBe(200);
    expect(health.body).toEqual({
      is_sufficiently_secure: true,
      has_permanent_encryption_key: true,
      alerting_framework_health: {
        decryption_health: { status: 'ok', timestamp: expect.any(String) },
        execution_health: { status: 'ok', timestamp: expect.any(String) },
        read_health: { status: 'ok', timestamp: expect.any(String) },
      },
    });
  });

  it('authorizes by the stackAlerts feature: read may get and find, all may change; nothing gives 403', async () => {
    const { id } = (await pb.api('POST', '/api/alerting/rule', ruleBody())).body;
    const role = async (name: string, feature: Record<string, string[]>) => {
      expect((await pb.api('PUT', `/api/security/role/${name}`, { kibana: [{ base: [], feature, spaces: ['default'] }] })).status).toBe(204);
      expect((await pb.api('PUT', `/api/security/user/${name}-user`, { password: 'a-password-1', roles: [name] })).status).toBe(200);
      return { authorization: `Basic ${Buffer.from(`${name}-user:a-password-1`).toString('base64')}` };
    };
    const reader = await role('rules-reader', { stackAlerts: ['read'] });
    const none = await role('connectors-only', { actions: ['all'] });
    expect((await pb.api('GET', `/api/alerting/rule/${id}`, undefined, { headers: reader })).status).toBe(200);
    expect((await pb.api('GET', '/api/alerting/rules/_find', undefined, { headers: reader })).status).toBe(200);
    const refused = await pb.api('POST', `/api/alerting/rule/${id}/_disable`, undefined, { headers: reader });
    expect(refused.status).toBe(403);
    expect(refused.body.message).toBe('Unauthorized by "alerts" to disable "test.threshold" rule');
    const create = await pb.api('POST', '/api/alerting/rule', ruleBody(), { headers: reader });
    expect(create.body).toMatchObject({ statusCode: 403, message: 'Unauthorized by "alerts" to create "test.threshold" rule' });
    const find = await pb.api('GET', '/api/alerting/rules/_find', undefined, { headers: none });
    expect(find.body).toMatchObject({ statusCode: 403, message: 'Unauthorized to find rules for any rule types' });
    expect((await pb.api('GET', '/api/alerting/rule_types', undefined, { headers: none })).body).toEqual([]);
    // Without any rules privilege, not even whether a rule exists: 403 before the 404.
    for (const url of [`/api/alerting/rule/${id}`, '/api/alerting/rule/no-such-rule']) {
      expect((await pb.api('GET', url, undefined, { headers: none })).body).toMatchObject({ statusCode: 403, message: 'Unauthorized to get rules' });
    }
    const unknownType = await pb.api('POST', '/api/alerting/rule', ruleBody({ rule_type_id: 'nope' }), { headers: none });
    expect(unknownType.body).toMatchObject({ statusCode: 403, message: 'Unauthorized to create rules' });
    const health = await pb.api('GET', '/api/alerting/_health', undefined, { headers: none });
    expect(health.body).toMatchObject({ statusCode: 403, message: 'Unauthorized to access alerting framework health' });
    const readerTypes = await pb.api('GET', '/api/alerting/rule_types', undefined, { headers: reader });
    expect(readerTypes.body[0].authorized_consumers.alerts).toEqual({ read: true, all: false });
  });

  it('counts rule actions in referenced_by_count; preconfigured stay 0; a used connector can be deleted', async () => {
    const space = 'refs';
    expect((await pb.api('POST', '/api/spaces/space', { id: space, name: 'Refs' })).status).toBe(200);
    const base = `/s/${space}/api`;
    for (const id of ['ref-a', 'ref-b']) expect((await pb.api('POST', `${base}/actions/connector/${id}`, { name: id, connector_type_id: '.server-log' })).status).toBe(200);
    const action = (id: string, group = 'breached') => ({ id, group, params: {}, frequency });
    const one = await pb.api('POST', `${base}/alerting/rule`, ruleBody({ actions: [action('ref-a'), action('ref-a', 'recovered'), action('ref-b'), action('pre-log')] }));
    expect(one.status).toBe(200);
    expect((await pb.api('POST', `${base}/alerting/rule`, ruleBody({ actions: [action('ref-a')] }))).status).toBe(200);
    const counts = async () =>
      Object.fromEntries(((await pb.api('GET', `${base}/actions/connectors`)).body as Array<{ id: string; referenced_by_count: number }>).map((c) => [c.id, c.referenced_by_count]));
    expect(await counts()).toEqual({ 'ref-a': 3, 'ref-b': 1, 'pre-log': 0 });
    expect((await pb.api('PUT', `${base}/alerting/rule/${one.body.id}`, { name: 'x', schedule: { interval: '1m' }, params: { threshold: 1 }, actions: [action('ref-b')] })).status).toBe(200);
    expect(await counts()).toEqual({ 'ref-a': 1, 'ref-b': 1, 'pre-log': 0 });
    expect((await pb.api('DELETE', `${base}/alerting/rule/${one.body.id}`)).status).toBe(204);
    expect(await counts()).toEqual({ 'ref-a': 1, 'ref-b': 0, 'pre-log': 0 });
    // As Kibana: deleting a connector that a rule uses is allowed; the rule keeps its action.
    expect((await pb.api('DELETE', `${base}/actions/connector/ref-a`)).status).toBe(204);
    const rules = (await pb.api('GET', `${base}/alerting/rules/_find`)).body.data;
    expect(rules[0].actions.map((a: { id: string }) => a.id)).toEqual(['ref-a']);
  });
});
