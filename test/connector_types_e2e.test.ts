import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { availableDialects } from './helpers/databases.js';
import { CONNECTOR_TYPES } from '../src/connector_types/index.js';
import { SIM_AGENT_ID, startCrowdstrikeSimulator } from '../src/connector_types/crowdstrike/simulator.js';
import { startD3SecuritySimulator } from '../src/connector_types/d3security/simulator.js';
import { startElasticsearchSimulator } from '../src/connector_types/es_index/simulator.js';
import { SIMULATOR_REPLY as BEDROCK_REPLY, startBedrockSimulator } from '../src/connector_types/bedrock/simulator.js';
import { SIMULATOR_REPLY, startGenAiSimulator } from '../src/connector_types/openai/simulator.js';
import { SIMULATOR_REPLY as GEMINI_REPLY, startGeminiSimulator } from '../src/connector_types/gemini/simulator.js';
import { startJiraSimulator } from '../src/connector_types/jira/simulator.js';
import { DEFAULT_MACHINES as MDE_MACHINES, startDefenderSimulator } from '../src/connector_types/microsoft_defender_endpoint/simulator.js';
import { startCasesWebhookSimulator } from '../src/connector_types/cases_webhook/simulator.js';
import { startOpsgenieSimulator } from '../src/connector_types/opsgenie/simulator.js';
import { startPagerDutySimulator } from '../src/connector_types/pagerduty/simulator.js';
import { startResilientSimulator } from '../src/connector_types/resilient/simulator.js';
import { startSentinelOneSimulator } from '../src/connector_types/sentinelone/simulator.js';
import { startServiceNowSimulator } from '../src/connector_types/servicenow/simulator.js';
import { startSlackWebhookSimulator } from '../src/connector_types/slack/simulator.js';
import { startSlackApiSimulator } from '../src/connector_types/slack_api/simulator.js';
import { startSwimlaneSimulator } from '../src/connector_types/swimlane/simulator.js';
import { startTeamsSimulator } from '../src/connector_types/teams/simulator.js';
import { startTheHiveSimulator } from '../src/connector_types/thehive/simulator.js';
import { startTinesSimulator } from '../src/connector_types/tines/simulator.js';
import { startTorqSimulator } from '../src/connector_types/torq/simulator.js';
import { startWebhookSimulator } from '../src/connector_types/webhook/simulator.js';
import { startXmattersSimulator } from '../src/connector_types/xmatters/simulator.js';
import { defaultPlaybooks, startXsoarSimulator } from '../src/connector_types/xsoar/simulator.js';
import { captureLogger } from './helpers/logs.js';
import { startTestPlugboard, type TestPlugboard } from './helpers/plugboard.js';
import { startTestSmtpServer, type TestSmtpServer } from './helpers/smtp_server.js';
import { eventually } from './helpers/wait.js';

// Every connector type, end to end: a connector created through the HTTP API runs against the
// type's own simulator (a real SMTP server for .email), once through `_execute` and once through
// the queue (`_enqueue`, then the execution polled until it settles). Each run is tagged, and the
// case asserts what its simulator received for that tag and the result body the API returned.
// On both databases (PostgreSQL where it can be reached; CI requires it): a run stores the
// connector, its task and its events in each.

const PATHS = ['execute', 'queue'] as const;
type RunPath = (typeof PATHS)[number];

/** A result body, as `_execute` answers it and as the execution of a queued action holds it. */
interface ExecuteBody {
  status: string;
  connector_id: string;
  data?: any;
  message?: string;
  service_message?: string;
}

interface Run {
  path: RunPath;
  /** Tells this run's delivery apart from the other path's. */
  tag: string;
  result: ExecuteBody;
  /** Plugboard's log lines (JSON), for .server-log. */
  logs: string[];
}

/** One connector type aimed at its running simulator. */
interface Target {
  settings?: Record<string, unknown>;
  config: Record<string, unknown>;
  secrets: Record<string, unknown>;
  params(tag: string): Record<string, unknown>;
  /** Asserts what the simulator received for the run and the result's `data`. */
  verify(run: Run): void;
}

interface Simulator {
  close(): Promise<void>;
}

type Case = [typeId: string, start: () => Promise<{ target: Target; simulator: Simulator }>];

/** A case: the type's simulator, and the connector aimed at it. */
function caseOf<S extends Simulator>(typeId: string, startSimulator: () => Promise<S>, targetOf: (simulator: S) => Target): Case {
  return [typeId, async () => {
    const simulator = await startSimulator();
    return { target: targetOf(simulator), simulator };
  }];
}

/** The one entry of `list` that matches: a run delivers exactly once. */
function only<T>(list: readonly T[], matches: (entry: T) => boolean): T {
  const found = list.filter(matches);
  expect(found, 'deliveries for this run').toHaveLength(1);
  return found[0];
}

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
const noSimulator = async (): Promise<Simulator> => ({ close: async () => undefined });

// --- .email: a plain SMTP server (no TLS, no login) on loopback --------------------------------

/**
 * The fixed text (Kibana's rule, Plugboard's words), sent instead of subject and message by
 * HTTP-sourced runs: `_execute`, the UI's Test button and, in Plugboard, `_enqueue` (else the
 * queue would be a way around the rule). Actions queued by rules and notifications send their own text.
 */
const TEST_TEXT = 'This is a test email from Plugboard';

/** No TLS (the server offers no STARTTLS) and no login. */
const startPlainSmtp = () => startTestSmtpServer({ disabledCommands: ['STARTTLS', 'AUTH'] });

