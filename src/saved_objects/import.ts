import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { Scope } from '../actions/actions_client.js';
import { formatZodError } from '../actions/format_zod_error.js';
import { listingFilters, type ListingFilter } from '../actions/listing_filters.js';
import type { ConnectorTypeDefinition } from '../actions/types.js';
import { validateConfig, validateConnector, validateSecrets, ValidationError } from '../actions/validation.js';
import { PlugboardError } from '../common/errors.js';
import { NUL_MESSAGE, pathToNul } from '../common/nul_character.js';
import { connectorIdSchema } from '../http/routes/connectors.js';
import { CONNECTOR_ICON, CONNECTOR_SAVED_OBJECT_TYPE, connectorTitle, idInSpace } from './connector_saved_object.js';
import { SavedObjectsRequestError, type ConnectorTransferDeps } from './deps.js';
import { ensureUniqueObjects, type ImportedObject } from './ndjson.js';
import { writeConnector } from './write_connector.js';

export interface ImportOptions {
  overwrite: boolean;
  createNewCopies: boolean;
}

export interface ImportSuccess {
  type: string;
  id: string;
  meta: { title: string; icon: string };
  managed: boolean;
  overwrite?: true;
  destinationId?: string;
}

export type ImportErrorDetail =
  | { type: 'conflict'; destinationId?: string }
  | { type: 'unsupported_type' }
  | { type: 'unknown'; message: string; statusCode: number };

export interface ImportFailure {
  id: string;
  type: string;
  meta: { title?: string; icon?: string };
  error: ImportErrorDetail;
  overwrite?: true;
}

export interface ImportWarning {
  type: 'action_required';
  message: string;
  actionPath: string;
  buttonLabel: string;
}

export interface ImportResponse {
  success: boolean;
  successCount: number;
  successResults: ImportSuccess[];
  errors?: ImportFailure[];
  warnings: ImportWarning[];
}

/** The attributes of an imported connector; others (e.g. the `apiKey: null` of newer Kibana) are ignored. */
const attributesSchema = z
  .object({
    name: z.string().trim().min(1),
    actionTypeId: z.string().min(1),
    config: z.record(z.string(), z.unknown()).nullish(),
    secrets: z.record(z.string(), z.unknown()).nullish(),
    isMissingSecrets: z.boolean().optional(),
  })
  .superRefine((attributes, ctx) => {
    // As for request bodies: the path only, as the value may be a secret.
    const path = pathToNul(attributes);
    if (path) ctx.addIssue({ code: 'custom', path, message: NUL_MESSAGE });
  });
type ImportedAttributes = z.output<typeof attributesSchema>;

function actionRequired(message: string): ImportWarning {
  return {
    type: 'action_required',
    message,
    actionPath: '/app/management/insightsAndAlerting/triggersActionsConnectors',
    buttonLabel: 'Go to connectors',
  };
}

/** Kibana's warnings, with its plural forms. */
function missingSecretsWarning(count: number): ImportWarning {
  return actionRequired(`${count} ${count === 1 ? 'connector has' : 'connectors have'} sensitive information that require updates.`);
}

function preconfiguredWarning(ids: string[]): ImportWarning {
  const one = ids.length === 1;
  return actionRequired(
    `${one ? 'Connector' : 'Connectors'} with ${one ? 'ID' : 'IDs'} [${ids.join(', ')}] ${one ? 'conflicts with a' : 'conflict with'} ` +
      `preconfigured ${one ? 'connector' : 'connectors'} and ${one ? 'was' : 'were'} removed. ` +
      `The preconfigured ${one ? 'connector' : 'connectors'} will be used instead.`,
  );
}

function invalidIdWarning(ids: string[]): ImportWarning {
  const one = ids.length === 1;
  return actionRequired(
    `${one ? 'Connector' : 'Connectors'} with ${one ? 'ID' : 'IDs'} [${ids.join(', ')}] ${one ? 'has an invalid ID' : 'have invalid IDs'} ` +
      `and ${one ? 'was' : 'were'} removed. Connector IDs must contain only lowercase letters, numbers, and hyphens and be 36 characters or less.`,
  );
}

/** Where one object of the file goes, once conflicts are known. */
interface Placement {
  object: ImportedObject;
  attributes: ImportedAttributes;
  /** The id it is stored under. */
  targetId: string;
  /** Set when that is not the id of the file. */
  destinationId?: string;
  /** A connector with targetId exists in this space and is replaced. */
  overwrite: boolean;
}

class ObjectFailure extends Error {
  constructor(readonly detail: ImportErrorDetail) {
    super(detail.type);
  }
}

