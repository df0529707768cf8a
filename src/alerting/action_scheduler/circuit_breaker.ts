// The cap on actions one rule run triggers (reference §3.5): `xpack.alerting.rules.run.actions.max`
// for all, and `connectorTypeOverrides[{id, max}]` per connector type.

export const DEFAULT_MAX_ACTIONS_PER_RUN = 100_000;

export interface RunActionsConfig {
  max?: number;
  connectorTypeOverrides?: Array<{ id: string; max: number }>;
}

export const MAX_EXECUTABLE_ACTIONS_WARNING = 'The maximum number of actions for this rule type was reached; excess actions were not triggered.';

export class ActionsCircuitBreaker {
  private triggered = 0;
  private generated = 0;
  private readonly triggeredByType = new Map<string, number>();
  private readonly partialTypes = new Set<string>();

  constructor(private readonly config: RunActionsConfig = {}) {}

  /** Counts actions that passed their conditions, before the cap. */
  countGenerated(count: number): void {
    this.generated += count;
  }

  /** Whether one more action of the type fits under the caps; a refusal makes the run partial. */
  hasRoomFor(actionTypeId: string): boolean {
    const max = this.config.max ?? DEFAULT_MAX_ACTIONS_PER_RUN;
    const typeMax = this.config.connectorTypeOverrides?.find((o) => o.id === actionTypeId)?.max ?? max;
    if (this.triggered >= max || (this.triggeredByType.get(actionTypeId) ?? 0) >= typeMax) {
      this.partialTypes.add(actionTypeId);
      return false;
    }
    return true;
  }

  recordTriggered(actionTypeId: string): void {
    this.triggered++;
    this.triggeredByType.set(actionTypeId, (this.triggeredByType.get(actionTypeId) ?? 0) + 1);
  }

  get numberOfTriggeredActions(): number {
    return this.triggered;
  }

  get numberOfGeneratedActions(): number {
    return this.generated;
  }

  /** `partial` once an action was skipped for the cap: the run's outcome becomes a `maxExecutableActions` warning. */
  get status(): 'complete' | 'partial' {
    return this.partialTypes.size > 0 ? 'partial' : 'complete';
  }
}
