export { createLogger, type Logger, type Level } from './log.js';
export { closePorts, openPorts, type Ports } from './ports.js';
export { onShutdown, exitOnStartupError } from './shutdown.js';
export { loadCity, createIngestor, type City } from './city.js';
export { runApp } from './run-app.js';
