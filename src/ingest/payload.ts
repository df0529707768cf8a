// What the webhook-payload parsers share (Alertmanager's webhook_config, Grafana's webhook contact
// point, the generic JSON mapping): the result they give the routes, the refusal of a body that
// cannot be read at all, and the checks every alert gets, as Alertmanager's v2 API makes them
// (label names, empty values dropped, `0001-01-01T00:00:00Z` meaning unset). A route stores the
// `alerts`, and answers 400 when `errors` is not empty (best effort, as Alertmanager does).

import type { PostedAlert } from './types.js';
import { LABEL_NAME } from './label_name.js';

/** The alerts a payload holds, the messages of those left out, and the group it came as. */
export interface ParsedPayload<G = undefined> {
  alerts: PostedAlert[];
  /** One message per alert left out, naming its field, e.g. `alerts[2].labels: at least one label pair required`. */
  errors: string[];
  /** The notification's group (webhook payloads), for later grouping and correlation. */
  group: G;
}

/** A body that cannot be read as the payload of the route; `field` names what is wrong. */
export class PayloadRefusal extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
    this.name = 'PayloadRefusal';
  }
}


/**
 * Sets an own property, `__proto__` included (a valid label name that plain assignment would
 * turn into a prototype change and lose).
 */
export function setOwn(target: Record<string, string>, name: string, value: string): void {
  if (name === '__proto__') Object.defineProperty(target, name, { value, enumerable: true, writable: true, configurable: true });
  else target[name] = value;
}

export const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Go's zero time, which Alertmanager and amtool send for "no time". */
const ZERO_TIME = /^0001-01-01T00:00:00(\.0+)?Z$/;

/** A string map whose names are label names; empty values dropped (as Alertmanager drops them). */
export function labelMap(value: unknown, field: string, kind: 'label set' | 'annotations'): Record<string, string> {
  const what = kind === 'label set' ? 'invalid label set' : 'invalid annotations';
  if (value === undefined || value === null) return {};
  if (!isPlainObject(value)) throw new PayloadRefusal(field, 'must be an object of strings');
  const out: Record<string, string> = {};
  for (const [name, v] of Object.entries(value)) {
    if (typeof v !== 'string') throw new PayloadRefusal(`${field}.${name}`, 'must be a string');
    if (!LABEL_NAME.test(name)) throw new PayloadRefusal(field, `${what}: invalid name "${name}"`);
    if (v !== '') setOwn(out, name, v);
  }
  return out;
}

/** An RFC 3339 time; undefined when absent, empty or Go's zero time. */
export function optionalTime(value: unknown, field: string): Date | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') throw new PayloadRefusal(field, 'must be an RFC 3339 time string');
  if (ZERO_TIME.test(value)) return undefined;
  // RFC 3339: a date, T, a time and a zone; Date.parse alone accepts far more.
  if (!/^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/.test(value)) {
    throw new PayloadRefusal(field, `"${value}" is not an RFC 3339 time`);
  }
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw new PayloadRefusal(field, `"${value}" is not an RFC 3339 time`);
  return new Date(ms);
}

/** An optional string field. */
export function optionalString(value: unknown, field: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new PayloadRefusal(field, 'must be a string');
  return value;
}

/** Alertmanager's checks of a posted alert (alert.go Validate), with its messages. */
export function validatePosted(alert: PostedAlert, field: string): void {
  if (Object.keys(alert.labels).length === 0) throw new PayloadRefusal(`${field}.labels`, 'at least one label pair required');
  if (alert.startsAt && alert.endsAt && alert.endsAt < alert.startsAt) {
    throw new PayloadRefusal(`${field}.endsAt`, 'start time must be before end time');
  }
}

/** The alert list of a webhook body: an array under `alerts`. */
export function alertList(body: Record<string, unknown>): unknown[] {
  if (!Array.isArray(body.alerts)) throw new PayloadRefusal('alerts', 'must be an array of alerts');
  return body.alerts;
}

/**
 * A firing or resolved status of an alert of a webhook payload, turned into `endsAt` as the
 * store reads it: a firing alert has no end (the sender hides a future end anyway), a resolved
 * one ends when the sender says, but never later than `now` (a sender's clock ahead of ours
 * must not keep a resolved alert active).
 */
