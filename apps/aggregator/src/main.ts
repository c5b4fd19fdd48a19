import { closePorts, openPorts, runApp } from '@cityops/runtime';
import { Aggregator } from './aggregator.js';

await runApp('aggregator', async ({ config, log }) => {
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
  return async () => {
    await aggregator.stop();
    await closePorts(ports);
  };
});
