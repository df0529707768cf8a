import { z } from 'zod';
import type { ActionsClient } from '../../actions/actions_client.js';
import { defineRoute, type RouteSpec } from '../route.js';
import { refuseSystemAction } from './connectors.js';
import { errorResponses, executeResponseSchema, toExecuteResponse } from '../schemas.js';

// Plugboard's own routes for background execution (API.md): Kibana has no public way to
// queue an action.

const priority = z.number().int().min(1).max(100).optional().meta({ description: 'Higher runs first; Kibana uses 1 (low) and 50 (normal, the default).' });
const params = z.record(z.string(), z.unknown()).meta({ description: "The action's parameters; they depend on the connector type." });

const enqueueBody = z.strictObject({ params, priority }).meta({ id: 'enqueue_request' });
const bulkBody = z
  .strictObject({
    actions: z.array(z.strictObject({ id: z.string().min(1), params, priority })).min(1).max(10_000),
  })
  .meta({ id: 'bulk_enqueue_request' });

const bulkResponse = z.object({
  errors: z.boolean(),
  items: z.array(
    z.object({
      id: z.string(),
      execution_id: z.string().optional(),
      actionTypeId: z.string(),
      response: z.enum(['success', 'queuedActionsLimitError', 'missingSecretsError']),
      message: z.string().optional(),
    }),
  ),
});

const executionResponse = z
  .object({
    execution_id: z.string(),
    connector_id: z.string(),
    status: z.enum(['queued', 'running', 'ok', 'error', 'timeout']).meta({
      description:
        '`queued`: waiting for its first attempt or for a retry (see `next_attempt_at`); `running`: an attempt is under way; ' +
        '`ok`: an attempt succeeded; `error`: failed for good (a final error, or the last allowed attempt failed); ' +
        '`timeout`: failed for good, and an attempt ran out of time.',
    }),
    attempts: z.number().int().meta({ description: 'Attempts started so far, the current one included; the next attempt has the next number.' }),
    interrupted_attempts: z
      .number()
      .int()
      .meta({ description: 'Of `attempts`, those a server shutdown cut short and put back in the queue; they do not count towards `max_attempts`.' }),
    max_attempts: z.number().int().meta({ description: 'How many attempts may fail before the execution fails for good (xpack.actions.run.maxAttempts).' }),
    next_attempt_at: z.iso
      .datetime()
      .optional()
      .meta({ description: 'While `queued`: when the next attempt may start (a retry waits for its backoff). Absent in every other status.' }),
    result: executeResponseSchema.optional().meta({ description: 'The result of the last attempt that finished.' }),
    events: z.array(z.record(z.string(), z.unknown())).meta({ description: 'The event-log documents of every attempt, oldest first.' }),
  })
  .meta({ id: 'execution_response' });

const errors = errorResponses(400, 401, 403, 404);
const TAGS = ['execution'];

export function queueRoutes(client: ActionsClient): RouteSpec[] {
  return [
    defineRoute({
      method: 'POST',
      url: '/api/actions/connector/:id/_enqueue',
      operationId: 'enqueueConnector',
      audit: { action: 'connector_enqueue', object: 'action' },
      summary: 'Queue an action to run as a durable background task (Plugboard)',
      tags: TAGS,
      access: 'public',
      params: z.strictObject({ id: z.string().min(1) }),
      body: enqueueBody,
      responses: {
        202: { description: 'Queued', schema: z.object({ execution_id: z.string() }) },
        ...errors,
        ...errorResponses(429),
      },
      async handler({ params: p, body, scope }) {
        refuseSystemAction(client, p.id);
        const { executionId } = await client.enqueue(scope, { id: p.id, params: body.params, priority: body.priority }, { confirmPath: 'params' });
        return { status: 202, body: { execution_id: executionId } };
      },
    }),
    defineRoute({
      method: 'POST',
      url: '/api/actions/_bulk_enqueue',
      operationId: 'bulkEnqueue',
      audit: { action: 'connector_bulk_enqueue' },
      summary: 'Queue many actions in one request (Plugboard)',
      tags: TAGS,
      access: 'public',
      body: bulkBody,
      responses: { 200: { description: 'One item per action, in order', schema: bulkResponse }, ...errors },
      async handler({ body, scope }) {
        for (const action of body.actions) refuseSystemAction(client, action.id);
        const result = await client.bulkEnqueue(scope, body.actions, { confirmPath: (index) => `[${index}].params` });
        return {
          body: {
            errors: result.errors,
            items: result.items.map((i) => ({
              id: i.id,
              ...(i.executionId ? { execution_id: i.executionId } : {}),
              actionTypeId: i.actionTypeId,
              response: i.response,
              ...(i.message ? { message: i.message } : {}),
            })),
          },
        };
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/api/actions/execution/:execution_id',
      operationId: 'getExecution',
      summary: 'The state, attempts, last result and events of a queued execution (Plugboard)',
      tags: TAGS,
      access: 'public',
      params: z.strictObject({ execution_id: z.string().min(1) }),
      responses: { 200: { description: 'The execution', schema: executionResponse }, ...errors },
      async handler({ params: p, scope }) {
        const view = await client.getExecution(scope, p.execution_id);
        const result = view.result ? toExecuteResponse(view.result) : undefined;
        return {
          body: {
            execution_id: view.executionId,
            connector_id: view.connectorId,
            status: view.status,
            attempts: view.attempts,
            interrupted_attempts: view.interruptedAttempts,
            max_attempts: view.maxAttempts,
            ...(view.nextAttemptAt ? { next_attempt_at: view.nextAttemptAt.toISOString() } : {}),
            ...(result ? { result } : {}),
            events: view.events,
          },
        };
      },
    }),
  ];
}
