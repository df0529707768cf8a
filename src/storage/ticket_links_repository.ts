import type { ExpressionBuilder, Kysely, Selectable } from 'kysely';
import { isForeignKeyViolation } from './errors.js';
import type { Database, TicketLinksTable } from './schema.js';

/** Which ticket a key is: a rule's action (by uuid) for one alert, in a space. */
export interface TicketKey {
  spaceId: string;
  ruleId: string;
  actionUuid: string;
  alertId: string;
}

export type TicketState = 'none' | 'open' | 'closed';

/** What is known of the key's ticket; times in epoch ms. */
export interface TicketLink {
  connectorId: string | null;
  externalId: string | null;
  title: string | null;
  url: string | null;
  state: TicketState;
  episode: string | null;
  episodeEnded: boolean;
  openedAt: number | null;
  closedAt: number | null;
  updatedAt: number;
}

export type TicketLinkChange = Partial<Omit<TicketLink, 'updatedAt'>>;

function fromRow(row: Selectable<TicketLinksTable>): TicketLink {
  return {
    connectorId: row.connector_id,
    externalId: row.external_id,
    title: row.title,
    url: row.url,
    state: row.state as TicketState,
    episode: row.episode,
    episodeEnded: row.episode_ended === 1,
    openedAt: row.opened_at,
    closedAt: row.closed_at,
    updatedAt: row.updated_at,
  };
}

function toColumns(change: TicketLinkChange): Partial<TicketLinksTable> {
  const columns: Partial<TicketLinksTable> = {};
  if (change.connectorId !== undefined) columns.connector_id = change.connectorId;
  if (change.externalId !== undefined) columns.external_id = change.externalId;
  if (change.title !== undefined) columns.title = change.title;
  if (change.url !== undefined) columns.url = change.url;
  if (change.state !== undefined) columns.state = change.state;
  if (change.episode !== undefined) columns.episode = change.episode;
  if (change.episodeEnded !== undefined) columns.episode_ended = change.episodeEnded ? 1 : 0;
  if (change.openedAt !== undefined) columns.opened_at = change.openedAt;
  if (change.closedAt !== undefined) columns.closed_at = change.closedAt;
  return columns;
}

/** The row of the key. */
const keyIs = (key: TicketKey) => (eb: ExpressionBuilder<Database, 'ticket_links'>) =>
  eb.and({ space_id: key.spaceId, rule_id: key.ruleId, action_uuid: key.actionUuid, alert_id: key.alertId });

/** Refused: an empty alert id would match every alert that has none (kibana#217004). */
export class EmptyTicketKeyError extends Error {
  constructor() {
    super('a ticket that follows an alert needs the alert id: it is empty');
  }
}

/**
 * The durable correlation of alerts and their tickets. A key is taken by one task at a time (a
 * lease in its row, taken by one conditional write, so on both databases and across instances);
 * every write of a ticket's facts is made by the lease holder.
 */
export class TicketLinksRepository {
  constructor(private readonly db: Kysely<Database>) {}

  private byKey(key: TicketKey) {
    return this.db.selectFrom('ticket_links').selectAll().where(keyIs(key));
  }

  async get(key: TicketKey): Promise<TicketLink | undefined> {
    const row = await this.byKey(key).executeTakeFirst();
    return row ? fromRow(row) : undefined;
  }

  /**
   * Takes the key for `holder` until `until` (a lease held by no one, or expired, or already its
   * own): answers what is known of the ticket (undefined: nothing yet), 'busy', or 'rule gone'
   * (deleted since the action was queued).
   */
  async claim(key: TicketKey, holder: string, until: number, now = Date.now()): Promise<TicketLink | undefined | 'busy' | 'rule gone'> {
    if (key.alertId === '') throw new EmptyTicketKeyError();
    const inserted = await this.db
      .insertInto('ticket_links')
      .values({
        space_id: key.spaceId,
        rule_id: key.ruleId,
        action_uuid: key.actionUuid,
        alert_id: key.alertId,
        state: 'none',
        episode_ended: 0,
        updated_at: now,
        lease_holder: holder,
        lease_until: until,
      })
      .onConflict((oc) => oc.columns(['space_id', 'rule_id', 'action_uuid', 'alert_id']).doNothing())
      .executeTakeFirst()
      .catch((err: unknown) => {
        if (isForeignKeyViolation(err)) return 'rule gone' as const;
        throw err;
      });
    if (inserted === 'rule gone') return inserted;
    if (Number(inserted.numInsertedOrUpdatedRows ?? 0) === 1) return undefined;
    const taken = await this.db
      .updateTable('ticket_links')
      .set({ lease_holder: holder, lease_until: until })
      .where(keyIs(key))
      .where((eb) => eb.or([eb('lease_holder', 'is', null), eb('lease_holder', '=', holder), eb('lease_until', '<', now)]))
      .executeTakeFirst();
    if (Number(taken.numUpdatedRows) === 0) return 'busy';
    const row = await this.byKey(key).executeTakeFirst();
    // A row that only records a lease (a first claim that ran nothing) is nothing yet.
    return row && (row.state !== 'none' || row.episode !== null) ? fromRow(row) : undefined;
  }

  /** Writes what the holder learnt; false when the lease was lost (expired and taken). */
  async save(key: TicketKey, holder: string, change: TicketLinkChange, now = Date.now()): Promise<boolean> {
    const written = await this.db
      .updateTable('ticket_links')
      .set({ ...toColumns(change), updated_at: now })
      .where(keyIs(key))
      .where('lease_holder', '=', holder)
      .executeTakeFirst();
    return Number(written.numUpdatedRows) === 1;
  }

  async release(key: TicketKey, holder: string): Promise<void> {
    await this.db
      .updateTable('ticket_links')
      .set({ lease_holder: null, lease_until: null })
      .where(keyIs(key))
      .where('lease_holder', '=', holder)
      .execute();
  }

  /** A rule's tickets (for its details page and tests), by action uuid and alert id. */
  async listForRule(spaceId: string, ruleId: string): Promise<Array<TicketLink & { actionUuid: string; alertId: string }>> {
    const rows = await this.db.selectFrom('ticket_links').selectAll().where('space_id', '=', spaceId).where('rule_id', '=', ruleId).orderBy('action_uuid').orderBy('alert_id').execute();
    return rows.map((row) => ({ ...fromRow(row), actionUuid: row.action_uuid, alertId: row.alert_id }));
  }
}
