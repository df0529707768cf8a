// Which sender's payload a body is (reference cases-and-alert-ingest.md §4.3), so that a route
// can say "this is a Grafana payload, post it to the Grafana route" instead of a field error, and
// legacy Grafana alerting's body is recognised and refused with a message that says what to use.

import { PayloadRefusal, isPlainObject } from './payload.js';

export type PayloadShape = 'alertmanager-api' | 'alertmanager-webhook' | 'grafana-webhook' | 'grafana-legacy' | 'unknown';

/**
 * The shape of a parsed JSON body, by §4.3's table: an array is a v2 `postableAlerts` POST; an
 * object with `version: "4"` and `groupKey` is Alertmanager's webhook; `version: "1"` with
 * `orgId` and `state` is Grafana's webhook; `evalMatches` or `ruleId` is legacy Grafana.
 */
export function detectPayloadShape(body: unknown): PayloadShape {
  if (Array.isArray(body)) return 'alertmanager-api';
  if (!isPlainObject(body)) return 'unknown';
  if (body.version === '4' && 'groupKey' in body) return 'alertmanager-webhook';
  if (body.version === '1' && 'orgId' in body && 'state' in body) return 'grafana-webhook';
  if ('evalMatches' in body || 'ruleId' in body) return 'grafana-legacy';
  return 'unknown';
}

/**
 * Refuses legacy Grafana alerting's body (`ruleId`, `evalMatches`; Grafana before 8, removed in
 * 11), which has no labels to identify alerts by; the message says what to use instead.
 */
export function refuseLegacyGrafana(body: Record<string, unknown>): never {
  const field = 'evalMatches' in body ? 'evalMatches' : 'ruleId';
  throw new PayloadRefusal(
    field,
    'this is a legacy Grafana alerting notification (before Grafana 8), which is not supported: use a webhook contact point of Grafana Alerting, which sends payload version "1"',
  );
}

