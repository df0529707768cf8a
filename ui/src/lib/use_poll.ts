import { useEffect, useRef } from 'react';
import type { AsyncState } from './use_async.js';

/** How often the rules pages load their data again while they are on screen. */
export const POLL_INTERVAL_MS = 10_000;

/**
 * Loads `state` again every `intervalMs` while the page is visible, and at once when it becomes
 * visible again; never while its previous load is still running, so that requests do not pile up.
 */
export function usePoll(state: AsyncState<unknown>, intervalMs = POLL_INTERVAL_MS): void {
  const latest = useRef(state);
  latest.current = state;
  useEffect(() => {
    const tick = () => {
      if (document.visibilityState === 'visible' && !latest.current.loading) latest.current.reload();
    };
    const timer = window.setInterval(tick, intervalMs);
    document.addEventListener('visibilitychange', tick);
    return () => {
      window.clearInterval(timer);
      document.removeEventListener('visibilitychange', tick);
    };
  }, [intervalMs]);
}
