import { isDark } from './time.js';

/** area key of the gauges: `c` = the city, `d:<id>`, `st:<id>` */
export type AreaKey = string;

const r2 = (x: number) => Math.round(x * 100) / 100;

/** Splits `area|measure` gauges by area. */
export function byArea(gauges: Record<string, number>): Map<AreaKey, Map<string, number>> {
  const out = new Map<AreaKey, Map<string, number>>();
  for (const [field, n] of Object.entries(gauges)) {
    const bar = field.indexOf('|');
    if (bar <= 0) continue;
    const area = field.slice(0, bar);
    let m = out.get(area);
    if (!m) out.set(area, (m = new Map()));
    m.set(field.slice(bar + 1), n);
  }
  return out;
}

function maxBin(m: Map<string, number>, prefix: string): number | undefined {
  let max: number | undefined;
  for (const [k, n] of m)
    if (n > 0 && k.startsWith(prefix)) {
      const b = Number(k.slice(prefix.length));
      if (max === undefined || b > max) max = b;
    }
  return max;
}

export interface ValuesOptions {
  /** event time the figures are at */
  asOf: number;
  timeZone: string;
  /** the city's gauges: a feed that is alive somewhere makes an area's 0 a true 0 */
  city: Map<string, number> | undefined;
}

/**
 * One area's figures from its gauges (metric id or `id:qualifier` -> value), rounded for the
 * screens: shares and ratios to 2 decimals, means and maxima in whole units, counts whole. A figure with nothing to
 * say is absent, never 0.
 */
export function areaValues(m: Map<string, number> | undefined, o: ValuesOptions): Record<string, number> {
  const g = (k: string) => m?.get(k) ?? 0;
  const city = (k: string) => o.city?.get(k) ?? 0;
  const v: Record<string, number> = {};
  // traffic, by road class and over all classes (the sums of the classes)
  let tn = 0;
  let ti = 0;
  let tc = 0;
  for (const [k, n] of m ?? []) {
    if (!k.startsWith('ts.n:') || n <= 0) continue;
    const q = k.slice(5);
    tn += n;
    ti += g(`ts.i:${q}`);
    tc += g(`ts.c:${q}`);
    v[`traffic.speedIndex:${q}`] = r2(g(`ts.i:${q}`) / 1000 / n);
    v[`traffic.congestedShare:${q}`] = r2(g(`ts.c:${q}`) / n);
  }
  if (tn > 0) {
    v['traffic.speedIndex'] = r2(ti / 1000 / tn);
    v['traffic.congestedShare'] = r2(tc / tn);
  }
  if (g('wl.n') > 0) {
    const max = maxBin(m!, 'wl.b:');
    if (max !== undefined) v['water.maxLevelCm'] = max;
    v['water.gaugesAboveAlarm'] = g('wl.a');
  }
  if (g('sl.n') > 0 && isDark(o.asOf, o.timeZone)) v['lighting.outShare'] = r2(g('sl.o') / g('sl.n'));
  if (g('pm.n') > 0) {
    v['environment.pm25Mean'] = Math.round(g('pm.s') / 10 / g('pm.n'));
    const max = maxBin(m!, 'pm.b:');
    if (max !== undefined) v['environment.pm25Max'] = max;
    v['environment.pm25OverShare'] = r2(g('pm.o') / g('pm.n'));
  }
  if (g('ns.n') > 0) {
    v['environment.noiseMean'] = Math.round(g('ns.s') / 10 / g('ns.n'));
    const max = maxBin(m!, 'ns.b:');
    if (max !== undefined) v['environment.noiseMax'] = max;
    v['environment.noiseOverShare'] = r2(g('ns.o') / g('ns.n'));
  }
  // logistics: an area without vans reads 0 only while the city has vans at all
  if (city('lg.v') > 0) {
    v['logistics.vansActive'] = g('lg.v');
    v['logistics.carriagewayStopsPerHour'] = g('lg.cw') * 4;
    const stops = g('lg.cw') + g('lg.lz');
    if (stops > 0) v['logistics.loadingZoneShare'] = r2(g('lg.lz') / stops);
    if (g('lg.pf') > 0) v['logistics.parcelsDelivered'] = g('lg.pd');
  }
  let known = 0;
  let reporting = 0;
  for (const [k, n] of m ?? []) {
    if (!k.startsWith('dv.k:') || n <= 0) continue;
    const q = k.slice(5);
    known += n;
    reporting += g(`dv.r:${q}`);
    v[`devices.reportingShare:${q}`] = r2(g(`dv.r:${q}`) / n);
  }
  if (known > 0) v['devices.reportingShare'] = r2(reporting / known);
  if (city('hl.r') > 0 || city('hl.o') > 0) {
    v['hotline.received'] = g('hl.r');
    v['hotline.open'] = g('hl.o');
    v['hotline.overdue'] = g('hl.x');
  }
  return v;
}
