import { z } from 'zod';

// The pushToService contract that every ticketing ("case") connector type shares (reference
// §0.5): create the record, or update it when the incident names one; then push the comments one
// at a time, in order, to that record; answer with the record and, when comments were given, when
// each was pushed. The Cases plugin and existing scripts read this result unchanged.

/** The `comments` of pushToService params: null by default; `help` says where they go. */
export const pushCommentsSchema = (help: string) =>
  z
    .array(z.strictObject({ comment: z.string(), commentId: z.string() }))
    .nullable()
    .default(null)
    .meta({ label: 'Comments', help });

/** pushToService's params around a type's incident schema: comments in order, none by default. */
export function casePushParamsSchema<T extends z.ZodType>(incident: T, commentsHelp: string) {
  return z.strictObject({ incident, comments: pushCommentsSchema(commentsHelp) });
}

/** A comment to push: its id on the caller's side and its text. */
export interface PushComment {
  commentId: string;
  comment: string;
}

/** The record as created or updated in the service. */
export interface PushedRecord {
  id: string;
  title: string;
  url: string;
  /** ISO 8601. */
  pushedDate: string;
}

export interface PushResult extends PushedRecord {
  /** Present only when comments were given. */
  comments?: Array<{ commentId: string; pushedDate: string }>;
}

/** What a type implements against its service; the incident comes without `externalId`. */
export interface CaseService<Incident> {
  createIncident(incident: Incident): Promise<PushedRecord>;
  updateIncident(externalId: string, incident: Incident): Promise<PushedRecord>;
  /** Resolves to when the comment was pushed (ISO 8601), or null when the service skips it (it is then not listed). */
  addComment(externalId: string, comment: PushComment): Promise<string | null>;
}

export interface PushParams<Incident> {
  incident: Incident & { externalId?: string | null };
  comments?: PushComment[] | null;
}

export async function pushToService<Incident extends object>(service: CaseService<Incident>, { incident, comments }: PushParams<Incident>): Promise<PushResult> {
  const { externalId, ...fields } = incident;
  const record =
    externalId != null ? await service.updateIncident(externalId, fields as Incident) : await service.createIncident(fields as Incident);
  if (!comments || comments.length === 0) return record;
  const pushed: NonNullable<PushResult['comments']> = [];
  for (const comment of comments) {
    const pushedDate = await service.addComment(record.id, comment);
    if (pushedDate !== null) pushed.push({ commentId: comment.commentId, pushedDate });
  }
  return { ...record, comments: pushed };
}
