/** Limits for one connector: how many of its actions may run at once, and how fast they may start. */
export interface FlowLimits {
  concurrency: number;
  /** Token bucket: `perSecond` tokens added each second, holding at most `burst`. Absent: no rate limit. */
  rate?: { perSecond: number; burst: number };
  /**
   * Generative-AI token budgets: no request starts while the tokens its connector's runs used
   * (as their execute events record them) in the last minute, or the last 24 hours, reach these.
   */
  tokensPerMinute?: number;
  tokensPerDay?: number;
}

/** A token budget that holds a connector back: which, and until when. */
export interface TokenBudgetWait {
  budget: 'tokensPerMinute' | 'tokensPerDay';
  limit: number;
  until: Date;
}

/** What the executor and `_execute` see of the token budgets (FlowControl keeps them). */
export interface TokenBudgets {
  /** When the connector's token budgets next let a request start, if one holds it back now. */
  budgetWait(connectorId: string, typeId: string, now?: number): TokenBudgetWait | undefined;
  /** A run of the connector used these tokens (counted when its usage is known). */
  spend(connectorId: string, typeId: string, tokens: number, now?: number): void;
}

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
const BUDGETS = [
  { budget: 'tokensPerMinute', windowMs: MINUTE_MS },
  { budget: 'tokensPerDay', windowMs: DAY_MS },
] as const;

export interface FlowControlConfig {
  defaults: FlowLimits;
  /** By connector type id, then by connector id; later wins, field by field. */
  types: Record<string, Partial<FlowLimits>>;
  connectors: Record<string, Partial<FlowLimits>>;
}

interface ConnectorFlow {
  limits: FlowLimits;
  /**
   * Its limits are the defaults: once idle it is forgotten, as claims give unlisted connectors
   * the default room. Others are remembered, so that no claim takes more than their own room.
   */
  defaultLimits: boolean;
  running: number;
  tokens: number;
  refilledAt: number;
  /** Held back until then (out of tokens, or paused by the service). */
  blockedUntil: number;
  /** With a token budget: the tokens its runs used, oldest first, for as long as a budget's window holds them. */
  spent: Array<{ at: number; tokens: number }>;
}

/** Tokens a connector's runs used, as the event log recorded them before this instance started. */
export interface SpentTokens {
  connectorId: string;
  typeId: string;
  /** Epoch ms the tokens count from (the latest run of a bucket, so that a budget never frees early). */
  at: number;
  tokens: number;
}

/** Which connectors have a token budget, and how far back their spending counts. */
export interface BudgetedConnectors {
  /** The defaults set a budget: every connector has one. */
  all: boolean;
  typeIds: string[];
  connectorIds: string[];
  /** The longest window of any budget: a day, or a minute when only tokensPerMinute is set. */
  windowMs: number;
}

export type Admission = { admitted: true } | { admitted: false; retryAt: Date };

/** How many tasks of a connector a claim may take. */
export interface ConnectorRoom {
  connector_id: string;
  room: number;
}

export interface ClaimRoom {
  /** Connectors with a room of their own (0: none of their tasks). */
  byConnector: ConnectorRoom[];
  /** The room of every connector not listed. */
  otherwise: number;
}

/**
 * Per-connector concurrency and rate limits, kept by each instance. Claims take no more of a
 * connector's tasks than it has room for, so its backlog never takes the slots other
 * connectors need, and no task is claimed only to be put back.
 */
export class FlowControl implements TokenBudgets {
  private readonly flows = new Map<string, ConnectorFlow>();
  /** The room of a connector this instance keeps no state for. */
  private readonly defaultRoom: number;

  constructor(private readonly config: FlowControlConfig) {
    const { concurrency, rate } = config.defaults;
    this.defaultRoom = rate ? Math.min(concurrency, Math.floor(rate.burst)) : concurrency;
  }

  limitsFor(connectorId: string, typeId: string): FlowLimits {
    return { ...this.config.defaults, ...this.config.types[typeId], ...this.config.connectors[connectorId] };
  }

