import type { TicketOperations } from '../../actions/follow/run.js';
import type { ExecutorContext } from '../../actions/types.js';
import { pushToService } from '../lib/push_to_service.js';
import type { CasesWebhookConfig, CasesWebhookIncident, CasesWebhookParams, CasesWebhookSecrets } from './schema.js';
import { casesWebhookService } from './service.js';

// Cases that follow their alerts, through the connector's own templates: pushed as pushToService
// does, commented with the comment request, and closed or reopened by an update whose
// `{{{case.status}}}` is `closed` or `open` (Kibana's case statuses); an update template that
// does not use the status leaves the case's status as the service keeps it.

type Context = ExecutorContext<CasesWebhookConfig, CasesWebhookSecrets, CasesWebhookParams>;

/** The action's case with another status, for the update request. */
function withStatus(ctx: Context, status: 'open' | 'closed'): CasesWebhookIncident {
  const { externalId: _externalId, ...incident } = ctx.params.subActionParams.incident;
  return { ...incident, status };
}

export const casesWebhookFollow: TicketOperations<CasesWebhookConfig, CasesWebhookSecrets, CasesWebhookParams> = {
  push(ctx, externalId) {
    const { incident, comments } = ctx.params.subActionParams;
    return pushToService(casesWebhookService(ctx), { incident: { ...incident, externalId }, comments: comments?.filter((c) => c.comment) });
  },
  async comment(ctx, externalId, text) {
    await casesWebhookService(ctx).addComment(externalId, { commentId: 'follow-alert', comment: text });
  },
  async close(ctx, externalId) {
    await casesWebhookService(ctx).updateIncident(externalId, withStatus(ctx, 'closed'));
  },
  async reopen(ctx, externalId) {
    await casesWebhookService(ctx).updateIncident(externalId, withStatus(ctx, 'open'));
  },
};
