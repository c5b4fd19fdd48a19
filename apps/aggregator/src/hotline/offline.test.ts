import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CityIndex, loadCityPack } from '@cityops/city';
import { FIXTURE_EXPECTED, fixtureEvents } from '@cityops/hotline-kpis';
import type { HotlineKpis, HotlineRankings } from '@cityops/schema';
import { computeOffline } from './offline.js';

const dir = mkdtempSync(join(tmpdir(), 'kpis-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = join(dir, 'events.ndjson');
writeFileSync(
  file,
  [...fixtureEvents().map((e) => JSON.stringify(e)), '', 'not json', JSON.stringify({ v: 1, id: 'x' })].join('\n') +
    '\n',
);

describe('npm run kpis (offline)', () => {
  it('prints the hand-computed figures of the ticket set, from a file, skipping what is not an event', async () => {
    const r = await computeOffline(['--in', file, '--level', 'street', '--month', '2025-06']);
    const k = r.output as HotlineKpis;
    expect(k.level).toBe('street');
    expect(Object.fromEntries(k.areas.map((a) => [a.id, a.received]))).toEqual({ S1: 3, S2: 3, S3: 3 });
    expect(k.areas.find((a) => a.id === 'S2')).toMatchObject({
      ...FIXTURE_EXPECTED.june.street.S2,
      responseRate: 2 / 3,
    });
    expect(r.skipped).toEqual({ E_EVT_NOT_JSON: 1, E_EVT_SCHEMA: 1 });
    expect(r.tickets).toBe(11);
  });

  it('defaults to the month of the last event; --period rolling-24h; --rankings', async () => {
    const july = (await computeOffline(['--in', file, '--level', 'city'])).output as HotlineKpis;
    expect(july.period).toBe('2025-07');
    expect(july.areas[0]!.received).toBe(1);
    const rolling = (await computeOffline(['--in', file, '--level', 'city', '--period', 'rolling-24h']))
      .output as HotlineKpis;
    expect(rolling.areas[0]).toMatchObject(FIXTURE_EXPECTED.rolling.city.sh);
    const r = (
      await computeOffline([
        '--in',
        file,
        '--level',
        'street',
        '--month',
        '2025-06',
        '--rankings',
        '--min-received',
        '3',
      ])
    ).output as HotlineRankings;
    expect(r.red.map((x) => x.area.id)).toEqual(FIXTURE_EXPECTED.rankings.red);
  });

  it('places events that carry only a position (a raw export, a simulator file) as ingest would, by the pack', async () => {
    const pack = loadCityPack();
    const where = new CityIndex(pack).locate(121.4737, 31.2304);
    if (!where.inside) throw new Error('the default pack does not cover the test point');
    const at = (min: number) => new Date(Date.parse('2025-06-02T02:00:00Z') + min * 60_000).toISOString();
    const ticket = (id: string, stage: string, min: number, lon = 121.4737, lat = 31.2304) =>
      JSON.stringify({
        v: 1,
        id: `${id}-${stage}`,
        source: 'hotline-12345',
        type: 'hotline.ticket',
        eventTime: at(min),
        location: { lon, lat },
        category: { kind: 'event', code: 'E.01.01' },
        payload: { ticketId: id, stage },
      });
    const raw = join(dir, 'raw.ndjson');
    writeFileSync(
      raw,
      [
        ticket('R1', 'received', 0),
        ticket('R1', 'responded', 30),
        ticket('R2', 'received', 5),
        ticket('R3', 'received', 6, 150, 10),
      ].join('\n') + '\n',
    );
    const district = (await computeOffline(['--in', raw, '--level', 'district'])).output as HotlineKpis;
    expect(district.areas.map((a) => [a.id, a.received, a.responded])).toEqual([[where.districtId, 2, 1]]);
    const street = (await computeOffline(['--in', raw, '--level', 'street'])).output as HotlineKpis;
    expect(street.areas.map((a) => a.id)).toEqual([where.streetId]);
    const r = await computeOffline(['--in', raw, '--level', 'city']);
    // a ticket outside the city is refused as ingest refuses it, and named
    expect(r.skipped).toEqual({ E_EVT_OUTSIDE_CITY: 1 });
    expect((r.output as HotlineKpis).areas[0]!.received).toBe(2);
  });

  it('refuses bad arguments, naming them', async () => {
    await expect(computeOffline(['--in', file, '--level', 'grid'])).rejects.toThrow(/--level/);
    await expect(computeOffline(['--in', file, '--level', 'city', '--month', '2025-13'])).rejects.toThrow(/YYYY-MM/);
    await expect(computeOffline(['--level', 'city'])).rejects.toThrow(/--in/);
  });
});
