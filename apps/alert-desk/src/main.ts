import { loadCityPack } from '@cityops/city';
import { serveMetricsFromSettings } from '@cityops/metrics';
import { closePorts, openPorts, runApp } from '@cityops/runtime';
import { AlertDesk, deadlinesOf, departmentsOf } from './desk.js';

/** The alert desk as its own process (distributed mode): the intake and desk stages, the clock, /metrics and /healthz. */
await runApp('alert-desk', async ({ config, log }) => {
  const running: { desk?: AlertDesk } = {};
  const metrics = await serveMetricsFromSettings(config, log, () => healthOf(running.desk));
  const pack = loadCityPack(config.CITY_PACK);
  const ports = await openPorts(config, 'alert-desk');
  const desk = new AlertDesk({
    bus: ports.bus,
    store: ports.store,
    departments: departmentsOf(pack.departments),
    deadlines: deadlinesOf(pack.deadlines),
    log: (m) => log.warn(m),
  });
  running.desk = desk;
  await desk.start();
  log.info(`alert desk consuming as group ${desk.group} (${ports.bus.kind} bus, ${ports.store.kind} store)`);
  return async () => {
    await desk.stop();
    await closePorts(ports);
    await metrics?.close();
  };
});

function healthOf(desk: AlertDesk | undefined) {
  if (!desk) return { ok: false, status: 'starting' };
  const { intake, desk: fold } = desk.stats;
  const errors = [intake.lastError, fold.lastError].filter((e) => e !== null && Date.now() - Date.parse(e.at) < 60_000);
  const rebuilding = intake.rebuilding + fold.rebuilding > 0;
  return { ok: true, status: rebuilding ? 'rebuilding' : errors.length ? 'degraded' : 'ok', intake, desk: fold };
}
