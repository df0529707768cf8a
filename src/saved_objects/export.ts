import type { Scope } from '../actions/actions_client.js';
import type { ConnectorRecord } from '../storage/connectors_repository.js';
import { CONNECTOR_SAVED_OBJECT_TYPE, exportDetails, toExportedSavedObject } from './connector_saved_object.js';
import { SavedObjectsRequestError, type ConnectorTransferDeps } from './deps.js';
import { toNdjson } from './ndjson.js';

/** Kibana's token for "every exportable type". */
const ALL_TYPES = '*';
const EXPORTABLE_TYPES = [CONNECTOR_SAVED_OBJECT_TYPE];

export interface ExportRequest {
  types?: string[];
  objects?: Array<{ type: string; id: string }>;
  excludeExportDetails?: boolean;
}

/** Stored connectors by id, read in slices to stay under the bound-parameter limits of both databases. */
async function getStored(deps: ConnectorTransferDeps, spaceId: string, ids: string[]): Promise<ConnectorRecord[]> {
  const records: ConnectorRecord[] = [];
  for (let i = 0; i < ids.length; i += 1000) records.push(...(await deps.repository.getMany(spaceId, ids.slice(i, i + 1000))));
  return records;
}

function byId(a: { id: string }, b: { id: string }): number {
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** Kibana's checks of an export request, with its messages. */
function validateExportRequest({ types = [], objects = [] }: ExportRequest, limit: number): void {
  if (types.length === 0 && objects.length === 0) throw new SavedObjectsRequestError('Either `type` or `objects` are required.');
  if (types.length > 0 && objects.length > 0) {
    throw new SavedObjectsRequestError(`Can't specify both "types" and "objects" properties when exporting`);
  }
  if (objects.length > limit) throw new SavedObjectsRequestError(`Can't export more than ${limit} objects`);
  const badObjects = objects.filter((o) => !EXPORTABLE_TYPES.includes(o.type));
  if (badObjects.length > 0) {
    throw new SavedObjectsRequestError(
      `Trying to export object(s) with non-exportable types: ${badObjects.map((o) => `${o.type}:${o.id}`).join(', ')}`,
    );
  }
  const badTypes = types.filter((t) => t !== ALL_TYPES && !EXPORTABLE_TYPES.includes(t));
  if (badTypes.length > 0) throw new SavedObjectsRequestError(`Trying to export non-exportable type(s): ${badTypes.join(', ')}`);
}

function exportSizeExceeded(limit: number): SavedObjectsRequestError {
  return new SavedObjectsRequestError(
    `Can't export more than ${limit} objects. If your server has enough memory, this limit can be increased by adjusting the "savedObjects.maxImportExportSize" setting.`,
  );
}

/**
 * The connectors of a space as Kibana's export NDJSON: by type every stored connector in id
 * order, by objects the ones asked for in the order asked. Preconfigured and system connectors
 * are not saved objects: a type export leaves them out, and asking for one by id fails as
 * Kibana fails for an object it cannot fetch. Secrets are never read.
 */
export async function exportConnectors(deps: ConnectorTransferDeps, scope: Scope, request: ExportRequest): Promise<string> {
  const limit = deps.maxImportExportSize;
  validateExportRequest(request, limit);
  await deps.authorizer.ensureAuthorized(scope.principal, scope.spaceId, 'get');

  let records: ConnectorRecord[];
  if (request.objects && request.objects.length > 0) {
    const found = new Map((await getStored(deps, scope.spaceId, request.objects.map((o) => o.id))).map((r) => [r.id, r]));
    const missing = request.objects.filter((o) => !found.has(o.id));
    if (missing.length > 0) {
      throw new SavedObjectsRequestError('Error fetching objects to export', {
        objects: missing.map(({ type, id }) => ({
          id,
          type,
          error: { statusCode: 404, error: 'Not Found', message: `Saved object [${type}/${id}] not found` },
        })),
      });
    }
    records = request.objects.map((o) => found.get(o.id)!);
  } else {
    // One more than the limit tells whether the limit is exceeded.
    const listed = await deps.repository.listBySpace(scope.spaceId, limit + 1);
    if (listed.length > limit) throw exportSizeExceeded(limit);
    records = (await getStored(deps, scope.spaceId, listed.map((c) => c.id))).sort(byId);
  }

  const lines: unknown[] = records.map((record) =>
    toExportedSavedObject(record, deps.registry.has(record.typeId) ? deps.registry.get(record.typeId) : undefined, deps.validatorContext),
  );
  if (!request.excludeExportDetails) lines.push(exportDetails(records.length));
  return toNdjson(lines);
}
