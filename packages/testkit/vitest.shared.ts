import type { ViteUserConfig } from 'vitest/config';

/**
 * Vitest settings shared by every workspace. The `source` export condition makes
 * workspace packages resolve to their TypeScript sources, so tests never need a build.
 * Integration suites (`*.itest.ts`) talk to real Kafka and Redis and run in the same pass.
 */
export const shared: ViteUserConfig = {
  resolve: { conditions: ['source', 'import', 'module', 'node', 'default'] },
  ssr: { resolve: { conditions: ['source', 'import', 'module', 'node', 'default'], externalConditions: ['source'] } },
  test: {
    include: ['src/**/*.test.ts', 'src/**/*.itest.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
};
