/**
 * Group Relative Policy Optimization (Shao et al. 2024, "DeepSeekMath", eq. 3 for the
 * objective), as TRL 1.13 `GRPOTrainer`; the advantages come from ./advantages.ts.
 *
 * ```ts
 * const advantages = grpoAdvantages(rewards, { numGenerations: 4 });          // (N,)
 * const { loss } = grpoLoss({ perTokenLogps, oldPerTokenLogps, advantages, completionMask });
 * ```
 */
import { tidy, type Tensor } from '../tensor/index.js';
import { klEstimate } from './kl.js';
import { maskedMean } from './masked.js';
import { assertShape } from './shapes.js';

export const GRPO_LOSS_TYPES = ['grpo', 'bnpo', 'dr_grpo', 'dapo'] as const;
export type GrpoLossType = (typeof GRPO_LOSS_TYPES)[number];

/** token: a ratio per token (GRPO); sequence: one length-normalised ratio per sequence (GSPO). */
export const IMPORTANCE_SAMPLING_LEVELS = ['token', 'sequence'] as const;
export type ImportanceSamplingLevel = (typeof IMPORTANCE_SAMPLING_LEVELS)[number];

export interface GrpoInputs {
  /** (B, C) log-probs of the completion tokens under the policy being trained. */
  perTokenLogps: Tensor;
  /** (B, C) the same under the policy that sampled them; defaults to perTokenLogps detached (ratio 1). */
  oldPerTokenLogps?: Tensor;
  /** (B, C) under the reference model; needed when beta > 0. */
  refPerTokenLogps?: Tensor;
  /** (B,) one advantage per completion. */
  advantages: Tensor;
  /** (B, C) 1 on completion tokens. */
  completionMask: Tensor;
  /** (B, C) or (B, 1): sampler-mismatch importance weights (./importance-sampling.ts), on the clipped term only. */
  samplingRatio?: Tensor;
}

export interface GrpoOptions {
  /** KL coefficient; 0 (TRL default) skips the reference model. */
  beta?: number;
  epsilonLow?: number;
  /** Defaults to epsilonLow. */
  epsilonHigh?: number;
  /** Aggregation; 'dapo' is TRL 1.13's default. */
  lossType?: GrpoLossType;
  /** 'dr_grpo' divides by B · maxCompletionLength. */
  maxCompletionLength?: number;
  /** 'dapo' divides by this (tokens in the whole global batch); Σ mask by default. */
  numItemsInBatch?: number;
  /** 'token' (GRPO): a ratio per token; 'sequence' (GSPO): one length-normalised ratio per sequence. Default 'token'. */
  importanceSamplingLevel?: ImportanceSamplingLevel;
}

export interface GrpoOutput {
  /** Scalar. */
  loss: Tensor;
  /** (B, C) mask · L. */
  perTokenLoss: Tensor;
  /** Scalars, detached: masked mean of the k3 KL (0 when beta = 0) and fraction of tokens clipped. */
  metrics: { kl: Tensor; clipRatio: Tensor };
}

/**
 * Token-level clipped surrogate (PPO's, Schulman et al. 2017, eq. 7) with a group-relative
 * advantage, plus β · ratio · k3 KL to the reference (Schulman 2020 "Approximating KL";
 * multiplied by the ratio as TRL's `use_bias_correction_kl`):
 *   L = −w·min(ρ·A, clip(ρ, 1 − ε_low, 1 + ε_high)·A) + β·ρ·(e^(lr−lp) − (lr−lp) − 1), ρ = e^(lp−lo),
 * w the sampler-mismatch weight (1 unless `samplingRatio`).
 * Aggregation: 'grpo' mean over sequences of the per-sequence token mean; 'bnpo' Σ m·L / Σ m;
 * 'dr_grpo' Σ m·L / (B · maxCompletionLength); 'dapo' Σ m·L / numItemsInBatch.
 */
