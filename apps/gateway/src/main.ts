import { loadConfigOrExit } from '@cityops/config';
import {
  closePorts,
  createIngestor,
  createLogger,
  exitOnStartupError,
  loadCity,
  onShutdown,
  openPorts,
} from '@cityops/runtime';
import { createGateway } from './gateway.js';

const config = loadConfigOrExit();
const log = createLogger('gateway', config.LOG_LEVEL);
try {
  const city = loadCity(config);
  const ports = await openPorts(config, 'gateway');
  const gateway = createGateway({ config, ...ports, pack: city.pack, ingestor: createIngestor(config, ports, city) });
  const url = await gateway.listen();
  if (config.INGEST_API_KEYS.length === 0)
    log.warn('INGEST_API_KEYS is not set: POST /api/v1/events answers 401 to everyone');
  console.log(`cityops ready: ${url}`);
  onShutdown(log, async () => {
    await gateway.close();
    await closePorts(ports);
  });
} catch (err) {
  exitOnStartupError(log, err);
}
