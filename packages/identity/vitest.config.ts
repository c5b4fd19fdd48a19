import { defineConfig } from 'vitest/config';
import { shared } from '../testkit/vitest.shared.js';

// as in apps/gateway: with "import" among the conditions Node is given, CJS packages that
// require() a dual package (router → is-promise) get its ESM file and express breaks
const conditions = ['source', 'module', 'node', 'default'];

export default defineConfig({ ...shared, ssr: { ...shared.ssr, resolve: { ...shared.ssr?.resolve, conditions } } });
