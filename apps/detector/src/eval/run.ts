import { createReadStream, createWriteStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import type { CityIndex } from '@cityops/city';
import { type CityPack } from '@cityops/city';
import { parseAlertEvent, parseCityEvent, type AlertEvent, type CityEvent } from '@cityops/schema';
import { detectOffline } from '../offline.js';
import type { GroundTruth } from './score.js';

/** Files of a scenario directory (as the simulator writes them). */
export const EVENTS_FILE = 'events.ndjson';
export const TRUTH_FILE = 'ground-truth.json';

export async function readTruth(dir: string): Promise<GroundTruth> {
  const truth = JSON.parse(await readFile(join(dir, TRUTH_FILE), 'utf8')) as GroundTruth;
  if (!truth || !Array.isArray(truth.incidents) || typeof truth.start !== 'string' || typeof truth.end !== 'string')
    throw new Error(`${join(dir, TRUTH_FILE)}: not a ground truth (start, end, incidents[])`);
  return truth;
}

/**
 * The scenario's events as ingest would put them on `city.events.v1`: parsed by the canonical
 * schema and located on the pack (grid, community, street, district). What ingest would reject
 * is left out and counted by code in `rejected`.
 */
export async function* scenarioEvents(
  file: string,
  index: CityIndex,
  rejected: Record<string, number>,
): AsyncIterable<CityEvent> {
  const lines = createInterface({ input: createReadStream(file), crlfDelay: Infinity });
  for await (const line of lines) {
    if (!line) continue;
    let raw: unknown;
    try {
      raw = JSON.parse(line);
    } catch {
      rejected.E_EVT_JSON = (rejected.E_EVT_JSON ?? 0) + 1;
      continue;
    }
    const parsed = parseCityEvent(raw);
    if (!parsed.ok) {
      rejected[parsed.code] = (rejected[parsed.code] ?? 0) + 1;
      continue;
    }
    const e = parsed.event;
    const where = index.locate(e.location.lon, e.location.lat);
    if (!where.inside) {
      rejected.E_EVT_OUTSIDE_CITY = (rejected.E_EVT_OUTSIDE_CITY ?? 0) + 1;
      continue;
    }
    e.location.gridId = where.gridId;
    e.location.communityId = where.communityId;
    e.location.streetId = where.streetId;
    e.location.districtId = where.districtId;
    yield e;
  }
}

export interface DetectRun {
  alerts: AlertEvent[];
  events: number;
  rejected: Record<string, number>;
  dropped: Record<string, number>;
  seconds: number;
}

/** Runs the offline detector over DIR/events.ndjson; optionally writes the alert events as NDJSON. */
export async function detectDir(dir: string, pack: CityPack, index: CityIndex, saveTo?: string): Promise<DetectRun> {
  const rejected: Record<string, number> = {};
  const dropped: Record<string, number> = {};
  let events = 0;
  const counted = async function* (src: AsyncIterable<CityEvent>): AsyncIterable<CityEvent> {
    for await (const e of src) {
      events++;
      yield e;
    }
  };
  const t0 = performance.now();
  const alerts: AlertEvent[] = [];
  const out = saveTo ? createWriteStream(saveTo) : undefined;
  for await (const a of detectOffline(counted(scenarioEvents(join(dir, EVENTS_FILE), index, rejected)), {
    pack,
    dropped,
  })) {
    alerts.push(a);
    if (out && !out.write(JSON.stringify(a) + '\n')) await once(out, 'drain');
  }
  if (out) {
    out.end();
    await once(out, 'finish');
  }
  return { alerts, events, rejected, dropped, seconds: (performance.now() - t0) / 1000 };
}

/** Reads alert events from an NDJSON file; lines that are not alert events are counted, not fatal. */
export async function readAlerts(file: string): Promise<{ alerts: AlertEvent[]; bad: number; firstBad?: string }> {
  const alerts: AlertEvent[] = [];
  let bad = 0;
  let firstBad: string | undefined;
  const lines = createInterface({ input: createReadStream(file), crlfDelay: Infinity });
  let n = 0;
  for await (const line of lines) {
    n++;
    if (!line.trim()) continue;
    let raw: unknown;
    try {
      raw = JSON.parse(line);
    } catch {
      bad++;
      firstBad ??= `line ${n}: not JSON`;
      continue;
    }
    const r = parseAlertEvent(raw);
    if (r.ok) alerts.push(r.alert);
    else {
      bad++;
      firstBad ??= `line ${n}: ${r.reason}`;
    }
  }
  return { alerts, bad, ...(firstBad ? { firstBad } : {}) };
}
