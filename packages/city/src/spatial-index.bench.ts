import { bench, describe } from 'vitest';
import { loadCityPack } from './load.js';
import { CityIndex } from './spatial-index.js';
import { geometryBBox, pointInGeometry } from './geometry.js';
import { mulberry32 } from './prng.js';

/**
 * locate() against two references measured in the same run: a linear scan over every grid cell
 * (bbox test, then point-in-polygon: what you would write without an index) and a single
 * point-in-polygon test against one real district outline (Pudong, 384 vertices). Run with
 * `npx vitest bench`; vitest prints the ratios between the entries of each group.
 */
const pack = loadCityPack();
const index = new CityIndex(pack);
const rand = mulberry32(42);
// points over the city's bounding box, so some fall outside (sea, Jiangsu, Zhejiang)
const N = 4096;
const pts = Float64Array.from({ length: 2 * N }, (_, i) =>
  i % 2 === 0 ? 120.85 + rand() * 1.17 : 30.67 + rand() * 1.2,
);
const boxes = pack.grids.map((g) => geometryBBox(g.geometry));
const pudong = pack.districts.find((d) => d.id === 'sh-pudong')!.geometry;
let k = 0;
let sink = 0;

describe('locate a point', () => {
  bench('CityIndex.locate', () => {
    const i = (k = (k + 1) & (N - 1)) * 2;
    if (index.locate(pts[i]!, pts[i + 1]!).inside) sink++;
  });

  bench('reference: linear scan over all grid cells', () => {
    const i = (k = (k + 1) & (N - 1)) * 2;
    const x = pts[i]!;
    const y = pts[i + 1]!;
    for (let c = 0; c < boxes.length; c++) {
      const b = boxes[c]!;
      if (x < b[0] || y < b[1] || x >= b[2] || y >= b[3]) continue;
      if (pointInGeometry(x, y, pack.grids[c]!.geometry)) {
        sink++;
        break;
      }
    }
  });

  bench('reference: one point-in-polygon on the Pudong outline', () => {
    const i = (k = (k + 1) & (N - 1)) * 2;
    if (pointInGeometry(pts[i]!, pts[i + 1]!, pudong)) sink++;
  });
});

describe('roads and loading zones', () => {
  bench('CityIndex.nearestRoad (200 m)', () => {
    const i = (k = (k + 1) & (N - 1)) * 2;
    if (index.nearestRoad(pts[i]!, pts[i + 1]!, 200)) sink++;
  });
  bench('CityIndex.inLoadingZone', () => {
    const i = (k = (k + 1) & (N - 1)) * 2;
    if (index.inLoadingZone(pts[i]!, pts[i + 1]!)) sink++;
  });
});

export const _keep = (): number => sink;
