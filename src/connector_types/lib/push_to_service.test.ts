import { describe, expect, it } from 'vitest';
import { pushToService, type CaseService, type PushComment } from './push_to_service.js';

interface Incident {
  title: string;
}

/** Records every call, and answers as a service would. */
function recordingService() {
  const calls: unknown[][] = [];
  let n = 0;
  const service: CaseService<Incident> = {
    async createIncident(incident) {
      calls.push(['create', incident]);
      return { id: 'new-1', title: 'NEW-1', url: 'https://svc/new-1', pushedDate: '2026-01-01T00:00:00.000Z' };
    },
    async updateIncident(externalId, incident) {
      calls.push(['update', externalId, incident]);
      return { id: externalId, title: externalId.toUpperCase(), url: `https://svc/${externalId}`, pushedDate: '2026-01-02T00:00:00.000Z' };
    },
    async addComment(externalId, comment: PushComment) {
      calls.push(['comment', externalId, comment.comment]);
      return `2026-01-03T00:00:0${n++}.000Z`;
    },
  };
  return { service, calls };
}

describe('pushToService', () => {
  it('creates when there is no externalId, without passing externalId on, and answers without comments when none were given', async () => {
    const { service, calls } = recordingService();
    const result = await pushToService(service, { incident: { title: 't', externalId: null }, comments: [] });
    expect(calls).toEqual([['create', { title: 't' }]]);
    expect(result).toEqual({ id: 'new-1', title: 'NEW-1', url: 'https://svc/new-1', pushedDate: '2026-01-01T00:00:00.000Z' });
    expect(result).not.toHaveProperty('comments');
  });

  it('updates the record an externalId names, then pushes each comment in order to it', async () => {
    const { service, calls } = recordingService();
    const result = await pushToService(service, {
      incident: { title: 't', externalId: 'abc' },
      comments: [
        { commentId: 'c1', comment: 'first' },
        { commentId: 'c2', comment: 'second' },
      ],
    });
    expect(calls).toEqual([
      ['update', 'abc', { title: 't' }],
      ['comment', 'abc', 'first'],
      ['comment', 'abc', 'second'],
    ]);
    expect(result.comments).toEqual([
      { commentId: 'c1', pushedDate: '2026-01-03T00:00:00.000Z' },
      { commentId: 'c2', pushedDate: '2026-01-03T00:00:01.000Z' },
    ]);
  });

  it('pushes comments to the record it just created', async () => {
    const { service, calls } = recordingService();
    await pushToService(service, { incident: { title: 't' }, comments: [{ commentId: 'c1', comment: 'x' }] });
    expect(calls[1]).toEqual(['comment', 'new-1', 'x']);
  });

  it('leaves out of the answer the comments the service skips, keeping the list when all are skipped', async () => {
    const { service } = recordingService();
    const skipping: CaseService<Incident> = { ...service, addComment: async (id, comment) => (comment.comment ? service.addComment(id, comment) : null) };
    const some = await pushToService(skipping, { incident: { title: 't' }, comments: [{ commentId: 'c1', comment: '' }, { commentId: 'c2', comment: 'x' }] });
    expect(some.comments).toEqual([{ commentId: 'c2', pushedDate: '2026-01-03T00:00:00.000Z' }]);
    const none = await pushToService(skipping, { incident: { title: 't' }, comments: [{ commentId: 'c1', comment: '' }] });
    expect(none.comments).toEqual([]);
  });
});
