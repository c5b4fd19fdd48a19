import { defineConfig } from 'vitest/config';
import { shared } from '../../packages/testkit/vitest.shared.js';

// Unit tests only: the pure queue / clock / label logic runs in Node, no DOM.
export default defineConfig(shared);
