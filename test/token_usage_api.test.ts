import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actionEvent, type ExecutionEventContext } from '../src/event_log/action_events.js';
import { EventLogger } from '../src/event_log/event_logger.js';
import { GroupCommit } from '../src/storage/group_commit.js';
import { availableDialects } from './helpers/databases.js';
import { startTestPlugboard, type TestPlugboard } from './helpers/plugboard.js';

// POST /api/actions/_token_usage (issue 20 point 6): the tokens recorded in execute events,
// summed per connector over a range and per hour, in the space of the request. On both databases.

const dialects = await availableDialects();
const HOUR = 3_600_000;

describe.each(dialects)('token usage route on %s', (dialect) => {
  let pb: TestPlugboard;
  // Three hours ago, at the start of an hour, so that the runs below fall in known hours.
  const base = Math.floor((Date.now() - 3 * HOUR) / HOUR) * HOUR;

  beforeAll(async () => {
    pb = await startTestPlugboard({ dialect });
    const { database } = pb.plugboard;
    const writes = new GroupCommit(database.db, pino({ level: 'silent' }), { pool: database.pool });
    const events = new EventLogger(writes, database, (err) => {
      throw err;
    });
    let n = 0;
    const run = (spaceId: string, connectorId: string, at: number, tokens?: [number, number], outcome: 'success' | 'failure' = 'success') => {
      const start = new Date(at);
      const ctx: ExecutionEventContext = {
        spaceId,
        connector: { id: connectorId, name: `name of ${connectorId}`, typeId: '.gen-ai', inMemory: false },
        executionId: `exec-${n++}`,
        source: 'http_request',
        attempt: 1,
      };
      void events.log(actionEvent(ctx, 'execute-start', { message: 'action started', end: start }));
      const genAiUsage = tokens ? { promptTokens: tokens[0], completionTokens: tokens[1], totalTokens: tokens[0] + tokens[1] } : undefined;
      void events.log(actionEvent(ctx, 'execute', { message: 'action executed', start, end: new Date(at + 20), outcome, ...(genAiUsage ? { genAiUsage } : {}) }));
    };
    run('default', 'ai-a', base + 60_000, [10, 5]);
    run('default', 'ai-a', base + HOUR - 1, [20, 7]);
    run('default', 'ai-a', base + 2 * HOUR + 5, [1, 2]);
    run('default', 'ai-a', base + 2 * HOUR + 9, undefined, 'failure');
    run('default', 'ai-b', base + HOUR + 1, [100, 50]);
    run('other', 'ai-c', base + HOUR + 1, [7, 7]);
    run('default', 'ai-a', base - 10 * HOUR, [1000, 1000]);
    await writes.flush();
  });
  afterAll(async () => {
    await pb?.close();
  });

  const hour = (i: number) => new Date(base + i * HOUR).toISOString();

  it("sums each connector's tokens over the range, by hour, in the request's space", async () => {
    const res = await pb.api('POST', '/api/actions/_token_usage', { date_start: new Date(base).toISOString(), date_end: 'now' });
    expect(res.status, res.text).toBe(200);
    expect(res.body).toEqual({
      connectors: [
        {
          connector_id: 'ai-a',
          connector_name: 'name of ai-a',
          connector_type_id: '.gen-ai',
          executions: 3,
          prompt_tokens: 31,
          completion_tokens: 14,
          total_tokens: 45,
          hours: [
            { start: hour(0), executions: 2, prompt_tokens: 30, completion_tokens: 12, total_tokens: 42 },
            { start: hour(2), executions: 1, prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 },
          ],
        },
        {
          connector_id: 'ai-b',
          connector_name: 'name of ai-b',
          connector_type_id: '.gen-ai',
          executions: 1,
          prompt_tokens: 100,
          completion_tokens: 50,
          total_tokens: 150,
          hours: [{ start: hour(1), executions: 1, prompt_tokens: 100, completion_tokens: 50, total_tokens: 150 }],
        },
      ],
    });
  });

  it('one connector, another space, an empty range', async () => {
    const one = await pb.api('POST', '/api/actions/_token_usage', { date_start: 'now-24h', connector_id: 'ai-a' });
    expect(one.body.connectors.map((c: { connector_id: string; total_tokens: number }) => [c.connector_id, c.total_tokens])).toEqual([['ai-a', 2045]]);
    const space = await pb.api('POST', '/api/spaces/space', { id: 'other', name: 'Other' });
    expect(space.status, space.text).toBe(200);
    const other = await pb.api('POST', '/s/other/api/actions/_token_usage', { date_start: 'now-24h' });
    expect(other.body.connectors.map((c: { connector_id: string; total_tokens: number }) => [c.connector_id, c.total_tokens])).toEqual([['ai-c', 14]]);
    const none = await pb.api('POST', '/api/actions/_token_usage', { date_start: 'now-1m' });
    expect(none.body).toEqual({ connectors: [] });
  });

  it('bad input: 400 naming the field', async () => {
    const res = await pb.api('POST', '/api/actions/_token_usage', { date_start: 'yesterday-ish' });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ statusCode: 400, error: 'Bad Request', message: 'Invalid date for parameter date_start: "yesterday-ish"' });
    const missing = await pb.api('POST', '/api/actions/_token_usage', {});
    expect(missing.status).toBe(400);
    expect(missing.body.message).toContain('date_start');
  });
});
