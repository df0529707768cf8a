import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SIMULATOR_REPLY, startGenAiSimulator, type GenAiSimulator } from '../src/connector_types/openai/simulator.js';
import { hashPassword } from '../src/security/passwords.js';
import { RolesRepository } from '../src/storage/roles_repository.js';
import { UsersRepository } from '../src/storage/users_repository.js';
import { availableDialects } from './helpers/databases.js';
import { startTestPlugboard, type TestPlugboard } from './helpers/plugboard.js';
import { DrivenAlerts, RuleRuns, webhookConfig } from './helpers/rule_runs.js';
import { startStatusSink, type StatusSink } from './helpers/status_sink.js';

// The Observability AI Assistant system action (issue 22 point 4) over rule runs driven by the
// test: the prompt goes to the OpenAI simulator with the run's alerts in context, the
// conversation is stored and linked to the run, the answer goes on through a webhook; no
// matching alert, no request; the connectors API refuses the type as Kibana does.

const dialects = await availableDialects();
const KEY = 'sk-obs-ai-test';
const TYPE = '.observability-ai-assistant';
const SYSTEM_CONNECTOR = `system-connector-${TYPE}`;
const PASSWORD = 'a-test-password';
const basic = (username: string) => `Basic ${Buffer.from(`${username}:${PASSWORD}`).toString('base64')}`;

