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

/** One call to a Plugboard route: JSON in and out (unless told otherwise), the kbn-xsrf header on every change. */
export async function request<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const method = options.method ?? 'GET';
  const isForm = options.body instanceof FormData;
  const headers: Record<string, string> = { accept: options.responseType === 'text' ? '*/*' : 'application/json' };
  if (method !== 'GET') headers['kbn-xsrf'] = 'plugboard-ui';
  if (options.body !== undefined && !isForm) headers['content-type'] = 'application/json';
  const url = `${options.spaceId ? spacePrefix(options.spaceId) : ''}${path}`;
  const response = await fetch(url, {
    method,
    headers,
    body: options.body === undefined ? undefined : isForm ? (options.body as FormData) : JSON.stringify(options.body),
    credentials: 'same-origin',
    signal: options.signal,
  });
  const text = await response.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = text;
  }
  if (!response.ok) {
    if (response.status === 401 && !options.expectUnauthorized) for (const listener of unauthorizedListeners) listener();
    // Kibana's `{message}`; Alertmanager's routes answer a JSON string.
    const message =
      body && typeof body === 'object' && 'message' in body
        ? String((body as { message: unknown }).message)
        : typeof body === 'string' && body
          ? body
          : `${response.status} ${response.statusText}`;
    throw new ApiError(response.status, message, body);
  }
  return (options.responseType === 'text' ? text : body) as T;
}
