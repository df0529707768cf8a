import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { text } from 'node:stream/consumers';

// Every simulator is an in-process HTTP server on a free loopback port.

/** Listens on 127.0.0.1 on a free port; resolves to the base URL. */
export async function listenOnLoopback(server: Server): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return `http://127.0.0.1:${port}`;
}

export function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
}

export interface RecordedRequest {
  method: string;
  /** Path and query, as received. */
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export type TextHandler = (req: IncomingMessage, res: ServerResponse, body: string) => void;

/** A loopback server that reads each body as text, then calls `handle`; an unreadable body drops the connection. */
export async function startTextServer(handle: TextHandler): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    text(req).then(
      (body) => handle(req, res, body),
      () => res.destroy(),
    );
  });
  return { url: await listenOnLoopback(server), close: () => closeServer(server) };
}

/** startTextServer that also records every request, in order, before handling it. */
export async function startRecordingServer(
  handle: TextHandler,
): Promise<{ url: string; requests: RecordedRequest[]; close(): Promise<void> }> {
  const requests: RecordedRequest[] = [];
  const server = await startTextServer((req, res, body) => {
    requests.push({ method: req.method ?? '', path: req.url ?? '/', headers: req.headers, body });
    handle(req, res, body);
  });
  return { ...server, requests };
}

/** A simulator's `failNext`: one answer, JSON by default, given to the next request whatever it is. */
export function oneOffAnswer() {
  let pending: { status: number; body: string; headers: Record<string, string> } | undefined;
  return {
    set(status: number, body = '{}', headers: Record<string, string> = {}): void {
      pending = { status, body, headers };
    },
    /** Sends the pending answer, if there is one; true when it did. */
    sendIfPending(res: ServerResponse): boolean {
      if (!pending) return false;
      const { status, body, headers } = pending;
      pending = undefined;
      res.writeHead(status, { 'Content-Type': 'application/json', ...headers }).end(body);
      return true;
    },
  };
}
