import { randomUUID } from 'node:crypto';
import { badRequest, conflict, forbidden, notFound, PlugboardError, savedObjectNotFound } from '../common/errors.js';
import type { Scope } from '../actions/actions_client.js';
import { parseDateValue } from '../event_log/kql.js';
import type { CasesGrant } from '../security/roles.js';
import type { Principal } from '../security/principal.js';
import {
  CaseVersionConflict,
  type AttachmentRecord,
  type CaseChanges,
  type CaseFilter,
  type CaseRecord,
  type CaseSortField,
  type CasesRepository,
  type CaseUser,
} from '../storage/cases_repository.js';
import {
  attachmentPatchRequest,
  attachmentRequest,
  casePostRequest,
  casesPatchRequest,
  decodeBody,
  LIMITS,
  OWNERS,
  type AttachmentRequest,
  type CasePatchItem,
} from './schemas.js';

// Kibana's Cases API over Plugboard's storage (reference §1): cases and their attachments per
// space, authorized per owner (Kibana's "operation × owner"), with versions for optimistic
// concurrency. Messages are Kibana's, word for word, where clients may match them.

const CASE_TYPE = 'cases';
const COMMENT_TYPE = 'cases-comments';

/** Kibana's operations, as its 403 message names them: the verb and the kind of document. */
export type Operation =
  | 'createCase'
  | 'getCase'
  | 'findCases'
  | 'getCasesByAlert'
  | 'getComment'
  | 'updateCase'
  | 'deleteCase'
  | 'getTags'
  | 'getReporters'
  | 'createComment'
  | 'updateComment'
  | 'deleteComment'
  | 'findComments'
  | 'createConfiguration'
  | 'updateConfiguration'
  | 'findConfigurations';
const OPERATIONS: Record<Operation, { verb: string; docType: string; needs: keyof CasesGrant }> = {
  createCase: { verb: 'create', docType: 'case', needs: 'write' },
  getCase: { verb: 'access', docType: 'case', needs: 'read' },
  findCases: { verb: 'access', docType: 'cases', needs: 'read' },
  getCasesByAlert: { verb: 'access', docType: 'cases', needs: 'read' },
  getComment: { verb: 'access', docType: 'comments', needs: 'read' },
  updateCase: { verb: 'update', docType: 'case', needs: 'write' },
  deleteCase: { verb: 'delete', docType: 'case', needs: 'delete' },
  getTags: { verb: 'access', docType: 'case', needs: 'read' },
  getReporters: { verb: 'access', docType: 'case', needs: 'read' },
  createComment: { verb: 'create', docType: 'comments', needs: 'comment' },
  updateComment: { verb: 'update', docType: 'comments', needs: 'write' },
  deleteComment: { verb: 'delete', docType: 'comments', needs: 'delete' },
  findComments: { verb: 'access', docType: 'comments', needs: 'read' },
  createConfiguration: { verb: 'create', docType: 'case configuration', needs: 'settings' },
  updateConfiguration: { verb: 'update', docType: 'case configuration', needs: 'settings' },
  findConfigurations: { verb: 'access', docType: 'case configurations', needs: 'read' },
};

type GrantOf = CasesServiceDeps['grantOf'];

/** Refuses unless the principal may do the operation on every one of the owners. */
export async function ensureOwners(grantOf: GrantOf, scope: Scope, operation: Operation, owners: string[]): Promise<void> {
  const needs = OPERATIONS[operation].needs;
  const refused: string[] = [];
  for (const owner of [...new Set(owners)]) {
    // An owner that is none of Kibana's three has no feature to grant it: refused to everyone.
    const known = (OWNERS as readonly string[]).includes(owner);
    if (!known || !(await grantOf(scope.principal, scope.spaceId, owner))[needs]) refused.push(owner);
  }
  if (refused.length > 0) throw unauthorizedCases(operation, refused);
}

/** The owners the principal may read, narrowed to those asked for; 403 when it may read none. */
export async function readableOwners(grantOf: GrantOf, scope: Scope, operation: Operation, asked?: string[]): Promise<string[]> {
  const readable: string[] = [];
  for (const owner of OWNERS) if ((await grantOf(scope.principal, scope.spaceId, owner)).read) readable.push(owner);
  if (readable.length === 0) throw unauthorizedCases(operation, []);
  // Owners asked for but not readable are ignored, as Kibana does.
  return asked && asked.length > 0 ? readable.filter((o) => asked.includes(o)) : readable;
}

