import { bboxCenter, type CityPack } from '@cityops/city';
import type { SimPlace } from './live.js';

/** The centre of every grid cell, with its district: where simulated events happen. */
export function placesOf(pack: CityPack): SimPlace[] {
  const districtOfStreet = new Map(pack.streets.map((s) => [s.id, s.parentId]));
  const streetOfCommunity = new Map(pack.communities.map((c) => [c.id, c.parentId]));
  return pack.grids.map((g) => {
    const [lon, lat] = bboxCenter(g.geometry);
    return { lon, lat, districtId: districtOfStreet.get(streetOfCommunity.get(g.parentId) ?? '') ?? '' };
  });
}
