import { defineConfig } from 'vitest/config';
import { shared } from '../../packages/testkit/vitest.shared.js';

// as in apps/gateway: with "import" among the conditions vitest hands Node, CommonJS packages that
// require() a dual package (express's router → is-promise) get its ESM file and fail at run time.
const conditions = ['source', 'module', 'node', 'default'];

export default defineConfig({ ...shared, ssr: { ...shared.ssr, resolve: { ...shared.ssr?.resolve, conditions } } });
