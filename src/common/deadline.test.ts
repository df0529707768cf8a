import { describe, expect, it } from 'vitest';
import { abortAfter, deadline } from './deadline.js';

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

  it('fires many deadlines of one duration in the order they were set, skipping the disposed ones', async () => {
    const fired: number[] = [];
    const all = Array.from({ length: 5 }, (_, i) => {
      const d = deadline(15);
      d.signal.addEventListener('abort', () => fired.push(i));
      return d;
    });
    all[2].dispose();
    await new Promise((r) => all[4].signal.addEventListener('abort', r));
    expect(fired).toEqual([0, 1, 3, 4]);
    expect(all.map((d) => d.timedOut)).toEqual([true, true, false, true, true]);
    // A later one of the same duration is timed from when it was set.
    const late = deadline(15);
    await new Promise((r) => late.signal.addEventListener('abort', r));
    expect(late.timedOut).toBe(true);
  });

  it("shares a parent deadline that expires no later, its timeout counting as its own", async () => {
    const task = new AbortController();
    abortAfter(task, 20);
    const shared = deadline(60_000, task.signal, { shareParent: true });
    expect(shared.signal).toBe(task.signal);
    // A shorter one under it still needs its own timer; without the option, nothing is shared.
    expect(deadline(5, task.signal, { shareParent: true }).signal).not.toBe(task.signal);
    expect(deadline(60_000, task.signal).signal).not.toBe(task.signal);
    await new Promise((r) => task.signal.addEventListener('abort', r));
    expect(shared.timedOut).toBe(true);
    expect((task.signal.reason as DOMException).name).toBe('TimeoutError');
  });

  it('reports a parent that aborted for another reason as no timeout, shared or not', () => {
    const task = new AbortController();
    const timer = abortAfter(task, 60_000);
    const shared = deadline(60_000, task.signal, { shareParent: true });
    const own = deadline(1_000, task.signal, { shareParent: true });
    task.abort(new Error('shutdown'));
    timer.entry.cancel();
    expect([shared.signal.aborted, shared.timedOut, own.signal.aborted, own.timedOut]).toEqual([true, false, true, false]);
    own.dispose();
  });
});
