import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { availableDialects } from './helpers/databases.js';
import { startTestPlugboard, type TestPlugboard } from './helpers/plugboard.js';

const dialects = await availableDialects();

describe.each(dialects)('spaces API on %s', (dialect) => {
  let pb: TestPlugboard;
  beforeAll(async () => {
    pb = await startTestPlugboard({ dialect });
  });
  afterAll(async () => pb.close());

  it('always has the reserved default space', async () => {
    const res = await pb.api('GET', '/api/spaces/space/default');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      id: 'default',
      name: 'Default',
      description: 'This is your default space!',
      color: '#00bfb3',
      disabledFeatures: [],
      _reserved: true,
    });
    const del = await pb.api('DELETE', '/api/spaces/space/default');
    expect(del.status).toBe(400);
    expect(del.body.message).toBe('This Space cannot be deleted because it is reserved.');
  });

  it('creates, gets, lists, updates and deletes a space', async () => {
    const created = await pb.api('POST', '/api/spaces/space', { id: 'marketing', name: 'Marketing', initials: 'MK', color: '#aabbcc' });
    expect(created.status).toBe(200);
    expect(created.body).toEqual({ id: 'marketing', name: 'Marketing', initials: 'MK', color: '#aabbcc', disabledFeatures: [] });
    const dup = await pb.api('POST', '/api/spaces/space', { id: 'marketing', name: 'Again' });
    expect(dup.status).toBe(409);
    expect(dup.body.message).toBe('A space with the identifier marketing already exists.');

    const list = await pb.api('GET', '/api/spaces/space');
    expect(list.body.map((s: { id: string }) => s.id)).toEqual(expect.arrayContaining(['default', 'marketing']));

    const updated = await pb.api('PUT', '/api/spaces/space/marketing', { id: 'marketing', name: 'Growth', description: 'Renamed' });
    expect(updated.status).toBe(200);
    expect(updated.body).toEqual({ id: 'marketing', name: 'Growth', description: 'Renamed', disabledFeatures: [] });
    expect((await pb.api('GET', '/api/spaces/space/marketing')).body.name).toBe('Growth');

    expect((await pb.api('DELETE', '/api/spaces/space/marketing')).status).toBe(204);
    const gone = await pb.api('GET', '/api/spaces/space/marketing');
    expect(gone.status).toBe(404);
    expect(gone.body.message).toBe('Saved object [space/marketing] not found');
  });

  it('validates space bodies', async () => {
    const badId = await pb.api('POST', '/api/spaces/space', { id: 'Bad Id', name: 'x' });
    expect(badId.status).toBe(400);
    expect(badId.body.message).toBe("[request body.id]: must be lower case, a-z, 0-9, '_', and '-' are allowed");
    const spaceIds = async () => (await pb.api('GET', '/api/spaces/space')).body.map((space: { id: string }) => space.id);
    const before = await spaceIds();
    for (const id of ['a\nb', 'a\r\nb', 'a\tb', ' a', 'a ', 'café', 'UPPER', 'a.b', 'a/b']) {
      const res = await pb.api('POST', '/api/spaces/space', { id, name: 'x' });
      expect([res.status, res.body], JSON.stringify(id)).toEqual([400, { statusCode: 400, error: 'Bad Request', message: "[request body.id]: must be lower case, a-z, 0-9, '_', and '-' are allowed" }]);
    }
    const nul = await pb.api('POST', '/api/spaces/space', { id: 'a\u0000b', name: 'x' });
    expect([nul.status, nul.body.message]).toEqual([400, '[request body.id]: must not contain the NUL character (\\u0000)']);
    expect(await spaceIds()).toEqual(before);
    const noName = await pb.api('POST', '/api/spaces/space', { id: 'ok' });
    expect(noName.body.message).toBe('[request body.name]: expected value of type [string] but got [undefined]');
    const color = await pb.api('POST', '/api/spaces/space', { id: 'ok', name: 'x', color: 'red' });
    expect(color.body.message).toBe('[request body.color]: must be a 6 digit hex color, starting with #');
    const renamed = await pb.api('PUT', '/api/spaces/space/default', { id: 'other', name: 'x' });
    expect(renamed.status).toBe(400);
    expect((await pb.api('GET', '/api/spaces/space/ok')).status).toBe(404);
  });

  it('isolates connectors per space and deletes them with their space', async () => {
    await pb.api('POST', '/api/spaces/space', { id: 'team-a', name: 'A' });
    await pb.api('POST', '/api/spaces/space', { id: 'team-b', name: 'B' });
    const a = await pb.api('POST', '/s/team-a/api/actions/connector/conn-a', { name: 'A log', connector_type_id: '.server-log' });
    expect(a.status).toBe(200);

    expect((await pb.api('GET', '/s/team-a/api/actions/connector/conn-a')).status).toBe(200);
    expect((await pb.api('GET', '/s/team-b/api/actions/connector/conn-a')).status).toBe(404);
    expect((await pb.api('GET', '/api/actions/connector/conn-a')).status).toBe(404);
    expect((await pb.api('PUT', '/s/team-b/api/actions/connector/conn-a', { name: 'stolen' })).status).toBe(404);
    expect((await pb.api('DELETE', '/s/team-b/api/actions/connector/conn-a')).status).toBe(404);
    expect((await pb.api('POST', '/s/team-b/api/actions/connector/conn-a/_execute', { params: { message: 'x' } })).status).toBe(404);
    const listB = await pb.api('GET', '/s/team-b/api/actions/connectors');
    expect(listB.body.map((c: { id: string }) => c.id)).not.toContain('conn-a');

    // Ids are unique across spaces, as Kibana's share-capable saved objects are.
    const clash = await pb.api('POST', '/s/team-b/api/actions/connector/conn-a', { name: 'B log', connector_type_id: '.server-log' });
    expect(clash.status).toBe(409);

    expect((await pb.api('DELETE', '/api/spaces/space/team-a')).status).toBe(204);
    const rows = await pb.plugboard.database.db.selectFrom('connectors').select('id').where('id', '=', 'conn-a').execute();
    expect(rows).toEqual([]);
    const reuse = await pb.api('POST', '/s/team-b/api/actions/connector/conn-a', { name: 'B log', connector_type_id: '.server-log' });
    expect(reuse.status).toBe(200);
  });

  it('answers 404 for a space prefix that names no space, and changes nothing', async () => {
    const res = await pb.api('POST', '/s/nowhere/api/actions/connector/ghost', { name: 'x', connector_type_id: '.server-log' });
    expect(res.status).toBe(404);
    expect(res.body.message).toBe('Saved object [space/nowhere] not found');
    const rows = await pb.plugboard.database.db.selectFrom('connectors').select('id').where('id', '=', 'ghost').execute();
    expect(rows).toEqual([]);
  });
});
