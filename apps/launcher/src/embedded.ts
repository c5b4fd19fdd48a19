import { Aggregator, HotlineKpiStages, openHotlineStores } from '@cityops/aggregator';
import { Detector } from '@cityops/detector';
import { AlertDesk, deadlinesOf, departmentsOf } from '@cityops/alert-desk';
import type { Config } from '@cityops/config';
import { createGateway } from '@cityops/gateway';
import { openIdentity, prepareFirstStart } from '@cityops/identity';
import { sourceAuthorizer } from '@cityops/ingest';
import { createAdapterHost } from '@cityops/ingest-app';
import { closePorts, createIngestor, loadCity, openPorts, type Logger } from '@cityops/runtime';
import { simulateCity } from '@cityops/simulator';

/**
 * Embedded mode: every app in this one process, on the in-process bus and the memory store.
 * The same classes as in distributed mode; only the two ports differ. Returns the stop function.
 */
export async function runEmbedded(config: Config, log: Logger): Promise<() => Promise<void>> {
  const city = loadCity(config);
  const ports = await openPorts(config, 'embedded');
  const ingestor = createIngestor(config, ports, city);
  const aggregator = new Aggregator({
    ...ports,
    group: config.AGGREGATOR_GROUP,
    allowedLatenessMs: config.ALLOWED_LATENESS_MS,
    knownSources: config.KNOWN_SOURCES,
    // the vital signs by theme (issue 11): two more stages on the same ports
    city,
    log: (m) => log.warn(m),
  });
  await aggregator.start();
  // 接诉即办 KPIs (issue 11): the hotline stages, with stores whose buckets live as long as months need
  const hotlineStores = openHotlineStores(config);
  const hotline = new HotlineKpiStages({
    ...ports,
    stores: hotlineStores,
    pack: city.pack,
    group: config.AGGREGATOR_GROUP,
    log: (m) => log.warn(m),
  });
  await hotline.start();
  // the detector (issue 9): rules in event time over city.events.v1, alerts on city.alerts.v1
  const detector = new Detector({
    ...ports,
    pack: city.pack,
    index: city.index,
    allowedLatenessMs: config.ALLOWED_LATENESS_MS,
    log: (m) => log.warn(m),
  });
  await detector.start();
  // the alert desk (issue 10): cases, deadlines and the audit trail, on the same two ports
  const desk = new AlertDesk({
    ...ports,
    departments: departmentsOf(city.pack.departments),
    deadlines: deadlinesOf(city.pack.deadlines),
    log: (m) => log.warn(m),
  });
  await desk.start();
  // the adapters (issue 8) in this process: their routes on the gateway's port under /api/v1/ingest
  const host = createAdapterHost({ config, ports, city, ingestor, log });
  // users in USERS_FILE (default .cityops/users.json); the first start creates admin with a one-time password
  const identity = openIdentity(config);
  const first = await prepareFirstStart(identity);
  const gateway = createGateway({
    config,
    ...ports,
    identity,
    pack: city.pack,
    ingestor,
    components: () => ({ aggregator: aggregator.stats }),
    hotlineStores,
    // the alerts API, the cases channel and /console read and command this desk
    desk,
    sourceHealth: () => host.health(),
    ingestRouter: host.httpRouter({
      maxBodyBytes: config.MAX_BODY_BYTES,
      maxItems: config.MAX_ITEMS_PER_REQUEST,
      authorize: sourceAuthorizer(config.INGEST_API_KEYS),
    }),
  });
  const url = await gateway.listen();
  await host.start();
  const sim = config.SIMULATOR ? simulateCity(config, city, ingestor, log) : undefined;

  log.info(
    `embedded mode: ${city.pack.meta.name} (${city.pack.districts.length} districts, ${city.pack.grids.length} grid cells), simulator ${sim ? `on (a day in ${config.SIM_DAY_MINUTES} min)` : 'off'}`,
  );
  if (config.INGEST_API_KEYS.length === 0)
    log.info('POST /api/v1/events is closed: set INGEST_API_KEYS to accept events');
  // the terminal only, never the log: the admin's one-time password, and the wall's URL with a screen token
  if (first.adminPassword)
    console.log(
      `first start: user admin, one-time password ${first.adminPassword} (shown once; change it: npm run user -- passwd admin)`,
    );
  console.log(`cityops ready: ${url}?token=${first.screenToken}`);

  return async () => {
    await sim?.stop();
    await gateway.close();
    await identity.close();
    await host.stop();
    await desk.stop();
    await detector.stop();
    await hotline.stop();
    await aggregator.stop();
    await Promise.all([hotlineStores.month.close(), hotlineStores.rolling.close()]);
    await closePorts(ports);
  };
}