export function grpoLoss(inputs: GrpoInputs, options: GrpoOptions = {}): GrpoOutput {
  const { beta = 0, epsilonLow = 0.2, lossType = 'dapo' } = options;
  const epsilonHigh = options.epsilonHigh ?? epsilonLow;
  const { perTokenLogps, advantages, completionMask, refPerTokenLogps } = inputs;
  if (perTokenLogps.ndim !== 2) throw new RangeError(`grpoLoss: 'perTokenLogps' must be (B, C), got [${perTokenLogps.shape.join(', ')}]`);
  const [B, C] = perTokenLogps.shape as [number, number];
  assertShape('grpoLoss', 'completionMask', completionMask, [B, C]);
  assertShape('grpoLoss', 'advantages', advantages, [B]);
  if (inputs.oldPerTokenLogps !== undefined) assertShape('grpoLoss', 'oldPerTokenLogps', inputs.oldPerTokenLogps, [B, C]);
  if (inputs.samplingRatio !== undefined) assertShape('grpoLoss', 'samplingRatio', inputs.samplingRatio, [B, inputs.samplingRatio.shape[1] === 1 ? 1 : C]);
  if (beta > 0) {
    if (refPerTokenLogps === undefined) throw new TypeError(`grpoLoss: beta (${beta}) > 0 needs refPerTokenLogps`);
    assertShape('grpoLoss', 'refPerTokenLogps', refPerTokenLogps, [B, C]);
  }
  if (lossType === 'dr_grpo' && options.maxCompletionLength === undefined) throw new TypeError("grpoLoss: 'dr_grpo' needs maxCompletionLength");
  return tidy(() => {
    const mask = completionMask.to(perTokenLogps.dtype);
    const old = inputs.oldPerTokenLogps ?? perTokenLogps.detach();
    const logRatio = perTokenLogps.sub(old);
    // GSPO (Zheng et al. 2025): one ratio per sequence, exp of the length-normalised log ratio, shared by its tokens.
    const ratio = options.importanceSamplingLevel === 'sequence'
      ? logRatio.mul(mask).sum({ dim: 1 }).div(mask.sum({ dim: 1 }).clamp(1)).exp().unsqueeze(1).expand([B, C])
      : logRatio.exp();
    const clipped = ratio.clamp(1 - epsilonLow, 1 + epsilonHigh);
    const A = advantages.unsqueeze(1); // (B, 1) against (B, C): broadcast over tokens on purpose
    let perToken = ratio.mul(A).minimum(clipped.mul(A)).neg();
    if (inputs.samplingRatio !== undefined) perToken = perToken.mul(inputs.samplingRatio); // (B, 1) broadcasts on purpose
    let kl: Tensor | undefined;
    if (beta > 0 && refPerTokenLogps !== undefined) {
      kl = klEstimate(perTokenLogps, refPerTokenLogps, 'k3').mul(ratio);
      perToken = perToken.add(kl.mul(beta));
    }
    const masked = perToken.mul(mask);
    let loss: Tensor;
    switch (lossType) {
      case 'grpo':
        loss = maskedMean(perToken, mask, { dim: 1 }).mean();
        break;
      case 'bnpo':
        loss = maskedMean(perToken, mask);
        break;
      case 'dr_grpo':
        loss = masked.sum().div(B * (options.maxCompletionLength ?? C));
        break;
      case 'dapo':
        loss = options.numItemsInBatch === undefined ? maskedMean(perToken, mask) : masked.sum().div(options.numItemsInBatch);
        break;
      default: {
        const never: never = lossType;
        throw new TypeError(`grpoLoss: unknown lossType '${String(never)}'`);
      }
    }
    const isClipped = ratio.lt(1 - epsilonLow).logicalAnd(A.lt(0)).logicalOr(ratio.gt(1 + epsilonHigh).logicalAnd(A.gt(0)));
    const metrics = {
      kl: kl === undefined ? mask.sum().mul(0) : maskedMean(kl.detach(), mask),
      clipRatio: maskedMean(isClipped.to(mask.dtype), mask),
    };
    return { loss, perTokenLoss: masked, metrics };
  });
}
