import type { CityPack } from '@cityops/city';
import { AlertEvent, type AlertEventInput } from '@cityops/schema';

/**
 * For tests: a valid road_blockage alert event on the first road of Putuo in the pack, in the
 * shape the detector publishes (validated by the schema, so a fixture cannot drift from it).
 */
export function blockageAlert(pack: CityPack, over: Partial<AlertEventInput> = {}): AlertEvent {
  const road = pack.roads.find((r) => r.districtId === 'sh-putuo') ?? pack.roads[0]!;
  const street = pack.streets.find((s) => s.parentId === road.districtId);
  const [lon, lat] = road.geometry.coordinates[0]!;
  const alertId = over.alertId ?? 'alert-blockage-1';
  const seq = over.seq ?? 1;
  return AlertEvent.parse({
    v: 1,
    eventId: `${alertId}#${seq}`,
    alertId,
    seq,
    type: 'road_blockage',
    state: 'raised',
    severity: 'critical',
    place: {
      lon,
      lat,
      roadSegmentId: road.id,
      districtId: road.districtId,
      ...(street ? { streetId: street.id } : {}),
    },
    firstSignalAt: '2026-11-22T08:00:00.000Z',
    detectedAt: '2026-11-22T08:10:00.000Z',
    categoryCode: 'E.06.02',
    evidence: ['ev-1', 'ev-2'],
    evidenceCount: 2,
    subjects: ['van-7'],
    departments: { lead: 'dept-traffic', assist: [] },
    summary: { zh: '快递车占道卸货堵路', en: 'Delivery van blocking the road' },
    metrics: { dwellSeconds: 600, vans: 1 },
    ...over,
  });
}
