import type { Kysely } from 'kysely';
import { deleteEventsBefore } from '../event_log/retention.js';
import { deleteConversationsBefore } from '../storage/ai_conversations_repository.js';
import type { Database } from '../storage/schema.js';
import type { TaskStore } from './task_store.js';
import type { NewTask, TaskDefinition } from './types.js';

export const RETENTION_TASK_TYPE = 'plugboard:retention';
const RETENTION_INTERVAL_MS = 60 * 60_000;

/** The recurring task that enforces `plugboard.eventLog.retention` (events, finished tasks, AI conversations); one per database (stable id). */
export function retentionTask(): NewTask {
  return {
    id: 'plugboard-retention',
    type: RETENTION_TASK_TYPE,
    scope: 'plugboard',
    spaceId: 'default',
    params: {},
    maxAttempts: 3,
    intervalMs: RETENTION_INTERVAL_MS,
  };
}

/** Incoming alerts resolved longer ago than `plugboard.ingest.resolvedRetention`. */
export interface ResolvedAlertsCleanup {
  deleteResolved(now: Date): Promise<number>;
}

export function retentionTaskDefinition(db: Kysely<Database>, store: TaskStore, retentionMs: number, incomingAlerts?: ResolvedAlertsCleanup): TaskDefinition {
  return {
    type: RETENTION_TASK_TYPE,
    async run() {
      const before = new Date(Date.now() - retentionMs);
      const events = await deleteEventsBefore(db, before);
      const tasks = await store.deleteFinished(before);
      const conversations = await deleteConversationsBefore(db, before);
      await db.deleteFrom('connector_pauses').where('paused_until', '<', Date.now()).execute();
      const alerts = (await incomingAlerts?.deleteResolved(new Date())) ?? 0;
      return { kind: 'succeeded', result: { deletedEvents: events, deletedTasks: tasks, deletedResolvedAlerts: alerts, deletedAiConversations: conversations }, state: { lastRun: new Date().toISOString() } };
    },
  };
}
