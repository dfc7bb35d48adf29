/**
 * Regression metrics for process reward models and value heads: predicted scores against
 * target scores. R² follows scikit-learn's `r2_score`, including its convention for constant
 * targets (1 for a perfect fit, else 0).
 *
 * ```ts
 * regressionMetrics([2.5, 0, 2, 8], [3, -0.5, 2, 7]);  // { mse: 0.375, mae: 0.5, r2: 0.9486, count: 4 }
 * ```
 */
import { checkPaired, mean } from './summary-stats.js';

export interface RegressionMetrics {
  /** Mean squared error. */
  mse: number;
  /** Mean absolute error. */
  mae: number;
  /** Coefficient of determination 1 − SS_res / SS_tot: 1 is perfect, 0 is no better than predicting the mean, < 0 is worse. */
  r2: number;
  count: number;
}

/** MSE, MAE and R² of `predictions` against `targets` (same length, at least one). */
export function regressionMetrics(predictions: readonly number[], targets: readonly number[]): RegressionMetrics {
  checkPaired('regressionMetrics', predictions, targets, ['predictions', 'targets']);
  const errors = predictions.map((p, i) => p - (targets[i] as number));
  const ssRes = errors.reduce((s, e) => s + e * e, 0);
  const targetMean = mean(targets);
  const ssTot = targets.reduce((s, t) => s + (t - targetMean) * (t - targetMean), 0);
  const r2 = ssTot > 0 ? 1 - ssRes / ssTot : ssRes === 0 ? 1 : 0;
  return { mse: ssRes / errors.length, mae: mean(errors.map(Math.abs)), r2, count: errors.length };
}
