import { parseRuleDuration } from '../../alerting/duration.js';
import type { TicketLink } from '../../storage/ticket_links_repository.js';

// Tickets that follow their alerts (issue 19 point 5): the rule action's option, what a queued
// run of it carries, and the decision of what to do with the ticket, a pure function of the
// ticket as recorded, the run and the time.

/** How a rule action's ticket follows its alert (the rules API's `follow_alert`, camelCase). */
export interface FollowAlertOption {
  /** A duration (`24h`): a closed ticket fired again within it is reopened; null: a new ticket. */
  reopenWithin: string | null;
  /** On resolve: comment then close, only comment, or nothing. */
  resolve: 'close' | 'comment' | 'none';
  /** Mustache text of the resolve comment, rendered with the alert's variables. */
  resolveComment: string;
  /** Jira: the transitions by name (default: the first to a done status, the first to another). */
  jira?: { closeTransition?: string; reopenTransition?: string };
}

export const DEFAULT_RESOLVE_COMMENT = 'Resolved: alert {{alert.id}} of rule {{rule.name}} recovered at {{date}}.';

/** What a queued run of a follow action carries besides Kibana's rule link. */
export interface FollowLink {
  alertId: string;
  /** The alert's uuid: one firing episode. */
  episode: string;
  phase: 'fire' | 'resolve';
  option: FollowAlertOption;
  /** The rendered resolve comment (resolve only). */
  comment?: string;
}

export type FollowDecision =
  /** No ticket (or a closed one past its reopen window): open one. */
  | { kind: 'create' }
  | { kind: 'update' }
  | { kind: 'reopen' }
  /** Resolve of the open ticket's episode: comment, then close when `close`. */
  | { kind: 'resolve'; close: boolean }
  /** Resolve with no ticket to touch: the episode is recorded as ended. */
  | { kind: 'end' }
  /** Nothing to do: a late fire of an ended episode, a repeated resolve, a resolve of another episode. */
  | { kind: 'skip'; reason: string };

/** Whether `closedAt` is within the reopen window at `now`. */
function withinWindow(closedAt: number | null, windowMs: number | null, now: number): boolean {
  return windowMs !== null && closedAt !== null && now - closedAt <= windowMs;
}

/**
 * What a run does with the key's ticket. A fire of an episode already ended does nothing (a
 * retried fire that comes after its resolve); an open ticket is updated; a closed one is reopened
 * within the window, else replaced by a new one. A resolve touches only the ticket of its own
 * episode; with no ticket it records the end of the episode.
 */
export function decideFollow(ticket: TicketLink | undefined, link: Pick<FollowLink, 'episode' | 'phase' | 'option'>, now: number): FollowDecision {
  const reopenWindowMs = link.option.reopenWithin === null ? null : parseRuleDuration(link.option.reopenWithin);
  const sameEpisode = ticket?.episode === link.episode;
  if (link.phase === 'fire') {
    if (sameEpisode && ticket.episodeEnded) return { kind: 'skip', reason: 'the episode already ended' };
    if (!ticket || ticket.state === 'none') return { kind: 'create' };
    if (ticket.state === 'open') return { kind: 'update' };
    return withinWindow(ticket.closedAt, reopenWindowMs, now) ? { kind: 'reopen' } : { kind: 'create' };
  }
  if (!ticket) return { kind: 'end' };
  if (!sameEpisode) return ticket.state === 'open' ? { kind: 'skip', reason: 'the open ticket belongs to another episode' } : { kind: 'end' };
  if (ticket.episodeEnded) return { kind: 'skip', reason: 'the episode already ended' };
  if (ticket.state !== 'open' || link.option.resolve === 'none') return { kind: 'end' };
  return { kind: 'resolve', close: link.option.resolve === 'close' };
}
