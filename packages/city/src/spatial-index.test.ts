import { beforeAll, describe, expect, it } from 'vitest';
import { loadCityPack } from './load.js';
import { CityIndex } from './spatial-index.js';
import type { CityPack } from './types.js';

let pack: CityPack;
let idx: CityIndex;
beforeAll(() => {
  pack = loadCityPack();
  idx = new CityIndex(pack);
});

describe('CityIndex.locate on the default pack', () => {
  it("puts People's Square in Huangpu with its full grid chain", () => {
    const r = idx.locate(121.4737, 31.2304);
    expect(r.inside).toBe(true);
    if (!r.inside) return;
    expect(r.districtId).toBe('sh-huangpu');
    expect(r.streetId.startsWith('sh-huangpu-s')).toBe(true);
    expect(r.communityId.startsWith(`${r.streetId}-c`)).toBe(true);
    const cell = pack.grids.find((g) => g.id === r.gridId);
    expect(cell?.parentId).toBe(r.communityId);
  });

  it('puts Songjiang university town in Songjiang', () => {
    const r = idx.locate(121.21, 31.05);
    expect(r.inside && r.districtId).toBe('sh-songjiang');
  });

  it('answers inside:false for the East China Sea and for Kunshan in Jiangsu', () => {
    expect(idx.locate(122.5, 31.0)).toEqual({ inside: false });
    expect(idx.locate(120.95, 31.38)).toEqual({ inside: false });
  });

  it('answers inside:false for nonsense coordinates instead of throwing', () => {
    expect(idx.locate(Number.NaN, 31)).toEqual({ inside: false });
    expect(idx.locate(0, 0)).toEqual({ inside: false });
  });
});

describe('CityIndex roads and loading zones', () => {
  it('finds a road near the centre and none far out at sea', () => {
    const near = idx.nearestRoad(121.4737, 31.2304, 500);
    expect(near).not.toBeNull();
    expect(near!.distanceMeters).toBeLessThanOrEqual(500);
    expect(pack.roads.some((r) => r.id === near!.roadId)).toBe(true);
    expect(idx.nearestRoad(123.5, 31.0, 500)).toBeNull();
  });

  it('finds the loading zone around its own centre and none in the middle of a cell', () => {
    const z = pack.loadingZones[0]!;
    const ring = z.geometry.coordinates[0]!;
    const cx = ring.slice(0, 4).reduce((s, p) => s + p[0], 0) / 4;
    const cy = ring.slice(0, 4).reduce((s, p) => s + p[1], 0) / 4;
    expect(idx.inLoadingZone(cx, cy)).toBe(z.id);
    expect(idx.inLoadingZone(122.5, 31.0)).toBeNull();
  });
});
