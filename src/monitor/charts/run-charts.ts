/**
 * The charts of a training run: a table of standard charts (loss, learning rate, grad norm,
 * reward, KL, preference rewards and accuracy, critic d_acc / score_diff / teacher and student
 * scores), each drawn when the run logged its metrics, then one chart per remaining metric.
 * A series also gets its `eval/` twin (`eval/accuracy` beside `accuracy`) when the run logged one.
 *
 * ```ts
 * for (const chart of runCharts(readRun(dir).rows)) writeFileSync(join(out, `${chart.id}.svg`), chart.svg);
 * ```
 */
import { resolveDiagnosisOptions, type DiagnosisOptions } from '../diagnosis.js';
import { firstSeries, METRIC_ALIASES, metricKeys, type MetricRow, type StandardMetric } from '../metric-series.js';
import { renderLineChart, type ChartSeries, type ReferenceLine } from './line-chart.js';

interface SeriesSpec {
  label: string;
  metric: StandardMetric;
}

export interface RunChartSpec {
  /** File name stem: `<id>.svg`. */
  id: string;
  title: string;
  series: readonly SeriesSpec[];
  referenceLines?: (o: Required<DiagnosisOptions>) => ReferenceLine[];
}

export const RUN_CHARTS: readonly RunChartSpec[] = [
  { id: 'loss', title: 'Loss', series: [{ label: 'loss', metric: 'loss' }, { label: 'eval loss', metric: 'evalLoss' }] },
  { id: 'lr', title: 'Learning rate', series: [{ label: 'lr', metric: 'lr' }] },
  {
    id: 'grad-norm',
    title: 'Gradient norm (before clipping)',
    series: [{ label: 'grad norm', metric: 'gradNorm' }],
    referenceLines: (o) => [{ value: o.gradNormHigh, label: 'unstable', extendAxis: false }, { value: o.gradNormLow, label: 'stalled', extendAxis: false }],
  },
  { id: 'reward', title: 'Reward', series: [{ label: 'reward', metric: 'reward' }] },
  { id: 'kl', title: 'KL to the reference', series: [{ label: 'KL', metric: 'kl' }], referenceLines: (o) => [{ value: o.klTarget, label: 'target', extendAxis: false }] },
  {
    id: 'preference-rewards',
    title: 'Preference rewards',
    series: [{ label: 'chosen', metric: 'chosenReward' }, { label: 'rejected', metric: 'rejectedReward' }, { label: 'margin', metric: 'preferenceMargin' }],
  },
  { id: 'preference-accuracy', title: 'Preference accuracy', series: [{ label: 'accuracy', metric: 'preferenceAccuracy' }], referenceLines: () => [{ value: 0.5, label: 'chance' }] },
  {
    id: 'critic-d-acc',
    title: 'Critic d_acc (teacher scored above student)',
    series: [{ label: 'd_acc', metric: 'dAcc' }],
    referenceLines: (o) => [{ value: 0.5, label: 'chance 0.5' }, { value: o.dAccHigh, label: 'overfit?', extendAxis: false }, { value: o.dAccLow, label: 'student close', extendAxis: false }],
  },
  { id: 'critic-score-diff', title: 'Critic score_diff (teacher − student)', series: [{ label: 'score_diff', metric: 'scoreDiff' }], referenceLines: () => [{ value: 0, label: '0' }] },
  { id: 'critic-scores', title: 'Critic scores: teacher and student means', series: [{ label: 'teacher', metric: 'teacherScore' }, { label: 'student', metric: 'studentScore' }] },
];

export interface RunChart {
  id: string;
  title: string;
  /** The metrics.jsonl keys drawn. */
  keys: string[];
  svg: string;
}

/** A file-name-safe id for a metric key: `eval/perplexity` → `eval-perplexity`. */
export function chartIdFor(key: string): string {
  return key.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'metric';
}

/** Every chart the rows support: the standard ones in table order, then the other metrics alphabetically. */
export function runCharts(rows: readonly MetricRow[], options: DiagnosisOptions = {}): RunChart[] {
  const o = resolveDiagnosisOptions(options);
  const used = new Set<string>();
  const charts: RunChart[] = [];
  for (const spec of RUN_CHARTS) {
    const series: ChartSeries[] = [];
    const keys: string[] = [];
    for (const s of spec.series) {
      const found = firstSeries(rows, METRIC_ALIASES[s.metric]);
      if (found === undefined || keys.includes(found.key)) continue;
      series.push({ label: s.label, points: found.points });
      keys.push(found.key);
      const evalTwin = found.key.startsWith('eval/') ? undefined : firstSeries(rows, [`eval/${found.key}`]);
      if (evalTwin !== undefined) {
        series.push({ label: `eval ${s.label}`, points: evalTwin.points });
        keys.push(evalTwin.key);
      }
    }
    if (series.length === 0) continue;
    keys.forEach((k) => used.add(k));
    charts.push({ id: spec.id, title: spec.title, keys, svg: renderLineChart({ title: spec.title, series, referenceLines: spec.referenceLines?.(o) ?? [] }) });
  }
  const taken = new Set(charts.map((c) => c.id));
  for (const key of metricKeys(rows).filter((k) => !used.has(k)).sort()) {
    const found = firstSeries(rows, [key]);
    if (found === undefined) continue;
    let id = chartIdFor(key);
    while (taken.has(id)) id = `${id}-metric`;
    taken.add(id);
    charts.push({ id, title: key, keys: [key], svg: renderLineChart({ title: key, series: [{ label: key, points: found.points }] }) });
  }
  return charts;
}
