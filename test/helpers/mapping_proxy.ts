import { createServer, request, type IncomingHttpHeaders } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';

export interface MappingProxy {
  url: string;
  /** `host:port` of every request, as the client named it, in arrival order. */
  targets: string[];
  close(): Promise<void>;
}

/** Hop-by-hop headers meant for the proxy, not forwarded to the target. */
const PROXY_ONLY_HEADERS = ['proxy-authorization', 'proxy-connection', 'connection', 'keep-alive'];

function splitHostPort(authority: string): { host: string; port: number } {
  const match = /^\[?([^\]]+?)\]?:(\d+)$/.exec(authority);
  if (!match) throw new Error(`not a host:port: ${authority}`);
  return { host: match[1], port: Number(match[2]) };
}

/**
 * A forward proxy on 127.0.0.1 (absolute-form http requests and CONNECT tunnels) that looks a
 * target's name up in `hosts` before asking DNS: it stands for a proxy that knows names this
 * machine's resolver does not, e.g. an internal DNS only the proxy can query. A target it
 * cannot reach gets a 502.
 */
export async function startMappingProxy(hosts: Record<string, string>): Promise<MappingProxy> {
  const targets: string[] = [];
  const tunnels = new Set<Socket>();
  const addressOf = (host: string) => hosts[host.toLowerCase()] ?? host;

  const server = createServer((req, res) => {
    const target = new URL(req.url ?? '/');
    const port = Number(target.port || 80);
    targets.push(`${target.hostname}:${port}`);
    const headers: IncomingHttpHeaders = { ...req.headers, host: target.host };
    for (const name of PROXY_ONLY_HEADERS) delete headers[name];
    const upstream = request({ host: addressOf(target.hostname), port, method: req.method, path: `${target.pathname}${target.search}`, headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.statusMessage, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
    req.pipe(upstream);
  });

  server.on('connect', (req, client: Socket, head: Buffer) => {
    const authority = req.url ?? '';
    targets.push(authority.toLowerCase());
    const { host, port } = splitHostPort(authority);
    const upstream = connect(port, addressOf(host), () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    tunnels.add(client).add(upstream);
    const forget = () => {
      tunnels.delete(client);
      tunnels.delete(upstream);
    };
    client.on('close', forget);
    upstream.on('error', () => client.end('HTTP/1.1 502 Bad Gateway\r\n\r\n'));
    client.on('error', () => upstream.destroy());
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    targets,
    close: () => {
      // Tunnels have left the server's bookkeeping: closeAllConnections does not see them.
      for (const socket of tunnels) socket.destroy();
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
