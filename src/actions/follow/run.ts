import type { TicketLink, TicketLinkChange } from '../../storage/ticket_links_repository.js';
import type { ExecutorContext, ExecutorResult } from '../types.js';
import { decideFollow, type FollowAlertOption, type FollowLink } from './policy.js';

/** A ticket as the service answered for it. */
export interface TicketRecord {
  id: string;
  title: string;
  url: string;
}

/**
 * What a ticketing type does for tickets that follow alerts; `push` creates the ticket from the
 * action's params (externalId null) or updates it, pushing the params' comments too.
 */
export interface TicketOperations<C = any, S = any, P = any> {
  push(ctx: ExecutorContext<C, S, P>, externalId: string | null): Promise<TicketRecord>;
  comment(ctx: ExecutorContext<C, S, P>, externalId: string, text: string): Promise<void>;
  close(ctx: ExecutorContext<C, S, P>, externalId: string, option: FollowAlertOption): Promise<void>;
  reopen(ctx: ExecutorContext<C, S, P>, externalId: string, option: FollowAlertOption): Promise<void>;
}

/** One follow run: the link it carries, the key's ticket as recorded, and how to record a change (the key is held). */
export interface FollowRun {
  link: FollowLink;
  ticket: TicketLink | undefined;
  save(change: TicketLinkChange): Promise<void>;
}

export type FollowDone = 'created' | 'updated' | 'reopened' | 'closed' | 'commented' | 'recorded' | 'skipped';

/**
 * Runs the follow policy for one queued action: the decision, the service's calls, and the
 * ticket's facts recorded as soon as each call that changes them has answered (so that a retry
 * after a later failure updates the ticket instead of opening another). The result's data says
 * what was done (`follow`), beside the push's own answer for a fire.
 */
export async function runFollow<C, S, P>(ops: TicketOperations<C, S, P>, ctx: ExecutorContext<C, S, P>, run: FollowRun, now = Date.now()): Promise<ExecutorResult> {
  const { link, ticket, save } = run;
  const decision = decideFollow(ticket, link, now);
  const answer = (did: FollowDone, data: Record<string, unknown> = {}, reason?: string): ExecutorResult => ({
    status: 'ok',
    actionId: ctx.connectorId,
    data: { ...data, follow: { did, phase: link.phase, alertId: link.alertId, externalId: (data.id as string | undefined) ?? ticket?.externalId ?? null, ...(reason ? { reason } : {}) } },
  });
  const opened = (record: TicketRecord): TicketLinkChange => ({ connectorId: ctx.connectorId, externalId: record.id, title: record.title, url: record.url });
  switch (decision.kind) {
    case 'skip':
      return answer('skipped', {}, decision.reason);
    case 'end':
      await save({ episode: link.episode, episodeEnded: true });
      return answer('recorded');
    case 'create': {
      const pushed = await ops.push(ctx, null);
      await save({ ...opened(pushed), state: 'open', episode: link.episode, episodeEnded: false, openedAt: now, closedAt: null });
      return answer('created', { ...pushed });
    }
    case 'update': {
      await save({ episode: link.episode, episodeEnded: false });
      return answer('updated', { ...(await ops.push(ctx, ticket!.externalId)) });
    }
    case 'reopen': {
      await ops.reopen(ctx, ticket!.externalId!, link.option);
      await save({ state: 'open', episode: link.episode, episodeEnded: false, closedAt: null });
      return answer('reopened', { ...(await ops.push(ctx, ticket!.externalId)) });
    }
    case 'resolve': {
      const externalId = ticket!.externalId!;
      if (link.comment) await ops.comment(ctx, externalId, link.comment);
      if (!decision.close) {
        await save({ episodeEnded: true });
        return answer('commented', { id: externalId });
      }
      await ops.close(ctx, externalId, link.option);
      await save({ state: 'closed', episodeEnded: true, closedAt: now });
      return answer('closed', { id: externalId });
    }
  }
}
