import { serveMetricsFromSettings } from '@cityops/metrics';
import { closePorts, loadCity, openPorts, runApp } from '@cityops/runtime';
import { Detector } from './detector.js';
import { RULES } from './rules/index.js';
import { loadSettings } from './settings.js';

await runApp('detector', async ({ config, log }) => {
  const running: { detector?: Detector } = {};
  const metrics = await serveMetricsFromSettings(config, log, () => healthOf(running.detector));
  const city = loadCity(config);
  const settings = loadSettings(RULES, config.CITY_PACK);
  const ports = await openPorts(config, 'detector');
  const detector = new Detector({
    bus: ports.bus,
    store: ports.store,
    pack: city.pack,
    index: city.index,
    settings,
    allowedLatenessMs: config.ALLOWED_LATENESS_MS,
    log: (m) => log.warn(m),
  });
  running.detector = detector;
  await detector.start();
  log.info(`detecting as groups detector and detector.rules (${ports.bus.kind} bus, ${ports.store.kind} store)`);
  return async () => {
    await detector.stop();
    await closePorts(ports);
    await metrics?.close();
  };
});

/** `/healthz` of the detector process: both stages' stream stats, the last error and whether they rebuild. */
function healthOf(detector: Detector | undefined) {
  if (!detector) return { ok: false, status: 'starting' };
  const { router, rules } = detector.stats;
  const recent = (e: { at: string } | null) => e !== null && Date.now() - Date.parse(e.at) < 60_000;
  const rebuilding = router.rebuilding + rules.rebuilding > 0;
  return {
    ok: true,
    status: rebuilding ? 'rebuilding' : recent(router.lastError) || recent(rules.lastError) ? 'degraded' : 'ok',
    stream: { router, rules },
  };
}
