import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { detectPayloadShape } from './payload_shape.js';

const fixture = (name: string) => JSON.parse(readFileSync(path.join(import.meta.dirname, '../../test/fixtures/ingest', name), 'utf8'));

describe('detectPayloadShape', () => {
  it("tells the real senders' bodies apart (§4.3's table)", () => {
    expect(detectPayloadShape(fixture('prometheus_v2_alerts_firing.json'))).toBe('alertmanager-api');
    expect(detectPayloadShape(fixture('amtool_v2_alerts.json'))).toBe('alertmanager-api');
    expect(detectPayloadShape(fixture('alertmanager_webhook_firing.json'))).toBe('alertmanager-webhook');
    expect(detectPayloadShape(fixture('alertmanager_webhook_resolved.json'))).toBe('alertmanager-webhook');
    expect(detectPayloadShape(fixture('grafana_webhook_firing.json'))).toBe('grafana-webhook');
    expect(detectPayloadShape({ ruleId: 1, ruleName: 'cpu', state: 'alerting', evalMatches: [] })).toBe('grafana-legacy');
    expect(detectPayloadShape({ evalMatches: [] })).toBe('grafana-legacy');
  });

  it('anything else is unknown, including a webhook body missing its marks', () => {
    for (const body of [null, 'x', 3, {}, { version: '4' }, { version: '1', orgId: 1 }, { alerts: [] }]) expect(detectPayloadShape(body)).toBe('unknown');
  });
});
