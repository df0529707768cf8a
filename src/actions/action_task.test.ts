import { describe, expect, it } from 'vitest';
import { queueDecision } from './action_task.js';
import type { ExecutionOutcome } from './executor.js';
import type { ActionResult } from './types.js';

const failed = (extra: Partial<ActionResult> = {}): ActionResult => ({ status: 'error', actionId: 'c1', message: 'failed', ...extra });
const decide = (outcome: Partial<ExecutionOutcome> & { result: ActionResult }) => queueDecision({ timedOut: false, ...outcome });

describe('queueDecision', () => {
  const at = new Date(Date.now() + 60_000);

  it("decides from the service's status over the result's retry, which is Kibana's", () => {
    expect(decide({ result: failed({ retry: true }), failure: { httpStatus: 400 } })).toEqual({ kind: 'failed' });
    expect(decide({ result: failed(), failure: { httpStatus: 404 } })).toEqual({ kind: 'failed' });
    expect(decide({ result: failed(), failure: { httpStatus: 302 } })).toEqual({ kind: 'failed' });
    expect(decide({ result: failed(), failure: { httpStatus: 503 } })).toEqual({ kind: 'retry' });
    expect(decide({ result: failed({ retry: true }), failure: { httpStatus: 429, retryAt: at } })).toEqual({ kind: 'pause', until: at });
    expect(decide({ result: failed(), failure: { httpStatus: 429 } })).toEqual({ kind: 'retry' });
  });

  it('fails at once what cannot change, and retries a timeout whatever else it says', () => {
    expect(decide({ result: failed({ retry: true }), failure: { permanent: true } })).toEqual({ kind: 'failed' });
    expect(decide({ result: failed({ retry: false }), timedOut: true })).toEqual({ kind: 'retry' });
  });

  it("follows the result's retry when nothing else is known", () => {
    expect(decide({ result: failed() })).toEqual({ kind: 'retry' });
    expect(decide({ result: failed({ retry: true }) })).toEqual({ kind: 'retry' });
    expect(decide({ result: failed({ retry: false }) })).toEqual({ kind: 'failed' });
    expect(decide({ result: failed({ retry: at }) })).toEqual({ kind: 'pause', until: at });
  });
});
