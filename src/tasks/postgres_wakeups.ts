import { sql, type Kysely } from 'kysely';
import pg from 'pg';
import type { Logger } from 'pino';
import type { Database } from '../storage/schema.js';

const CHANNEL = 'plugboard_tasks';
const RECONNECT_MS = 2000;

/**
 * Wakes the task managers of every instance sharing a PostgreSQL database when one of them
 * queues tasks (LISTEN/NOTIFY), so they need not wait for their poll.
 */
export class PostgresWakeups {
  private client: pg.Client | undefined;
  private closed = false;

  constructor(
    private readonly url: string,
    private readonly db: Kysely<Database>,
    private readonly onWake: () => void,
    private readonly logger: Logger,
  ) {}

  async start(): Promise<void> {
    const client = new pg.Client({ connectionString: this.url });
    client.on('notification', () => this.onWake());
    client.on('error', (err) => {
      this.logger.warn({ err }, 'task wake-up listener lost its connection; polling until it is back');
      this.client = undefined;
      client.end().catch(() => undefined);
      if (!this.closed) setTimeout(() => void this.start().catch(() => undefined), RECONNECT_MS).unref();
    });
    await client.connect();
    await client.query(`LISTEN ${CHANNEL}`);
    this.client = client;
  }

  async notify(): Promise<void> {
    await sql`select pg_notify(${CHANNEL}, '')`.execute(this.db);
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.client?.end().catch(() => undefined);
  }
}
