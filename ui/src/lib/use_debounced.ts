import { useEffect, useState } from 'react';

/** The value once it has stayed the same (by `key`) for `ms`: what a live preview loads while the user types. */
export function useDebounced<T>(value: T, ms: number, key: (value: T) => string = (v) => JSON.stringify(v)): T {
  const [settled, setSettled] = useState(value);
  const current = key(value);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(value), ms);
    return () => clearTimeout(timer);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [current, ms]);
  return settled;
}
