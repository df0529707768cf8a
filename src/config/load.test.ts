import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, expandDottedKeys, loadConfig, overridesFromEnv } from './load.js';

function yamlFile(text: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'plugboard-config-'));
  const file = path.join(dir, 'plugboard.yml');
  writeFileSync(file, text);
  return file;
}

describe('configuration', () => {
  it("applies Kibana's defaults for every xpack.actions setting", () => {
    const { config } = loadConfig();
    const actions = config.xpack.actions;
    expect(actions.allowedHosts).toEqual(['*']);
    expect(actions.enabledActionTypes).toEqual(['*']);
    expect(actions.preconfigured).toEqual({});
    expect(actions.preconfiguredAlertHistoryEsIndex).toBe(false);
    // Left unset, so that the older rejectUnauthorized settings can apply (see network_policy.test.ts).
    expect(actions.ssl).toEqual({});
    expect(actions.maxResponseContentLength).toBe(1024 * 1024);
    expect(actions.responseTimeout).toBe(60_000);
    expect(actions.queued.max).toBe(1_000_000);
    expect(actions.email.services.enabled).toEqual(['*']);
    expect(actions.email.services.ses).toEqual({ host: 'email-smtp.us-east-1.amazonaws.com', port: 465 });
    expect(actions.email.maximum_body_length).toBe(25_000_000);
    expect(actions.enableFooterInEmail).toBe(true);
    expect(actions.microsoftGraphApiUrl).toBe('https://graph.microsoft.com/v1.0');
    expect(actions.microsoftGraphApiScope).toBe('https://graph.microsoft.com/.default');
    expect(actions.microsoftExchangeUrl).toBe('https://login.microsoftonline.com');
    // Not interpreted, so without defaults: present only when set (and then warned about).
    expect(actions.usage).toBeUndefined();
    expect(actions.enabled).toBeUndefined();
    expect(actions.webhook.ssl.pfx.enabled).toBe(true);
    expect(actions.run).toEqual({});
    expect(config.server).toEqual({
      port: 5601,
      host: 'localhost',
      maxPayload: 1048576,
      ssl: { enabled: false, keystore: {}, supportedProtocols: ['TLSv1.2', 'TLSv1.3'], clientAuthentication: 'none' },
    });
    expect(config.path.data).toBe('./data');
  });

  it('reads dotted and nested keys alike, with units', () => {
    const file = yamlFile(`
server.port: 7000
xpack.actions:
  allowedHosts: [hooks.example.com]
  responseTimeout: 2m
  maxResponseContentLength: 2mb
  ssl.verificationMode: certificate
xpack.actions.customHostSettings:
  - url: smtp://mail.example:587
    smtp: { requireTLS: true }
xpack.actions.preconfigured:
  my-slack:
    name: Ops Slack
    actionTypeId: .slack
    secrets: { webhookUrl: "https://hooks.slack.com/services/x" }
    config:
      headers: { "X.Dotted": "kept" }
`);
    const { config } = loadConfig({ file });
    expect(config.server.port).toBe(7000);
    expect(config.xpack.actions.allowedHosts).toEqual(['hooks.example.com']);
    expect(config.xpack.actions.responseTimeout).toBe(120_000);
    expect(config.xpack.actions.maxResponseContentLength).toBe(2 * 1024 * 1024);
    expect(config.xpack.actions.ssl.verificationMode).toBe('certificate');
    expect(config.xpack.actions.customHostSettings?.[0].smtp?.requireTLS).toBe(true);
    expect(config.xpack.actions.preconfigured['my-slack'].config).toEqual({ headers: { 'X.Dotted': 'kept' } });
  });

  it('keeps connector and type ids whole as keys of the maps keyed by them', () => {
    const file = yamlFile(`
plugboard.actions.flowControl:
  types:
    .slack: { rate.perSecond: 1, rate.burst: 2 }
  connectors:
    ops.pager: { concurrency: 3 }
plugboard.serviceUrlOverrides:
  .slack_api: http://127.0.0.1:8080/api
`);
    const { config } = loadConfig({ file });
    expect(config.plugboard.actions.flowControl.types).toEqual({ '.slack': { rate: { perSecond: 1, burst: 2 } } });
    expect(config.plugboard.actions.flowControl.connectors).toEqual({ 'ops.pager': { concurrency: 3 } });
    expect(config.plugboard.serviceUrlOverrides).toEqual({ '.slack_api': 'http://127.0.0.1:8080/api' });
  });

  it.each([
    ['an unknown key', 'xpack.actions.allowedHostz: ["*"]', 'xpack.actions.allowedHostz: unknown setting'],
    ['an unknown top-level key', 'serverr.port: 1', 'serverr: unknown setting'],
    ['a wrong type', 'server.port: "high"', 'server.port: Expected number, received string'],
    ['an invalid enum value', 'xpack.actions.ssl.verificationMode: sometimes', "xpack.actions.ssl.verificationMode: Invalid enum value. Expected 'none' | 'certificate' | 'full', received 'sometimes'"],
    ['a bad duration', 'xpack.actions.responseTimeout: soon', 'xpack.actions.responseTimeout: expected a duration such as "60s", got "soon"'],
    ['an out-of-range number', 'xpack.actions.run.maxAttempts: 11', 'xpack.actions.run.maxAttempts: Number must be less than or equal to 10'],
    ['a short encryption key', 'xpack.encryptedSavedObjects.encryptionKey: short', 'xpack.encryptedSavedObjects.encryptionKey: must be at least 32 characters'],
    ['a non-postgres database url', 'database.url: mysql://x', 'database.url: must be a postgres:// URL'],
    ['a key given twice', 'server.port: 1\nserver:\n  port: 2', 'server.port is given twice'],
    ['both email allowlists', 'xpack.actions.email.domain_allowlist: [a.com]\nxpack.actions.email.recipient_allowlist: ["*@a.com"]', 'xpack.actions.email.recipient_allowlist: cannot be used together'],
    ['a proxy URL that is not one', 'xpack.actions.proxyUrl: "proxy:3128"', 'xpack.actions.proxyUrl: must be an http:// or https:// URL'],
    ['a denied range that is not one', 'plugboard.net.deniedAddresses: ["169.254.0.0/33"]', 'plugboard.net.deniedAddresses.0: must be an address range such as 10.0.0.0/8 or fd00::/8'],
    ['a reserved preconfigured id', 'xpack.actions.preconfigured:\n  constructor: {name: x, actionTypeId: .server-log}', 'xpack.actions.preconfigured.constructor: "constructor" is not a valid connector id'],
  ])('stops on %s, naming the key', (_what, yaml, expected) => {
    const file = yamlFile(yaml);
    expect(() => loadConfig({ file })).toThrow(ConfigError);
    expect(() => loadConfig({ file })).toThrow(expected);
  });

  it('refuses a file that is not YAML or not a map', () => {
    expect(() => loadConfig({ file: yamlFile('a: [unclosed') })).toThrow(/is not valid YAML/);
    expect(() => loadConfig({ file: yamlFile('- a\n- b') })).toThrow(/must hold a map of settings/);
    expect(() => loadConfig({ file: '/nonexistent/plugboard.yml' })).toThrow(/Cannot read the configuration file/);
  });

  it('takes environment variables and lets them override the file', () => {
    const file = yamlFile('server.port: 7000\npath.data: /from/file');
    const { config } = loadConfig({
      file,
      overrides: overridesFromEnv({ PLUGBOARD_PORT: '7100', PLUGBOARD_DATA_DIR: '/from/env', PLUGBOARD_DATABASE_URL: 'postgres://u@h/db' }),
    });
    expect(config.server.port).toBe(7100);
    expect(config.path.data).toBe('/from/env');
    expect(config.database.url).toBe('postgres://u@h/db');
    expect(() => overridesFromEnv({ PLUGBOARD_PORT: 'abc' })).toThrow('PLUGBOARD_PORT must be a port number');
  });

  it('expands dotted keys without touching connector ids', () => {
    expect(expandDottedKeys({ 'a.b': 1, a: { c: 2 } })).toEqual({ a: { b: 1, c: 2 } });
  });
});
