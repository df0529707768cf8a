import { encode } from 'gpt-tokenizer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventDocument } from '../src/event_log/document.js';
import { SIMULATOR_REPLY, startGenAiSimulator, type GenAiSimulator } from '../src/connector_types/openai/simulator.js';
import { availableDialects } from './helpers/databases.js';
import { latestExecutionEvents } from './helpers/latest_execution.js';
import { postForEvents, type ReceivedEvent } from './helpers/event_stream_client.js';
import { startTestPlugboard, type TestPlugboard } from './helpers/plugboard.js';
import { eventually } from './helpers/wait.js';
import { sample } from './helpers/prometheus_text.js';

// A streamed answer over HTTP (issue 20 point 5): `_execute` of a streaming sub-action asked with
// Accept: text/event-stream answers the provider's chunks as they arrive, read here over a real
// socket one at a time, then a `result` event with the tokens used; the client going away aborts
// the provider's request and the execute event is still written; an error the provider sends
// inside its stream ends it with a result of status error, and the execute event is a failure
// without usage. On both databases.

const KEY = 'sk-stream-test-key';
const HELLO = [{ role: 'user', content: 'Say hello' }];
const WORDS = SIMULATOR_REPLY.match(/\S+\s*/g)!;
const PROMPT_TOKENS = encode('<|start|>user\nSay hello<|end|>').length;
const dialects = await availableDialects();

