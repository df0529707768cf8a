import { errors } from '@elastic/elasticsearch';

interface EsErrorBody {
  type?: string;
  reason?: string;
  caused_by?: EsErrorBody;
}

/**
 * An Elasticsearch failure in one line, after Kibana's getEsErrorMessage: `<type>: <reason>`
 * and, for a response error, `, caused by: "<reasons of the caused_by chain>"`.
 */
export function esErrorMessage(err: unknown): string {
  if (err instanceof errors.ResponseError) {
    const body = (err.meta.body as { error?: EsErrorBody } | undefined)?.error;
    if (body?.type) {
      const causes: string[] = [];
      for (let cause = body.caused_by; cause; cause = cause.caused_by) if (cause.reason) causes.push(cause.reason);
      return `${body.type}: ${body.reason ?? ''}, caused by: "${[...new Set(causes)].join(',')}"`;
    }
  }
  return err instanceof Error ? err.message.split('\n')[0] : String(err);
}
