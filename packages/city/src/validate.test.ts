import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CityopsError } from '@cityops/schema';
import { generateShanghaiPack } from './generate.js';
import { loadCityPack, writePackFiles } from './load.js';
import type { PackFiles } from './pack-files.js';
import { featureOf, tinyPack } from './test-fixtures.js';
import { areasOverlap, parsePack } from './validate.js';

function rejects(files: PackFiles): CityopsError {
  try {
    parsePack(files);
  } catch (err) {
    expect(err).toBeInstanceOf(CityopsError);
    expect((err as CityopsError).code).toBe('E_PACK_INVALID');
    return err as CityopsError;
  }
  throw new Error('pack was accepted');
}

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('parsePack accepts a good pack', () => {
  it('builds the hierarchy, roads, zones, departments and taxonomy of the tiny fixture', () => {
    const pack = parsePack(tinyPack());
    expect(pack.districts.map((d) => d.id)).toEqual(['d1']);
    expect(pack.grids.map((g) => [g.id, g.parentId, g.level])).toContainEqual(['g3', 'c2', 'grid']);
    expect(pack.roads[0]).toMatchObject({ id: 'r1', roadClass: 'secondary', speedLimitKmh: 40 });
    expect(pack.loadingZones[0]).toMatchObject({ id: 'z1', roadId: 'r1', capacity: 2 });
    expect(pack.departments).toHaveLength(2);
  });

  it('reads the same pack back from a directory on disk', () => {
    const dir = mkdtempSync(join(tmpdir(), 'citypack-'));
    dirs.push(dir);
    writePackFiles(dir, tinyPack());
    expect(loadCityPack(dir)).toEqual(parsePack(tinyPack()));
  });
});

describe('whistle deadlines (pack.json `deadlines`)', () => {
  it('are read from the pack, level by level; a pack without them has none (the desk uses its defaults)', () => {
    expect(parsePack(tinyPack()).deadlines).toBeUndefined();
    const f = tinyPack();
    (f.pack as Record<string, unknown>).deadlines = { onSiteMinutes: { emergency: 20 }, ackMinutes: { critical: 3 } };
    expect(parsePack(f).deadlines).toEqual({ onSiteMinutes: { emergency: 20 }, ackMinutes: { critical: 3 } });
  });

  it('a bad deadline stops loading, naming it', () => {
    const f = tinyPack();
    (f.pack as Record<string, unknown>).deadlines = { onSiteMinutes: { emergency: -5 } };
    expect(rejects(f).message).toContain('deadlines.onSiteMinutes.emergency');
    const g = tinyPack();
    (g.pack as Record<string, unknown>).deadlines = { onSiteMinutes: { urgent: 10 } };
    expect(rejects(g).message).toContain('urgent');
  });
});

describe('hotline deadlines (pack.json `hotlineDeadlines`)', () => {
  it('are read from the pack; a pack without them has none (packages/hotline-kpis has the defaults)', () => {
    expect(parsePack(tinyPack()).hotlineDeadlines).toBeUndefined();
    const f = tinyPack();
    const d = {
      respondMinutes: 60,
      resolveMinutes: 240,
      byCategory: [{ prefix: 'E.05', respondMinutes: 20, resolveMinutes: 90 }],
    };
    (f.pack as Record<string, unknown>).hotlineDeadlines = d;
    expect(parsePack(f).hotlineDeadlines).toEqual(d);
  });

  it('a bad one stops loading, naming it', () => {
    const f = tinyPack();
    (f.pack as Record<string, unknown>).hotlineDeadlines = { respondMinutes: 0, resolveMinutes: 480 };
    expect(rejects(f).message).toContain('hotlineDeadlines.respondMinutes');
    const g = tinyPack();
    (g.pack as Record<string, unknown>).hotlineDeadlines = {
      respondMinutes: 120,
      resolveMinutes: 480,
      byCategory: [{ prefix: 'urgent', respondMinutes: 30, resolveMinutes: 120 }],
    };
    expect(rejects(g).message).toContain('hotlineDeadlines.byCategory.0.prefix');
  });

  it('the default pack has respond 120 / resolve 480 min, E.05 30 / 120 min', () => {
    expect(loadCityPack().hotlineDeadlines).toEqual({
      respondMinutes: 120,
      resolveMinutes: 480,
      byCategory: [{ prefix: 'E.05', respondMinutes: 30, resolveMinutes: 120 }],
    });
  });
});

