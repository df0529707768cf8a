import { z } from 'zod';
import type { RulesClient } from '../../alerting/rules_client.js';
import type { TicketLinksRepository } from '../../storage/ticket_links_repository.js';
import { defineRoute, type RouteSpec } from '../route.js';
import { errorResponses } from '../schemas.js';

// The tickets a rule's actions that follow their alerts keep (docs/follow-alerts.md), for the
// rule's page: which ticket each alert has, and whether it is open.

const ticketSchema = z.object({
  action_uuid: z.string(),
  alert_id: z.string(),
  connector_id: z.string().nullable(),
  external_id: z.string().nullable().meta({ description: "The ticket's id in the service; null: the alert has none (only its episode's end is known)." }),
  title: z.string().nullable(),
  url: z.string().nullable(),
  state: z.enum(['none', 'open', 'closed']),
  opened_at: z.string().nullable(),
  closed_at: z.string().nullable(),
  updated_at: z.string(),
});

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export function ruleTicketRoutes(deps: { rules: RulesClient; tickets: TicketLinksRepository }): RouteSpec[] {
  return [
    defineRoute({
      method: 'GET',
      url: '/internal/alerting/rule/:id/_tickets',
      operationId: 'getRuleTickets',
      audit: false,
      access: 'internal',
      summary: 'The tickets of the actions of a rule that follow their alerts, by action and alert (Plugboard; used by the UI)',
      tags: ['alerting'],
      params: z.strictObject({ id: z.string().min(1).meta({ description: 'The rule identifier.' }) }),
      responses: { 200: { description: 'The tickets', schema: z.array(ticketSchema) }, ...errorResponses(401, 403, 404) },
      async handler({ params, scope }) {
        const rule = await deps.rules.get(scope, params.id);
        const links = await deps.tickets.listForRule(scope.spaceId, rule.id);
        return {
          body: links.map((l) => ({
            action_uuid: l.actionUuid,
            alert_id: l.alertId,
            connector_id: l.connectorId,
            external_id: l.externalId,
            title: l.title,
            url: l.url,
            state: l.state,
            opened_at: iso(l.openedAt),
            closed_at: iso(l.closedAt),
            updated_at: iso(l.updatedAt)!,
          })),
        };
      },
    }),
  ];
}
