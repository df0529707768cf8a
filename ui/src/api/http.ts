import { createParser } from 'eventsource-parser';

/** An answer of the server that is not a success: Kibana's `{statusCode, error, message}`. */
export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    readonly statusCode: number,
    message: string,
    readonly body?: unknown,
  ) {
    super(message);
  }
}

type Listener = () => void;
const unauthorizedListeners = new Set<Listener>();

/** Called when a request answers 401: the session ended, the app goes to the login page. */
export function onUnauthorized(listener: Listener): () => void {
  unauthorizedListeners.add(listener);
  return () => unauthorizedListeners.delete(listener);
}

/** `/s/{space}` before a path, or nothing for the default space. */
export function spacePrefix(spaceId: string): string {
  return spaceId === 'default' ? '' : `/s/${encodeURIComponent(spaceId)}`;
}

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Sent as JSON; FormData is sent as it is (multipart, the browser sets the boundary). */
  body?: unknown;
  /** 'text': the answer as it came (an NDJSON export) rather than parsed JSON. */
  responseType?: 'json' | 'text';
  /** The space the path is in; omitted for routes outside spaces. */
  spaceId?: string;
  signal?: AbortSignal;
  /** A 401 is the caller's to handle (the login form) rather than a session that ended. */
  expectUnauthorized?: boolean;
}

/** Sends a request to a Plugboard route, the kbn-xsrf header on every change. */
function send(path: string, options: RequestOptions, accept: string): Promise<Response> {
  const method = options.method ?? 'GET';
  const isForm = options.body instanceof FormData;
  const headers: Record<string, string> = { accept };
  if (method !== 'GET') headers['kbn-xsrf'] = 'plugboard-ui';
  if (options.body !== undefined && !isForm) headers['content-type'] = 'application/json';
  const url = `${options.spaceId ? spacePrefix(options.spaceId) : ''}${path}`;
  return fetch(url, {
    method,
    headers,
    body: options.body === undefined ? undefined : isForm ? (options.body as FormData) : JSON.stringify(options.body),
    credentials: 'same-origin',
    signal: options.signal,
  });
}

/** An answer's body: JSON when it parses, else its text. */
function parseBody(text: string): unknown {
  try {
    return text ? JSON.parse(text) : undefined;
  } catch {
    return text;
  }
}

/** The error of an answer that is not a success; a 401 tells the listeners the session ended. */
function failure(response: Response, body: unknown, options: RequestOptions): ApiError {
  if (response.status === 401 && !options.expectUnauthorized) for (const listener of unauthorizedListeners) listener();
  // Kibana's `{message}`; Alertmanager's routes answer a JSON string.
  const message =
    body && typeof body === 'object' && 'message' in body
      ? String((body as { message: unknown }).message)
      : typeof body === 'string' && body
        ? body
        : `${response.status} ${response.statusText}`;
  return new ApiError(response.status, message, body);
}

/** One call to a Plugboard route: JSON in and out (unless told otherwise), the kbn-xsrf header on every change. */
export async function request<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const response = await send(path, options, options.responseType === 'text' ? '*/*' : 'application/json');
  const text = await response.text();
  const body = parseBody(text);
  if (!response.ok) throw failure(response, body, options);
  return (options.responseType === 'text' ? text : body) as T;
}

/** One server-sent event of an answer read as it arrives. */
export interface ServerEvent {
  event: string | undefined;
  data: string;
}

/**
 * A call answered with server-sent events (`Accept: text/event-stream`): each event is handed
 * to `onEvent` as it arrives; resolves when the answer ends. Aborting `options.signal` closes
 * the connection.
 */
export async function requestEvents(path: string, options: RequestOptions, onEvent: (event: ServerEvent) => void): Promise<void> {
  const response = await send(path, options, 'text/event-stream');
  if (!response.ok || !response.body) throw failure(response, parseBody(await response.text()), options);
  const parser = createParser({ onEvent: ({ event, data }) => onEvent({ event, data }) });
  const decoder = new TextDecoder();
  const reader = response.body.getReader();
  for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) parser.feed(decoder.decode(chunk.value, { stream: true }));
}
