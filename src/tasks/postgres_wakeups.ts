import { sql, type Kysely } from 'kysely';
import pg from 'pg';
import type { Logger } from 'pino';
import type { Database } from '../storage/schema.js';

const CHANNEL = 'plugboard_tasks';
const RECONNECT_MIN_MS = 1000;
const RECONNECT_MAX_MS = 30_000;

interface Payload {
  schema?: string;
  sender?: string;
}

/**
 * Whether a wake-up payload concerns `instance` of the Plugboard on `schema`: its schema, sent by
 * another instance. A payload is `{"schema":…,"sender":…}`; that of earlier versions is the
 * schema's name alone.
 */
export function wakesInstance(payload: string | undefined, schema: string, instance: string): boolean {
  if (!payload?.startsWith('{')) return payload === schema;
  try {
    const parsed = JSON.parse(payload) as Payload;
    return parsed.schema === schema && parsed.sender !== instance;
  } catch {
    return false;
  }
}

/**
 * Wakes the task managers of every instance sharing a PostgreSQL database when one of them
 * queues tasks (LISTEN/NOTIFY), so they need not wait for their poll. Channels are per
 * database, so the payload names the schema and instances of other schemas ignore it. It also
 * names the sender, which ignores its own: it woke itself already, and a second wake-up would
 * cost a claim per enqueue. While the listening connection is down, instances fall back to
 * polling, and it is re-established with backoff.
 */
export class PostgresWakeups {
  private client: pg.Client | undefined;
  private closed = false;

  constructor(
    private readonly url: string,
    /** The schema of this Plugboard's tables: the payload that concerns it. */
    private readonly schema: string,
    /** This instance, named in the payloads it sends. */
    private readonly instance: string,
    private readonly db: Kysely<Database>,
    private readonly onWake: () => void,
    private readonly logger: Logger,
  ) {}

  /** Starts listening; resolves once LISTEN is in place. */
  async listen(): Promise<void> {
    const client = new pg.Client({ connectionString: this.url });
    client.on('notification', (message) => {
      if (wakesInstance(message.payload, this.schema, this.instance)) this.onWake();
    });
    client.on('error', (err) => {
      if (this.client !== client) return;
      this.client = undefined;
      this.logger.warn({ err }, 'task wake-up listener lost its connection; polling until it is back');
      client.end().catch(() => undefined);
      void this.reconnect();
    });
    await client.connect();
    await client.query(`LISTEN ${CHANNEL}`);
    if (this.closed) {
      await client.end();
      return;
    }
    this.client = client;
  }

  private async reconnect(): Promise<void> {
    for (let delay = RECONNECT_MIN_MS; !this.closed; delay = Math.min(delay * 2, RECONNECT_MAX_MS)) {
      await new Promise((resolve) => setTimeout(resolve, delay).unref());
      if (this.closed) return;
      try {
        await this.listen();
        this.logger.info('task wake-up listener reconnected');
        this.onWake();
        return;
      } catch (err) {
        this.logger.warn({ err }, `task wake-up listener could not reconnect; next try in ${Math.min(delay * 2, RECONNECT_MAX_MS)} ms`);
      }
    }
  }

  async notify(): Promise<void> {
    const payload: Payload = { schema: this.schema, sender: this.instance };
    await sql`select pg_notify(${CHANNEL}, ${JSON.stringify(payload)})`.execute(this.db);
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.client?.end().catch(() => undefined);
  }
}