function emailTarget(smtp: TestSmtpServer): Target {
  const subject = (tag: string) => `Disk full (${tag})`;
  const message = (tag: string) => `Disk **full** on host-1 (${tag})`;
  return {
    config: { service: 'other', host: '127.0.0.1', port: smtp.port, secure: false, hasAuth: false, from: 'alerts@example.com' },
    secrets: {},
    params: (tag) => ({ to: [`${tag}@example.com`], subject: subject(tag), message: message(tag) }),
    verify({ path, tag, result }) {
      const mail = only(smtp.received, (m) => m.rcptTo.includes(`${tag}@example.com`));
      expect(mail).toMatchObject({ secure: false, mailFrom: 'alerts@example.com', rcptTo: [`${tag}@example.com`] });
      // The raw MIME, quoted-printable soft line breaks removed.
      const raw = mail.raw.replace(/=\r?\n/g, '');
      expect(/^Subject: (.*?)\r?$/m.exec(raw)?.[1]).toBe(TEST_TEXT);
      expect(raw).toContain(TEST_TEXT);
      expect(raw).not.toContain(subject(tag));
      expect(raw).not.toContain('Disk');
      expect(raw).toContain('This message was sent by Plugboard.');
      expect(result.data).toMatchObject({ accepted: [`${tag}@example.com`], rejected: [], envelope: { from: 'alerts@example.com', to: [`${tag}@example.com`] } });
    },
  };
}

// --- the cases ----------------------------------------------------------------------------------

const ROUTING_KEY = 'E2E0ROUTING0KEY0'.repeat(2);
/** A webhook action of the Tines simulator's default story, as the webhooks sub-action lists it. */
const TINES_WEBHOOK = { id: 11, name: 'Receive alert', storyId: 1 };
const XSOAR_PLAYBOOK = defaultPlaybooks()[0].id;

