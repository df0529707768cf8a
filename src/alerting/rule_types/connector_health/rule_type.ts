import { getConnectorExecutionStats } from '../../../event_log/connector_execution_stats.js';
import type { PlugboardDatabase } from '../../../storage/database.js';
import { defineRuleType, type ActionVariable, type RuleTypeDefinition } from '../../types.js';
import { recoveryContext, unhealthyContext, type ConnectorHealthContext, type WatchedConnector } from './health.js';
import { connectorHealthParamsSchema, type ConnectorHealthParams } from './params.js';

// Plugboard's own rule type: one alert per connector whose failure rate or p99 latency over a
// window passes its threshold, judged from the event log's execution rows.

export const CONNECTOR_HEALTH_RULE_TYPE_ID = 'plugboard.connector-health';
export const UNHEALTHY_ACTION_GROUP = { id: 'unhealthy', name: 'Unhealthy' };

export interface ConnectorHealthDeps {
  database: Pick<PlugboardDatabase, 'db' | 'dialect'>;
  /** The connectors of a space that a rule may watch: its own and the preconfigured ones. */
  connectorsOfSpace(spaceId: string): Promise<WatchedConnector[]>;
}

const CONTEXT_VARIABLES: ActionVariable[] = [
  { name: 'connectorId', description: 'The id of the connector; also the id of its alert.' },
  { name: 'connectorName', description: 'The name of the connector.' },
  { name: 'connectorTypeId', description: 'The type of the connector, such as .webhook.' },
  { name: 'executions', description: 'How many executions of the connector ended in the window.' },
  { name: 'failures', description: 'How many of those executions failed.' },
  { name: 'failureRate', description: 'Failures divided by executions, between 0 and 1.' },
  { name: 'p99Ms', description: 'The 99th percentile of the execution durations in the window, in milliseconds.' },
  { name: 'window', description: 'The window the figures cover, such as 5m.' },
  {
    name: 'reason',
    description:
      'Why the alert is active (failure_rate, p99_latency or failure_rate_and_p99_latency) or recovered (healthy, too_few_executions or connector_not_found).',
  },
  { name: 'message', description: 'A sentence saying which threshold the connector passed, or why it recovered.' },
];

const PARAMS_VARIABLES: ActionVariable[] = [
  { name: 'connectorIds', description: 'The connectors the rule watches; empty for every connector of the space.' },
  { name: 'window', description: 'The window of executions each run looks at.' },
  { name: 'maxFailureRate', description: 'The failure rate above which a connector is unhealthy.' },
  { name: 'minExecutions', description: 'The fewest executions in the window for a connector to be judged.' },
  { name: 'maxP99Ms', description: 'The p99 latency in milliseconds above which a connector is unhealthy, if set.' },
];

/** The connectors a rule watches: those it names that are in the space (and the others, missing), or all of the space. */
function watchedConnectors(params: ConnectorHealthParams, ofSpace: WatchedConnector[]) {
  if (params.connectorIds.length === 0) return { watched: ofSpace, missing: [] };
  const byId = new Map(ofSpace.map((c) => [c.id, c]));
  const ids = [...new Set(params.connectorIds)];
  return { watched: ids.flatMap((id) => byId.get(id) ?? []), missing: ids.filter((id) => !byId.has(id)) };
}

export function connectorHealthRuleType(deps: ConnectorHealthDeps): RuleTypeDefinition<ConnectorHealthParams, Record<string, never>> {
  return defineRuleType<ConnectorHealthParams, Record<string, never>>({
    id: CONNECTOR_HEALTH_RULE_TYPE_ID,
    name: 'Connector health',
    category: 'management',
    producer: 'stackAlerts',
    minimumLicenseRequired: 'basic',
    isExportable: true,
    actionGroups: [UNHEALTHY_ACTION_GROUP],
    defaultActionGroupId: UNHEALTHY_ACTION_GROUP.id,
    defaultScheduleInterval: '1m',
    doesSetRecoveryContext: true,
    actionVariables: { context: CONTEXT_VARIABLES, params: PARAMS_VARIABLES },
    schemas: { params: connectorHealthParamsSchema },
    async executor({ params, spaceId, services, getTimeRange }) {
      const { dateStart, dateEnd } = getTimeRange(params.window);
      const ofSpace = await deps.connectorsOfSpace(spaceId);
      const { watched, missing } = watchedConnectors(params, ofSpace);
      if (missing.length > 0) services.results.addLastRunWarning(`Connectors not found in space ${spaceId}: ${missing.join(', ')}`);

      const stats = await getConnectorExecutionStats(deps.database, {
        spaceId,
        // Every connector of the space: the space's rows, whichever connectors they are.
        connectorIds: params.connectorIds.length > 0 ? watched.map((c) => c.id) : undefined,
        dateStart: Date.parse(dateStart),
        dateEnd: Date.parse(dateEnd),
      });
      const byId = new Map(watched.map((c) => [c.id, c]));
      const unhealthy: ConnectorHealthContext[] = [];
      for (const { connectorId, ...figures } of stats) {
        const connector = byId.get(connectorId);
        const context = connector && unhealthyContext(connector, figures, params);
        if (context) unhealthy.push(context);
      }

      const { alerts } = services;
      const limit = alerts.getAlertLimitValue();
      for (const context of unhealthy.slice(0, limit)) alerts.report({ id: context.connectorId, actionGroup: UNHEALTHY_ACTION_GROUP.id, context: { ...context } });
      alerts.setAlertLimitReached(unhealthy.length > limit);

      const statsById = new Map(stats.map((s) => [s.connectorId, s]));
      const ofSpaceById = new Map(ofSpace.map((c) => [c.id, c]));
      for (const recovered of alerts.getRecoveredAlerts()) {
        recovered.setContext({ ...recoveryContext(recovered.id, ofSpaceById.get(recovered.id), statsById.get(recovered.id), params) });
      }
      return { state: {} };
    },
  });
}
