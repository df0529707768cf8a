import { sql, type ExpressionBuilder, type Kysely, type Selectable, type Transaction } from 'kysely';
import type { CaseAttachmentsTable, CasesTable, Database } from './schema.js';

// Storage of Kibana Cases (migration 021). Records hold the API's field names (Kibana's mix of
// snake and camel case) so that src/cases/ answers them without renaming; `version` is the
// row's counter, which src/cases/ turns into Kibana's opaque version strings.

/** Kibana's user object on cases (`created_by`, …). */
export interface CaseUser {
  username: string | null;
  full_name: string | null;
  email: string | null;
}

export interface CaseRecord {
  id: string;
  owner: string;
  title: string;
  description: string;
  tags: string[];
  status: string;
  severity: string;
  assignees: Array<{ uid: string }>;
  connector: Record<string, unknown>;
  settings: Record<string, unknown>;
  category: string | null;
  customFields: unknown[];
  duration: number | null;
  closed_at: string | null;
  closed_by: CaseUser | null;
  created_at: string;
  created_by: CaseUser;
  updated_at: string | null;
  updated_by: CaseUser | null;
  external_service: Record<string, unknown> | null;
  version: number;
}

/** What an update may change (never the owner, the creation or the id). */
export type CaseChanges = Partial<Omit<CaseRecord, 'id' | 'owner' | 'created_at' | 'created_by' | 'version'>>;

export interface AttachmentRecord {
  id: string;
  caseId: string;
  type: 'user' | 'alert';
  owner: string;
  comment: string | null;
  /** As posted: a string or an array. */
  alertId: string | string[] | null;
  index: string | string[] | null;
  rule: { id: string | null; name: string | null } | null;
  created_at: string;
  created_by: CaseUser;
  updated_at: string | null;
  updated_by: CaseUser | null;
  pushed_at: string | null;
  pushed_by: CaseUser | null;
  version: number;
}

export type AttachmentChanges = Partial<Pick<AttachmentRecord, 'comment' | 'alertId' | 'index' | 'rule' | 'updated_at' | 'updated_by'>>;

/** The case fields `_find` sorts on, by their API names. */
export type CaseSortField = 'title' | 'category' | 'createdAt' | 'updatedAt' | 'closedAt' | 'status' | 'severity';

export interface CaseFilter {
  /** The owners the caller may read (and asked for): never empty. */
  owners: string[];
  tags?: string[];
  statuses?: string[];
  severities?: string[];
  reporters?: string[];
  categories?: string[];
  /** Assignee uids, any of them; `none` stands for cases assigned to no one. */
  assignees?: string[];
  /** Creation times, inclusive, ISO. */
  createdFrom?: string;
  createdTo?: string;
  /** Words each matched case-insensitively as a substring of the fields. */
  search?: { terms: string[]; fields: Array<'title' | 'description'>; operator: 'AND' | 'OR' };
}

export interface CasePage {
  cases: CaseRecord[];
  total: number;
}

/** Raised inside a write whose expected versions were not the stored ones: nothing was written. */
export class CaseVersionConflict extends Error {
  constructor(readonly ids: string[]) {
    super(`version conflict on ${ids.join(', ')}`);
  }
}

const json = (value: unknown) => JSON.stringify(value);
const parse = <T>(text: string | null): T | null => (text === null ? null : (JSON.parse(text) as T));

function caseFromRow(row: Selectable<CasesTable>): CaseRecord {
  return {
    id: row.id,
    owner: row.owner,
    title: row.title,
    description: row.description,
    tags: JSON.parse(row.tags) as string[],
    status: row.status,
    severity: row.severity,
    assignees: JSON.parse(row.assignees) as Array<{ uid: string }>,
    connector: JSON.parse(row.connector) as Record<string, unknown>,
    settings: JSON.parse(row.settings) as Record<string, unknown>,
    category: row.category,
    customFields: JSON.parse(row.custom_fields) as unknown[],
    duration: row.duration === null ? null : Number(row.duration),
    closed_at: row.closed_at,
    closed_by: parse<CaseUser>(row.closed_by),
    created_at: row.created_at,
    created_by: JSON.parse(row.created_by) as CaseUser,
    updated_at: row.updated_at,
    updated_by: parse<CaseUser>(row.updated_by),
    external_service: parse<Record<string, unknown>>(row.external_service),
    version: Number(row.version),
  };
}

