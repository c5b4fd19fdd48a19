import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { CityPack } from '@cityops/city';
import { SCENARIO_FILES, writeScenario, type ScenarioManifest } from './offline.js';
import { parseScenarioOptions } from './options.js';
import { defaultCity } from './test/fixture.js';

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

async function run(pack?: CityPack) {
  const dir = await mkdtemp(join(tmpdir(), 'cityops-sim-kpi-'));
  dirs.push(dir);
  const city = defaultCity();
  const options = parseScenarioOptions({
    seed: 5,
    hours: 3,
    sensors: 0,
    vehicles: 0,
    incidentsPerHour: 0,
    decoysPerHour: 0,
  });
  const { manifest } = await writeScenario({ options, outDir: dir, pack: pack ?? city.pack, index: city.index });
  const events = (await readFile(join(dir, SCENARIO_FILES.events), 'utf8'))
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Ev);
  return { manifest, events };
}

/** the test's own recount from the file: per ticket, times of its stages; deadlines (min) by urgency */
interface Ev {
  type: string;
  eventTime: string;
  category: { code: string };
  payload: { ticketId: string; stage: string; satisfied?: boolean };
}
function recount(events: Ev[], respond: (code: string) => number, resolve: (code: string) => number) {
  const tickets = new Map<string, { code: string; at: Record<string, number>; satisfied?: boolean }>();
  for (const e of events) {
    if (e.type !== 'hotline.ticket') continue;
    const t = tickets.get(e.payload.ticketId) ?? { code: e.category.code, at: {} };
    t.at[e.payload.stage] = Date.parse(e.eventTime);
    if (e.payload.stage === 'callback') t.satisfied = e.payload.satisfied;
    tickets.set(e.payload.ticketId, t);
  }
  const n = { received: 0, responded: 0, respondedLate: 0, resolved: 0, resolvedLate: 0, callbacks: 0, satisfied: 0 };
  for (const t of tickets.values()) {
    const r = t.at.received!;
    n.received++;
    if (t.at.responded !== undefined) {
      if (t.at.responded - r <= respond(t.code) * 60_000) n.responded++;
      else n.respondedLate++;
    }
    if (t.at.resolved !== undefined) {
      n.resolved++;
      if (t.at.resolved - r > resolve(t.code) * 60_000) n.resolvedLate++;
    }
    if (t.at.callback !== undefined) {
      n.callbacks++;
      if (t.satisfied) n.satisfied++;
    }
  }
  return n;
}

const counts = (h: ScenarioManifest['hotline']) => ({
  received: h.received,
  responded: h.responded,
  respondedLate: h.respondedLate,
  resolved: h.resolved,
  resolvedLate: h.resolvedLate,
  callbacks: h.callbacks,
  satisfied: h.satisfied,
});

describe("scenario.json's 接诉即办 tally", () => {
  it('is what the events file holds, with the pack deadlines (E.05 30/120 min, else 120/480)', async () => {
    const { manifest, events } = await run();
    const urgent = (c: string) => c.startsWith('E.05');
    const want = recount(
      events,
      (c) => (urgent(c) ? 30 : 120),
      (c) => (urgent(c) ? 120 : 480),
    );
    expect(counts(manifest.hotline)).toEqual(want);
    expect(manifest.hotline.received).toBeGreaterThan(500);
    expect(manifest.hotline.respondedLate).toBeGreaterThan(0);
    expect(manifest.hotline.responseRate).toBeCloseTo(want.responded / want.received, 12);
    expect(manifest.hotline.satisfactionRate).toBeCloseTo(want.satisfied / want.callbacks, 12);
  });

  it('follows the deadlines of the pack when it has its own', async () => {
    const pack: CityPack = { ...defaultCity().pack, hotlineDeadlines: { respondMinutes: 20, resolveMinutes: 60 } };
    const { manifest, events } = await run(pack);
    expect(counts(manifest.hotline)).toEqual(
      recount(
        events,
        () => 20,
        () => 60,
      ),
    );
  });
});
