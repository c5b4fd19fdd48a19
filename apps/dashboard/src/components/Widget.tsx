import type { ReactNode } from 'react';
import type { Freshness } from '../feed/wall-state.js';
import { formatAge } from '../format.js';
import { PanelTitle } from './PanelTitle.js';

interface WidgetProps {
  /** the widget's name: its root carries `data-widget="<name>"` (tests and people find it by that) */
  name: string;
  freshness: Freshness;
  title?: { zh: string; en: string; note?: string };
  className?: string;
  /** extra attributes for tests (`data-testid` and the like) */
  attrs?: Record<`data-${string}`, string>;
  children?: ReactNode;
}

/**
 * The frame every wall widget sits in (decision 13): its root carries `data-widget` and
 * `data-fresh`; it shows the age of its data, and when the data is not current it greys out and
 * says why (`data-stale-reason`), so a figure is never shown as current when it is not.
 */
export function Widget({ name, freshness, title, className, attrs, children }: WidgetProps) {
  const { fresh, reason, ageMs } = freshness;
  return (
    <section
      className={`panel widget widget-${name}${className ? ` ${className}` : ''}${fresh ? '' : ' is-stale'}`}
      data-widget={name}
      data-fresh={String(fresh)}
      {...(reason ? { 'data-stale-reason': reason } : {})}
      {...attrs}
    >
      {title ? <PanelTitle zh={title.zh} en={title.en} {...(title.note ? { note: title.note } : {})} /> : null}
      <span
        className={`widget-age${fresh ? '' : ' is-stale'}`}
        data-age-ms={ageMs ?? ''}
        title="数据龄 age of the data (server clock)"
      >
        {ageMs === null ? '—' : `⏱ ${formatAge(ageMs)}`}
      </span>
      {fresh ? null : <div className="widget-stale">{reason}</div>}
      {children}
    </section>
  );
}
