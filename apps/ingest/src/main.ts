import { closePorts, createIngestor, loadCity, openPorts, runApp } from '@cityops/runtime';
import { createAdapterHost } from './host.js';
import { createIngestApp } from './ingest-app.js';

await runApp('ingest', async ({ config, log }) => {
  const city = loadCity(config);
  const ports = await openPorts(config, 'ingest');
  const ingestor = createIngestor(config, ports, city);
  const host = createAdapterHost({ config, ports, city, ingestor, log });
  const app = createIngestApp({ config, host, ports });
  const url = await app.listen();
  await host.start();
  if (config.INGEST_API_KEYS.length === 0)
    log.warn('INGEST_API_KEYS is not set: every /api/v1/ingest route answers 401');
  log.info(`ingest ready: ${url}/api/v1/ingest (${ports.bus.kind} bus, ${ports.store.kind} store)`);
  return async () => {
    await app.close();
    await host.stop();
    await closePorts(ports);
  };
});
