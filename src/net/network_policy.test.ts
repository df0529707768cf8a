import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config/load.js';
import { networkPolicyFromConfig } from './network_policy.js';

function policyFor(settings: Record<string, unknown>, baseDir = process.cwd()) {
  const warnings: string[] = [];
  const { config } = loadConfig({ settings: settings as never });
  const policy = networkPolicyFromConfig(config, baseDir, (m) => warnings.push(m));
  return { policy, warnings };
}

const target = (url: string) => new URL(url);

describe('TLS verification mode', () => {
  it('is full by default; the older rejectUnauthorized settings apply only when ssl.* is absent', () => {
    expect(policyFor({}).policy.tlsProfileFor(target('https://a.example'))).toEqual({ verificationMode: 'full' });
    expect(policyFor({ 'xpack.actions.rejectUnauthorized': false }).policy.tlsProfileFor(target('https://a.example')).verificationMode).toBe('none');
    expect(
      policyFor({ 'xpack.actions.rejectUnauthorized': false, 'xpack.actions.ssl.verificationMode': 'certificate' }).policy.tlsProfileFor(target('https://a.example'))
        .verificationMode,
    ).toBe('certificate');
    const proxied = policyFor({ 'xpack.actions.proxyUrl': 'https://proxy.example:3129', 'xpack.actions.proxyRejectUnauthorizedCertificates': false }).policy;
    expect(proxied.proxyFor('a.example')?.verificationMode).toBe('none');
  });

  it('takes the custom host entry over the global mode, and the connector over both', () => {
    const { policy } = policyFor({
      'xpack.actions.ssl.verificationMode': 'full',
      'xpack.actions.customHostSettings': [{ url: 'https://internal.example:8443', ssl: { verificationMode: 'none', certificateAuthoritiesData: 'CA-PEM' } }],
    });
    expect(policy.tlsProfileFor(target('https://internal.example:8443/any/path?q=1'))).toEqual({ verificationMode: 'none', ca: 'CA-PEM' });
    // Scheme, host and port must all match.
    expect(policy.tlsProfileFor(target('https://internal.example/x'))).toEqual({ verificationMode: 'full' });
    expect(policy.tlsProfileFor(target('https://internal.example:8443'), { verificationMode: 'certificate', ca: 'OWN-CA', passphrase: 'p' })).toEqual({
      verificationMode: 'certificate',
      ca: 'OWN-CA',
      passphrase: 'p',
    });
  });
});

describe('proxy', () => {
  const proxy = { 'xpack.actions.proxyUrl': 'http://proxy.example:3128', 'xpack.actions.proxyHeaders': { 'Proxy-Authorization': 'Basic eDp5' } };

  it('is used for every host unless bypassed, or only for the listed hosts', () => {
    const all = policyFor(proxy).policy;
    expect(all.proxyFor('Hooks.Example.com')).toEqual({ url: 'http://proxy.example:3128', headers: { 'Proxy-Authorization': 'Basic eDp5' }, verificationMode: 'full' });
    const bypass = policyFor({ ...proxy, 'xpack.actions.proxyBypassHosts': ['internal.example'] }).policy;
    expect(bypass.proxyFor('INTERNAL.example')).toBeUndefined();
    expect(bypass.proxyFor('hooks.example.com')).toBeDefined();
    const only = policyFor({ ...proxy, 'xpack.actions.proxyOnlyHosts': ['hooks.example.com'] }).policy;
    expect(only.proxyFor('hooks.example.com')).toBeDefined();
    expect(only.proxyFor('internal.example')).toBeUndefined();
    expect(policyFor({}).policy.proxyFor('hooks.example.com')).toBeUndefined();
  });

  it('ignores proxyOnlyHosts, with a warning, when proxyBypassHosts is set too', () => {
    const { policy, warnings } = policyFor({ ...proxy, 'xpack.actions.proxyBypassHosts': ['a.example'], 'xpack.actions.proxyOnlyHosts': ['b.example'] });
    expect(warnings).toEqual(['xpack.actions.proxyBypassHosts and xpack.actions.proxyOnlyHosts cannot be used together; xpack.actions.proxyOnlyHosts is ignored.']);
    expect(policy.proxyFor('a.example')).toBeUndefined();
    expect(policy.proxyFor('c.example')).toBeDefined();
  });
});

