import type { Logger } from 'pino';
import type { Alert } from '../alerts/alert.js';
import type { AlertDocument } from '../alert_document.js';
import type { ActionGroup, SummaryGroup } from '../types.js';
import type { ActionsCircuitBreaker } from './circuit_breaker.js';
import type { RuleAction, RuleSystemAction, SchedulingRule } from './types.js';

/** What every scheduler of one run is given. */
export interface SchedulingContext {
  rule: SchedulingRule;
  spaceId: string;
  executionId: string;
  /** The rule type's groups, `recovered` included. */
  actionGroups: ActionGroup[];
  recoveryActionGroupId: string;
  /** When the actions are scheduled: throttles, summary windows and `date` count from it. */
  now: Date;
  /** `server.publicBaseUrl`. */
  kibanaBaseUrl: string | undefined;
  ruleUrl: string | undefined;
  /** The run's alerts: active (delayed ones excluded) and recovered. */
  active: Record<string, Alert>;
  recovered: Record<string, Alert>;
  /** This run's alert documents by alert uuid. */
  documents: Map<string, AlertDocument>;
  breaker: ActionsCircuitBreaker;
  /** The rule type's summary groups of this run, if it set any (per-run summaries run per group). */
  summaryGroups?: SummaryGroup[];
  /** Whether the connector may run (Kibana's isActionExecutable: type enabled, connector exists). */
  isActionExecutable(connectorId: string, actionTypeId: string): boolean;
  logger: Logger;
}

/** One action to enqueue, with what its `execute-action` event and its rendering need. */
export interface ScheduledAction {
  kind: 'summary' | 'system' | 'per-alert';
  action: RuleAction | RuleSystemAction;
  /** Template variables (per-alert and summary actions: params still to render). */
  variables?: Record<string, unknown>;
  /** Params already built (system actions, by their connector adapter: nothing to render). */
  params?: Record<string, unknown>;
  alert?: { id: string; uuid: string; actionGroup: string };
  alertSummary?: { new: number; ongoing: number; recovered: number };
  /** Of an action that follows its alert (`follow_alert`): whether the run opens or updates the ticket, or resolves it. */
  follow?: 'fire' | 'resolve';
}

/** Kibana's last checks before an action is scheduled: the circuit breaker, then the connector. */
export function admitAction(ctx: SchedulingContext, action: RuleAction | RuleSystemAction): boolean {
  if (!ctx.breaker.hasRoomFor(action.actionTypeId)) {
    ctx.logger.debug(`Rule "${ctx.rule.id}" skipped scheduling action "${action.id}" because the maximum number of allowed actions has been reached.`);
    return false;
  }
  if (!ctx.isActionExecutable(action.id, action.actionTypeId)) {
    ctx.logger.warn(`Rule "${ctx.rule.id}" skipped scheduling action "${action.id}" because it is disabled`);
    return false;
  }
  ctx.breaker.recordTriggered(action.actionTypeId);
  return true;
}