describe('parsePack rejects a broken pack, naming the file and the feature', () => {
  it('rejects an unclosed ring', () => {
    const f = tinyPack();
    const ring = (featureOf(f, 'grids', 'g2').geometry.coordinates as number[][][])[0]!;
    ring[ring.length - 1] = [0.0123, 0];
    expect(rejects(f).message).toBe(
      'grids.geojson: feature "g2": ring 0 is not closed (first and last positions differ)',
    );
  });

  it('rejects a ring with too few points', () => {
    const f = tinyPack();
    featureOf(f, 'communities', 'c1').geometry.coordinates = [
      [
        [0, 0],
        [0.02, 0],
        [0, 0],
      ],
    ];
    expect(rejects(f).message).toBe('communities.geojson: feature "c1": ring 0 has 3 positions, needs at least 4');
  });

  it('rejects a NaN coordinate', () => {
    const f = tinyPack();
    (featureOf(f, 'streets', 's2').geometry.coordinates as number[][][])[0]![1] = [Number.NaN, 0];
    expect(rejects(f).message).toBe('streets.geojson: feature "s2": ring 0 position 1 has a non-finite coordinate');
  });

  it('rejects a null coordinate, which is what NaN becomes in a JSON file', () => {
    const f = tinyPack();
    (featureOf(f, 'districts', 'd1').geometry.coordinates as unknown[][])[0]![2] = [null, 0];
    expect(rejects(f).message).toBe('districts.geojson: feature "d1": ring 0 position 2 is not a [lon, lat] pair');
  });

  it('rejects an unknown parent', () => {
    const f = tinyPack();
    featureOf(f, 'grids', 'g4').properties['parentId'] = 'c9';
    expect(rejects(f).message).toBe('grids.geojson: feature "g4": unknown parent "c9" (no such community)');
  });

  it('rejects a duplicate id, also across levels', () => {
    const f = tinyPack();
    featureOf(f, 'grids', 'g4').properties['id'] = 'g3';
    expect(rejects(f).message).toBe('grids.geojson: feature "g3": duplicate id (already used in grids.geojson)');
    const g = tinyPack();
    featureOf(g, 'grids', 'g4').properties['id'] = 's1';
    expect(rejects(g).message).toBe('grids.geojson: feature "s1": duplicate id (already used in streets.geojson)');
  });

  it('rejects overlapping grid cells', () => {
    const f = tinyPack();
    featureOf(f, 'grids', 'g2').geometry.coordinates = [
      [
        [0.005, 0],
        [0.015, 0],
        [0.015, 0.01],
        [0.005, 0.01],
        [0.005, 0],
      ],
    ];
    expect(rejects(f).message).toBe('grids.geojson: feature "g2": overlaps grid cell "g1"');
  });

  it('rejects a cell stacked exactly on another', () => {
    const f = tinyPack();
    featureOf(f, 'grids', 'g2').geometry.coordinates = featureOf(f, 'grids', 'g1').geometry.coordinates;
    expect(rejects(f).message).toBe('grids.geojson: feature "g2": overlaps grid cell "g1"');
  });

  it('rejects a district with no cells (missing coverage)', () => {
    const f = tinyPack();
    const d = (f.districts as { features: unknown[] }).features;
    d.push(JSON.parse(JSON.stringify(d[0])));
    featureOf(f, 'districts', 'd1').properties['id'] = 'd2';
    expect(rejects(f).message).toBe(
      'districts.geojson: feature "d2": has no streets and so no grid cells (missing coverage)',
    );
  });

  it('rejects a community with no cells', () => {
    const f = tinyPack();
    featureOf(f, 'grids', 'g3').properties['parentId'] = 'c1';
    featureOf(f, 'grids', 'g4').properties['parentId'] = 'c1';
    expect(rejects(f).message).toBe('communities.geojson: feature "c2": has no grid cells (missing coverage)');
  });

  it("rejects an unknown category code in a department's responsibilities", () => {
    const f = tinyPack();
    (f.pack as { departments: { responsibilities: { code: string }[] }[] }).departments[1]!.responsibilities[0]!.code =
      'E.07.01';
    expect(rejects(f).message).toBe('pack.json: department "dept-cg": unknown category code "E.07.01"');
  });

  it('rejects two lead departments for one category (一门主责)', () => {
    const f = tinyPack();
    (
      f.pack as { departments: { responsibilities: { code: string; role: string }[] }[] }
    ).departments[1]!.responsibilities.push({ code: 'E.06.02', role: 'lead' });
    expect(rejects(f).message).toBe(
      'pack.json: department "dept-cg": category "E.06.02" already has lead department "dept-tp"',
    );
  });

  it('rejects a zod shape error with the feature id and the field', () => {
    const f = tinyPack();
    featureOf(f, 'roads', 'r1').properties['roadClass'] = 'motorway';
    expect(rejects(f).message).toMatch(/^roads\.geojson: feature "r1": properties\.roadClass: Invalid option/);
  });

  it('rejects a road in an unknown district and a zone on an unknown road', () => {
    const f = tinyPack();
    featureOf(f, 'roads', 'r1').properties['districtId'] = 'dX';
    expect(rejects(f).message).toBe('roads.geojson: feature "r1": unknown district "dX"');
    const g = tinyPack();
    featureOf(g, 'loadingZones', 'z1').properties['roadId'] = 'rX';
    expect(rejects(g).message).toBe('loading-zones.geojson: feature "z1": unknown road "rX"');
  });

  it('rejects an unknown format version', () => {
    const f = tinyPack();
    (f.pack as { formatVersion: number }).formatVersion = 2;
    expect(rejects(f).message).toBe('pack.json: unsupported formatVersion 2 (this reader knows 1)');
  });

  it('rejects a taxonomy small class filed under the wrong large class', () => {
    const f = tinyPack();
    (f.pack as { taxonomy: { classes: { small: { code: string }[] }[] } }).taxonomy.classes[1]!.small[0]!.code =
      'P.03.01';
    expect(rejects(f).message).toBe('pack.json: taxonomy: small class "P.03.01" is not under its large class "P.02"');
  });

  it('names the file when a pack directory misses one or holds broken JSON', () => {
    const dir = mkdtempSync(join(tmpdir(), 'citypack-'));
    dirs.push(dir);
    writePackFiles(dir, tinyPack());
    writeFileSync(join(dir, 'roads.geojson'), '{"type":');
    expect(() => loadCityPack(dir)).toThrow(/^roads\.geojson: not valid JSON/);
    rmSync(join(dir, 'grids.geojson'));
    expect(() => loadCityPack(dir)).toThrow(`grids.geojson: missing from pack directory ${dir}`);
  });
});

