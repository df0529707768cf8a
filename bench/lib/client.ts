import { Pool } from 'undici';

/** Headers every authenticated request needs; writes also need kbn-xsrf and a JSON body. */
export function authHeaders(password: string): Record<string, string> {
  return { authorization: `Basic ${Buffer.from(`elastic:${password}`).toString('base64')}` };
}

export const WRITE_HEADERS = { 'kbn-xsrf': 'plugboard-bench', 'content-type': 'application/json' } as const;

/** A small JSON client over a keep-alive connection pool, for setting up the data under test. */
export class ApiClient {
  private readonly pool: Pool;

  constructor(
    baseUrl: string,
    private readonly password: string,
    connections: number,
  ) {
    this.pool = new Pool(baseUrl, { connections });
  }

  async request<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
    const headers = body === undefined ? authHeaders(this.password) : { ...authHeaders(this.password), ...WRITE_HEADERS };
    const res = await this.pool.request({ method, path, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.body.text();
    if (res.statusCode !== 200) throw new Error(`${method} ${path} answered ${res.statusCode}: ${text.slice(0, 500)}`);
    return JSON.parse(text) as T;
  }

  /** A GET whose answer is not JSON (e.g. /metrics). */
  async text(path: string): Promise<string> {
    const res = await this.pool.request({ method: 'GET', path, headers: authHeaders(this.password) });
    const text = await res.body.text();
    if (res.statusCode !== 200) throw new Error(`GET ${path} answered ${res.statusCode}: ${text.slice(0, 500)}`);
    return text;
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}

/** Runs `task(i)` for i in [0, count) with at most `concurrency` tasks in flight. */
export async function forEachBounded(count: number, concurrency: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < count) await task(next++);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
}
