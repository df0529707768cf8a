import { errors } from '@elastic/elasticsearch';

/**
 * An Elasticsearch failure in a sentence, as Kibana's getEsErrorMessage writes it: the message,
 * and for a response error its root causes' reasons.
 */
export function esErrorMessage(err: unknown): string {
  if (err instanceof errors.ResponseError) {
    const body = err.meta.body as { error?: { reason?: string; root_cause?: Array<{ reason?: string }>; caused_by?: { reason?: string } } } | undefined;
    const reasons = (body?.error?.root_cause ?? []).map((c) => c.reason).filter(Boolean);
    const causedBy = body?.error?.caused_by?.reason;
    const detail = [...reasons, ...(causedBy ? [causedBy] : [])].join(', ');
    return detail ? `${err.message}, caused by: "${detail}"` : err.message;
  }
  return err instanceof Error ? err.message : String(err);
}