const CASES: Case[] = [
  caseOf('.index', startElasticsearchSimulator, (es) => ({
    settings: { 'elasticsearch.hosts': [es.url] },
    config: { index: 'e2e-alerts', refresh: true, executionTimeField: 'fired_at' },
    secrets: {},
    params: (tag) => ({ documents: [{ message: `disk full (${tag})`, value: 93 }] }),
    verify({ tag, result }) {
      const request = only(es.requests, (r) => r.body.includes(tag));
      expect(request).toMatchObject({ method: 'POST', path: '/e2e-alerts/_bulk', query: { refresh: 'true' } });
      const stored = only(es.documents('e2e-alerts'), (d) => d.message === `disk full (${tag})`);
      expect(stored).toEqual({ message: `disk full (${tag})`, value: 93, fired_at: expect.any(String) });
      expect(Date.parse(stored.fired_at as string)).toBeGreaterThan(Date.now() - 60_000);
      expect(result.data).toMatchObject({ errors: false, items: [{ create: { _index: 'e2e-alerts', result: 'created', status: 201 } }] });
    },
  })),
  caseOf('.server-log', noSimulator, () => ({
    config: {},
    secrets: {},
    params: (tag) => ({ message: `disk full\n(${tag})`, level: 'warn' }),
    verify({ tag, result, logs }) {
      const records = logs.map((line) => JSON.parse(line) as { level: number; msg: string; connector?: unknown });
      // Control characters become ";" so that a message cannot forge log lines.
      const record = only(records, (r) => r.msg === `Server log: disk full;(${tag})`);
      expect(record).toMatchObject({ level: 40, connector: { id: 'e2e-serverlog', type: '.server-log' } });
      expect(result.data).toBeUndefined();
    },
  })),
  caseOf('.webhook', startWebhookSimulator, (hook) => ({
    config: { url: `${hook.url}/e2e-hook`, method: 'put', headers: { 'x-e2e': 'plugboard' }, hasAuth: true },
    secrets: { user: 'hook-user', password: 'hook-password' },
    params: (tag) => ({ body: `payload ${tag}` }),
    verify({ tag, result }) {
      const request = only(hook.requests, (r) => r.body === `payload ${tag}`);
      expect(request).toMatchObject({ method: 'PUT', path: '/e2e-hook' });
      expect(request.headers).toMatchObject({ 'x-e2e': 'plugboard', authorization: basic('hook-user', 'hook-password') });
      // As in Kibana, the data is the body sent, not the answer.
      expect(result.data).toBe(`payload ${tag}`);
    },
  })),
  caseOf('.email', startPlainSmtp, emailTarget),
  caseOf('.slack', startSlackWebhookSimulator, (slack) => ({
    config: {},
    secrets: { webhookUrl: slack.webhookUrl },
    params: (tag) => ({ message: `CPU *high* (${tag})` }),
    verify({ tag, result }) {
      expect(only(slack.messages, (m) => m.includes(tag))).toBe(`CPU *high* (${tag})`);
      expect(result.data).toEqual({ text: 'ok' });
    },
  })),
  caseOf('.slack_api', () => startSlackApiSimulator({ token: 'xoxb-e2e-bot-token' }), (slackApi) => ({
    settings: { 'plugboard.serviceUrlOverrides': { '.slack_api': slackApi.url } },
    config: { allowedChannels: [{ id: 'C0GENERAL01', name: '#general' }] },
    secrets: { token: slackApi.token },
    params: (tag) => ({ subAction: 'postMessage', subActionParams: { channelIds: ['C0GENERAL01'], text: `CPU high (${tag})` } }),
    verify({ tag, result }) {
      const posted = only(slackApi.messages, (m) => m.text === `CPU high (${tag})`);
      expect(posted.channel).toBe('C0GENERAL01');
      expect(only(slackApi.requests, (r) => r.body.includes(tag)).headers.authorization).toBe('Bearer xoxb-e2e-bot-token');
      expect(result.data).toMatchObject({ ok: true, channel: 'C0GENERAL01', ts: posted.ts, message: { text: `CPU high (${tag})` } });
    },
  })),
  caseOf('.teams', startTeamsSimulator, (teams) => ({
    config: {},
    secrets: { webhookUrl: teams.webhookUrl },
    params: (tag) => ({ message: `CPU high (${tag})` }),
    verify({ tag, result }) {
      expect(only(teams.messages, (m) => m.includes(tag))).toBe(`CPU high (${tag})`);
      expect(result.data).toEqual({ text: `CPU high (${tag})` });
    },
  })),
  caseOf('.pagerduty', () => startPagerDutySimulator({ routingKeys: [ROUTING_KEY] }), (pagerDuty) => ({
    config: { apiUrl: `${pagerDuty.url}/v2/enqueue` },
    secrets: { routingKey: ROUTING_KEY },
    params: (tag) => ({ eventAction: 'trigger', dedupKey: `rule-1:${tag}`, summary: `CPU high (${tag})`, source: 'host-1', severity: 'critical' }),
    verify({ tag, result }) {
      const request = only(pagerDuty.requests, (r) => r.body.includes(tag));
      expect(request.headers['x-routing-key']).toBe(ROUTING_KEY);
      expect(JSON.parse(request.body)).toMatchObject({
        event_action: 'trigger',
        dedup_key: `rule-1:${tag}`,
        payload: { summary: `CPU high (${tag})`, source: 'host-1', severity: 'critical' },
      });
      expect(result.data).toEqual({ status: 'success', message: 'Event processed', dedup_key: `rule-1:${tag}` });
    },
  })),
  caseOf('.opsgenie', () => startOpsgenieSimulator({ apiKey: 'e2e-genie-key' }), (opsgenie) => ({
    config: { apiUrl: opsgenie.url },
    secrets: { apiKey: 'e2e-genie-key' },
    params: (tag) => ({ subAction: 'createAlert', subActionParams: { message: `CPU high (${tag})`, alias: `alias-${tag}`, priority: 'P2', tags: ['e2e'] } }),
    verify({ tag, result }) {
      const request = only(opsgenie.requests, (r) => r.raw.includes(tag));
      expect(request).toMatchObject({ method: 'POST', path: '/v2/alerts', headers: { authorization: 'GenieKey e2e-genie-key' } });
      expect(opsgenie.alerts.get(`alias-${tag}`)).toMatchObject({
        status: 'open',
        created: { message: `CPU high (${tag})`, alias: `alias-${tag}`, priority: 'P2', tags: ['e2e'] },
      });
      expect(result.data).toEqual({ result: 'Request will be processed', took: expect.any(Number), requestId: expect.any(String) });
    },
  })),
  caseOf('.xmatters', () => startXmattersSimulator({ user: 'xm-user', password: 'xm-password', apiKey: 'xm-api-key' }), (xmatters) => ({
    config: { configUrl: xmatters.triggerUrl, usesBasic: true },
    secrets: { user: 'xm-user', password: 'xm-password' },
    params: (tag) => ({ alertActionGroupName: 'threshold met', signalId: `rule-1:${tag}`, ruleName: 'CPU rule', severity: 'Critical', tags: 'e2e,cpu' }),
    verify({ tag, result }) {
      const request = only(xmatters.requests, (r) => r.body.includes(tag));
      expect(request.headers.authorization).toBe(basic('xm-user', 'xm-password'));
      const sent = JSON.parse(request.body) as Record<string, unknown>;
      expect(sent).toMatchObject({ alertActionGroupName: 'threshold met', signalId: `rule-1:${tag}`, ruleName: 'CPU rule', severity: 'Critical', tags: 'e2e,cpu' });
      expect(result.data).toEqual(sent);
    },
  })),
  caseOf('.torq', () => startTorqSimulator({ token: 'e2e-torq-token' }), (torq) => ({
    config: { webhookIntegrationUrl: torq.webhookUrl },
    secrets: { token: 'e2e-torq-token' },
    params: (tag) => ({ body: JSON.stringify({ msg: `CPU high (${tag})`, value: 93 }) }),
    verify({ tag, result }) {
      const request = only(torq.requests, (r) => r.body.includes(tag));
      expect(request.headers['x-torq-token']).toBe('e2e-torq-token');
      expect(JSON.parse(request.body)).toEqual({ msg: `CPU high (${tag})`, value: 93 });
      // As in Kibana, the data is the body sent (the service answers 204).
      expect(result.data).toBe(request.body);
    },
  })),
  caseOf('.tines', () => startTinesSimulator({ email: 'e2e@example.com', token: 'e2e-tines-token' }), (tines) => ({
    config: { url: tines.url },
    secrets: { email: 'e2e@example.com', token: 'e2e-tines-token' },
    params: (tag) => ({ subAction: 'run', subActionParams: { webhook: TINES_WEBHOOK, body: JSON.stringify({ alert: tag }) } }),
    verify({ tag, result }) {
      expect(only(tines.events, (e) => e.body.includes(tag))).toEqual({ agentId: 11, body: JSON.stringify({ alert: tag }) });
      expect(only(tines.requests, (r) => r.body.includes(tag))).toMatchObject({ method: 'POST', path: '/webhook/alert-path/alert-secret' });
      expect(result.data).toEqual({});
    },
  })),
  caseOf('.d3security', () => startD3SecuritySimulator({ token: 'e2e-d3-key' }), (d3) => ({
    config: { url: `${d3.url}/VSOAPI/api/Data/intake` },
    secrets: { token: 'e2e-d3-key' },
    params: (tag) => ({ subAction: 'run', subActionParams: { body: JSON.stringify({ alert: tag }), severity: 'high', eventType: 'e2e' } }),
    verify({ tag, result }) {
      const event = only(d3.events, (e) => JSON.stringify(e.source).includes(tag));
      expect(event.source).toEqual({ rawData: { alert: tag }, 'event.type': 'e2e', 'kibana.alert.severity': 'high' });
      expect(only(d3.requests, (r) => r.body.includes(tag)).headers.d3key).toBe('e2e-d3-key');
      expect(result.data).toEqual({ refid: event.refid });
    },
  })),
  caseOf('.crowdstrike', () => startCrowdstrikeSimulator({ clientId: 'e2e-cs-client', clientSecret: 'e2e-cs-secret' }), (cs) => ({
    config: { url: cs.url },
    secrets: { clientId: 'e2e-cs-client', clientSecret: 'e2e-cs-secret' },
    // The tag is the host action's comment, which CrowdStrike is not sent: each run contains then lifts.
    // A host action is queued only with confirm: true (Plugboard's guard), which the service is never sent.
    params: (tag) => ({ subAction: 'hostActions', subActionParams: { command: tag.endsWith('queue') ? 'lift_containment' : 'contain', ids: [SIM_AGENT_ID], comment: tag }, confirm: true }),
    verify({ tag, result }) {
      const command = tag.endsWith('queue') ? 'lift_containment' : 'contain';
      const request = only(cs.requests, (r) => r.path === `/devices/entities/devices-actions/v2?action_name=${command}`);
      expect(JSON.parse(request.body)).toEqual({ ids: [SIM_AGENT_ID] });
      expect(request.headers.authorization).toBe(`Bearer ${cs.tokensIssued[0]}`);
      expect(cs.tokensIssued).toHaveLength(1);
      expect(result.data).toMatchObject({ resources: [{ id: SIM_AGENT_ID, path: '' }], errors: [] });
    },
  })),
  caseOf('.gen-ai', () => startGenAiSimulator({ apiKey: 'e2e-openai-key' }), (ai) => ({
    config: { apiProvider: 'Azure OpenAI', apiUrl: `${ai.url}/openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21` },
    secrets: { apiKey: 'e2e-openai-key' },
    params: (tag) => ({ subAction: 'invokeAI', subActionParams: { messages: [{ role: 'user', content: `Hello (${tag})` }], temperature: 0 } }),
    verify({ tag, result }) {
      const completion = only(ai.completions, (c) => JSON.stringify(c.body).includes(tag));
      expect(completion.body).toEqual({ messages: [{ role: 'user', content: `Hello (${tag})` }], temperature: 0, stream: false });
      expect(only(ai.requests, (r) => r.body.includes(tag)).headers['api-key']).toBe('e2e-openai-key');
      expect(result.data).toEqual({ message: SIMULATOR_REPLY, usage: completion.usage });
    },
  })),
  // The credentials name Google's token endpoint: plugboard.serviceUrlOverrides sends the grant to the simulator.
  caseOf('.inference', startElasticsearchSimulator, (es) => ({
    // Creating the connector creates its endpoint in Elasticsearch; the chat goes through it.
    settings: { 'elasticsearch.hosts': [es.url] },
    config: { provider: 'openai', taskType: 'chat_completion', inferenceId: 'e2e-chat', providerConfig: { model_id: 'gpt-4o' } },
    secrets: { providerSecrets: { api_key: 'sk-e2e' } },
    params: (tag) => ({ subAction: 'unified_completion', subActionParams: { body: { messages: [{ role: 'user', content: `Hello (${tag})` }] } } }),
    verify({ tag, result }) {
      expect(es.inferenceEndpoints().find((e) => e.inference_id === 'e2e-chat')).toMatchObject({ service: 'openai', service_settings: { model_id: 'gpt-4o', api_key: 'sk-e2e' } });
      const request = only(es.requests, (r) => r.body.includes(tag));
      expect(request).toMatchObject({ method: 'POST', path: '/_inference/chat_completion/e2e-chat/_stream' });
      expect(result.data).toMatchObject({ object: 'chat.completion', choices: [{ message: { role: 'assistant', content: `You said: Hello (${tag})` } }] });
    },
  })),
  caseOf('.gemini', () => startGeminiSimulator({ projectId: 'e2e-project' }), (gemini) => ({
    settings: { 'plugboard.serviceUrlOverrides': { '.gemini': gemini.url } },
    config: { apiUrl: gemini.url, gcpRegion: 'us-central1', gcpProjectID: 'e2e-project' },
    secrets: { credentialsJson: gemini.credentials({ token_uri: 'https://oauth2.googleapis.com/token' }) },
    params: (tag) => ({ subAction: 'invokeAI', subActionParams: { messages: [{ role: 'user', content: `Hello (${tag})` }], systemInstruction: 'Be brief.' } }),
    verify({ tag, result }) {
      const generation = only(gemini.generations, (g) => JSON.stringify(g.body).includes(tag));
      expect(generation).toMatchObject({ model: 'gemini-2.5-pro', stream: false });
      expect(generation.body.contents).toEqual([{ role: 'user', parts: [{ text: `Hello (${tag})` }] }]);
      expect(generation.body.system_instruction).toEqual({ parts: [{ text: 'Be brief.' }] });
      const request = only(gemini.requests, (r) => r.body.includes(tag));
      expect(gemini.tokensIssued).toContain(request.headers.authorization?.replace('Bearer ', ''));
      expect(result.data).toEqual({ message: GEMINI_REPLY, usageMetadata: generation.usageMetadata });
    },
  })),
  // A live response script on a machine, its comment tagged; the Entra ID token comes from the same simulator.
  caseOf('.microsoft_defender_endpoint', () => startDefenderSimulator({ tenantId: 'e2e-tenant', clientId: 'e2e-client', clientSecret: 'e2e-mde-secret' }), (mde) => ({
    config: { clientId: 'e2e-client', tenantId: 'e2e-tenant', oAuthServerUrl: mde.url, oAuthScope: 'https://api.securitycenter.microsoft.com/.default', apiUrl: mde.url },
    secrets: { clientSecret: 'e2e-mde-secret' },
    params: (tag) => ({ subAction: 'runScript', subActionParams: { id: MDE_MACHINES[0].id, comment: tag, parameters: { scriptName: 'test', args: '-Verbose' } }, confirm: true }),
    verify({ tag, result }) {
      const action = only([...mde.actions.values()], (a) => a.requestorComment === tag);
      expect(action).toMatchObject({ type: 'LiveResponse', machineId: MDE_MACHINES[0].id, requestor: 'e2e-client' });
      const request = only(mde.requests, (r) => r.body.includes(tag));
      expect(request).toMatchObject({ method: 'POST', path: `/api/machines/${MDE_MACHINES[0].id}/runliveresponse` });
      expect(mde.issued).toContain(request.headers.authorization?.replace('Bearer ', ''));
      expect(JSON.parse(request.body).Commands[0].params).toEqual([{ key: 'ScriptName', value: 'test' }, { key: 'Args', value: '-Verbose' }]);
      expect(result.data).toEqual(action);
    },
  })),
  caseOf('.bedrock', () => startBedrockSimulator({ accessKey: 'AKIAE2E00000001', secret: 'e2e-aws-secret', region: 'eu-west-3' }), (bedrock) => ({
    config: { apiUrl: bedrock.url, region: 'eu-west-3', defaultModel: 'anthropic.claude-3-5-sonnet-20240620-v1:0' },
    secrets: { accessKey: 'AKIAE2E00000001', secret: 'e2e-aws-secret' },
    params: (tag) => ({ subAction: 'invokeAI', subActionParams: { messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: `Hello (${tag})` }] } }),
    verify({ tag, result }) {
      const invocation = only(bedrock.invocations, (i) => JSON.stringify(i.body).includes(tag));
      expect(invocation).toMatchObject({ operation: 'invoke', model: 'anthropic.claude-3-5-sonnet-20240620-v1:0' });
      expect(invocation.body).toEqual({ anthropic_version: 'bedrock-2023-05-31', system: 'Be brief.', messages: [{ role: 'user', content: `Hello (${tag})` }], max_tokens: 8191, temperature: 0 });
      // The simulator answered, so the SigV4 signature held.
      expect(only(bedrock.requests, (r) => r.body.includes(tag)).headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIAE2E00000001\/\d{8}\/eu-west-3\/bedrock\/aws4_request, /);
      expect(result.data).toEqual({ message: BEDROCK_REPLY, usage: invocation.usage });
    },
  })),
  caseOf('.swimlane', () => startSwimlaneSimulator({ apiToken: 'e2e-swimlane-token', appId: 'e2eApp' }), (swimlane) => ({
    config: {
      apiUrl: swimlane.url,
      appId: 'e2eApp',
      connectorType: 'alerts',
      mappings: {
        ruleNameConfig: { id: 'f1', key: 'rule-name', name: 'Rule name', fieldType: 'text' },
        alertIdConfig: { id: 'f2', key: 'alert-id', name: 'Alert ID', fieldType: 'text' },
        commentsConfig: { id: 'f3', key: 'comments', name: 'Comments', fieldType: 'comments' },
      },
    },
    secrets: { apiToken: 'e2e-swimlane-token' },
    params: (tag) => ({
      subAction: 'pushToService',
      subActionParams: { incident: { ruleName: `CPU high (${tag})`, alertId: tag }, comments: [{ commentId: `c-${tag}`, comment: `seen (${tag})` }] },
    }),
    verify({ tag, result }) {
      const record = only([...swimlane.records.values()], (r) => r.values.f2 === tag);
      expect(record.values).toEqual({ f1: `CPU high (${tag})`, f2: tag });
      expect(record.comments.f3).toEqual([{ createdDate: expect.any(String), fieldId: 'f3', isRichText: true, message: `seen (${tag})` }]);
      const request = only(swimlane.requests, (r) => r.method === 'POST' && r.path === '/api/app/e2eApp/record' && r.body.includes(tag));
      expect(request.headers).toMatchObject({ 'private-token': 'e2e-swimlane-token' });
      expect(result.data).toEqual({
        id: record.id,
        title: record.name,
        url: `${swimlane.url}/record/e2eApp/${record.id}`,
        pushedDate: record.createdDate,
        comments: [{ commentId: `c-${tag}`, pushedDate: record.comments.f3[0].createdDate }],
      });
    },
  })),
  caseOf('.xsoar', () => startXsoarSimulator({ apiKey: 'e2e-xsoar-key', apiKeyId: 'e2e-key-id' }), (xsoar) => ({
    config: { url: xsoar.url },
    secrets: { apiKey: 'e2e-xsoar-key', apiKeyID: 'e2e-key-id' },
    params: (tag) => ({
      subAction: 'run',
      subActionParams: { name: `CPU high (${tag})`, playbookId: XSOAR_PLAYBOOK, createInvestigation: true, severity: 3, body: JSON.stringify({ type: 'e2e' }) },
    }),
    verify({ tag, result }) {
      const incident = only(xsoar.incidents, (i) => i.fields.name === `CPU high (${tag})`);
      expect(incident.fields).toMatchObject({ type: 'e2e', playbookId: XSOAR_PLAYBOOK, createInvestigation: true, severity: 3 });
      const request = only(xsoar.requests, (r) => r.body.includes(tag));
      expect(request).toMatchObject({ method: 'POST', path: '/xsoar/public/v1/incident', headers: { authorization: 'e2e-xsoar-key', 'x-xdr-auth-id': 'e2e-key-id' } });
      // As in Kibana, the incident XSOAR answers is not returned.
      expect(result.data).toEqual({});
    },
  })),
  caseOf('.thehive', () => startTheHiveSimulator({ apiKey: 'e2e-thehive-key', organisations: ['e2e-org'] }), (thehive) => ({
    config: { url: thehive.url, organisation: 'e2e-org' },
    secrets: { apiKey: 'e2e-thehive-key' },
    params: (tag) => ({
      subAction: 'pushToService',
      subActionParams: { incident: { title: `Disk full (${tag})`, description: 'On web-1', severity: 3, tlp: 2, tags: ['e2e'], externalId: null }, comments: [{ commentId: 'c1', comment: `note ${tag}` }] },
    }),
    verify({ tag, result }) {
      const created = only([...thehive.cases.values()], (c) => c.title === `Disk full (${tag})`);
      expect(created).toMatchObject({ description: 'On web-1', severity: 3, tlp: 2, tags: ['e2e'] });
      expect(only(thehive.comments, (c) => c.message === `note ${tag}`).caseId).toBe(created._id);
      const request = only(thehive.requests, (r) => r.path === '/api/v1/case' && r.body.includes(tag));
      expect(request.headers).toMatchObject({ authorization: 'Bearer e2e-thehive-key', 'x-organisation': 'e2e-org' });
      const pushedDate = new Date(created._createdAt as number).toISOString();
      expect(result.data).toEqual({ id: created._id, title: `Disk full (${tag})`, url: `${thehive.url}/cases/${created._id}/details`, pushedDate, comments: [{ commentId: 'c1', pushedDate }] });
    },
  })),
  caseOf('.jira', () => startJiraSimulator({ email: 'e2e@example.com', apiToken: 'e2e-jira-token', projectKey: 'E2E' }), (jira) => ({
    config: { apiUrl: jira.url, projectKey: 'E2E' },
    secrets: { email: 'e2e@example.com', apiToken: 'e2e-jira-token' },
    params: (tag) => ({
      subAction: 'pushToService',
      subActionParams: {
        incident: { summary: `Disk full (${tag})`, description: 'On web-1', issueType: '10001', priority: 'High', labels: [tag], externalId: null },
        comments: [{ commentId: 'c1', comment: `note ${tag}` }],
      },
    }),
    verify({ tag, result }) {
      const issue = only([...jira.issues.values()], (i) => i.fields.summary === `Disk full (${tag})`);
      expect(issue.fields).toMatchObject({ description: 'On web-1', labels: [tag], priority: { name: 'High' }, issuetype: { id: '10001' } });
      expect(issue.comments.map((c) => c.body)).toEqual([`note ${tag}`]);
      const request = only(jira.requests, (r) => r.method === 'POST' && r.path === '/rest/api/2/issue' && r.body.includes(tag));
      expect(request.headers).toMatchObject({ authorization: basic('e2e@example.com', 'e2e-jira-token') });
      const iso = (jiraDate: unknown) => new Date(String(jiraDate)).toISOString();
      expect(result.data).toEqual({
        id: issue.id,
        title: issue.key,
        url: `${jira.url}/browse/${issue.key}`,
        pushedDate: iso(issue.fields.created),
        comments: [{ commentId: 'c1', pushedDate: iso(issue.comments[0].created) }],
      });
    },
  })),
  caseOf('.resilient', () => startResilientSimulator({ apiKeyId: 'e2e-key-id', apiKeySecret: 'e2e-key-secret', orgId: '301' }), (resilient) => ({
    config: { apiUrl: resilient.url, orgId: '301' },
    secrets: { apiKeyId: 'e2e-key-id', apiKeySecret: 'e2e-key-secret' },
    params: (tag) => ({
      subAction: 'pushToService',
      subActionParams: {
        incident: { name: `Disk full (${tag})`, description: 'On web-1', incidentTypes: [19], severityCode: 5, additionalFields: { customer: tag }, externalId: null },
        comments: [{ commentId: 'c1', comment: `note ${tag}` }],
      },
    }),
    verify({ tag, result }) {
      const created = only([...resilient.incidents.values()], (i) => i.name === `Disk full (${tag})`);
      expect(created).toMatchObject({ description: { format: 'html', content: 'On web-1' }, incident_type_ids: [19], severity_code: 5, properties: { customer: tag } });
      expect(only(resilient.comments, (c) => c.text.content === `note ${tag}`).incidentId).toBe(created.id);
      const request = only(resilient.requests, (r) => r.method === 'POST' && r.path.startsWith('/rest/orgs/301/incidents?') && r.body.includes(tag));
      expect(request.headers).toMatchObject({ authorization: basic('e2e-key-id', 'e2e-key-secret') });
      const pushedDate = new Date(created.create_date).toISOString();
      const id = String(created.id);
      expect(result.data).toEqual({ id, title: id, url: `${resilient.url}/#incidents/${id}`, pushedDate, comments: [{ commentId: 'c1', pushedDate }] });
    },
  })),
  caseOf('.cases-webhook', () => startCasesWebhookSimulator({ user: 'e2e-jira-user', password: 'e2e-jira-password' }), (jira) => ({
    config: {
      createIncidentUrl: `${jira.url}/rest/api/2/issue`,
      createIncidentJson: '{"fields":{"summary":{{{case.title}}},"description":{{{case.description}}},"labels":{{{case.tags}}},"project":{"key":"ROC"}}}',
      createIncidentResponseKey: 'id',
      getIncidentUrl: `${jira.url}/rest/api/2/issue/{{{external.system.id}}}`,
      getIncidentResponseExternalTitleKey: 'key',
      viewIncidentUrl: `${jira.url}/browse/{{{external.system.title}}}`,
      updateIncidentUrl: `${jira.url}/rest/api/2/issue/{{{external.system.id}}}`,
      updateIncidentJson: '{"fields":{"summary":{{{case.title}}}}}',
      createCommentUrl: `${jira.url}/rest/api/2/issue/{{{external.system.id}}}/comment`,
      createCommentMethod: 'post',
      createCommentJson: '{"body":{{{case.comment}}}}',
      hasAuth: true,
    },
    secrets: { user: 'e2e-jira-user', password: 'e2e-jira-password' },
    params: (tag) => ({
      subAction: 'pushToService',
      subActionParams: { incident: { title: `Disk full (${tag})`, description: 'On "web-1"', tags: ['e2e'], externalId: null }, comments: [{ commentId: 'c1', comment: `note ${tag}` }] },
    }),
    verify({ tag, result }) {
      const issue = only([...jira.issues.values()], (i) => i.fields.summary === `Disk full (${tag})`);
      expect(issue.fields).toEqual({ summary: `Disk full (${tag})`, description: 'On "web-1"', labels: ['e2e'], project: { key: 'ROC' } });
      expect(issue.comments.map((c) => c.body)).toEqual([`note ${tag}`]);
      const request = only(jira.requests, (r) => r.method === 'POST' && r.path === '/rest/api/2/issue' && r.body.includes(tag));
      expect(request.headers).toMatchObject({ authorization: `Basic ${Buffer.from('e2e-jira-user:e2e-jira-password').toString('base64')}` });
      const { pushedDate } = result.data as { pushedDate: string };
      expect(result.data).toEqual({ id: issue.id, title: issue.key, url: `${jira.url}/browse/${issue.key}`, pushedDate, comments: [{ commentId: 'c1', pushedDate }] });
    },
  })),
  caseOf('.servicenow', () => startServiceNowSimulator({ username: 'e2e-sn-user', password: 'e2e-sn-password' }), (sn) => ({
    config: { apiUrl: sn.url, usesTableApi: false },
    secrets: { username: 'e2e-sn-user', password: 'e2e-sn-password' },
    params: (tag) => ({
      subAction: 'pushToService',
      subActionParams: { incident: { short_description: `Disk full (${tag})`, urgency: '2', correlation_id: tag }, comments: [{ commentId: 'c1', comment: `note ${tag}` }] },
    }),
    verify({ tag, result }) {
      const incident = only([...sn.tables.get('incident')!.values()], (r) => r.correlation_id === tag);
      expect(incident).toMatchObject({ short_description: `Disk full (${tag})`, urgency: '2', caller_id: 'e2e-sn-user' });
      expect(sn.workNotes.get(incident.sys_id)).toEqual([`note ${tag}`]);
      const created = only(sn.requests, (r) => r.path === '/api/now/import/x_elas2_inc_int_elastic_incident' && r.body.includes(tag) && !r.body.includes('elastic_incident_id'));
      expect(created.headers.authorization).toBe(basic('e2e-sn-user', 'e2e-sn-password'));
      const pushedDate = new Date(`${incident.sys_created_on} GMT`).toISOString();
      expect(result.data).toEqual({ id: incident.sys_id, title: incident.number, url: `${sn.url}/nav_to.do?uri=incident.do?sys_id=${incident.sys_id}`, pushedDate, comments: [{ commentId: 'c1', pushedDate }] });
    },
  })),
  caseOf('.servicenow-sir', () => startServiceNowSimulator({ username: 'e2e-sir-user', password: 'e2e-sir-password' }), (sn) => ({
    config: { apiUrl: sn.url, usesTableApi: false },
    secrets: { username: 'e2e-sir-user', password: 'e2e-sir-password' },
    params: (tag) => ({
      subAction: 'pushToService',
      subActionParams: { incident: { short_description: `Malware (${tag})`, correlation_id: tag, dest_ip: ['10.1.1.1'], malware_hash: 'e3b0c442' }, comments: null },
    }),
    verify({ tag, result }) {
      const incident = only([...sn.tables.get('sn_si_incident')!.values()], (r) => r.correlation_id === tag);
      expect(sn.observables.filter((o) => o.incidentId === incident.sys_id).map(({ value, type }) => ({ value, type }))).toEqual([
        { value: '10.1.1.1', type: 'ipv4-addr' },
        { value: 'e3b0c442', type: 'SHA256' },
      ]);
      const pushedDate = new Date(`${incident.sys_created_on} GMT`).toISOString();
      expect(result.data).toEqual({ id: incident.sys_id, title: incident.number, url: `${sn.url}/nav_to.do?uri=sn_si_incident.do?sys_id=${incident.sys_id}`, pushedDate });
    },
  })),
  caseOf('.servicenow-itom', () => startServiceNowSimulator({ username: 'e2e-itom-user', password: 'e2e-itom-password' }), (sn) => ({
    config: { apiUrl: sn.url },
    secrets: { username: 'e2e-itom-user', password: 'e2e-itom-password' },
    params: (tag) => ({ subAction: 'addEvent', subActionParams: { source: 'e2e', node: 'web-1', severity: '3', description: `CPU high (${tag})`, message_key: tag } }),
    verify({ tag, result }) {
      const event = only(sn.events, (e) => e.key === tag);
      expect(event).toEqual({ key: tag, count: 1, fields: { source: 'e2e', node: 'web-1', severity: '3', description: `CPU high (${tag})`, message_key: tag } });
      expect(only(sn.requests, (r) => r.body.includes(tag))).toMatchObject({ method: 'POST', path: '/api/global/em/jsonv2', headers: { authorization: basic('e2e-itom-user', 'e2e-itom-password') } });
      expect(result.data).toEqual({});
    },
  })),
  caseOf('.sentinelone', () => startSentinelOneSimulator({ token: 'e2e-s1-token' }), (s1) => ({
    config: { url: s1.url },
    secrets: { token: 'e2e-s1-token' },
    // The read-only sub-action, so that both paths find the agents as they were.
    params: (tag) => ({ subAction: 'getAgents', subActionParams: { query: tag, networkStatuses: 'connected' } }),
    verify({ tag, result }) {
      const request = only(s1.requests, (r) => r.path.includes(tag));
      const url = new URL(request.path, s1.url);
      expect(url.pathname).toBe('/web/api/v2.1/agents');
      expect(Object.fromEntries(url.searchParams)).toEqual({ query: tag, networkStatuses: 'connected', APIToken: 'e2e-s1-token' });
      expect(result.data).toEqual({ pagination: { totalItems: 0, nextCursor: null }, errors: null, data: [] });
    },
  })),
];

