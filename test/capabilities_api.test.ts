import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { availableDialects } from './helpers/databases.js';
import { startTestPlugboard, type TestPlugboard } from './helpers/plugboard.js';

const dialects = await availableDialects();

// Kibana's POST /api/core/capabilities: what the UI may offer the caller in the space of the
// request, from the `actions` privilege the caller's roles grant there.

const PASSWORD = 'a-test-password';
const basic = (username: string) => `Basic ${Buffer.from(`${username}:${PASSWORD}`).toString('base64')}`;
const NONE = { show: false, execute: false, save: false, delete: false };
const READ = { show: true, execute: true, save: false, delete: false };
const ALL = { show: true, execute: true, save: true, delete: true };

describe.each(dialects)('capabilities API on %s', (dialect) => {
  let pb: TestPlugboard;
  const capabilities = (username: string | undefined, prefix = '', query = '') =>
    pb.api('POST', `${prefix}/api/core/capabilities${query}`, { applications: [] }, username ? { headers: { authorization: basic(username) } } : undefined);

  beforeAll(async () => {
    pb = await startTestPlugboard({ dialect });
    expect((await pb.api('POST', '/api/spaces/space', { id: 'ops', name: 'Ops' })).status).toBe(200);
    const roles = {
      'ops-reader': [{ base: [], feature: { actions: ['read'] }, spaces: ['ops'] }],
      'ops-admin': [{ base: [], feature: { actions: ['all'] }, spaces: ['ops'] }],
    };
    for (const [name, kibana] of Object.entries(roles)) {
      expect((await pb.api('PUT', `/api/security/role/${name}`, { elasticsearch: {}, kibana })).status).toBe(204);
    }
    for (const [username, userRoles] of [['rita', ['ops-reader']], ['adam', ['ops-admin']], ['vera', ['viewer']]]) {
      expect((await pb.api('PUT', `/api/security/user/${username}`, { password: PASSWORD, roles: userRoles })).status).toBe(200);
    }
  });
  afterAll(async () => pb.close());

  it("gives each user the actions capabilities of their privilege in the request's space", async () => {
    const cases: Array<[string | undefined, string, object]> = [
      [undefined, '', ALL],
      [undefined, '/s/ops', ALL],
      ['rita', '/s/ops', READ],
      ['rita', '', NONE],
      ['adam', '/s/ops', ALL],
      ['adam', '', NONE],
      ['vera', '', READ],
      ['vera', '/s/ops', READ],
    ];
    for (const [user, prefix, actions] of cases) {
      const res = await capabilities(user, prefix);
      expect(res.status, `${user ?? 'elastic'} at ${prefix || 'default'}`).toBe(200);
      expect(res.body.actions, `${user ?? 'elastic'} at ${prefix || 'default'}`).toEqual(actions);
    }
  });

  it("answers in Kibana's shape, with the connectors management page shown only to those who may read", async () => {
    const reader = await capabilities('rita', '/s/ops');
    expect(reader.body).toEqual({
      navLinks: {},
      management: { insightsAndAlerting: { triggersActions: true, triggersActionsConnectors: true } },
      catalogue: {},
      actions: READ,
      rules: { show: false, save: false },
    });
    expect((await capabilities('rita')).body.management).toEqual({ insightsAndAlerting: { triggersActions: false, triggersActionsConnectors: false } });
  });

  it('gives the rules capabilities of the privilege on rules (Plugboard), apart from connectors', async () => {
    expect((await capabilities(undefined)).body.rules).toEqual({ show: true, save: true });
    expect((await capabilities('vera')).body.rules).toEqual({ show: true, save: false });
    expect((await capabilities('adam', '/s/ops')).body.rules).toEqual({ show: false, save: false });
    expect((await capabilities('adam', '', '?useDefaultCapabilities=true')).body.rules).toEqual({ show: true, save: true });
  });

  it('gives the default capabilities when asked, whatever the privileges', async () => {
    expect((await capabilities('rita', '', '?useDefaultCapabilities=true')).body.actions).toEqual(ALL);
    expect((await capabilities('rita', '/s/ops', '?useDefaultCapabilities=false')).body.actions).toEqual(READ);
  });

  it('refuses bad input, unknown spaces and missing credentials', async () => {
    const noBody = await pb.api('POST', '/api/core/capabilities', {});
    expect(noBody.status).toBe(400);
    expect(noBody.body).toMatchObject({ statusCode: 400, error: 'Bad Request', message: expect.stringContaining('applications') });
    const badFlag = await pb.api('POST', '/api/core/capabilities?useDefaultCapabilities=maybe', { applications: [] });
    expect(badFlag.status).toBe(400);
    expect(badFlag.body.message).toContain('useDefaultCapabilities');
    expect((await pb.api('POST', '/s/nowhere/api/core/capabilities', { applications: [] })).status).toBe(404);
    expect((await pb.api('POST', '/api/core/capabilities', { applications: [] }, { headers: { authorization: '' } })).status).toBe(401);
    const noXsrf = await pb.api('POST', '/api/core/capabilities', { applications: [] }, { headers: { 'kbn-xsrf': '' } });
    expect(noXsrf.status).toBe(400);
  });
});