/** Kibana's authorization refusal (K/server/authorization/audit_logger.ts). */
export function unauthorizedCases(operation: Operation, owners: string[]): PlugboardError {
  const { verb, docType } = OPERATIONS[operation];
  return forbidden(owners.length > 0 ? `Unauthorized to ${verb} ${docType} with owners: "${owners.join(', ')}"` : `Unauthorized to ${verb} ${docType} of any owner`);
}

/** Kibana's version strings are base64 of `[seq_no,primary_term]`; ours hold the row's counter. */
export function encodeVersion(version: number): string {
  return Buffer.from(JSON.stringify([version, 1])).toString('base64');
}

/** The counter of a version string, or undefined when it is none of ours (never equal to any). */
export function decodeVersion(text: string): number | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(text, 'base64').toString('utf8'));
    if (Array.isArray(value) && value.length === 2 && Number.isSafeInteger(value[0]) && encodeVersion(value[0] as number) === text) return value[0] as number;
  } catch {
    // not a version of ours
  }
  return undefined;
}

export interface CasesServiceDeps {
  repository: CasesRepository;
  /** What the principal may do with an owner's cases in a space. */
  grantOf(principal: Principal, spaceId: string, owner: string): Promise<CasesGrant>;
  /** The user object written on cases (full name and e-mail from the user's record, if any). */
  userOf(principal: Principal): Promise<CaseUser>;
  now?: () => Date;
}

export interface FindCasesQuery {
  owner?: string[];
  tags?: string[];
  status?: string[];
  severity?: string[];
  reporters?: string[];
  category?: string[];
  assignees?: string[];
  /** Creation time bounds: ISO dates or `now-<n><s|m|h|d|w>`. */
  from?: string;
  to?: string;
  search?: string;
  searchFields?: Array<'title' | 'description'>;
  defaultSearchOperator?: 'AND' | 'OR';
  sortField?: CaseSortField;
  sortOrder?: 'asc' | 'desc';
  page: number;
  perPage: number;
}

/** Kibana's paging limits (§1.4); the messages are its own. */
export function checkPaging(page: number, perPage: number, maxPerPage: number): void {
  if (perPage > maxPerPage) throw badRequest(`The provided perPage value is too high. The maximum allowed perPage value is ${maxPerPage}.`);
  if (Math.max(page, page * perPage) > 10000) throw badRequest('The number of documents is too high. Paginating through more than 10000 documents is not possible.');
}

const asList = (value: string | string[]): string[] => (Array.isArray(value) ? value : [value]);

export class CasesService {
  private readonly now: () => Date;

