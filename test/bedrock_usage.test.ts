import type { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventDocument } from '../src/event_log/document.js';
import { executionEvents } from '../src/event_log/event_reader.js';
import { startBedrockSimulator, type BedrockSimulator } from '../src/connector_types/bedrock/simulator.js';
import { INTERNAL_PRINCIPAL } from '../src/security/principal.js';
import { availableDialects } from './helpers/databases.js';
import { postForEvents } from './helpers/event_stream_client.js';
import { startTestPlugboard, type TestPlugboard } from './helpers/plugboard.js';
import { eventually } from './helpers/wait.js';

// The tokens a .bedrock action used, in its execute event (kibana.action.execution.gen_ai.usage):
// Anthropic's `usage` of an InvokeModel answer, Converse's `usage`, and for a stream Bedrock's
// invocation metrics or Converse metadata, written once the stream has ended. On both databases.

const ACCESS_KEY = 'AKIAUSAGETEST0001';
const SECRET = 'usage-test-secret';
const HELLO = [{ role: 'user', content: 'Say hello' }];
const CONVERSE_HELLO = [{ role: 'user', content: [{ text: 'Say hello' }] }];
const dialects = await availableDialects();

describe.each(dialects)('bedrock token usage in the event log on %s', (dialect) => {
  let sim: BedrockSimulator;
  let pb: TestPlugboard;
  let base: string;
  const scope = { spaceId: 'default', principal: INTERNAL_PRINCIPAL };

  beforeAll(async () => {
    sim = await startBedrockSimulator({ accessKey: ACCESS_KEY, secret: SECRET });
    pb = await startTestPlugboard({ dialect, settings: { 'plugboard.tasks.pollInterval': '200ms' } });
    base = await pb.plugboard.listen();
    const created = await pb.api('POST', '/api/actions/connector/bedrock-1', {
      name: 'Bedrock',
      connector_type_id: '.bedrock',
      config: { apiUrl: sim.url },
      secrets: { accessKey: ACCESS_KEY, secret: SECRET },
    });
    expect(created.status, created.text).toBe(200);
    expect(created.body.config).toEqual({ apiUrl: sim.url, defaultModel: 'us.anthropic.claude-sonnet-4-5-20250929-v1:0' });
  });
  afterAll(async () => {
    await pb?.close();
    await sim?.close();
  });

  /** The execute event of the connector's latest execution, once it is written. */
  async function latestExecuteEvent(): Promise<EventDocument> {
    return eventually(async () => {
      await pb.plugboard.flushWrites();
      const row = await pb.plugboard.database.db
        .selectFrom('event_log')
        .select('execution_uuid')
        .where('connector_id', '=', 'bedrock-1')
        .orderBy('timestamp', 'desc')
        .orderBy('id', 'desc')
        .executeTakeFirstOrThrow();
      return (await executionEvents(pb.plugboard.database.db, row.execution_uuid!)).find((e) => e.event.action === 'execute');
    }, 10_000, 'the execute event');
  }
  const usageOf = (i: number) => {
    const { input_tokens, output_tokens } = sim.invocations[i].usage;
    return { usage: { prompt_tokens: input_tokens, completion_tokens: output_tokens, total_tokens: input_tokens + output_tokens } };
  };

  it("_execute invokeAI and converse: the model's usage in the execute event", async () => {
    for (const params of [
      { subAction: 'invokeAI', subActionParams: { messages: HELLO } },
      { subAction: 'converse', subActionParams: { messages: CONVERSE_HELLO } },
    ]) {
      const at = sim.invocations.length;
      const res = await pb.api('POST', '/api/actions/connector/bedrock-1/_execute', { params });
      expect(res.body, params.subAction).toMatchObject({ status: 'ok', connector_id: 'bedrock-1' });
      expect((await latestExecuteEvent()).kibana.action.execution.gen_ai, params.subAction).toEqual(usageOf(at));
    }
  });

  it("in-process streams: the execute event is written once the stream has ended, with Bedrock's counts", async () => {
    for (const params of [
      { subAction: 'invokeStream', subActionParams: { messages: HELLO } },
      { subAction: 'converseStream', subActionParams: { messages: CONVERSE_HELLO } },
    ]) {
      const at = sim.invocations.length;
      const result = await pb.plugboard.actions.execute(scope, 'bedrock-1', params, undefined, { acceptStream: true });
      expect(result.status, params.subAction).toBe('ok');
      const stream = params.subAction === 'converseStream' ? (result.data as { stream: Readable }).stream : (result.data as Readable);
      expect((await buffer(stream)).length).toBeGreaterThan(0);
      expect((await latestExecuteEvent()).kibana.action.execution.gen_ai, params.subAction).toEqual(usageOf(at));
    }
  });

  it('a failure records no usage; _execute refuses a streamed answer to a JSON caller and sends nothing', async () => {
    const res = await pb.api('POST', '/api/actions/connector/bedrock-1/_execute', { params: { subAction: 'invokeAI', subActionParams: { messages: HELLO, model: 'nope' } } });
    expect(res.body).toMatchObject({ status: 'error', service_message: 'Status code: 404. Message: API Error: Not Found - Could not resolve the foundation model from the provided model identifier.' });
    const failed = await latestExecuteEvent();
    expect(failed.event.outcome).toBe('failure');
    expect(failed.kibana.action.execution).not.toHaveProperty('gen_ai');

    const before = sim.requests.length;
    const refused = await pb.api('POST', '/api/actions/connector/bedrock-1/_execute', { params: { subAction: 'converseStream', subActionParams: { messages: CONVERSE_HELLO } } });
    expect(refused.status).toBe(400);
    expect(refused.body).toEqual({
      statusCode: 400,
      error: 'Bad Request',
      message: '.bedrock answers these params with a stream: send the request with the header Accept: text/event-stream to read it',
    });
    expect(sim.requests.length).toBe(before);
  });

  it("_execute streams Bedrock's event stream to a caller that asks for server-sent events: each decoded event a chunk, then the result with its tokens", async () => {
    for (const params of [
      { subAction: 'invokeStream', subActionParams: { messages: HELLO } },
      { subAction: 'converseStream', subActionParams: { messages: CONVERSE_HELLO } },
    ]) {
      const at = sim.invocations.length;
      const reader = await postForEvents(`${base}/api/actions/connector/bedrock-1/_execute`, { params });
      expect(reader.status).toBe(200);
      const events = await reader.rest();
      const chunks = events.filter((e) => e.event === 'chunk').map((e) => JSON.parse(e.data) as Record<string, unknown>);
      const result = JSON.parse(events.at(-1)!.data) as { status: string; usage: unknown };
      expect(events.at(-1)!.event).toBe('result');
      expect(result.status, params.subAction).toBe('ok');
      if (params.subAction === 'invokeStream') {
        // The model's own events, unwrapped from the frames' base64 bytes.
        expect(chunks[0]).toMatchObject({ type: 'message_start' });
        expect(chunks.some((c) => c.type === 'content_block_delta')).toBe(true);
      } else {
        expect(Object.keys(chunks[0])).toEqual(['messageStart']);
        expect(chunks.some((c) => 'contentBlockDelta' in c)).toBe(true);
        expect(chunks.some((c) => 'metadata' in c)).toBe(true);
      }
      expect(result.usage, params.subAction).toEqual(usageOf(at).usage);
    }
  });

  it('an exception mid-stream (answered 200): the events before it as chunks, then a result of status error worded as Kibana words the exception; the execute event a failure, without usage', async () => {
    const cases = [
      { params: { subAction: 'invokeStream', subActionParams: { messages: HELLO } }, type: 'throttlingException', words: 'API Error: Too Many Requests - Too many requests, please wait before trying again.' },
      { params: { subAction: 'converseStream', subActionParams: { messages: CONVERSE_HELLO } }, type: 'modelStreamErrorException', words: 'API Error: Failed Dependency - The model encountered an error while streaming the response.' },
    ] as const;
    for (const { params, type, words } of cases) {
      sim.failStreamNext(type, undefined, 3);
      const reader = await postForEvents(`${base}/api/actions/connector/bedrock-1/_execute`, { params });
      expect(reader.status).toBe(200);
      const chunks = [await reader.next(), await reader.next(), await reader.next()];
      expect(chunks.map((e) => e!.event)).toEqual(['chunk', 'chunk', 'chunk']);
      expect(JSON.parse(chunks[0]!.data)).toMatchObject(params.subAction === 'invokeStream' ? { type: 'message_start' } : { messageStart: { role: 'assistant' } });
      const rest = await reader.rest();
      expect(rest.map((e) => e.event)).toEqual(['result']);
      expect(JSON.parse(rest[0].data)).toEqual({ status: 'error', connector_id: 'bedrock-1', message: 'an error occurred while reading the answer stream', service_message: words, usage: null });
      const event = await latestExecuteEvent();
      expect(event.event.outcome, params.subAction).toBe('failure');
      expect(event.error).toEqual({ message: `an error occurred while reading the answer stream: ${words}` });
      expect(event.kibana.action.execution.gen_ai).toBeUndefined();
    }
  });
});
