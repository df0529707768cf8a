import type { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { encode } from 'gpt-tokenizer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventDocument } from '../src/event_log/document.js';
import { SIMULATOR_REPLY, startGenAiSimulator, type GenAiSimulator } from '../src/connector_types/openai/simulator.js';
import { startGeminiSimulator, type GeminiSimulator } from '../src/connector_types/gemini/simulator.js';
import { INTERNAL_PRINCIPAL } from '../src/security/principal.js';
import { availableDialects } from './helpers/databases.js';
import { postForEvents } from './helpers/event_stream_client.js';
import { latestExecutionEvents } from './helpers/latest_execution.js';
import { startTestPlugboard, type TestPlugboard } from './helpers/plugboard.js';
import { eventually } from './helpers/wait.js';

// The tokens a generative-AI action used, in its execute event (kibana.action.execution.gen_ai.usage,
// as Kibana writes it): the provider's count, or for a stream without one the tokenizer's, written
// once the stream has ended. On both databases.

const KEY = 'sk-usage-test-key';
const HELLO = [{ role: 'user', content: 'Say hello' }];
const dialects = await availableDialects();

describe.each(dialects)('gen-ai token usage in the event log on %s', (dialect) => {
  let sim: GenAiSimulator;
  let gemini: GeminiSimulator;
  let pb: TestPlugboard;
  let base: string;
  const scope = { spaceId: 'default', principal: INTERNAL_PRINCIPAL };

  beforeAll(async () => {
    sim = await startGenAiSimulator({ apiKey: KEY, models: ['gpt-4.1', 'llama3'] });
    pb = await startTestPlugboard({ dialect, settings: { 'plugboard.tasks.pollInterval': '200ms' } });
    base = await pb.plugboard.listen();
    for (const [id, config] of [
      ['ai-openai', { apiProvider: 'OpenAI', apiUrl: `${sim.url}/v1/chat/completions` }],
      ['ai-other', { apiProvider: 'Other', apiUrl: `${sim.url}/v1/chat/completions`, defaultModel: 'llama3' }],
    ] as const) {
      const created = await pb.api('POST', `/api/actions/connector/${id}`, { name: id, connector_type_id: '.gen-ai', config, secrets: { apiKey: KEY } });
      expect(created.status, created.text).toBe(200);
    }
    gemini = await startGeminiSimulator({ projectId: 'usage-project' });
    const created = await pb.api('POST', '/api/actions/connector/ai-gemini', {
      name: 'ai-gemini',
      connector_type_id: '.gemini',
      config: { apiUrl: gemini.url, gcpRegion: 'us-central1', gcpProjectID: 'usage-project' },
      secrets: { credentialsJson: gemini.credentials() },
    });
    expect(created.status, created.text).toBe(200);
  });
  afterAll(async () => {
    await pb?.close();
    await sim?.close();
    await gemini?.close();
  });

  const latestEvents = (connectorId: string) => latestExecutionEvents(pb, connectorId);
  const executeEvent = (events: EventDocument[]) => events.find((e) => e.event.action === 'execute');
  const usageOf = (i: number) => sim.completions[i].usage;

  it("_execute run: the provider's usage in the execute event, not in the result", async () => {
    const before = sim.completions.length;
    const res = await pb.api('POST', '/api/actions/connector/ai-openai/_execute', { params: { subAction: 'run', subActionParams: { body: JSON.stringify({ messages: HELLO }) } } });
    expect(res.body).toMatchObject({ status: 'ok', connector_id: 'ai-openai', data: { object: 'chat.completion' } });
    expect(Object.keys(res.body).sort()).toEqual(['connector_id', 'data', 'status']);
    const events = await latestEvents('ai-openai');
    expect(events.map((e) => e.event.action)).toEqual(['execute-start', 'execute']);
    const { prompt_tokens, completion_tokens, total_tokens } = usageOf(before);
    expect(executeEvent(events)!.kibana.action.execution).toMatchObject({ gen_ai: { usage: { total_tokens, prompt_tokens, completion_tokens } } });
    expect(events[0].kibana.action.execution).not.toHaveProperty('gen_ai');
  });

  it('a queued invokeAI too, read through the execution events API', async () => {
    const before = sim.completions.length;
    const queued = await pb.api('POST', '/api/actions/connector/ai-openai/_enqueue', { params: { subAction: 'invokeAI', subActionParams: { messages: HELLO } } });
    expect(queued.status, queued.text).toBe(202);
    const executionId = queued.body.execution_id as string;
    const events = await eventually(async () => {
      const res = await pb.api('GET', `/internal/actions/execution_events/${executionId}`);
      return executeEvent(res.body) ? (res.body as EventDocument[]) : undefined;
    }, 20_000, 'the queued invokeAI to be logged');
    expect(executeEvent(events)!.kibana.action.execution.gen_ai).toEqual({ usage: usageOf(before) });
  });

  it('a failure records no usage', async () => {
    const res = await pb.api('POST', '/api/actions/connector/ai-openai/_execute', { params: { subAction: 'run', subActionParams: { body: JSON.stringify({ messages: HELLO, model: 'gpt-0' }) } } });
    expect(res.body.status).toBe('error');
    const execute = executeEvent(await latestEvents('ai-openai'))!;
    expect(execute.event.outcome).toBe('failure');
    expect(execute.kibana.action.execution).not.toHaveProperty('gen_ai');
  });

  it('an in-process stream: its execute event is written once the stream has ended, with the counted usage', async () => {
    const result = await pb.plugboard.actions.execute(scope, 'ai-other', { subAction: 'invokeStream', subActionParams: { messages: HELLO } }, undefined, { acceptStream: true });
    expect(result.status).toBe('ok');
    expect(await text(result.data as Readable)).toContain('data: [DONE]');
    const events = await eventually(async () => {
      const found = await latestEvents('ai-other');
      return executeEvent(found) ? found : undefined;
    }, 10_000, 'the stream execute event');
    const prompt = encode('<|start|>user\nSay hello<|end|>').length;
    const completion = encode(SIMULATOR_REPLY).length;
    expect(executeEvent(events)!.kibana.action.execution.gen_ai).toEqual({ usage: { total_tokens: prompt + completion, prompt_tokens: prompt, completion_tokens: completion } });
  });

  it(".gemini: usageMetadata in the execute event, of the answer and of a stream's last chunk", async () => {
    const res = await pb.api('POST', '/api/actions/connector/ai-gemini/_execute', { params: { subAction: 'invokeAI', subActionParams: { messages: HELLO } } });
    expect(res.body).toMatchObject({ status: 'ok', data: { usageMetadata: gemini.generations.at(-1)!.usageMetadata } });
    const counts = () => {
      const { promptTokenCount, candidatesTokenCount, totalTokenCount } = gemini.generations.at(-1)!.usageMetadata;
      return { usage: { prompt_tokens: promptTokenCount, completion_tokens: candidatesTokenCount, total_tokens: totalTokenCount } };
    };
    const answered = executeEvent(await latestEvents('ai-gemini'))!.kibana.action.execution;
    expect(answered.gen_ai).toEqual(counts());

    const result = await pb.plugboard.actions.execute(scope, 'ai-gemini', { subAction: 'invokeStream', subActionParams: { messages: HELLO } }, undefined, { acceptStream: true });
    expect(await text(result.data as Readable)).toContain('"finishReason":"STOP"');
    const events = await eventually(async () => {
      const found = await latestEvents('ai-gemini');
      return found[0].kibana.action.execution.uuid !== answered.uuid && executeEvent(found) ? found : undefined;
    }, 10_000, 'the gemini stream execute event');
    expect(gemini.generations.at(-1)!.stream).toBe(true);
    expect(executeEvent(events)!.kibana.action.execution.gen_ai).toEqual(counts());

    const generated = gemini.generations.length;
    const refused = await pb.api('POST', '/api/actions/connector/ai-gemini/_execute', { params: { subAction: 'invokeStream', subActionParams: { messages: HELLO } } });
    expect(refused.body).toEqual({ statusCode: 400, error: 'Bad Request', message: '.gemini answers these params with a stream: send the request with the header Accept: text/event-stream to read it' });
    expect(gemini.generations.length).toBe(generated);

    // Asked for server-sent events, _execute streams Vertex AI's chunks, then the result with the tokens.
    const reader = await postForEvents(`${base}/api/actions/connector/ai-gemini/_execute`, { params: { subAction: 'invokeStream', subActionParams: { messages: HELLO } } });
    const streamed = await reader.rest();
    const chunks = streamed.filter((e) => e.event === 'chunk').map((e) => JSON.parse(e.data) as { candidates?: Array<{ finishReason?: string }> });
    expect(chunks.length).toBeGreaterThan(1);
    expect(chunks.at(-1)!.candidates?.[0].finishReason).toBe('STOP');
    expect(streamed.at(-1)).toMatchObject({ event: 'result' });
    expect(JSON.parse(streamed.at(-1)!.data)).toMatchObject({ status: 'ok', ...counts() });
  });

  it('.gemini: a stream ending in an error chunk or a safety stop (answered 200) streams its chunks, then a result of status error; the execute event a failure, without usage', async () => {
    const cases = [
      { failure: undefined, words: 'API Error: RESOURCE_EXHAUSTED: Resource exhausted. Please try again later.' },
      { failure: 'safety', words: 'Candidate was blocked due to SAFETY - HARM_CATEGORY_DANGEROUS_CONTENT: HARM_SEVERITY_HIGH' },
    ] as const;
    for (const { failure, words } of cases) {
      gemini.failStreamNext(failure, 2);
      const reader = await postForEvents(`${base}/api/actions/connector/ai-gemini/_execute`, { params: { subAction: 'invokeStream', subActionParams: { messages: HELLO } } });
      const first = [await reader.next(), await reader.next()];
      expect(first.map((e) => e!.event)).toEqual(['chunk', 'chunk']);
      expect(JSON.parse(first[0]!.data)).toMatchObject({ candidates: [{ content: { parts: [{ text: expect.any(String) }] } }] });
      const rest = await reader.rest();
      expect(rest.map((e) => e.event)).toEqual(['result']);
      expect(JSON.parse(rest[0].data)).toEqual({ status: 'error', connector_id: 'ai-gemini', message: 'an error occurred while reading the answer stream', service_message: words, usage: null });
      const event = await eventually(async () => executeEvent(await latestEvents('ai-gemini')), 10_000, 'the execute event');
      expect(event.event.outcome).toBe('failure');
      expect(event.error).toEqual({ message: `an error occurred while reading the answer stream: ${words}` });
      expect(event.kibana.action.execution.gen_ai).toBeUndefined();
    }
  });

  it('_execute and the unsaved test refuse a streamed answer (400) and send nothing', async () => {
    const before = sim.requests.length;
    for (const params of [{ subAction: 'invokeStream', subActionParams: { messages: HELLO } }, { subAction: 'stream', subActionParams: { body: '{}', stream: true } }]) {
      const res = await pb.api('POST', '/api/actions/connector/ai-other/_execute', { params });
      expect(res.status).toBe(400);
      expect(res.body).toEqual({ statusCode: 400, error: 'Bad Request', message: '.gen-ai answers these params with a stream: send the request with the header Accept: text/event-stream to read it' });
    }
    expect(sim.requests.length).toBe(before);
  });

  it('a queued streaming action fails for good without calling the provider: nobody would read its stream', async () => {
    const before = sim.requests.length;
    const queued = await pb.api('POST', '/api/actions/connector/ai-other/_enqueue', { params: { subAction: 'invokeAsyncIterator', subActionParams: { messages: HELLO } } });
    expect(queued.status, queued.text).toBe(202);
    const done = await eventually(async () => {
      const res = await pb.api('GET', `/api/actions/execution/${queued.body.execution_id}`);
      return res.body.status === 'error' ? res.body : undefined;
    }, 20_000, 'the queued stream to fail');
    expect(done).toMatchObject({ attempts: 1, result: { status: 'error', message: '.gen-ai answers these params with a stream, which a queued action cannot read', retry: false } });
    expect(sim.requests.length).toBe(before);
  });
});
