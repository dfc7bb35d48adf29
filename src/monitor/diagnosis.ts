/**
 * Training health diagnosis: the rules of thumb practitioners apply to RLHF metric curves, as a
 * typed table. Each rule reads the standard series (metric-series.ts) and, when it fires, says
 * what it saw and what to try.
 *
 * ```ts
 * const findings = diagnose(readRun('outputs/ppo').rows, { klTarget: 6 });
 * for (const f of findings) console.log(`${f.severity} ${f.id}: ${f.message}\n  advice: ${f.advice}`);
 * ```
 */
import { findSeries, seriesOf, type MetricRow, type SeriesPoint, type StandardMetric } from './metric-series.js';

export type Severity = 'error' | 'warning' | 'info';

export interface DiagnosisOptions {
  /** Logged values averaged for "recent" and "early" levels. Default 5. */
  window?: number;
  /** Critic d_acc above this: the critic may be overfitting. Default 0.8. */
  dAccHigh?: number;
  /** Critic d_acc below this: the student is close to the teacher (0.5 is chance). Default 0.55. */
  dAccLow?: number;
  /** score_diff must shrink by at least this fraction of its early size to count as shrinking. Default 0.1. */
  scoreDiffMinShrink?: number;
  /** A score_diff whose recent size is below this is already closed and not judged. Default 0.05. */
  scoreDiffFloor?: number;
  /** Grad norm (before clipping) above this: unstable. Default 5. */
  gradNormHigh?: number;
  /** Grad norm below this: stalled. Default 0.1. */
  gradNormLow?: number;
  /** KL to the reference above this is too far (TRL's adaptive-KL default target is 6 nats per sequence). Default 6. */
  klTarget?: number;
  /** KL "explodes" when its recent level is above klTarget and at least this many times its early level. Default 3. */
  klExplodeRatio?: number;
}

export const DEFAULT_DIAGNOSIS_OPTIONS: Required<DiagnosisOptions> = {
  window: 5,
  dAccHigh: 0.8,
  dAccLow: 0.55,
  scoreDiffMinShrink: 0.1,
  scoreDiffFloor: 0.05,
  gradNormHigh: 5,
  gradNormLow: 0.1,
  klTarget: 6,
  klExplodeRatio: 3,
};

export const DIAGNOSIS_RULE_IDS = [
  'loss-nan',
  'grad-norm-high',
  'grad-norm-low',
  'kl-above-target',
  'reward-hacking',
  'critic-overfit',
  'critic-near-chance',
  'score-diff-flat',
] as const;
export type DiagnosisRuleId = (typeof DIAGNOSIS_RULE_IDS)[number];

/** One rule that fired. */
export interface Finding {
  id: DiagnosisRuleId;
  severity: Severity;
  /** What was seen, with the numbers. */
  message: string;
  /** What to try. */
  advice: string;
  /** The step the finding is about (the last one looked at, or the first bad one). */
  step: number;
}

/** The series a rule can ask for, read once per diagnosis. */
export interface DiagnosisInput {
  rows: readonly MetricRow[];
  series(metric: StandardMetric): SeriesPoint[];
}

export interface DiagnosisRule {
  id: DiagnosisRuleId;
  severity: Severity;
  /** The condition, for docs and the report. */
  condition: (o: Required<DiagnosisOptions>) => string;
  advice: string;
  /** The message and step when the rule fires, else undefined. */
  check(input: DiagnosisInput, o: Required<DiagnosisOptions>): { message: string; step: number } | undefined;
}

const finite = (points: readonly SeriesPoint[]): SeriesPoint[] => points.filter((p) => Number.isFinite(p.value));
const meanOf = (points: readonly SeriesPoint[]): number => points.reduce((s, p) => s + p.value, 0) / points.length;
const fmt = (x: number): string => (Math.abs(x) >= 1e-3 || x === 0 ? String(Number(x.toPrecision(3))) : x.toExponential(2));

