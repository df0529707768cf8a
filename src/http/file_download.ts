import { Readable } from 'node:stream';
import type { StreamableOutcome } from '../actions/actions_client.js';
import { ANSWER_STREAM_FAILED } from '../actions/failure.js';
import { contentDisposition, fileFactsOf, isFileBody } from '../actions/file_answer.js';
import { acceptsMediaType } from './event_stream.js';
import { toExecuteResponse } from './schemas.js';
import type { RouteResponse } from './route.js';

// A file a run answers (SubAction.downloads) over HTTP (Plugboard, beyond Kibana, which hands
// the stream to in-process callers only): `_execute` and the unsaved test, asked with
// `Accept: application/octet-stream`, answer the service's bytes as they arrive. A run that fails
// before the file's first byte answers the usual JSON result.

export const OCTET_STREAM = 'application/octet-stream';

export function acceptsOctetStream(accept: string | undefined): boolean {
  return acceptsMediaType(accept, OCTET_STREAM);
}

/**
 * The route's answer for a run of params that answer a file: its bytes, piped (the route's
 * writer reads as fast as the client does, so nothing is held whole), with Content-Disposition
 * when the service named the file. The first chunk is awaited before the head is sent, so that a
 * file that breaks at once is still a JSON error. The client going away destroys the body, which
 * aborts the request to the service, and the run's execute event is then a failure.
 */
export async function downloadResponse(outcome: StreamableOutcome): Promise<RouteResponse> {
  const { result } = outcome;
  if (result.status !== 'ok' || !isFileBody(result.data)) return { body: toExecuteResponse(result) };
  const file = fileFactsOf(result.data);
  const source = result.data[Symbol.asyncIterator]();
  let first: IteratorResult<unknown>;
  try {
    first = await source.next();
  } catch (err) {
    // The execute event's words for it are the redacted ones (the executor's usage promise).
    const reason = await Promise.resolve(outcome.usage).then(
      () => (err as Error).message,
      (failed: unknown) => (failed as Error).message,
    );
    return { body: toExecuteResponse({ status: 'error', actionId: result.actionId, message: ANSWER_STREAM_FAILED, serviceMessage: reason, errorSource: 'framework' }) };
  }
  async function* rest(): AsyncGenerator<unknown> {
    if (first.done) return;
    yield first.value;
    // Returning early (the client went away) returns the source iterator, which destroys the body.
    for (let next = await source.next(); !next.done; next = await source.next()) yield next.value;
  }
  const headers: Record<string, string> = { 'content-type': OCTET_STREAM, 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' };
  if (file.fileName) headers['content-disposition'] = contentDisposition(file.fileName);
  if (file.contentLength !== undefined) headers['content-length'] = String(file.contentLength);
  const body = Readable.from(rest(), { objectMode: false });
  // The body ending early (the client went away) must end the service's body too.
  body.once('close', () => {
    if (!body.readableEnded) void source.return?.();
  });
  return { headers, body };
}
