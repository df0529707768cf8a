import { KIBANA_COMPATIBILITY_VERSION } from '../common/kibana_version.js';
import { EVENT_PROVIDER, type EventAction, type EventDocument } from './document.js';

/** What every event of one execution attempt shares. */
export interface ExecutionEventContext {
  spaceId: string;
  connector: { id: string; name: string; typeId: string; inMemory: boolean };
  executionId: string;
  source: string;
  attempt: number;
  /** When run as a task: when it was scheduled to run. */
  scheduledAt?: Date;
  user?: { name: string };
}

const MS_TO_NS = 1_000_000;

export function actionEvent(
  ctx: ExecutionEventContext,
  action: EventAction,
  fields: { message: string; start?: Date; end?: Date; outcome?: 'success' | 'failure'; error?: string },
): EventDocument {
  const now = fields.end ?? new Date();
  const { connector } = ctx;
  return {
    '@timestamp': (fields.start ?? now).toISOString(),
    event: {
      provider: EVENT_PROVIDER,
      action,
      kind: 'action',
      ...(fields.start ? { start: fields.start.toISOString() } : {}),
      ...(fields.start && fields.end
        ? { end: fields.end.toISOString(), duration: String((fields.end.getTime() - fields.start.getTime()) * MS_TO_NS) }
        : {}),
      ...(fields.outcome ? { outcome: fields.outcome } : {}),
    },
    kibana: {
      saved_objects: [
        {
          rel: 'primary',
          type: 'action',
          id: connector.id,
          type_id: connector.typeId,
          ...(connector.inMemory ? { space_agnostic: true } : ctx.spaceId !== 'default' ? { namespace: ctx.spaceId } : {}),
        },
      ],
      space_ids: [ctx.spaceId],
      ...(ctx.scheduledAt
        ? {
            task: {
              scheduled: ctx.scheduledAt.toISOString(),
              schedule_delay: Math.max(0, ((fields.start ?? now).getTime() - ctx.scheduledAt.getTime()) * MS_TO_NS),
            },
          }
        : {}),
      action: {
        name: connector.name,
        id: connector.id,
        type_id: connector.typeId,
        execution: { uuid: ctx.executionId, source: ctx.source, attempt: ctx.attempt },
      },
      version: KIBANA_COMPATIBILITY_VERSION,
    },
    message: fields.message,
    ...(fields.error !== undefined ? { error: { message: fields.error } } : {}),
    ...(ctx.user ? { user: ctx.user } : {}),
  };
}

/** `<message>[: <serviceMessage>][; retry: true][; retry at <ISO>]`, as Kibana writes `error.message` (no `retry: false`). */
export function errorMessageOf(result: { message?: string; serviceMessage?: string; retry?: boolean | Date | null }): string {
  let text = result.message ?? '';
  if (result.serviceMessage) text += `: ${result.serviceMessage}`;
  if (result.retry instanceof Date) text += `; retry at ${result.retry.toISOString()}`;
  else if (result.retry === true) text += '; retry: true';
  return text;
}
