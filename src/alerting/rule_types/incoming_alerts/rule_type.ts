import { matchesLabels } from '../../../ingest/matchers.js';
import { isResolved, type IncomingAlert, type IncomingAlertStore, type SilenceLookup } from '../../../ingest/types.js';
import { defineRuleType, type ActionVariable, type RuleTypeDefinition } from '../../types.js';
import { planGroups, type GroupableAlert, type GroupState } from './grouping.js';
import { incomingAlertsParamsSchema, parsePrometheusDuration, ruleMatchers, type IncomingAlertsParams } from './params.js';

// Plugboard's own rule type for alerts that Prometheus, Alertmanager or Grafana send (issue 19):
// each incoming alert of the rule's space that its matchers select is an alert of the rule, by
// fingerprint; a resolved or forgotten one recovers; a silenced one is muted while silenced.

export const INCOMING_ALERTS_RULE_TYPE_ID = 'plugboard.incoming-alerts';
export const FIRING_ACTION_GROUP = { id: 'firing', name: 'Firing' };

export interface IncomingAlertsDeps {
  incomingAlerts: Pick<IncomingAlertStore, 'list'>;
  silences: SilenceLookup;
  /** The time of a run (tests drive it); the run's start when absent. */
  clock?: () => Date;
}

/** What a rule keeps between runs: its summary groups, by group key. */
export type IncomingAlertsState = { groups?: Record<string, GroupState> };

/** What each alert's actions see, under `context.*` and `alert.*`. */
export interface IncomingAlertVariables {
  fingerprint: string;
  status: 'firing' | 'resolved';
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  generatorURL: string;
}

const ALERT_FIELDS: ActionVariable[] = [
  { name: 'labels', description: 'The alert\'s labels, such as labels.alertname or labels.severity.' },
  { name: 'annotations', description: 'The alert\'s annotations, such as annotations.summary or annotations.description.' },
  { name: 'generatorURL', description: 'The address of what sent the alert (the Prometheus expression), if given.' },
  { name: 'startsAt', description: 'When the alert started (ISO time).' },
  { name: 'endsAt', description: 'When the alert ends or ended (ISO time); for a firing alert sent without one, its resolve timeout.' },
  { name: 'fingerprint', description: 'The fingerprint of its label set, as Alertmanager computes it; also the id of the alert.' },
  { name: 'status', description: 'firing or resolved.' },
];

const SUMMARY_VARIABLES: ActionVariable[] = [
  { name: 'group.labels', description: 'The labels of the group (the group_by labels of its alerts), such as group.labels.alertname.' },
  { name: 'group.key', description: 'The key of the group: its labels, sorted, as JSON.' },
  { name: 'alerts.all.data', description: 'The alerts of the group, each with labels, annotations, generatorURL, startsAt, endsAt, fingerprint and status.' },
];

const PARAMS_VARIABLES: ActionVariable[] = [
  { name: 'matchers', description: 'The Alertmanager matchers an incoming alert must satisfy (none: every alert).' },
  { name: 'group_by', description: 'The labels that group alerts in summaries (["..."]: every label).' },
  { name: 'group_wait', description: 'How long a new group waits before its first notification.' },
  { name: 'group_interval', description: 'How long a group waits before notifying about changes.' },
  { name: 'repeat_interval', description: 'How long before an unchanged, still firing group is notified again.' },
];

export function alertVariables(alert: IncomingAlert, now: number): IncomingAlertVariables {
  return {
    fingerprint: alert.fingerprint,
    status: isResolved(alert, now) ? 'resolved' : 'firing',
    labels: alert.labels,
    annotations: alert.annotations,
    startsAt: alert.startsAt,
    endsAt: alert.endsAt,
    generatorURL: alert.generatorURL,
  };
}

