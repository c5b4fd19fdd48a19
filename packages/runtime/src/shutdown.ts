import type { Logger } from './log.js';

/**
 * Runs `stop` once on SIGINT/SIGTERM, then exits 0 (or 1 if stopping failed). A second signal
 * while stopping exits at once, so Ctrl-C twice always ends the process.
 */
export function onShutdown(log: Logger, stop: () => Promise<void>): void {
  let stopping = false;
  const handler = (signal: NodeJS.Signals) => {
    if (stopping) process.exit(130);
    stopping = true;
    log.info(`${signal}: stopping`);
    const timer = setTimeout(() => {
      log.error('did not stop within 10 s; exiting');
      process.exit(1);
    }, 10_000);
    timer.unref();
    stop().then(
      () => process.exit(0),
      (err: unknown) => {
        log.error(`stopping failed: ${String(err)}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  // started by the launcher with an IPC channel: if the launcher dies, don't live on as an orphan
  if (process.send) process.on('disconnect', () => handler('SIGTERM'));
}

/** For an app's main: report a start-up failure in one record (its code as a field too) and exit non-zero. */
export function exitOnStartupError(log: Logger, err: unknown): never {
  const code =
    typeof err === 'object' && err !== null && 'code' in err ? String((err as { code: unknown }).code) : undefined;
  const message = err instanceof Error ? err.message : String(err);
  log.error(`start-up failed${code ? ` [${code}]` : ''}: ${message}`, code ? { code } : undefined);
  process.exit(1);
}

/**
 * For an app's main: an uncaught exception or unhandled rejection is reported through the logger
 * (so as one record, with the config's secrets scrubbed, not as Node's raw stack on stderr) and
 * exits 1, as Node would.
 */
export function exitOnCrash(log: Logger): void {
  const crash = (what: string) => (err: unknown) => {
    log.error(`${what}: ${err instanceof Error ? err.message : String(err)}`, { err });
    process.exit(1);
  };
  process.on('uncaughtException', crash('crashed (uncaught exception)'));
  process.on('unhandledRejection', crash('crashed (unhandled rejection)'));
}
