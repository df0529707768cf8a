import type { Scope } from '../actions/actions_client.js';
import { badRequest, PlugboardError, savedObjectNotFound } from '../common/errors.js';
import { bindingOf, DecryptionError } from '../crypto/secrets_cipher.js';
import type { ConnectorRecord } from '../storage/connectors_repository.js';
import { idInSpace } from './connector_saved_object.js';
import type { ConnectorTransferDeps } from './deps.js';
import { writeConnector } from './write_connector.js';

export interface CopyToSpaceRequest {
  spaces: string[];
  overwrite?: boolean;
}

export interface CopyToSpaceResult {
  space_id: string;
  id: string;
  status: 'created' | 'overwritten' | 'conflict' | 'error';
  message?: string;
}

/**
 * Copies a stored connector, secrets included, into other spaces. Ids are unique across spaces,
 * so the copy in each space gets the id derived from that space and the source's id: the same
 * on every copy, so copying again meets the earlier copy (a conflict, or replaced with
 * `overwrite`). Each space is decided on its own: one the caller may not create connectors in,
 * or that does not exist, is reported and the others proceed.
 */
export async function copyToSpaces(
  deps: ConnectorTransferDeps,
  scope: Scope,
  id: string,
  request: CopyToSpaceRequest,
): Promise<{ results: CopyToSpaceResult[] }> {
  const { authorizer, inMemory, repository, registry, cipher } = deps;
  await authorizer.ensureAuthorized(scope.principal, scope.spaceId, 'get');
  const memory = inMemory.get(id);
  if (memory?.isSystemAction) throw badRequest(`System action ${id} can not be copied.`);
  if (memory?.isPreconfigured) throw badRequest(`Preconfigured action ${id} can not be copied: it is available in every space.`);
  const targets = [...new Set(request.spaces)];
  if (targets.includes(scope.spaceId)) throw badRequest(`Connector ${id} is already in space ${scope.spaceId}; choose other spaces to copy it to.`);
  const source = await repository.get(scope.spaceId, id);
  if (!source) throw savedObjectNotFound('action', id);
  registry.ensureEnabled(source.typeId);
  let secrets: Record<string, unknown>;
  try {
    secrets = cipher.decrypt(source.secrets, bindingOf(source));
  } catch (err) {
    if (err instanceof DecryptionError) throw new PlugboardError(409, err.message);
    throw err;
  }

  const results: CopyToSpaceResult[] = [];
  for (const spaceId of targets) {
    const targetId = idInSpace(spaceId, id);
    try {
      results.push(await copyInto(deps, scope, source, secrets, spaceId, targetId, Boolean(request.overwrite)));
    } catch (err) {
      if (!(err instanceof PlugboardError)) throw err;
      results.push({ space_id: spaceId, id: targetId, status: 'error', message: err.message });
    }
  }
  return { results };
}

async function copyInto(
  deps: ConnectorTransferDeps,
  scope: Scope,
  source: ConnectorRecord,
  secrets: Record<string, unknown>,
  spaceId: string,
  targetId: string,
  overwrite: boolean,
): Promise<CopyToSpaceResult> {
  const { authorizer, repository, spaces } = deps;
  try {
    await spaces.get(spaceId);
  } catch (err) {
    if (err instanceof PlugboardError && err.statusCode === 404) throw new PlugboardError(404, `Space ${spaceId} not found`);
    throw err;
  }
  await authorizer.ensureAuthorized(scope.principal, spaceId, 'create', source.typeId);
  const existing = await repository.get(spaceId, targetId);
  if (existing) {
    if (!overwrite) {
      return { space_id: spaceId, id: targetId, status: 'conflict', message: `Connector ${targetId} already exists in space ${spaceId}; copy with overwrite to replace it.` };
    }
    await authorizer.ensureAuthorized(scope.principal, spaceId, 'update', source.typeId);
  }
  const { typeId, name, config, isMissingSecrets } = source;
  const outcome = await writeConnector(deps, { spaceId, id: targetId, typeId, name, config, secrets, isMissingSecrets }, existing);
  if (outcome !== 'conflict') return { space_id: spaceId, id: targetId, status: outcome };
  const message = existing
    ? `Connector ${targetId} in space ${spaceId} was changed meanwhile; try again.`
    : // Taken meanwhile in this space, or (a hand-made coincidence) in another one.
      `Saved object [action/${targetId}] conflict`;
  return { space_id: spaceId, id: targetId, status: 'conflict', message };
}
