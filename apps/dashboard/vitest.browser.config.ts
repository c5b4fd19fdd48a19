import { defineConfig } from 'vitest/config';

/**
 * The real-browser suite: starts the launcher in embedded mode and drives Debian's Chromium
 * through playwright-core. Slow and needs a build, so it has its own suffix and script.
 */
export default defineConfig({
  test: {
    include: ['src/**/*.btest.ts'],
    environment: 'node',
    testTimeout: 120_000,
    hookTimeout: 120_000,
    fileParallelism: false,
  },
});
