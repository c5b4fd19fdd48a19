import { expect } from 'vitest';
import { CityIndex, loadCityPack } from '@cityops/city';
import { eventually, uniqueName } from '@cityops/testkit';
import type { DeadLetter } from '@cityops/schema';
import { ScreenClient } from './screen-client.js';

export const API_KEY = 'e2e-test-key-0123456789abcdef';

/** Known places: People's Square, Xujiahui, Lujiazui, Songjiang university town. */
const PLACES: Array<[number, number]> = [
  [121.4737, 31.2304],
  [121.4365, 31.188],
  [121.5055, 31.2397],
  [121.21, 31.05],
];

export interface ScenarioResult {
  source: string;
  expectedByDistrict: Record<string, number>;
  screen: ScreenClient;
  deadLetterCodes: string[];
}

/**
 * The intake scenario both modes must pass: a known mix of valid, duplicate and broken events
 * through `POST /api/v1/events`; the answer counts exactly the valid ones; a socket.io screen
 * sees exactly those counts arrive, with `seq` rising by exactly 1; every broken event is
 * dead-lettered with its reason code.
 */
export async function runIntakeScenario(
  url: string,
  readDeadLetters: (source: string) => Promise<DeadLetter[]>,
  screenToken: string,
): Promise<ScenarioResult> {
  const index = new CityIndex(loadCityPack());
  const source = uniqueName('e2e').toLowerCase();
  const now = Date.now();
  const valid = Array.from({ length: 40 }, (_, i) => {
    const [lon, lat] = PLACES[i % PLACES.length]!;
    return {
      v: 1,
      id: `ok-${i}`,
      source,
      type: 'sensor.reading',
      eventTime: new Date(now - (i % 10) * 1000).toISOString(),
      location: { lon, lat },
      category: { kind: 'part', code: 'P.01.01' },
      payload: { sensorId: `s-${i}`, kind: 'water_level', value: 1.2, unit: 'm' },
    };
  });
  const expectedByDistrict: Record<string, number> = {};
  for (const e of valid) {
    const where = index.locate(e.location.lon, e.location.lat);
    if (!where.inside) throw new Error(`test place ${e.location.lon},${e.location.lat} is outside the city`);
    expectedByDistrict[where.districtId] = (expectedByDistrict[where.districtId] ?? 0) + 1;
  }
  const broken = [
    { ...valid[0], id: 'bad-schema', payload: { sensorId: 's', kind: 'water_level', value: 'high', unit: 'm' } },
    { ...valid[0], id: 'bad-future', eventTime: new Date(now + 3_600_000).toISOString() },
    { ...valid[0], id: 'bad-outside', location: { lon: 116.39, lat: 39.9 } },
    { ...valid[0], id: 'bad-version', v: 2 },
    { ...valid[0], id: 'bad-category', category: { kind: 'event', code: 'E.99.99' } },
  ];
  const duplicate = { ...valid[3] };

  const screen = new ScreenClient(url, screenToken);
  await eventually(() => (screen.state ? true : undefined), 15_000, 'the first snapshot');

  // without a key: 401, nothing accepted
  const denied = await fetch(new URL('/api/v1/events', url), { method: 'POST', body: JSON.stringify(valid) });
  expect(denied.status).toBe(401);

  const lines = [...valid, ...broken, duplicate].map((e) => JSON.stringify(e));
  lines.splice(7, 0, '{"this is": not json');
  const res = await fetch(new URL('/api/v1/events', url), {
    method: 'POST',
    headers: { 'content-type': 'application/x-ndjson', 'x-api-key': API_KEY },
    body: lines.join('\n'),
  });
  expect(res.status).toBe(202);
  const body = (await res.json()) as {
    accepted: number;
    duplicates: number;
    rejected: number;
    errors: Array<{ code: string; id?: string }>;
  };
  expect(body).toMatchObject({ accepted: 40, duplicates: 1, rejected: 6 });
  const byId = Object.fromEntries(body.errors.map((e) => [e.id ?? '(no id)', e.code]));
  expect(byId).toEqual({
    '(no id)': 'E_EVT_NOT_JSON',
    'bad-schema': 'E_EVT_SCHEMA',
    'bad-future': 'E_EVT_FUTURE_TIME',
    'bad-outside': 'E_EVT_OUTSIDE_CITY',
    'bad-version': 'E_EVT_UNSUPPORTED_VERSION',
    'bad-category': 'E_EVT_UNKNOWN_CATEGORY',
  });

  // a body over MAX_BODY_BYTES is 413, and the server keeps serving
  const huge = await fetch(new URL('/api/v1/events', url), {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': API_KEY },
    body: `[${'"x",'.repeat(40_000)}"x"]`,
  });
  expect(huge.status).toBe(413);

  await eventually(
    () => (screen.state?.bySource[source]?.m15 === 40 ? true : undefined),
    30_000,
    `40 events of ${source} on the screen`,
  );
  // and it stays exactly 40: nothing counted twice
  await new Promise((r) => setTimeout(r, 1500));
  expect(screen.state?.bySource[source]).toEqual({ m1: 40, m15: 40 });
  expect(screen.gaps).toEqual([]);

  const deadLetters = await eventually(
    async () => {
      const dl = await readDeadLetters(source);
      return dl.length >= 6 ? dl : undefined;
    },
    15_000,
    'six dead letters',
  );
  return { source, expectedByDistrict, screen, deadLetterCodes: deadLetters.map((d) => d.code).sort() };
}

export const EXPECTED_DEAD_LETTER_CODES = [
  'E_EVT_FUTURE_TIME',
  'E_EVT_NOT_JSON',
  'E_EVT_OUTSIDE_CITY',
  'E_EVT_SCHEMA',
  'E_EVT_UNKNOWN_CATEGORY',
  'E_EVT_UNSUPPORTED_VERSION',
];
