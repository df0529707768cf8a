import { INTERNAL_PRINCIPAL } from '../security/principal.js';
import type { ActionsClient } from './actions_client.js';
import type { ConnectorLoader } from './connector_loader.js';
import type { InProcessConnectors, TokenUsage } from './types.js';

/**
 * ConnectorServices.connectors over the actions client: a system action runs another connector
 * of its space as the server (it was authorized when its rule was saved), through the same
 * validation, token budgets and execute event as `_execute`; a streamed usage is awaited.
 */
export function inProcessConnectors(actions: ActionsClient, loader: Pick<ConnectorLoader, 'find'>): InProcessConnectors {
  return {
    async typeOf(spaceId, connectorId) {
      return (await loader.find(spaceId, connectorId))?.typeId;
    },
    async run(spaceId, connectorId, params, { signal, source, variables }) {
      const scope = { spaceId, principal: INTERNAL_PRINCIPAL };
      const rendered = variables ? await actions.render(scope, connectorId, params, variables) : params;
      const outcome = await actions.executeInProcess(scope, connectorId, rendered, signal, source);
      let usage: TokenUsage | null = null;
      if (outcome.usage) usage = await Promise.resolve(outcome.usage).catch(() => null);
      return { result: outcome.result, usage };
    },
  };
}
