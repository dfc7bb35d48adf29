/** Hand-written SVG line charts of a run's metrics. */
export { renderLineChart } from './line-chart.js';
export type { ChartSeries, LineChartSpec, ReferenceLine } from './line-chart.js';
export { formatTick, niceTicks } from './ticks.js';
export type { Ticks } from './ticks.js';
export { chartIdFor, RUN_CHARTS, runCharts } from './run-charts.js';
export type { RunChart, RunChartSpec } from './run-charts.js';
