export {
  createLogger,
  loggerOptionsFor,
  prettyByDefault,
  REDACTED_PATHS,
  type Logger,
  type LoggerOptions,
  type Level,
} from './log.js';
export { busLoggerOf } from './bus-logger.js';
export { secretsOf } from './secrets.js';
export { closePorts, openPorts, type Ports } from './ports.js';
export { onShutdown, exitOnCrash, exitOnStartupError } from './shutdown.js';
export { loadCity, createIngestor, type City } from './city.js';
export { runApp } from './run-app.js';
