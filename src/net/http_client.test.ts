import { text } from 'node:stream/consumers';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { makeNetworkPolicy } from '../connector_types/lib/test_context.js';
import { OutboundHttp, OutboundRequestError } from './http_client.js';

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((resolve) => s.close(resolve));
  }
});

/** A server on `host` that records each request and answers with `handler`. */
async function serve(handler: (req: Seen, res: ServerResponse) => void, host = '127.0.0.1') {
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    void text(req).then((body) => {
      const entry = { method: req.method!, url: req.url!, headers: req.headers, body };
      seen.push(entry);
      handler(entry, res);
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const { port } = server.address() as AddressInfo;
  return { seen, port, url: `http://${host}:${port}`, server };
}

function client(policy: { allowedHosts?: string[]; deniedAddresses?: string[] } = {}, limits: { maxResponseContentLength?: number; responseTimeoutMs?: number } = {}) {
  return new OutboundHttp({
    policy: makeNetworkPolicy(policy),
    maxResponseContentLength: limits.maxResponseContentLength ?? 1024 * 1024,
    responseTimeoutMs: limits.responseTimeoutMs ?? 60_000,
  });
}

const ok = (_req: Seen, res: ServerResponse) => res.end('done');

describe('redirects', () => {
  it('keep method and body on 307 and 308; 303, and 301/302 after a POST, continue as a GET without body', async () => {
    const target = await serve(ok);
    const first = await serve((req, res) => {
      const status = Number(req.url.slice(1));
      res.writeHead(status, { location: `${target.url}/after-${status}` }).end('moved');
    });
    const http = client();
    for (const [status, method, expected] of [
      [307, 'POST', 'POST'],
      [308, 'PUT', 'PUT'],
      [303, 'PUT', 'GET'],
      [302, 'POST', 'GET'],
      [301, 'POST', 'GET'],
      [301, 'PATCH', 'PATCH'],
    ] as const) {
      const res = await http.send({ url: `${first.url}/${status}`, method, body: '{"a":1}', headers: { 'content-type': 'application/json' } });
      expect(res).toMatchObject({ status: 200, body: 'done' });
      const arrived = target.seen.at(-1)!;
      expect([status, arrived.method, arrived.url]).toEqual([status, expected, `/after-${status}`]);
      expect(arrived.body).toBe(expected === 'GET' ? '' : '{"a":1}');
      expect(arrived.headers['content-type']).toBe(expected === 'GET' ? undefined : 'application/json');
    }
    await http.close();
  });

  it('drop credentials when the redirect leaves the host, and keep them on the same host', async () => {
    const other = await serve(ok, '127.0.0.2');
    const first = await serve((req, res) => {
      if (req.url === '/same') return res.writeHead(307, { location: '/landed' }).end();
      if (req.url === '/landed') return res.end('done');
      res.writeHead(307, { location: `${other.url}/landed` }).end();
    });
    const http = client();
    const headers = { authorization: 'Bearer secret-token', cookie: 'session=1', 'x-custom': 'kept' };
    await http.send({ url: `${first.url}/same`, method: 'POST', headers });
    expect(first.seen.at(-1)!.headers).toMatchObject({ authorization: 'Bearer secret-token', cookie: 'session=1', 'x-custom': 'kept' });
    await http.send({ url: `${first.url}/away`, method: 'POST', headers });
    const away = other.seen.at(-1)!.headers;
    expect(away['x-custom']).toBe('kept');
    expect(away.authorization).toBeUndefined();
    expect(away.cookie).toBeUndefined();
    await http.close();
  });

  it('check allowedHosts again on every hop', async () => {
    const other = await serve(ok, '127.0.0.2');
    const first = await serve((_req, res) => res.writeHead(302, { location: `${other.url}/elsewhere` }).end());
    const http = client({ allowedHosts: ['127.0.0.1'] });
    await expect(http.send({ url: first.url })).rejects.toThrow(
      `target url "${other.url}/elsewhere" is not added to the Kibana config xpack.actions.allowedHosts`,
    );
    expect(first.seen).toHaveLength(1);
    expect(other.seen).toHaveLength(0);
    await http.close();
  });

  it('stop at the hop limit, and are returned as they are when the caller follows none', async () => {
    const loop = await serve((req, res) => res.writeHead(302, { location: `/hop${req.url.length}` }).end());
    const http = client();
    const err = await http.send({ url: `${loop.url}/`, maxRedirects: 3 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OutboundRequestError);
    expect(err).toMatchObject({ code: 'ERR_FR_TOO_MANY_REDIRECTS', message: 'Maximum number of redirects exceeded (3)' });
    expect(loop.seen).toHaveLength(4);
    // 21 by default, as axios.
    await http.send({ url: `${loop.url}/` }).catch(() => undefined);
    expect(loop.seen).toHaveLength(4 + 22);
    const unfollowed = await http.send({ url: `${loop.url}/`, maxRedirects: 0 });
    expect(unfollowed).toMatchObject({ status: 302, headers: { location: '/hop1' } });
    await http.close();
  });
});

describe('SSRF guard (plugboard.net.deniedAddresses)', () => {
  it('refuses a literal address in a denied range before connecting, naming the rule', async () => {
    const http = client();
    const err = await http.send({ url: 'http://169.254.169.254/latest/meta-data/' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OutboundRequestError);
    expect(err).toMatchObject({
      code: 'EADDRDENIED',
      message: 'connection to 169.254.169.254 refused: the address is in 169.254.0.0/16, which plugboard.net.deniedAddresses denies',
    });
    // IPv4-mapped IPv6 is the same address.
    await expect(http.send({ url: 'http://[::ffff:169.254.169.254]/' })).rejects.toMatchObject({ code: 'EADDRDENIED' });
    await http.close();
  });

  it('refuses a hostname whose DNS answer is in a denied range, and a redirect to one', async () => {
    const target = await serve(ok);
    const denied = client({ deniedAddresses: ['127.0.0.0/8', '::1/128'] });
    const byName = await denied.send({ url: `http://localhost:${target.port}/` }).catch((e: unknown) => e);
    expect(byName).toMatchObject({ code: 'EADDRDENIED' });
    expect((byName as Error).message).toMatch(/^connection to (127\.0\.0\.1|::1) \(localhost\) refused: the address is in (127\.0\.0\.0\/8|::1\/128), which plugboard\.net\.deniedAddresses denies$/);
    expect(target.seen).toHaveLength(0);

    const internal = await serve(ok, '127.0.0.2');
    const front = await serve((_req, res) => res.writeHead(302, { location: `${internal.url}/admin` }).end());
    const guarded = client({ deniedAddresses: ['127.0.0.2/32'] });
    await expect(guarded.send({ url: front.url })).rejects.toMatchObject({
      code: 'EADDRDENIED',
      message: 'connection to 127.0.0.2 refused: the address is in 127.0.0.2/32, which plugboard.net.deniedAddresses denies',
    });
    expect(front.seen).toHaveLength(1);
    expect(internal.seen).toHaveLength(0);
    // The same request is fine once the range is not denied.
    const open = client({ deniedAddresses: [] });
    await expect(open.send({ url: front.url })).resolves.toMatchObject({ status: 200 });
    for (const c of [denied, guarded, open]) await c.close();
  });
});

describe('limits', () => {
  it('aborts a response larger than maxResponseContentLength while it streams', async () => {
    let serverSaw: 'finished' | 'closed' | undefined;
    const endless = await serve((_req, res) => {
      // No content-length: the size is only known by reading; the server stops when the client goes.
      let sent = 0;
      const timer = setInterval(() => {
        if (res.destroyed || res.writableEnded) return;
        res.write(Buffer.alloc(16 * 1024, 'x'));
        sent += 16 * 1024;
        if (sent >= 10 * 1024 * 1024) {
          clearInterval(timer);
          res.end();
          serverSaw = 'finished';
        }
      }, 1);
      res.on('close', () => {
        clearInterval(timer);
        serverSaw ??= 'closed';
      });
    });
    const http = client({}, { maxResponseContentLength: 100 * 1024 });
    await expect(http.send({ url: endless.url })).rejects.toMatchObject({ code: 'ERR_MAX_CONTENT_LENGTH', message: 'maxContentLength size of 102400 exceeded' });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(serverSaw).toBe('closed');

    const declared = await serve((_req, res) => res.writeHead(200, { 'content-length': String(200 * 1024) }).end(Buffer.alloc(200 * 1024)));
    await expect(http.send({ url: declared.url })).rejects.toMatchObject({ code: 'ERR_MAX_CONTENT_LENGTH' });
    await http.close();
  });

  it('gives up after responseTimeout, or a longer per-call timeout', async () => {
    const silent = await serve(() => undefined);
    const http = client({}, { responseTimeoutMs: 100 });
    await expect(http.send({ url: silent.url })).rejects.toMatchObject({ code: 'ECONNABORTED', message: 'timeout of 100ms exceeded' });
    await expect(http.send({ url: silent.url, timeoutMs: 300 })).rejects.toMatchObject({ message: 'timeout of 300ms exceeded' });
    // A shorter per-call timeout never lowers the setting.
    await expect(http.send({ url: silent.url, timeoutMs: 10 })).rejects.toMatchObject({ message: 'timeout of 100ms exceeded' });
    await http.close();
  });
});

describe('stream', () => {
  it('answers once the head is in; the timeout holds until then, the caller\'s signal for the whole body', async () => {
    let release: (() => void) | undefined;
    const slow = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: 1\n\n');
      release = () => res.end('data: 2\n\n');
    });
    const http = client({}, { responseTimeoutMs: 100 });
    const answer = await http.stream({ url: slow.url });
    expect(answer).toMatchObject({ status: 200, headers: { 'content-type': 'text/event-stream' } });
    const first = await new Promise<string>((resolve) => answer.body.once('data', (b: Buffer) => resolve(b.toString())));
    expect(first).toBe('data: 1\n\n');
    release!();
    expect(await text(answer.body)).toBe('data: 2\n\n');

    const controller = new AbortController();
    const aborted = await http.stream({ url: slow.url, signal: controller.signal });
    controller.abort();
    await expect(text(aborted.body)).rejects.toThrow();

    const silent = await serve(() => undefined);
    await expect(http.stream({ url: silent.url })).rejects.toMatchObject({ code: 'ECONNABORTED', message: 'timeout of 100ms exceeded' });
    const refused = await serve((_req, res) => res.writeHead(401).end('{"error":"no"}'));
    const denied = await http.stream({ url: refused.url });
    expect([denied.status, await denied.text()]).toEqual([401, '{"error":"no"}']);
    await http.close();
  });
});
