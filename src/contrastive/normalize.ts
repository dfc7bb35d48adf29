/**
 * L2 normalisation as torch.nn.functional.normalize: x / max(‖x‖₂, eps) along `dim`, so a zero
 * row stays zero instead of becoming NaN.
 *
 * ```ts
 * l2Normalize(tensor([[3, 4]])); // [[0.6, 0.8]]
 * ```
 */
import { tidy, type Tensor } from '../tensor/index.js';

export interface L2NormalizeOptions {
  /** The dimension whose vectors get unit length. Default -1. */
  dim?: number;
  /** Floor on the norm (torch's default 1e-12). */
  eps?: number;
}

export function l2Normalize(x: Tensor, options: L2NormalizeOptions = {}): Tensor {
  const { dim = -1, eps = 1e-12 } = options;
  return tidy(() => x.div(x.norm({ dim, keepdim: true }).clamp(eps)));
}
