import { randomFillSync } from 'node:crypto';
import { v7 } from 'uuid';

// uuid draws 16 bytes from crypto.getRandomValues for every id, which costs more than the rest
// of an enqueue; random bytes are drawn here 4 KiB at a time instead.
const pool = new Uint8Array(4096);
let offset = pool.length;

function pooledRandom(): Uint8Array {
  if (offset + 16 > pool.length) {
    randomFillSync(pool);
    offset = 0;
  }
  offset += 16;
  return pool.subarray(offset - 16, offset);
}

/**
 * A version 7 UUID: it begins with the time in milliseconds, so rows keyed by it (tasks, event
 * log) are added at the end of their indexes instead of at random places in them.
 */
export function timeOrderedUuid(): string {
  return v7({ rng: pooledRandom });
}
