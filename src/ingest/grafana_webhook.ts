// Grafana's webhook contact point, payload `version: "1"` (grafana/alerting receivers/webhook/v1,
// templates/template_data.go): Alertmanager's notification data plus Grafana's fields — the
// top-level `orgId`, `title`, `state` (`alerting` / `ok`), `message`, and per alert `values`,
// `valueString`, `silenceURL`, `dashboardURL`, `panelURL`, `imageURL`, `orgId`, `ruleUID`.
//
// Choices where Grafana's payload and Plugboard's alert record differ:
// - Identity is the fingerprint of the labels as they arrive (after the space removal below),
//   not Grafana's `fingerprint`: Grafana computes that over the alert's full label set,
//   including the private `__alert_rule_uid__`-style labels it strips from the payload
//   (extendAlert removes `__…__` items), so it cannot be checked against the labels sent.
// - Spaces are removed from label and annotation names, as Grafana's own sender to an external
//   Alertmanager removes them (ngalert sender removeSpaces): the same Grafana alert then gets
//   the same labels and fingerprint whether it comes here or through /api/v2/alerts. Two names
//   that become one after the removal leave the alert out with an error.
// - Grafana's per-alert extras are kept as annotations under their Grafana names (`silenceURL`,
//   `dashboardURL`, `panelURL`, `imageURL`, `valueString`, `values` as JSON text such as
//   `{"A":1,"C":1}`, `orgId`, `ruleUID`), only when not empty and never over an annotation the
//   rule itself set, so actions can use `{{alert.annotations.dashboardURL}}`.
// - `generatorURL` is kept as Grafana sends it, `?orgId=<n>` included: that is the rule's link.
// - The per-alert `status` decides firing or resolved; the top-level `state` only has to be one
//   of Grafana's values.
//
// Signatures (hmacConfig): `verifyGrafanaSignature` checks the hex HMAC-SHA256 of the raw body,
// or of `<unix seconds>:<body>` with the timestamp header, in constant time.

import { createHmac, timingSafeEqual } from 'node:crypto';
import { PayloadRefusal, alertList, isPlainObject, labelMap, optionalString, parseEach, webhookAlert, webhookGroup, type ParsedPayload, type WebhookGroup } from './payload.js';
import { refuseLegacyGrafana } from './payload_shape.js';
import type { PostedAlert } from './types.js';

/** The notification's group, kept for grouping and for correlating tickets with it. */
export interface GrafanaGroup extends WebhookGroup {
  /** `alerting` when any alert fires, else `ok`. */
  state: string;
  orgId: number;
  title: string;
  message: string;
}

/** Grafana's states of a notification (`alerting`/`ok`; older versions also sent these). */
const STATES = new Set(['alerting', 'ok', 'no_data', 'pending', 'paused']);

/** A string map with the spaces taken out of its names (Grafana allows them, Alertmanager does not). */
function withoutSpaces(value: unknown, field: string): unknown {
  if (!isPlainObject(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [name, v] of Object.entries(value)) {
    const compact = name.replace(/ /g, '');
    if (Object.hasOwn(out, compact)) throw new PayloadRefusal(field, `names "${name}" and another become "${compact}" once spaces are removed`);
    Object.defineProperty(out, compact, { value: v, enumerable: true, writable: true, configurable: true });
  }
  return out;
}

/** Grafana's extras of one alert, as annotation values (empty ones left out). */
function extras(item: Record<string, unknown>, field: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of ['silenceURL', 'dashboardURL', 'panelURL', 'imageURL', 'valueString', 'ruleUID']) {
    const value = optionalString(item[name], `${field}.${name}`);
    if (value) out[name] = value;
  }
  if (item.values !== undefined && item.values !== null) {
    if (!isPlainObject(item.values)) throw new PayloadRefusal(`${field}.values`, 'must be an object of numbers');
    for (const [refId, v] of Object.entries(item.values)) {
      // Grafana writes NaN and infinities as null in JSON; anything else must be a number.
      if (v !== null && typeof v !== 'number') throw new PayloadRefusal(`${field}.values.${refId}`, 'must be a number');
    }
    if (Object.keys(item.values).length > 0) out.values = JSON.stringify(item.values);
  }
  if (item.orgId !== undefined && item.orgId !== null) {
    if (typeof item.orgId !== 'number' || !Number.isInteger(item.orgId)) throw new PayloadRefusal(`${field}.orgId`, 'must be an integer');
    out.orgId = String(item.orgId);
  }
  return out;
}

function parseAlert(item: unknown, field: string, now: Date): PostedAlert {
  if (!isPlainObject(item)) throw new PayloadRefusal(field, 'must be an object');
  if (item.labels === undefined) throw new PayloadRefusal(`${field}.labels`, 'is required');
  const labels = labelMap(withoutSpaces(item.labels, `${field}.labels`), `${field}.labels`, 'label set');
  const annotations = labelMap(withoutSpaces(item.annotations, `${field}.annotations`), `${field}.annotations`, 'annotations');
  for (const [name, value] of Object.entries(extras(item, field))) if (!Object.hasOwn(annotations, name)) annotations[name] = value;
  optionalString(item.fingerprint, `${field}.fingerprint`);
  return webhookAlert(item, field, now, labels, annotations);
}

/**
 * Reads a Grafana webhook payload (a parsed JSON body). Throws a PayloadRefusal for a body that
 * is not one (legacy Grafana alerting included); an invalid alert is left out with an error.
 */
