/**
 * RLOO as TRL 1.13 `RLOOTrainer` (Ahmadian et al. 2024, "Back to Basics: Revisiting
 * REINFORCE Style Optimization for Learning from Human Feedback in LLMs"; Kool et al. 2019):
 * the KL to the reference is a sequence-level reward penalty, the baseline of each completion is
 * the mean reward of the other G − 1 completions of its prompt, and the policy ratio is one per
 * sequence, clipped as PPO's.
 *
 * ```ts
 * const A = rlooTrlAdvantages(rewards, { numGenerations: 4, beta: 0.05, sequenceKl });   // (N,)
 * const { loss } = rlooLoss({ perTokenLogps, oldSequenceLogps, advantages: A, completionMask });
 * ```
 */
import { tidy, type Tensor } from '../tensor/index.js';
import { rlooAdvantages } from './advantages.js';
import { assertShape, assertVector } from './shapes.js';

export interface RlooAdvantageOptions {
  numGenerations: number;
  /** Weight of the sequence KL subtracted from each reward (TRL `beta`); 0 ignores `sequenceKl`. */
  beta?: number;
  /** (N,) Σ_t (log π_old − log π_ref) over each completion's tokens (k1, as the RLOO paper). */
  sequenceKl?: Tensor;
  /** Whiten the advantages over the whole batch: (A − mean) / (std + 1e-4), std unbiased (TRL `normalize_advantages`). */
  normalize?: boolean;
}

/**
 * r'ᵢ = rᵢ − β·KLᵢ, Aᵢ = r'ᵢ − (Σ_group r' − r'ᵢ)/(G − 1), optionally whitened over all N.
 * rewards (N,) → (N,). N spans every rank (TRL gathers the rewards first).
 */
export function rlooTrlAdvantages(rewards: Tensor, options: RlooAdvantageOptions): Tensor {
  const { numGenerations, beta = 0, sequenceKl, normalize = false } = options;
  const N = assertVector('rlooTrlAdvantages', 'rewards', rewards);
  if (beta !== 0) {
    if (sequenceKl === undefined) throw new TypeError(`rlooTrlAdvantages: beta (${beta}) != 0 needs sequenceKl`);
    assertShape('rlooTrlAdvantages', 'sequenceKl', sequenceKl, [N]);
  }
  return tidy(() => {
    const shaped = beta !== 0 && sequenceKl !== undefined ? rewards.sub(sequenceKl.mul(beta)) : rewards;
    const advantages = rlooAdvantages(shaped, { numGenerations });
    return normalize ? advantages.sub(advantages.mean()).div(advantages.std().add(1e-4)) : advantages;
  });
}

export interface RlooLossInputs {
  /** (B, C) per-token log-probs under the policy being trained. */
  perTokenLogps: Tensor;
  /** (B,) Σ_t log π_old over each completion (the policy that sampled, at rollout time). */
  oldSequenceLogps: Tensor;
  /** (B,) one advantage per completion. */
  advantages: Tensor;
  /** (B, C) 1 on completion tokens. */
  completionMask: Tensor;
  /** (B,) sampler-mismatch importance weights (sequence level, ./importance-sampling.ts). */
  samplingRatio?: Tensor;
}

export interface RlooLossOutput {
  /** Scalar: mean over the B sequences. */
  loss: Tensor;
  /** (B,) 0/1, detached: ρ < 1 − ε_low with A < 0; ρ > 1 + ε_high with A > 0; either (TRL's clip_ratio/*). */
  clipped: { low: Tensor; high: Tensor; region: Tensor };
}

/**
 * Sequence-level clipped surrogate (TRL 1.13 `RLOOTrainer._compute_loss`):
 *   ρ = e^(Σ_t m·log π − log π_old),  Lᵢ = −min(ρ·A, clip(ρ, 1 − ε_low, 1 + ε_high)·A),  loss = mean_i wᵢ·Lᵢ.
 */
export function rlooLoss(inputs: RlooLossInputs, options: { epsilonLow?: number; epsilonHigh?: number } = {}): RlooLossOutput {
  const { perTokenLogps, oldSequenceLogps, advantages, completionMask, samplingRatio } = inputs;
  const epsilonLow = options.epsilonLow ?? 0.2;
  const epsilonHigh = options.epsilonHigh ?? epsilonLow;
  if (perTokenLogps.ndim !== 2) throw new RangeError(`rlooLoss: 'perTokenLogps' must be (B, C), got [${perTokenLogps.shape.join(', ')}]`);
  const [B, C] = perTokenLogps.shape as [number, number];
  assertShape('rlooLoss', 'completionMask', completionMask, [B, C]);
  assertShape('rlooLoss', 'oldSequenceLogps', oldSequenceLogps, [B]);
  assertShape('rlooLoss', 'advantages', advantages, [B]);
  if (samplingRatio !== undefined) assertShape('rlooLoss', 'samplingRatio', samplingRatio, [B]);
  return tidy(() => {
    const logps = perTokenLogps.mul(completionMask.to(perTokenLogps.dtype)).sum({ dim: 1 }); // (B,)
    const ratio = logps.sub(oldSequenceLogps).exp();
    const clippedRatio = ratio.clamp(1 - epsilonLow, 1 + epsilonHigh);
    let perSequence = ratio.mul(advantages).minimum(clippedRatio.mul(advantages)).neg();
    if (samplingRatio !== undefined) perSequence = perSequence.mul(samplingRatio);
    const r = ratio.detach();
    const low = r.lt(1 - epsilonLow).logicalAnd(advantages.lt(0));
    const high = r.gt(1 + epsilonHigh).logicalAnd(advantages.gt(0));
    const asFloat = (t: Tensor) => t.to(perTokenLogps.dtype);
    return { loss: perSequence.mean(), clipped: { low: asFloat(low), high: asFloat(high), region: asFloat(low.logicalOr(high)) } };
  });
}
