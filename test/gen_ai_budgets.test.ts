import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGenAiSimulator, type GenAiSimulator } from '../src/connector_types/openai/simulator.js';
import { availableDialects, createPostgresSchema, type TestSchema } from './helpers/databases.js';
import { startTestPlugboard, type TestPlugboard } from './helpers/plugboard.js';
import { eventually } from './helpers/wait.js';

// Token budgets (issue 20 point 7): `plugboard.actions.flowControl` tokensPerMinute and
// tokensPerDay, counted from the usage the executor records, checked before a request is sent:
// `_execute` answers 429 with Retry-After, a queued action waits while others flow. A provider's
// 429 with Retry-After pauses a .gen-ai connector's queue as for other types. On both databases.

const KEY = 'sk-budget-test-key';
const HELLO = { subAction: 'invokeAI', subActionParams: { messages: [{ role: 'user', content: 'Say hello' }] } };
const dialects = await availableDialects();

describe.each(dialects)('gen-ai token budgets on %s', (dialect) => {
  let sim: GenAiSimulator;
  let pb: TestPlugboard;

  beforeAll(async () => {
    sim = await startGenAiSimulator({ apiKey: KEY, models: ['llama3'] });
    pb = await startTestPlugboard({
      dialect,
      settings: {
        'plugboard.tasks.pollInterval': '200ms',
        // Budgets smaller than one run's tokens: one run spends them.
        'plugboard.actions.flowControl.connectors': { 'ai-minute': { tokensPerMinute: 5 }, 'ai-queued': { tokensPerMinute: 5 } },
        'plugboard.actions.flowControl.types': { '.gen-ai': { tokensPerDay: 1_000_000 } },
      },
    });
    const config = { apiProvider: 'Other', apiUrl: `${sim.url}/v1/chat/completions`, defaultModel: 'llama3' };
    for (const id of ['ai-minute', 'ai-queued', 'ai-free', 'ai-limited']) {
      const created = await pb.api('POST', `/api/actions/connector/${id}`, { name: id, connector_type_id: '.gen-ai', config, secrets: { apiKey: KEY } });
      expect(created.status, created.text).toBe(200);
    }
  });
  afterAll(async () => {
    await pb?.close();
    await sim?.close();
  });

  const execute = (id: string) => pb.api('POST', `/api/actions/connector/${id}/_execute`, { params: HELLO });
  const enqueue = async (id: string) => {
    const queued = await pb.api('POST', `/api/actions/connector/${id}/_enqueue`, { params: HELLO });
    expect(queued.status, queued.text).toBe(202);
    return queued.body.execution_id as string;
  };
  const execution = (executionId: string) => pb.api('GET', `/api/actions/execution/${executionId}`).then((r) => r.body);
  /** The connector's budget is spent once `_execute` is refused: the run's usage is counted when its event is written. */
  const spent = (id: string) => eventually(async () => ((await execute(id)).status === 429 ? true : undefined), 10_000, `${id}'s budget to be spent`);

  it('_execute past the minute budget: 429 with Retry-After, nothing sent; other connectors run', async () => {
    expect((await execute('ai-minute')).body.status).toBe('ok');
    await spent('ai-minute');
    const before = sim.requests.length;
    const refused = await execute('ai-minute');
    expect(refused.status).toBe(429);
    expect(refused.body).toMatchObject({ statusCode: 429, error: 'Too Many Requests' });
    expect(refused.body.message).toMatch(/^Connector ai-minute has used its token budget \(plugboard\.actions\.flowControl tokensPerMinute: 5\); try again after \d{4}-/);
    const retryAfter = Number(refused.headers['retry-after']);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(sim.requests.length).toBe(before);
    // Under the type's day budget, far from spent.
    expect((await execute('ai-free')).body.status).toBe('ok');
  });

  it('a queued action waits while its budget is spent; another connector flows past it', async () => {
    expect((await execute('ai-queued')).body.status).toBe('ok');
    await spent('ai-queued');
    const requestsToQueued = () => sim.completions.length;
    const before = requestsToQueued();
    const waiting = await enqueue('ai-queued');
    const other = await enqueue('ai-free');
    await eventually(async () => ((await execution(other)).status === 'ok' ? true : undefined), 20_000, 'the other connector to run');
    expect(requestsToQueued()).toBe(before + 1);
    const task = await pb.plugboard.database.db.selectFrom('tasks').selectAll().where('id', '=', waiting).executeTakeFirstOrThrow();
    expect(task).toMatchObject({ status: 'idle', attempts: 0 });
  });

  it("a provider's 429 with Retry-After pauses the connector's queue without spending an attempt", async () => {
    sim.rateLimitNext(120);
    const started = Date.now();
    const limited = await enqueue('ai-limited');
    const pause = await eventually(
      () => pb.plugboard.database.db.selectFrom('connector_pauses').selectAll().where('connector_id', '=', 'ai-limited').executeTakeFirst(),
      20_000,
      'the connector to be paused',
    );
    expect(pause.paused_until).toBeGreaterThanOrEqual(started + 119_000);
    const task = await pb.plugboard.database.db.selectFrom('tasks').selectAll().where('id', '=', limited).executeTakeFirstOrThrow();
    expect(task).toMatchObject({ status: 'idle', attempts: 0 });
  });
});