export function parseGrafanaWebhook(body: unknown, now: Date): ParsedPayload<GrafanaGroup> {
  if (!isPlainObject(body)) throw new PayloadRefusal('body', 'must be a JSON object (a Grafana webhook payload)');
  if ('evalMatches' in body || 'ruleId' in body) refuseLegacyGrafana(body);
  if (body.version !== '1') {
    const hint = body.version === '4' ? ' (this is an Alertmanager webhook payload: use the Alertmanager route)' : '';
    throw new PayloadRefusal('version', `must be "1" (Grafana webhook payload), got ${JSON.stringify(body.version)}${hint}`);
  }
  if (typeof body.orgId !== 'number' || !Number.isInteger(body.orgId)) throw new PayloadRefusal('orgId', 'must be an integer');
  if (typeof body.state !== 'string' || !STATES.has(body.state)) {
    throw new PayloadRefusal('state', `must be one of ${[...STATES].join(', ')}, got ${JSON.stringify(body.state)}`);
  }
  const group: GrafanaGroup = {
    ...webhookGroup(body),
    state: body.state,
    orgId: body.orgId,
    title: optionalString(body.title, 'title') ?? '',
    message: optionalString(body.message, 'message') ?? '',
  };
  const { values, errors } = parseEach(alertList(body), 'alerts', (item, field) => parseAlert(item, field, now));
  return { alerts: values, errors, group };
}

// ---------------------------------------------------------------------------------------------
// HMAC signatures

/**
 * The header Grafana signs into when `hmacConfig.header` is left empty (grafana/alerting
 * http/hmac.go), and the one its form suggests as placeholder: without a configured header
 * name, either is read.
 */
export const GRAFANA_SIGNATURE_HEADERS = ['x-grafana-alert-signature', 'x-grafana-alerting-signature'] as const;

/**
 * How far the timestamp of a signed request may be from Plugboard's clock: 5 minutes. Grafana
 * signs each attempt when it sends it (a retry is signed again with a new time), so the age is
 * the network delay plus clock drift between the two hosts; 5 minutes tolerates hosts whose
 * clocks are not tightly synchronised while keeping a captured request replayable only briefly
 * (the tolerance Slack's and Stripe's signed webhooks use too).
 */
export const GRAFANA_MAX_CLOCK_SKEW_SECONDS = 300;

export interface GrafanaSignatureOptions {
  /** The raw body bytes, exactly as received (not re-serialised JSON). */
  body: Uint8Array;
  secret: string;
  /** The request headers (Node's lower-cased names; a repeated header is refused). */
  headers: Readonly<Record<string, string | string[] | undefined>>;
  /** `hmacConfig.header`; default: Grafana's default header names. */
  header?: string;
  /** `hmacConfig.timestampHeader`: when set, the signed text is `<unix seconds>:<body>`. */
  timestampHeader?: string;
  maxSkewSeconds?: number;
  /** Epoch ms; the clock is the caller's. */
  now: number;
}

export type SignatureCheck = { ok: true } | { ok: false; reason: string };

const single = (headers: GrafanaSignatureOptions['headers'], name: string): string | undefined | null => {
  const value = headers[name.toLowerCase()];
  if (Array.isArray(value)) return value.length === 1 ? value[0] : null;
  return value;
};

/** Checks a Grafana webhook request's HMAC signature; the reason never contains the secret or the expected digest. */
export function verifyGrafanaSignature(opts: GrafanaSignatureOptions): SignatureCheck {
  if (!opts.secret) return { ok: false, reason: 'no HMAC secret is configured' };
  const names = opts.header ? [opts.header] : [...GRAFANA_SIGNATURE_HEADERS];
  const name = names.find((n) => single(opts.headers, n) !== undefined);
  if (!name) return { ok: false, reason: `the signature header ${names.join(' or ')} is missing` };
  const signature = single(opts.headers, name);
  if (signature === null) return { ok: false, reason: `the signature header ${name} is repeated` };
  if (!/^[0-9a-fA-F]{64}$/.test(signature!)) return { ok: false, reason: `the signature header ${name} is not a hex HMAC-SHA256` };

  const hmac = createHmac('sha256', opts.secret);
  if (opts.timestampHeader) {
    const timestamp = single(opts.headers, opts.timestampHeader);
    if (timestamp === undefined) return { ok: false, reason: `the timestamp header ${opts.timestampHeader} is missing` };
    if (timestamp === null || !/^\d{1,12}$/.test(timestamp)) return { ok: false, reason: `the timestamp header ${opts.timestampHeader} is not a Unix time in seconds` };
    const maxSkew = opts.maxSkewSeconds ?? GRAFANA_MAX_CLOCK_SKEW_SECONDS;
    if (Math.abs(opts.now / 1000 - Number(timestamp)) > maxSkew) {
      return { ok: false, reason: `the timestamp header ${opts.timestampHeader} is more than ${maxSkew} seconds away from this server's clock` };
    }
    hmac.update(`${timestamp}:`);
  }
  hmac.update(opts.body);
  const expected = hmac.digest();
  const given = Buffer.from(signature!, 'hex');
  // Both are 32 bytes here (64 hex digits checked above), as timingSafeEqual requires.
  return timingSafeEqual(expected, given) ? { ok: true } : { ok: false, reason: `the signature in ${name} does not match the body` };
}
