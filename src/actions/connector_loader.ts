import { bindingOf, type SecretsCipher } from '../crypto/secrets_cipher.js';
import type { ConnectorRecord, ConnectorsRepository } from '../storage/connectors_repository.js';
import type { RunnableConnector } from './executor.js';
import type { InMemoryConnector } from './in_memory_connectors.js';

/**
 * Queued actions of one connector come in bursts; re-reading and decrypting it for each of
 * them is most of their database work. A connector edited meanwhile is seen within this time.
 */
const RUNNABLE_CACHE_MS = 1000;
const RUNNABLE_CACHE_MAX = 10_000;

/** Kibana's words for a connector imported without its secrets (enqueue skips it with them). */
export const missingSecretsMessage = (name: string) => `Unable to execute action because no secrets are defined for the "${name}" connector.`;

/** A connector imported without its secrets cannot run until they are entered again. */
export class MissingSecretsError extends Error {
  override name = 'MissingSecretsError';
  constructor(connectorName: string) {
    super(`${missingSecretsMessage(connectorName)} Edit the connector and enter its secrets again.`);
  }
}

/** Finds connectors (in memory first, then stored) and decrypts them for running. */
export class ConnectorLoader {
  private readonly recent = new Map<string, { connector: RunnableConnector; source: InMemoryConnector | ConnectorRecord; expires: number }>();

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

  /**
   * The runnable connector for a queued action, from a cache of about a second; undefined when
   * it does not exist. Throws DecryptionError and MissingSecretsError as `runnable` does. While
   * the stored version stays the same, the same object is handed out again, so that work done
   * once per connector (decrypting, validating: see ActionExecutor) is not done again.
   */
  async cachedRunnable(spaceId: string, id: string): Promise<RunnableConnector | undefined> {
    const key = `${spaceId}\u0000${id}`;
    const now = Date.now();
    const hit = this.recent.get(key);
    if (hit && hit.expires > now) return hit.connector;
    const found = await this.find(spaceId, id);
    if (!found) {
      this.recent.delete(key);
      return undefined;
    }
    const connector = hit && sameVersion(hit.source, found) ? hit.connector : this.runnable(found);
    this.recent.delete(key);
    if (this.recent.size >= RUNNABLE_CACHE_MAX) this.recent.delete(this.recent.keys().next().value!);
    this.recent.set(key, { connector, source: found, expires: now + RUNNABLE_CACHE_MS });
    return connector;
  }

  /**
   * Decrypts a stored connector's secrets; throws DecryptionError when they do not match, and
   * MissingSecretsError for a connector imported without them.
   */
  runnable(connector: InMemoryConnector | ConnectorRecord): RunnableConnector {
    if (isInMemory(connector)) return connector;
    if (connector.isMissingSecrets) throw new MissingSecretsError(connector.name);
    return {
      id: connector.id,
      name: connector.name,
      typeId: connector.typeId,
      config: connector.config,
      secrets: this.cipher.decrypt(connector.secrets, bindingOf(connector)),
      isPreconfigured: false,
      isSystemAction: false,
    };
  }
}

/**
 * The same stored version: an update bumps `version` and `updatedAt`, a key rotation changes the
 * secrets envelope, a delete and create again gives a new `updatedAt` and envelope.
 */
function sameVersion(a: InMemoryConnector | ConnectorRecord, b: InMemoryConnector | ConnectorRecord): boolean {
  if (isInMemory(a) || isInMemory(b)) return a === b;
  return a.version === b.version && a.updatedAt === b.updatedAt && a.secrets === b.secrets && a.spaceId === b.spaceId;
}

export function isInMemory(connector: InMemoryConnector | ConnectorRecord): connector is InMemoryConnector {
  return 'isPreconfigured' in connector;
}
