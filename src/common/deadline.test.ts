import { describe, expect, it } from 'vitest';
import { deadline } from './deadline.js';

describe('deadline', () => {
  it('aborts after the timeout and says so', async () => {
    const d = deadline(20);
    await new Promise((r) => d.signal.addEventListener('abort', r));
    expect(d.timedOut).toBe(true);
    d.dispose();
  });

  it('follows its parent, and not as a timeout', () => {
    const parent = new AbortController();
    const d = deadline(60_000, parent.signal);
    parent.abort();
    expect(d.signal.aborted).toBe(true);
    expect(d.timedOut).toBe(false);
    d.dispose();
  });

  it('starts aborted under an aborted parent, and never fires once disposed', async () => {
    const parent = new AbortController();
    parent.abort();
    expect(deadline(60_000, parent.signal).signal.aborted).toBe(true);
    const d = deadline(10);
    d.dispose();
    await new Promise((r) => setTimeout(r, 30));
    expect(d.signal.aborted).toBe(false);
  });
});
