/**
 * The small structural shapes ingest needs from the city model, so that it depends on
 * behaviour, not on a particular pack implementation (`CityIndex` from @cityops/city fits).
 */
export type LocateResult =
  { inside: true; gridId: string; communityId: string; streetId: string; districtId: string } | { inside: false };

export interface Locator {
  locate(lon: number, lat: number): LocateResult;
}

/** Answers whether a category code exists in the city's taxonomy. */
export type CategoryCheck = (code: string) => boolean;
