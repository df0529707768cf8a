import { text } from 'node:stream/consumers';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import { closeServer, listenOnLoopback } from '../../src/connector_types/lib/simulator_server.js';

export interface SinkResponse {
  status: number;
  headers?: Record<string, string>;
  body?: string;
}

export interface RecordedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface StatusSink {
  url: string;
  requests: RecordedRequest[];
  /** What every following request is answered with. */
  respondWith(response: SinkResponse): void;
  close(): Promise<void>;
}

/**
 * An HTTP endpoint that answers every request with a chosen status, for the retry table of
 * the connector contract tests. It also speaks enough Elasticsearch (the product header) for
 * the official client to accept its answers.
 */
export async function startStatusSink(): Promise<StatusSink> {
  let next: SinkResponse = { status: 200, body: '{}' };
  const requests: RecordedRequest[] = [];
  const server = createServer((req, res) => {
    void text(req).then((body) => {
      requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      res.writeHead(next.status, {
        'content-type': 'application/json',
        'x-elastic-product': 'Elasticsearch',
        ...next.headers,
      });
      res.end(next.body ?? '');
    });
  });
  return {
    url: await listenOnLoopback(server),
    requests,
    respondWith(response) {
      next = response;
    },
    close: () => closeServer(server),
  };
}
