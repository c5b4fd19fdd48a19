import type { AlertView, CaseSummaryView } from '@cityops/schema';
import { alertTypeLabel, SEVERITY_COLORS, SEVERITY_LABELS } from '../alert-labels.js';
import { escapeHtml } from '../format.js';
import type { ChartOption, FormatterParams } from './options.js';
import { palette } from './theme.js';

export interface AlertLayersInput {
  mapName: string;
  /** alerts to draw (cleared ones are not drawn on the map) */
  alerts: AlertView[];
  /** at street level: only the alerts of this district */
  districtId?: string;
  stale: boolean;
  /** open cases (the alert desk's, cases channel) to draw at their place, as diamonds */
  cases?: CaseSummaryView[];
  casesStale?: boolean;
}

/** What the layers drew, for the DOM (data attributes) next to the canvas. */
export interface AlertLayersDrawn {
  markers: string[];
  segments: string[];
  cases: string[];
}

/**
 * The alerts on the map: a pulsing marker at each open alert's place, coloured by severity, and
 * for an alert on a road segment (a blockage) the segment's line from the pack. The layers live
 * on a `geo` component laid out exactly as the choropleth's map series (same map, box and
 * aspect), invisible and silent itself, so the map series keeps its colours, labels, tooltips
 * and clicks, and the markers sit where the places are.
 */
export function alertLayers({ mapName, alerts, districtId, stale, cases = [], casesStale = stale }: AlertLayersInput): {
  option: Pick<ChartOption, 'geo' | 'series'>;
  drawn: AlertLayersDrawn;
} {
  const shown = alerts.filter(
    (a) => a.state !== 'cleared' && (districtId === undefined || a.districtId === districtId),
  );
  const shownCases = cases.filter(
    (c) =>
      c.state !== 'closed' &&
      c.state !== 'merged' &&
      Number.isFinite(c.lon) &&
      Number.isFinite(c.lat) &&
      (districtId === undefined || c.districtId === districtId),
  );
  const caseById = new Map(shownCases.map((c) => [c.id, c]));
  const colour = (a: AlertView) => (stale ? palette.stale : SEVERITY_COLORS[a.severity]);
  // states come from merge patches (objects without a prototype): ECharts gets plain values only
  const byId = new Map(shown.map((a) => [a.alertId, a]));
  const withLine = shown.filter((a) => a.roadLine && a.roadLine.length >= 2);
  const tooltip = (a: AlertView) =>
    `<b>${escapeHtml(alertTypeLabel(a.type).zh)}</b> ${escapeHtml(SEVERITY_LABELS[a.severity].zh)}<br/>` +
    `${escapeHtml([a.district?.zh, a.street?.zh, a.road?.zh].filter(Boolean).join(' · '))}<br/>` +
    `${escapeHtml(a.summary.zh)}`;
  return {
    drawn: {
      markers: shown.map((a) => a.alertId),
      segments: withLine.map((a) => a.alertId),
      cases: shownCases.map((c) => c.id),
    },
    option: {
      geo: {
        map: mapName,
        nameProperty: 'id',
        roam: false,
        silent: true,
        aspectScale: 0.86,
        top: 64,
        bottom: 24,
        left: 'center',
        label: { show: false },
        itemStyle: { areaColor: 'transparent', borderColor: 'transparent', borderWidth: 0 },
        emphasis: { disabled: true },
        z: 0,
      },
      series: [
        {
          type: 'lines',
          id: 'alert-segments',
          coordinateSystem: 'geo',
          geoIndex: 0,
          polyline: true,
          z: 5,
          silent: true,
          lineStyle: { width: 6, opacity: 0.95, cap: 'round' },
          effect: { show: !stale, period: 2.5, trailLength: 0.3, symbolSize: 8, color: '#ffffff' },
          data: withLine.map((a) => ({
            name: a.alertId,
            coords: a.roadLine!.map(([x, y]): [number, number] => [x, y]),
            lineStyle: { color: colour(a) },
          })),
        },
        {
          type: 'effectScatter',
          id: 'alert-markers',
          coordinateSystem: 'geo',
          geoIndex: 0,
          z: 6,
          showEffectOn: 'render',
          rippleEffect: { brushType: 'stroke', scale: stale ? 1 : 3.5, period: 3 },
          itemStyle: { borderColor: '#ffffff', borderWidth: 2, shadowBlur: 12, shadowColor: 'rgba(0,0,0,0.6)' },
          tooltip: {
            formatter: (raw: unknown) => {
              const p = raw as FormatterParams;
              const a = byId.get(p.name);
              return a ? tooltip(a) : escapeHtml(p.name);
            },
          },
          data: shown.map((a) => ({
            name: a.alertId,
            value: [a.lon, a.lat],
            symbolSize: a.severity === 'critical' ? 26 : a.severity === 'major' ? 20 : 15,
            itemStyle: { color: colour(a) },
          })),
        },
        {
          type: 'effectScatter',
          id: 'case-markers',
          coordinateSystem: 'geo',
          geoIndex: 0,
          z: 7,
          symbol: 'diamond',
          // no ripple: the cases are the standing picture, the alerts' pulse is what is new
          showEffectOn: 'emphasis',
          rippleEffect: { scale: 1.6 },
          itemStyle: { borderColor: '#ffffff', borderWidth: 2 },
          tooltip: {
            formatter: (raw: unknown) => {
              const c = caseById.get((raw as FormatterParams).name);
              return c
                ? `<b>${escapeHtml(c.archiveNo ?? c.id)}</b> ${escapeHtml(c.state)}${c.overdue ? ' · 超时 OVERDUE' : ''}<br/>${escapeHtml(c.summary.zh)}`
                : '';
            },
          },
          data: shownCases.map((c) => ({
            name: c.id,
            value: [c.lon, c.lat],
            symbolSize: c.overdue ? 24 : 18,
            itemStyle: { color: casesStale ? palette.stale : c.overdue ? palette.alarm : SEVERITY_COLORS[c.severity] },
          })),
        },
      ],
    },
  };
}
