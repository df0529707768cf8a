import { v5 as uuidV5 } from 'uuid';
import type { ConnectorTypeDefinition, ValidatorContext } from '../actions/types.js';
import { validateSecrets } from '../actions/validation.js';
import type { ConnectorRecord } from '../storage/connectors_repository.js';

/** Kibana's saved-object type of connectors. */
export const CONNECTOR_SAVED_OBJECT_TYPE = 'action';

/** The migration versions Kibana 8.8+ writes on connectors, so that Kibana accepts our files. */
export const CORE_MIGRATION_VERSION = '8.8.0';
export const TYPE_MIGRATION_VERSION = '8.3.0';

/** Kibana's saved-objects management icon for connectors. */
export const CONNECTOR_ICON = 'actionsApp';

export interface ConnectorAttributes {
  actionTypeId: string;
  config: Record<string, unknown>;
  isMissingSecrets: boolean;
  name: string;
  secrets: Record<string, unknown>;
}

/** One line of an export, as Kibana writes it for a connector. */
export interface ConnectorSavedObject {
  attributes: ConnectorAttributes;
  coreMigrationVersion: string;
  created_at: string;
  id: string;
  managed: boolean;
  references: unknown[];
  type: typeof CONNECTOR_SAVED_OBJECT_TYPE;
  typeMigrationVersion: string;
  updated_at: string;
  version: string;
}

/** The last line of an export. */
export interface ExportDetails {
  excludedObjects: unknown[];
  excludedObjectsCount: number;
  exportedCount: number;
  missingRefCount: number;
  missingReferences: unknown[];
}

/** Kibana's `getTitle` for connectors, shown in import results. */
export function connectorTitle(name: string): string {
  return `Connector: [${name}]`;
}

/**
 * Kibana's rule for the flag of an exported connector (reference §7): a type that cannot run
 * without secrets always needs them again; otherwise they are needed when the config says the
 * connector authenticates (`hasAuth`).
 */
export function needsSecretsAfterExport(def: ConnectorTypeDefinition | undefined, config: Record<string, unknown>, ctx: ValidatorContext): boolean {
  if (!def) return true;
  try {
    validateSecrets(def, {}, ctx);
  } catch {
    return true;
  }
  return config.hasAuth === true;
}

/** Elasticsearch's `_seq_no`/`_primary_term` pair, encoded as Kibana encodes a saved object's version. */
function encodeVersion(version: number): string {
  return Buffer.from(JSON.stringify([version, 1]), 'utf8').toString('base64');
}

/** A stored connector as an exported saved object: its secrets are never part of it. */
export function toExportedSavedObject(record: ConnectorRecord, def: ConnectorTypeDefinition | undefined, ctx: ValidatorContext): ConnectorSavedObject {
  return {
    attributes: {
      actionTypeId: record.typeId,
      config: record.config,
      isMissingSecrets: needsSecretsAfterExport(def, record.config, ctx),
      name: record.name,
      secrets: {},
    },
    coreMigrationVersion: CORE_MIGRATION_VERSION,
    created_at: record.createdAt,
    id: record.id,
    managed: false,
    references: [],
    type: CONNECTOR_SAVED_OBJECT_TYPE,
    typeMigrationVersion: TYPE_MIGRATION_VERSION,
    updated_at: record.updatedAt,
    version: encodeVersion(record.version),
  };
}

export function exportDetails(exportedCount: number): ExportDetails {
  return { excludedObjects: [], excludedObjectsCount: 0, exportedCount, missingRefCount: 0, missingReferences: [] };
}

/**
 * The id a connector gets in a space when its own id is taken by a connector of another space.
 * Connector ids are unique across spaces (as Kibana's), so a copy cannot keep its id; deriving
 * the new one from the space and the original id (as Kibana did when it made ids global) gives
 * the same id on every copy or import into that space, so a second one is a conflict there
 * instead of a duplicate.
 */
export function idInSpace(spaceId: string, id: string): string {
  return uuidV5(`${spaceId}:${CONNECTOR_SAVED_OBJECT_TYPE}:${id}`, uuidV5.DNS);
}
