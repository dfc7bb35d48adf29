/**
 * MoCo's InfoNCE loss: He et al. 2020, "Momentum Contrast for Unsupervised Visual
 * Representation Learning", eq. 1 and Alg. 1. A query q is scored against its key k⁺ (the
 * same example through the momentum encoder) and the K keys of earlier batches in the queue:
 *
 *   L_q = −log exp(q·k⁺/τ) / (exp(q·k⁺/τ) + Σ_{k⁻ ∈ queue} exp(q·k⁻/τ)),   averaged over the batch.
 *
 * q and k are L2-normalised here (MoCo normalises the encoders' outputs); the queue already
 * holds normalised keys. No gradient reaches k or the queue.
 *
 * ```ts
 * const q = queryHead.forward(h1);
 * const k = noGrad(() => keyHead.forward(h2));
 * const out = mocoLoss(q, k, queue.keys, { temperature: 0.2 });
 * out.loss.backward();
 * queue.enqueue(out.keys); // after the loss: this batch's keys are the next batches' negatives
 * ```
 */
import { cat, tidy, zeros, type Device, type Tensor } from '../tensor/index.js';
import { crossEntropy } from '../nn/functional.js';
import { assertShape } from '../rl/shapes.js';
import { l2Normalize } from './normalize.js';

export interface MocoOptions {
  /** τ. MoCo v1 uses 0.07, v2 0.2. Default 0.07. */
  temperature?: number;
}

export interface MocoOutput {
  /** Scalar: mean InfoNCE over the N queries. */
  loss: Tensor;
  /** (N, 1 + K): column 0 the positive q·k⁺, then q·queueᵀ, all over τ. */
  logits: Tensor;
  /** (N, D) the normalised keys, detached: what to enqueue after this step. */
  keys: Tensor;
  /** Scalar, detached: fraction of queries whose positive beats every queued key. */
  metrics: { accuracy: Tensor };
}

/** InfoNCE of queries q (N, D) against keys k (N, D) and a queue of negatives (K, D). */
export function mocoLoss(q: Tensor, k: Tensor, queue: Tensor, options: MocoOptions = {}): MocoOutput {
  const { temperature = 0.07 } = options;
  if (!(temperature > 0)) throw new RangeError(`mocoLoss: temperature (${temperature}) must be positive`);
  if (q.ndim !== 2) throw new RangeError(`mocoLoss: 'q' must be 2-D [N, D], got [${q.shape.join(', ')}]`);
  const [n, d] = q.shape as [number, number];
  assertShape('mocoLoss', 'k', k, [n, d]);
  if (queue.ndim !== 2 || queue.shape[1] !== d) {
    throw new RangeError(`mocoLoss: 'queue' must have shape [K, ${d}], got [${queue.shape.join(', ')}]`);
  }
  return tidy(() => {
    const qn = l2Normalize(q); // (N, D)
    const keys = l2Normalize(k.detach()); // (N, D)
    const positive = qn.mul(keys).sum({ dim: 1, keepdim: true }); // (N, 1)
    const negative = qn.matmul(queue.detach().t()); // (N, K)
    const logits = cat([positive, negative], 1).div(temperature); // (N, 1 + K)
    const labels = zeros([n], { dtype: 'int64', device: q.device as Device });
    const loss = crossEntropy(logits, labels);
    const accuracy = logits.detach().argmax({ dim: 1 }).eq(0).to(q.dtype).mean();
    return { loss, logits, keys, metrics: { accuracy } };
  });
}