function caseColumns(changes: CaseChanges): Partial<CasesTable> {
  const c: Partial<CasesTable> = {};
  if (changes.title !== undefined) c.title = changes.title;
  if (changes.description !== undefined) c.description = changes.description;
  if (changes.tags !== undefined) c.tags = json(changes.tags);
  if (changes.status !== undefined) c.status = changes.status;
  if (changes.severity !== undefined) c.severity = changes.severity;
  if (changes.assignees !== undefined) c.assignees = json(changes.assignees);
  if (changes.connector !== undefined) c.connector = json(changes.connector);
  if (changes.settings !== undefined) c.settings = json(changes.settings);
  if (changes.category !== undefined) c.category = changes.category;
  if (changes.customFields !== undefined) c.custom_fields = json(changes.customFields);
  if (changes.duration !== undefined) c.duration = changes.duration;
  if (changes.closed_at !== undefined) c.closed_at = changes.closed_at;
  if (changes.closed_by !== undefined) c.closed_by = changes.closed_by === null ? null : json(changes.closed_by);
  if (changes.updated_at !== undefined) c.updated_at = changes.updated_at;
  if (changes.updated_by !== undefined) c.updated_by = changes.updated_by === null ? null : json(changes.updated_by);
  if (changes.external_service !== undefined) c.external_service = changes.external_service === null ? null : json(changes.external_service);
  return c;
}

const asList = (value: string | string[] | null): string[] => (value === null ? [] : Array.isArray(value) ? value : [value]);

function attachmentFromRow(row: Selectable<CaseAttachmentsTable>): AttachmentRecord {
  return {
    id: row.id,
    caseId: row.case_id,
    type: row.type as 'user' | 'alert',
    owner: row.owner,
    comment: row.comment,
    alertId: parse<string | string[]>(row.alert_ids),
    index: parse<string | string[]>(row.indices),
    rule: parse<{ id: string | null; name: string | null }>(row.rule),
    created_at: row.created_at,
    created_by: JSON.parse(row.created_by) as CaseUser,
    updated_at: row.updated_at,
    updated_by: parse<CaseUser>(row.updated_by),
    pushed_at: row.pushed_at,
    pushed_by: parse<CaseUser>(row.pushed_by),
    version: Number(row.version),
  };
}

function attachmentColumns(changes: AttachmentChanges): Partial<CaseAttachmentsTable> {
  const c: Partial<CaseAttachmentsTable> = {};
  if (changes.comment !== undefined) c.comment = changes.comment;
  if (changes.alertId !== undefined) {
    c.alert_ids = changes.alertId === null ? null : json(changes.alertId);
    c.alert_count = asList(changes.alertId).length;
  }
  if (changes.index !== undefined) c.indices = changes.index === null ? null : json(changes.index);
  if (changes.rule !== undefined) c.rule = changes.rule === null ? null : json(changes.rule);
  if (changes.updated_at !== undefined) c.updated_at = changes.updated_at;
  if (changes.updated_by !== undefined) c.updated_by = changes.updated_by === null ? null : json(changes.updated_by);
  return c;
}

// Kibana keeps status and severity as numbers in its index, so they sort by rank, not by name.
const STATUS_RANK = sql<number>`case status when 'open' then 0 when 'in-progress' then 10 else 20 end`;
const SEVERITY_RANK = sql<number>`case severity when 'low' then 0 when 'medium' then 10 when 'high' then 20 else 30 end`;
const SORT_COLUMNS = { title: 'title', category: 'category', createdAt: 'created_at', updatedAt: 'updated_at', closedAt: 'closed_at' } as const;

/** `like` with the text's own % and _ taken literally. */
const likePattern = (text: string, lower = true) => `%${(lower ? text.toLowerCase() : text).replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`;