  constructor(private readonly deps: CasesServiceDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  private ensure(scope: Scope, operation: Operation, owners: string[]): Promise<void> {
    return ensureOwners(this.deps.grantOf, scope, operation, owners);
  }

  /**
   * Refuses a caller that may read no owner's cases at all before anything is looked up, so
   * that it cannot tell which ids exist (Kibana looks up first, then checks the owner).
   */
  private async ensureSomeOwner(scope: Scope, operation: Operation): Promise<void> {
    await this.readableOwners(scope, operation);
  }

  private readableOwners(scope: Scope, operation: Operation, asked?: string[]): Promise<string[]> {
    return readableOwners(this.deps.grantOf, scope, operation, asked);
  }

  private async caseOrThrow(scope: Scope, id: string): Promise<CaseRecord> {
    const found = await this.deps.repository.getCase(scope.spaceId, id);
    if (!found) throw savedObjectNotFound(CASE_TYPE, id);
    return found;
  }

  /** A case as Kibana answers it; with its attachments when asked. */
  private async present(scope: Scope, cases: CaseRecord[], withComments: 'none' | 'empty' | 'all'): Promise<Array<Record<string, unknown>>> {
    const totals = await this.deps.repository.totals(scope.spaceId, cases.map((c) => c.id));
    const out: Array<Record<string, unknown>> = [];
    for (const c of cases) {
      const { version, ...fields } = c;
      const body: Record<string, unknown> = {
        ...fields,
        version: encodeVersion(version),
        observables: [],
        total_observables: 0,
        totalComment: totals.get(c.id)?.totalComment ?? 0,
        totalAlerts: totals.get(c.id)?.totalAlerts ?? 0,
        totalEvents: 0,
      };
      if (withComments === 'empty') body.comments = [];
      if (withComments === 'all') body.comments = (await this.deps.repository.listAttachments(scope.spaceId, c.id)).map(presentAttachment);
      out.push(body);
    }
    return out;
  }

  async create(scope: Scope, body: unknown): Promise<Record<string, unknown>> {
    const request = decodeBody(casePostRequest, body);
    await this.ensure(scope, 'createCase', [request.owner]);
    const user = await this.deps.userOf(scope.principal);
    const record: CaseRecord = {
      id: randomUUID(),
      owner: request.owner,
      title: request.title,
      description: request.description,
      tags: request.tags,
      status: 'open',
      severity: request.severity ?? 'low',
      assignees: dedupAssignees(request.assignees ?? []),
      connector: request.connector,
      settings: request.settings,
      category: request.category ?? null,
      customFields: request.customFields ?? [],
      duration: null,
      closed_at: null,
      closed_by: null,
      created_at: this.now().toISOString(),
      created_by: user,
      updated_at: null,
      updated_by: null,
      external_service: null,
      version: 1,
    };
    await this.deps.repository.insertCase(scope.spaceId, record);
    return (await this.present(scope, [record], 'empty'))[0];
  }

  async get(scope: Scope, id: string): Promise<Record<string, unknown>> {
    await this.ensureSomeOwner(scope, 'getCase');
    const found = await this.caseOrThrow(scope, id);
    await this.ensure(scope, 'getCase', [found.owner]);
    return (await this.present(scope, [found], 'none'))[0];
  }

  async find(scope: Scope, query: FindCasesQuery): Promise<Record<string, unknown>> {
    checkPaging(query.page, query.perPage, LIMITS.casesPerPage);
    const owners = await this.readableOwners(scope, 'findCases', query.owner);
    const empty = { cases: [], page: query.page, per_page: query.perPage, total: 0, count_open_cases: 0, count_in_progress_cases: 0, count_closed_cases: 0 };
    if (owners.length === 0) return empty;
    const [createdFrom, createdTo] = [query.from, query.to].map((text) => {
      if (text === undefined) return undefined;
      const ms = parseDateValue(text, this.now().getTime());
      if (ms === undefined) throw badRequest('Invalid "from" and/or "to" query parameters');
      return new Date(ms).toISOString();
    });
    for (const field of ['tags', 'reporters', 'assignees', 'category'] as const) {
      const given = query[field];
      if (given && given.length > LIMITS.findFilterValues) {
        throw badRequest(`The length of the field ${field} is too long. Array must be of length <= ${LIMITS.findFilterValues}.`);
      }
    }
    const terms = [...new Set(query.search?.trim() ? query.search.trim().split(/\s+/) : [])];
    // Each word is a condition of the query: a bound keeps it within the databases' limits.
    if (terms.length > LIMITS.searchWords) throw badRequest(`The search text has more than ${LIMITS.searchWords} distinct words.`);
    const distinct = <T>(values: T[] | undefined) => (values ? [...new Set(values)] : undefined);
    const filter: CaseFilter = {
      owners,
      tags: query.tags,
      statuses: distinct(query.status),
      severities: distinct(query.severity),
      reporters: query.reporters,
      categories: query.category,
      assignees: query.assignees,
      createdFrom,
      createdTo,
      search: terms.length > 0 ? { terms, fields: query.searchFields?.length ? distinct(query.searchFields)! : ['title', 'description'], operator: query.defaultSearchOperator ?? 'OR' } : undefined,
    };
    const page = await this.deps.repository.findCases(scope.spaceId, filter, { field: query.sortField ?? 'createdAt', order: query.sortOrder ?? 'desc' }, { page: query.page, perPage: query.perPage });
    // The status counts ignore the status filter, as Kibana's (they label the status tabs).
    const counts = await this.deps.repository.countByStatus(scope.spaceId, { ...filter, statuses: undefined });
    return {
      ...empty,
      cases: await this.present(scope, page.cases, 'empty'),
      total: page.total,
      count_open_cases: counts.open ?? 0,
      count_in_progress_cases: counts['in-progress'] ?? 0,
      count_closed_cases: counts.closed ?? 0,
    };
  }

  /** Kibana's bulk update (K/server/client/cases/bulk_update.ts), its checks in its order. */
  async update(scope: Scope, body: unknown): Promise<Array<Record<string, unknown>>> {
    const request = decodeBody(casesPatchRequest, body);
    await this.ensureSomeOwner(scope, 'updateCase');
    const ids = request.cases.map((c) => c.id);
    const stored = new Map((await this.deps.repository.getCases(scope.spaceId, ids)).map((c) => [c.id, c]));
    const missing = ids.filter((id) => !stored.has(id));
    if (missing.length > 0) throw notFound(`These cases ${missing.join(', ')} do not exist. Please check you have the correct ids.`);
    await this.ensure(scope, 'updateCase', [...stored.values()].map((c) => c.owner));
    const stale = request.cases.filter((c) => decodeVersion(c.version) !== stored.get(c.id)!.version).map((c) => c.id);
    if (stale.length > 0) throw conflict(`These cases ${stale.join(', ')} has been updated. Please refresh before saving additional updates.`);
    const changed = request.cases
      .map((item) => (item.assignees ? { ...item, assignees: dedupAssignees(item.assignees) } : item))
      .map((item) => ({ item, fields: changedFields(item, stored.get(item.id)!) })).filter((c) => Object.keys(c.fields).length > 0);
    if (changed.length === 0) throw new PlugboardError(406, 'All update fields are identical to current version.');
    const ownerChanged = changed.filter((c) => c.fields.owner !== undefined).map((c) => c.item.id);
    if (ownerChanged.length > 0) throw badRequest(`Updating the owner of a case  is not allowed ids: [${ownerChanged.join(', ')}]`);
    const at = this.now();
    const user = await this.deps.userOf(scope.principal);
    const updates = changed.map(({ item, fields }) => {
      const current = stored.get(item.id)!;
      const changes: CaseChanges = { ...fields, updated_at: at.toISOString(), updated_by: user };
      if (fields.status === 'closed') {
        changes.closed_at = at.toISOString();
        changes.closed_by = user;
        changes.duration = Math.floor((at.getTime() - Date.parse(current.created_at)) / 1000);
      } else if (fields.status !== undefined) {
        changes.closed_at = null;
        changes.closed_by = null;
        changes.duration = null;
      }
      return { id: item.id, expectedVersion: current.version, changes };
    });
    try {
      const written = await this.deps.repository.updateCases(scope.spaceId, updates);
      return this.present(scope, written, 'empty');
    } catch (err) {
      if (err instanceof CaseVersionConflict) throw conflict(`These cases ${err.ids.join(', ')} has been updated. Please refresh before saving additional updates.`);
      throw err;
    }
  }

  async delete(scope: Scope, ids: string[] | undefined): Promise<void> {
    await this.ensureSomeOwner(scope, 'deleteCase');
    if (ids === undefined) throw badRequest('[request query.ids]: expected value of type [array] but got [undefined]');
    const found = await this.deps.repository.getCases(scope.spaceId, ids);
    const missing = ids.find((id) => !found.some((c) => c.id === id));
    if (missing !== undefined) throw savedObjectNotFound(CASE_TYPE, missing);
    await this.ensure(scope, 'deleteCase', found.map((c) => c.owner));
    await this.deps.repository.deleteCases(scope.spaceId, ids);
  }

  async tags(scope: Scope, owner?: string[]): Promise<string[]> {
    const owners = await this.readableOwners(scope, 'getTags', owner);
    return owners.length === 0 ? [] : this.deps.repository.tags(scope.spaceId, owners);
  }

  async reporters(scope: Scope, owner?: string[]): Promise<CaseUser[]> {
    const owners = await this.readableOwners(scope, 'getReporters', owner);
    return owners.length === 0 ? [] : this.deps.repository.reporters(scope.spaceId, owners);
  }

  /** Adds a comment or alerts (§1.6): alert ids already on the case are dropped, the case limit kept. */
  async addAttachment(scope: Scope, caseId: string, body: unknown): Promise<Record<string, unknown>> {
    const request = decodeBody(attachmentRequest, body);
    checkAlertPairs(request);
    await this.ensure(scope, 'createComment', [request.owner]);
    const found = await this.caseOrThrow(scope, caseId);
    const at = this.now().toISOString();
    const user = await this.deps.userOf(scope.principal);
    let attachment: AttachmentRecord | undefined = newAttachment(request, caseId, at, user);
    if (request.type === 'alert') {
      const attached = await this.deps.repository.alertIds(scope.spaceId, caseId);
      attachment = withoutDuplicatedAlerts(attachment, new Set(attached));
      const adding = attachment ? asList(attachment.alertId!).length : 0;
      if (attached.length + adding > LIMITS.alertsPerCase) throw badRequest(`Case has reached the maximum allowed number (${LIMITS.alertsPerCase}) of attached alerts.`);
    }
    await this.deps.repository.addAttachments(scope.spaceId, caseId, attachment ? [attachment] : [], { updated_at: at, updated_by: user });
    return (await this.present(scope, [(await this.deps.repository.getCase(scope.spaceId, found.id))!], 'all'))[0];
  }

  /** Kibana's comment update (K/server/client/attachments/update.ts), its checks in its order. */
  async updateAttachment(scope: Scope, caseId: string, body: unknown): Promise<Record<string, unknown>> {
    const { id, version, ...request } = decodeBody(attachmentPatchRequest, body);
    checkAlertPairs(request);
    await this.ensureSomeOwner(scope, 'updateComment');
    await this.caseOrThrow(scope, caseId);
    const current = await this.deps.repository.getAttachment(scope.spaceId, id);
    if (!current) throw notFound(`This comment ${id} does not exist anymore.`);
    await this.ensure(scope, 'updateComment', [current.owner]);
    if (current.type !== request.type) throw badRequest('You cannot change the type of the comment.');
    if (current.owner !== request.owner) throw badRequest('You cannot change the owner of the comment.');
    if (current.caseId !== caseId) throw notFound(`This comment ${id} does not exist in ${caseId}).`);
    const stale = () => conflict('This case has been updated. Please refresh before saving additional updates.');
    const expected = decodeVersion(version);
    if (expected !== current.version) throw stale();
    const at = this.now().toISOString();
    const user = await this.deps.userOf(scope.principal);
    const changes = request.type === 'user' ? { comment: request.comment } : { alertId: request.alertId, index: request.index, rule: request.rule };
    try {
      await this.deps.repository.updateAttachment(scope.spaceId, caseId, id, expected, { ...changes, updated_at: at, updated_by: user }, { updated_at: at, updated_by: user });
    } catch (err) {
      if (err instanceof CaseVersionConflict) throw stale();
      throw err;
    }
    return (await this.present(scope, [(await this.deps.repository.getCase(scope.spaceId, caseId))!], 'all'))[0];
  }

  async deleteAttachment(scope: Scope, caseId: string, id: string): Promise<void> {
    await this.ensureSomeOwner(scope, 'deleteComment');
    await this.caseOrThrow(scope, caseId);
    const current = await this.deps.repository.getAttachment(scope.spaceId, id);
    if (!current) throw savedObjectNotFound(COMMENT_TYPE, id);
    await this.ensure(scope, 'deleteComment', [current.owner]);
    if (current.caseId !== caseId) throw notFound(`This comment ${id} does not exist in ${caseId}).`);
    await this.deps.repository.deleteAttachments(scope.spaceId, caseId, [id]);
  }

  async deleteAllAttachments(scope: Scope, caseId: string): Promise<void> {
    await this.ensureSomeOwner(scope, 'deleteComment');
    const found = await this.caseOrThrow(scope, caseId);
    const owners = (await this.deps.repository.listAttachments(scope.spaceId, caseId)).map((a) => a.owner);
    await this.ensure(scope, 'deleteComment', owners.length > 0 ? owners : [found.owner]);
    await this.deps.repository.deleteAttachments(scope.spaceId, caseId);
  }

  async getAttachment(scope: Scope, caseId: string, id: string): Promise<Record<string, unknown>> {
    await this.ensureSomeOwner(scope, 'getComment');
    await this.caseOrThrow(scope, caseId);
    const found = await this.deps.repository.getAttachment(scope.spaceId, id);
    if (!found || found.caseId !== caseId) throw savedObjectNotFound(COMMENT_TYPE, id);
    await this.ensure(scope, 'getComment', [found.owner]);
    return presentAttachment(found);
  }

  /** The cases holding an alert (Kibana's RelatedCase shape), of the owners the caller may read. */
  async casesWithAlert(scope: Scope, alertId: string, owner?: string[]): Promise<Array<Record<string, unknown>>> {
    const owners = await this.readableOwners(scope, 'getCasesByAlert', owner);
    if (owners.length === 0) return [];
    const found = await this.deps.repository.casesWithAlert(scope.spaceId, alertId, owners);
    const totals = await this.deps.repository.totals(scope.spaceId, found.map((c) => c.id));
    return found.map((c) => ({
      id: c.id,
      title: c.title,
      description: c.description,
      status: c.status,
      createdAt: c.created_at,
      totals: { alerts: totals.get(c.id)?.totalAlerts ?? 0, events: 0, userComments: totals.get(c.id)?.totalComment ?? 0 },
    }));
  }

  async findAttachments(scope: Scope, caseId: string, query: { page: number; perPage: number; sortOrder?: 'asc' | 'desc' }): Promise<Record<string, unknown>> {
    checkPaging(query.page, query.perPage, LIMITS.commentsPerPage);
    await this.ensureSomeOwner(scope, 'findComments');
    const found = await this.caseOrThrow(scope, caseId);
    await this.ensure(scope, 'findComments', [found.owner]);
    const { attachments, total } = await this.deps.repository.findAttachments(scope.spaceId, caseId, query, query.sortOrder ?? 'asc', 'user');
    return { comments: attachments.map(presentAttachment), page: query.page, per_page: query.perPage, total };
  }
}

/** Assignees once each, in the order first given. */
function dedupAssignees(assignees: Array<{ uid: string }>): Array<{ uid: string }> {
  return [...new Map(assignees.map((a) => [a.uid, { uid: a.uid }])).values()];
}

/** The fields of a PATCH item that differ from the stored case (Kibana drops the others). */
function changedFields(item: CasePatchItem, current: CaseRecord): CaseChanges & { owner?: string } {
  const { id: _id, version: _version, ...fields } = item;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    if (JSON.stringify(value) !== JSON.stringify((current as unknown as Record<string, unknown>)[key])) out[key] = value;
  }
  return out as CaseChanges & { owner?: string };
}