  private flow(connectorId: string, typeId: string, now: number): ConnectorFlow {
    let flow = this.flows.get(connectorId);
    if (!flow) {
      const limits = this.limitsFor(connectorId, typeId);
      const defaults = this.config.defaults;
      const defaultLimits =
        limits.concurrency === defaults.concurrency &&
        limits.rate?.perSecond === defaults.rate?.perSecond &&
        limits.rate?.burst === defaults.rate?.burst &&
        limits.tokensPerMinute === defaults.tokensPerMinute &&
        limits.tokensPerDay === defaults.tokensPerDay;
      flow = { limits, defaultLimits, running: 0, tokens: limits.rate?.burst ?? 0, refilledAt: now, blockedUntil: 0, spent: [] };
      this.flows.set(connectorId, flow);
    }
    return flow;
  }

  /** Takes a running slot (and a token) for the connector, or says when to try again. */
  admit(connectorId: string, typeId: string, now = Date.now()): Admission {
    const flow = this.flow(connectorId, typeId, now);
    if (flow.blockedUntil > now) return { admitted: false, retryAt: new Date(flow.blockedUntil) };
    if (flow.running >= flow.limits.concurrency) return { admitted: false, retryAt: new Date(now) };
    const budget = this.overBudget(flow, now);
    if (budget) {
      flow.blockedUntil = budget.until.getTime();
      return { admitted: false, retryAt: budget.until };
    }
    const rate = flow.limits.rate;
    if (rate) {
      if (this.refill(flow, rate, now) < 1) {
        flow.blockedUntil = now + Math.ceil(((1 - flow.tokens) / rate.perSecond) * 1000);
        return { admitted: false, retryAt: new Date(flow.blockedUntil) };
      }
      flow.tokens -= 1;
    }
    flow.running++;
    return { admitted: true };
  }

  release(connectorId: string): void {
    const flow = this.flows.get(connectorId);
    if (flow && flow.running > 0) flow.running--;
  }

  /** The service asked for a pause (429 with Retry-After). */
  pause(connectorId: string, typeId: string, until: Date): void {
    const flow = this.flow(connectorId, typeId, Date.now());
    flow.blockedUntil = Math.max(flow.blockedUntil, until.getTime());
  }

  budgetWait(connectorId: string, typeId: string, now = Date.now()): TokenBudgetWait | undefined {
    const limits = this.limitsFor(connectorId, typeId);
    if (limits.tokensPerMinute === undefined && limits.tokensPerDay === undefined) return undefined;
    return this.overBudget(this.flow(connectorId, typeId, now), now);
  }

  spend(connectorId: string, typeId: string, tokens: number, now = Date.now()): void {
    const limits = this.limitsFor(connectorId, typeId);
    if ((limits.tokensPerMinute === undefined && limits.tokensPerDay === undefined) || tokens <= 0) return;
    this.flow(connectorId, typeId, now).spent.push({ at: now, tokens });
  }

  /** The connectors with a token budget; undefined when no budget is set anywhere. */
  budgetedConnectors(): BudgetedConnectors | undefined {
    const { defaults, types, connectors } = this.config;
    const hasBudget = (limits: Partial<FlowLimits>) => limits.tokensPerMinute !== undefined || limits.tokensPerDay !== undefined;
    const all = [defaults, ...Object.values(types), ...Object.values(connectors)];
    if (!all.some(hasBudget)) return undefined;
    const budgeted = (byId: Record<string, Partial<FlowLimits>>) => Object.keys(byId).filter((id) => hasBudget(byId[id]));
    return {
      all: hasBudget(defaults),
      typeIds: budgeted(types),
      connectorIds: budgeted(connectors),
      windowMs: all.some((limits) => limits.tokensPerDay !== undefined) ? DAY_MS : MINUTE_MS,
    };
  }

