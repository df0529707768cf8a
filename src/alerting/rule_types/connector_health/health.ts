import type { ConnectorExecutionStats } from '../../../event_log/connector_execution_stats.js';
import type { ConnectorHealthParams } from './params.js';

// Judging one connector by its statistics over the window, and the context its alert carries.

/** A connector a rule may watch, as the connectors of a space list it. */
export interface WatchedConnector {
  id: string;
  name: string;
  typeId: string;
}

/** Which thresholds an unhealthy connector passed. */
export type UnhealthyReason = 'failure_rate' | 'p99_latency' | 'failure_rate_and_p99_latency';
/** Why an alert recovered. */
export type RecoveryReason = 'healthy' | 'too_few_executions' | 'connector_not_found';

export interface ConnectorHealthContext {
  connectorId: string;
  connectorName: string;
  connectorTypeId: string;
  executions: number;
  failures: number;
  /** failures / executions, 0 without executions. */
  failureRate: number;
  /** Null without executions. */
  p99Ms: number | null;
  window: string;
  reason: UnhealthyReason | RecoveryReason;
  message: string;
}

type Stats = Omit<ConnectorExecutionStats, 'connectorId'>;
const NO_EXECUTIONS: Stats = { executions: 0, failures: 0, p99DurationMs: null };

const percent = (rate: number) => `${Number((rate * 100).toFixed(2))}%`;
const milliseconds = (ms: number) => `${Number(ms.toFixed(3))} ms`;

function figures(connector: WatchedConnector, stats: Stats, window: string) {
  const failureRate = stats.executions > 0 ? stats.failures / stats.executions : 0;
  const p99Ms = stats.p99DurationMs === null ? null : Number(stats.p99DurationMs.toFixed(3));
  return {
    connectorId: connector.id,
    connectorName: connector.name,
    connectorTypeId: connector.typeId,
    executions: stats.executions,
    failures: stats.failures,
    failureRate,
    p99Ms,
    window,
  };
}

const describeConnector = (c: WatchedConnector) => `Connector '${c.name}' (${c.typeId})`;

/**
 * The context of an unhealthy connector's alert, or undefined when the connector is healthy.
 * A threshold is passed when the figure is above it; a connector with fewer than
 * `minExecutions` executions in the window is not judged.
 */
export function unhealthyContext(connector: WatchedConnector, stats: Stats, params: ConnectorHealthParams): ConnectorHealthContext | undefined {
  if (stats.executions < params.minExecutions) return undefined;
  const base = figures(connector, stats, params.window);
  const failing = base.failureRate > params.maxFailureRate;
  const slow = params.maxP99Ms !== undefined && base.p99Ms !== null && base.p99Ms > params.maxP99Ms;
  if (!failing && !slow) return undefined;
  const passed: string[] = [];
  if (failing) passed.push(`failure rate ${percent(base.failureRate)} (${stats.failures} of ${stats.executions} executions) is above the maximum of ${percent(params.maxFailureRate)}`);
  if (slow) passed.push(`p99 latency ${milliseconds(base.p99Ms!)} is above the maximum of ${milliseconds(params.maxP99Ms!)}`);
  return {
    ...base,
    reason: failing && slow ? 'failure_rate_and_p99_latency' : failing ? 'failure_rate' : 'p99_latency',
    message: `${describeConnector(connector)} is unhealthy over the last ${params.window}: ${passed.join(', and ')}.`,
  };
}

/** The context of a recovered alert: healthy again, no longer judged, or no longer a connector of the space. */
export function recoveryContext(connectorId: string, connector: WatchedConnector | undefined, stats: Stats | undefined, params: ConnectorHealthParams): ConnectorHealthContext {
  const known = connector ?? { id: connectorId, name: '', typeId: '' };
  const base = figures(known, stats ?? NO_EXECUTIONS, params.window);
  if (!connector) {
    return { ...base, reason: 'connector_not_found', message: `Connector ${connectorId} recovered: it is no longer a connector of this space.` };
  }
  if (base.executions < params.minExecutions) {
    return {
      ...base,
      reason: 'too_few_executions',
      message:
        `${describeConnector(connector)} recovered: ${base.executions} execution${base.executions === 1 ? '' : 's'} over the last ${params.window}, ` +
        `fewer than the ${params.minExecutions} needed to judge it.`,
    };
  }
  const latency = base.p99Ms === null ? '' : `, p99 latency ${milliseconds(base.p99Ms)}`;
  return {
    ...base,
    reason: 'healthy',
    message: `${describeConnector(connector)} is healthy again over the last ${params.window}: failure rate ${percent(base.failureRate)} (${base.failures} of ${base.executions} executions)${latency}.`,
  };
}