describe('customHostSettings', () => {
  it("are normalised as Kibana does: canonical url, https and smtp only, first duplicate wins, CA files appended", () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'plugboard-ca-'));
    writeFileSync(path.join(dir, 'one.pem'), 'PEM-ONE');
    writeFileSync(path.join(dir, 'two.pem'), 'PEM-TWO');
    const { policy, warnings } = policyFor(
      {
        'xpack.actions.customHostSettings': [
          { url: 'https://user:pw@Mail.Example.com/path#frag', ssl: { certificateAuthoritiesData: 'PEM-INLINE', certificateAuthoritiesFiles: ['one.pem', path.join(dir, 'two.pem')] } },
          { url: 'https://mail.example.com:443', ssl: { verificationMode: 'none' } },
          { url: 'http://plain.example' },
          { url: 'not a url' },
          { url: 'smtp://smtp.example', smtp: { requireTLS: true, ignoreTLS: true } },
          { url: 'https://web.example', smtp: { ignoreTLS: true } },
        ],
      },
      dir,
    );
    expect(policy.customHostFor(target('https://mail.example.com'))).toEqual({ url: 'https://mail.example.com:443', ssl: { certificateAuthoritiesData: 'PEM-INLINE\nPEM-ONE\nPEM-TWO' } });
    expect(policy.customHostFor(target('http://plain.example'))).toBeUndefined();
    expect(policy.customHostFor(target('https://web.example'))).toEqual({ url: 'https://web.example:443' });
    expect(warnings).toEqual([
      'xpack.actions.customHostSettings[0]: the credentials in URL "https://user:pw@Mail.Example.com/path#frag" are ignored; remove them from the configuration',
      'xpack.actions.customHostSettings[0]: the hash in URL "https://user:pw@Mail.Example.com/path#frag" is ignored',
      'xpack.actions.customHostSettings[0]: the path in URL "https://user:pw@Mail.Example.com/path#frag" is ignored',
      'xpack.actions.customHostSettings[1]: an earlier entry already has the canonical URL "https://mail.example.com:443"; only the first is used',
      'xpack.actions.customHostSettings[2]: unsupported protocol in URL "http://plain.example" (only https: and smtp:), ignoring it',
      'xpack.actions.customHostSettings[3]: invalid URL "not a url", ignoring it: Invalid URL',
      'xpack.actions.customHostSettings[4]: requireTLS and ignoreTLS are both true; using requireTLS',
      'xpack.actions.customHostSettings[5]: URL "https://web.example" is not smtp:, so its smtp settings are ignored',
    ]);
    // smtp:// entries without a port match port 25.
    expect(policy.smtpPolicy('smtp.example', 25)).toMatchObject({ requireTLS: true, tls: { rejectUnauthorized: true } });
    expect(policy.smtpPolicy('smtp.example', 587).requireTLS).toBeUndefined();
  });

  it('stop start-up when a CA file cannot be read, naming the setting', () => {
    expect(() =>
      policyFor({ 'xpack.actions.customHostSettings': [{ url: 'https://a.example', ssl: { certificateAuthoritiesFiles: '/nonexistent/ca.pem' } }] }),
    ).toThrow(/^Invalid configuration: xpack\.actions\.customHostSettings\[0\]\.ssl\.certificateAuthoritiesFiles: cannot read "\/nonexistent\/ca\.pem": ENOENT/);
  });
});

describe('SMTP', () => {
  it('gets TLS verification, the smtp flags of its host entry, and the proxy', () => {
    const { policy } = policyFor({
      'xpack.actions.proxyUrl': 'http://proxy.example:3128',
      'xpack.actions.proxyBypassHosts': ['direct.example'],
      'xpack.actions.ssl.verificationMode': 'certificate',
      'xpack.actions.customHostSettings': [{ url: 'smtp://mail.example:587', smtp: { ignoreTLS: true }, ssl: { certificateAuthoritiesData: 'MAIL-CA' } }],
    });
    const mail = policy.smtpPolicy('mail.example', 587);
    expect(mail).toMatchObject({ ignoreTLS: true, proxy: { url: 'http://proxy.example:3128' }, tls: { rejectUnauthorized: true, ca: 'MAIL-CA' } });
    expect(mail.tls.checkServerIdentity).toBeTypeOf('function');
    expect(mail.requireTLS).toBeUndefined();
    const direct = policy.smtpPolicy('direct.example', 465);
    expect(direct.proxy).toBeUndefined();
    expect(direct.tls.ca).toBeUndefined();
  });
});
