/** Scoring scenario directories: the library behind `eval:detect` and `eval:detect:suite`. */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CityIndex, loadCityPack } from '@cityops/city';
import { detectDir, readAlerts, readTruth } from './run.js';
import { poolScores, scoreAlerts, scoreTable, targetMisses, TARGETS, type TypeScore } from './score.js';

export interface RunScore {
  dir: string;
  label: string;
  feeds: string;
  byType: TypeScore[];
  unscored: Record<string, number>;
  events?: number;
  seconds?: number;
  rejected?: Record<string, number>;
}

async function labelOf(dir: string): Promise<{ label: string; feeds: string }> {
  try {
    const m = JSON.parse(await readFile(join(dir, 'scenario.json'), 'utf8')) as {
      options?: { seed?: number; feeds?: string };
    };
    const feeds = m.options?.feeds ?? 'clean';
    return { label: `${feeds} seed ${m.options?.seed ?? '?'}`, feeds };
  } catch {
    return { label: dir, feeds: '?' };
  }
}

/** Scores each directory (running the detector unless alert files are given). */
export async function evaluate(
  dirs: readonly string[],
  alertFiles: readonly string[] = [],
  opts: { saveAlerts?: boolean; log?: (line: string) => void } = {},
): Promise<RunScore[]> {
  const log = opts.log ?? (() => undefined);
  let city: { pack: ReturnType<typeof loadCityPack>; index: CityIndex } | undefined;
  const runs: RunScore[] = [];
  for (const [i, dir] of dirs.entries()) {
    const truth = await readTruth(dir);
    const { label, feeds } = await labelOf(dir);
    const file = alertFiles[i];
    if (file) {
      const { alerts, bad, firstBad } = await readAlerts(file);
      if (bad) log(`${file}: ${bad} lines are not alert events (first: ${firstBad})`);
      const r = scoreAlerts(truth, alerts);
      runs.push({ dir, label, feeds, byType: r.byType, unscored: r.unscored });
      continue;
    }
    city ??= (() => {
      const pack = loadCityPack();
      return { pack, index: new CityIndex(pack) };
    })();
    const d = await detectDir(dir, city.pack, city.index, opts.saveAlerts ? join(dir, 'alerts.ndjson') : undefined);
    log(
      `${label}: detected over ${d.events} events in ${d.seconds.toFixed(1)} s (${Math.round(d.events / d.seconds)} events/s), ${d.alerts.length} alert events` +
        (Object.keys(d.rejected).length ? `, rejected as ingest would: ${JSON.stringify(d.rejected)}` : '') +
        (Object.keys(d.dropped).length ? `, dropped: ${JSON.stringify(d.dropped)}` : ''),
    );
    const r = scoreAlerts(truth, d.alerts);
    runs.push({
      dir,
      label,
      feeds,
      byType: r.byType,
      unscored: r.unscored,
      events: d.events,
      seconds: d.seconds,
      rejected: d.rejected,
    });
  }
  return runs;
}

/** Pooled scores per type over the given runs. */
export function pooled(runs: readonly RunScore[]): TypeScore[] {
  const types = runs[0]?.byType.map((s) => s.type) ?? [];
  return types.map((t) => poolScores(runs.map((r) => r.byType.find((s) => s.type === t)!)));
}

/** The tables: per run, per feed mode (when more than one run has it), and all runs pooled. */
export function report(runs: readonly RunScore[]): { text: string; misses: string[] } {
  const parts: string[] = [];
  const rows = runs.flatMap((r) => r.byType.map((score) => ({ label: r.label, score })));
  parts.push('Per run:\n\n' + scoreTable(rows));
  const modes = [...new Set(runs.map((r) => r.feeds))];
  const poolRows: Array<{ label: string; score: TypeScore }> = [];
  if (runs.length > 1) {
    for (const m of modes) {
      const of = runs.filter((r) => r.feeds === m);
      if (of.length > 1 || modes.length > 1)
        for (const score of pooled(of)) poolRows.push({ label: `${m} (${of.length} runs)`, score });
    }
  }
  const all = pooled(runs);
  if (modes.length > 1) for (const score of all) poolRows.push({ label: `all (${runs.length})`, score });
  if (poolRows.length) parts.push('Pooled:\n\n' + scoreTable(poolRows));
  const unscored: Record<string, number> = {};
  for (const r of runs) for (const [k, v] of Object.entries(r.unscored)) unscored[k] = (unscored[k] ?? 0) + v;
  if (Object.keys(unscored).length)
    parts.push(`Alerts of types without ground truth (not scored): ${JSON.stringify(unscored)}`);
  parts.push(
    'Targets: ' +
      Object.entries(TARGETS)
        .map(
          ([t, x]) =>
            `${t} recall ≥ ${x.recall}, precision ≥ ${x.precision}${x.medianDelayS !== undefined ? `, median delay ≤ ${x.medianDelayS} s` : ''}`,
        )
        .join('; '),
  );
  // judged per feed mode: a realistic miss must not hide behind clean runs
  const misses = modes.flatMap((m) =>
    pooled(runs.filter((r) => r.feeds === m)).flatMap((s) => targetMisses(s).map((x) => `${m}: ${x}`)),
  );
  return { text: parts.join('\n\n'), misses };
}
