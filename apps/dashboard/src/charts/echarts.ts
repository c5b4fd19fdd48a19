import * as echarts from 'echarts/core';
import { BarChart, EffectScatterChart, LineChart, LinesChart, MapChart } from 'echarts/charts';
import { GeoComponent, GridComponent, TooltipComponent, VisualMapComponent } from 'echarts/components';
import { CanvasRenderer } from 'echarts/renderers';

// Only what the screen draws, on canvas: a smaller bundle and one renderer for every chart.
echarts.use([
  MapChart,
  BarChart,
  LineChart,
  EffectScatterChart,
  LinesChart,
  GeoComponent,
  GridComponent,
  TooltipComponent,
  VisualMapComponent,
  CanvasRenderer,
]);

export { echarts };
