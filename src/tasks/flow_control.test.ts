import { describe, expect, it } from 'vitest';
import { FlowControl, type FlowControlConfig } from './flow_control.js';

// Token budgets (issue 20 point 7): what a connector's runs spent, in a sliding minute and day,
// holds its next requests back until enough of it has left the window.

const MINUTE = 60_000;
const DAY = 86_400_000;
const T0 = 1_800_000_000_000;

function flowControl(overrides: Partial<FlowControlConfig> = {}): FlowControl {
  return new FlowControl({
    defaults: { concurrency: 5 },
    types: { '.gen-ai': { tokensPerDay: 1000 } },
    connectors: { ai: { tokensPerMinute: 100 } },
    ...overrides,
  });
}

describe('FlowControl token budgets', () => {
  it('lets requests start until the minute budget is reached, then until the oldest spending leaves the minute', () => {
    const flow = flowControl();
    expect(flow.budgetWait('ai', '.gen-ai', T0)).toBeUndefined();
    flow.spend('ai', '.gen-ai', 60, T0);
    flow.spend('ai', '.gen-ai', 30, T0 + 10_000);
    expect(flow.budgetWait('ai', '.gen-ai', T0 + 10_000)).toBeUndefined();
    flow.spend('ai', '.gen-ai', 20, T0 + 20_000);
    // 110 of 100: once the first 60 leave the window, 50 remain.
    expect(flow.budgetWait('ai', '.gen-ai', T0 + 20_000)).toEqual({ budget: 'tokensPerMinute', limit: 100, until: new Date(T0 + MINUTE) });
    expect(flow.admit('ai', '.gen-ai', T0 + 20_000)).toEqual({ admitted: false, retryAt: new Date(T0 + MINUTE) });
    expect(flow.claimRoom(T0 + 30_000).byConnector).toContainEqual({ connector_id: 'ai', room: 0 });
    expect(flow.nextUnblock(T0 + 30_000)).toBe(T0 + MINUTE);
    expect(flow.budgetWait('ai', '.gen-ai', T0 + MINUTE)).toBeUndefined();
    expect(flow.admit('ai', '.gen-ai', T0 + MINUTE)).toEqual({ admitted: true });
  });

  it('the day budget of the type holds for 24 hours; the later of two waits is told', () => {
    const flow = flowControl();
    for (let i = 0; i < 10; i++) flow.spend('ai', '.gen-ai', 99, T0 + i * 2 * MINUTE);
    flow.spend('ai', '.gen-ai', 100, T0 + 20 * MINUTE);
    // 1090 of 1000 in the day, 100 of 100 in the minute: the day's wait is the longer.
    expect(flow.budgetWait('ai', '.gen-ai', T0 + 20 * MINUTE)).toEqual({ budget: 'tokensPerDay', limit: 1000, until: new Date(T0 + DAY) });
    expect(flow.budgetWait('ai', '.gen-ai', T0 + DAY)).toBeUndefined();
    // Another connector of the type has its own day.
    expect(flow.budgetWait('ai-2', '.gen-ai', T0 + 20 * MINUTE)).toBeUndefined();
  });

  it('connectors without a budget record nothing and are never held back by one', () => {
    const flow = flowControl({ types: {}, connectors: {} });
    flow.spend('hook', '.webhook', 1_000_000, T0);
    expect(flow.budgetWait('hook', '.webhook', T0)).toBeUndefined();
    expect(flow.admit('hook', '.webhook', T0)).toEqual({ admitted: true });
    flow.release('hook');
    expect(flow.claimRoom(T0).byConnector).toEqual([]);
  });

  it('a connector under the default budget is remembered while its spending counts, forgotten after', () => {
    const flow = flowControl({ defaults: { concurrency: 5, tokensPerMinute: 50 }, types: {}, connectors: {} });
    flow.spend('ai', '.gen-ai', 10, T0);
    expect(flow.claimRoom(T0 + 1000).byConnector).toEqual([{ connector_id: 'ai', room: 5 }]);
    expect(flow.claimRoom(T0 + MINUTE).byConnector).toEqual([]);
  });

  describe('restoreSpent (spending the event log recorded before a restart)', () => {
    it('counts restored spending within each window: the day of a day budget, the minute of a minute budget', () => {
      const flow = flowControl({ types: { '.gen-ai': { tokensPerDay: 1000 } }, connectors: { ai: { tokensPerMinute: 100 } } });
      const now = T0 + DAY;
      flow.restoreSpent(
        [
          // Out of every window: left out.
          { connectorId: 'ai', typeId: '.gen-ai', at: T0 - MINUTE, tokens: 5000 },
          // In the day, given out of order.
          { connectorId: 'ai', typeId: '.gen-ai', at: now - 30_000, tokens: 80 },
          { connectorId: 'ai', typeId: '.gen-ai', at: T0 + 10 * MINUTE, tokens: 900 },
        ],
        now,
      );
      // 980 of the day's 1000 and 80 of the minute's 100: one more run of 30 reaches both.
      expect(flow.budgetWait('ai', '.gen-ai', now)).toBeUndefined();
      flow.spend('ai', '.gen-ai', 30, now);
      // The day frees once the 900 leave it, later than the minute (once the 80 leave it).
      expect(flow.budgetWait('ai', '.gen-ai', now)).toEqual({ budget: 'tokensPerDay', limit: 1000, until: new Date(T0 + 10 * MINUTE + DAY) });
      expect(flow.admit('ai', '.gen-ai', now)).toEqual({ admitted: false, retryAt: new Date(T0 + 10 * MINUTE + DAY) });
    });

    it('a connector with only a minute budget keeps only the last minute', () => {
      const flow = flowControl({ types: {}, connectors: { ai: { tokensPerMinute: 100 } } });
      flow.restoreSpent(
        [
          { connectorId: 'ai', typeId: '.gen-ai', at: T0 - 2 * MINUTE, tokens: 500 },
          { connectorId: 'ai', typeId: '.gen-ai', at: T0 - 20_000, tokens: 100 },
        ],
        T0,
      );
      expect(flow.budgetWait('ai', '.gen-ai', T0)).toEqual({ budget: 'tokensPerMinute', limit: 100, until: new Date(T0 + 40_000) });
      expect(flow.budgetWait('ai', '.gen-ai', T0 + 40_000)).toBeUndefined();
    });

    it('leaves out connectors without a budget; spending dated after now counts from now', () => {
      const flow = flowControl({ types: {}, connectors: { ai: { tokensPerDay: 100 } } });
      flow.restoreSpent(
        [
          { connectorId: 'hook', typeId: '.webhook', at: T0, tokens: 1_000_000 },
          { connectorId: 'ai', typeId: '.gen-ai', at: T0 + 5 * MINUTE, tokens: 100 },
        ],
        T0,
      );
      expect(flow.claimRoom(T0).byConnector).toEqual([{ connector_id: 'ai', room: 0 }]);
      expect(flow.budgetWait('ai', '.gen-ai', T0)).toEqual({ budget: 'tokensPerDay', limit: 100, until: new Date(T0 + DAY) });
    });

    it('says which connectors have a budget, and the window to read', () => {
      expect(flowControl({ types: {}, connectors: {} }).budgetedConnectors()).toBeUndefined();
      expect(flowControl({ types: { '.gen-ai': { tokensPerMinute: 5 }, '.webhook': { concurrency: 2 } }, connectors: { ai: { tokensPerMinute: 9 } } }).budgetedConnectors()).toEqual({
        all: false,
        typeIds: ['.gen-ai'],
        connectorIds: ['ai'],
        windowMs: MINUTE,
      });
      expect(flowControl({ defaults: { concurrency: 5, tokensPerDay: 10 }, types: {}, connectors: {} }).budgetedConnectors()).toMatchObject({ all: true, windowMs: DAY });
    });
  });
});
