import { expect } from 'vitest';
import { z } from 'zod';
import { ACTIONS_TASK_SCOPE } from '../../src/actions/actions_client.js';
import { RULE_TASK_SCOPE } from '../../src/alerting/rules_client.js';
import { defineRuleType } from '../../src/alerting/types.js';
import type { RuleEventDocument } from '../../src/event_log/document.js';
import type { TestPlugboard } from './plugboard.js';
import { eventually } from './wait.js';

// Rule runs driven by a test: `_run_soon` instead of waiting for a schedule, and a rule type
// whose alerts each run are those the test set for the rule beforehand.

export interface DrivenAlert {
  id: string;
  /** `firing` (the default group) or `critical`. */
  group?: string;
  context?: Record<string, unknown>;
  state?: Record<string, unknown>;
}

/** The alerts the next runs of each rule (by id) report. */
export class DrivenAlerts {
  private readonly byRule = new Map<string, DrivenAlert[]>();

  private readonly holds = new Map<string, Promise<void>>();

  private readonly failures = new Map<string, string>();

  set(ruleId: string, alerts: DrivenAlert[]): void {
    this.byRule.set(ruleId, alerts);
  }

  /** The rule's next runs throw with `message` (a failed run); undefined: they succeed again. */
  fail(ruleId: string, message: string | undefined): void {
    if (message === undefined) this.failures.delete(ruleId);
    else this.failures.set(ruleId, message);
  }

  /** The rule's next runs wait in the executor until the returned function is called. */
  hold(ruleId: string): () => void {
    let release!: () => void;
    this.holds.set(ruleId, new Promise<void>((resolve) => (release = resolve)));
    return () => {
      this.holds.delete(ruleId);
      release();
    };
  }

  /** `test.driven`: reports the alerts set for the rule; a recovered alert's context names it. */
  readonly ruleType = defineRuleType({
    id: 'test.driven',
    name: 'Driven by the test',
    category: 'management',
    producer: 'alerts',
    minimumLicenseRequired: 'basic',
    isExportable: true,
    actionGroups: [
      { id: 'firing', name: 'Firing' },
      { id: 'critical', name: 'Critical' },
    ],
    defaultActionGroupId: 'firing',
    doesSetRecoveryContext: true,
    actionVariables: { context: [{ name: 'message', description: 'What the test said' }] },
    schemas: { params: z.object({ label: z.string().optional() }) },
    executor: async ({ rule, services, state }) => {
      await this.holds.get(rule.id);
      const failure = this.failures.get(rule.id);
      if (failure !== undefined) throw new Error(failure);
      for (const alert of this.byRule.get(rule.id) ?? []) {
        services.alerts.report({ id: alert.id, actionGroup: alert.group ?? 'firing', context: alert.context, state: alert.state });
      }
      for (const recovered of services.alerts.getRecoveredAlerts()) recovered.setContext({ message: `${recovered.id} is back to normal` });
      return { state: { runs: Number(state.runs ?? 0) + 1 } };
    },
  });
}

/**
 * Drives a server's rule runs: each run is awaited through the task manager's outcomes, and
 * then every action it queued, so that a sink has all of a run's requests when a call returns.
 */
export class RuleRuns {
  private readonly runs = new Map<string, number>();
  private readonly waiters = new Set<() => void>();

  constructor(private readonly pb: TestPlugboard) {
    pb.plugboard.taskManager.onOutcome((task) => {
      if (task.scope !== RULE_TASK_SCOPE) return;
      this.runs.set(task.id, (this.runs.get(task.id) ?? 0) + 1);
      for (const wake of this.waiters) wake();
    });
  }

  /** Creates a rule (enabled, schedule 1h unless given) and waits for its first run and actions. */
  async create(id: string, body: Record<string, unknown>, space = ''): Promise<any> {
    const before = this.count(id);
    const created = await this.pb.api('POST', `${space}/api/alerting/rule/${id}`, { consumer: 'alerts', schedule: { interval: '1h' }, params: {}, ...body });
    expect(created.status, created.text).toBe(200);
    await this.ranAgain(id, before);
    return this.rule(id, space);
  }

  /** `_run_soon`, then waits for the run and its actions; answers the rule after the run. */
  async runSoon(id: string, space = ''): Promise<any> {
    const before = this.count(id);
    const answer = await this.pb.api('POST', `${space}/internal/alerting/rule/${id}/_run_soon`);
    expect(answer.status, answer.text).toBe(204);
    await this.ranAgain(id, before);
    return this.rule(id, space);
  }

  async rule(id: string, space = ''): Promise<any> {
    const got = await this.pb.api('GET', `${space}/api/alerting/rule/${id}`);
    expect(got.status, got.text).toBe(200);
    return got.body;
  }

  /** The rule task's state after its last run (`alertInstances`, `alertTypeState`…). */
  async taskState(id: string): Promise<Record<string, any>> {
    const task = await this.pb.plugboard.taskStore.get(id);
    expect(task, `the task of rule ${id}`).toBeDefined();
    return task!.state;
  }

  /** Resolves after the rule's next run (counted from this call) and its actions. */
  awaitRun(id: string): Promise<void> {
    return this.ranAgain(id, this.count(id));
  }

  private count(id: string): number {
    return this.runs.get(id) ?? 0;
  }

  private async ranAgain(id: string, before: number): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(new Error(`timed out waiting for a run of rule ${id}`));
      }, 20_000);
      const check = () => {
        if (this.count(id) <= before) return;
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve();
      };
      this.waiters.add(check);
      check();
    });
    await this.actionsDone();
  }

  /** Every queued action has run (the sinks have their requests). */
  async actionsDone(): Promise<void> {
    await eventually(async () => ((await this.pb.plugboard.taskStore.countActive(ACTIONS_TASK_SCOPE)) === 0 ? true : undefined), 20_000, 'the queued actions to run');
  }
}

/** A `.webhook` connector's config posting JSON to `url`. */
export const webhookConfig = (url: string) => ({ url, method: 'post', headers: { 'content-type': 'application/json' }, hasAuth: false });

/** A rule's own events (provider `alerting`), oldest first, once every pending write is in. */
export async function ruleEventsOf(pb: TestPlugboard, ruleId: string): Promise<RuleEventDocument[]> {
  await pb.plugboard.flushWrites();
  const rows = await pb.plugboard.database.db.selectFrom('event_log').select('document').where('rule_id', '=', ruleId).where('provider', '=', 'alerting').orderBy('id').execute();
  return rows.map((r) => JSON.parse(r.document) as RuleEventDocument);
}
