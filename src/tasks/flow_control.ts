/** Limits for one connector: how many of its actions may run at once, and how fast they may start. */
export interface FlowLimits {
  concurrency: number;
  /** Token bucket: `perSecond` tokens added each second, holding at most `burst`. Absent: no rate limit. */
  rate?: { perSecond: number; burst: number };
}

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
export class FlowControl {
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
        limits.concurrency === defaults.concurrency && limits.rate?.perSecond === defaults.rate?.perSecond && limits.rate?.burst === defaults.rate?.burst;
      flow = { limits, defaultLimits, running: 0, tokens: limits.rate?.burst ?? 0, refilledAt: now, blockedUntil: 0 };
      this.flows.set(connectorId, flow);
    }
    return flow;
  }

  /** Takes a running slot (and a token) for the connector, or says when to try again. */
  admit(connectorId: string, typeId: string, now = Date.now()): Admission {
    const flow = this.flow(connectorId, typeId, now);
    if (flow.blockedUntil > now) return { admitted: false, retryAt: new Date(flow.blockedUntil) };
    if (flow.running >= flow.limits.concurrency) return { admitted: false, retryAt: new Date(now) };
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

  /**
   * How many more actions each connector may start now, for the claim: those this instance
   * keeps state for are listed, any other has the room of the default limits. A claim then
   * never takes more of a connector's tasks than it can start.
   */
  claimRoom(now = Date.now()): ClaimRoom {
    const byConnector: ConnectorRoom[] = [];
    for (const [id, flow] of this.flows) {
      if (flow.defaultLimits && flow.running === 0 && flow.blockedUntil <= now && this.tokensFull(flow, now)) {
        // Idle, full of tokens and as any unlisted connector: nothing to remember.
        this.flows.delete(id);
        continue;
      }
      byConnector.push({ connector_id: id, room: this.room(flow, now) });
    }
    return { byConnector, otherwise: this.defaultRoom };
  }

  private room(flow: ConnectorFlow, now: number): number {
    if (flow.blockedUntil > now) return 0;
    const free = Math.max(0, flow.limits.concurrency - flow.running);
    const rate = flow.limits.rate;
    return rate ? Math.min(free, Math.floor(this.refill(flow, rate, now))) : free;
  }

  private refill(flow: ConnectorFlow, rate: NonNullable<FlowLimits['rate']>, now: number): number {
    flow.tokens = Math.min(rate.burst, flow.tokens + ((now - flow.refilledAt) / 1000) * rate.perSecond);
    flow.refilledAt = now;
    return flow.tokens;
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