function unknownFailure(err: unknown): ObjectFailure {
  if (err instanceof ObjectFailure) return err;
  if (err instanceof PlugboardError) return new ObjectFailure({ type: 'unknown', message: err.message, statusCode: err.statusCode });
  if (err instanceof ValidationError) return new ObjectFailure({ type: 'unknown', message: err.message, statusCode: 400 });
  throw err;
}

/**
 * Imports connectors into a space as Kibana's saved-objects import does: objects of other
 * types are reported (`unsupported_type`) and the rest imported; an id already in the space is
 * a conflict unless `overwrite`; `createNewCopies` gives every connector a new id. Ids are
 * unique across spaces, so a connector whose id belongs to another space is imported under an
 * id derived from this space and its own (`destinationId`). Connectors keep `isMissingSecrets`
 * from the file, and get it when their secrets do not validate; each is validated as on create,
 * except one of a type that is not registered here, which is kept as it is.
 * A preconfigured connector's id, or an invalid id, is not imported, with a warning (as Kibana's
 * newer `main`). Problems with the file as a whole refuse it before anything is written.
 */
export async function importConnectors(
  deps: ConnectorTransferDeps,
  scope: Scope,
  objects: ImportedObject[],
  options: ImportOptions,
): Promise<ImportResponse> {
  const { authorizer, inMemory } = deps;
  const limit = deps.maxImportExportSize;
  if (objects.length > limit) throw new SavedObjectsRequestError(`Can't import more than ${limit} objects`);
  ensureUniqueObjects(objects);
  await authorizer.ensureAuthorized(scope.principal, scope.spaceId, 'create');

  const errors: ImportFailure[] = [];
  const removedPreconfigured: string[] = [];
  const removedInvalid: string[] = [];
  const candidates: Array<{ object: ImportedObject; attributes: ImportedAttributes }> = [];

  for (const object of objects) {
    const rawTitle = (object.attributes as { title?: unknown } | undefined)?.title;
    if (object.type !== CONNECTOR_SAVED_OBJECT_TYPE) {
      errors.push({ id: object.id, type: object.type, meta: typeof rawTitle === 'string' ? { title: rawTitle } : {}, error: { type: 'unsupported_type' } });
      continue;
    }
    const parsed = attributesSchema.safeParse(object.attributes);
    if (!parsed.success) {
      errors.push({
        id: object.id,
        type: object.type,
        meta: { icon: CONNECTOR_ICON },
        error: { type: 'unknown', message: `Invalid connector attributes: ${formatZodError(parsed.error)}`, statusCode: 400 },
      });
      continue;
    }
    if (!options.createNewCopies) {
      if (inMemory.has(object.id)) {
        removedPreconfigured.push(object.id);
        continue;
      }
      if (!connectorIdSchema.safeParse(object.id).success) {
        removedInvalid.push(object.id);
        continue;
      }
    }
    candidates.push({ object, attributes: parsed.data });
  }

  const placements = await place(deps, scope.spaceId, candidates, options);
  if (placements.some((p) => p.overwrite)) await authorizer.ensureAuthorized(scope.principal, scope.spaceId, 'update');

  const successResults: ImportSuccess[] = [];
  const filterOf = listingFilters(deps.registry, deps.services);
  let missingSecrets = 0;
  for (const placement of placements) {
    const { object, attributes } = placement;
    const meta = { title: connectorTitle(attributes.name), icon: CONNECTOR_ICON };
    if (placement.overwrite && !options.overwrite) {
      errors.push({ id: object.id, type: object.type, meta, error: { type: 'conflict', ...(placement.destinationId ? { destinationId: placement.destinationId } : {}) } });
      continue;
    }
    try {
      const stored = await store(deps, scope.spaceId, placement, filterOf);
      if (stored.isMissingSecrets) missingSecrets++;
      successResults.push({
        type: object.type,
        id: object.id,
        meta,
        managed: false,
        ...(placement.overwrite ? { overwrite: true as const } : {}),
        ...(placement.destinationId ? { destinationId: placement.destinationId } : {}),
      });
    } catch (err) {
      errors.push({ id: object.id, type: object.type, meta, error: unknownFailure(err).detail, ...(placement.overwrite ? { overwrite: true as const } : {}) });
    }
  }

  const warnings: ImportWarning[] = [];
  if (missingSecrets > 0) warnings.push(missingSecretsWarning(missingSecrets));
  if (removedPreconfigured.length > 0) warnings.push(preconfiguredWarning(removedPreconfigured));
  if (removedInvalid.length > 0) warnings.push(invalidIdWarning(removedInvalid));
  if (errors.length > 0) {
    deps.logger.warn(`Imported ${successResults.length} connector(s) into space ${scope.spaceId}; ${errors.length} object(s) failed`);
  }
  return {
    success: errors.length === 0,
    successCount: successResults.length,
    successResults,
    ...(errors.length > 0 ? { errors } : {}),
    warnings,
  };
}

