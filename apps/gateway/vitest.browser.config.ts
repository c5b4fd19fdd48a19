import { defineConfig } from 'vitest/config';
import base from './vitest.config.js';

/** The gateway's real-browser suite (`*.btest.ts`): needs the dashboard built (`npm run build`). */
export default defineConfig({
  ...base,
  test: { include: ['src/**/*.btest.ts'], testTimeout: 120_000, hookTimeout: 120_000, fileParallelism: false },
});