/** Mean of the last `window` finite values, and the step of the last one. */
function recent(points: readonly SeriesPoint[], window: number): { level: number; step: number } | undefined {
  const f = finite(points);
  const tail = f.slice(-window);
  const last = tail[tail.length - 1];
  return last === undefined ? undefined : { level: meanOf(tail), step: last.step };
}

/** Early and recent levels: means of the first and last min(window, n/2) finite values; needs 4 values. */
function trend(points: readonly SeriesPoint[], window: number): { early: number; late: number; step: number } | undefined {
  const f = finite(points);
  if (f.length < 4) return undefined;
  const k = Math.min(window, Math.floor(f.length / 2));
  return { early: meanOf(f.slice(0, k)), late: meanOf(f.slice(-k)), step: (f[f.length - 1] as SeriesPoint).step };
}

export const DIAGNOSIS_RULES: readonly DiagnosisRule[] = [
  {
    id: 'loss-nan',
    severity: 'error',
    condition: () => 'a logged loss (train or eval) is NaN or infinite',
    advice: 'lower training.learning_rate, keep training.max_grad_norm clipping on, look for empty or extreme examples, and resume from a checkpoint before that step',
    check({ rows }) {
      for (const key of ['loss', 'eval/loss']) {
        const bad = seriesOf(rows, key).filter((p) => !Number.isFinite(p.value));
        const first = bad[0];
        if (first !== undefined) return { message: `${key} is NaN or infinite at step ${first.step}${bad.length > 1 ? ` (and ${bad.length - 1} later logs)` : ''}`, step: first.step };
      }
      return undefined;
    },
  },
  {
    id: 'grad-norm-high',
    severity: 'warning',
    condition: (o) => `grad norm (before clipping) averages above ${o.gradNormHigh} over the last ${o.window} logs`,
    advice: 'lower training.learning_rate, keep clipping on (training.max_grad_norm, default 1.0; the logged norm is before clipping), or lengthen the warm-up',
    check(input, o) {
      const r = recent(input.series('gradNorm'), o.window);
      if (r === undefined || r.level <= o.gradNormHigh) return undefined;
      return { message: `grad norm averages ${fmt(r.level)} over the last ${o.window} logs (above ${o.gradNormHigh}): training is unstable`, step: r.step };
    },
  },
  {
    id: 'grad-norm-low',
    severity: 'warning',
    condition: (o) => `grad norm averages below ${o.gradNormLow} over the last ${o.window} logs`,
    advice: 'raise training.learning_rate, check that the weights you mean to train are trainable (LoRA targets) and that the loss mask is not nearly empty',
    check(input, o) {
      const r = recent(input.series('gradNorm'), o.window);
      if (r === undefined || r.level >= o.gradNormLow) return undefined;
      return { message: `grad norm averages ${fmt(r.level)} over the last ${o.window} logs (below ${o.gradNormLow}): training may have stalled`, step: r.step };
    },
  },
  {
    id: 'kl-above-target',
    severity: 'warning',
    condition: (o) => `KL to the reference averages above ${o.klTarget} over the last ${o.window} logs`,
    advice: 'the policy is drifting far from the reference: raise the KL coefficient (ppo.kl_coef, grpo.beta) or lower training.learning_rate',
    check(input, o) {
      const r = recent(input.series('kl'), o.window);
      if (r === undefined || r.level <= o.klTarget) return undefined;
      return { message: `KL averages ${fmt(r.level)} over the last ${o.window} logs, above the target ${o.klTarget}`, step: r.step };
    },
  },
  {
    id: 'reward-hacking',
    severity: 'error',
    condition: (o) => `reward rising while KL explodes (recent KL above ${o.klTarget} and ${o.klExplodeRatio}x its early level)`,
    advice: 'the policy may be exploiting the reward model: read samples for degenerate text that scores high, raise the KL coefficient, stop at an earlier checkpoint, or improve the reward model',
    check(input, o) {
      const reward = trend(input.series('reward'), o.window);
      const kl = trend(input.series('kl'), o.window);
      if (reward === undefined || kl === undefined) return undefined;
      const explodes = kl.late > o.klTarget && kl.late >= o.klExplodeRatio * kl.early;
      if (!(reward.late > reward.early && explodes)) return undefined;
      return { message: `reward rose from ${fmt(reward.early)} to ${fmt(reward.late)} while KL grew from ${fmt(kl.early)} to ${fmt(kl.late)}`, step: Math.max(reward.step, kl.step) };
    },
  },
  {
    id: 'critic-overfit',
    severity: 'warning',
    condition: (o) => `critic d_acc averages above ${o.dAccHigh} over the last ${o.window} logs`,
    advice: "the critic may be overfitting: lower the critic's learning rate or raise the temperature",
    check(input, o) {
      const r = recent(input.series('dAcc'), o.window);
      if (r === undefined || r.level <= o.dAccHigh) return undefined;
      return { message: `critic d_acc averages ${fmt(r.level)} over the last ${o.window} logs (above ${o.dAccHigh}): it separates teacher from student too easily`, step: r.step };
    },
  },
  {
    id: 'critic-near-chance',
    severity: 'info',
    condition: (o) => `critic d_acc averages below ${o.dAccLow} over the last ${o.window} logs (0.5 is chance)`,
    advice: "the student is close to the teacher, so the critic's signal is weak: end the warm-up, or use prompts where they differ; if the student is still far behind, check the critic is learning",
    check(input, o) {
      const r = recent(input.series('dAcc'), o.window);
      if (r === undefined || r.level >= o.dAccLow) return undefined;
      return { message: `critic d_acc averages ${fmt(r.level)} over the last ${o.window} logs (below ${o.dAccLow}, chance is 0.5): the student is close to the teacher`, step: r.step };
    },
  },
  {
    id: 'score-diff-flat',
    severity: 'warning',
    condition: (o) => `|score_diff| has not shrunk by ${o.scoreDiffMinShrink * 100}% from its early level and is above ${o.scoreDiffFloor}`,
    advice: "the student is not closing the gap to the teacher: check the student's learning rate and that the critic's scores reach its loss",
    check(input, o) {
      const t = trend(input.series('scoreDiff').map((p) => ({ step: p.step, value: Math.abs(p.value) })), o.window);
      if (t === undefined || t.late <= o.scoreDiffFloor || t.late < t.early * (1 - o.scoreDiffMinShrink)) return undefined;
      return { message: `|score_diff| is not shrinking: ${fmt(t.early)} early, ${fmt(t.late)} recently`, step: t.step };
    },
  },
];

