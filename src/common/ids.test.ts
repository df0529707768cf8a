import { describe, expect, it } from 'vitest';
import { timeOrderedUuid } from './ids.js';

describe('timeOrderedUuid', () => {
  it('makes distinct version 7 UUIDs that sort by creation time across milliseconds', async () => {
    const first = Array.from({ length: 1000 }, timeOrderedUuid);
    await new Promise((resolve) => setTimeout(resolve, 5));
    const later = timeOrderedUuid();
    expect(new Set([...first, later]).size).toBe(1001);
    for (const id of [...first, later]) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(first.every((id) => id < later)).toBe(true);
    // The leading 48 bits are the time in milliseconds.
    const ms = parseInt(later.replace(/-/g, '').slice(0, 12), 16);
    expect(Math.abs(ms - Date.now())).toBeLessThan(1000);
  });
});
