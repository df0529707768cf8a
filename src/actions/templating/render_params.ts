import type { Logger } from 'pino';
import type { ConnectorTypeDefinition } from '../types.js';
import { renderTemplatesDeep } from './renderer.js';

/**
 * A type's params with their templates filled in: by the type's own rules when it has them
 * (each field escaped for where it goes), otherwise every string with no escaping (Kibana).
 */
export function renderActionParams<P>(def: ConnectorTypeDefinition<any, any, P>, logger: Logger, params: P, variables: Record<string, unknown>, actionId?: string): P {
  if (def.renderParameterTemplates) return def.renderParameterTemplates(logger, params, variables, actionId);
  return renderTemplatesDeep(logger, params, variables);
}
