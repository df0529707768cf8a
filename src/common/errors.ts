import { STATUS_CODES } from 'node:http';

/**
 * An error that knows the HTTP status it answers with, like Kibana's Boom errors. Any layer
 * may throw one; the HTTP layer renders it as `{statusCode, error, message}`.
 */
export class PlugboardError extends Error {
  override name = 'PlugboardError';
  constructor(
    readonly statusCode: number,
    message: string,
    /** Sent with the error (a 429's Retry-After). */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }

  get reason(): string {
    return STATUS_CODES[this.statusCode] ?? 'Error';
  }
}

export const badRequest = (message: string) => new PlugboardError(400, message);
export const forbidden = (message: string) => new PlugboardError(403, message);
export const notFound = (message: string) => new PlugboardError(404, message);
export const conflict = (message: string) => new PlugboardError(409, message);

/** Kibana's saved-object messages, which clients match on. */
export const savedObjectNotFound = (type: string, id: string) => notFound(`Saved object [${type}/${id}] not found`);
export const savedObjectConflict = (type: string, id: string) => conflict(`Saved object [${type}/${id}] conflict`);