/** Decides the id each connector is stored under, and which of them meet an existing one. */
async function place(
  deps: ConnectorTransferDeps,
  spaceId: string,
  candidates: Array<{ object: ImportedObject; attributes: ImportedAttributes }>,
  options: ImportOptions,
): Promise<Placement[]> {
  if (options.createNewCopies) {
    return candidates.map(({ object, attributes }) => {
      const id = randomUUID();
      return { object, attributes, targetId: id, destinationId: id, overwrite: false };
    });
  }
  const owners = await deps.repository.spacesOf(candidates.map((c) => c.object.id));
  const derived = candidates.filter((c) => owners.has(c.object.id) && owners.get(c.object.id) !== spaceId).map((c) => idInSpace(spaceId, c.object.id));
  const derivedOwners = await deps.repository.spacesOf(derived);
  return candidates.map(({ object, attributes }) => {
    const owner = owners.get(object.id);
    if (owner === undefined || owner === spaceId) {
      return { object, attributes, targetId: object.id, overwrite: owner === spaceId };
    }
    const derivedId = idInSpace(spaceId, object.id);
    const derivedOwner = derivedOwners.get(derivedId);
    // The derived id taken in yet another space can only be a hand-made coincidence: a random id then.
    const targetId = derivedOwner === undefined || derivedOwner === spaceId ? derivedId : randomUUID();
    return { object, attributes, targetId, destinationId: targetId, overwrite: derivedOwner === spaceId };
  });
}

/** Config and secrets as create validates them; secrets that do not validate make the connector one that needs them. */
function validated(deps: ConnectorTransferDeps, def: ConnectorTypeDefinition, attributes: ImportedAttributes) {
  const ctx = deps.validatorContext;
  const config = validateConfig(def, attributes.config ?? {}, ctx);
  if (attributes.isMissingSecrets) return { config, secrets: {}, isMissingSecrets: true };
  try {
    const secrets = validateSecrets(def, attributes.secrets ?? {}, ctx);
    validateConnector(def, config, secrets);
    return { config, secrets, isMissingSecrets: false };
  } catch (err) {
    if (!(err instanceof ValidationError)) throw err;
    return { config, secrets: {}, isMissingSecrets: true };
  }
}

/**
 * A connector of a type this installation does not have is kept as the file has it, as Kibana's
 * import keeps it: listed, readable and deletable, refused when run ("not registered").
 */
function unvalidated(attributes: ImportedAttributes) {
  return { config: attributes.config ?? {}, secrets: attributes.secrets ?? {}, isMissingSecrets: attributes.isMissingSecrets ?? false };
}

/**
 * An import runs no type hooks (as Kibana's): a connector that stands for something outside
 * (`.inference`: an Elasticsearch endpoint) is imported as it is while that exists; when its
 * type's listing would hide it (it does not), it is imported as needing its secrets, so that it
 * is listed and saving it with them runs the hooks that make it. Kibana imports it as the file
 * has it, runnable but hidden.
 */
async function withoutItsResource(filterOf: (typeId: string) => Promise<ListingFilter>, def: ConnectorTypeDefinition, connector: ReturnType<typeof validated>) {
  if (connector.isMissingSecrets) return connector;
  const filter = await filterOf(def.id);
  return filter && !filter.listed(connector.config) ? { config: connector.config, secrets: {}, isMissingSecrets: true } : connector;
}

async function store(
  deps: ConnectorTransferDeps,
  spaceId: string,
  placement: Placement,
  filterOf: (typeId: string) => Promise<ListingFilter>,
): Promise<{ isMissingSecrets: boolean }> {
  const { registry, repository } = deps;
  const { attributes, targetId } = placement;
  const typeId = attributes.actionTypeId;
  const def = registry.has(typeId) ? registry.get(typeId) : undefined;
  if (def?.isSystemActionType) throw new ObjectFailure({ type: 'unknown', message: `System action creation is forbidden. Action type: ${def.id}.`, statusCode: 400 });
  if (def) registry.ensureEnabled(def.id);
  const { config, secrets, isMissingSecrets } = def ? await withoutItsResource(filterOf, def, validated(deps, def, attributes)) : unvalidated(attributes);
  const existing = placement.overwrite ? await repository.get(spaceId, targetId) : undefined;
  const outcome = await writeConnector(deps, { spaceId, id: targetId, typeId, name: attributes.name, config, secrets, isMissingSecrets }, existing);
  if (outcome === 'conflict') throw new ObjectFailure({ type: 'unknown', message: `Saved object [action/${targetId}] conflict`, statusCode: 409 });
  return { isMissingSecrets };
}
