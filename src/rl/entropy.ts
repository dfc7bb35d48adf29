/**
 * Entropy of the next-token distributions, H = −Σ_v p_v · log p_v with p = softmax(logits)
 * (TRL `trainer.utils.entropy_from_logits`), in nats: PPO's entropy bonus and metric.
 *
 * ```ts
 * const H = entropyFromLogits(logits); // (B, C, V) → (B, C)
 * ```
 */
import { tidy, type Tensor } from '../tensor/index.js';

/** logits (..., V) → (...). Computed from log_softmax, so −inf logits (masked tokens) contribute 0. */
export function entropyFromLogits(logits: Tensor): Tensor {
  if (logits.ndim < 1 || (logits.shape.at(-1) ?? 0) === 0) {
    throw new RangeError(`entropyFromLogits: logits must have a non-empty last (vocabulary) dim, got [${logits.shape.join(', ')}]`);
  }
  return tidy(() => {
    const logp = logits.logSoftmax(-1);
    // where, not mul: p = 0 at a −inf logit, and 0 · −inf would be NaN.
    return logp.exp().mul(logp.where(logp.isfinite(), 0)).sum({ dim: -1 }).neg();
  });
}
