import { useMemo } from 'react';
import type { ComponentProps, ReactNode } from 'react';
import type { AlertView, ThemeId } from '@cityops/schema';
import { AlertList } from '../components/AlertList.js';
import { CasesPanel } from '../components/CasesPanel.js';
import { CityMap } from '../components/CityMap.js';
import { DistrictRanking } from '../components/DistrictRanking.js';
import { IntegrityPanel } from '../components/IntegrityPanel.js';
import { KpiPanel } from '../components/KpiPanel.js';
import { SourcesPanel } from '../components/SourcesPanel.js';
import { StaleBanner } from '../components/StaleBanner.js';
import { TrendPanel } from '../components/TrendPanel.js';
import type { MapArea } from '../charts/map-option.js';
import { hotlineKpisFreshness, themeFreshness, typesFreshness } from '../feed/wall-state.js';
import { TYPE_LABELS } from '../labels.js';
import type { SceneId } from './playlist.js';
import type { SceneData } from './scene-data.js';
import { usePolled } from './use-polled.js';
import { AlertRows, BlockageHotspots } from './widgets/AlertRows.js';
import { AreaThemeTable } from './widgets/AreaThemeTable.js';
import { CaseRows, isLate, openCases } from './widgets/CaseRows.js';
import {
  HotlineBoard,
  HotlineDistricts,
  HotlineRates,
  isHotlineKpis,
  isHotlineRankings,
  TopProblems,
} from './widgets/Hotline.js';
import { CountFigures, ThemeFigures } from './widgets/ThemeFigures.js';

const NO_AREAS: MapArea[] = [];
/** the 接诉即办 figures are monthly / rolling-24h: polled every 15 s, stale after three misses */
export const HOTLINE_POLL_MS = 15_000;
export const HOTLINE_STALE_AFTER_MS = 3 * HOTLINE_POLL_MS;
const SENSOR_TYPES = new Set(['flooding', 'light_outage', 'manhole_tilt', 'noise_night', 'feed_offline']);

/** One column of a scene; its widths live in styles.css (`.scene-<id>` and the wide variant). */
function Col({ k, children }: { k: string; children: ReactNode }) {
  return <div className={`col col-${k}`}>{children}</div>;
}

function Layout({ scene, wide, children }: { scene: SceneId; wide: boolean; children: ReactNode }) {
  return (
    <main className={`layout scene scene-${scene}${wide ? ' is-wide' : ''}`} data-scene={scene}>
      {children}
    </main>
  );
}

const themeOf = (d: SceneData, theme: ThemeId) => themeFreshness(theme, d.vitalsFresh, d.v, d.sources, d.serverNow);

const districtsOf = (d: SceneData): MapArea[] =>
  d.districts.status === 'ready' ? d.districts.districts.areas : NO_AREAS;

/** The city map as every scene shows it (the scene's vitals, themes, colouring); what differs is passed. */
function SceneMap({
  d,
  ...own
}: { d: SceneData } & Pick<ComponentProps<typeof CityMap>, 'name' | 'title' | 'alerts' | 'cases' | 'casesFreshness'>) {
  return (
    <CityMap
      districts={d.districts}
      byDistrict={d.v?.byDistrict ?? null}
      byStreet={d.v?.byStreet ?? null}
      freshness={d.vitalsFresh}
      alertsFreshness={d.alertsFresh}
      themes={d.v?.themes}
      colourBy={d.colourBy}
      onColourBy={d.onColourBy}
      {...own}
    />
  );
}

/** One event type's 15- and 1-minute counts for CountFigures: `—` before any snapshot, 0 only when counted. */
const typeCount = (d: SceneData, type: string, zh: string, en: string) => ({
  zh,
  en,
  m15: d.v ? (d.v.byType[type]?.m15 ?? 0) : null,
  m1: d.v ? (d.v.byType[type]?.m1 ?? 0) : null,
});

