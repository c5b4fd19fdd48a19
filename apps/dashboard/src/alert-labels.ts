import type { AlertSeverity, AlertState, AlertType } from '@cityops/schema';
import type { Label } from './labels.js';

/** Alert vocabulary on the wall: Chinese first, English secondary. */
export const ALERT_TYPE_LABELS: Record<AlertType, Label> = {
  road_blockage: { zh: '占道堵路', en: 'Road blocked' },
  flooding: { zh: '积水内涝', en: 'Flooding' },
  light_outage: { zh: '路灯成片熄灭', en: 'Street lights out' },
  hotline_surge: { zh: '热线诉求激增', en: 'Hotline surge' },
  feed_offline: { zh: '感知设备离线', en: 'Feed offline' },
  manhole_tilt: { zh: '井盖倾斜', en: 'Manhole cover tilted' },
  noise_night: { zh: '夜间噪声超标', en: 'Night noise' },
};

export const SEVERITY_LABELS: Record<AlertSeverity, Label> = {
  critical: { zh: '特别严重', en: 'Critical' },
  major: { zh: '严重', en: 'Major' },
  minor: { zh: '一般', en: 'Minor' },
  info: { zh: '提示', en: 'Info' },
};

export const STATE_LABELS: Record<AlertState, Label> = {
  raised: { zh: '新发', en: 'Raised' },
  updated: { zh: '持续', en: 'Ongoing' },
  cleared: { zh: '已消除', en: 'Cleared' },
};

/** marker and badge colours by severity (CSS uses the same values) */
export const SEVERITY_COLORS: Record<AlertSeverity, string> = {
  critical: '#ff2d55',
  major: '#ff8a2a',
  minor: '#f5d442',
  info: '#35d0ff',
};

export const alertTypeLabel = (t: string): Label => ALERT_TYPE_LABELS[t as AlertType] ?? { zh: t, en: t };
