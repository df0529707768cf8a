import { z } from 'zod';
import type { TaskManager } from '../../tasks/task_manager.js';
import type { TaskStore } from '../../tasks/task_store.js';
import { defineRoute, type RouteSpec } from '../route.js';

const healthResponse = z.object({
  status: z.enum(['OK', 'warn', 'error']),
  last_update: z.string(),
  stats: z.object({
    capacity: z.number().int(),
    running: z.number().int(),
    utilization: z.number(),
    claims: z.number().int(),
    last_claim_duration_ms: z.number(),
    last_claim_size: z.number().int(),
    backlog_by_type: z.record(z.string(), z.number()),
    recent_failures: z.array(z.object({ id: z.string(), type: z.string(), error: z.string(), at: z.string() })),
  }),
});

export function taskManagerRoutes(taskManager: TaskManager, store: TaskStore): RouteSpec[] {
  return [
    defineRoute({
      method: 'GET',
      url: '/api/task_manager/_health',
      operationId: 'taskManagerHealth',
      summary: "The task manager's capacity, utilisation, claims, backlog and recent failures",
      tags: ['system'],
      responses: { 200: { description: 'Health', schema: healthResponse } },
      async handler() {
        const s = taskManager.stats;
        const utilization = s.capacity > 0 ? s.running / s.capacity : 0;
        return {
          body: {
            status: utilization >= 1 ? 'warn' : 'OK',
            last_update: new Date().toISOString(),
            stats: {
              capacity: s.capacity,
              running: s.running,
              utilization,
              claims: s.claims,
              last_claim_duration_ms: s.lastClaimMs,
              last_claim_size: s.lastClaimSize,
              backlog_by_type: await store.backlogByType(),
              recent_failures: s.recentFailures,
            },
          },
        };
      },
    }),
  ];
}
