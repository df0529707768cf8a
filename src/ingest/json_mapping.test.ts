import { describe, expect, it } from 'vitest';
import { jsonIngestMappingSchema, jsonIngestSettingSchema, parseJsonPayload } from './json_mapping.js';
import { refusalOf as refusal } from '../../test/helpers/payload_refusal.js';

const NOW = new Date('2026-12-07T05:00:00Z');
const mapping = (m: unknown) => jsonIngestMappingSchema.parse(m);

// A Zabbix-like body: one event per item under data.events, the source host shared at the root.
const zabbix = {
  source: 'zabbix-eu',
  data: {
    events: [
      {
        name: 'Disk full',
        severity: 4,
        status: 'PROBLEM',
        clock: 1796616000,
        tags: { service: 'db', env: 'prod' },
        url: 'https://zabbix.example/tr_events.php?eventid=1',
        description: 'disk / is 99% full',
      },
      { name: 'Disk full', severity: 4, status: 'OK', clock: 1796616000, recovery: '2026-12-07T04:59:00Z', tags: { service: 'db', env: 'dev' } },
    ],
  },
};
const zabbixMapping = mapping({
  alerts: 'data.events',
  labels: { alertname: 'name', severity: 'severity', instance: '$.source' },
  labelsFrom: 'tags',
  constantLabels: { source: 'zabbix' },
  annotations: { description: 'description' },
  startsAt: 'clock',
  endsAt: 'recovery',
  generatorURL: 'url',
  status: { path: 'status', resolved: ['OK'], firing: ['PROBLEM'] },
});

describe('parseJsonPayload', () => {
  it('maps labels from fields, an object and constants, annotations, times, status and generatorURL', () => {
    const parsed = parseJsonPayload(zabbix, zabbixMapping, NOW);
    expect(parsed.errors).toEqual([]);
    expect(parsed.alerts).toEqual([
      {
        labels: { service: 'db', env: 'prod', alertname: 'Disk full', severity: '4', instance: 'zabbix-eu', source: 'zabbix' },
        annotations: { description: 'disk / is 99% full' },
        startsAt: new Date(1796616000 * 1000),
        endsAt: undefined,
        generatorURL: 'https://zabbix.example/tr_events.php?eventid=1',
      },
      {
        labels: { service: 'db', env: 'dev', alertname: 'Disk full', severity: '4', instance: 'zabbix-eu', source: 'zabbix' },
        annotations: {},
        startsAt: new Date(1796616000 * 1000),
        endsAt: new Date('2026-12-07T04:59:00Z'),
      },
    ]);
  });

  it('takes the body itself without `alerts`: an array, or one object as one alert; constants win over the payload', () => {
    const m = mapping({ labels: { alertname: 'title', source: 'origin' }, constantLabels: { source: 'hook' }, endsAt: 'end', epochUnit: 'ms' });
    expect(parseJsonPayload([{ title: 'A', origin: 'x', end: 1796619600000 }], m, NOW).alerts).toEqual([
      { labels: { alertname: 'A', source: 'hook' }, annotations: {}, startsAt: undefined, endsAt: new Date(1796619600000) },
    ]);
    expect(parseJsonPayload({ title: 'B' }, m, NOW).alerts.map((a) => a.labels)).toEqual([{ alertname: 'B', source: 'hook' }]);
  });

  it('reads Unix times in seconds or milliseconds (auto), numbers or digit strings', () => {
    const m = mapping({ labels: { alertname: 'n' }, startsAt: 't' });
    const at = (t: unknown) => parseJsonPayload({ n: 'x', t }, m, NOW).alerts[0]?.startsAt;
    expect(at(1796619600)).toEqual(new Date(1796619600_000));
    expect(at(1796619600123)).toEqual(new Date(1796619600123));
    expect(at('1796619600')).toEqual(new Date(1796619600_000));
    expect(at('2026-12-07T05:00:00+01:00')).toEqual(new Date('2026-12-07T04:00:00Z'));
    expect(at(undefined)).toBeUndefined();
    expect(parseJsonPayload({ n: 'x', t: 1e308 }, m, NOW).errors).toEqual(['body.t: 1e+308 is not a Unix time']);
    expect(parseJsonPayload({ n: 'x', t: -5 }, m, NOW).errors).toEqual(['body.t: -5 is not a Unix time']);
  });

  it('a status without `firing` values: anything not resolved fires; a resolved alert without an end ends now', () => {
    const m = mapping({ labels: { alertname: 'n' }, endsAt: 'end', status: { path: 'ok', resolved: ['true'] } });
    const parsed = parseJsonPayload([{ n: 'a', ok: false, end: '2026-12-07T09:00:00Z' }, { n: 'b', ok: true }], m, NOW);
    expect(parsed.alerts.map((a) => a.endsAt)).toEqual([undefined, NOW]);
  });

  it('leaves out an alert it cannot read, naming the path, and keeps the others', () => {
    const parsed = parseJsonPayload(
      {
        ...zabbix,
        data: {
          events: [
            { ...zabbix.data.events[0], name: { text: 'x' } },
            { ...zabbix.data.events[0], status: 'UNKNOWN' },
            { ...zabbix.data.events[0], status: undefined },
            { ...zabbix.data.events[0], tags: ['db'] },
            { ...zabbix.data.events[0], tags: { 'bad-name': 'x' } },
            { ...zabbix.data.events[0], clock: 'monday' },
            7,
            zabbix.data.events[0],
          ],
        },
      },
      zabbixMapping,
      NOW,
    );
    expect(parsed.errors).toEqual([
      'data.events[0].name: must be a string, number or boolean',
      'data.events[1].status: "UNKNOWN" is neither a firing (PROBLEM) nor a resolved (OK) status',
      'data.events[2].status: is missing (the status of the alert)',
      'data.events[3].tags: must be an object',
      'data.events[4].tags: invalid name "bad-name"',
      'data.events[5].clock: "monday" is not an RFC 3339 time',
      'data.events[6]: must be an object',
    ]);
    expect(parsed.alerts).toHaveLength(1);
  });

  it('an alert with no label value at all is refused as Alertmanager refuses it', () => {
    const m = mapping({ labels: { alertname: 'title' }, labelsFrom: 'tags' });
    expect(parseJsonPayload([{ other: 1 }], m, NOW).errors).toEqual(['body[0].labels: at least one label pair required (none of tags, title has a value)']);
  });

  it('refuses a payload whose alert list is not where the mapping says, naming the path', () => {
    expect(refusal(() => parseJsonPayload({ data: {} }, zabbixMapping, NOW))).toEqual({
      field: 'data.events',
      message: "data.events: is missing from the body (the mapping's `alerts` path)",
    });
    expect(refusal(() => parseJsonPayload({ data: { events: 'none' } }, zabbixMapping, NOW))).toEqual({
      field: 'data.events',
      message: 'data.events: must be an array of alerts or one alert object',
    });
    expect(refusal(() => parseJsonPayload('text', mapping({ constantLabels: { a: 'b' } }), NOW))).toMatchObject({ field: 'body' });
  });
});

