import type { ComposeOption } from 'echarts/core';
import type {
  BarSeriesOption,
  EffectScatterSeriesOption,
  LineSeriesOption,
  LinesSeriesOption,
  MapSeriesOption,
} from 'echarts/charts';
import type {
  GeoComponentOption,
  GridComponentOption,
  TooltipComponentOption,
  VisualMapComponentOption,
} from 'echarts/components';

/** The option type of every chart on the screen, limited to the parts registered in echarts.ts. */
export type ChartOption = ComposeOption<
  | MapSeriesOption
  | BarSeriesOption
  | LineSeriesOption
  | EffectScatterSeriesOption
  | LinesSeriesOption
  | GeoComponentOption
  | GridComponentOption
  | TooltipComponentOption
  | VisualMapComponentOption
>;

/** The part of ECharts' callback params the formatters read. */
export interface FormatterParams {
  name: string;
  value: unknown;
  seriesName?: string;
  marker?: string;
}
