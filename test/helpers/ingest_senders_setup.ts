import type { DialectName } from './databases.js';
import { startTestPlugboard, type TestPlugboard, type TestPlugboardOptions } from './plugboard.js';

// The Plugboard that the ingest route tests post to: ingest tokens for the spaces `default` and
// `other` (which it creates), a low maxActiveAlerts, and users holding the rules' privileges in
// `default`: `alerts-reader` (read), `alerts-writer` (all), `connectors-only` (none of them).

export const INGEST_TOKEN = 'default-space-ingest-token-0123456789abcdef';
export const OTHER_INGEST_TOKEN = 'other-space-ingest-token-0123456789abcdef';
const USER_PASSWORD = 'a-password-1';

/** The Basic credentials of one of the users below. */
export const basicAs = (user: string) => `Basic ${Buffer.from(`${user}:${USER_PASSWORD}`).toString('base64')}`;

export async function startIngestPlugboard(
  dialect: DialectName,
  opts: { maxActiveAlerts: number; settings?: Record<string, unknown>; ingest: TestPlugboardOptions['ingest'] },
): Promise<TestPlugboard> {
  const pb = await startTestPlugboard({
    dialect,
    settings: {
      'plugboard.ingest.maxActiveAlerts': opts.maxActiveAlerts,
      'plugboard.ingest.tokens': [
        { space: 'default', token: INGEST_TOKEN },
        { space: 'other', token: OTHER_INGEST_TOKEN },
      ],
      ...opts.settings,
    },
    ingest: opts.ingest,
  });
  const check = (what: string, status: number, expected: number) => {
    if (status !== expected) throw new Error(`${what} answered ${status}`);
  };
  check('creating the space other', (await pb.api('POST', '/api/spaces/space', { id: 'other', name: 'Other' })).status, 200);
  const user = async (name: string, kibana: unknown[]) => {
    check(`the role ${name}`, (await pb.api('PUT', `/api/security/role/${name}`, { kibana })).status, 204);
    check(`the user ${name}`, (await pb.api('PUT', `/api/security/user/${name}`, { password: USER_PASSWORD, roles: [name] })).status, 200);
  };
  await user('alerts-reader', [{ base: [], feature: { stackAlerts: ['read'] }, spaces: ['default'] }]);
  await user('alerts-writer', [{ base: [], feature: { stackAlerts: ['all'] }, spaces: ['default'] }]);
  await user('connectors-only', [{ base: [], feature: { actions: ['all'] }, spaces: ['default'] }]);
  return pb;
}