describe('jsonIngestMappingSchema', () => {
  it('needs a way to labels, label names as keys and dotted paths', () => {
    expect(jsonIngestMappingSchema.safeParse({ annotations: { a: 'b' } }).error?.issues[0]).toMatchObject({ path: ['labels'], message: expect.stringContaining('identified by its labels') });
    expect(jsonIngestMappingSchema.safeParse({ labels: { 'bad-name': 'x' } }).success).toBe(false);
    expect(jsonIngestMappingSchema.safeParse({ labels: { a: 'x..y' } }).success).toBe(false);
    expect(jsonIngestMappingSchema.safeParse({ labels: { a: 'x' }, extra: 1 }).success).toBe(false);
    expect(jsonIngestMappingSchema.safeParse({ labels: { a: 'x' }, status: { path: 's', resolved: [] } }).success).toBe(false);
    expect(jsonIngestMappingSchema.parse({ labels: { a: '$.x.0.y' } })).toMatchObject({ labels: { a: '$.x.0.y' }, annotations: {}, constantLabels: {}, epochUnit: 'auto' });
  });

  it('the setting maps route names to mappings, and every field is described for docs/settings.md', () => {
    expect(jsonIngestSettingSchema.parse(undefined)).toEqual({});
    expect(jsonIngestSettingSchema.safeParse({ 'Bad Route': { constantLabels: { a: 'b' } } }).success).toBe(false);
    const shape = (jsonIngestMappingSchema as any)._zod.def.in?._zod.def.shape ?? (jsonIngestMappingSchema as any)._zod.def.shape;
    const undescribed = Object.entries<any>(shape).filter(([, field]) => !field.meta()?.description).map(([name]) => name);
    expect(undescribed).toEqual([]);
  });
});
