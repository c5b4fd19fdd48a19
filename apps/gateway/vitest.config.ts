import { defineConfig } from 'vitest/config';
import { shared } from '../../packages/testkit/vitest.shared.js';

// vitest hands ssr.resolve.conditions to Node as --conditions; with "import" among them,
// engine.io's require('ws') gets ws's ESM wrapper, which has no `Server`, and no socket.io
// server can start in a test. Vite adds "import" to ESM imports by itself.
const conditions = ['source', 'module', 'node', 'default'];

export default defineConfig({ ...shared, ssr: { ...shared.ssr, resolve: { ...shared.ssr?.resolve, conditions } } });
