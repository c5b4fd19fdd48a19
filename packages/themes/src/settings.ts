/**
 * The thresholds and windows of the themes, in one place (the README's table is checked against
 * the catalogue, and these are quoted there).
 */
const MIN = 60_000;

/** A latest value speaks for its sensor this long (traffic, water, lighting, environment). */
export const FRESH_MS = 15 * MIN;
/** Vans, stops and parcels are counted over this window. */
export const LOGISTICS_WINDOW_MS = 15 * MIN;
/** A sensor seen within this is known to its area (the denominator of `devices.reportingShare`). */
export const KNOWN_MS = 24 * 60 * MIN;
/** Tickets received within this count in `hotline.received`. */
export const RECEIVED_WINDOW_MS = 24 * 60 * MIN;
/** An open ticket is forgotten this long after it was received (bounded state). */
export const TICKET_FORGET_MS = 7 * 24 * 60 * MIN;

/** Reporting intervals by sensor kind (the simulator's periods); silent for two of them = not reporting. */
export const DEVICE_INTERVAL_MS: Record<string, number> = {
  traffic_speed: MIN,
  noise: 2 * MIN,
  street_light: 5 * MIN,
  manhole_cover: 5 * MIN,
  water_level: 5 * MIN,
  air_quality: 5 * MIN,
};
/** for a kind not in the table: the heartbeat period every sensor keeps */
export const DEFAULT_DEVICE_INTERVAL_MS = 10 * MIN;

/** congested: latest speed below this share of the segment's limit */
export const CONGESTED_BELOW = 0.4;
/** the speed index of one segment is capped here (a detector reading far above the limit is not "better") */
export const SPEED_INDEX_CAP = 1.5;
/** water gauges at or above this ponding depth are above the alarm line (cm) */
export const WATER_ALARM_CM = 15;
/** PM2.5 over this is over the limit (GB 3095 24-h grade II, µg/m³) */
export const PM25_LIMIT = 75;
/** noise limits (GB 3096 class 2, dB): by day 06:00–22:00, at night */
export const NOISE_LIMIT_DAY = 60;
export const NOISE_LIMIT_NIGHT = 50;
/** a street light reading at or below this (W) is out */
export const LIGHT_OUT_W = 1;

/** a van is standing while its fixes stay within this of where it stopped (m) */
export const STAND_RADIUS_M = 40;
/** standing this long is a stop */
export const STOP_MIN_MS = 2 * MIN;
/** a stop is on the carriageway when it is this close to a road segment (and not in a loading zone) */
export const CARRIAGEWAY_M = 25;

/** histogram bins for the maxima: 1 unit wide, capped */
export const BIN_CAP = { wl: 500, pm: 1000, ns: 150 } as const;