describe.each(dialects)('streamed _execute over HTTP on %s', (dialect) => {
  let sim: GenAiSimulator;
  let pb: TestPlugboard;
  let base: string;

  beforeAll(async () => {
    sim = await startGenAiSimulator({ apiKey: KEY, models: ['llama3'] });
    pb = await startTestPlugboard({ dialect });
    base = await pb.plugboard.listen();
    const space = await pb.api('POST', '/api/spaces/space', { id: 'ai', name: 'AI' });
    expect(space.status, space.text).toBe(200);
    const config = { apiProvider: 'Other', apiUrl: `${sim.url}/v1/chat/completions`, defaultModel: 'llama3' };
    for (const [url, key] of [
      ['/api/actions/connector/ai-other', KEY],
      ['/s/ai/api/actions/connector/ai-space', KEY],
      ['/api/actions/connector/ai-badkey', 'sk-wrong'],
    ]) {
      const created = await pb.api('POST', url, { name: url, connector_type_id: '.gen-ai', config, secrets: { apiKey: key } });
      expect(created.status, created.text).toBe(200);
    }
  });
  afterAll(async () => {
    await pb?.close();
    await sim?.close();
  });

  const execute = (connectorId: string, params: unknown, accept?: string, space = '') =>
    postForEvents(`${base}${space}/api/actions/connector/${connectorId}/_execute`, { params }, accept);
  const invokeStream = { subAction: 'invokeStream', subActionParams: { messages: HELLO } };
  const contentOf = (e: ReceivedEvent | undefined) => (JSON.parse(e!.data) as { choices: Array<{ delta: { content?: string } }> }).choices[0]?.delta.content;
  const usage = (completion: string) => {
    const completionTokens = encode(completion).length;
    return { prompt_tokens: PROMPT_TOKENS, completion_tokens: completionTokens, total_tokens: PROMPT_TOKENS + completionTokens };
  };

  /** The execute event of the connector's latest execution, once written. */
  async function executeEvent(connectorId: string): Promise<EventDocument> {
    return eventually(async () => (await latestExecutionEvents(pb, connectorId)).find((e) => e.event.action === 'execute'), 10_000, `the execute event of ${connectorId}`);
  }

  it("each provider chunk is passed on before the provider sends the next, then the result with the tokens used", async () => {
    const paced = sim.paceStreamNext();
    const reader = await execute('ai-other', invokeStream);
    expect(reader.status).toBe(200);
    expect(reader.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    // The opening chunk (role), each word, the finishing chunk: one released, one received.
    paced.release();
    expect(contentOf(await reader.next())).toBe('');
    for (const word of WORDS) {
      paced.release();
      const received = await reader.next();
      expect(received!.event).toBe('chunk');
      expect(contentOf(received)).toBe(word);
    }
    paced.release();
    expect(JSON.parse((await reader.next())!.data)).toMatchObject({ choices: [{ finish_reason: 'stop' }] });
    // `data: [DONE]` ends the provider's answer: the result comes instead of it.
    paced.release();
    const rest = await reader.rest();
    expect(rest.map((e) => e.event)).toEqual(['result']);
    expect(JSON.parse(rest[0].data)).toEqual({ status: 'ok', connector_id: 'ai-other', usage: usage(SIMULATOR_REPLY) });
    expect(await paced.closed).toEqual({ complete: true });
    const event = await executeEvent('ai-other');
    expect(event.event.outcome).toBe('success');
    expect(event.kibana.action.execution.gen_ai).toEqual({ usage: usage(SIMULATOR_REPLY) });
  });

  it('the client going away mid-stream aborts the provider request; the execute event counts what came', async () => {
    const paced = sim.paceStreamNext();
    const reader = await execute('ai-other', invokeStream);
    for (let i = 0; i < 3; i++) paced.release();
    const first = [await reader.next(), await reader.next(), await reader.next()];
    expect(first.map(contentOf)).toEqual(['', WORDS[0], WORDS[1]]);
    reader.disconnect();
    expect(await paced.closed).toEqual({ complete: false });
    const event = await executeEvent('ai-other');
    expect(event.event.outcome).toBe('success');
    expect(event.kibana.action.execution.gen_ai).toEqual({ usage: usage(WORDS[0] + WORDS[1]) });
  });

  it('invokeAsyncIterator in a space: each parsed chunk as JSON, then the result', async () => {
    const reader = await execute('ai-space', { subAction: 'invokeAsyncIterator', subActionParams: { messages: HELLO } }, 'application/json, text/event-stream', '/s/ai');
    const events = await reader.rest();
    expect(events.slice(0, -1).every((e) => e.event === 'chunk')).toBe(true);
    expect(events.slice(0, -1).map(contentOf).join('')).toBe(SIMULATOR_REPLY);
    expect(JSON.parse(events.at(-1)!.data)).toEqual({ status: 'ok', connector_id: 'ai-space', usage: usage(SIMULATOR_REPLY) });
  });

  it('the unsaved test streams too', async () => {
    const body = {
      connector_type_id: '.gen-ai',
      config: { apiProvider: 'Other', apiUrl: `${sim.url}/v1/chat/completions`, defaultModel: 'llama3' },
      secrets: { apiKey: KEY },
      params: { subAction: 'stream', subActionParams: { body: JSON.stringify({ messages: HELLO }), stream: true } },
    };
    const events = await (await postForEvents(`${base}/api/actions/connector/_test`, body)).rest();
    expect(events.slice(0, -1).map(contentOf).join('')).toBe(SIMULATOR_REPLY);
    expect(JSON.parse(events.at(-1)!.data)).toMatchObject({ status: 'ok', usage: usage(SIMULATOR_REPLY) });
  });

  it('a provider cutting its stream halfway: the result is an error, with the tokens that came', async () => {
    sim.cutStreamNext();
    const events = await (await execute('ai-other', invokeStream)).rest();
    const result = events.at(-1)!;
    expect(result.event).toBe('result');
    const read = JSON.parse(result.data);
    expect(read).toMatchObject({ status: 'error', connector_id: 'ai-other', message: 'an error occurred while reading the answer stream' });
    const streamed = events.slice(0, -1).map(contentOf).join('');
    expect(streamed.length).toBeLessThan(SIMULATOR_REPLY.length);
    expect(read.usage).toEqual(usage(streamed));
  });

  it('an error chunk mid-stream (answered 200): each chunk as it comes, then a result of status error in the provider\'s words; the execute event a failure, without usage', async () => {
    const executions = async (outcome: string) => sample((await pb.api('GET', '/metrics')).text, 'plugboard_action_executions_total', { connector_type: '.gen-ai', outcome, source: 'http_request' }) ?? 0;
    const [successes, failures] = [await executions('success'), await executions('failure')];
    const paced = sim.paceStreamNext();
    sim.failStreamNext({ message: 'The model crashed while answering.', type: 'server_error' }, 3);
    const reader = await execute('ai-other', invokeStream);
    expect(reader.status).toBe(200);
    // The opening chunk (role), two words: one released, one received.
    const received: Array<string | undefined> = [];
    for (let i = 0; i < 3; i++) {
      paced.release();
      const chunk = await reader.next();
      expect(chunk!.event).toBe('chunk');
      received.push(contentOf(chunk));
    }
    expect(received).toEqual(['', WORDS[0], WORDS[1]]);
    // The error chunk is no chunk of the answer: the result comes instead.
    paced.release();
    const rest = await reader.rest();
    expect(rest.map((e) => e.event)).toEqual(['result']);
    expect(JSON.parse(rest[0].data)).toEqual({
      status: 'error',
      connector_id: 'ai-other',
      message: 'an error occurred while reading the answer stream',
      service_message: 'API Error: The model crashed while answering.',
      usage: null,
    });
    const event = await executeEvent('ai-other');
    expect(event.event.outcome).toBe('failure');
    expect(event.error).toEqual({ message: 'an error occurred while reading the answer stream: API Error: The model crashed while answering.' });
    expect(event.kibana.action.execution.gen_ai).toBeUndefined();
    // Counted once its stream has ended, as the failure it was.
    expect(await executions('failure')).toBe(failures + 1);
    expect(await executions('success')).toBe(successes);
  });

  it('invokeAsyncIterator: an error chunk mid-stream ends the parsed chunks with the same error result, without the secrets it echoes', async () => {
    sim.failStreamNext({ message: `Key ${KEY} was revoked mid-answer.`, type: 'invalid_request_error' }, 2);
    const events = await (await execute('ai-other', { subAction: 'invokeAsyncIterator', subActionParams: { messages: HELLO } })).rest();
    expect(events.map((e) => e.event)).toEqual(['chunk', 'chunk', 'result']);
    expect(JSON.parse(events[2].data)).toMatchObject({ status: 'error', service_message: 'API Error: Key [REDACTED] was revoked mid-answer.', usage: null });
    const event = await executeEvent('ai-other');
    expect(event.error!.message).toBe('an error occurred while reading the answer stream: API Error: Key [REDACTED] was revoked mid-answer.');
  });

  it('a failure before the answer begins is a lone result event', async () => {
    const events = await (await execute('ai-badkey', invokeStream)).rest();
    expect(events.map((e) => e.event)).toEqual(['result']);
    expect(JSON.parse(events[0].data)).toMatchObject({ status: 'error', connector_id: 'ai-badkey', retry: true, usage: null });
    expect(JSON.parse(events[0].data).service_message).toContain('Status code: 401');
  });

  it('callers that ask for JSON are refused a stream with 400 and nothing is sent; other sub-actions answer JSON as before', async () => {
    const before = sim.requests.length;
    for (const accept of ['application/json', '*/*', 'text/event-stream;q=0']) {
      const reader = await execute('ai-other', invokeStream, accept);
      expect(reader.status).toBe(400);
      expect(JSON.parse(await reader.text())).toEqual({
        statusCode: 400,
        error: 'Bad Request',
        message: '.gen-ai answers these params with a stream: send the request with the header Accept: text/event-stream to read it',
      });
    }
    expect(sim.requests.length).toBe(before);
    const run = await execute('ai-other', { subAction: 'invokeAI', subActionParams: { messages: HELLO } });
    expect(run.headers['content-type']).toMatch(/^application\/json/);
    expect(JSON.parse(await run.text())).toMatchObject({ status: 'ok', connector_id: 'ai-other', data: { message: SIMULATOR_REPLY } });
  });
});
