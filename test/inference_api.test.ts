import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startElasticsearchSimulator, type ElasticsearchSimulator } from '../src/connector_types/es_index/simulator.js';
import { availableDialects } from './helpers/databases.js';
import { postForEvents } from './helpers/event_stream_client.js';
import { latestExecutionEvents } from './helpers/latest_execution.js';
import { startTestPlugboard, type TestPlugboard } from './helpers/plugboard.js';
import { eventually } from './helpers/wait.js';

// The .inference connector over the HTTP API, against the Elasticsearch simulator (reference §4):
// saving a connector creates its _inference endpoint (or is refused with Elasticsearch's reason,
// storing nothing), updating replaces it, deleting deletes it; the listing hides connectors whose
// endpoint is gone; a chat streams over `_execute` and its tokens land in the execute event; the
// preconfigured Elastic Managed LLM runs on the cluster's built-in endpoint. On both databases.

const dialects = await availableDialects();
const CHAT = { body: { messages: [{ role: 'user', content: 'hello plugboard' }] } };
const USAGE = { prompt_tokens: 2, completion_tokens: 4, total_tokens: 6 };

describe.each(dialects)('.inference over the HTTP API on %s', (dialect) => {
  let es: ElasticsearchSimulator;
  let pb: TestPlugboard;
  let base: string;

  beforeAll(async () => {
    es = await startElasticsearchSimulator();
    pb = await startTestPlugboard({
      dialect,
      settings: {
        'elasticsearch.hosts': [es.url],
        'xpack.actions.preconfigured': {
          'Elastic-Managed-LLM': {
            name: 'Elastic Managed LLM',
            actionTypeId: '.inference',
            exposeConfig: true,
            config: { provider: 'elastic', taskType: 'chat_completion', inferenceId: '.rainbow-sprinkles-elastic', providerConfig: { model_id: 'rainbow-sprinkles' } },
          },
        },
      },
    });
    base = await pb.plugboard.listen();
  });
  afterAll(async () => {
    await pb?.close();
    await es?.close();
  });

  const connector = (inferenceId: string, taskType = 'chat_completion', apiKey = 'sk-api-test') => ({
    name: `AI ${inferenceId}`,
    connector_type_id: '.inference',
    config: { provider: 'openai', taskType, inferenceId, providerConfig: { model_id: 'gpt-4o' } },
    secrets: { providerSecrets: { api_key: apiKey } },
  });
  const endpoint = (id: string) => es.inferenceEndpoints().find((e) => e.inference_id === id);
  const listedIds = async () => ((await pb.api('GET', '/api/actions/connectors')).body as Array<{ id: string }>).map((c) => c.id);

  it('create makes the endpoint; a second connector on it is refused and stores nothing', async () => {
    const created = await pb.api('POST', '/api/actions/connector/ai-1', connector('api-chat'));
    expect(created.status, created.text).toBe(200);
    expect(endpoint('api-chat')).toMatchObject({ task_type: 'chat_completion', service: 'openai', service_settings: { model_id: 'gpt-4o', api_key: 'sk-api-test' } });
    expect(created.text).not.toContain('sk-api-test');

    const again = await pb.api('POST', '/api/actions/connector/ai-2', connector('api-chat'));
    expect(again.status).toBe(400);
    expect(again.body).toEqual({ statusCode: 400, error: 'Bad Request', message: 'Inference with id api-chat and task type chat_completion already exists.' });
    expect((await pb.api('GET', '/api/actions/connector/ai-2')).status).toBe(404);
  });

  it("a create Elasticsearch refuses is refused with its reason; nothing is stored", async () => {
    const refused = await pb.api('POST', '/api/actions/connector/ai-refused', { ...connector('api-refused'), secrets: {} });
    expect(refused.status).toBe(400);
    expect(refused.body.message).toBe('Validation Failed: 1: [service_settings] does not contain the required setting [api_key];');
    expect((await pb.api('GET', '/api/actions/connector/ai-refused')).status).toBe(404);
    expect(endpoint('api-refused')).toBeUndefined();
  });

  it('update replaces the endpoint; delete deletes it', async () => {
    const created = await pb.api('POST', '/api/actions/connector/ai-3', connector('api-completion', 'completion'));
    expect(created.status, created.text).toBe(200);
    const { name, config, secrets } = connector('api-completion', 'completion', 'sk-rotated');
    const updated = await pb.api('PUT', '/api/actions/connector/ai-3', { name, config, secrets });
    expect(updated.status, updated.text).toBe(200);
    expect(endpoint('api-completion')?.service_settings.api_key).toBe('sk-rotated');
    expect((await pb.api('DELETE', '/api/actions/connector/ai-3')).status).toBe(204);
    expect(endpoint('api-completion')).toBeUndefined();
  });

  it('the listing hides a connector whose endpoint is gone from Elasticsearch', async () => {
    expect(await pb.api('POST', '/api/actions/connector/ai-gone', connector('api-gone', 'rerank'))).toMatchObject({ status: 200 });
    expect(await listedIds()).toContain('ai-gone');
    const res = await fetch(`${es.url}/_inference/rerank/api-gone`, { method: 'DELETE' });
    expect(res.status).toBe(200);
    const ids = await listedIds();
    expect(ids).not.toContain('ai-gone');
    expect(ids).toEqual(expect.arrayContaining(['ai-1', 'Elastic-Managed-LLM']));
    expect((await pb.api('GET', '/api/actions/connector/ai-gone')).status).toBe(200);
  });

  it('unified_completion over _execute, its usage in the execute event', async () => {
    const res = await pb.api('POST', '/api/actions/connector/ai-1/_execute', { params: { subAction: 'unified_completion', subActionParams: CHAT } });
    expect(res.body).toMatchObject({ status: 'ok', connector_id: 'ai-1', data: { choices: [{ message: { content: 'You said: hello plugboard' } }], usage: USAGE } });
    const event = await eventually(async () => (await latestExecutionEvents(pb, 'ai-1')).find((e) => e.event.action === 'execute'), 10_000, 'the execute event');
    expect(event.kibana.action.execution.gen_ai).toEqual({ usage: USAGE });
  });

  it('unified_completion_stream streams over _execute, then the result with the tokens used; JSON callers get a 400', async () => {
    const params = { subAction: 'unified_completion_stream', subActionParams: CHAT };
    const reader = await postForEvents(`${base}/api/actions/connector/ai-1/_execute`, { params });
    expect(reader.status).toBe(200);
    const events = await reader.rest();
    const chunks = events.filter((e) => e.event === 'chunk').map((e) => JSON.parse(e.data));
    expect(chunks.map((c) => c.choices[0]?.delta?.content ?? '').join('')).toBe('You said: hello plugboard');
    expect(events.at(-1)!.event).toBe('result');
    expect(JSON.parse(events.at(-1)!.data)).toEqual({ status: 'ok', connector_id: 'ai-1', usage: USAGE });

    const json = await pb.api('POST', '/api/actions/connector/ai-1/_execute', { params });
    expect(json.status).toBe(400);
    expect(json.body.message).toMatch(/Accept: text\/event-stream/);
  });

  it('a client going away mid-stream aborts the request to Elasticsearch; the execute event counts what came', async () => {
    const paced = es.paceNextInferenceStream();
    const reader = await postForEvents(`${base}/api/actions/connector/ai-1/_execute`, { params: { subAction: 'unified_completion_stream', subActionParams: CHAT } });
    paced.release();
    paced.release();
    const first = [await reader.next(), await reader.next()];
    expect(first.map((e) => JSON.parse(e!.data).choices[0].delta.content)).toEqual(['You', ' said:']);
    reader.disconnect();
    expect(await paced.closed).toEqual({ complete: false });
    const event = await eventually(
      async () => (await latestExecutionEvents(pb, 'ai-1')).find((e) => e.event.action === 'execute' && e.kibana.action.execution.gen_ai?.usage.completion_tokens !== 4),
      10_000,
      'the execute event of the cut stream',
    );
    expect(event.event.outcome).toBe('success');
    expect(event.kibana.action.execution.gen_ai!.usage.completion_tokens).toBeGreaterThan(0);
  });

  it("an error event mid-stream (answered 200): the chunks before it, then a result of status error in Kibana's words; unified_completion fails with them; no usage in either execute event", async () => {
    const words = 'Received a rate limit status code for request from inference entity id [stream] status [429]. Error message: [Rate limit reached for requests]';
    const executeEvent = () => eventually(async () => (await latestExecutionEvents(pb, 'ai-1')).find((e) => e.event.action === 'execute'), 10_000, 'the execute event');
    es.failNextInferenceStream();
    const reader = await postForEvents(`${base}/api/actions/connector/ai-1/_execute`, { params: { subAction: 'unified_completion_stream', subActionParams: CHAT } });
    expect(reader.status).toBe(200);
    const first = [await reader.next(), await reader.next()];
    expect(first.map((e) => e!.event)).toEqual(['chunk', 'chunk']);
    expect(first.map((e) => JSON.parse(e!.data).choices[0].delta.content)).toEqual(['You', ' said:']);
    const rest = await reader.rest();
    expect(rest.map((e) => e.event)).toEqual(['result']);
    expect(JSON.parse(rest[0].data)).toEqual({ status: 'error', connector_id: 'ai-1', message: 'an error occurred while reading the answer stream', service_message: words, usage: null });
    const streamed = await executeEvent();
    expect(streamed.event.outcome).toBe('failure');
    expect(streamed.error).toEqual({ message: `an error occurred while reading the answer stream: ${words}` });
    expect(streamed.kibana.action.execution.gen_ai).toBeUndefined();

    es.failNextInferenceStream();
    const gathered = await pb.api('POST', '/api/actions/connector/ai-1/_execute', { params: { subAction: 'unified_completion', subActionParams: CHAT } });
    expect(gathered.body).toEqual({ status: 'error', connector_id: 'ai-1', message: 'an error occurred while running the action', service_message: words, retry: true, errorSource: 'framework' });
    const event = await eventually(async () => {
      const found = await executeEvent();
      return found.kibana.action.execution.uuid !== streamed.kibana.action.execution.uuid ? found : undefined;
    }, 10_000, 'the execute event of unified_completion');
    expect(event.event.outcome).toBe('failure');
    expect(event.error!.message).toContain(words);
    expect(event.kibana.action.execution.gen_ai).toBeUndefined();
  });

  it('the preconfigured Elastic Managed LLM chats through the built-in EIS endpoint', async () => {
    const res = await pb.api('POST', '/api/actions/connector/Elastic-Managed-LLM/_execute', { params: { subAction: 'unified_completion', subActionParams: CHAT } });
    expect(res.body).toMatchObject({ status: 'ok', data: { model: 'rainbow-sprinkles', choices: [{ message: { content: 'You said: hello plugboard' } }] } });
    expect(es.requests.at(-1)).toMatchObject({ method: 'POST', path: '/_inference/chat_completion/.rainbow-sprinkles-elastic/_stream' });
  });
});
