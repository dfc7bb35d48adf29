/**
 * Wang & Isola 2020, "Understanding Contrastive Representation Learning through Alignment and
 * Uniformity on the Hypersphere", eq. 4–5 (the paper's `align_loss` / `uniform_loss`), on
 * L2-normalised embeddings. Both are differentiable, so they can serve as losses or as metrics.
 *
 * ```ts
 * alignment(l2Normalize(z1), l2Normalize(z2)).item(); // E‖x − y‖², lower = positives closer
 * uniformity(l2Normalize(z1)).item();                 // log E exp(−2‖xi − xj‖²), lower = more spread
 * ```
 */
import { ones, tidy, type Device, type Tensor } from '../tensor/index.js';
import { assertShape } from '../rl/shapes.js';

export interface AlignmentOptions {
  /** α: the power of the distance (the paper's default 2). */
  alpha?: number;
}

/** E_i ‖x_i − y_i‖₂^α over N positive pairs x, y (N, D). */
export function alignment(x: Tensor, y: Tensor, options: AlignmentOptions = {}): Tensor {
  const { alpha = 2 } = options;
  if (!(alpha > 0)) throw new RangeError(`alignment: alpha (${alpha}) must be positive`);
  if (x.ndim !== 2) throw new RangeError(`alignment: 'x' must be 2-D [N, D], got [${x.shape.join(', ')}]`);
  assertShape('alignment', 'y', y, x.shape);
  return tidy(() => {
    const squared = x.sub(y).square().sum({ dim: 1 }); // (N)
    // Squared distances directly for α = 2: no sqrt, so identical rows give a zero gradient, not NaN.
    return (alpha === 2 ? squared : squared.pow(alpha / 2)).mean();
  });
}

export interface UniformityOptions {
  /** t: the Gaussian potential's scale (the paper's default 2). */
  t?: number;
}

/** log of the mean over distinct pairs i < j of exp(−t‖x_i − x_j‖²), for x (N, D) with N ≥ 2. */
export function uniformity(x: Tensor, options: UniformityOptions = {}): Tensor {
  const { t = 2 } = options;
  if (!(t > 0)) throw new RangeError(`uniformity: t (${t}) must be positive`);
  if (x.ndim !== 2) throw new RangeError(`uniformity: 'x' must be 2-D [N, D], got [${x.shape.join(', ')}]`);
  const n = x.shape[0] as number;
  if (n < 2) throw new RangeError(`uniformity: needs at least 2 embeddings to form a pair, got ${n}`);
  return tidy(() => {
    const d2 = x.unsqueeze(1).sub(x.unsqueeze(0)).square().sum({ dim: -1 }); // (N, N), torch.pdist(x)² on the upper triangle
    const upper = ones([n, n], { dtype: 'bool', device: x.device as Device }).triu(1);
    const pairs = d2.maskedSelect(upper); // (N(N−1)/2)
    // log mean exp = logsumexp − log count, stable when every pair is far apart.
    return pairs.mul(-t).logsumexp({ dim: 0 }).sub(Math.log(pairs.shape[0] as number));
  });
}
