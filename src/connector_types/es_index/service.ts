import { answerFacts, type FailureFacts } from '../../actions/failure.js';
import type { ExecutorResult } from '../../actions/types.js';
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

/** Kibana's indexing failure, which sets no retry; `failure` is for the queue. */
export function indexingError(actionId: string, serviceMessage: string, failure: FailureFacts | undefined): ExecutorResult {
  return { status: 'error', actionId, message: 'error indexing documents', serviceMessage, ...(failure ? { failure } : {}) };
}

/**
 * Failed bulk items are worth sending again only when every failure is transient (429 or 5xx,
 * e.g. a full write queue); a mapping error fails again on every attempt.
 */
export function bulkItemsFailure(items: unknown): FailureFacts | undefined {
  const statuses: number[] = [];
  for (const item of Array.isArray(items) ? items : []) {
    for (const response of Object.values((item ?? {}) as Record<string, { status?: number } | undefined>)) {
      if (typeof response?.status === 'number' && response.status >= 300) statuses.push(response.status);
    }
  }
  const transient = statuses.length > 0 && statuses.every((status) => status === 429 || status >= 500);
  return transient ? undefined : { permanent: true };
}

/** A thrown client error: the answer's status when there is one; a network failure has none (the client says 0). */
export function clientErrorFailure(err: unknown): FailureFacts | undefined {
  const meta = (err as { meta?: { statusCode?: number; headers?: Record<string, string> } }).meta;
  return typeof meta?.statusCode === 'number' && meta.statusCode > 0 ? answerFacts({ status: meta.statusCode, headers: meta.headers ?? {} }) : undefined;
}
