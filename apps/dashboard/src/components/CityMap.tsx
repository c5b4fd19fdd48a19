import { memo, useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { AlertView, CaseSummaryView, ThemesSnapshot, VitalCounts } from '@cityops/schema';
import { CHILD_LEVEL, fetchAreas } from '../api/city-api.js';
import { alertLayers } from '../charts/alert-layers.js';
import { Chart } from '../charts/Chart.js';
import type { ChartEvents } from '../charts/Chart.js';
import { COLOUR_LABELS, MAP_COLOUR_MODES } from '../charts/map-colour.js';
import type { MapColourBy } from '../charts/map-colour.js';
import { pickLabels } from '../charts/label-pick.js';
import {
  colouringOf,
  MAP_ASPECT_SCALE,
  MAP_BOTTOM_PX,
  MAP_LABEL_PX,
  MAP_TOP_PX,
  MAX_LABELLED_AREAS,
  mapOption,
} from '../charts/map-option.js';
import { registerAreas } from '../charts/register-areas.js';
import type { RegisteredAreas } from '../charts/register-areas.js';
import { formatCount } from '../format.js';
import type { Freshness } from '../feed/wall-state.js';
import type { DistrictsState } from './use-districts.js';
import { Widget } from './Widget.js';

interface CityMapProps {
  /** the widget's name (`data-widget`): one map per scene, each with its own markers */
  name?: string;
  districts: DistrictsState;
  byDistrict: Record<string, VitalCounts> | null;
  byStreet: Record<string, VitalCounts> | null;
  /** the vitals' freshness: the colours are these figures */
  freshness: Freshness;
  /** open alerts to mark on the map (the alerts channel), and whether that channel is current */
  alerts?: AlertView[];
  alertsFreshness?: Freshness;
  /** open cases to mark (the cases channel) */
  cases?: CaseSummaryView[];
  casesFreshness?: Freshness;
  themes?: ThemesSnapshot | undefined;
  colourBy?: MapColourBy;
  onColourBy?: (mode: MapColourBy) => void;
  /** a title other than the citywide one */
  title?: { zh: string; en: string };
}

const NO_ALERTS: AlertView[] = [];
const NO_CASES: CaseSummaryView[] = [];
const UNKNOWN: Freshness = { fresh: false, reason: '尚无数据 no data', ageMs: null };

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
  name = 'city-map',
  districts,
  byDistrict,
  byStreet,
  freshness,
  alerts = NO_ALERTS,
  alertsFreshness = UNKNOWN,
  cases = NO_CASES,
  casesFreshness = UNKNOWN,
  themes,
  colourBy = 'deviation',
  onColourBy,
  title,
}: CityMapProps) {
  const stale = !freshness.fresh;
  const alertsFresh = alertsFreshness.fresh;
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
            cases,
            casesStale: !casesFreshness.fresh,
            ...(drillDistrict === undefined ? {} : { districtId: drillDistrict }),
          })
        : null,
    [current, alerts, alertsFresh, cases, casesFreshness.fresh, drillDistrict],
  );
  // the map's box in design px: the same on every wall, so the names picked are the same too
  const body = useRef<HTMLDivElement>(null);
  const [box, setBox] = useState<{ w: number; h: number } | null>(null);
  useEffect(() => {
    const el = body.current;
    if (!el) return;
    const measure = () =>
      setBox((b) =>
        b && b.w === el.clientWidth && b.h === el.clientHeight ? b : { w: el.clientWidth, h: el.clientHeight },
      );
    measure();
    const ro = new ResizeObserver(measure);
    ro.observe(el);
    return () => ro.disconnect();
  }, []);
  const labelled = useMemo(() => {
    if (!current || !box || current.areas.length > MAX_LABELLED_AREAS) return undefined;
    return pickLabels(
      current.anchors,
      {
        width: box.w,
        height: Math.max(1, box.h - MAP_TOP_PX - MAP_BOTTOM_PX),
        bbox: current.bbox,
        aspectScale: MAP_ASPECT_SCALE,
      },
      MAP_LABEL_PX,
    );
  }, [current, box]);
  const levelThemes =
    current?.level === 'district' ? themes?.byDistrict : current?.level === 'street' ? themes?.byStreet : undefined;
  const colourInput = current
    ? {
        mapName: current.mapName,
        areas: current.areas,
        counts,
        stale,
        colourBy,
        themes: levelThemes,
        areaKm2: themes?.areaKm2,
      }
    : null;
  const colouring = colourInput ? colouringOf(colourInput) : null;
  const option = useMemo(() => {
    if (!current || !layers) return null;
    const base = mapOption({
      mapName: current.mapName,
      areas: current.areas,
      counts,
      stale,
      colourBy,
      themes: levelThemes,
      areaKm2: themes?.areaKm2,
      ...(labelled ? { labelled } : {}),
    });
    const series = [...(Array.isArray(base.series) ? base.series : base.series ? [base.series] : [])];
    return { ...base, geo: layers.option.geo, series: [...series, ...(layers.option.series as typeof series)] };
  }, [current, counts, stale, layers, colourBy, levelThemes, themes?.areaKm2, labelled]);
  const parentCounts = top ? byDistrict?.[stack[0]?.parent.id ?? ''] : undefined;
  // the colours are the vitals; the markers are the alerts' (and cases'): stale if any is not current
  const combined = !freshness.fresh
    ? freshness
    : !alertsFreshness.fresh
      ? { ...alertsFreshness, reason: `告警 alerts: ${alertsFreshness.reason ?? ''}` }
      : cases.length > 0 && !casesFreshness.fresh
        ? { ...casesFreshness, reason: `案件 cases: ${casesFreshness.reason ?? ''}` }
        : freshness;

  return (
    <Widget
      name={name}
      className="map-panel"
      freshness={combined}
      attrs={{
        'data-testid': 'city-map',
        'data-level': current?.level ?? 'none',
        'data-alert-markers': layers?.drawn.markers.join(' ') ?? '',
        'data-alert-segments': layers?.drawn.segments.join(' ') ?? '',
        'data-case-markers': layers?.drawn.cases.join(' ') ?? '',
        'data-colour-by': colouring?.mode ?? 'none',
        'data-colour-requested': colourBy,
        'data-labels': labelled ? String(labelled.size) : '',
      }}
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
              <span className="zh">{title?.zh ?? '全域态势 · 近15分钟事件'}</span>
              <span className="en">{title?.en ?? 'Citywide · events in the last 15 minutes'}</span>
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
      <div className="map-body" ref={body}>
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
      {colouring ? (
        <div className="map-colour" data-testid="map-colour" data-mode={colouring.mode}>
          <span className={`map-colour-caption${colouring.fallback ? ' is-fallback' : ''}`}>{colouring.caption}</span>
          {onColourBy
            ? MAP_COLOUR_MODES.map((m) => (
                <button
                  key={m}
                  type="button"
                  className={`map-colour-mode${m === colourBy ? ' is-on' : ''}`}
                  data-colour={m}
                  onClick={() => onColourBy(m)}
                >
                  {COLOUR_LABELS[m].zh} <span className="en">{COLOUR_LABELS[m].en}</span>
                </button>
              ))
            : null}
        </div>
      ) : null}
      {notice ? <div className="map-notice">{notice}</div> : null}
    </Widget>
  );
});
