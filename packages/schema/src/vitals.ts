import type { ThemesSnapshot } from './themes.js';

/**
 * The shape of the city's vital signs (城市运行数字体征) as served to screens:
 * by `GET /api/v1/snapshot` and as the socket.io `snapshot` message.
 */
export interface VitalCounts {
  /** events in the last 1 minute of event time */
  m1: number;
  /** events in the last 15 minutes of event time */
  m15: number;
}

export interface VitalsSnapshot {
  /** the event-time watermark the windows end at (ISO), or null before the first event */
  asOf: string | null;
  /** wall-clock time the aggregator last applied a batch (ISO), or null; screens use it for freshness */
  updatedAt: string | null;
  total: VitalCounts;
  byDistrict: Record<string, VitalCounts>;
  /** by street/town (街镇), for the map's drill-down */
  byStreet: Record<string, VitalCounts>;
  bySource: Record<string, VitalCounts>;
  byType: Record<string, VitalCounts>;
  /** events per bucket over the last 15 minutes, oldest first: [bucket start (epoch ms), count] */
  trend: Array<[number, number]>;
  /** the bucket width in ms (the trend's resolution) */
  bucketMs: number;
  /** events not counted, by reason code: E_EVT_TOO_LATE (after the allowed lateness), E_STREAM_RECORDS_LOST (gone from the log unread), ... */
  dropped: Record<string, number>;
  /** true while the aggregator rebuilds the figures from the log (they are incomplete until then) */
  rebuilding: boolean;
  /** the figures by theme, baselines and the health index (issue 11); absent until the themes stage has figures */
  themes?: ThemesSnapshot;
}

/** A change to one channel's state: the fields that changed, with a per-channel sequence number. */
export interface Delta<T = unknown> {
  channel: string;
  seq: number;
  /** JSON merge patch (RFC 7396) against the previous state of the channel */
  patch: T;
}

export interface Snapshot<T = unknown> {
  channel: string;
  seq: number;
  state: T;
}
