/** Display helpers. A missing figure is an em dash, never a zero: zero is a claim. */

const grouped = new Intl.NumberFormat('en-US');

export function formatCount(value: number | null | undefined): string {
  return typeof value === 'number' && Number.isFinite(value) ? grouped.format(Math.round(value)) : '—';
}

/** `23s`, `4m 05s`, `2h 03m`: short enough for a status badge read from two metres. */
export function formatAge(ms: number): string {
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h ${String(m % 60).padStart(2, '0')}m`;
}

const pad = (n: number): string => String(n).padStart(2, '0');

export function formatClock(ms: number): string {
  const d = new Date(ms);
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

const WEEKDAYS = ['日', '一', '二', '三', '四', '五', '六'];

export function formatDate(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} 星期${WEEKDAYS[d.getDay()] ?? ''}`;
}

export function formatTimeOfIso(iso: string | null | undefined): string {
  const ms = iso ? Date.parse(iso) : NaN;
  return Number.isFinite(ms) ? formatClock(ms) : '—';
}

/** For the few places that build HTML strings (ECharts tooltips): names come from a data pack. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * The wall's clock drift for the header: `+1.2s` (the wall is ahead of the server), `−0.3s`, and
 * `±0.0s` under 50 ms. Seconds with one decimal: what matters from across the room is whether it is
 * off, and by about how much.
 */
export function formatDrift(ms: number): string {
  if (Math.abs(ms) < 50) return '±0.0s';
  const s = Math.abs(ms) / 1000;
  const text = s < 100 ? `${s.toFixed(1)}s` : formatAge(Math.abs(ms));
  return `${ms > 0 ? '+' : '−'}${text}`;
}
