import { afterEach, describe, expect, it, vi } from 'vitest';
import { availableDialects, openTestDatabase } from '../../test/helpers/databases.js';
import { bindingOf, SecretsCipher } from '../crypto/secrets_cipher.js';
import { ConnectorsRepository } from '../storage/connectors_repository.js';
import { ConnectorLoader } from './connector_loader.js';

const dialects = await availableDialects();
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  vi.useRealTimers();
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe.each(dialects)('connector loader on %s', (dialect) => {
  it('hands out the same runnable connector while its stored version stays the same, and a new one after an edit', async () => {
    const { database, close } = await openTestDatabase(dialect);
    cleanups.push(close);
    const repository = new ConnectorsRepository(database.db);
    const cipher = new SecretsCipher('k'.repeat(32));
    const loader = new ConnectorLoader(repository, new Map(), cipher);
    const base = { id: 'hook', spaceId: 'default', typeId: '.webhook', name: 'Hook', isMissingSecrets: false };
    const config = { url: 'https://example.com', method: 'post' };
    const stored = await repository.insert({ ...base, config, secrets: cipher.encrypt({ password: 'one' }, bindingOf({ ...base, config })) });

    vi.useFakeTimers({ toFake: ['Date'] });
    const first = await loader.cachedRunnable('default', 'hook');
    expect(first?.secrets).toEqual({ password: 'one' });
    // Read again from the database once the cache time is over: the same version, the same object.
    vi.setSystemTime(Date.now() + 5_000);
    expect(await loader.cachedRunnable('default', 'hook')).toBe(first);

    const edited = { url: 'https://example.com/v2', method: 'post' };
    await repository.update('default', 'hook', stored.version, { name: 'Hook', config: edited, secrets: cipher.encrypt({ password: 'two' }, bindingOf({ ...base, config: edited })), isMissingSecrets: false });
    vi.setSystemTime(Date.now() + 5_000);
    const second = await loader.cachedRunnable('default', 'hook');
    expect(second).not.toBe(first);
    expect(second).toMatchObject({ config: edited, secrets: { password: 'two' } });
  });
});
