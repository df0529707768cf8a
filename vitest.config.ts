import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts', 'ui/src/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // expect.poll waits for what a browser or a background task does; 1 s (the default) is
    // too short on a loaded CI machine, and a passing poll returns as soon as it holds.
    expect: { poll: { timeout: 10_000 } },
  },
});
