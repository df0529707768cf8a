import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config/load.js';
import { grafanaIngestSettings } from '../src/ingest/secret_files.js';
import { IngestTokens } from '../src/ingest/tokens.js';
import { captureLogger } from './helpers/logs.js';
import { startTestPlugboard } from './helpers/plugboard.js';

// plugboard.ingest.*: defaults, and the ingest tokens, which are secrets: errors name the
// configuration key and never hold a token, a token opens its own space only, and nothing logs it.

const TOKEN = 'a-token-of-the-default-space-0123456789';
const dir = mkdtempSync(path.join(tmpdir(), 'plugboard-ingest-settings-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const configError = (settings: Record<string, unknown>) => {
  try {
    const { config } = loadConfig({ settings });
    IngestTokens.fromConfig(config.plugboard.ingest.tokens, dir);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('no error');
};

describe('plugboard.ingest settings', () => {
  it("defaults to Alertmanager's resolve_timeout, an hour of resolved alerts, 50,000 active alerts, no token and Alertmanager's 120 h for expired silences", () => {
    const { config } = loadConfig({ settings: {} });
    expect(config.plugboard.ingest).toEqual({
      resolveTimeout: 300_000,
      webhookResolveTimeout: 6 * 3_600_000,
      resolvedRetention: 3_600_000,
      maxActiveAlerts: 50_000,
      tokens: [],
      silenceRetention: 120 * 3_600_000,
      grafana: {},
      json: {},
    });
    expect(loadConfig({ settings: { 'plugboard.ingest.resolveTimeout': '90s' } }).config.plugboard.ingest.resolveTimeout).toBe(90_000);
  });

  it('refuses bad tokens naming the key, never the token', () => {
    const short = configError({ 'plugboard.ingest.tokens': [{ space: 'default', token: 'short-secret' }] });
    expect(short).toContain('plugboard.ingest.tokens.0.token: must be at least 32 characters');
    expect(short).not.toContain('short-secret');
    expect(configError({ 'plugboard.ingest.tokens': [{ space: 'default' }] })).toContain('plugboard.ingest.tokens.0: give exactly one of token and tokenFile');
    expect(configError({ 'plugboard.ingest.tokens': [{ space: 'default', token: TOKEN, tokenFile: 'x' }] })).toContain('give exactly one of token and tokenFile');
    expect(configError({ 'plugboard.ingest.tokens': [{ space: 'Not A Space', token: TOKEN }] })).toContain('plugboard.ingest.tokens.0.space: must be a space id');
    const twice = configError({ 'plugboard.ingest.tokens': [{ space: 'default', token: TOKEN }, { space: 'ops', token: TOKEN }] });
    expect(twice).toBe('Invalid configuration: plugboard.ingest.tokens[1]: the same token as plugboard.ingest.tokens[0]; each token must be its own');
    expect(configError({ 'plugboard.ingest.tokens': [{ space: 'default', tokenFile: 'missing-file' }] })).toMatch(/^Invalid configuration: plugboard\.ingest\.tokens\[0\]\.tokenFile: cannot read .*missing-file: ENOENT$/);
    writeFileSync(path.join(dir, 'short'), 'short-secret\n');
    const shortFile = configError({ 'plugboard.ingest.tokens': [{ space: 'default', tokenFile: 'short' }] });
    expect(shortFile).toContain('plugboard.ingest.tokens[0].tokenFile: the token in');
    expect(shortFile).not.toContain('short-secret');
  });

  it('reads a token file (its newline dropped); a token opens its own space only', () => {
    writeFileSync(path.join(dir, 'token'), `${TOKEN}\n`);
    const tokens = IngestTokens.fromConfig([{ space: 'ops', tokenFile: 'token' }, { space: 'default', token: 'x'.repeat(32) }], dir);
    expect(tokens.authenticate(`Bearer ${TOKEN}`, 'ops')).toEqual({ username: 'ingest-token:ops', roles: [], authenticationType: 'ingest_token', ingestSpace: 'ops' });
    expect(tokens.authenticate(`Bearer ${TOKEN}`, 'default')).toBeUndefined();
    expect(tokens.authenticate(`Bearer ${TOKEN}\n`, 'ops')).toBeUndefined();
    expect(tokens.authenticate(`Basic ${TOKEN}`, 'ops')).toBeUndefined();
    expect(tokens.authenticate('Bearer ', 'ops')).toBeUndefined();
    expect(tokens.authenticate(`Bearer ${'x'.repeat(32)}`, 'default')?.ingestSpace).toBe('default');
  });

  it("webhookResolveTimeout exceeds Alertmanager's and Grafana's default repeat_interval + group_interval (4h + 5m)", () => {
    expect(loadConfig({ settings: {} }).config.plugboard.ingest.webhookResolveTimeout).toBeGreaterThan(4 * 3_600_000 + 5 * 60_000);
    expect(loadConfig({ settings: { 'plugboard.ingest.webhookResolveTimeout': '25h' } }).config.plugboard.ingest.webhookResolveTimeout).toBe(25 * 3_600_000);
  });

  it('reads the Grafana HMAC secret from its file; errors name the key, never the secret', () => {
    writeFileSync(path.join(dir, 'hmac'), 'the-hmac-secret\n');
    expect(grafanaIngestSettings({ hmacSecretFile: 'hmac', hmacHeader: 'X-Sig' }, dir)).toEqual({ hmacSecret: 'the-hmac-secret', hmacHeader: 'X-Sig' });
    expect(() => grafanaIngestSettings({ hmacSecretFile: 'missing-hmac' }, dir)).toThrow(/^Invalid configuration: plugboard\.ingest\.grafana\.hmacSecretFile: cannot read .*missing-hmac: ENOENT$/);
    writeFileSync(path.join(dir, 'empty'), '\n');
    expect(() => grafanaIngestSettings({ hmacSecretFile: 'empty' }, dir)).toThrow(/hmacSecretFile: the file .*empty is empty/);
    expect(configError({ 'plugboard.ingest.grafana': { hmacSecret: 'the-hmac-secret', hmacSecretFile: 'hmac' } })).toContain('give at most one of hmacSecret and hmacSecretFile');
    expect(configError({ 'plugboard.ingest.grafana': { hmacHeader: 'not a header' } })).toContain('plugboard.ingest.grafana.hmacHeader: must be a header name');
    expect(configError({ 'plugboard.ingest.json': { 'Bad Name': { labels: { a: 'b' } } } })).toContain('plugboard.ingest.json');
    expect(configError({ 'plugboard.ingest.json': { zabbix: { annotations: { a: 'b' } } } })).toContain('a mapping needs `labels`, `labelsFrom` or `constantLabels`');
  });

  it('never logs the Grafana HMAC secret', async () => {
    const { logger, lines } = captureLogger();
    const secret = 'a-grafana-hmac-secret-to-hide';
    const pb = await startTestPlugboard({ logger, settings: { 'logging.root.level': 'debug', 'plugboard.ingest.grafana': { hmacSecret: secret } } });
    try {
      const raw = JSON.stringify({ version: '1', orgId: 1, state: 'alerting', status: 'firing', alerts: [{ status: 'firing', labels: { alertname: 'Signed' } }] });
      const signature = createHmac('sha256', secret).update(raw).digest('hex');
      for (const sig of [signature, '0'.repeat(64)]) {
        const res = await pb.api('POST', '/api/ingest/grafana', undefined, { raw, headers: { 'x-grafana-alert-signature': sig, 'kbn-xsrf': '' } });
        expect(res.text).not.toContain(secret);
      }
      await pb.plugboard.flushWrites();
      const audit = await pb.plugboard.database.db.selectFrom('audit_log').selectAll().execute();
      expect(lines.join('\n')).not.toContain(secret);
      expect(JSON.stringify(audit)).not.toContain(secret);
      expect((await pb.api('GET', '/api/v2/status')).text).not.toContain(secret);
    } finally {
      await pb.close();
    }
  });

  it('never logs a token, right or wrong', async () => {
    const { logger, lines } = captureLogger();
    const pb = await startTestPlugboard({ logger, settings: { 'logging.root.level': 'debug', 'plugboard.ingest.tokens': [{ space: 'default', token: TOKEN }] } });
    try {
      for (const token of [TOKEN, `${TOKEN}-wrong`]) {
        await pb.api('POST', '/api/v2/alerts', [{ labels: { alertname: 'Logged' } }], { headers: { authorization: `Bearer ${token}`, 'kbn-xsrf': '' } });
        await pb.api('GET', '/api/v2/status', undefined, { headers: { authorization: `Bearer ${token}` } });
      }
      await pb.plugboard.flushWrites();
      const audit = await pb.plugboard.database.db.selectFrom('audit_log').selectAll().execute();
      expect(lines.length).toBeGreaterThan(0);
      expect(lines.join('\n')).not.toContain(TOKEN);
      expect(JSON.stringify(audit)).not.toContain(TOKEN);
    } finally {
      await pb.close();
    }
  });
});
