import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AlertEvent } from '@cityops/schema';
import { afterAll, describe, expect, it } from 'vitest';
import { evaluate, report } from './evaluate.js';

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

const at = (min: number) => new Date(Date.parse('2025-06-02T09:00:00Z') + min * 60_000).toISOString();

async function scenario(feeds: string, seed: number, alerts: Array<AlertEvent | string>) {
  const dir = await mkdtemp(join(tmpdir(), 'cityops-eval-'));
  dirs.push(dir);
  await writeFile(join(dir, 'scenario.json'), JSON.stringify({ options: { seed, feeds } }));
  await writeFile(
    join(dir, 'ground-truth.json'),
    JSON.stringify({
      start: at(0),
      end: at(60),
      incidents: [
        {
          id: 'b1',
          type: 'road_blockage',
          place: { lon: 121.4, lat: 31.2, roadId: 'r1', districtId: 'sh-putuo' },
          start: at(10),
          end: at(30),
          details: { thresholdCrossedAt: at(20) },
        },
      ],
      decoys: [],
    }),
  );
  const file = join(dir, 'alerts.ndjson');
  await writeFile(file, alerts.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join('\n') + '\n');
  return { dir, file };
}

const raised = (min: number, roadSegmentId: string): AlertEvent => ({
  v: 1,
  eventId: `e-${roadSegmentId}-${min}`,
  alertId: `a-${roadSegmentId}-${min}`,
  seq: 1,
  type: 'road_blockage',
  state: 'raised',
  severity: 'major',
  place: { lon: 121.4, lat: 31.3, roadSegmentId, districtId: 'sh-putuo' },
  firstSignalAt: at(min - 10),
  detectedAt: at(min),
  evidence: [],
  evidenceCount: 0,
  subjects: [],
  departments: { assist: [] },
  summary: { zh: '占道', en: 'blockage' },
  metrics: {},
});

describe('evaluate + report (the eval:detect CLI without the detector)', () => {
  it('scores alert files per run, pools per feed mode, reports bad lines and judges each mode', async () => {
    const logs: string[] = [];
    const a = await scenario('realistic', 1, [raised(20.5, 'r1'), 'not json', '{"v":1}']);
    const b = await scenario('clean', 1, [raised(21, 'r1'), raised(40, 'r9')]);
    const runs = await evaluate([a.dir, b.dir], [a.file, b.file], { log: (l) => logs.push(l) });
    expect(logs).toHaveLength(1);
    expect(logs[0]).toMatch(/2 lines are not alert events \(first: line 2: not JSON\)/);
    expect(runs.map((r) => r.label)).toEqual(['realistic seed 1', 'clean seed 1']);
    const blockage = (i: number) => runs[i]!.byType.find((s) => s.type === 'road_blockage')!;
    expect(blockage(0)).toMatchObject({ found: 1, falseAlarms: 0, medianDelayS: 30 });
    expect(blockage(1)).toMatchObject({ found: 1, falseAlarms: 1, precision: 0.5 });
    const { text, misses } = report(runs);
    expect(text).toContain('| realistic (1 runs) | road_blockage | 1 | 1 | 1.00 | 1 | 0 (0) | 1.00 |');
    expect(text).toContain('| all (2) | road_blockage | 2 | 2 | 1.00 | 3 | 1 (0) | 0.67 |');
    expect(misses).toEqual(['clean: road_blockage: precision 0.50 < 0.9']);
  });
});
