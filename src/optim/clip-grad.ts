/**
 * Gradient clipping by total norm, with torch.nn.utils.clip_grad_norm_ semantics.
 *
 * ```ts
 * loss.backward();
 * const norm = clipGradNorm(model.parameters(), 1.0); // the norm before clipping
 * opt.step();
 * ```
 */
import { noGrad, stack, tidy, type Device, type Tensor } from '../tensor/index.js';

export interface ClipGradNormOptions {
  /** Throw when the total norm is NaN or infinite, instead of scaling grads by NaN/0. Default false. */
  errorIfNonfinite?: boolean;
}

/**
 * Scales all gradients in place so their joint `normType`-norm is at most `maxNorm`, and
 * returns the total norm before clipping (one host sync). The norm is that of the vector
 * of every gradient element; `Infinity` gives the max-abs norm. Parameters without a
 * gradient are ignored; with none at all the norm is 0.
 *
 * As PyTorch, grads are multiplied by min(1, maxNorm / (total + 1e-6)), computed as a tensor
 * in the norm's dtype, so the clipped values match torch bit for bit.
 */
export function clipGradNorm(params: Iterable<Tensor>, maxNorm: number, normType = 2, options: ClipGradNormOptions = {}): number {
  if (!(maxNorm >= 0)) throw new RangeError(`clipGradNorm: maxNorm (${maxNorm}) must be >= 0`);
  if (!(normType > 0)) throw new RangeError(`clipGradNorm: normType (${normType}) must be > 0 (Infinity for the max norm)`);
  return tidy(() =>
    noGrad(() => {
      const grads: Tensor[] = [];
      for (const p of params) {
        const g = p.grad;
        if (g !== null) grads.push(g);
      }
      const first = grads[0];
      if (first === undefined) return 0;
      // One dtype for the per-tensor norms so they stack; float16 norms are widened to float32.
      const dtype = grads.some((g) => g.dtype === 'float64') ? 'float64' : 'float32';
      const device = first.device as Device;
      const isInf = normType === Infinity;
      const norms = grads.map((g) => {
        let n = isInf ? g.abs().max() : g.norm({ p: normType });
        if (n.dtype !== dtype) n = n.to(dtype);
        return n.device === device ? n : n.to(device);
      });
      const total = isInf ? stack(norms).max() : stack(norms).norm({ p: normType });
      const totalValue = total.item();
      if (options.errorIfNonfinite && !Number.isFinite(totalValue)) {
        throw new RangeError(`clipGradNorm: the total ${normType}-norm of the gradients is ${totalValue}; set errorIfNonfinite: false to scale anyway`);
      }
      const coef = total.add(1e-6).rdiv(maxNorm).clamp(null, 1);
      for (const g of grads) g.mul_(g.device === device ? coef : coef.to(g.device as Device));
      return totalValue;
    }),
  );
}
