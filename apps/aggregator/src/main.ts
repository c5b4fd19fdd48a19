import { serveMetricsFromSettings } from '@cityops/metrics';
import { closePorts, loadCity, openPorts, runApp } from '@cityops/runtime';
import { Aggregator } from './aggregator.js';
import { HotlineKpiStages, openHotlineStores } from './hotline/index.js';

await runApp('aggregator', async ({ config, log }) => {
  // the metrics server starts first and reports on the aggregator once it exists
  const running: { aggregator?: Aggregator; hotline?: HotlineKpiStages } = {};
  const metrics = await serveMetricsFromSettings(config, log, () => healthOf(running.aggregator, running.hotline));
  const ports = await openPorts(config, 'aggregator');
  const city = loadCity(config);
  const aggregator = new Aggregator({
    bus: ports.bus,
    store: ports.store,
    group: config.AGGREGATOR_GROUP,
    allowedLatenessMs: config.ALLOWED_LATENESS_MS,
    knownSources: config.KNOWN_SOURCES,
    // the vital signs by theme (issue 11) need the pack's roads, loading zones and time zone
    city,
    log: (m) => log.warn(m),
  });
  running.aggregator = aggregator;
  await aggregator.start();
  // 接诉即办 KPIs (issue 11): a router and two keyed stages, in groups named after the aggregator's
  const hotlineStores = openHotlineStores(config);
  const hotline = new HotlineKpiStages({
    bus: ports.bus,
    store: ports.store,
    stores: hotlineStores,
    pack: city.pack,
    group: config.AGGREGATOR_GROUP,
    log: (m) => log.warn(m),
  });
  running.hotline = hotline;
  await hotline.start();
  log.info(`consuming as group ${config.AGGREGATOR_GROUP} (${ports.bus.kind} bus, ${ports.store.kind} store)`);
  return async () => {
    await hotline.stop();
    await aggregator.stop();
    await Promise.all([hotlineStores.month.close(), hotlineStores.rolling.close()]);
    await closePorts(ports);
    await metrics?.close();
  };
});

/**
 * `/healthz` of the aggregator process: its stream stats, with the last error and whether it is
 * rebuilding; the hotline KPI stages' stats under `hotline` and the themes stages' under `themes`
 * (their rebuilding and errors count too).
 */
function healthOf(aggregator: Aggregator | undefined, hotline: HotlineKpiStages | undefined) {
  if (!aggregator) return { ok: false, status: 'starting' };
  const s = aggregator.stats;
  const themes = aggregator.themes?.stats;
  const h = [...(hotline ? Object.values(hotline.stats) : []), ...(themes ? [themes.events, themes.vans] : [])];
  const recent = (e: { at: string } | null) => e !== null && Date.now() - Date.parse(e.at) < 60_000;
  const rebuilding = s.rebuilding > 0 || h.some((x) => x.rebuilding > 0);
  const recentError = recent(s.lastError) || h.some((x) => recent(x.lastError));
  return {
    ok: true,
    status: rebuilding ? 'rebuilding' : recentError ? 'degraded' : 'ok',
    stream: s,
    ...(hotline ? { hotline: hotline.stats } : {}),
    ...(themes ? { themes } : {}),
  };
}
