import { describe, expect, it } from 'vitest';
import { childServerFixtures, type ChildServer } from './helpers/child_server.js';
import { availableDialects } from './helpers/databases.js';
import { eventually } from './helpers/wait.js';

// Ctrl-C while a queued action hangs at its destination: the attempt is cut short, released
// (not failed), and after a restart on the same data the action runs as the next attempt.

const dialects = await availableDialects();

interface EventDoc {
  event: { action: string; outcome?: string };
  kibana: { action: { execution: { attempt: number } } };
  message: string;
}

const summary = (events: EventDoc[]) => events.map((e) => [e.kibana.action.execution.attempt, e.event.action, e.event.outcome ?? null]);

describe.each(dialects)('an action cut short by shutdown on %s', (dialect) => {
  const fixtures = childServerFixtures();

  it(
    'is released on SIGINT, not failed, and runs after a restart as the next attempt, with the history saying why',
    async () => {
      const sink = await fixtures.sink({ delayMs: 0 });
      const data = await fixtures.data(dialect, [
        'plugboard.tasks.shutdownGrace: 200ms',
        'plugboard.tasks.pollInterval: 200ms',
        // One attempt allowed: an interruption that counted would leave none.
        'xpack.actions.run.maxAttempts: 1',
      ]);
      const { start } = data;

      const first: ChildServer = await start();
      const created = await first.api('POST', '/api/actions/connector/hanging-hook', {
        name: 'hanging-hook',
        connector_type_id: '.webhook',
        config: { url: `${sink.url}/deliver`, hasAuth: false },
      });
      expect(created.status, created.text).toBe(200);
      sink.hold();
      const queued = await first.api('POST', '/api/actions/connector/hanging-hook/_enqueue', { params: { body: JSON.stringify({ n: 1 }) } });
      expect(queued.status, queued.text).toBe(202);
      const id: string = queued.body.execution_id;
      await eventually(() => (sink.counts.get(1) === 1 ? true : undefined), 30_000, 'the action to reach the sink');
      const running = await first.api('GET', `/api/actions/execution/${id}`);
      expect(running.body).toMatchObject({ status: 'running', attempts: 1, interrupted_attempts: 0, max_attempts: 1 });
      expect(running.body.next_attempt_at).toBeUndefined();

      expect(await first.stop('SIGINT'), first.output()).toEqual({ code: 0, signal: null });
      sink.release();

      const second = await start();
      const done = await eventually(
        async () => {
          const res = await second.api('GET', `/api/actions/execution/${id}`);
          return res.body?.status === 'ok' ? res.body : undefined;
        },
        60_000,
        'the action to run again after the restart',
      );
      expect(done).toMatchObject({ status: 'ok', attempts: 2, interrupted_attempts: 1, max_attempts: 1 });
      expect(sink.counts.get(1)).toBe(2);
      const history = [
        [1, 'execute-start', null],
        [1, 'execute-interrupted', null],
        [2, 'execute-start', null],
        [2, 'execute', 'success'],
      ];
      expect(summary(done.events)).toEqual(history);
      const interrupted = (done.events as EventDoc[]).find((e) => e.event.action === 'execute-interrupted')!;
      expect(interrupted.message).toBe('action execution interrupted by shutdown and released to the queue: .webhook:hanging-hook: hanging-hook');

      // The Logs page reads the same history, and counts the execution a success, never a failure.
      const logEvents = await second.api('GET', `/internal/actions/execution_events/${id}`);
      expect(summary(logEvents.body)).toEqual(history);
      const kpi = await second.api('POST', '/internal/actions/_global_connector_execution_kpi', { date_start: 'now-1h' });
      expect(kpi.body).toEqual({ success: 1, unknown: 0, failure: 0, warning: 0 });
      const failures = await second.api('POST', '/internal/actions/_global_connector_execution_logs', {
        date_start: 'now-1h',
        filter: 'event.outcome:failure',
        page: 1,
        per_page: 10,
      });
      expect(failures.body.total, failures.text).toBe(0);
      expect(await second.stop('SIGTERM'), second.output()).toEqual({ code: 0, signal: null });
    },
    180_000,
  );
});