// A system action type has no connector to run over the API; it runs from rules (test/obs_ai_assistant.test.ts).
const REGISTERED = new Set(CONNECTOR_TYPES.filter((t) => !t.isSystemActionType).map((t) => t.id));

describe('the end-to-end cases', () => {
  it('cover every registered connector type but the system action types', () => {
    expect([...REGISTERED].filter((id) => !CASES.some(([typeId]) => typeId === id))).toEqual([]);
  });

});

/** Runs the action one way and returns its result body once the run is over. */
async function runAction(pb: TestPlugboard, id: string, path: RunPath, params: Record<string, unknown>): Promise<ExecuteBody> {
  if (path === 'execute') {
    const res = await pb.api('POST', `/api/actions/connector/${id}/_execute`, { params });
    expect(res.status, res.text).toBe(200);
    return res.body;
  }
  const queued = await pb.api('POST', `/api/actions/connector/${id}/_enqueue`, { params });
  expect(queued.status, queued.text).toBe(202);
  const executionId = queued.body.execution_id as string;
  const done = await eventually(
    async () => {
      const res = await pb.api('GET', `/api/actions/execution/${executionId}`);
      return ['ok', 'error', 'timeout'].includes(res.body.status) ? res.body : undefined;
    },
    15_000,
    `the queued action of ${id} to finish`,
  );
  expect(done).toMatchObject({ execution_id: executionId, connector_id: id, status: 'ok', attempts: 1 });
  return done.result;
}

