/**
 * Entropy of the next-token distributions, H = −Σ_v p_v · log p_v with p = softmax(logits)
 * (TRL `trainer.utils.entropy_from_logits`), in nats: PPO's entropy bonus and metric.
 *
 * ```ts
 * const H = entropyFromLogits(logits); // (B, C, V) → (B, C)
 * ```
 */
import { logitsTokenStats } from '../nn/token-stats.js';
import { full, tidy, type Device, type Tensor } from '../tensor/index.js';

/**
 * logits (..., V) → (...) in float32 (float64 stays). Computed in chunks of rows (nn/token-stats.ts):
 * no float32 log-softmax of the whole logits is made or kept for backward. A −inf logit (a masked
 * token) contributes 0.
 */
export function entropyFromLogits(logits: Tensor): Tensor {
  if (logits.ndim < 1 || (logits.shape.at(-1) ?? 0) === 0) {
    throw new RangeError(`entropyFromLogits: logits must have a non-empty last (vocabulary) dim, got [${logits.shape.join(', ')}]`);
  }
  return tidy(() => logitsTokenStats(logits, full(logits.shape.slice(0, -1), -1, { dtype: 'int64', device: logits.device as Device })).entropy);
}
