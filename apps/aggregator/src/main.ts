import { loadConfigOrExit } from '@cityops/config';
import { closePorts, createLogger, exitOnStartupError, onShutdown, openPorts } from '@cityops/runtime';
import { Aggregator } from './aggregator.js';

const config = loadConfigOrExit();
const log = createLogger('aggregator', config.LOG_LEVEL);
try {
  const ports = await openPorts(config, 'aggregator');
  const aggregator = new Aggregator({
    bus: ports.bus,
    store: ports.store,
    group: config.AGGREGATOR_GROUP,
    allowedLatenessMs: config.ALLOWED_LATENESS_MS,
    log: (m) => log.warn(m),
  });
  await aggregator.start();
  log.info(`consuming as group ${config.AGGREGATOR_GROUP} (${ports.bus.kind} bus, ${ports.store.kind} store)`);
  onShutdown(log, async () => {
    await aggregator.stop();
    await closePorts(ports);
  });
} catch (err) {
  exitOnStartupError(log, err);
}
