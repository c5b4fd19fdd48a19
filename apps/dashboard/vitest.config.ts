import { defineConfig } from 'vitest/config';
import { shared } from '../../packages/testkit/vitest.shared.js';

// Unit tests only: the feed state machine and the pure option builders run in Node, no DOM.
export default defineConfig(shared);