function OverviewScene({ d }: { d: SceneData }) {
  const kpi = (
    <KpiPanel
      total={d.v?.total ?? null}
      byType={d.v?.byType ?? null}
      freshness={d.vitalsFresh}
      typeFreshness={typesFreshness(Object.keys(TYPE_LABELS), d.vitalsFresh, d.sources, d.serverNow)}
    />
  );
  const cases = (
    <CasesPanel data={d.cases.data} synced={d.cases.synced} serverNow={d.serverNow} freshness={d.casesFresh} />
  );
  const sources = (
    <SourcesPanel data={d.sources.data} freshness={d.sourcesFresh} serverNow={d.serverNow} max={d.wide ? 10 : 5} />
  );
  const map = <SceneMap d={d} alerts={d.openAlerts} />;
  const trend = <TrendPanel trend={d.v?.trend ?? null} bucketMs={d.v?.bucketMs ?? 60_000} freshness={d.vitalsFresh} />;
  const ranking = (
    <DistrictRanking
      districts={districtsOf(d)}
      byDistrict={d.v?.byDistrict ?? null}
      freshness={d.vitalsFresh}
      max={d.wide ? 16 : 12}
    />
  );
  const integrity = <IntegrityPanel state={d.state} view={d.view} freshness={d.vitalsFresh} />;
  // the alert list is the existing widget; it keeps its own data-widget name
  const alerts = <AlertRowsFromChannel d={d} />;
  const banner = <StaleBanner state={d.state} view={d.view} />;
  if (d.wide)
    return (
      <Layout scene="overview" wide>
        <Col k="a">{kpi}</Col>
        <Col k="b">
          {cases}
          {sources}
          {integrity}
        </Col>
        <Col k="center">
          {banner}
          {map}
        </Col>
        <Col k="c">
          {trend}
          {ranking}
        </Col>
        <Col k="d">{alerts}</Col>
      </Layout>
    );
  return (
    <Layout scene="overview" wide={false}>
      <Col k="left">
        {kpi}
        {sources}
      </Col>
      <Col k="center">
        {banner}
        {map}
        <div className="row row-bottom">
          {trend}
          {cases}
        </div>
      </Col>
      <Col k="right">
        {alerts}
        {ranking}
        {integrity}
      </Col>
    </Layout>
  );
}

function AlertRowsFromChannel({ d }: { d: SceneData }) {
  return <AlertList data={d.alerts.data} freshness={d.alertsFresh} serverNow={d.serverNow} max={d.wide ? 16 : 12} />;
}

function HotlineScene({ d }: { d: SceneData }) {
  const offset = d.state.clockOffsetMs;
  const kpisP = usePolled('api/v1/hotline/kpis?level=district', HOTLINE_POLL_MS, isHotlineKpis, offset);
  const rankP = usePolled('api/v1/hotline/rankings', HOTLINE_POLL_MS, isHotlineRankings, offset);
  const socketUp = d.state.transport === 'connected';
  const kf = hotlineKpisFreshness(kpisP, socketUp, d.sources, d.serverNow, HOTLINE_STALE_AFTER_MS);
  const rf = hotlineKpisFreshness(rankP, socketUp, d.sources, d.serverNow, HOTLINE_STALE_AFTER_MS);
  const themesF = themeOf(d, 'hotline');
  const rates = <HotlineRates kpis={kpisP.data} freshness={kf} />;
  const live = (
    <ThemeFigures
      name="hotline-live"
      title={{ zh: '在办工单', en: 'Tickets now', note: '滚动24小时 rolling 24 h' }}
      metrics={['hotline.received', 'hotline.open', 'hotline.overdue']}
      themes={d.v?.themes}
      freshness={themesF}
    />
  );
  const districts = <HotlineDistricts kpis={kpisP.data} freshness={kf} max={d.wide ? 16 : 12} />;
  const red = <HotlineBoard board="red" rankings={rankP.data} freshness={rf} />;
  const black = <HotlineBoard board="black" rankings={rankP.data} freshness={rf} />;
  const top = <TopProblems rankings={rankP.data} freshness={rf} max={d.wide ? 10 : 8} />;
  if (d.wide)
    return (
      <Layout scene="hotline" wide>
        <Col k="a">
          {rates}
          {live}
        </Col>
        <Col k="b">{districts}</Col>
        <Col k="c">{red}</Col>
        <Col k="d">{black}</Col>
        <Col k="e">{top}</Col>
      </Layout>
    );
  return (
    <Layout scene="hotline" wide={false}>
      <Col k="left">
        {rates}
        {live}
      </Col>
      <Col k="center">{districts}</Col>
      <Col k="right">
        {red}
        {black}
      </Col>
      <Col k="far">{top}</Col>
    </Layout>
  );
}