export class CasesRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async insertCase(spaceId: string, record: CaseRecord): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx
        .insertInto('cases')
        .values({
          space_id: spaceId,
          id: record.id,
          owner: record.owner,
          title: record.title,
          description: record.description,
          tags: json(record.tags),
          status: record.status,
          severity: record.severity,
          assignees: json(record.assignees),
          connector: json(record.connector),
          settings: json(record.settings),
          category: record.category,
          custom_fields: json(record.customFields),
          duration: record.duration,
          closed_at: record.closed_at,
          closed_by: record.closed_by === null ? null : json(record.closed_by),
          created_at: record.created_at,
          created_by: json(record.created_by),
          reporter: record.created_by.username ?? '',
          updated_at: record.updated_at,
          updated_by: record.updated_by === null ? null : json(record.updated_by),
          external_service: record.external_service === null ? null : json(record.external_service),
          version: record.version,
        })
        .execute();
      await writeTags(trx, spaceId, record.id, record.tags);
    });
  }

  /** The cases of those ids that exist in the space, in no particular order. */
  async getCases(spaceId: string, ids: string[]): Promise<CaseRecord[]> {
    if (ids.length === 0) return [];
    const rows = await this.db.selectFrom('cases').selectAll().where('space_id', '=', spaceId).where('id', 'in', ids).execute();
    return rows.map(caseFromRow);
  }

  async getCase(spaceId: string, id: string): Promise<CaseRecord | undefined> {
    return (await this.getCases(spaceId, [id]))[0];
  }

  /**
   * Applies each change to its case only if the case is still at the version read; one
   * transaction: all are written, or (CaseVersionConflict) none. Answers the cases as written.
   */
  async updateCases(spaceId: string, updates: Array<{ id: string; expectedVersion: number; changes: CaseChanges }>): Promise<CaseRecord[]> {
    await this.db.transaction().execute(async (trx) => {
      const stale: string[] = [];
      for (const { id, expectedVersion, changes } of updates) {
        const written = await trx
          .updateTable('cases')
          .set({ ...caseColumns(changes), version: expectedVersion + 1 })
          .where('space_id', '=', spaceId)
          .where('id', '=', id)
          .where('version', '=', expectedVersion)
          .executeTakeFirst();
        if (Number(written.numUpdatedRows) !== 1) stale.push(id);
        else if (changes.tags !== undefined) {
          await trx.deleteFrom('case_tags').where('space_id', '=', spaceId).where('case_id', '=', id).execute();
          await writeTags(trx, spaceId, id, changes.tags);
        }
      }
      if (stale.length > 0) throw new CaseVersionConflict(stale);
    });
    return this.getCases(spaceId, updates.map((u) => u.id));
  }

  /** Deletes the cases (their attachments and tags go with them); answers how many were. */
  async deleteCases(spaceId: string, ids: string[]): Promise<number> {
    const deleted = await this.db.deleteFrom('cases').where('space_id', '=', spaceId).where('id', 'in', ids).executeTakeFirst();
    return Number(deleted.numDeletedRows);
  }

  private filtered(spaceId: string, filter: CaseFilter) {
    let query = this.db.selectFrom('cases').where('space_id', '=', spaceId).where('owner', 'in', filter.owners);
    if (filter.statuses?.length) query = query.where('status', 'in', filter.statuses);
    if (filter.severities?.length) query = query.where('severity', 'in', filter.severities);
    if (filter.reporters?.length) query = query.where('reporter', 'in', filter.reporters);
    if (filter.categories?.length) query = query.where('category', 'in', filter.categories);
    if (filter.createdFrom !== undefined) query = query.where('created_at', '>=', filter.createdFrom);
    if (filter.createdTo !== undefined) query = query.where('created_at', '<=', filter.createdTo);
    const assignees = filter.assignees;
    if (assignees?.length) {
      // `{"uid":"<uid>"}` is how the JSON text holds each assignee: the quoted value cannot match a longer uid.
      query = query.where((eb) =>
        eb.or(assignees.map((uid) => (uid === 'none' ? eb('assignees', '=', '[]') : eb('assignees', 'like', sql<string>`${likePattern(JSON.stringify({ uid }).slice(1, -1), false)} escape '\\'`)))),
      );
    }
    const tags = filter.tags;
    if (tags?.length) {
      // Any of the tags, as Kibana's filter (an OR of terms).
      query = query.where((eb) =>
        eb.exists(eb.selectFrom('case_tags').select('case_tags.tag').whereRef('case_tags.space_id', '=', 'cases.space_id').whereRef('case_tags.case_id', '=', 'cases.id').where('case_tags.tag', 'in', tags)),
      );
    }
    const search = filter.search;
    if (search && search.terms.length > 0) {
      query = query.where((eb: ExpressionBuilder<Database, 'cases'>) => {
        const termMatches = search.terms.map((term) =>
          eb.or(search.fields.map((field) => eb(sql`lower(${sql.ref(field)})`, 'like', sql`${likePattern(term)} escape '\\'`))),
        );
        return search.operator === 'AND' ? eb.and(termMatches) : eb.or(termMatches);
      });
    }
    return query;
  }

  async findCases(spaceId: string, filter: CaseFilter, sort: { field: CaseSortField; order: 'asc' | 'desc' }, page: { page: number; perPage: number }): Promise<CasePage> {
    const base = this.filtered(spaceId, filter);
    const { total } = await base.select((eb) => eb.fn.countAll<number>().as('total')).executeTakeFirstOrThrow();
    const order = sort.order;
    const sortBy = sort.field === 'status' ? STATUS_RANK : sort.field === 'severity' ? SEVERITY_RANK : sql.ref(SORT_COLUMNS[sort.field]);
    // Nulls (never updated, never closed) last whatever the order, as Elasticsearch sorts missing values.
    const rows = await base
      .selectAll()
      .orderBy(sql`case when ${sortBy} is null then 1 else 0 end`)
      .orderBy(sortBy, order)
      .orderBy('created_at', order)
      .orderBy('id', order)
      .limit(page.perPage)
      .offset((page.page - 1) * page.perPage)
      .execute();
    return { cases: rows.map(caseFromRow), total: Number(total) };
  }

  /** How many cases of each status match the filter. */
  async countByStatus(spaceId: string, filter: CaseFilter): Promise<Record<string, number>> {
    const rows = await this.filtered(spaceId, filter)
      .select(['status', (eb) => eb.fn.countAll<number>().as('n')])
      .groupBy('status')
      .execute();
    return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
  }

  /** Per case: its user comments and the alert ids of its alert attachments. */
  async totals(spaceId: string, caseIds: string[]): Promise<Map<string, { totalComment: number; totalAlerts: number }>> {
    const totals = new Map(caseIds.map((id) => [id, { totalComment: 0, totalAlerts: 0 }]));
    if (caseIds.length === 0) return totals;
    const rows = await this.db
      .selectFrom('case_attachments')
      .select(['case_id', 'type', (eb) => eb.fn.countAll<number>().as('n'), (eb) => eb.fn.sum<number>('alert_count').as('alerts')])
      .where('space_id', '=', spaceId)
      .where('case_id', 'in', caseIds)
      .groupBy(['case_id', 'type'])
      .execute();
    for (const row of rows) {
      const t = totals.get(row.case_id);
      if (!t) continue;
      if (row.type === 'user') t.totalComment = Number(row.n);
      if (row.type === 'alert') t.totalAlerts = Number(row.alerts);
    }
    return totals;
  }

  async tags(spaceId: string, owners: string[]): Promise<string[]> {
    const rows = await this.db
      .selectFrom('case_tags')
      .innerJoin('cases', (j) => j.onRef('cases.space_id', '=', 'case_tags.space_id').onRef('cases.id', '=', 'case_tags.case_id'))
      .select('case_tags.tag')
      .distinct()
      .where('case_tags.space_id', '=', spaceId)
      .where('cases.owner', 'in', owners)
      .orderBy('case_tags.tag')
      .execute();
    return rows.map((r) => r.tag);
  }

  /** The users who opened cases, one per username, by username. */
  async reporters(spaceId: string, owners: string[]): Promise<CaseUser[]> {
    const rows = await this.db
      .selectFrom('cases')
      .select(['reporter', (eb) => eb.fn.max('created_by').as('created_by')])
      .where('space_id', '=', spaceId)
      .where('owner', 'in', owners)
      .groupBy('reporter')
      .orderBy('reporter')
      .execute();
    return rows.map((r) => JSON.parse(r.created_by as string) as CaseUser);
  }

  /** Adds attachments and stamps the case (its update time and user, a new version). */
  async addAttachments(spaceId: string, caseId: string, attachments: AttachmentRecord[], touch: Pick<CaseChanges, 'updated_at' | 'updated_by'>): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      if (attachments.length > 0) {
        await trx
          .insertInto('case_attachments')
          .values(
            attachments.map((a) => ({
              space_id: spaceId,
              id: a.id,
              case_id: caseId,
              type: a.type,
              owner: a.owner,
              comment: a.comment,
              alert_ids: a.alertId === null ? null : json(a.alertId),
              indices: a.index === null ? null : json(a.index),
              rule: a.rule === null ? null : json(a.rule),
              alert_count: asList(a.alertId).length,
              created_at: a.created_at,
              created_by: json(a.created_by),
              updated_at: a.updated_at,
              updated_by: a.updated_by === null ? null : json(a.updated_by),
              pushed_at: a.pushed_at,
              pushed_by: a.pushed_by === null ? null : json(a.pushed_by),
              version: a.version,
            })),
          )
          .execute();
      }
      await touchCase(trx, spaceId, caseId, touch);
    });
  }

  async getAttachment(spaceId: string, id: string): Promise<AttachmentRecord | undefined> {
    const row = await this.db.selectFrom('case_attachments').selectAll().where('space_id', '=', spaceId).where('id', '=', id).executeTakeFirst();
    return row ? attachmentFromRow(row) : undefined;
  }

  /** A case's attachments, oldest first. */
  async listAttachments(spaceId: string, caseId: string): Promise<AttachmentRecord[]> {
    const rows = await this.db.selectFrom('case_attachments').selectAll().where('space_id', '=', spaceId).where('case_id', '=', caseId).orderBy('created_at').orderBy('id').execute();
    return rows.map(attachmentFromRow);
  }

  async findAttachments(spaceId: string, caseId: string, page: { page: number; perPage: number }, order: 'asc' | 'desc', type?: 'user' | 'alert'): Promise<{ attachments: AttachmentRecord[]; total: number }> {
    let base = this.db.selectFrom('case_attachments').where('space_id', '=', spaceId).where('case_id', '=', caseId);
    if (type) base = base.where('type', '=', type);
    const { total } = await base.select((eb) => eb.fn.countAll<number>().as('total')).executeTakeFirstOrThrow();
    const rows = await base.selectAll().orderBy('created_at', order).orderBy('id', order).limit(page.perPage).offset((page.page - 1) * page.perPage).execute();
    return { attachments: rows.map(attachmentFromRow), total: Number(total) };
  }

  /** The cases (of those owners) that hold an alert id among their alert attachments. */
  async casesWithAlert(spaceId: string, alertId: string, owners: string[]): Promise<CaseRecord[]> {
    const rows = await this.db
      .selectFrom('case_attachments')
      .innerJoin('cases', (j) => j.onRef('cases.space_id', '=', 'case_attachments.space_id').onRef('cases.id', '=', 'case_attachments.case_id'))
      .select(['case_attachments.case_id', 'case_attachments.alert_ids'])
      .where('case_attachments.space_id', '=', spaceId)
      .where('case_attachments.type', '=', 'alert')
      .where('cases.owner', 'in', owners)
      // A first cut by the quoted id in the JSON text; the ids are then compared exactly.
      .where('case_attachments.alert_ids', 'like', sql<string>`${likePattern(JSON.stringify(alertId), false)} escape '\\'`)
      .execute();
    const ids = [...new Set(rows.filter((r) => asList(parse<string | string[]>(r.alert_ids)).includes(alertId)).map((r) => r.case_id))];
    return (await this.getCases(spaceId, ids)).sort((a, b) => a.created_at.localeCompare(b.created_at) || a.id.localeCompare(b.id));
  }

  /** The alert ids already attached to a case. */
  async alertIds(spaceId: string, caseId: string): Promise<string[]> {
    const rows = await this.db.selectFrom('case_attachments').select('alert_ids').where('space_id', '=', spaceId).where('case_id', '=', caseId).where('type', '=', 'alert').execute();
    return rows.flatMap((r) => asList(parse<string | string[]>(r.alert_ids)));
  }

  /** Changes an attachment still at the version read, and stamps its case; CaseVersionConflict otherwise. */
  async updateAttachment(spaceId: string, caseId: string, id: string, expectedVersion: number, changes: AttachmentChanges, touch: Pick<CaseChanges, 'updated_at' | 'updated_by'>): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      const written = await trx
        .updateTable('case_attachments')
        .set({ ...attachmentColumns(changes), version: expectedVersion + 1 })
        .where('space_id', '=', spaceId)
        .where('case_id', '=', caseId)
        .where('id', '=', id)
        .where('version', '=', expectedVersion)
        .executeTakeFirst();
      if (Number(written.numUpdatedRows) !== 1) throw new CaseVersionConflict([id]);
      await touchCase(trx, spaceId, caseId, touch);
    });
  }

  /** Deletes attachments of a case (all of them without ids); answers how many were. */
  async deleteAttachments(spaceId: string, caseId: string, ids?: string[]): Promise<number> {
    let query = this.db.deleteFrom('case_attachments').where('space_id', '=', spaceId).where('case_id', '=', caseId);
    if (ids) query = query.where('id', 'in', ids);
    return Number((await query.executeTakeFirst()).numDeletedRows);
  }
}

async function writeTags(trx: Transaction<Database>, spaceId: string, caseId: string, tags: string[]): Promise<void> {
  const unique = [...new Set(tags)];
  if (unique.length > 0) await trx.insertInto('case_tags').values(unique.map((tag) => ({ space_id: spaceId, case_id: caseId, tag }))).execute();
}

async function touchCase(trx: Transaction<Database>, spaceId: string, caseId: string, touch: Pick<CaseChanges, 'updated_at' | 'updated_by'>): Promise<void> {
  await trx
    .updateTable('cases')
    .set((eb) => ({ ...caseColumns(touch), version: eb('version', '+', 1) }))
    .where('space_id', '=', spaceId)
    .where('id', '=', caseId)
    .execute();
}
