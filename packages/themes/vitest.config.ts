import { defineConfig } from 'vitest/config';
import { shared } from '../testkit/vitest.shared.js';

export default defineConfig(shared);
