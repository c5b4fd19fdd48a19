import type { AreaGeometry, CityPack } from '@cityops/city';
import type { SimPlace } from './live.js';

/** The centre of every grid cell, with its district: where simulated events happen. */
export function placesOf(pack: CityPack): SimPlace[] {
  const districtOfStreet = new Map(pack.streets.map((s) => [s.id, s.parentId]));
  const streetOfCommunity = new Map(pack.communities.map((c) => [c.id, c.parentId]));
  return pack.grids.map((g) => {
    const [lon, lat] = centreOf(g.geometry);
    return { lon, lat, districtId: districtOfStreet.get(streetOfCommunity.get(g.parentId) ?? '') ?? '' };
  });
}

/** The mean of the outer ring's vertices: inside for the small convex cells of a grid. */
function centreOf(geometry: AreaGeometry): [number, number] {
  const ring = geometry.type === 'Polygon' ? geometry.coordinates[0]! : geometry.coordinates[0]![0]!;
  const pts = ring.slice(0, -1);
  return [pts.reduce((s, p) => s + p[0], 0) / pts.length, pts.reduce((s, p) => s + p[1], 0) / pts.length];
}
