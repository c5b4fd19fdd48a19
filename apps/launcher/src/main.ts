import { loadConfigOrExit } from '@cityops/config';
import { createLogger, exitOnStartupError } from '@cityops/runtime';
import { runDistributed } from './distributed.js';
import { runEmbedded } from './embedded.js';

const config = loadConfigOrExit();
const log = createLogger('cityops', config.LOG_LEVEL);
try {
  if (config.mode === 'distributed') await runDistributed(config, log);
  else await runEmbedded(config, log);
} catch (err) {
  exitOnStartupError(log, err);
}
