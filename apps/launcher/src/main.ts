import { runApp } from '@cityops/runtime';
import { runDistributed } from './distributed.js';
import { runEmbedded } from './embedded.js';

await runApp('cityops', ({ config, log }) =>
  config.mode === 'distributed' ? runDistributed(config, log) : runEmbedded(config, log),
);
