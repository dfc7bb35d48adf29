/**
 * Per-token KL estimates between the policy and the reference from sampled tokens
 * (Schulman 2020, "Approximating KL Divergence", http://joschu.net/blog/kl-approx.html), and
 * the adaptive KL controller of Ziegler et al. 2019 ("Fine-Tuning Language Models from Human
 * Preferences", §2.2). One definition for PPO (reward penalty or loss term) and GRPO (k3).
 *
 * ```ts
 * const kl = klEstimate(perTokenLogps, refPerTokenLogps, 'k3'); // (B, C), ≥ 0
 * ```
 */
import { tidy, type Tensor } from '../tensor/index.js';
import { assertShape } from './shapes.js';

/** The estimators, in the order of the blog post. */
export const KL_ESTIMATORS = ['k1', 'k2', 'k3'] as const;
export type KlEstimator = (typeof KL_ESTIMATORS)[number];

/** Where PPO puts the KL to the reference (ppo.kl_penalty): into the per-token rewards, or added to the loss. */
export const KL_PENALTIES = ['reward', 'loss'] as const;
export type KlPenalty = (typeof KL_PENALTIES)[number];

/**
 * With d = log p − log q (p the policy, q the reference, the token drawn from p):
 * k1 = d (unbiased, can be negative), k2 = d²/2 (biased, low variance),
 * k3 = e^(−d) + d − 1 = (q/p − 1) − log(q/p) (unbiased, never negative; GRPO's, DeepSeekMath eq. 4).
 * logp, refLogp: same shape → that shape.
 */
export function klEstimate(logp: Tensor, refLogp: Tensor, estimator: KlEstimator): Tensor {
  assertShape('klEstimate', 'refLogp', refLogp, logp.shape);
  return tidy(() => {
    const d = logp.sub(refLogp);
    switch (estimator) {
      case 'k1':
        return d;
      case 'k2':
        return d.square().mul(0.5);
      case 'k3':
        return d.neg().exp().add(d).sub(1);
      default: {
        const never: never = estimator;
        throw new TypeError(`klEstimate: unknown estimator '${String(never)}'; expected one of ${KL_ESTIMATORS.join(', ')}`);
      }
    }
  });
}

/** β ← β · (1 + clip(KL / target − 1, ±0.2) · n / horizon) after each batch of n samples. */
export class AdaptiveKlController {
  constructor(public value: number, readonly target: number, readonly horizon: number) {}

  update(currentKl: number, numSamples: number): void {
    const error = Math.min(0.2, Math.max(-0.2, currentKl / this.target - 1));
    this.value *= 1 + (error * numSamples) / this.horizon;
  }
}
