import { describe, expect, it } from 'vitest';
import type { AnyEventDocument, RuleEventDocument } from '../event_log/document.js';
import { alertsStoppedByDisable } from './alerts/lifecycle.js';
import { RuleRunEvents } from './rule_event_log.js';

// The documents of a disable and of a warning run, field by field (the rule run's others are
// checked end to end in test/rule_events.test.ts).

function recorder() {
  const docs: RuleEventDocument[] = [];
  const sink = { log: async (doc: AnyEventDocument) => void docs.push(doc as RuleEventDocument) };
  const rule = { id: 'r1', name: 'CPU', ruleTypeId: '.index-threshold', consumer: 'alerts', revision: 2, producer: 'stackAlerts', license: 'basic' };
  const at = new Date('2026-01-02T03:04:05.000Z');
  return { docs, events: new RuleRunEvents(sink, { executionId: 'exec-1', spaceId: 'default', rule }, at), at };
}

describe('rule events', () => {
  it.each([
    [false, 'recovered-instance', "instance 'a' has recovered due to the rule was disabled"],
    [true, 'untracked-instance', "instance 'a' has been untracked because the rule was disabled"],
  ])('a disable (untrack %s) writes %s for each tracked alert, with the span of its state and its group', (untrack, action, message) => {
    const { docs, events } = recorder();
    const instances = { a: { state: { start: '2026-01-02T03:00:05.000Z', duration: String(180_000 * 1_000_000) }, meta: { uuid: 'uuid-a', flapping: true, lastScheduledActions: { group: 'threshold met', date: '2026-01-02T03:00:05.000Z' } } } };
    for (const alert of alertsStoppedByDisable(instances, { untrack })) events.stopped(alert);
    expect(docs).toEqual([
      {
        '@timestamp': expect.any(String),
        event: { provider: 'alerting', action, kind: 'alert', category: ['stackAlerts'], start: '2026-01-02T03:00:05.000Z', duration: String(180_000 * 1_000_000) },
        kibana: {
          alert: { uuid: 'uuid-a', rule: { rule_type_id: '.index-threshold', consumer: 'alerts', revision: 2, execution: { uuid: 'exec-1' } } },
          alerting: { instance_id: 'a', action_group_id: 'threshold met' },
          saved_objects: [{ rel: 'primary', type: 'alert', id: 'r1', type_id: '.index-threshold' }],
          space_ids: ['default'],
          version: expect.any(String),
        },
        rule: { id: 'r1', license: 'basic', category: '.index-threshold', ruleset: 'stackAlerts', name: 'CPU' },
        message,
      },
    ]);
  });

  it('a warning run: success with the warning as message, outcome and reason', () => {
    const { docs, events, at } = recorder();
    events.end({ outcome: 'warning', status: 'warning', reason: 'maxExecutableActions', text: 'The maximum number of actions for this rule type was reached; excess actions were not triggered.' }, new Date(at.getTime() + 7));
    expect(docs[0]).toMatchObject({
      event: { action: 'execute', outcome: 'success', reason: 'maxExecutableActions', start: at.toISOString(), duration: '7000000' },
      kibana: { alerting: { outcome: 'warning', status: 'warning' } },
      message: 'The maximum number of actions for this rule type was reached; excess actions were not triggered.',
    });
    expect(docs[0].error).toBeUndefined();
  });
});
