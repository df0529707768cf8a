// A generic JSON payload read through a per-route mapping (setting `plugboard.ingest.json`, a map
// of route names to mappings): where the alert list is in the body, which of each alert's fields
// become labels and annotations, its times, status and generatorURL, and constant labels. Paths
// are dotted (`labels.severity`, `items.0.id`) and read from the alert; `$.` reads from the body
// root instead (`$.source`), for a field that the whole payload shares.
//
// What becomes of values: a string, number or boolean becomes its text; a missing or null value
// leaves the label or annotation out (as an empty one is left out); an object or array at a
// label's path is an error naming the path. Times are RFC 3339 strings, or Unix times (numbers or
// digit strings) in `epochUnit`. Constant labels are applied last, so that they win over the
// payload: they are how a route marks its source (§5's advice: the source in the identity).

import { z } from 'zod';
import { PayloadRefusal, isPlainObject, optionalTime, parseEach, setOwn, validatePosted, type ParsedPayload } from './payload.js';
import type { PostedAlert } from './types.js';

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
/** `a.b.0.c`, or `$.a.b` from the body root; no empty segments. */
const PATH = /^(\$\.)?[^.]+(\.[^.]+)*$/;

const path = z.string().regex(PATH, { error: 'must be a dotted path such as `labels.severity` (`$.` to read from the body root)' });
const labelName = z.string().regex(LABEL_NAME, { error: 'must be a label name (letters, digits and `_`, not starting with a digit)' });

/** One route's mapping; exported so that the configuration schema can hold it under `plugboard.ingest.json.<route>`. */
export const jsonIngestMappingSchema = z
  .strictObject({
    alerts: path.optional().meta({
      description:
        'Where the alerts are in the body, e.g. `data.alerts`: an array (each item an alert) or an object (one alert). Without it, the body itself.',
    }),
    labels: z
      .record(labelName, path)
      .default({})
      .meta({ description: 'Labels taken from each alert: label name → path of its value, e.g. `{alertname: title, severity: level}`.' }),
    labelsFrom: path
      .optional()
      .meta({ description: 'Path of an object in each alert whose entries all become labels (names must be label names); `labels` and `constantLabels` override them.' }),
    constantLabels: z
      .record(labelName, z.string().min(1))
      .default({})
      .meta({ description: 'Labels every alert of the route gets, over any taken from the payload, e.g. `{source: zabbix}`.' }),
    annotations: z.record(labelName, path).default({}).meta({ description: 'Annotations taken from each alert: annotation name → path of its value.' }),
    annotationsFrom: path.optional().meta({ description: 'Path of an object in each alert whose entries all become annotations; `annotations` override them.' }),
    startsAt: path.optional().meta({ description: 'Path of the time the alert started (RFC 3339 or a Unix time); without it, the time of receipt.' }),
    endsAt: path
      .optional()
      .meta({ description: 'Path of the time the alert ended or will end; a past time resolves it. Without it (and without `status`), the alert lasts `resolveTimeout` unless sent again.' }),
    generatorURL: path.optional().meta({ description: 'Path of a link back to what raised the alert.' }),
    status: z
      .strictObject({
        path: path.meta({ description: 'Path of the status value in each alert (numbers and booleans compared as text).' }),
        resolved: z.array(z.string()).min(1).meta({ description: 'Values meaning resolved, e.g. `[ok, resolved, "0"]`; the alert ends at `endsAt`, or on receipt.' }),
        firing: z
          .array(z.string())
          .optional()
          .meta({ description: 'Values meaning firing; when given, any other value is an error. Without it, every value not in `resolved` means firing.' }),
      })
      .optional()
      .meta({ description: 'Firing or resolved from a field of the alert; a firing alert has no end (`endsAt` ignored) until it is resolved, and lasts `plugboard.ingest.webhookResolveTimeout` unless sent again.' }),
    epochUnit: z
      .enum(['auto', 's', 'ms'])
      .default('auto')
      .meta({ description: 'Unit of numeric times: `s`, `ms`, or `auto` (below 10^11 seconds, else milliseconds).' }),
  })
  .refine((m) => Object.keys(m.labels).length > 0 || m.labelsFrom !== undefined || Object.keys(m.constantLabels).length > 0, {
    error: 'a mapping needs `labels`, `labelsFrom` or `constantLabels`: an alert is identified by its labels',
    path: ['labels'],
  });

export type JsonIngestMapping = z.output<typeof jsonIngestMappingSchema>;

/** The setting `plugboard.ingest.json`: route name → mapping; the route name is a URL path segment. */
export const jsonIngestSettingSchema = z
  .record(z.string().regex(/^[a-z0-9][a-z0-9_-]*$/, { error: 'must be a route name: lower-case letters, digits, `-` and `_`' }), jsonIngestMappingSchema)
  .default({})
  .meta({ description: 'Generic JSON ingest routes: route name → how to read its payload (`plugboard.ingest.json.<route>.*`).' });

interface Located {
  found: boolean;
  value: unknown;
}

/** The value at a dotted path, from `item` or (`$.`) from `root`. */
function locate(root: unknown, item: unknown, p: string): Located {
  const fromRoot = p.startsWith('$.');
  let current: unknown = fromRoot ? root : item;
  for (const segment of (fromRoot ? p.slice(2) : p).split('.')) {
    if (Array.isArray(current) && /^\d+$/.test(segment)) current = current[Number(segment)];
    else if (isPlainObject(current) && Object.hasOwn(current, segment)) current = current[segment];
    else return { found: false, value: undefined };
  }
  return { found: current !== undefined, value: current };
}

