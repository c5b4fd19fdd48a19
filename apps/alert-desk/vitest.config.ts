import { defineConfig } from 'vitest/config';
import { shared } from '../../packages/testkit/vitest.shared.js';

export default defineConfig(shared);