export function endForStatus(status: 'firing' | 'resolved', endsAt: Date | undefined, now: Date): Date | undefined {
  if (status === 'firing') return undefined;
  return endsAt && endsAt <= now ? endsAt : now;
}

/** Parses every item with `parse`; a PayloadRefusal of an item becomes an error, the rest stay. */
export function parseEach<T>(items: unknown[], prefix: string, parse: (item: unknown, field: string) => T | undefined): { values: T[]; errors: string[] } {
  const values: T[] = [];
  const errors: string[] = [];
  items.forEach((item, i) => {
    try {
      const value = parse(item, `${prefix}[${i}]`);
      if (value !== undefined) values.push(value);
    } catch (err) {
      if (!(err instanceof PayloadRefusal)) throw err;
      errors.push(err.message);
    }
  });
  return { values, errors };
}

export type AlertStatus = 'firing' | 'resolved';

export function alertStatus(value: unknown, field: string): AlertStatus {
  if (value === 'firing' || value === 'resolved') return value;
  throw new PayloadRefusal(field, `must be "firing" or "resolved", got ${JSON.stringify(value)}`);
}

/** An informative string map of a group (group, common labels): any names, string values. */
export function stringMap(value: unknown, field: string): Record<string, string> {
  if (value === undefined || value === null) return {};
  if (!isPlainObject(value)) throw new PayloadRefusal(field, 'must be an object of strings');
  for (const [name, v] of Object.entries(value)) if (typeof v !== 'string') throw new PayloadRefusal(`${field}.${name}`, 'must be a string');
  return value as Record<string, string>;
}

/**
 * An alert of a webhook payload (Alertmanager's template.Alert, which Grafana extends) from its
 * labels and annotations as the payload's parser read them: status, times and generatorURL.
 */
export function webhookAlert(
  item: Record<string, unknown>,
  field: string,
  now: Date,
  labels: Record<string, string>,
  annotations: Record<string, string>,
): PostedAlert {
  const status = alertStatus(item.status, `${field}.status`);
  const generatorURL = optionalString(item.generatorURL, `${field}.generatorURL`);
  const alert: PostedAlert = {
    labels,
    annotations,
    startsAt: optionalTime(item.startsAt, `${field}.startsAt`),
    endsAt: endForStatus(status, optionalTime(item.endsAt, `${field}.endsAt`), now),
    ...(generatorURL ? { generatorURL } : {}),
  };
  validatePosted(alert, field);
  return alert;
}

/** What Alertmanager's and Grafana's webhook payloads both say about the notification's group. */
export interface WebhookGroup {
  /** `<route key>:<group labels>`, e.g. `{}/{team="a"}:{alertname="HighCPU"}`: the dedup key of the group. */
  groupKey: string;
  /** The receiver's name as the sender writes it (Alertmanager regexp-escapes it since 0.19: `team\.a`). */
  receiver: string;
  /** `resolved` only when every alert of the notification is. */
  status: AlertStatus;
  groupLabels: Record<string, string>;
  commonLabels: Record<string, string>;
  commonAnnotations: Record<string, string>;
  externalURL: string;
  /** Alerts cut by the receiver's `max_alerts`: more alerts exist than arrived. */
  truncatedAlerts: number;
}

export function webhookGroup(body: Record<string, unknown>): WebhookGroup {
  const truncated = body.truncatedAlerts;
  return {
    groupKey: optionalString(body.groupKey, 'groupKey') ?? '',
    receiver: optionalString(body.receiver, 'receiver') ?? '',
    status: alertStatus(body.status, 'status'),
    groupLabels: stringMap(body.groupLabels, 'groupLabels'),
    commonLabels: stringMap(body.commonLabels, 'commonLabels'),
    commonAnnotations: stringMap(body.commonAnnotations, 'commonAnnotations'),
    externalURL: optionalString(body.externalURL, 'externalURL') ?? '',
    truncatedAlerts: typeof truncated === 'number' && Number.isInteger(truncated) && truncated >= 0 ? truncated : 0,
  };
}
