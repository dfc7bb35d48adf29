/**
 * The table of a run's metrics: how many times each was logged, its final value and, for
 * metrics with a direction (loss down, accuracy up), its best value and step.
 *
 * ```ts
 * for (const m of summarizeMetrics(rows)) console.log(m.key, m.final, m.best?.value);
 * ```
 */
import { metricKeys, seriesOf, type MetricRow } from './metric-series.js';

export type BetterDirection = 'lower' | 'higher';

export interface MetricSummary {
  key: string;
  /** Logged values, NaN included. */
  count: number;
  final: { step: number; value: number };
  /** Best finite value for metrics with a direction. */
  best?: { step: number; value: number };
  /** Smallest and largest finite values (NaN when none). */
  min: number;
  max: number;
  direction?: BetterDirection;
}

/** Which way is better for a metric key, by its last path part; undefined when neither (lr, grad norm, logps, ...). */
export function betterDirection(key: string): BetterDirection | undefined {
  const name = key.split('/').pop() ?? key;
  if (/^(loss|perplexity|mse|mae|.*_loss)$/.test(name)) return 'lower';
  if (/^(accuracy|accuracies|margin|margins|reward|scores|reward_mean|mean|r2)$/.test(name) && !/^(critic|logps)\//.test(key)) return 'higher';
  return undefined;
}

/** One summary per metric key, in order of first appearance. */
export function summarizeMetrics(rows: readonly MetricRow[]): MetricSummary[] {
  const summaries: MetricSummary[] = [];
  for (const key of metricKeys(rows)) {
    const points = seriesOf(rows, key);
    const last = points[points.length - 1];
    if (last === undefined) continue;
    const finite = points.filter((p) => Number.isFinite(p.value));
    const direction = betterDirection(key);
    const summary: MetricSummary = {
      key,
      count: points.length,
      final: { step: last.step, value: last.value },
      min: finite.length > 0 ? Math.min(...finite.map((p) => p.value)) : Number.NaN,
      max: finite.length > 0 ? Math.max(...finite.map((p) => p.value)) : Number.NaN,
    };
    if (direction !== undefined) {
      summary.direction = direction;
      const best = finite.reduce<(typeof finite)[number] | undefined>((b, p) => (b === undefined || (direction === 'lower' ? p.value < b.value : p.value > b.value) ? p : b), undefined);
      if (best !== undefined) summary.best = { step: best.step, value: best.value };
    }
    summaries.push(summary);
  }
  return summaries;
}

/** A metric value for tables and terminals: 4 significant digits, exponent for tiny values. */
export function formatMetric(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (value !== 0 && Math.abs(value) < 1e-3) return value.toExponential(2);
  return String(Number(value.toPrecision(4)));
}