function LogisticsScene({ d }: { d: SceneData }) {
  const blockages = useMemo(() => d.openAlerts.filter((a) => a.type === 'road_blockage'), [d.openAlerts]);
  const themesF = themeOf(d, 'logistics');
  const counts = (
    <CountFigures
      name="delivery-volume"
      title={{ zh: '配送量', en: 'Delivery volume', note: '事件时间 event time' }}
      counts={[typeCount(d, 'delivery.vehicle', '快递车辆事件', 'Delivery vehicle events · 15 min')]}
      freshness={d.vitalsFresh}
    />
  );
  const figures = (
    <ThemeFigures
      name="logistics-figures"
      title={{ zh: '物流体征', en: 'Logistics', note: '对比常态 vs usual' }}
      metrics={[
        'logistics.vansActive',
        'logistics.parcelsDelivered',
        'logistics.carriagewayStopsPerHour',
        'logistics.loadingZoneShare',
      ]}
      themes={d.v?.themes}
      freshness={themesF}
    />
  );
  const hotspots = <BlockageHotspots alerts={blockages} freshness={d.alertsFresh} serverNow={d.serverNow} />;
  const map = (
    <SceneMap
      d={d}
      name="logistics-map"
      title={{ zh: '卸货堵路 · 占道停车', en: 'Blockages and carriageway stops' }}
      alerts={blockages}
    />
  );
  const table = (
    <AreaThemeTable
      name="logistics-districts"
      title={{ zh: '分区占道停车', en: 'Carriageway stops by district', note: '每小时 per hour' }}
      metrics={['logistics.carriagewayStopsPerHour', 'logistics.vansActive', 'logistics.loadingZoneShare']}
      themes={d.v?.themes}
      districts={districtsOf(d)}
      freshness={themesF}
      max={d.wide ? 16 : 10}
    />
  );
  return (
    <Layout scene="logistics" wide={d.wide}>
      <Col k="left">
        {counts}
        {figures}
      </Col>
      <Col k="center">{map}</Col>
      <Col k="right">
        {hotspots}
        {d.wide ? null : table}
      </Col>
      {d.wide ? <Col k="far">{table}</Col> : null}
    </Layout>
  );
}

