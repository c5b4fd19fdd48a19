import { defineConfig } from 'vitest/config';
import { shared } from '../testkit/vitest.shared.js';

export default defineConfig({
  ...shared,
  test: { ...shared.test, benchmark: { include: ['src/**/*.bench.ts'] } },
});
