import { loadConfigOrExit, type Config } from '@cityops/config';
import { createLogger, loggerOptionsFor, type Logger } from './log.js';
import { exitOnCrash, exitOnStartupError, onShutdown } from './shutdown.js';

/**
 * The frame of every app's main: load the config (exit 2 naming a bad variable, as plain text:
 * no logger exists before its level is known), make the logger that scrubs the config's secrets,
 * run `start`, and on SIGINT/SIGTERM run the stop function it returned. A start-up
 * failure is reported on one line with its code and exits 1; so is a crash later on.
 *
 * @example
 * await runApp('aggregator', async ({ config, log }) => {
 *   const aggregator = ...; await aggregator.start();
 *   return () => aggregator.stop();
 * });
 */
export async function runApp(
  name: string,
  start: (app: { config: Config; log: Logger }) => Promise<() => Promise<void>>,
): Promise<void> {
  const config = loadConfigOrExit();
  const log = createLogger(name, loggerOptionsFor(config));
  exitOnCrash(log);
  try {
    const stop = await start({ config, log });
    onShutdown(log, stop);
  } catch (err) {
    exitOnStartupError(log, err);
  }
}
