// Alertmanager's webhook_config payload, `version: "4"` (notify/webhook, template.Data): the
// alerts of one notification of a group, each with its status, labels, annotations, times,
// generatorURL and fingerprint, and the group's key, receiver and labels around them.
//
// Times: a firing alert's `endsAt` is Go's zero time (Alertmanager hides a future end), so a
// firing alert has no end here; a resolved alert keeps the end Alertmanager gives it (never
// later than now). The per-alert `status` decides, not the top-level one (which is `resolved`
// only when every alert is).
//
// The fingerprint: Alertmanager computes it from exactly the labels it sends, so an alert whose
// labels do not hash to its `fingerprint` was rewritten on the way (a proxy, a hand-made body,
// a custom `payload` template that changed the labels). Such an alert is left out with an
// error naming `alerts[i].fingerprint` (the others are kept): storing it would create an alert
// under an id that the sender's UI, silences and logs do not show, and its resolution, sent with
// the sender's labels, might never meet it. Alertmanager does not retry a 4xx, so refusing does
// not make it resend in a loop; its log shows the failed notification.

import { labelsFingerprint } from './fingerprint.js';
import { PayloadRefusal, alertList, isPlainObject, labelMap, optionalString, parseEach, webhookAlert, webhookGroup, type ParsedPayload, type WebhookGroup } from './payload.js';
import { refuseLegacyGrafana } from './payload_shape.js';
import type { PostedAlert } from './types.js';

/** The notification's group, kept for grouping and for correlating tickets with it. */
export type AlertmanagerGroup = WebhookGroup;

/** One alert of the payload; throws a PayloadRefusal naming its field. */
function parseAlert(item: unknown, field: string, now: Date): PostedAlert {
  if (!isPlainObject(item)) throw new PayloadRefusal(field, 'must be an object');
  if (item.labels === undefined) throw new PayloadRefusal(`${field}.labels`, 'is required');
  const labels = labelMap(item.labels, `${field}.labels`, 'label set');
  const fingerprint = optionalString(item.fingerprint, `${field}.fingerprint`);
  if (fingerprint) {
    const computed = labelsFingerprint(labels);
    if (fingerprint !== computed) {
      throw new PayloadRefusal(`${field}.fingerprint`, `"${fingerprint}" is not the fingerprint of the alert's labels (${computed})`);
    }
  }
  return webhookAlert(item, field, now, labels, labelMap(item.annotations, `${field}.annotations`, 'annotations'));
}

/**
 * Reads an Alertmanager webhook payload (a parsed JSON body). Throws a PayloadRefusal for a
 * body that is not one (wrong `version`, no `alerts` array); an alert that is not valid is
 * left out with a message in `errors`.
 */
export function parseAlertmanagerWebhook(body: unknown, now: Date): ParsedPayload<AlertmanagerGroup> {
  if (!isPlainObject(body)) throw new PayloadRefusal('body', 'must be a JSON object (an Alertmanager webhook payload)');
  if (body.version !== '4') {
    if ('evalMatches' in body || 'ruleId' in body) refuseLegacyGrafana(body);
    const hint = body.version === '1' && 'orgId' in body ? ' (this is a Grafana webhook payload: use the Grafana route)' : '';
    throw new PayloadRefusal('version', `must be "4" (Alertmanager webhook payload), got ${JSON.stringify(body.version)}${hint}`);
  }
  if (typeof body.groupKey !== 'string') throw new PayloadRefusal('groupKey', 'is required (a string)');
  const group = webhookGroup(body);
  const { values, errors } = parseEach(alertList(body), 'alerts', (item, field) => parseAlert(item, field, now));
  return { alerts: values, errors, group };
}
