import { describe, expect, it } from 'vitest';
import { forbidden } from '../../common/errors.js';
import type { IncomingAlert } from '../../ingest/types.js';
import type { Silences } from '../../ingest/silences.js';
import { ingestUiRoutes } from './ingest_ui.js';

// The "rules" of GET /internal/ingest/alerts with an authorizer that refuses one consumer's rules
// (Plugboard's own authorizes by space, so the route test cannot show it): those rules are left
// out, not the alerts; a rule whose params do not parse selects nothing; other types are ignored.

const at = '2026-03-01T00:00:00.000Z';
const alert: IncomingAlert = {
  spaceId: 'default',
  fingerprint: '0000000000000001',
  labels: { alertname: 'A', team: 'db' },
  annotations: {},
  startsAt: at,
  endsAt: '2026-03-01T00:05:00.000Z',
  timeout: true,
  generatorURL: '',
  updatedAt: at,
  firstSeenAt: at,
  source: 'alertmanager-api',
};
const rule = (id: string, consumer: string, matchers: unknown, alertTypeId = 'plugboard.incoming-alerts') => ({ id, name: `rule ${id}`, consumer, alertTypeId, params: { matchers } });

describe('the rules of an incoming alert', () => {
  it('names only the readable incoming-alerts rules whose matchers parse and select it', async () => {
    const asked: string[] = [];
    const [list] = ingestUiRoutes({
      store: { list: async () => [alert] },
      silences: { silencedBy: async () => [] } as unknown as Silences,
      rules: {
        listBySpace: async () => [
          rule('b', 'alerts', ['team="db"']),
          rule('a', 'alerts', []),
          rule('hidden', 'secret', []),
          rule('other-team', 'alerts', ['team="web"']),
          rule('broken', 'alerts', ['team=~"(db"']),
          rule('not-incoming', 'alerts', [], '.index-threshold'),
        ],
      },
      authorizer: {
        rulesPrivilegeIn: async () => 'read',
        ensureRulesAuthorized: async (_p, _s, operation, typeId, consumer) => {
          asked.push(`${operation} ${typeId} ${consumer}`);
          if (consumer === 'secret') throw forbidden(`Unauthorized by "${consumer}" to get "${typeId}" rule`);
        },
      },
      clock: () => new Date(at),
    });
    const scope = { spaceId: 'default', principal: { username: 'u', roles: [], authenticationType: 'basic' as const } };
    const res = await list!.handler({ request: { query: {} }, scope } as never);
    expect((res.body as { alerts: Array<{ rules: unknown }> }).alerts.map((a) => a.rules)).toEqual([
      [
        { id: 'a', name: 'rule a' },
        { id: 'b', name: 'rule b' },
      ],
    ]);
    // Once per consumer.
    expect(asked.sort()).toEqual(['get plugboard.incoming-alerts alerts', 'get plugboard.incoming-alerts secret']);
  });
});
