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

describe('CityIndex borders and coverage', () => {
  it('locates the centre of every grid cell to that cell', () => {
    const wrong = pack.grids.filter((g) => {
      const ring = g.geometry.type === 'Polygon' ? g.geometry.coordinates[0]! : g.geometry.coordinates[0]![0]!;
      const cx = (ring[0]![0] + ring[2]![0]) / 2;
      const cy = (ring[0]![1] + ring[2]![1]) / 2;
      const r = idx.locate(cx, cy);
      return !r.inside || r.gridId !== g.id;
    });
    expect(wrong.map((g) => g.id)).toEqual([]);
  });

  it('gives a point on the edge shared by two cells to exactly the east one (half-open cells)', () => {
    const cell = pack.grids.find((g) => g.id === (idx.locate(121.4737, 31.2304) as { gridId: string }).gridId)!;
    const ring = cell.geometry.coordinates[0] as [number, number][];
    const east = Math.max(...ring.map((p) => p[0]));
    const midY = (Math.min(...ring.map((p) => p[1])) + Math.max(...ring.map((p) => p[1]))) / 2;
    const onEdge = idx.locate(east, midY);
    const justEast = idx.locate(east + 1e-9, midY);
    expect(onEdge.inside && justEast.inside).toBe(true);
    expect(onEdge).toEqual(justEast);
    expect(onEdge).not.toEqual(idx.locate(east - 1e-9, midY));
  });

  it('puts a point just across the Huangpu–Pudong border on each side', () => {
    // the Huangpu river is the border near the Bund: Lujiazui is in Pudong
    const r = idx.locate(121.505, 31.24);
    expect(r.inside && r.districtId).toBe('sh-pudong');
    const bund = idx.locate(121.49, 31.24);
    expect(bund.inside && bund.districtId).toBe('sh-huangpu');
  });
});
