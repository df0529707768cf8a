import { createWriteStream, type WriteStream } from 'node:fs';
import type { Kysely } from 'kysely';
import { timeOrderedUuid } from '../common/ids.js';
import type { GroupCommit } from '../storage/group_commit.js';
import type { AuditLogTable, Database } from '../storage/schema.js';
import type { Principal } from './principal.js';

/** One security-relevant act. Only names and ids: never params, config or secrets. */
export interface AuditEvent {
  /** e.g. `connector_create`, `user_login`, `access_denied`, `role_put`. */
  action: string;
  outcome: 'success' | 'failure' | 'unknown';
  username?: string;
  spaceId?: string;
  object?: { type: string; id: string };
  clientIp?: string;
  message: string;
  details?: Record<string, unknown>;
}

/** Who did it, from where: what every audit event of a request shares. */
export interface AuditActor {
  principal: Principal;
  spaceId?: string;
  clientIp?: string;
}

export function actorFields(actor: AuditActor): Pick<AuditEvent, 'username' | 'spaceId' | 'clientIp'> {
  return { username: actor.principal.username, spaceId: actor.spaceId, clientIp: actor.clientIp };
}

/** The ECS-shaped JSON line of an event, as Kibana's audit log writes them. */
function toJsonLine(row: AuditLogTable): string {
  return JSON.stringify({
    '@timestamp': new Date(row.timestamp).toISOString(),
    event: { action: row.action, outcome: row.outcome },
    ...(row.username ? { user: { name: row.username } } : {}),
    ...(row.space_id || row.object_type
      ? {
          kibana: {
            ...(row.space_id ? { space_id: row.space_id } : {}),
            ...(row.object_type ? { saved_object: { type: row.object_type, id: row.object_id } } : {}),
          },
        }
      : {}),
    ...(row.client_ip ? { client: { ip: row.client_ip } } : {}),
    message: row.message,
    ...(row.details !== '{}' ? { details: JSON.parse(row.details) as unknown } : {}),
  });
}

/**
 * Writes audit events to the database (with the group commit, so auditing costs no commit of
 * its own) and, when configured, as JSON lines to a file. A failed write is reported, never
 * thrown: auditing must not fail the act it records.
 */
export class AuditLogger {
  private readonly file: WriteStream | undefined;

  constructor(
    private readonly writes: GroupCommit,
    fileName: string | undefined,
    private readonly onError: (err: unknown) => void,
  ) {
    this.file = fileName ? createWriteStream(fileName, { flags: 'a', mode: 0o600 }) : undefined;
    this.file?.on('error', onError);
  }

  log(event: AuditEvent): Promise<void> {
    const row: AuditLogTable = {
      id: timeOrderedUuid(),
      timestamp: Date.now(),
      action: event.action,
      outcome: event.outcome,
      username: event.username ?? null,
      space_id: event.spaceId ?? null,
      object_type: event.object?.type ?? null,
      object_id: event.object?.id ?? null,
      client_ip: event.clientIp ?? null,
      message: event.message,
      details: JSON.stringify(event.details ?? {}),
    };
    this.file?.write(`${toJsonLine(row)}\n`);
    return this.writes
      .submit(async (trx) => {
        await trx.insertInto('audit_log').values(row).execute();
      })
      .catch(this.onError);
  }

  async close(): Promise<void> {
    if (this.file) await new Promise<void>((resolve) => this.file!.end(resolve));
  }
}

export interface AuditQuery {
  page: number;
  perPage: number;
  action?: string;
  username?: string;
}

/** Audit events, newest first. */
export async function readAuditLog(db: Kysely<Database>, query: AuditQuery): Promise<{ total: number; events: unknown[] }> {
  let base = db.selectFrom('audit_log');
  if (query.action) base = base.where('action', '=', query.action);
  if (query.username) base = base.where('username', '=', query.username);
  const [{ total }] = await base.select((eb) => eb.fn.countAll<number>().as('total')).execute();
  const rows = await base
    .selectAll()
    .orderBy('timestamp', 'desc')
    .orderBy('id', 'desc')
    .limit(query.perPage)
    .offset((query.page - 1) * query.perPage)
    .execute();
  return { total: Number(total), events: rows.map((row) => JSON.parse(toJsonLine(row)) as unknown) };
}