const dialects = await availableDialects();
const CASES_BY_DIALECT = CASES.flatMap(([typeId, start]) => dialects.map((dialect) => [typeId, dialect, start] as const));

describe.each(CASES_BY_DIALECT)('%s end to end on %s', (typeId, dialect, start) => {
  const id = `e2e-${typeId.replace(/[^a-z0-9]/g, '')}`;
  let target: Target;
  let simulator: Simulator;
  let pb: TestPlugboard;
  let logs: string[];

  beforeAll(async () => {
    ({ target, simulator } = await start());
    const captured = captureLogger();
    logs = captured.lines;
    pb = await startTestPlugboard({ dialect, logger: captured.logger, settings: target.settings ?? {} });
    const created = await pb.api('POST', `/api/actions/connector/${id}`, {
      name: `E2E ${typeId}`,
      connector_type_id: typeId,
      config: target.config,
      secrets: target.secrets,
    });
    expect(created.status, created.text).toBe(200);
    expect(created.body).toMatchObject({ id, connector_type_id: typeId, is_missing_secrets: false });
  });
  afterAll(async () => {
    await pb?.close();
    await simulator?.close();
  });

  for (const path of PATHS) {
    it(`runs through ${path} and reaches its simulator`, async () => {
      const tag = `e2e-${path}`;
      const result = await runAction(pb, id, path, target.params(tag));
      expect(result).toMatchObject({ status: 'ok', connector_id: id });
      target.verify({ path, tag, result, logs });
    });
  }
});
