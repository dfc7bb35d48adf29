/**
 * NT-Xent, the SimCLR loss: Chen et al. 2020, "A Simple Framework for Contrastive Learning of
 * Visual Representations", eq. 1, averaged over both directions of every pair (their Alg. 1).
 * The 2N views z = [z1; z2] are L2-normalised; row i's logits are its cosine similarities to
 * the 2N − 1 other views over τ, and its positive is the other view of the same example:
 *
 *   ℓ(i, j) = −log exp(sim(z_i, z_j)/τ) / Σ_{k≠i} exp(sim(z_i, z_k)/τ),   L = (1/2N) Σ_i ℓ(i, pos(i)).
 *
 * SimCSE (Gao et al. 2021, eq. 1) is the same loss with dropout as the augmentation.
 *
 * ```ts
 * const out = ntXentLoss(head.forward(h1), head.forward(h2), { temperature: 0.5 });
 * out.loss.backward();
 * out.metrics.accuracy.item(); // fraction of the 2N views whose positive ranks first
 * ```
 */
import { arange, cat, eye, tidy, type Device, type Tensor } from '../tensor/index.js';
import { crossEntropy } from '../nn/functional.js';
import { assertShape } from '../rl/shapes.js';
import { alignment, uniformity } from './alignment-uniformity.js';
import { l2Normalize } from './normalize.js';

export interface NtXentOptions {
  /** τ: lower sharpens the softmax over candidates. SimCLR uses 0.1–0.5, SimCSE 0.05. Default 0.5. */
  temperature?: number;
}

export interface NtXentOutput {
  /** Scalar: the mean of ℓ over the 2N views. */
  loss: Tensor;
  /** (2N, 2N) similarities over τ with −∞ on the diagonal (a view is never its own candidate). */
  logits: Tensor;
  /**
   * Scalars, detached. accuracy: fraction of views whose positive has the highest logit;
   * alignment and uniformity (Wang & Isola 2020) of the normalised views, uniformity as the
   * mean over the two views' sets.
   */
  metrics: { accuracy: Tensor; alignment: Tensor; uniformity: Tensor };
}

/** NT-Xent of N pairs of projections z1, z2 (N, D), N ≥ 2; they need not be normalised. */
export function ntXentLoss(z1: Tensor, z2: Tensor, options: NtXentOptions = {}): NtXentOutput {
  const { temperature = 0.5 } = options;
  if (!(temperature > 0)) throw new RangeError(`ntXentLoss: temperature (${temperature}) must be positive`);
  if (z1.ndim !== 2) throw new RangeError(`ntXentLoss: 'z1' must be 2-D [N, D], got [${z1.shape.join(', ')}]`);
  assertShape('ntXentLoss', 'z2', z2, z1.shape);
  const n = z1.shape[0] as number;
  if (n < 2) throw new RangeError(`ntXentLoss: needs at least 2 pairs (the other pairs are the negatives), got ${n}`);
  return tidy(() => {
    const device = z1.device as Device;
    const z = l2Normalize(cat([z1, z2], 0)); // (2N, D)
    const logits = z.matmul(z.t()).div(temperature).maskedFill(eye(2 * n, 2 * n, { dtype: 'bool', device }), -Infinity); // (2N, 2N)
    const targets = cat([arange(n, 2 * n, 1, { device }), arange(0, n, 1, { device })]); // (2N) the other view's row
    const loss = crossEntropy(logits, targets);
    const accuracy = logits.detach().argmax({ dim: -1 }).eq(targets).to(z1.dtype).mean();
    const [a, b] = z.detach().split(n, 0) as [Tensor, Tensor];
    const metrics = { accuracy, alignment: alignment(a, b), uniformity: uniformity(a).add(uniformity(b)).div(2) };
    return { loss, logits, metrics };
  });
}
