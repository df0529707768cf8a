import type { Logger } from 'pino';
import { badRequest } from '../../common/errors.js';
import type { ConnectorTypeDefinition } from '../types.js';
import { RenderBudget, TemplateLimitError } from './limits.js';
import { renderTemplatesDeep, withRenderBudget } from './renderer.js';

/** The path of the first string in `value` equal to `text` (`params.subActionParams.body`). */
function pathOf(value: unknown, text: string, path: string): string | undefined {
  if (value === text) return path;
  if (!value || typeof value !== 'object') return undefined;
  for (const [key, child] of Object.entries(value)) {
    const found = pathOf(child, text, `${path}.${key}`);
    if (found) return found;
  }
  return undefined;
}

/**
 * A type's params with their templates filled in: by the type's own rules when it has them
 * (each field escaped for where it goes), otherwise every string with no escaping (Kibana).
 * All of them share `budget`; a template over a limit is a 400 naming its field.
 */
export function renderActionParams<P>(
  def: ConnectorTypeDefinition<any, any, P>,
  logger: Logger,
  params: P,
  variables: Record<string, unknown>,
  actionId?: string,
  budget = new RenderBudget(),
): P {
  try {
    return withRenderBudget(
      () => (def.renderParameterTemplates ? def.renderParameterTemplates(logger, params, variables, actionId) : renderTemplatesDeep(logger, params, variables)),
      budget,
    );
  } catch (err) {
    if (err instanceof TemplateLimitError) throw badRequest(`[${pathOf(params, err.template, 'params') ?? 'params'}]: ${err.message}`);
    throw err;
  }
}
