import { defineConfig } from 'vitest/config';

/** The real-browser suite: starts the launcher in embedded mode and drives Chromium (playwright-core). */
export default defineConfig({
  resolve: { conditions: ['source'] },
  test: {
    include: ['src/**/*.btest.ts'],
    environment: 'node',
    testTimeout: 180_000,
    hookTimeout: 180_000,
    fileParallelism: false,
  },
});
