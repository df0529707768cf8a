// What Plugboard's queue decides a retry from. Kibana's result carries one `retry` that clients
// read and Kibana's own queue follows; Plugboard answers clients with Kibana's result, and keeps
// what happened beside it for its queue (action_task.ts), which is stricter about what is worth
// sending again.

/** The facts of a failed run that the queue reads; never sent to clients, stored or logged. */
export interface FailureFacts {
  /** The status of the service's non-2xx answer. */
  httpStatus?: number;
  /** When the service asked to be called again: the Retry-After of a 429. */
  retryAt?: Date;
  /** Running the same action again would fail the same way: bad params, a request refused for good. */
  permanent?: boolean;
}

/** Retry-After is honoured only as whole seconds (parseInt), as Kibana does; an HTTP-date is ignored. */
export function retryAfterSeconds(headers: Record<string, string | string[] | undefined>): number | undefined {
  const raw = headers['retry-after'];
  const value = Array.isArray(raw) ? raw[0] : raw;
  if (value === undefined) return undefined;
  const seconds = Number.parseInt(value, 10);
  return Number.isNaN(seconds) ? undefined : seconds;
}

/** The facts of a service's non-2xx answer: its status and, for a 429, the time it asked for. */
export function answerFacts(res: { status: number; headers: Record<string, string | string[] | undefined> }): FailureFacts {
  const seconds = res.status === 429 ? retryAfterSeconds(res.headers) : undefined;
  return { httpStatus: res.status, ...(seconds === undefined ? {} : { retryAt: new Date(Date.now() + seconds * 1000) }) };
}

/**
 * A failure a type's executor throws rather than returns, as Kibana's sub-action connectors do.
 * The action executor answers it as Kibana does (`an error occurred while running the action`,
 * the message as service message, `retry: true`) with `source` as its errorSource; `failure`
 * goes to the queue.
 */
export class ExecutorError extends Error {
  override name = 'ExecutorError';
  constructor(
    message: string,
    readonly source: 'user' | 'framework' = 'framework',
    readonly failure?: FailureFacts,
  ) {
    super(message);
  }
}

/** What a run whose streamed answer failed is said to be, beside the provider's words. */
export const ANSWER_STREAM_FAILED = 'an error occurred while reading the answer stream';

/**
 * A failure the provider reported inside an answer that had begun: a stream answered 200, then an
 * error event (Bedrock's exception message, an SSE `error`, OpenAI's `{error}` chunk, a Gemini
 * safety stop). Its message is the provider's error as the type words its error answers. The
 * type's stream readers throw it at that event, and a streamed answer's usage promise rejects with
 * it, so that the run is a failure (its execute event too, without token usage: Kibana records
 * usage for successes only) although its first chunks were passed on.
 */
export class StreamFailure extends ExecutorError {
  override name = 'StreamFailure';
}