describe('areasOverlap', () => {
  const sq = (x: number, y: number, s: number) => ({
    type: 'Polygon' as const,
    coordinates: [
      [
        [x, y],
        [x + s, y],
        [x + s, y + s],
        [x, y + s],
        [x, y],
      ] as [number, number][],
    ],
  });
  it('does not count a shared edge or corner as an overlap', () => {
    expect(areasOverlap(sq(0, 0, 1), sq(1, 0, 1))).toBe(false);
    expect(areasOverlap(sq(0, 0, 1), sq(1, 1, 1))).toBe(false);
  });
  it('counts crossing, nesting and identical shapes as overlaps', () => {
    expect(areasOverlap(sq(0, 0, 1), sq(0.5, 0.5, 1))).toBe(true);
    expect(areasOverlap(sq(0, 0, 3), sq(1, 1, 1))).toBe(true);
    expect(areasOverlap(sq(0, 0, 1), sq(0, 0, 1))).toBe(true);
  });
});

describe('the default pack on disk', () => {
  it('writes to a directory and loads back equal to the in-memory pack', () => {
    const dir = mkdtempSync(join(tmpdir(), 'citypack-sh-'));
    dirs.push(dir);
    writePackFiles(dir, generateShanghaiPack(), loadCityPack().mappings);
    expect(loadCityPack(dir)).toEqual(loadCityPack());
  });
});
