import type { SecretsCipher } from '../crypto/secrets_cipher.js';
import type { ConnectorRecord, ConnectorsRepository } from '../storage/connectors_repository.js';
import type { RunnableConnector } from './executor.js';
import type { InMemoryConnector } from './in_memory_connectors.js';

/** Finds connectors (in memory first, then stored) and decrypts them for running. */
export class ConnectorLoader {
  constructor(
    private readonly repository: ConnectorsRepository,
    private readonly inMemory: Map<string, InMemoryConnector>,
    private readonly cipher: SecretsCipher,
  ) {}

  async find(spaceId: string, id: string): Promise<InMemoryConnector | ConnectorRecord | undefined> {
    return this.inMemory.get(id) ?? (await this.repository.get(spaceId, id));
  }

  /** Several at once: in-memory ones plus one query for the stored ones. */
  async findMany(spaceId: string, ids: string[]): Promise<Map<string, InMemoryConnector | ConnectorRecord>> {
    const found = new Map<string, InMemoryConnector | ConnectorRecord>();
    const stored: string[] = [];
    for (const id of new Set(ids)) {
      const memory = this.inMemory.get(id);
      if (memory) found.set(id, memory);
      else stored.push(id);
    }
    for (const record of await this.repository.getMany(spaceId, stored)) found.set(record.id, record);
    return found;
  }

  /** Decrypts a stored connector's secrets; throws DecryptionError when they do not match. */
  runnable(connector: InMemoryConnector | ConnectorRecord): RunnableConnector {
    if (isInMemory(connector)) return connector;
    return {
      id: connector.id,
      name: connector.name,
      typeId: connector.typeId,
      config: connector.config,
      secrets: this.cipher.decrypt(connector.secrets, {
        spaceId: connector.spaceId,
        connectorId: connector.id,
        typeId: connector.typeId,
        config: connector.config,
      }),
      isPreconfigured: false,
      isSystemAction: false,
    };
  }
}

export function isInMemory(connector: InMemoryConnector | ConnectorRecord): connector is InMemoryConnector {
  return 'isPreconfigured' in connector;
}
