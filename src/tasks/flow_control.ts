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
  running: number;
  tokens: number;
  refilledAt: number;
  /** Held back until then (out of tokens, or paused by the service). */
  blockedUntil: number;
}

export type Admission = { admitted: true } | { admitted: false; retryAt: Date };

/**
 * Per-connector concurrency and rate limits, kept by each instance. A connector at its limit
 * is left out of the next claims, so its backlog never takes the slots other connectors need.
 */
export class FlowControl {
  private readonly flows = new Map<string, ConnectorFlow>();

  constructor(private readonly config: FlowControlConfig) {}

  limitsFor(connectorId: string, typeId: string): FlowLimits {
    return { ...this.config.defaults, ...this.config.types[typeId], ...this.config.connectors[connectorId] };
  }

  private flow(connectorId: string, typeId: string, now: number): ConnectorFlow {
    let flow = this.flows.get(connectorId);
    if (!flow) {
      const limits = this.limitsFor(connectorId, typeId);
      flow = { limits, running: 0, tokens: limits.rate?.burst ?? 0, refilledAt: now, blockedUntil: 0 };
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
      flow.tokens = Math.min(rate.burst, flow.tokens + ((now - flow.refilledAt) / 1000) * rate.perSecond);
      flow.refilledAt = now;
      if (flow.tokens < 1) {
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

  /** Connectors that cannot start an action now; claims skip their tasks. */
  blockedConnectors(now = Date.now()): string[] {
    const out: string[] = [];
    for (const [id, flow] of this.flows) {
      if (flow.blockedUntil > now || flow.running >= flow.limits.concurrency) out.push(id);
      else if (flow.running === 0 && flow.blockedUntil <= now && (!flow.limits.rate || flow.tokens >= (flow.limits.rate.burst ?? 1))) {
        // Idle and full of tokens: nothing to remember.
        this.flows.delete(id);
      }
    }
    return out;
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