/** The options with defaults filled in (an explicit undefined keeps the default); checks `window`. */
export function resolveDiagnosisOptions(options: DiagnosisOptions = {}): Required<DiagnosisOptions> {
  const o: Required<DiagnosisOptions> = { ...DEFAULT_DIAGNOSIS_OPTIONS };
  for (const [key, value] of Object.entries(options) as Array<[keyof DiagnosisOptions, number | undefined]>) if (value !== undefined) o[key] = value;
  if (!Number.isInteger(o.window) || o.window < 1) throw new Error(`diagnosis window must be a positive integer, got ${o.window}`);
  return o;
}

/** Runs every rule over the rows; findings come errors first, then warnings, then info. */
export function diagnose(rows: readonly MetricRow[], options: DiagnosisOptions = {}): Finding[] {
  const o = resolveDiagnosisOptions(options);
  const cache = new Map<StandardMetric, SeriesPoint[]>();
  const input: DiagnosisInput = {
    rows,
    series(metric) {
      let points = cache.get(metric);
      if (points === undefined) cache.set(metric, (points = findSeries(rows, metric)?.points ?? []));
      return points;
    },
  };
  const order: Record<Severity, number> = { error: 0, warning: 1, info: 2 };
  const findings: Finding[] = [];
  for (const rule of DIAGNOSIS_RULES) {
    const hit = rule.check(input, o);
    if (hit !== undefined) findings.push({ id: rule.id, severity: rule.severity, message: hit.message, advice: rule.advice, step: hit.step });
  }
  return findings.sort((a, b) => order[a.severity] - order[b.severity]);
}