export function incomingAlertsRuleType(deps: IncomingAlertsDeps): RuleTypeDefinition<IncomingAlertsParams, IncomingAlertsState> {
  return defineRuleType<IncomingAlertsParams, IncomingAlertsState>({
    id: INCOMING_ALERTS_RULE_TYPE_ID,
    name: 'Incoming alerts',
    category: 'management',
    producer: 'plugboard',
    minimumLicenseRequired: 'basic',
    isExportable: true,
    actionGroups: [FIRING_ACTION_GROUP],
    defaultActionGroupId: FIRING_ACTION_GROUP.id,
    defaultScheduleInterval: '1m',
    doesSetRecoveryContext: true,
    actionVariables: { context: ALERT_FIELDS, params: PARAMS_VARIABLES, alert: ALERT_FIELDS, summary: SUMMARY_VARIABLES },
    schemas: { params: incomingAlertsParamsSchema },
    async executor({ params, rule, spaceId, services, startedAt, state }) {
      const at = deps.clock?.() ?? startedAt;
      const now = at.getTime();
      const matchers = ruleMatchers(params);
      const all = (await deps.incomingAlerts.list(spaceId)).filter((alert) => matchesLabels(matchers, alert.labels));
      const byFingerprint = new Map(all.map((alert) => [alert.fingerprint, alert]));
      const silenced = async (alert: IncomingAlert) => (await deps.silences.silencedBy(spaceId, alert.labels, at)).length > 0;

      const { alerts } = services;
      const limit = alerts.getAlertLimitValue();
      // Oldest first, so that the alerts over the limit are the latest to arrive.
      const firing = all.filter((alert) => !isResolved(alert, now)).sort((a, b) => a.firstSeenAt.localeCompare(b.firstSeenAt) || a.fingerprint.localeCompare(b.fingerprint));
      const grouped: GroupableAlert[] = [];
      const silencedNow = new Set<string>();
      for (const alert of firing.slice(0, limit)) {
        const variables = alertVariables(alert, now);
        // A silenced alert stays active (it does not recover) but notifies nothing, as Kibana's muted alerts.
        const muted = await silenced(alert);
        alerts.report({ id: alert.fingerprint, actionGroup: FIRING_ACTION_GROUP.id, context: { ...variables }, payload: { ...variables }, muted });
        if (muted) silencedNow.add(alert.fingerprint);
        else grouped.push({ fingerprint: alert.fingerprint, labels: alert.labels, startsAt: Date.parse(alert.startsAt), variables: { ...variables } });
      }
      alerts.setAlertLimitReached(firing.length > limit);

      for (const recovered of alerts.getRecoveredAlerts()) {
        const alert = byFingerprint.get(recovered.id);
        // Gone from the store (past its retention, or no longer selected by the matchers): only its fingerprint is known.
        const variables: Partial<IncomingAlertVariables> = alert ? alertVariables(alert, now) : { fingerprint: recovered.id, status: 'resolved' };
        recovered.setContext({ ...variables });
        recovered.setPayload({ ...variables });
        if (alert && (await silenced(alert))) recovered.mute();
      }

      // Summary actions notify per group of `group_by`, on Alertmanager's timers; without any, no group is kept nor woken for.
      if (!rule.hasSummaryActions) return { state: {} };
      const plan = planGroups({
        previous: state.groups ?? {},
        firing: grouped,
        silenced: silencedNow,
        resolved: (fp) => {
          const alert = byFingerprint.get(fp);
          return alert ? { ...alertVariables(alert, now), status: 'resolved' } : { fingerprint: fp, status: 'resolved' };
        },
        groupBy: params.group_by,
        timers: {
          groupWaitMs: parsePrometheusDuration(params.group_wait)!,
          groupIntervalMs: parsePrometheusDuration(params.group_interval)!,
          repeatIntervalMs: parsePrometheusDuration(params.repeat_interval)!,
        },
        now,
      });
      alerts.setSummaryGroups(plan.due);
      // The next due group, on the run's own time line.
      const nextRun = plan.nextDue === undefined ? undefined : new Date(startedAt.getTime() + (plan.nextDue - now));
      return { state: { groups: plan.groups }, ...(nextRun ? { nextRun } : {}) };
    },
  });
}
