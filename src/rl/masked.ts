/**
 * Masked reductions with TRL semantics (`trl.trainer.utils.masked_mean / masked_var /
 * masked_whiten`): only entries where `mask` is non-zero count. Unlike TRL, an empty mask
 * throws instead of silently returning NaN (0 / 0).
 *
 * ```ts
 * const meanKl = maskedMean(perTokenKl, completionMask);            // scalar
 * const perRow = maskedMean(perTokenKl, completionMask, { dim: 1 }); // (B,)
 * const adv = maskedWhiten(advantages, mask);                       // (x - μ) / sqrt(σ² + 1e-8)
 * ```
 */
import { tidy, type Tensor } from '../tensor/index.js';

export interface MaskedReduceOptions {
  /** Dim to reduce over; everything when omitted. */
  dim?: number;
  keepdim?: boolean;
}

/** The mask as the values' dtype (bool or integer masks become 0/1 floats). */
function asWeights(values: Tensor, mask: Tensor, op: string): Tensor {
  if (values.shape.length !== mask.shape.length || values.shape.some((d, i) => d !== mask.shape[i])) {
    throw new RangeError(`${op}: mask shape [${mask.shape.join(', ')}] must equal values shape [${values.shape.join(', ')}]`);
  }
  return mask.dtype === values.dtype ? mask : mask.to(values.dtype);
}

/** Throws if the mask has no non-zero entry (anywhere, or in some slice along `dim`). */
function countOrThrow(weights: Tensor, options: MaskedReduceOptions, op: string, atLeast = 1): Tensor {
  const count = options.dim === undefined ? weights.sum() : weights.sum({ dim: options.dim, keepdim: options.keepdim ?? false });
  const smallest = count.numel === 0 ? 0 : count.min().item();
  if (smallest < atLeast) {
    const where = options.dim === undefined ? 'the mask' : `a slice of the mask along dim ${options.dim}`;
    throw new RangeError(`${op}: ${where} selects ${smallest} element(s); at least ${atLeast} needed`);
  }
  return count;
}

/** Σ values·mask (over `dim` or everything). */
export function maskedSum(values: Tensor, mask: Tensor, options: MaskedReduceOptions = {}): Tensor {
  return tidy(() => {
    const w = asWeights(values, mask, 'maskedSum');
    countOrThrow(w, options, 'maskedSum');
    const prod = values.mul(w);
    return options.dim === undefined ? prod.sum() : prod.sum({ dim: options.dim, keepdim: options.keepdim ?? false });
  });
}

/** Σ values·mask / Σ mask (over `dim` or everything). */
export function maskedMean(values: Tensor, mask: Tensor, options: MaskedReduceOptions = {}): Tensor {
  return tidy(() => {
    const w = asWeights(values, mask, 'maskedMean');
    const count = countOrThrow(w, options, 'maskedMean');
    const prod = values.mul(w);
    const total = options.dim === undefined ? prod.sum() : prod.sum({ dim: options.dim, keepdim: options.keepdim ?? false });
    return total.div(count);
  });
}

/**
 * Variance over the masked entries (all of them): mean((x − μ)²) over the mask, times
 * n / (n − 1) when `unbiased` (TRL's default). Needs n ≥ 2 when unbiased.
 */
export function maskedVar(values: Tensor, mask: Tensor, unbiased = true): Tensor {
  return tidy(() => {
    const w = asWeights(values, mask, 'maskedVar');
    const n = countOrThrow(w, {}, 'maskedVar', unbiased ? 2 : 1).item();
    const mean = values.mul(w).sum().div(n);
    const variance = values.sub(mean).square().mul(w).sum().div(n);
    return unbiased ? variance.mul(n / (n - 1)) : variance;
  });
}

/**
 * (x − μ) · rsqrt(σ² + 1e-8) with μ and unbiased σ² over the masked entries (TRL
 * `masked_whiten`); with `shiftMean: false` the mean is added back. Masked-out entries are
 * transformed too — zero them afterwards if they must not carry values. `sumAcross` makes
 * μ and σ² those of every data-parallel rank's entries (it sums [Σx, Σx², n] over ranks).
 */
export function maskedWhiten(values: Tensor, mask: Tensor, options: { shiftMean?: boolean; eps?: number; sumAcross?: (sums: number[]) => number[] } = {}): Tensor {
  const { shiftMean = true, eps = 1e-8, sumAcross } = options;
  return tidy(() => {
    if (sumAcross !== undefined) {
      // Statistics over the masked entries of every data-parallel rank: from Σx, Σx², n summed across them.
      const w = asWeights(values, mask, 'maskedWhiten');
      const [s1, s2, n] = sumAcross([values.mul(w).sum().item(), values.square().mul(w).sum().item(), w.sum().item()]) as [number, number, number];
      if (n < 2) throw new RangeError(`maskedWhiten: needs at least 2 masked entries across ranks, got ${n}`);
      const m = s1 / n;
      const v = Math.max(0, s2 / n - m * m) * (n / (n - 1));
      const whitened = values.sub(m).mul(1 / Math.sqrt(v + eps));
      return shiftMean ? whitened : whitened.add(m);
    }
    const mean = maskedMean(values, mask);
    const variance = maskedVar(values, mask, true);
    const whitened = values.sub(mean).mul(variance.add(eps).rsqrt());
    return shiftMean ? whitened : whitened.add(mean);
  });
}
