import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { CityPack } from '@cityops/city';
import type { BaselineSeed } from './baseline.js';
import { areaValues, byArea } from './read.js';
import { SequentialThemes } from './sequential.js';
import { localMinuteOfDay } from './time.js';

/** the seed shipped for a pack id, if any (`packages/themes/seed/<pack id>.json`) */
export function shippedSeed(packId: string): BaselineSeed | undefined {
  const path = fileURLToPath(new URL(`../seed/${encodeURIComponent(packId)}.json`, import.meta.url));
  if (!existsSync(path)) return undefined;
  const seed = JSON.parse(readFileSync(path, 'utf8')) as BaselineSeed;
  return seed.packId === packId ? seed : undefined;
}

interface Acc {
  n: number;
  sum: number;
  sumSq: number;
}

/**
 * Builds a baseline seed from an events stream (the simulator's day): the folds run over it in
 * order, and every `sampleEveryMs` of event time the figures of the city and each district are
 * sampled; each hour of the local day gets the mean and standard deviation of its samples.
 */
export async function seedFromEvents(
  lines: AsyncIterable<string>,
  pack: CityPack,
  o: { sampleEveryMs?: number; batch?: number; generatedFrom: string },
): Promise<{ seed: BaselineSeed; events: number; samples: number }> {
  const seq = new SequentialThemes(pack);
  const every = o.sampleEveryMs ?? 5 * 60_000;
  const acc = new Map<string, Acc[]>();
  const tz = pack.meta.timeZone;
  let nextSample: number | null = null;
  let events = 0;
  let samples = 0;
  let batch: string[] = [];
  const sample = (at: number) => {
    const areas = byArea(Object.fromEntries(seq.gauges));
    const city = areas.get('c');
    const hour = Math.floor(localMinuteOfDay(at, tz) / 60);
    const take = (area: string, gaugeKey: string) => {
      for (const [key, v] of Object.entries(areaValues(areas.get(gaugeKey), { asOf: at, timeZone: tz, city }))) {
        const id = `${area}|${key}`;
        let hours = acc.get(id);
        if (!hours) acc.set(id, (hours = Array.from({ length: 24 }, () => ({ n: 0, sum: 0, sumSq: 0 }))));
        const a = hours[hour]!;
        a.n++;
        a.sum += v;
        a.sumSq += v * v;
      }
    };
    take('city', 'c');
    for (const d of pack.districts) take(d.id, `d:${d.id}`);
    samples++;
  };
  const flush = () => {
    seq.push(batch);
    batch = [];
    const w = seq.watermark;
    if (w === null) return;
    if (nextSample === null) nextSample = Math.ceil(w / every) * every + every; // skip the warm-up
    while (w >= nextSample) {
      sample(nextSample);
      nextSample += every;
    }
  };
  for await (const line of lines) {
    if (line.trim() === '') continue;
    batch.push(seq.located(line));
    events++;
    if (batch.length >= (o.batch ?? 2000)) flush();
  }
  if (batch.length) flush();
  const round = (x: number) => Number(x.toPrecision(4));
  const hours: BaselineSeed['hours'] = {};
  for (const [id, list] of acc) {
    const bar = id.indexOf('|');
    const area = id.slice(0, bar);
    const key = id.slice(bar + 1);
    (hours[area] ??= {})[key] = list.map((a) => {
      if (a.n === 0) return null;
      const mean = a.sum / a.n;
      return [round(mean), round(Math.sqrt(Math.max(0, a.sumSq / a.n - mean * mean)))];
    });
  }
  return { seed: { packId: pack.meta.id, generatedFrom: o.generatedFrom, hours }, events, samples };
}