/**
 * Each alert id goes with its index: both strings, or arrays of one length (Kibana's
 * decodeCommentRequest), so that an id is never looked up in the wrong index.
 */
function checkAlertPairs(request: AttachmentRequest): void {
  if (request.type !== 'alert') return;
  const [ids, indices] = [asList(request.alertId), asList(request.index)];
  if (ids.length !== indices.length) {
    throw badRequest(`Received an alert comment with ids and indices arrays of different lengths ids: ${JSON.stringify(ids)} indices: ${JSON.stringify(indices)}`);
  }
}

function newAttachment(request: AttachmentRequest, caseId: string, at: string, user: CaseUser): AttachmentRecord {
  return {
    id: randomUUID(),
    caseId,
    type: request.type,
    owner: request.owner,
    comment: request.type === 'user' ? request.comment : null,
    alertId: request.type === 'alert' ? request.alertId : null,
    index: request.type === 'alert' ? request.index : null,
    rule: request.type === 'alert' ? request.rule : null,
    created_at: at,
    created_by: user,
    updated_at: null,
    updated_by: null,
    pushed_at: null,
    pushed_by: null,
    version: 1,
  };
}

/**
 * Kibana's filterDuplicatedAlerts: ids already attached, or repeated earlier in the request, go
 * (with their index); an attachment left with no ids is dropped.
 */
function withoutDuplicatedAlerts(attachment: AttachmentRecord, attached: Set<string>): AttachmentRecord | undefined {
  const ids = asList(attachment.alertId!);
  const indices = asList(attachment.index!);
  const keep: number[] = [];
  const seen = new Set(attached);
  ids.forEach((id, i) => {
    if (seen.has(id)) return;
    seen.add(id);
    keep.push(i);
  });
  if (keep.length === 0) return undefined;
  if (keep.length === ids.length) return attachment;
  return { ...attachment, alertId: keep.map((i) => ids[i]), index: keep.map((i) => indices[i]) };
}

/** An attachment as Kibana answers it: its payload fields, then the common ones. */
export function presentAttachment(a: AttachmentRecord): Record<string, unknown> {
  const payload = a.type === 'user' ? { type: 'user', comment: a.comment } : { type: 'alert', alertId: a.alertId, index: a.index, rule: a.rule };
  return {
    ...payload,
    owner: a.owner,
    id: a.id,
    version: encodeVersion(a.version),
    created_at: a.created_at,
    created_by: a.created_by,
    pushed_at: a.pushed_at,
    pushed_by: a.pushed_by,
    updated_at: a.updated_at,
    updated_by: a.updated_by,
  };
}
