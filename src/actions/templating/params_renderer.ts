import type { Logger } from 'pino';
import { Counter, type Registry } from 'prom-client';
import { badRequest } from '../../common/errors.js';
import type { ConnectorTypeDefinition } from '../types.js';
import { InlineBudgetSpent, INLINE_LIMITS, RenderBudget } from './limits.js';
import { renderActionParams } from './render_params.js';
import { RenderThread } from './render_thread.js';

/**
 * Renders action params without holding the event loop: on it with a budget that costs at
 * most about a millisecond, which real alert templates stay within, and on the render thread
 * with the full limits when that budget is not enough.
 */
export class ParamsRenderer {
  private readonly thread = new RenderThread();
  private readonly renders: Counter<'thread'>;

  constructor(
    private readonly logger: Logger,
    registry: Registry,
  ) {
    this.renders = new Counter({
      name: 'plugboard_template_renders_total',
      help: "Action params rendered, by thread: 'main' on the event loop, 'render' on the render thread (params needing more than the small budget)",
      labelNames: ['thread'],
      registers: [registry],
    });
  }

  async render<P>(def: ConnectorTypeDefinition<any, any, P>, params: P, variables: Record<string, unknown>, actionId?: string): Promise<P> {
    try {
      const rendered = renderActionParams(def, this.logger, params, variables, actionId, new RenderBudget(INLINE_LIMITS));
      this.renders.inc({ thread: 'main' });
      return rendered;
    } catch (err) {
      if (!(err instanceof InlineBudgetSpent)) throw err;
    }
    const reply = await this.thread.render({ typeId: def.id, params, variables, actionId });
    this.renders.inc({ thread: 'render' });
    for (const warning of reply.warnings) this.logger.warn(warning);
    if ('badRequest' in reply) throw badRequest(reply.badRequest);
    if ('failure' in reply) throw new Error(`rendering failed: ${reply.failure}`);
    return reply.params as P;
  }

  close(): Promise<void> {
    return this.thread.close();
  }
}
