import type { GroundTruthRecord } from './engine/truth.js';

/** One log line per incident, so an operator watching the log knows what the screen should show. */
export function describeIncident(r: GroundTruthRecord): string {
  const where = r.place.roadId
    ? `${r.place.roadId} in ${r.place.districtId}`
    : `${r.place.streetId || r.place.districtId}`;
  const extra =
    r.type === 'hotline_surge'
      ? ` (${String(r.details.category)})`
      : r.type === 'feed_offline'
        ? ` (${String(r.details.group)})`
        : '';
  return `${r.type}${extra} at ${where}, ${r.start} .. ${r.end}`;
}
