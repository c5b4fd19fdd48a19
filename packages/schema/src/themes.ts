/**
 * The city's vital signs by theme (城市运行数字体征), as screens get them in the vitals snapshot
 * (`VitalsSnapshot.themes`, issue 11). Types and the metric catalogue only: the aggregator folds the
 * figures, the gateway builds the snapshot, the dashboard reads it.
 *
 * Every figure is a metric id from `THEME_METRICS` (optionally `id:<qualifier>`, e.g.
 * `traffic.speedIndex:trunk` by road class, `devices.reportingShare:water_level` by sensor kind)
 * mapped to a number, or absent when there is nothing to say (no traffic detector in the area, no
 * street light after dark). **Absent is never zero**: a screen draws `—` for it.
 */

export type ThemeId = 'traffic' | 'water' | 'lighting' | 'environment' | 'logistics' | 'devices' | 'hotline';

export interface ThemeMetricDef {
  theme: ThemeId;
  unit: 'ratio' | 'share' | 'count' | 'cm' | 'ug/m3' | 'dB' | 'per_hour';
  zh: string;
  en: string;
  /** which way is worse: the health index and the deviation colours read it */
  worse: 'high' | 'low';
  /** how it is computed, in one sentence (the README's table is built from these) */
  definition: string;
}

export const THEME_METRICS = {
  'traffic.speedIndex': {
    theme: 'traffic',
    unit: 'ratio',
    zh: '车速指数',
    en: 'Speed index',
    worse: 'low',
    definition: 'mean of observed speed / speed limit over the road segments with a reading in the last 15 min',
  },
  'traffic.congestedShare': {
    theme: 'traffic',
    unit: 'share',
    zh: '拥堵路段占比',
    en: 'Segments congested',
    worse: 'high',
    definition: 'share of reporting segments whose latest speed is below 40 % of their limit',
  },
  'water.maxLevelCm': {
    theme: 'water',
    unit: 'cm',
    zh: '最高积水',
    en: 'Highest water',
    worse: 'high',
    definition: 'highest latest ponding level of the water gauges reporting in the area',
  },
  'water.gaugesAboveAlarm': {
    theme: 'water',
    unit: 'count',
    zh: '超警戒水位点',
    en: 'Gauges above alarm',
    worse: 'high',
    definition: 'water gauges whose latest level is at or above the alarm line',
  },
  'lighting.outShare': {
    theme: 'lighting',
    unit: 'share',
    zh: '路灯熄灭率',
    en: 'Lights out',
    worse: 'high',
    definition: 'after dark (city time zone): share of reporting street lights drawing no power; absent by day',
  },
  'environment.pm25Mean': {
    theme: 'environment',
    unit: 'ug/m3',
    zh: 'PM2.5 均值',
    en: 'PM2.5 mean',
    worse: 'high',
    definition: 'mean latest PM2.5 of the air-quality sensors reporting',
  },
  'environment.pm25Max': {
    theme: 'environment',
    unit: 'ug/m3',
    zh: 'PM2.5 最高',
    en: 'PM2.5 max',
    worse: 'high',
    definition: 'highest latest PM2.5 of the air-quality sensors reporting',
  },
  'environment.pm25OverShare': {
    theme: 'environment',
    unit: 'share',
    zh: 'PM2.5 超标占比',
    en: 'PM2.5 over limit',
    worse: 'high',
    definition: 'share of air-quality sensors whose latest PM2.5 is over 75 µg/m³ (GB 3095 24-h grade II)',
  },
  'environment.noiseMean': {
    theme: 'environment',
    unit: 'dB',
    zh: '噪声均值',
    en: 'Noise mean',
    worse: 'high',
    definition: 'mean latest level of the noise sensors reporting',
  },
  'environment.noiseMax': {
    theme: 'environment',
    unit: 'dB',
    zh: '噪声最高',
    en: 'Noise max',
    worse: 'high',
    definition: 'highest latest level of the noise sensors reporting',
  },
  'environment.noiseOverShare': {
    theme: 'environment',
    unit: 'share',
    zh: '噪声超标占比',
    en: 'Noise over limit',
    worse: 'high',
    definition: 'share of noise sensors over the limit (GB 3096 class 2: 60 dB by day, 50 dB at night)',
  },
  'logistics.vansActive': {
    theme: 'logistics',
    unit: 'count',
    zh: '在线配送车',
    en: 'Vans active',
    worse: 'high',
    definition: 'delivery vehicles with a position in the last 15 min',
  },
  'logistics.parcelsDelivered': {
    theme: 'logistics',
    unit: 'count',
    zh: '投递件数',
    en: 'Parcels delivered',
    worse: 'low',
    definition: 'parcels delivered in the last 15 min, where the feed says (absent for positions-only feeds)',
  },
  'logistics.carriagewayStopsPerHour': {
    theme: 'logistics',
    unit: 'per_hour',
    zh: '占道停车',
    en: 'Carriageway stops',
    worse: 'high',
    definition: 'stops of 2 min or more on the carriageway (not in a loading zone), per hour over the last 15 min',
  },
  'logistics.loadingZoneShare': {
    theme: 'logistics',
    unit: 'share',
    zh: '装卸区使用率',
    en: 'Loading-zone use',
    worse: 'low',
    definition: 'share of delivery stops in the last 15 min made in a loading zone',
  },
  'devices.reportingShare': {
    theme: 'devices',
    unit: 'share',
    zh: '设备在线率',
    en: 'Sensors reporting',
    worse: 'low',
    definition: 'share of the sensors known in the area that sent anything within two of their intervals',
  },
  'hotline.received': {
    theme: 'hotline',
    unit: 'count',
    zh: '受理工单',
    en: 'Tickets received',
    worse: 'high',
    definition: '12345 tickets received in the rolling 24 h',
  },
  'hotline.open': {
    theme: 'hotline',
    unit: 'count',
    zh: '在办工单',
    en: 'Tickets open',
    worse: 'high',
    definition: 'tickets received and not yet resolved',
  },
  'hotline.overdue': {
    theme: 'hotline',
    unit: 'count',
    zh: '超期工单',
    en: 'Tickets overdue',
    worse: 'high',
    definition: 'open tickets past their response or resolution deadline (pack deadlines)',
  },
} as const satisfies Record<string, ThemeMetricDef>;

export type ThemeMetricId = keyof typeof THEME_METRICS;

/** One area's figures: values now, the usual value for this hour of the week, and how far off it is. */
export interface AreaThemes {
  /** metric id (or `id:qualifier`) → value; absent = nothing to say, never zero */
  values: Record<string, number>;
  /** the usual value at this hour of the week (learned, seeded from the simulator's day); absent = none yet */
  baseline: Record<string, number>;
  /**
   * deviation from the baseline in units of its spread, signed so that positive is worse
   * (a z-like score; |d| ≥ 2 is "unusual for this hour"); absent without a baseline
   */
  deviation: Record<string, number>;
  /** 城市运行体征指数: 0–100, 100 = everything as usual or better; absent when no theme has figures */
  health?: number;
}

export interface ThemesSnapshot {
  /** event time the figures are at (ISO) */
  asOf: string;
  /** hour of the week the baselines are for, 0 = Monday 00:00 in the city's time zone */
  hourOfWeek: number;
  city: AreaThemes;
  byDistrict: Record<string, AreaThemes>;
  byStreet: Record<string, AreaThemes>;
  /** the city's and each district's health index over the last hours: [event time (epoch ms), index] */
  healthTrend: Record<string, Array<[number, number]>>;
  /** area id → km² (from the pack), for the map's density colouring */
  areaKm2: Record<string, number>;
}
