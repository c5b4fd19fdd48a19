import { memo, useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { AlertView, VitalCounts } from '@cityops/schema';
import { CHILD_LEVEL, fetchAreas } from '../api/city-api.js';
import { alertLayers } from '../charts/alert-layers.js';
import { Chart } from '../charts/Chart.js';
import type { ChartEvents } from '../charts/Chart.js';
import { mapOption } from '../charts/map-option.js';
import { registerAreas } from '../charts/register-areas.js';
import type { RegisteredAreas } from '../charts/register-areas.js';
import { formatCount } from '../format.js';
import type { DistrictsState } from './use-districts.js';

interface CityMapProps {
  districts: DistrictsState;
  byDistrict: Record<string, VitalCounts> | null;
  byStreet: Record<string, VitalCounts> | null;
  stale: boolean;
  /** open alerts to mark on the map (the alerts channel), and whether that channel is current */
  alerts?: AlertView[];
  alertsFresh?: boolean;
}

const NO_ALERTS: AlertView[] = [];

interface DrillLevel {
  /** the area that was clicked to get here */
  parent: { id: string; name: string; nameEn: string };
  areas: RegisteredAreas;
}

const LEVEL_LABEL = { district: '区 Districts', street: '街镇 Streets & towns', grid: '网格 Grid cells' } as const;

/**
 * The choropleth. Clicking an area drills one level down when the gateway has boundaries for
 * it; when it has none (404 or error), the map stays and says so briefly.
 */
export const CityMap = memo(function CityMap({
  districts,
  byDistrict,
  byStreet,
  stale,
  alerts = NO_ALERTS,
  alertsFresh = false,
}: CityMapProps) {
  const [stack, setStack] = useState<DrillLevel[]>([]);
  const [notice, setNotice] = useState<string | null>(null);
  const busy = useRef(false);
  const noticeTimer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);

  const top = stack.at(-1);
  const current = top?.areas ?? (districts.status === 'ready' ? districts.districts : null);

  const flash = useCallback((text: string) => {
    setNotice(text);
    clearTimeout(noticeTimer.current);
    noticeTimer.current = setTimeout(() => setNotice(null), 4_000);
  }, []);

  // a ref, so the click handler (bound once) always sees the level currently drawn
  const currentRef = useRef(current);
  useEffect(() => {
    currentRef.current = current;
  }, [current]);

  const onEvents = useMemo<ChartEvents>(
    () => ({
      click: (params) => {
        const level = currentRef.current;
        const child = level ? CHILD_LEVEL[level.level] : null;
        if (!level || !child || busy.current || typeof params.name !== 'string') return;
        const area = level.areas.find((a) => a.id === params.name);
        if (!area) return;
        busy.current = true;
        fetchAreas(child, area.id)
          .then((geo) => {
            if (!geo || geo.features.length === 0) return flash(`${area.name} 暂无下级区划 · no finer boundaries`);
            setStack((s) => [...s, { parent: area, areas: registerAreas(child, area.id, geo) }]);
          })
          .catch(() => flash(`${area.name} 下级区划加载失败 · could not load boundaries`))
          .finally(() => {
            busy.current = false;
          });
      },
    }),
    [flash],
  );

  // the vitals snapshot has figures per district and per street; grid cells show their outlines
  const counts = current?.level === 'district' ? byDistrict : current?.level === 'street' ? byStreet : null;
  const drillDistrict = stack[0]?.parent.id;
  const layers = useMemo(
    () =>
      current
        ? alertLayers({
            mapName: current.mapName,
            alerts,
            stale: !alertsFresh,
            ...(drillDistrict === undefined ? {} : { districtId: drillDistrict }),
          })
        : null,
    [current, alerts, alertsFresh, drillDistrict],
  );
  const option = useMemo(() => {
    if (!current || !layers) return null;
    const base = mapOption({ mapName: current.mapName, areas: current.areas, counts, stale });
    const series = [...(Array.isArray(base.series) ? base.series : base.series ? [base.series] : [])];
    return { ...base, geo: layers.option.geo, series: [...series, ...(layers.option.series as typeof series)] };
  }, [current, counts, stale, layers]);
  const parentCounts = top ? byDistrict?.[stack[0]?.parent.id ?? ''] : undefined;

  return (
    <section
      className={`panel map-panel${stale ? ' is-stale' : ''}`}
      data-testid="city-map"
      data-level={current?.level ?? 'none'}
      data-widget="city-map"
      data-fresh={String(!stale && alertsFresh)}
      data-alert-markers={layers?.drawn.markers.join(' ') ?? ''}
      data-alert-segments={layers?.drawn.segments.join(' ') ?? ''}
    >
      <div className="map-caption">
        <div className="map-title">
          {top ? (
            <>
              <span className="zh">{stack.map((l) => l.parent.name).join(' › ')}</span>
              <span className="en">{LEVEL_LABEL[top.areas.level]}</span>
            </>
          ) : (
            <>
              <span className="zh">全域态势 · 近15分钟事件</span>
              <span className="en">Citywide · events in the last 15 minutes</span>
            </>
          )}
        </div>
        {top && parentCounts ? (
          <div className="map-parent-figures">
            {stack[0]?.parent.name} 15分钟 <b>{formatCount(parentCounts.m15)}</b> · 1分钟{' '}
            <b>{formatCount(parentCounts.m1)}</b>
          </div>
        ) : null}
        {top ? (
          <button type="button" className="back" data-testid="map-back" onClick={() => setStack((s) => s.slice(0, -1))}>
            ← 返回 Back
          </button>
        ) : null}
      </div>
      <div className="map-body">
        {option && current ? (
          // a new chart per level: switching geometry is rare, and a fresh instance avoids stale regions
          <Chart key={current.mapName} option={option} onEvents={onEvents} testId="map-chart" />
        ) : (
          <div className="map-placeholder">
            {districts.status === 'error'
              ? `地图加载失败，稍后重试 · Map unavailable, retrying (${districts.message})`
              : '地图加载中 · Loading map…'}
          </div>
        )}
      </div>
      {notice ? <div className="map-notice">{notice}</div> : null}
    </section>
  );
});
