import { STATUS_CODES } from 'node:http';
import { StreamFailure, type FailureFacts } from '../../actions/failure.js';

// How Bedrock's failures are worded, as Kibana's Bedrock connector words its error answers; and
// the exceptions Bedrock sends inside a stream that began with 200, worded the same way.

const NOT_RECOGNIZED = 'The requested operation is not recognized by the service.';

/** Kibana's reading of Bedrock's error answers (`{message}`). */
export function bedrockErrorMessage({ status, statusText, data }: { status: number; statusText: string; data: unknown }): string {
  const message = (data as { message?: unknown } | null)?.message;
  const detail = typeof message === 'string' && message ? message : undefined;
  if (status === 400 && detail === NOT_RECOGNIZED) {
    return `API Error: ${detail}\n\nThe Kibana Connector in use may need to be reconfigured with an updated Amazon Bedrock endpoint, like \`bedrock-runtime\`.`;
  }
  if (status === 401) return `Unauthorized API Error${detail ? `: ${detail}` : ''}`;
  return `API Error: ${statusText}${detail ? ` - ${detail}` : ''}`;
}

/**
 * The HTTP status of each exception a Bedrock stream may end with (the ResponseStream and
 * ConverseStreamOutput unions of Bedrock Runtime's API reference).
 */
const STREAM_EXCEPTION_STATUS: Record<string, number> = {
  internalServerException: 500,
  modelStreamErrorException: 424,
  modelTimeoutException: 408,
  serviceUnavailableException: 503,
  throttlingException: 429,
  validationException: 400,
};

/**
 * An exception message of a stream (`:message-type` exception, `:exception-type` its kind,
 * payload `{message}`), worded as Kibana words the same exception answered before the stream:
 * `API Error: Too Many Requests - <message>` for a throttlingException. Its status goes to the
 * queue, so a throttled run is retried as a 429 is (and is the user's, as a 429 answer is).
 */
export function bedrockStreamFailure(exceptionType: string, payload: { message?: unknown }): StreamFailure {
  const status = STREAM_EXCEPTION_STATUS[exceptionType];
  const statusText = status === undefined ? exceptionType : (STATUS_CODES[status] ?? exceptionType);
  const facts: FailureFacts | undefined = status === undefined ? undefined : { httpStatus: status };
  return new StreamFailure(bedrockErrorMessage({ status: status ?? 0, statusText, data: payload }), status === 429 ? 'user' : 'framework', facts);
}
