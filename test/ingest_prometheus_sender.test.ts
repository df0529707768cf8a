import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IncomingAlert } from '../src/ingest/types.js';
import { availableDialects } from './helpers/databases.js';
import { startTestPlugboard, type TestPlugboard } from './helpers/plugboard.js';
import { startPrometheus, type Prometheus } from './helpers/prometheus.js';
import { eventually } from './helpers/wait.js';

// Debian's Prometheus as the sender: its `alerting.alertmanagers` points at Plugboard with a
// path prefix for the space and the space's ingest token (`authorization.credentials_file`),
// and an always-firing rule's alert arrives, as Prometheus sends it. Skips without prometheus
// unless PLUGBOARD_REQUIRE_SERVICES=1.

const TOKEN = 'prometheus-ingest-token-of-the-ops-space-0123';
const dialects = await availableDialects();

describe.each(dialects)('Prometheus posting to Plugboard with an ingest token on %s', (dialect) => {
  let pb: TestPlugboard;
  let prometheus: Prometheus | undefined;

  beforeAll(async () => {
    pb = await startTestPlugboard({ dialect, settings: { 'plugboard.ingest.tokens': [{ space: 'ops', token: TOKEN }] } });
    const url = new URL(await pb.plugboard.listen());
    expect((await pb.api('POST', '/api/spaces/space', { id: 'ops', name: 'Ops' })).status).toBe(200);
    prometheus = await startPrometheus(
      [
        'global: {evaluation_interval: 1s}',
        'rule_files: [rules.yml]',
        'alerting:',
        '  alertmanagers:',
        `    - static_configs: [{targets: ["${url.host}"]}]`,
        '      path_prefix: /s/ops',
        '      authorization: {credentials_file: token}',
        '',
      ].join('\n'),
      {
        token: `${TOKEN}\n`,
        'rules.yml': 'groups:\n  - name: test\n    rules:\n      - alert: AlwaysFiring\n        expr: vector(1)\n        labels: {severity: page}\n        annotations: {summary: "always firing"}\n',
      },
      // Prometheus drops what it sends before it has discovered its Alertmanagers, and sends a
      // firing alert again only after the resend delay (1m by default).
      ['--rules.alert.resend-delay=1s'],
    );
  }, 40_000);
  afterAll(async () => {
    await prometheus?.stop();
    await pb?.close();
  });

  it('stores the alert Prometheus sends, with its labels, end and generator URL', async (ctx) => {
    if (!prometheus) return ctx.skip();
    const alert = await eventually<IncomingAlert>(async () => (await pb.plugboard.incomingAlerts.list('ops'))[0], 20_000, 'the alert from Prometheus').catch((err: Error) => {
      throw new Error(`${err.message}; prometheus said:\n${prometheus!.output().slice(-3000)}`);
    });
    expect(alert).toMatchObject({ spaceId: 'ops', labels: { alertname: 'AlwaysFiring', severity: 'page' }, annotations: { summary: 'always firing' }, timeout: false, source: 'alertmanager-api' });
    expect(alert.generatorURL).toMatch(/\/graph\?g0\.expr=vector%281%29&g0\.tab=1$/);
    // Firing: Prometheus sends an end a few evaluation intervals ahead, which keeps it active.
    expect(Date.parse(alert.endsAt)).toBeGreaterThan(Date.parse(alert.updatedAt));
    expect(await pb.plugboard.incomingAlerts.list('default')).toEqual([]);
  });
});
