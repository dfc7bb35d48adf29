/**
 * The generalised Jensen-Shannon divergence of GKD (Agarwal et al. 2024, "On-Policy
 * Distillation of Language Models: Learning from Self-Generated Mistakes", eq. 1), exactly as
 * TRL 1.13's GKDTrainer.generalized_jsd_loss computes it: with S and T the student's and the
 * teacher's next-token distributions (softmax of logits / temperature) and the mixture
 * M = (1 − β)·S + β·T,
 *
 *   JSD_β = β·KL(T ‖ M) + (1 − β)·KL(S ‖ M)      for 0 < β < 1,
 *   β = 0:  KL(T ‖ S)   (forward KL),            β = 1:  KL(S ‖ T)   (reverse KL).
 *
 * The two ends are special cases, as in TRL: the interpolation itself tends to 0 (not to a KL)
 * as β → 0 or 1, so β = 0 and β = 1 switch to the plain KLs.
 *
 * ```ts
 * const loss = generalizedJsdLoss(studentLogits, teacherLogits, { labels, beta: 0.5 }); // scalar, batchmean over labels != -100
 * const perToken = generalizedJsd(studentRows, teacherRows, { beta: 0.5 });              // (n) for (n, V) logits
 * ```
 */
import { stack, tidy, type Tensor } from '../tensor/index.js';
import { assertShape } from './shapes.js';

export interface GeneralizedJsdOptions {
  /** Interpolation β in [0, 1]: 0 = forward KL(T‖S), 1 = reverse KL(S‖T). Default 0.5 (TRL's). */
  beta?: number;
  /** Softmax temperature applied to both logits before the divergence. Default 1. */
  temperature?: number;
}

/** How generalizedJsdLoss reduces the kept tokens (TRL's `reduction`). */
export const JSD_REDUCTIONS = ['batchmean', 'sum', 'mean'] as const;
export type JsdReduction = (typeof JSD_REDUCTIONS)[number];

export interface GeneralizedJsdLossOptions extends GeneralizedJsdOptions {
  /** (..., ) token labels, -100 where no loss is taken; absent: every position counts. */
  labels?: Tensor;
  /**
   * batchmean (default): the summed divergence over the kept tokens / their count (at least 1:
   * TRL returns 0, not NaN, when nothing is kept), or without labels / the first dimension (B);
   * sum; mean: over every kept (token, vocab) element.
   */
  reduction?: JsdReduction;
}

function checkOptions(op: string, o: GeneralizedJsdOptions): { beta: number; temperature: number } {
  const beta = o.beta ?? 0.5;
  const temperature = o.temperature ?? 1;
  if (!(beta >= 0 && beta <= 1)) throw new RangeError(`${op}: beta (${beta}) must be in [0, 1]`);
  if (!(temperature > 0 && Number.isFinite(temperature))) throw new RangeError(`${op}: temperature (${temperature}) must be a finite number > 0`);
  return { beta, temperature };
}

/**
 * The element-wise terms of JSD_β over the vocabulary (last) axis, shape of the logits; summed
 * over the last axis they are the per-token divergence. KL(P‖Q) terms are p·(log p − log q), as
 * F.kl_div(log q, log p, log_target=True) computes them.
 */
function jsdTerms(studentLogits: Tensor, teacherLogits: Tensor, beta: number, temperature: number): Tensor {
  const s = studentLogits.div(temperature).logSoftmax(-1); // log S
  const t = teacherLogits.div(temperature).logSoftmax(-1); // log T
  const kl = (logP: Tensor, logQ: Tensor) => logP.exp().mul(logP.sub(logQ));
  if (beta === 0) return kl(t, s);
  if (beta === 1) return kl(s, t);
  // log M = logsumexp(log S + log(1 − β), log T + log β), as TRL.
  const m = stack([s.add(Math.log1p(-beta)), t.add(Math.log(beta))]).logsumexp({ dim: 0 });
  return kl(t, m).mul(beta).add(kl(s, m).mul(1 - beta));
}

/**
 * Per-token JSD_β between student and teacher logits (..., V) → (...): the divergence of each
 * position's next-token distributions, summed over the vocabulary.
 */
export function generalizedJsd(studentLogits: Tensor, teacherLogits: Tensor, options: GeneralizedJsdOptions = {}): Tensor {
  const { beta, temperature } = checkOptions('generalizedJsd', options);
  assertShape('generalizedJsd', 'teacherLogits', teacherLogits, studentLogits.shape);
  return tidy(() => jsdTerms(studentLogits, teacherLogits, beta, temperature).sum({ dim: -1 }));
}

/**
 * TRL's generalized_jsd_loss: JSD_β of (B, T, V) student and teacher logits at the positions
 * whose label is not -100, reduced to a scalar (batchmean by default: the mean per-token divergence).
 */
export function generalizedJsdLoss(studentLogits: Tensor, teacherLogits: Tensor, options: GeneralizedJsdLossOptions = {}): Tensor {
  const { beta, temperature } = checkOptions('generalizedJsdLoss', options);
  assertShape('generalizedJsdLoss', 'teacherLogits', teacherLogits, studentLogits.shape);
  const labels = options.labels;
  if (labels !== undefined) assertShape('generalizedJsdLoss', 'labels', labels, studentLogits.shape.slice(0, -1));
  const reduction = options.reduction ?? 'batchmean';
  return tidy(() => {
    const V = studentLogits.size(-1);
    let terms = jsdTerms(studentLogits, teacherLogits, beta, temperature).reshape(-1, V); // (N, V)
    if (labels !== undefined) terms = terms.indexSelect(0, labels.reshape(-1).ne(-100).nonzero().squeeze(-1)); // (n, V)
    // batchmean divides by the kept tokens, or without labels by the first dimension (the batch, as F.kl_div's batchmean).
    const count = labels !== undefined ? terms.size(0) : studentLogits.size(0);
    switch (reduction) {
      case 'batchmean':
        return terms.sum().div(Math.max(count, 1));
      case 'sum':
        return terms.sum();
      case 'mean':
        return terms.mean();
      default: {
        const never: never = reduction;
        throw new TypeError(`generalizedJsdLoss: unknown reduction '${String(never)}'; expected one of ${JSD_REDUCTIONS.join(', ')}`);
      }
    }
  });
}
