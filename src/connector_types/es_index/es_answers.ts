import type { ServerResponse } from 'node:http';

// How Elasticsearch answers, for the simulators of its APIs: JSON with the product header (the
// official client rejects answers without it), and errors as `{error: {root_cause, …}, status}`.

export interface ErrorCause {
  type: string;
  reason: string;
  caused_by?: ErrorCause;
  [key: string]: unknown;
}

/** A failure of the whole request, answered as `{error, status}`. */
export class RequestError extends Error {
  constructor(
    readonly status: number,
    readonly error: ErrorCause,
    readonly headers: Record<string, string> = {},
  ) {
    super(error.reason);
  }
}

export const PRODUCT_HEADER = { 'x-elastic-product': 'Elasticsearch' };

export function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { ...PRODUCT_HEADER, 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

export function sendError(res: ServerResponse, err: RequestError): void {
  const { caused_by: _causedBy, ...rootCause } = err.error;
  send(res, err.status, { error: { root_cause: [rootCause], ...err.error }, status: err.status }, err.headers);
}
