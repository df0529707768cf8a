import type { FollowAlertOption } from '../../actions/follow/policy.js';
import type { TicketOperations } from '../../actions/follow/run.js';
import type { ExecutorContext } from '../../actions/types.js';
import { pushToService } from '../lib/push_to_service.js';
import type { JiraConfig, JiraIncident, JiraParams, JiraSecrets } from './schema.js';
import { jiraService, type JiraTransition } from './service.js';

// Jira issues that follow their alerts: pushed as the action's pushToService does, commented,
// and closed or reopened by a workflow transition (Jira has no status field to write).

type Context = ExecutorContext<JiraConfig, JiraSecrets, JiraParams>;

const isDone = (t: JiraTransition) => t.to?.statusCategory?.key === 'done';

/** The transition by its configured name, else the first whose target status is (or is not) done. */
async function transitionTo(ctx: Context, issueId: string, done: boolean, name: string | undefined): Promise<void> {
  const jira = jiraService(ctx);
  const offered = await jira.transitions(issueId);
  const chosen = name !== undefined ? offered.find((t) => t.name === name) : offered.find((t) => isDone(t) === done);
  if (!chosen) {
    const wanted = name !== undefined ? `named "${name}"` : `to a status ${done ? '' : 'not '}in the done category`;
    throw new Error(`[Action][Jira]: Issue ${issueId} offers no transition ${wanted}; it offers: ${offered.map((t) => t.name).join(', ') || 'none'}`);
  }
  await jira.transition(issueId, chosen.id);
}

export const jiraFollow: TicketOperations<JiraConfig, JiraSecrets, JiraParams> = {
  async push(ctx, externalId) {
    if (ctx.params.subAction !== 'pushToService') throw new Error('[Action][Jira]: a ticket that follows an alert needs the pushToService sub-action');
    const { incident, comments } = ctx.params.subActionParams;
    return pushToService<JiraIncident>(jiraService(ctx).cases, { incident: { ...incident, externalId }, comments });
  },
  async comment(ctx, externalId, text) {
    await jiraService(ctx).cases.addComment(externalId, { commentId: 'follow-alert', comment: text });
  },
  close: (ctx, externalId, option: FollowAlertOption) => transitionTo(ctx, externalId, true, option.jira?.closeTransition),
  reopen: (ctx, externalId, option: FollowAlertOption) => transitionTo(ctx, externalId, false, option.jira?.reopenTransition),
};