describe.each(dialects)('the Observability AI Assistant system action on %s', (dialect) => {
  let pb: TestPlugboard;
  let sim: GenAiSimulator;
  let sink: StatusSink;
  let runs: RuleRuns;
  const driven = new DrivenAlerts();

  const forwarded = () => sink.requests.filter((r) => r.url === '/answers').map((r) => JSON.parse(r.body) as Record<string, string>);
  const conversationsOf = async (ruleId: string, query = '') => {
    const got = await pb.api('GET', `/internal/alerting/rule/${ruleId}/_ai_conversations${query}`);
    expect(got.status, got.text).toBe(200);
    return got.body as Array<Record<string, any>>;
  };
  const assistantAction = (prompts: unknown, extra: Record<string, unknown> = {}) => ({ id: SYSTEM_CONNECTOR, params: { connector: 'llm', prompts, ...extra } });
  const forward = { connectorId: 'answers-hook', params: { body: '{"answer":"{{answer}}","conversation":"{{conversationId}}","rule":"{{rule.name}}"}' } };

  beforeAll(async () => {
    sim = await startGenAiSimulator({ apiKey: KEY });
    sink = await startStatusSink();
    pb = await startTestPlugboard({ dialect, extraRuleTypes: [driven.ruleType], settings: { 'plugboard.net.deniedAddresses': [] } });
    runs = new RuleRuns(pb);
    const llm = await pb.api('POST', '/api/actions/connector/llm', { name: 'LLM', connector_type_id: '.gen-ai', config: { apiProvider: 'OpenAI', apiUrl: `${sim.url}/v1/chat/completions` }, secrets: { apiKey: KEY } });
    expect(llm.status, llm.text).toBe(200);
    const hook = await pb.api('POST', '/api/actions/connector/answers-hook', { name: 'Answers', connector_type_id: '.webhook', config: webhookConfig(`${sink.url}/answers`), secrets: {} });
    expect(hook.status, hook.text).toBe(200);
  });
  afterAll(async () => {
    await pb?.close();
    await sim?.close();
    await sink?.close();
  });

  it('asks the model about the new alerts, stores the conversation linked to the run, and forwards the answer', async () => {
    const before = sim.completions.length;
    driven.set('disk', [{ id: 'disk-full-host-7', context: { message: 'disk /var at 97%' } }]);
    await runs.create('disk', {
      name: 'Disk usage',
      tags: ['storage'],
      rule_type_id: 'test.driven',
      actions: [assistantAction([{ statuses: ['active'], message: 'Why is the disk filling up?' }], { forward })],
    });
    expect(sim.completions.length - before).toBe(1);
    const { body } = sim.completions.at(-1)!;
    expect(body.messages.map((m: { role: string }) => m.role)).toEqual(['system', 'user']);
    const user = String(body.messages[1].content);
    expect(user).toContain('Why is the disk filling up?');
    expect(user).toContain('Result of get_alerts_context:');
    const context = JSON.parse(user.slice(user.indexOf('{')));
    expect(context.rule).toMatchObject({ id: 'disk', name: 'Disk usage', tags: ['storage'] });
    expect(context.new).toHaveLength(1);
    expect(context.new[0].kibana.alert).toMatchObject({ instance: { id: 'disk-full-host-7' }, status: 'active' });
    expect(context.recovered).toEqual([]);

    const [listed] = await conversationsOf('disk');
    expect(listed.plugboard).toMatchObject({ connector_id: 'llm', connector_type_id: '.gen-ai', rule_id: 'disk', status: 'ok', error: null });
    expect(listed.plugboard.token_usage).toEqual({
      prompt_tokens: sim.completions.at(-1)!.usage.prompt_tokens,
      completion_tokens: sim.completions.at(-1)!.usage.completion_tokens,
      total_tokens: sim.completions.at(-1)!.usage.total_tokens,
    });
    // The link: the rule run's execution uuid, as its execution log names the run.
    const log = await pb.api('GET', '/internal/alerting/rule/disk/_execution_log?date_start=now-1h');
    expect(log.status, log.text).toBe(200);
    expect(log.body.data.map((e: { id: string }) => e.id)).toContain(listed.plugboard.rule_execution_id);
    expect(await conversationsOf('disk', `?execution_id=${listed.plugboard.rule_execution_id}`)).toHaveLength(1);
    expect(await conversationsOf('disk', '?execution_id=another-run')).toEqual([]);
    // And the action's own execution answers the conversation's id.
    const execution = await pb.api('GET', `/api/actions/execution/${listed.plugboard.action_execution_id}`);
    expect(execution.status, execution.text).toBe(200);
    expect(execution.body.result).toMatchObject({ status: 'ok', data: { conversationIds: [listed.conversation.id] } });

    const got = await pb.api('GET', `/internal/observability_ai_assistant/conversation/${listed.conversation.id}`);
    expect(got.status, got.text).toBe(200);
    expect(got.body.namespace).toBe('default');
    expect(got.body.messages.map((m: { message: { role: string; name?: string } }) => [m.message.role, m.message.name])).toEqual([
      ['system', undefined],
      ['user', undefined],
      ['function', 'get_alerts_context'],
      ['assistant', undefined],
    ]);
    expect(got.body.messages[1].message.content).toBe('Why is the disk filling up?');
    expect(got.body.messages[3].message.content).toBe(SIMULATOR_REPLY);

    expect(forwarded()).toEqual([{ answer: SIMULATOR_REPLY, conversation: listed.conversation.id, rule: 'Disk usage' }]);
  });

  it('sends nothing while the alert is only ongoing, nor for a recovery no prompt asks about', async () => {
    const before = sim.completions.length;
    const answersBefore = forwarded().length;
    // Still active: neither new nor recovered.
    await runs.runSoon('disk');
    // Recovered, but the prompt is about active alerts only.
    driven.set('disk', []);
    await runs.runSoon('disk');
    expect(sim.completions.length).toBe(before);
    expect(forwarded().length).toBe(answersBefore);
    expect(await conversationsOf('disk')).toHaveLength(1);
  });

  it("runs a legacy `message` over every status, recoveries included", async () => {
    driven.set('legacy', [{ id: 'cpu-high' }]);
    await runs.create('legacy', { name: 'CPU', rule_type_id: 'test.driven', actions: [assistantAction(undefined, { message: 'Summarise' })] });
    const before = sim.completions.length;
    driven.set('legacy', []);
    await runs.runSoon('legacy');
    expect(sim.completions.length - before).toBe(1);
    const user = String(sim.completions.at(-1)!.body.messages[1].content);
    const context = JSON.parse(user.slice(user.indexOf('{')));
    expect(context.new).toEqual([]);
    expect(context.recovered[0].kibana.alert).toMatchObject({ instance: { id: 'cpu-high' }, status: 'recovered' });
    expect(await conversationsOf('legacy')).toHaveLength(2);
  });

  it('stores a failed chat as such, fails the action without retrying it, and forwards nothing', async () => {
    const answersBefore = forwarded().length;
    sim.failNext(400, JSON.stringify({ error: { message: 'bad prompt', type: 'invalid_request_error', param: null, code: null } }));
    driven.set('failing', [{ id: 'mem-1' }]);
    await runs.create('failing', { name: 'Memory', rule_type_id: 'test.driven', actions: [assistantAction([{ statuses: ['active'], message: 'Why?' }], { forward })] });
    const [conversation] = await conversationsOf('failing');
    expect(conversation.plugboard).toMatchObject({ status: 'error', connector_id: 'llm' });
    expect(conversation.plugboard.error).toContain('bad prompt');
    expect(conversation.messages.map((m: { message: { role: string } }) => m.message.role)).toEqual(['system', 'user', 'function']);
    const execution = await pb.api('GET', `/api/actions/execution/${conversation.plugboard.action_execution_id}`);
    expect(execution.body).toMatchObject({ status: 'error', attempts: 1, result: { status: 'error', retry: false, data: { conversationIds: [conversation.conversation.id] } } });
    expect(forwarded().length).toBe(answersBefore);
  });

  it('keeps the answered conversation when forwarding it fails, and says so in the failed action', async () => {
    sink.respondWith({ status: 400, body: 'no' });
    try {
      driven.set('forward-fails', [{ id: 'net-1' }]);
      await runs.create('forward-fails', { name: 'Network', rule_type_id: 'test.driven', actions: [assistantAction([{ statuses: ['active'], message: 'Why?' }], { forward })] });
    } finally {
      sink.respondWith({ status: 200, body: '{}' });
    }
    const [conversation] = await conversationsOf('forward-fails');
    expect(conversation.plugboard).toMatchObject({ status: 'ok', error: null });
    expect(conversation.messages.at(-1).message).toEqual({ role: 'assistant', content: SIMULATOR_REPLY });
    const execution = await pb.api('GET', `/api/actions/execution/${conversation.plugboard.action_execution_id}`);
    expect(execution.body).toMatchObject({ status: 'error', attempts: 1, result: { status: 'error', retry: false } });
    expect(execution.body.result.service_message).toContain(`conversation ${conversation.conversation.id}: forwarding the answer through connector answers-hook failed`);
  });

  it('fails, asking nothing, when the chosen connector is not a generative-AI one', async () => {
    const log = await pb.api('POST', '/api/actions/connector/plain-log', { name: 'Log', connector_type_id: '.server-log', config: {}, secrets: {} });
    expect(log.status, log.text).toBe(200);
    const before = sim.completions.length;
    driven.set('not-ai', [{ id: 'x' }]);
    await runs.create('not-ai', { name: 'Not AI', rule_type_id: 'test.driven', actions: [{ id: SYSTEM_CONNECTOR, params: { connector: 'plain-log', message: 'Hi' } }] });
    expect(sim.completions.length).toBe(before);
    expect(await conversationsOf('not-ai')).toEqual([]);
    const events = await pb.api('POST', '/internal/actions/_global_connector_execution_logs', { date_start: 'now-1h', per_page: 100 });
    expect(events.status, events.text).toBe(200);
    const failed = events.body.data.filter((e: Record<string, any>) => e.connector_id === SYSTEM_CONNECTOR && e.status === 'failure').map((e: { message: string }) => e.message);
    expect(failed).toContain(
      `action execution failure: ${TYPE}:${SYSTEM_CONNECTOR}: Observability AI Assistant - Connector plain-log is a .server-log connector; the AI assistant needs one of .gen-ai, .bedrock, .gemini, .inference`,
    );
  });

  it('makes no request for a rule without alerts', async () => {
    const before = sim.completions.length;
    driven.set('quiet', []);
    await runs.create('quiet', { name: 'Quiet', rule_type_id: 'test.driven', actions: [assistantAction([{ statuses: ['active', 'recovered'], message: 'Anything?' }])] });
    await runs.runSoon('quiet');
    expect(sim.completions.length).toBe(before);
    expect(await conversationsOf('quiet')).toEqual([]);
  });

  it('refuses rule params the adapter cannot read, and the action twice on one rule', async () => {
    const post = (id: string, actions: unknown[]) =>
      pb.api('POST', `/api/alerting/rule/${id}`, { name: id, rule_type_id: 'test.driven', consumer: 'alerts', schedule: { interval: '1h' }, params: {}, actions });
    const bad = await post('bad-params', [{ id: SYSTEM_CONNECTOR, params: { prompts: [] } }]);
    expect(bad.status).toBe(400);
    expect(bad.body.message).toMatch(/^Invalid system action params\. System action type: \.observability-ai-assistant - /);
    const twice = await post('twice', [assistantAction([{ statuses: ['active'], message: 'a' }]), assistantAction([{ statuses: ['active'], message: 'b' }])]);
    expect([twice.status, twice.body.message]).toEqual([400, 'Cannot use the same system action twice']);
  });

  it("refuses create, update, delete, execute, enqueue and test of the type with Kibana's messages, and lists it only with system types", async () => {
    const created = await pb.api('POST', '/api/actions/connector', { name: 'AI', connector_type_id: TYPE, config: {}, secrets: {} });
    expect([created.status, created.body.message]).toEqual([400, `System action creation is forbidden. Action type: ${TYPE}.`]);
    const updated = await pb.api('PUT', `/api/actions/connector/${SYSTEM_CONNECTOR}`, { name: 'AI', config: {}, secrets: {} });
    expect([updated.status, updated.body.message]).toEqual([400, `System action ${SYSTEM_CONNECTOR} can not be updated.`]);
    const executed = await pb.api('POST', `/api/actions/connector/${SYSTEM_CONNECTOR}/_execute`, { params: { connector: 'llm', prompts: [] } });
    expect([executed.status, executed.body.message]).toEqual([400, 'Execution of system action is not allowed']);
    const queued = await pb.api('POST', `/api/actions/connector/${SYSTEM_CONNECTOR}/_enqueue`, { params: { connector: 'llm', prompts: [] } });
    expect([queued.status, queued.body.message]).toEqual([400, 'Execution of system action is not allowed']);
    const tested = await pb.api('POST', '/api/actions/connector/_test', { connector_type_id: TYPE, config: {}, secrets: {}, params: { connector: 'llm', prompts: [] } });
    expect([tested.status, tested.body.message]).toEqual([400, `System action creation is forbidden. Action type: ${TYPE}.`]);
    const deleted = await pb.api('DELETE', `/api/actions/connector/${SYSTEM_CONNECTOR}`);
    expect([deleted.status, deleted.body.message]).toEqual([400, `System action ${SYSTEM_CONNECTOR} is not allowed to delete.`]);
    const types = await pb.api('GET', '/api/actions/connector_types');
    expect(types.body.map((t: { id: string }) => t.id)).not.toContain(TYPE);
    const withSystem = await pb.api('GET', '/internal/actions/connector_types');
    expect(withSystem.status, withSystem.text).toBe(200);
    expect(withSystem.body.find((t: { id: string }) => t.id === TYPE)).toMatchObject({
      name: 'Observability AI Assistant',
      minimum_license_required: 'enterprise',
      supported_feature_ids: ['alerting'],
      is_system_action_type: true,
      allow_multiple_system_actions: false,
    });
  });

  it('reads a conversation only in its space and with read on connectors', async () => {
    const [listed] = await conversationsOf('disk');
    expect((await pb.api('POST', '/api/spaces/space', { id: 'elsewhere', name: 'Elsewhere' })).status).toBe(200);
    const other = await pb.api('GET', `/s/elsewhere/internal/observability_ai_assistant/conversation/${listed.conversation.id}`);
    expect([other.status, other.body.message]).toEqual([404, `Conversation ${listed.conversation.id} not found`]);
    await new RolesRepository(pb.plugboard.database.db).put({ name: 'dashboards', kibana: [{ base: [], feature: { dashboards: ['all'] }, spaces: ['*'] }], elasticsearch: {}, metadata: {} });
    await new UsersRepository(pb.plugboard.database.db).insertIfAbsent({ username: 'no-connectors', passwordHash: await hashPassword(PASSWORD), roles: ['dashboards'], enabled: true });
    const refused = await pb.api('GET', `/internal/observability_ai_assistant/conversation/${listed.conversation.id}`, undefined, { headers: { authorization: basic('no-connectors') } });
    expect(refused.status).toBe(403);
  });
});
