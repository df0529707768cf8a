import type { ConnectorRecord } from '../storage/connectors_repository.js';
import { isUniqueViolation } from '../storage/errors.js';
import type { ConnectorTransferDeps } from './deps.js';

/** A connector brought from elsewhere (an import file, another space), with its secrets in the clear. */
export interface IncomingConnector {
  spaceId: string;
  id: string;
  typeId: string;
  name: string;
  config: Record<string, unknown>;
  secrets: Record<string, unknown>;
  isMissingSecrets: boolean;
}

/**
 * Stores an incoming connector, its secrets encrypted for its own space and id as every stored
 * secret is: a new row, or over `existing`. 'conflict' when the id was taken, or `existing`
 * changed, between the caller's read and this write; the caller words it.
 */
export async function writeConnector(
  deps: Pick<ConnectorTransferDeps, 'repository' | 'cipher'>,
  incoming: IncomingConnector,
  existing?: ConnectorRecord,
): Promise<'created' | 'overwritten' | 'conflict'> {
  const { spaceId, id, typeId, name, config } = incoming;
  const fields = {
    name,
    config,
    secrets: deps.cipher.encrypt(incoming.secrets, { spaceId, connectorId: id, typeId, config }),
    isMissingSecrets: incoming.isMissingSecrets,
  };
  if (existing) return (await deps.repository.update(spaceId, id, existing.version, { ...fields, typeId })) ? 'overwritten' : 'conflict';
  try {
    await deps.repository.insert({ id, spaceId, typeId, ...fields });
    return 'created';
  } catch (err) {
    if (isUniqueViolation(err)) return 'conflict';
    throw err;
  }
}
