import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ODD_STRINGS, PROTOTYPE_KEYS, WRONG_TYPES, replaceAt, valueAt, valuePaths, withOwnKey } from '../../test/helpers/fuzz.js';
import { parseAlertmanagerWebhook } from './alertmanager_webhook.js';
import { parseGrafanaWebhook } from './grafana_webhook.js';
import { jsonIngestMappingSchema, parseJsonPayload } from './json_mapping.js';
import { PayloadRefusal, type ParsedPayload } from './payload.js';

// Every parser, given a real payload with any one value replaced by a wrong type or an odd
// string, or a prototype key added to any object, either refuses with a PayloadRefusal or
// returns alerts that Alertmanager's API would take — never another exception, never a label
// lost to a prototype.

const fixture = (name: string) => JSON.parse(readFileSync(path.join(import.meta.dirname, '../../test/fixtures/ingest', name), 'utf8'));
const NOW = new Date('2026-12-07T05:05:00Z');
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

const mapping = jsonIngestMappingSchema.parse({
  alerts: 'alerts',
  labelsFrom: 'labels',
  labels: { alertname: 'labels.alertname', group: '$.groupKey' },
  annotationsFrom: 'annotations',
  startsAt: 'startsAt',
  endsAt: 'endsAt',
  generatorURL: 'generatorURL',
  status: { path: 'status', resolved: ['resolved'] },
});

const parsers: Array<[string, string, (body: unknown) => ParsedPayload<unknown>]> = [
  ['alertmanager webhook', 'alertmanager_webhook_resolved.json', (b) => parseAlertmanagerWebhook(b, NOW)],
  ['grafana webhook', 'grafana_webhook_firing.json', (b) => parseGrafanaWebhook(b, NOW)],
  ['json mapping', 'alertmanager_webhook_firing.json', (b) => parseJsonPayload(b, mapping, NOW)],
];

function variants(body: unknown): unknown[] {
  const out: unknown[] = [];
  for (const p of valuePaths(body)) {
    for (const v of [...WRONG_TYPES, ...ODD_STRINGS, '0001-01-01T00:00:00Z', '']) out.push(replaceAt(body, p, v));
    const here = valueAt(body, p);
    if (here && typeof here === 'object' && !Array.isArray(here)) {
      for (const key of PROTOTYPE_KEYS) out.push(replaceAt(body, p, withOwnKey(here, key, 'x')));
    }
  }
  return out;
}

describe.each(parsers)('%s', (_name, file, parse) => {
  it('refuses or returns valid alerts for every variant of a real payload', () => {
    let refused = 0;
    let accepted = 0;
    for (const body of variants(fixture(file))) {
      let parsed: ParsedPayload<unknown>;
      try {
        parsed = parse(body);
      } catch (err) {
        expect(err).toBeInstanceOf(PayloadRefusal);
        refused++;
        continue;
      }
      accepted++;
      for (const alert of parsed.alerts) {
        expect(Object.keys(alert.labels).length).toBeGreaterThan(0);
        for (const [name, value] of Object.entries(alert.labels)) {
          expect(name).toMatch(LABEL_NAME);
          expect(typeof value === 'string' && value !== '').toBe(true);
        }
        expect(Object.getPrototypeOf(alert.labels)).toBe(Object.prototype);
        if (alert.startsAt && alert.endsAt) expect(alert.endsAt >= alert.startsAt).toBe(true);
        for (const t of [alert.startsAt, alert.endsAt]) if (t) expect(Number.isNaN(t.getTime())).toBe(false);
      }
      for (const e of parsed.errors) expect(typeof e).toBe('string');
    }
    expect(refused).toBeGreaterThan(0);
    expect(accepted).toBeGreaterThan(0);
  });
});

it('keeps a label named __proto__ as a label', () => {
  const body = fixture('alertmanager_webhook_firing.json');
  const alert = { ...body.alerts[0], fingerprint: undefined, labels: withOwnKey({ alertname: 'A' }, '__proto__', 'p') };
  const [parsed] = parseAlertmanagerWebhook({ ...body, alerts: [alert] }, NOW).alerts;
  expect(Object.entries(parsed.labels)).toEqual([
    ['alertname', 'A'],
    ['__proto__', 'p'],
  ]);
  expect(Object.getPrototypeOf(parsed.labels)).toBe(Object.prototype);
});
