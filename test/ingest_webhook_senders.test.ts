import { createHmac } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labelsFingerprint } from '../src/ingest/fingerprint.js';
import type { AlertChange, IncomingAlert } from '../src/ingest/types.js';
import { availableDialects } from './helpers/databases.js';
import { startTestPlugboard, TEST_PASSWORD, type TestPlugboard } from './helpers/plugboard.js';
import { startAlertmanager, type Alertmanager, type SenderAuth } from './helpers/prometheus_senders.js';

// Issue 19 point 6, the third real sender: Debian's prometheus-alertmanager 0.25 with its webhook
// receiver pointed at Plugboard's `POST /api/ingest/alertmanager` (credentials from its
// http_config: the space's ingest token as Bearer, or basic_auth), an alert posted to that
// Alertmanager arriving firing, then resolved once it is resolved there; and Grafana's webhook
// body over a real socket, HMAC-signed with the secret from `hmacSecretFile` (accepted) and
// tampered (refused). Skips without the binary unless PLUGBOARD_REQUIRE_SERVICES=1.

const TOKEN = 'alertmanager-webhook-ingest-token-0123456789';
const HMAC_SECRET = 'a-grafana-contact-point-secret';
const HOUR = 3_600_000;
const dialects = await availableDialects();

describe.each(dialects)('real webhook senders on %s', (dialect) => {
  let pb: TestPlugboard;
  let baseUrl: string;
  let configDir: string;
  const waiters: Array<{ match: (alert: IncomingAlert, change: AlertChange) => boolean; resolve: (alert: IncomingAlert) => void }> = [];
  const alertmanagers: Alertmanager[] = [];

  /** Resolves with the alert once a post stores a change that `match` accepts (events, not polling). */
  const nextChange = (match: (alert: IncomingAlert, change: AlertChange) => boolean) => new Promise<IncomingAlert>((resolve) => waiters.push({ match, resolve }));

  beforeAll(async () => {
    configDir = mkdtempSync(path.join(tmpdir(), 'plugboard-webhook-senders-'));
    writeFileSync(path.join(configDir, 'grafana-hmac'), `${HMAC_SECRET}\n`, { mode: 0o600 });
    pb = await startTestPlugboard({
      dialect,
      settings: {
        'plugboard.ingest.tokens': [{ space: 'default', token: TOKEN }],
        'plugboard.ingest.grafana': { hmacSecretFile: path.join(configDir, 'grafana-hmac') },
      },
      ingest: {
        listener: {
          alertsChanged: (_space, changed) => {
            for (const { alert, change } of changed) {
              for (const waiter of [...waiters]) {
                if (!waiter.match(alert, change)) continue;
                waiters.splice(waiters.indexOf(waiter), 1);
                waiter.resolve(alert);
              }
            }
          },
        },
      },
    });
    baseUrl = await pb.plugboard.listen();
  });
  afterAll(async () => {
    for (const am of alertmanagers) await am.stop();
    await pb?.close();
    rmSync(configDir, { recursive: true, force: true });
  });

  const cases: Array<[string, SenderAuth]> = [
    ['the space ingest token (Bearer)', { authorization: { credentials: TOKEN } }],
    ['basic_auth', { basic: { username: 'elastic', password: TEST_PASSWORD } }],
  ];

  for (const [what, webhookAuth] of cases) it(`takes Alertmanager 0.25's webhook notifications with ${what}: the alert firing, then resolved`, async (ctx) => {
    const am = await startAlertmanager({ webhookUrl: `${baseUrl}/api/ingest/alertmanager`, webhookAuth, groupWait: '1s', groupInterval: '1s' });
    if (!am) return ctx.skip();
    alertmanagers.push(am);
    const labels = { alertname: 'WebhookSender', auth: what.startsWith('basic') ? 'basic' : 'token' };
    const fingerprint = labelsFingerprint(labels);
    const sendToAlertmanager = async (extra: Record<string, string>) => {
      const res = await fetch(`${am.url}/api/v2/alerts`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify([{ labels, annotations: { summary: 'sent through Alertmanager' }, generatorURL: 'http://prometheus.example/graph', ...extra }]),
      });
      expect(res.status).toBe(200);
    };
    const withOutput = (err: Error) => {
      throw new Error(`${err.message}; alertmanager said:\n${am.output().slice(-3000)}`);
    };

    const firing = nextChange((alert, change) => alert.fingerprint === fingerprint && change === 'new');
    await sendToAlertmanager({});
    const stored = await Promise.race([firing, timeout(20_000, 'the firing notification')]).catch(withOutput);
    expect(stored).toMatchObject({ labels, annotations: { summary: 'sent through Alertmanager' }, generatorURL: 'http://prometheus.example/graph', source: 'alertmanager-webhook', timeout: true });
    // Firing without an end: active for webhookResolveTimeout after the notification.
    expect(Date.parse(stored.endsAt) - Date.parse(stored.updatedAt)).toBe(6 * HOUR);

    const resolved = nextChange((alert, change) => alert.fingerprint === fingerprint && change === 'resolved');
    await sendToAlertmanager({ startsAt: stored.startsAt, endsAt: new Date().toISOString() });
    const ended = await Promise.race([resolved, timeout(20_000, 'the resolved notification')]).catch(withOutput);
    expect(Date.parse(ended.endsAt)).toBeLessThanOrEqual(Date.now());
    expect(await pb.plugboard.incomingAlerts.get('default', fingerprint)).toMatchObject({ endsAt: ended.endsAt, source: 'alertmanager-webhook' });
  }, 60_000);

  it("takes Grafana's webhook body signed with the HMAC secret from its file, and refuses it tampered", async () => {
    const raw = readFileSync(new URL('./fixtures/ingest/grafana_webhook_firing.json', import.meta.url), 'utf8');
    const send = (body: string, signature: string) =>
      fetch(`${baseUrl}/api/ingest/grafana`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}`, 'X-Grafana-Alert-Signature': signature },
        body,
      });
    const signature = createHmac('sha256', HMAC_SECRET).update(raw).digest('hex');
    const accepted = await send(raw, signature);
    expect(accepted.status).toBe(200);
    const labels = { alertname: 'alert1', lbl1: 'val1' };
    expect((await accepted.json()).alerts).toEqual([{ fingerprint: labelsFingerprint(labels), status: 'firing', change: 'new' }]);
    expect(await pb.plugboard.incomingAlerts.get('default', labelsFingerprint(labels))).toMatchObject({ source: 'grafana-webhook' });

    // The same JSON re-serialised (other bytes) is not what was signed either.
    const tamperedRaw = raw.replace('"lbl1": "val1"', '"lbl1": "val2"');
    for (const body of [tamperedRaw, JSON.stringify(JSON.parse(raw))]) {
      const refused = await send(body, signature);
      expect(refused.status).toBe(401);
      const text = await refused.text();
      expect(JSON.parse(text).message).toBe('Invalid Grafana webhook signature: the signature in x-grafana-alert-signature does not match the body');
      expect(text).not.toContain(HMAC_SECRET);
    }
    expect(await pb.plugboard.incomingAlerts.get('default', labelsFingerprint({ alertname: 'alert1', lbl1: 'val2' }))).toBeUndefined();
  });
});

function timeout(ms: number, what: string): Promise<never> {
  return new Promise((_, reject) => setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms).unref());
}
