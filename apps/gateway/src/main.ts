import { KafkaBus } from '@cityops/bus';
import { closePorts, createIngestor, loadCity, openPorts, runApp } from '@cityops/runtime';
import { createGateway } from './gateway.js';
import { remoteAdapterHealth } from './routes/sources.js';
import { remoteDesk } from './desk-port.js';

await runApp('gateway', async ({ config, log }) => {
  const city = loadCity(config);
  const ports = await openPorts(config, 'gateway');
  // the alert desk runs in its own process: the gateway reads its store and sends it commands
  const desk = remoteDesk(ports.bus, ports.store);
  // replays (复盘) hold a partition's batch until its records are due: their own client reads every partition at once
  const replayBus =
    config.mode === 'distributed'
      ? await KafkaBus.connect({
          brokers: config.KAFKA_BROKERS!,
          clientId: `${config.KAFKA_CLIENT_ID}-gateway-replay`,
          partitionsConsumedConcurrently: 64,
        })
      : undefined;
  const gateway = createGateway({
    config,
    ...ports,
    pack: city.pack,
    ingestor: createIngestor(config, ports, city),
    // the adapters run in the ingest app (apps/ingest): their health is read from it
    sourceHealth: remoteAdapterHealth(config),
    desk,
    ...(replayBus ? { replayBus } : {}),
  });
  const url = await gateway.listen();
  if (config.INGEST_API_KEYS.length === 0)
    log.warn('INGEST_API_KEYS is not set: POST /api/v1/events answers 401 to everyone');
  // users live in Redis (REDIS_URL) or USERS_FILE; without any, every door but login answers 401
  if ((await gateway.identity.listUsers()).length === 0)
    log.warn(
      'no users yet: npm run user -- add <name> --role admin (password on stdin), and npm run user -- screen-token <name> for a wall',
    );
  console.log(`cityops ready: ${url}`);
  return async () => {
    await gateway.close();
    await desk.stop();
    await replayBus?.close();
    await closePorts(ports);
  };
});