/** A label or annotation value: text, or undefined when missing, null or empty. */
function scalar(root: unknown, item: unknown, p: string, field: string): string | undefined {
  const { value } = locate(root, item, p);
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value === '' ? undefined : value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw new PayloadRefusal(`${field}.${p}`, 'must be a string, number or boolean');
}

function entriesFrom(root: unknown, item: unknown, p: string, field: string, out: Record<string, string>): void {
  const { value } = locate(root, item, p);
  if (value === undefined || value === null) return;
  if (!isPlainObject(value)) throw new PayloadRefusal(`${field}.${p}`, 'must be an object');
  for (const name of Object.keys(value)) {
    if (!LABEL_NAME.test(name)) throw new PayloadRefusal(`${field}.${p}`, `invalid name "${name}"`);
    const text = scalar(value, value, name, `${field}.${p}`);
    if (text !== undefined) setOwn(out, name, text);
  }
}

function time(root: unknown, item: unknown, p: string | undefined, field: string, unit: JsonIngestMapping['epochUnit']): Date | undefined {
  if (!p) return undefined;
  const { value } = locate(root, item, p);
  if (value === undefined || value === null || value === '') return undefined;
  const numeric = typeof value === 'number' ? value : typeof value === 'string' && /^\d+(\.\d+)?$/.test(value) ? Number(value) : undefined;
  if (numeric !== undefined) {
    const seconds = unit === 's' || (unit === 'auto' && numeric < 1e11);
    const date = new Date(seconds ? numeric * 1000 : numeric);
    if (numeric < 0 || Number.isNaN(date.getTime())) throw new PayloadRefusal(`${field}.${p}`, `${JSON.stringify(value)} is not a Unix time`);
    return date;
  }
  return optionalTime(value, `${field}.${p}`);
}

function mapAlert(mapping: JsonIngestMapping, root: unknown, item: unknown, field: string, now: Date): PostedAlert {
  if (!isPlainObject(item)) throw new PayloadRefusal(field, 'must be an object');
  const labels: Record<string, string> = {};
  if (mapping.labelsFrom) entriesFrom(root, item, mapping.labelsFrom, field, labels);
  for (const [name, p] of Object.entries(mapping.labels)) {
    const value = scalar(root, item, p, field);
    if (value !== undefined) setOwn(labels, name, value);
  }
  for (const [name, value] of Object.entries(mapping.constantLabels)) setOwn(labels, name, value);
  const annotations: Record<string, string> = {};
  if (mapping.annotationsFrom) entriesFrom(root, item, mapping.annotationsFrom, field, annotations);
  for (const [name, p] of Object.entries(mapping.annotations)) {
    const value = scalar(root, item, p, field);
    if (value !== undefined) setOwn(annotations, name, value);
  }
  let endsAt = time(root, item, mapping.endsAt, field, mapping.epochUnit);
  if (mapping.status) {
    const { path: p, resolved, firing } = mapping.status;
    const value = scalar(root, item, p, field);
    if (value === undefined) throw new PayloadRefusal(`${field}.${p}`, 'is missing (the status of the alert)');
    if (resolved.includes(value)) endsAt = endsAt && endsAt <= now ? endsAt : now;
    else if (!firing || firing.includes(value)) endsAt = undefined;
    else throw new PayloadRefusal(`${field}.${p}`, `${JSON.stringify(value)} is neither a firing (${firing.join(', ')}) nor a resolved (${resolved.join(', ')}) status`);
  }
  const generatorURL = mapping.generatorURL ? scalar(root, item, mapping.generatorURL, field) : undefined;
  const alert: PostedAlert = {
    labels,
    annotations,
    startsAt: time(root, item, mapping.startsAt, field, mapping.epochUnit),
    endsAt,
    ...(generatorURL ? { generatorURL } : {}),
  };
  if (Object.keys(labels).length === 0) {
    throw new PayloadRefusal(`${field}.labels`, `at least one label pair required (none of ${[mapping.labelsFrom, ...Object.values(mapping.labels)].filter(Boolean).join(', ')} has a value)`);
  }
  validatePosted(alert, field);
  return alert;
}

/**
 * Reads a JSON body through `mapping` (already parsed by jsonIngestMappingSchema). Throws a
 * PayloadRefusal naming the path when the alert list is not where the mapping says; an alert
 * the mapping cannot read is left out with an error naming the path.
 */
export function parseJsonPayload(body: unknown, mapping: JsonIngestMapping, now: Date): ParsedPayload {
  let list: unknown = body;
  let prefix = 'body';
  if (mapping.alerts) {
    const p = mapping.alerts.startsWith('$.') ? mapping.alerts.slice(2) : mapping.alerts;
    const located = locate(body, body, p);
    if (!located.found || located.value === null) throw new PayloadRefusal(p, 'is missing from the body (the mapping\'s `alerts` path)');
    list = located.value;
    prefix = p;
  }
  if (!Array.isArray(list) && !isPlainObject(list)) {
    throw new PayloadRefusal(prefix, 'must be an array of alerts or one alert object');
  }
  const items = Array.isArray(list) ? list : [list];
  const { values, errors } = parseEach(items, prefix, (item, field) => mapAlert(mapping, body, item, Array.isArray(list) ? field : prefix, now));
  return { alerts: values, errors, group: undefined };
}