// A restart keeps the budgets: the new instance reads what budgeted connectors spent in the last
// day from the event log (summed by the database per minute) before it claims a task or serves
// `_execute`. Budgets are per instance; sharing them as they are spent is issue 23's (scale-out).
describe.each(dialects)('gen-ai token budgets across a restart on %s', (dialect) => {
  let sim: GenAiSimulator;
  let schema: TestSchema | undefined;
  let dataDir: string;
  let pb: TestPlugboard | undefined;

  const settings = {
    'plugboard.tasks.pollInterval': '200ms',
    // Reached after a few runs, in a space of its own; the type's budget stays far away.
    'plugboard.actions.flowControl.connectors': { 'ai-day': { tokensPerDay: 40 } },
    'plugboard.actions.flowControl.types': { '.gen-ai': { tokensPerDay: 1_000_000 } },
  };
  const start = async () => (pb = await startTestPlugboard({ dialect, dataDir, databaseUrl: schema?.url, settings }));

  beforeAll(async () => {
    sim = await startGenAiSimulator({ apiKey: KEY, models: ['llama3'] });
    schema = dialect === 'postgres' ? await createPostgresSchema() : undefined;
    dataDir = mkdtempSync(path.join(tmpdir(), 'plugboard-budgets-'));
  });
  afterAll(async () => {
    await pb?.plugboard.close();
    await schema?.drop();
    rmSync(dataDir, { recursive: true, force: true });
    await sim?.close();
  });

  const execute = (id: string) => pb!.api('POST', `/s/team/api/actions/connector/${id}/_execute`, { params: HELLO });
  const untilOf = (refused: { body: { message: string } }) => Date.parse(/try again after (\S+)$/.exec(refused.body.message)![1]);

  it('_execute stays refused with 429 and the Retry-After of the recorded spending; a queued action waits', async () => {
    await start();
    expect((await pb!.api('POST', '/api/spaces/space', { id: 'team', name: 'Team' })).status).toBe(200);
    const config = { apiProvider: 'Other', apiUrl: `${sim.url}/v1/chat/completions`, defaultModel: 'llama3' };
    for (const id of ['ai-day', 'ai-other']) {
      const created = await pb!.api('POST', `/s/team/api/actions/connector/${id}`, { name: id, connector_type_id: '.gen-ai', config, secrets: { apiKey: KEY } });
      expect(created.status, created.text).toBe(200);
    }
    // Runs until the day budget is reached (its usage is counted once the run's event is written).
    const before = await eventually(
      async () => {
        const res = await execute('ai-day');
        if (res.status === 429) return res;
        expect(res.body.status, res.text).toBe('ok');
        return undefined;
      },
      20_000,
      "ai-day's day budget to be spent",
    );
    const spentUntil = untilOf(before);
    await pb!.plugboard.close();
    pb = undefined;

    await start();
    const requests = sim.requests.length;
    const asked = Date.now();
    const refused = await execute('ai-day');
    const answered = Date.now();
    expect(refused.status, refused.text).toBe(429);
    expect(refused.body.message).toMatch(/^Connector ai-day has used its token budget \(plugboard\.actions\.flowControl tokensPerDay: 40\); try again after /);
    // Read back by the minute and dated by each minute's latest run: never earlier, at most a minute later.
    const until = untilOf(refused);
    expect(until).toBeGreaterThanOrEqual(spentUntil);
    expect(until - spentUntil).toBeLessThan(60_000);
    const retryAfter = Number(refused.headers['retry-after']);
    expect(retryAfter).toBeGreaterThanOrEqual(Math.ceil((until - answered) / 1000));
    expect(retryAfter).toBeLessThanOrEqual(Math.ceil((until - asked) / 1000));
    expect(sim.requests.length).toBe(requests);

    // Queued: the spent connector's action is not claimed, the other's runs.
    const enqueue = async (id: string) => {
      const queued = await pb!.api('POST', `/s/team/api/actions/connector/${id}/_enqueue`, { params: HELLO });
      expect(queued.status, queued.text).toBe(202);
      return queued.body.execution_id as string;
    };
    const waiting = await enqueue('ai-day');
    const other = await enqueue('ai-other');
    await eventually(async () => ((await pb!.api('GET', `/s/team/api/actions/execution/${other}`)).body.status === 'ok' ? true : undefined), 20_000, 'the other connector to run');
    const task = await pb!.plugboard.database.db.selectFrom('tasks').selectAll().where('id', '=', waiting).executeTakeFirstOrThrow();
    expect(task).toMatchObject({ status: 'idle', attempts: 0 });
  });
});

