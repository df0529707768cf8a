import { describe, expect, it } from 'vitest';
import type { TicketLink } from '../../storage/ticket_links_repository.js';
import { decideFollow, type FollowAlertOption } from './policy.js';

const option: FollowAlertOption = { reopenWithin: '1h', resolve: 'close', resolveComment: 'resolved' };
const HOUR = 3_600_000;
const ticket = (fields: Partial<TicketLink>): TicketLink => ({
  connectorId: 'c',
  externalId: 'X-1',
  title: 'X-1',
  url: 'u',
  state: 'open',
  episode: 'e1',
  episodeEnded: false,
  openedAt: 0,
  closedAt: null,
  updatedAt: 0,
  ...fields,
});
const fire = (t: TicketLink | undefined, episode = 'e1', opt = option, now = 10 * HOUR) => decideFollow(t, { episode, phase: 'fire', option: opt }, now);
const resolve = (t: TicketLink | undefined, episode = 'e1', opt = option) => decideFollow(t, { episode, phase: 'resolve', option: opt }, 10 * HOUR);

describe('the follow policy', () => {
  it('fire: creates without a ticket, updates an open one (any episode)', () => {
    expect(fire(undefined)).toEqual({ kind: 'create' });
    expect(fire(ticket({ state: 'none', episode: 'e0', episodeEnded: true }))).toEqual({ kind: 'create' });
    expect(fire(ticket({}))).toEqual({ kind: 'update' });
    expect(fire(ticket({ episode: 'e0', episodeEnded: true }))).toEqual({ kind: 'update' });
  });

  it('fire of a closed ticket: reopens within the window, else a new ticket; never reopens with no window', () => {
    const closed = ticket({ state: 'closed', episode: 'e0', episodeEnded: true, closedAt: 9 * HOUR });
    expect(fire(closed)).toEqual({ kind: 'reopen' });
    expect(fire(closed, 'e1', option, 10 * HOUR + 1)).toEqual({ kind: 'create' });
    expect(fire(closed, 'e1', { ...option, reopenWithin: null })).toEqual({ kind: 'create' });
  });

  it('fire of an episode that already ended does nothing, with or without a ticket', () => {
    expect(fire(ticket({ state: 'closed', episodeEnded: true, closedAt: 10 * HOUR }))).toMatchObject({ kind: 'skip' });
    expect(fire(ticket({ state: 'none', externalId: null, episodeEnded: true }))).toMatchObject({ kind: 'skip' });
    expect(fire(ticket({ state: 'open', episodeEnded: true }))).toMatchObject({ kind: 'skip' });
  });

  it('resolve: closes or only comments its own episode’s open ticket, per the option', () => {
    expect(resolve(ticket({}))).toEqual({ kind: 'resolve', close: true });
    expect(resolve(ticket({}), 'e1', { ...option, resolve: 'comment' })).toEqual({ kind: 'resolve', close: false });
    expect(resolve(ticket({}), 'e1', { ...option, resolve: 'none' })).toEqual({ kind: 'end' });
  });

  it('resolve without a ticket of its episode records the end; it never touches another episode’s open ticket', () => {
    expect(resolve(undefined)).toEqual({ kind: 'end' });
    expect(resolve(ticket({ state: 'closed', episode: 'e0', episodeEnded: true }))).toEqual({ kind: 'end' });
    expect(resolve(ticket({ episode: 'e0' }))).toMatchObject({ kind: 'skip' });
    expect(resolve(ticket({ episodeEnded: true }))).toMatchObject({ kind: 'skip' });
  });
});