  /**
   * Counts spending recorded before this instance started (the event log's), so that a restart
   * does not give a connector its budgets afresh. Spending of connectors without a budget, or
   * that no window of theirs holds any more, is left out.
   */
  restoreSpent(spent: SpentTokens[], now = Date.now()): void {
    const touched = new Set<ConnectorFlow>();
    for (const { connectorId, typeId, at, tokens } of spent) {
      const limits = this.limitsFor(connectorId, typeId);
      if ((limits.tokensPerMinute === undefined && limits.tokensPerDay === undefined) || tokens <= 0) continue;
      const flow = this.flow(connectorId, typeId, now);
      // A clock ahead of this one's counts as now, never as the future.
      flow.spent.push({ at: Math.min(at, now), tokens });
      touched.add(flow);
    }
    for (const flow of touched) {
      flow.spent.sort((a, b) => a.at - b.at);
      this.forgetSpent(flow, now);
    }
  }

  /**
   * The budget the connector's spent tokens reach, and when enough of them leave its window
   * for a request to start again; undefined when none is reached. Drops what no window holds.
   */
  private overBudget(flow: ConnectorFlow, now: number): TokenBudgetWait | undefined {
    this.forgetSpent(flow, now);
    let wait: TokenBudgetWait | undefined;
    for (const { budget, windowMs } of BUDGETS) {
      const limit = flow.limits[budget];
      if (limit === undefined) continue;
      const inWindow = flow.spent.filter((s) => s.at > now - windowMs);
      let used = inWindow.reduce((sum, s) => sum + s.tokens, 0);
      if (used < limit) continue;
      // The oldest runs leave the window first: once enough have, the budget lets a request start.
      let until = now;
      for (const s of inWindow) {
        used -= s.tokens;
        until = s.at + windowMs;
        if (used < limit) break;
      }
      if (!wait || until > wait.until.getTime()) wait = { budget, limit, until: new Date(until) };
    }
    return wait;
  }

  /** Drops the spending that no budget's window holds any more. */
  private forgetSpent(flow: ConnectorFlow, now: number): void {
    const longest = flow.limits.tokensPerDay !== undefined ? DAY_MS : MINUTE_MS;
    while (flow.spent.length > 0 && flow.spent[0].at <= now - longest) flow.spent.shift();
  }

  /**
   * How many more actions each connector may start now, for the claim: those this instance
   * keeps state for are listed, any other has the room of the default limits. A claim then
   * never takes more of a connector's tasks than it can start.
   */
  claimRoom(now = Date.now()): ClaimRoom {
    const byConnector: ConnectorRoom[] = [];
    for (const [id, flow] of this.flows) {
      if (flow.defaultLimits && flow.running === 0 && flow.blockedUntil <= now && this.tokensFull(flow, now) && this.spentNothing(flow, now)) {
        // Idle, full of tokens, with no token spending to count and as any unlisted connector: nothing to remember.
        this.flows.delete(id);
        continue;
      }
      byConnector.push({ connector_id: id, room: this.room(flow, now) });
    }
    return { byConnector, otherwise: this.defaultRoom };
  }

  private room(flow: ConnectorFlow, now: number): number {
    if (flow.blockedUntil > now) return 0;
    const budget = this.overBudget(flow, now);
    if (budget) {
      flow.blockedUntil = budget.until.getTime();
      return 0;
    }
    const free = Math.max(0, flow.limits.concurrency - flow.running);
    const rate = flow.limits.rate;
    return rate ? Math.min(free, Math.floor(this.refill(flow, rate, now))) : free;
  }

  private refill(flow: ConnectorFlow, rate: NonNullable<FlowLimits['rate']>, now: number): number {
    flow.tokens = Math.min(rate.burst, flow.tokens + ((now - flow.refilledAt) / 1000) * rate.perSecond);
    flow.refilledAt = now;
    return flow.tokens;
  }

  private spentNothing(flow: ConnectorFlow, now: number): boolean {
    this.forgetSpent(flow, now);
    return flow.spent.length === 0;
  }

  private tokensFull(flow: ConnectorFlow, now: number): boolean {
    return !flow.limits.rate || this.refill(flow, flow.limits.rate, now) >= flow.limits.rate.burst;
  }

  /** The earliest time a blocked connector becomes free, if any is waiting on time. */
  nextUnblock(now = Date.now()): number | undefined {
    let next: number | undefined;
    for (const flow of this.flows.values()) {
      if (flow.blockedUntil > now && (next === undefined || flow.blockedUntil < next)) next = flow.blockedUntil;
    }
    return next;
  }
}
