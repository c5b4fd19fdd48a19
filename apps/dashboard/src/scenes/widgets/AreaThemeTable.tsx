import type { ThemesSnapshot } from '@cityops/schema';
import type { MapArea } from '../../charts/map-option.js';
import { Widget } from '../../components/Widget.js';
import type { Freshness } from '../../feed/wall-state.js';
import { formatMetric, metricDef, UNUSUAL } from '../format-theme.js';

/**
 * A theme's figures by district: one row per district, one column per metric, marked when
 * unusual for this hour. The worst rows first (by the first metric's deviation). `—` where the
 * themes have nothing for a district.
 */
export function AreaThemeTable({
  name,
  title,
  metrics,
  themes,
  districts,
  freshness,
  max = 16,
}: {
  name: string;
  title: { zh: string; en: string; note?: string };
  metrics: string[];
  themes: ThemesSnapshot | undefined;
  districts: MapArea[];
  freshness: Freshness;
  max?: number;
}) {
  const first = metrics[0] ?? '';
  const rows = districts
    .map((d) => ({ d, t: themes?.byDistrict[d.id] }))
    .sort(
      (a, b) =>
        (b.t?.deviation[first] ?? -Infinity) - (a.t?.deviation[first] ?? -Infinity) || a.d.id.localeCompare(b.d.id),
    )
    .slice(0, max);
  return (
    <Widget name={name} className="area-table" freshness={freshness} title={title}>
      <div className="area-row area-head" style={{ gridTemplateColumns: `8rem repeat(${metrics.length}, 1fr)` }}>
        <span>区 District</span>
        {metrics.map((m) => (
          <span key={m}>{metricDef(m)?.zh ?? m}</span>
        ))}
      </div>
      {rows.length === 0 ? <div className="empty">—</div> : null}
      <div className="area-rows">
        {rows.map(({ d, t }) => (
          <div
            key={d.id}
            className="area-row"
            data-area={d.id}
            style={{ gridTemplateColumns: `8rem repeat(${metrics.length}, 1fr)` }}
          >
            <span className="area-name">{d.name}</span>
            {metrics.map((m) => {
              const dev = t?.deviation[m];
              return (
                <span key={m} className={`area-cell${dev !== undefined && dev >= UNUSUAL ? ' is-unusual' : ''}`}>
                  {formatMetric(m, t?.values[m])}
                </span>
              );
            })}
          </div>
        ))}
      </div>
    </Widget>
  );
}
