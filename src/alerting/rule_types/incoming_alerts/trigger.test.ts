import pino from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { AlertChange, IncomingAlert } from '../../../ingest/types.js';
import { IncomingAlertsTrigger } from './trigger.js';

// Which incoming-alerts rules a post runs at once, and how bursts coalesce (dirty marks).

const alert = (labels: Record<string, string>): IncomingAlert => ({
  spaceId: 'default',
  fingerprint: JSON.stringify(labels),
  labels,
  annotations: {},
  startsAt: '2026-01-01T00:00:00.000Z',
  endsAt: '2026-01-01T00:05:00.000Z',
  timeout: true,
  generatorURL: '',
  updatedAt: '2026-01-01T00:00:00.000Z',
  firstSeenAt: '2026-01-01T00:00:00.000Z',
  source: 'alertmanager-api',
});
const changed = (change: AlertChange, labels: Record<string, string>) => [{ alert: alert(labels), change }];

const RULES = [
  { id: 'latency', alertTypeId: 'plugboard.incoming-alerts', enabled: true, params: { matchers: ['alertname="HighLatency"'] }, scheduledTaskId: 'latency' },
  { id: 'everything', alertTypeId: 'plugboard.incoming-alerts', enabled: true, params: { matchers: [] }, scheduledTaskId: null },
  { id: 'disk', alertTypeId: 'plugboard.incoming-alerts', enabled: true, params: { matchers: ['alertname="DiskFull"'] }, scheduledTaskId: 'disk' },
  { id: 'disabled', alertTypeId: 'plugboard.incoming-alerts', enabled: false, params: { matchers: [] }, scheduledTaskId: 'disabled' },
  { id: 'threshold', alertTypeId: '.index-threshold', enabled: true, params: {}, scheduledTaskId: 'threshold' },
  { id: 'broken', alertTypeId: 'plugboard.incoming-alerts', enabled: true, params: { matchers: ['bad matcher'] }, scheduledTaskId: 'broken' },
];

function setup(answer: (taskId: string) => 'scheduled' | 'running' | 'missing' = () => 'scheduled', retryMs = 60_000) {
  const calls: string[] = [];
  const spaces: string[] = [];
  const trigger = new IncomingAlertsTrigger({
    rules: {
      listBySpace: async (spaceId) => {
        spaces.push(spaceId);
        return RULES;
      },
    },
    runSoon: async (taskId) => {
      calls.push(taskId);
      return answer(taskId);
    },
    logger: pino({ level: 'silent' }),
    retryMs,
  });
  return { trigger, calls, spaces };
}

describe('incoming alerts trigger', () => {
  afterEach(() => vi.useRealTimers());

  it('runs the enabled incoming-alerts rules of the space whose matchers select a changed alert', async () => {
    const { trigger, calls, spaces } = setup();
    trigger.alertsChanged('ops', changed('new', { alertname: 'HighLatency', severity: 'page' }));
    await trigger.settled();
    expect(spaces).toEqual(['ops']);
    expect(calls.sort()).toEqual(['everything', 'latency']);
    for (const change of ['updated', 'resolved', 'refired'] as const) {
      calls.length = 0;
      trigger.alertsChanged('ops', changed(change, { alertname: 'DiskFull' }));
      await trigger.settled();
      expect(calls.sort(), change).toEqual(['disk', 'everything']);
    }
  });

  it('does nothing for a post that changed nothing', async () => {
    const { trigger, calls, spaces } = setup();
    trigger.alertsChanged('ops', changed('unchanged', { alertname: 'HighLatency' }));
    trigger.alertsChanged('ops', []);
    await trigger.settled();
    expect(spaces).toEqual([]);
    expect(calls).toEqual([]);
  });

  it('marks a running rule dirty once, however many posts arrive, and runs it once more when its run ends', async () => {
    const running = new Set(['latency']);
    const { trigger, calls } = setup((id) => (running.has(id) ? 'running' : 'scheduled'));
    for (let i = 0; i < 3; i++) trigger.alertsChanged('ops', changed('new', { alertname: 'HighLatency', n: String(i) }));
    await trigger.settled();
    expect(calls.filter((c) => c === 'latency')).toHaveLength(3);
    running.delete('latency');
    calls.length = 0;
    trigger.runFinished('latency');
    trigger.runFinished('latency');
    trigger.runFinished('everything');
    await trigger.settled();
    expect(calls).toEqual(['latency']);
    // Clean again: the end of the next run asks for nothing more.
    calls.length = 0;
    trigger.runFinished('latency');
    await trigger.settled();
    expect(calls).toEqual([]);
  });

  it('tries again after retryMs when it does not see the run end (a run of another instance)', async () => {
    vi.useFakeTimers();
    let running = true;
    const { trigger, calls } = setup((id) => (id === 'disk' && running ? 'running' : 'scheduled'), 1000);
    trigger.alertsChanged('ops', changed('new', { alertname: 'DiskFull' }));
    await trigger.settled();
    calls.length = 0;
    await vi.advanceTimersByTimeAsync(1000);
    await trigger.settled();
    expect(calls).toEqual(['disk']);
    // Still running: marked again, and tried again after another retryMs.
    running = false;
    calls.length = 0;
    await vi.advanceTimersByTimeAsync(1000);
    await trigger.settled();
    expect(calls).toEqual(['disk']);
    calls.length = 0;
    await vi.advanceTimersByTimeAsync(5000);
    expect(calls).toEqual([]);
    await trigger.close();
  });
});
