import type { Connector, ImportFailure, ImportResponse } from '../../api/types.js';

// What the export button and the import flyout make of the saved objects routes' answers.

export const EXPORT_FILE_NAME = 'connectors.ndjson';

export interface ExportSummary {
  exportedCount: number;
  /** Exported connectors whose secrets will have to be entered again after an import. */
  missingSecretsCount: number;
}

/**
 * Counts what an NDJSON export holds: its connectors, and those flagged `isMissingSecrets`. The
 * summary line's `exportedCount` wins when there is one (it is absent with excludeExportDetails).
 */
export function summarizeExport(ndjson: string): ExportSummary {
  let objects = 0;
  let missingSecretsCount = 0;
  let exportedCount: number | undefined;
  for (const line of ndjson.split('\n')) {
    let value: Record<string, any>;
    try {
      value = JSON.parse(line);
    } catch {
      continue; // blank or cut short: the counts are only for the message
    }
    if (typeof value.exportedCount === 'number' && value.type === undefined) {
      exportedCount = value.exportedCount;
      continue;
    }
    objects++;
    if (value.attributes?.isMissingSecrets === true) missingSecretsCount++;
  }
  return { exportedCount: exportedCount ?? objects, missingSecretsCount };
}

/** Hands `text` to the browser as a file download (a Blob behind a temporary link). */
export function downloadText(text: string, fileName: string, mimeType = 'application/ndjson') {
  const url = URL.createObjectURL(new Blob([text], { type: mimeType }));
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  link.style.display = 'none';
  document.body.appendChild(link);
  link.click();
  link.remove();
  // The download has started from the click; the URL may go once the event loop moves on.
  setTimeout(() => URL.revokeObjectURL(url), 0);
}

/** The id an imported object has in this space (a new copy gets a new one). */
export const importedId = (result: { id: string; destinationId?: string }) => result.destinationId ?? result.id;

/** The title to show for an object of the file: Kibana's meta title, else its type and id. */
export const objectTitle = (object: { id: string; type: string; title?: string; meta?: { title?: string } }) =>
  object.meta?.title ?? object.title ?? `${object.type} ${object.id}`;

/** Why an object was not imported, in words (Kibana's import error types). */
export function describeImportError(failure: ImportFailure): string {
  const { error } = failure;
  switch (error.type) {
    case 'conflict':
      return 'Conflict: a connector with this ID already exists in this space. Import again with "Overwrite" or "Create new objects".';
    case 'ambiguous_conflict':
      return 'Conflict: several existing objects match this one.';
    case 'unsupported_type':
      return `Unsupported type: objects of type "${failure.type}" cannot be imported here, only connectors.`;
    case 'missing_references':
      return `Missing references: ${(error.references ?? []).map((r) => `${r.type} ${r.id}`).join(', ') || 'objects it refers to are not there'}.`;
    case 'unknown':
      return error.message ? `Error: ${error.message}` : 'Unknown error.';
    default:
      return error.message ? `${error.type}: ${error.message}` : error.type;
  }
}

/** The action_required warning of an import: some imported connectors need their secrets again. */
export const secretsWarningOf = (response: ImportResponse) => response.warnings.find((w) => w.type === 'action_required');

/** The imported connectors that are missing their secrets, as the reloaded list has them. */
export function connectorsNeedingSecrets(response: ImportResponse, connectors: Connector[]): Connector[] {
  const imported = new Set((response.successResults ?? []).filter((r) => r.type === 'action').map(importedId));
  return connectors.filter((c) => imported.has(c.id) && c.is_missing_secrets);
}
