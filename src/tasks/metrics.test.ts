import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sample } from '../../test/helpers/prometheus_text.js';
import { openDatabase, type PlugboardDatabase } from '../storage/database.js';
import { GroupCommit } from '../storage/group_commit.js';
import { FlowControl } from './flow_control.js';
import { connectorTypeOf, createTaskMetrics } from './metrics.js';
import { TaskManager } from './task_manager.js';
import { TaskStore } from './task_store.js';
import type { NewTask, TaskOutcome } from './types.js';

function task(id: string, type: string, extra: Partial<NewTask> = {}): NewTask {
  return { id, type, scope: 'test', spaceId: 'default', params: {}, maxAttempts: 3, ...extra };
}

describe('task metrics', () => {
  let dataDir: string;
  let database: PlugboardDatabase;
  let writes: GroupCommit;
  let store: TaskStore;
  let taskManager: TaskManager;
  let registry: Awaited<ReturnType<typeof createTaskMetrics>>['registry'];
  let outcomes = 0;
  let releaseGate: () => void = () => {};
  const gate = new Promise<void>((resolve) => (releaseGate = resolve));
  const flakyRuns = new Map<string, number>();
  const pausedRuns = new Map<string, number>();

  async function waitFor(condition: () => boolean | Promise<boolean>, what: string): Promise<void> {
    for (let i = 0; i < 500; i++) {
      if (await condition()) return;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    throw new Error(`timed out waiting for ${what}`);
  }

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'plugboard-metrics-'));
    database = await openDatabase({ dataDir });
    const logger = pino({ level: 'silent' });
    writes = new GroupCommit(database.db, logger, { pool: database.pool });
    store = new TaskStore(database, writes);
    taskManager = new TaskManager(
      store,
      new FlowControl({ defaults: { concurrency: 10 }, types: {}, connectors: {} }),
      { maxConcurrency: 8, claimBatchSize: 10, leaseMs: 30_000, pollIntervalMs: 20, defaultTimeoutMs: 10_000, shutdownGraceMs: 1000 },
      logger,
      (t) => connectorTypeOf(t.type),
    );
    const define = (type: string, run: (id: string) => Promise<TaskOutcome>) => taskManager.register({ type, run: (t) => run(t.id) });
    define('actions:.ok', async () => ({ kind: 'succeeded' }));
    define('actions:.bad', async () => ({ kind: 'failed', error: 'bad request' }));
    define('actions:.flaky', async (id) => {
      const runs = (flakyRuns.get(id) ?? 0) + 1;
      flakyRuns.set(id, runs);
      return runs === 1 ? { kind: 'retry', error: 'timeout', runAt: new Date(Date.now() + 20) } : { kind: 'succeeded' };
    });
    define('actions:.exhausted', async () => ({ kind: 'retry', error: 'still down' }));
    define('actions:.limited', async (id) => {
      const runs = (pausedRuns.get(id) ?? 0) + 1;
      pausedRuns.set(id, runs);
      return runs === 1 ? { kind: 'pause', error: '429 Too Many Requests', until: new Date(Date.now() + 50) } : { kind: 'succeeded' };
    });
    define('actions:.slow', async () => {
      await gate;
      return { kind: 'succeeded' };
    });
    define('plugboard:housekeeping', async () => ({ kind: 'succeeded' }));
    // Metrics listen before the counting listener, so a counted outcome is already recorded.
    registry = createTaskMetrics(taskManager, store).registry;
    taskManager.onOutcome(() => outcomes++);
  });

  afterAll(async () => {
    releaseGate();
    await taskManager?.stop();
    await writes?.flush();
    await database?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('reports the queue depth by task type before anything runs', async () => {
    await taskManager.schedule([
      task('ok-1', 'actions:.ok'),
      task('ok-2', 'actions:.ok'),
      task('bad-1', 'actions:.bad'),
      task('flaky-1', 'actions:.flaky'),
      task('exhausted-1', 'actions:.exhausted', { maxAttempts: 1 }),
      task('limited-1', 'actions:.limited', { connectorId: 'connector-1' }),
      task('slow-1', 'actions:.slow'),
      task('house-1', 'plugboard:housekeeping'),
      task('later-1', 'actions:.ok', { runAt: new Date(Date.now() + 3_600_000) }),
    ]);
    const text = await registry.metrics();
    expect(sample(text, 'plugboard_task_queue_depth', { task_type: 'actions:.ok' })).toBe(3);
    expect(sample(text, 'plugboard_task_queue_depth', { task_type: 'actions:.bad' })).toBe(1);
    expect(sample(text, 'plugboard_task_queue_depth', { task_type: 'plugboard:housekeeping' })).toBe(1);
    expect(sample(text, 'plugboard_tasks_running')).toBe(0);
    expect(sample(text, 'plugboard_task_capacity')).toBe(8);
  });

  it('counts outcomes, retries, pauses and durations once the tasks ran', async () => {
    taskManager.start();
    // ok ×2, bad, flaky (retry + success), exhausted, limited (pause + success), housekeeping.
    await waitFor(() => outcomes >= 9, 'nine outcomes');
    let text = await registry.metrics();
    expect(sample(text, 'plugboard_tasks_running')).toBe(1);

    await new Promise((resolve) => setTimeout(resolve, 30));
    releaseGate();
    await waitFor(() => outcomes >= 10, 'the slow task');
    text = await registry.metrics();

    const executions = (type: string, outcome: string) =>
      sample(text, 'plugboard_action_executions_total', { connector_type: type, outcome, source: 'queue' }) ?? 0;
    expect(executions('.ok', 'success')).toBe(2);
    expect(executions('.bad', 'failure')).toBe(1);
    expect(executions('.flaky', 'retry')).toBe(1);
    expect(executions('.flaky', 'success')).toBe(1);
    // A retry on the last attempt fails the task for good.
    expect(executions('.exhausted', 'failure')).toBe(1);
    expect(executions('.exhausted', 'retry')).toBe(0);
    expect(executions('.limited', 'paused')).toBe(1);
    expect(executions('.limited', 'success')).toBe(1);
    expect(executions('plugboard:housekeeping', 'success')).toBe(1);

    expect(sample(text, 'plugboard_task_retries_total', { task_type: 'actions:.flaky' })).toBe(1);
    expect(sample(text, 'plugboard_task_retries_total', { task_type: 'actions:.exhausted' })).toBeUndefined();
    expect(sample(text, 'plugboard_connector_pauses_total', { connector_type: '.limited' })).toBe(1);

    const hist = 'plugboard_action_execution_duration_seconds';
    expect(sample(text, `${hist}_count`, { connector_type: '.flaky', source: 'queue' })).toBe(2);
    expect(sample(text, `${hist}_bucket`, { connector_type: '.ok', le: '60' })).toBe(2);
    expect(sample(text, `${hist}_bucket`, { connector_type: '.ok', le: '+Inf' })).toBe(2);
    expect(sample(text, `${hist}_bucket`, { connector_type: '.ok', le: '0.005' })).toBeDefined();
    expect(sample(text, `${hist}_sum`, { connector_type: '.slow' })).toBeGreaterThanOrEqual(0.03);

    // Drained types drop to 0 instead of vanishing; the future task is still queued.
    expect(sample(text, 'plugboard_task_queue_depth', { task_type: 'actions:.bad' })).toBe(0);
    expect(sample(text, 'plugboard_task_queue_depth', { task_type: 'actions:.ok' })).toBe(1);
    expect(sample(text, 'plugboard_tasks_running')).toBe(0);
  });

  it('counts runs outside the queue under their own source, next to the queued ones', async () => {
    const metrics = createTaskMetrics(taskManager, store);
    metrics.executions.record('http_request', '.ok', true, 20);
    metrics.executions.record('http_request', '.ok', false, 40);
    metrics.executions.record('test', '.ok', true, 5);
    const text = await metrics.registry.metrics();
    const executions = (source: string, outcome: string) => sample(text, 'plugboard_action_executions_total', { connector_type: '.ok', outcome, source });
    expect(executions('http_request', 'success')).toBe(1);
    expect(executions('http_request', 'failure')).toBe(1);
    expect(executions('test', 'success')).toBe(1);
    expect(executions('test', 'failure')).toBeUndefined();
    const hist = 'plugboard_action_execution_duration_seconds';
    expect(sample(text, `${hist}_count`, { connector_type: '.ok', source: 'http_request' })).toBe(2);
    expect(sample(text, `${hist}_sum`, { connector_type: '.ok', source: 'http_request' })).toBeCloseTo(0.06);
    expect(sample(text, `${hist}_bucket`, { connector_type: '.ok', source: 'test', le: '0.005' })).toBe(1);
  });

  it('includes the default process metrics with the plugboard_ prefix', async () => {
    const text = await registry.metrics();
    expect(text).toContain('# TYPE plugboard_process_cpu_user_seconds_total counter');
    expect(text).toContain('# TYPE plugboard_nodejs_heap_size_used_bytes gauge');
    expect(registry.contentType).toMatch(/^text\/plain; version=0\.0\.4/);
  });

  it('lets several instances live in one process', () => {
    expect(() => createTaskMetrics(taskManager, store)).not.toThrow();
  });
});