function SensorsScene({ d }: { d: SceneData }) {
  const sensorAlerts = useMemo(() => d.openAlerts.filter((a: AlertView) => SENSOR_TYPES.has(a.type)), [d.openAlerts]);
  const themesF = themeOf(d, 'devices');
  const kinds = Object.keys(d.v?.themes?.city.values ?? {})
    .filter((k) => k.startsWith('devices.reportingShare:'))
    .sort()
    .slice(0, d.wide ? 7 : 5);
  const counts = (
    <CountFigures
      name="sensor-readings"
      title={{ zh: '感知读数', en: 'Sensor readings', note: '事件时间 event time' }}
      counts={[typeCount(d, 'sensor.reading', '感知设备读数', 'Readings · 15 min')]}
      freshness={d.vitalsFresh}
    />
  );
  const devices = (
    <ThemeFigures
      name="devices-reporting"
      title={{ zh: '设备在线率', en: 'Devices reporting', note: '两个周期内 within 2 intervals' }}
      metrics={['devices.reportingShare', ...kinds]}
      themes={d.v?.themes}
      freshness={themesF}
    />
  );
  const sources = (
    <SourcesPanel data={d.sources.data} freshness={d.sourcesFresh} serverNow={d.serverNow} max={d.wide ? 14 : 10} />
  );
  const alarms = (
    <AlertRows
      name="sensor-alerts"
      title={{ zh: '设备告警', en: 'Sensor alarms' }}
      alerts={sensorAlerts}
      freshness={d.alertsFresh}
      serverNow={d.serverNow}
      max={d.wide ? 14 : 9}
    />
  );
  const map = (
    <SceneMap
      d={d}
      name="sensors-map"
      title={{ zh: '感知告警分布', en: 'Sensor alarms on the map' }}
      alerts={sensorAlerts}
    />
  );
  const table = (
    <AreaThemeTable
      name="sensors-districts"
      title={{ zh: '分区设备体征', en: 'Devices by district' }}
      metrics={['devices.reportingShare', 'water.maxLevelCm', 'lighting.outShare']}
      themes={d.v?.themes}
      districts={districtsOf(d)}
      freshness={themesF}
      max={16}
    />
  );
  return (
    <Layout scene="sensors" wide={d.wide}>
      <Col k="left">
        {counts}
        {devices}
      </Col>
      <Col k="center">{map}</Col>
      <Col k="right">
        {sources}
        {d.wide ? null : alarms}
      </Col>
      {d.wide ? (
        <Col k="far">
          {alarms}
          {table}
        </Col>
      ) : null}
    </Layout>
  );
}

function CasesScene({ d }: { d: SceneData }) {
  const open = useMemo(() => openCases(d.cases.data, d.serverNow), [d.cases.data, d.serverNow]);
  const overdue = useMemo(() => open.filter((c) => isLate(c, d.serverNow)), [open, d.serverNow]);
  const summary = (
    <CasesPanel data={d.cases.data} synced={d.cases.synced} serverNow={d.serverNow} freshness={d.casesFresh} />
  );
  const overdueRows = (
    <CaseRows
      name="cases-overdue"
      title={{ zh: '超时案件', en: 'Overdue cases' }}
      cases={overdue}
      freshness={d.casesFresh}
      serverNow={d.serverNow}
      max={d.wide ? 12 : 6}
    />
  );
  const openRows = (
    <CaseRows
      name="cases-open"
      title={{ zh: '在办案件', en: 'Open cases' }}
      cases={open}
      freshness={d.casesFresh}
      serverNow={d.serverNow}
      max={d.wide ? 14 : 10}
    />
  );
  const alerts = <AlertRowsFromChannel d={d} />;
  const map = (
    // the city map (all open alerts) with the cases on it: the same widget name as the overview's,
    // so a wall that jumped here for a critical alert still has its alert markers where they are looked for
    <SceneMap
      d={d}
      title={{ zh: '案件与告警分布', en: 'Cases and alerts on the map' }}
      alerts={d.openAlerts}
      cases={open}
      casesFreshness={d.casesFresh}
    />
  );
  return (
    <Layout scene="cases" wide={d.wide}>
      <Col k="left">
        {summary}
        {overdueRows}
      </Col>
      <Col k="center">{map}</Col>
      <Col k="right">
        {d.wide ? null : alerts}
        {openRows}
      </Col>
      {d.wide ? <Col k="far">{alerts}</Col> : null}
    </Layout>
  );
}

/** The scene on the wall; only it is mounted (its charts are disposed when it goes). */
export function SceneView({ scene, data }: { scene: SceneId; data: SceneData }) {
  switch (scene) {
    case 'overview':
      return <OverviewScene d={data} />;
    case 'hotline':
      return <HotlineScene d={data} />;
    case 'logistics':
      return <LogisticsScene d={data} />;
    case 'sensors':
      return <SensorsScene d={data} />;
    case 'cases':
      return <CasesScene d={data} />;
  }
}
