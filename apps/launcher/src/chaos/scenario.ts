import { spawnSync } from 'node:child_process';
import { createReadStream, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { CityIndex, categoryIndex, loadCityPack } from '@cityops/city';
import { parseCityEvent } from '@cityops/schema';
import { SCENARIO_FILES, type ScenarioManifest } from '@cityops/simulator';
import { repoRoot } from '@cityops/testkit';
import { bucketOf, fieldsOf, TOTAL_FIELD } from '@cityops/vitals';

/** Counters by bucket start, then by field: the shape the store's buckets have. */
export type Buckets = Map<number, Map<string, number>>;

/** Writes a scenario with the built simulator CLI (`simulate --seed --hours --out`), unless it is there already. */
export function writeScenario(dir: string, seed: number, hours: number): ScenarioManifest {
  const manifestFile = join(dir, SCENARIO_FILES.scenario);
  if (!existsSync(manifestFile)) {
    const cli = join(repoRoot, 'apps', 'simulator', 'dist', 'cli.js');
    const r = spawnSync(
      process.execPath,
      [cli, 'simulate', '--seed', String(seed), '--hours', String(hours), '--out', dir],
      { encoding: 'utf8' },
    );
    if (r.status !== 0) throw new Error(`simulate failed (${r.status}):\n${r.stderr}`);
  }
  return JSON.parse(readFileSync(manifestFile, 'utf8')) as ScenarioManifest;
}

/**
 * The event time the replay stamps on an event of scenario time `t`, for a replay whose clock
 * started at `anchor` and plays `speed` scenario ms per wall ms: `replayScenario` computes
 * `due = wall0 + (t - start) / speed` and stamps `Math.floor(due)` (it never sends an event
 * before `due - 200 ms` and stamps at most `now + 200 ms`, so the stamp is `due` itself). It is
 * not exported by the simulator, so it is written out here with the same float operations, and
 * the chaos producer checks every event it posts against it (a change in the replay shows up as
 * a loud error there, not as a wrong count here).
 */
export function replayStamp(t: number, scenarioStart: number, anchor: number, speed: number): number {
  const due = anchor + (t - scenarioStart) / speed;
  return Math.floor(due);
}

export interface Expected {
  buckets: Buckets;
  /** events the ingest would accept: the number the wall must count */
  total: number;
  /** events of the file the ingest would reject, by reason (expected: none) */
  excluded: Record<string, number>;
}

/**
 * The vital signs a run must end with, from the scenario file alone: each event's replay stamp,
 * its grid chain as ingest resolves it (the default city pack, the gateway's), and the fields
 * and bucket the aggregator counts it under (`@cityops/vitals`). Events ingest would reject
 * (schema, unknown category, outside the city) are left out and counted in `excluded`.
 */
export async function expectedVitals(dir: string, anchor: number, speed: number): Promise<Expected> {
  const manifest = JSON.parse(readFileSync(join(dir, SCENARIO_FILES.scenario), 'utf8')) as ScenarioManifest;
  const start = Date.parse(manifest.start);
  const pack = loadCityPack();
  const index = new CityIndex(pack);
  const categories = categoryIndex(pack.taxonomy);
  const buckets: Buckets = new Map();
  const excluded: Record<string, number> = {};
  let total = 0;
  const lines = createInterface({ input: createReadStream(join(dir, SCENARIO_FILES.events)), crlfDelay: Infinity });
  for await (const line of lines) {
    if (!line) continue;
    const parsed = parseCityEvent(JSON.parse(line));
    if (!parsed.ok) {
      excluded[parsed.code] = (excluded[parsed.code] ?? 0) + 1;
      continue;
    }
    const e = parsed.event;
    if (!categories.has(e.category.code)) {
      excluded.E_EVT_UNKNOWN_CATEGORY = (excluded.E_EVT_UNKNOWN_CATEGORY ?? 0) + 1;
      continue;
    }
    const where = index.locate(e.location.lon, e.location.lat);
    if (!where.inside) {
      excluded.E_EVT_OUTSIDE_CITY = (excluded.E_EVT_OUTSIDE_CITY ?? 0) + 1;
      continue;
    }
    const bucket = bucketOf(replayStamp(Date.parse(e.eventTime), start, anchor, speed));
    const counters = buckets.get(bucket) ?? new Map<string, number>();
    buckets.set(bucket, counters);
    for (const f of fieldsOf({
      source: e.source,
      type: e.type,
      districtId: where.districtId,
      streetId: where.streetId,
    }))
      counters.set(f, (counters.get(f) ?? 0) + 1);
    total++;
  }
  return { buckets, total, excluded };
}

export interface Comparison {
  expectedTotal: number;
  countedTotal: number;
  /** per bucket, what the `total` counter lacks (summed) */
  missing: number;
  /** per bucket, what the `total` counter has too much (summed) */
  extra: number;
  /** the first (bucket, field) that differs, in bucket then field order, if any */
  firstDiff?: { bucket: number; field: string; expected: number; actual: number };
  /** how many (bucket, field) counters differ */
  differing: number;
}

/**
 * Compares the run's buckets with the expected ones, every field, exactly. Only buckets at or
 * after `fromBucket` belong to this run (earlier runs on the same topic were stamped earlier);
 * a counter there that the scenario does not explain is a difference too.
 */
export function compareVitals(
  expected: Buckets,
  actual: Map<number, Record<string, number>>,
  fromBucket: number,
): Comparison {
  const keys = new Set<number>(expected.keys());
  for (const b of actual.keys()) if (b >= fromBucket) keys.add(b);
  const out: Comparison = { expectedTotal: 0, countedTotal: 0, missing: 0, extra: 0, differing: 0 };
  for (const bucket of [...keys].sort((x, y) => x - y)) {
    const exp = expected.get(bucket) ?? new Map<string, number>();
    const act = actual.get(bucket) ?? {};
    const fields = new Set<string>([...exp.keys(), ...Object.keys(act)]);
    for (const field of [...fields].sort()) {
      const e = exp.get(field) ?? 0;
      const a = act[field] ?? 0;
      if (field === TOTAL_FIELD) {
        out.expectedTotal += e;
        out.countedTotal += a;
        if (a < e) out.missing += e - a;
        if (a > e) out.extra += a - e;
      }
      if (a !== e) {
        out.differing++;
        out.firstDiff ??= { bucket, field, expected: e, actual: a };
      }
    }
  }
  return out;
}
