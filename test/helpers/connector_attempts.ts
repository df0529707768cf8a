import pino from 'pino';
import { timeOrderedUuid } from '../../src/common/ids.js';
import { actionEvent, type ExecutionEventContext } from '../../src/event_log/action_events.js';
import { EventLogger } from '../../src/event_log/event_logger.js';
import type { PlugboardDatabase } from '../../src/storage/database.js';
import { GroupCommit } from '../../src/storage/group_commit.js';

export interface TestConnector {
  id: string;
  name: string;
  typeId: string;
}

export interface Attempt {
  spaceId?: string;
  connector: TestConnector;
  start: Date;
  durationMs: number;
  /** `running`: only its start is logged; `interrupted`: a shutdown ended it. */
  outcome: 'success' | 'failure' | 'running' | 'interrupted' | 'timeout';
}

/**
 * Writes execution attempts through the real event logger, with the documents the executor
 * logs for them (see src/actions/executor.ts), so that they are stored one row per attempt.
 */
export function attemptWriter(database: PlugboardDatabase) {
  const writes = new GroupCommit(database.db, pino({ level: 'silent' }), { pool: database.pool });
  const events = new EventLogger(writes, database, (err) => {
    throw err;
  });
  return {
    log({ spaceId = 'default', connector, start, durationMs, outcome }: Attempt): void {
      const ctx: ExecutionEventContext = { spaceId, connector: { ...connector, inMemory: false }, executionId: timeOrderedUuid(), source: 'http_request', attempt: 1 };
      const end = new Date(start.getTime() + durationMs);
      void events.log(actionEvent(ctx, 'execute-start', { message: 'action started', end: start }));
      if (outcome === 'running') return;
      if (outcome === 'interrupted') {
        void events.log(actionEvent(ctx, 'execute-interrupted', { message: 'action execution interrupted', start, end }));
        return;
      }
      if (outcome === 'timeout') void events.log(actionEvent(ctx, 'execute-timeout', { message: 'execution cancelled due to timeout', end }));
      const failed = outcome !== 'success';
      void events.log(actionEvent(ctx, 'execute', { message: 'action executed', start, end, outcome: failed ? 'failure' : 'success', ...(failed ? { error: 'boom' } : {}) }));
    },
    /** A params validation failure: an `execute` event with no start. */
    logInvalidParams(connector: TestConnector, at: Date, spaceId = 'default'): void {
      const ctx: ExecutionEventContext = { spaceId, connector: { ...connector, inMemory: false }, executionId: timeOrderedUuid(), source: 'http_request', attempt: 1 };
      void events.log(actionEvent(ctx, 'execute', { message: 'action execution failure', start: at, end: at, outcome: 'failure', error: 'error validating action params' }));
    },
    /** Resolves once everything logged so far is committed. */
    flush: () => writes.flush(),
  };
}
