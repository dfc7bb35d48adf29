/**
 * metrics.jsonl rows as per-metric series, and the names each standard metric goes by: trainers
 * log reward as `reward` or `objective/scores`, KL as `kl` or `objective/kl`, and so on.
 *
 * ```ts
 * const loss = seriesOf(rows, 'loss');                  // [{ step: 1, value: 2.3 }, ...]; null (NaN/Inf when logged) → NaN
 * const kl = findSeries(rows, 'kl');                     // { key: 'objective/kl', points } or undefined
 * ```
 */

/** One metrics.jsonl line: `step` plus any scalars; a non-finite value was written as null. */
export type MetricRow = Record<string, number | null>;

export interface SeriesPoint {
  step: number;
  /** NaN where the logged value was null (a NaN or infinite number at log time). */
  value: number;
}

/** Standard metrics and the keys they are logged under, in order of preference. */
export const METRIC_ALIASES = {
  loss: ['loss'],
  evalLoss: ['eval/loss'],
  lr: ['lr', 'learning_rate'],
  gradNorm: ['grad_norm'],
  reward: ['reward', 'rewards/mean', 'objective/scores', 'env/reward_mean'],
  kl: ['kl', 'objective/kl'],
  chosenReward: ['rewards/chosen'],
  rejectedReward: ['rewards/rejected'],
  preferenceMargin: ['rewards/margins', 'margin'],
  preferenceAccuracy: ['rewards/accuracies', 'accuracy'],
  dAcc: ['critic/d_acc', 'd_acc'],
  scoreDiff: ['critic/score_diff', 'score_diff'],
  teacherScore: ['critic/teacher_score', 'teacher_score'],
  studentScore: ['critic/student_score', 'student_score'],
} as const satisfies Record<string, readonly string[]>;
export type StandardMetric = keyof typeof METRIC_ALIASES;

/** Keys that index a row rather than measure anything. */
export const INDEX_KEYS: ReadonlySet<string> = new Set(['step', 'epoch']);

/** The points of `key`, in file order, from rows that have it. */
export function seriesOf(rows: readonly MetricRow[], key: string): SeriesPoint[] {
  const points: SeriesPoint[] = [];
  for (const row of rows) {
    if (!(key in row) || typeof row['step'] !== 'number') continue;
    const v = row[key];
    points.push({ step: row['step'], value: typeof v === 'number' ? v : Number.NaN });
  }
  return points;
}

/** The first of `keys` that any row has, with its points. */
export function firstSeries(rows: readonly MetricRow[], keys: readonly string[]): { key: string; points: SeriesPoint[] } | undefined {
  for (const key of keys) {
    const points = seriesOf(rows, key);
    if (points.length > 0) return { key, points };
  }
  return undefined;
}

/** A standard metric's series under whichever alias the run used. */
export function findSeries(rows: readonly MetricRow[], metric: StandardMetric): { key: string; points: SeriesPoint[] } | undefined {
  return firstSeries(rows, METRIC_ALIASES[metric]);
}

/** Every metric key in the rows, in order of first appearance, without step and epoch. */
export function metricKeys(rows: readonly MetricRow[]): string[] {
  const keys = new Set<string>();
  for (const row of rows) for (const key of Object.keys(row)) if (!INDEX_KEYS.has(key)) keys.add(key);
  return [...keys];
}
