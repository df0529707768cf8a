import type { ActionResult } from '../../actions/types.js';
import type { EsIndexConfig, EsIndexParams } from './schema.js';

export const NO_REASON = 'Indexing error but no reason returned.';

/** `_bulk` operations: a create-only index line before each document. */
export function buildBulkOperations(
  config: EsIndexConfig,
  params: EsIndexParams,
  now: () => Date = () => new Date(),
): unknown[] {
  const timeField = config.executionTimeField?.trim() ?? '';
  const operations: unknown[] = [];
  for (const document of params.documents) {
    // A copy, so the caller's params are not changed.
    const doc: Record<string, unknown> = timeField !== '' ? { ...document, [timeField]: now() } : document;
    operations.push({ index: { op_type: 'create' } }, doc);
  }
  return operations;
}

interface BulkItemError {
  reason?: unknown;
  caused_by?: { reason?: unknown };
}

/** Every item's error reason joined by `;`, then the caused-by reasons in parentheses. */
export function describeBulkErrors(items: unknown): string {
  const reasons: string[] = [];
  const causes: string[] = [];
  for (const item of Array.isArray(items) ? items : []) {
    if (!item || typeof item !== 'object') continue;
    for (const response of Object.values(item as Record<string, { error?: BulkItemError } | undefined>)) {
      const error = response?.error;
      if (error?.reason) reasons.push(String(error.reason));
      if (error?.caused_by?.reason) causes.push(String(error.caused_by.reason));
    }
  }
  if (reasons.length === 0) return NO_REASON;
  return `${reasons.join(';')}${causes.length > 0 ? ` (${causes.join(';')})` : ''}`;
}

export function indexingError(actionId: string, serviceMessage: string): ActionResult {
  return { status: 'error', actionId, message: 'error indexing documents', serviceMessage };
}
