/** Reductions on Tensor: over everything, or over `dim` (a number or a list) with keepdim. */
import { native } from '../../native/binding.js';
import { wrap } from '../base.js';
import { dtypeCode, type DType } from '../dtype.js';
import type { Tensor } from '../tensor.js';
import { ShapeTensor } from './shape.js';

export interface ReduceOptions {
  /** Dim or dims to reduce; all when omitted. */
  dim?: number | number[];
  keepdim?: boolean;
}
export interface VarianceOptions extends ReduceOptions {
  /** Bessel's correction (divide by N-1), true by default as in PyTorch. */
  unbiased?: boolean;
}

function dims(options: ReduceOptions): number[] | null {
  return options.dim === undefined ? null : [options.dim].flat();
}
function singleDim(options: { dim?: number }, op: string): number {
  if (options.dim === undefined) throw new TypeError(`${op}: needs { dim }`);
  return options.dim;
}

export class ReduceTensor extends ShapeTensor {
  sum(options: ReduceOptions & { dtype?: DType } = {}): Tensor {
    const dt = options.dtype === undefined ? null : dtypeCode(options.dtype);
    return wrap(native.sum(this.handle, dims(options), options.keepdim ?? false, dt));
  }
  mean(options: ReduceOptions & { dtype?: DType } = {}): Tensor {
    const dt = options.dtype === undefined ? null : dtypeCode(options.dtype);
    return wrap(native.mean(this.handle, dims(options), options.keepdim ?? false, dt));
  }
  prod(options: { dim?: number; keepdim?: boolean; dtype?: DType } = {}): Tensor {
    const dt = options.dtype === undefined ? null : dtypeCode(options.dtype);
    return wrap(native.prod(this.handle, options.dim ?? null, options.keepdim ?? false, dt));
  }
  var(options: VarianceOptions = {}): Tensor {
    return wrap(native.var(this.handle, dims(options), options.unbiased ?? true, options.keepdim ?? false));
  }
  std(options: VarianceOptions = {}): Tensor {
    return wrap(native.std(this.handle, dims(options), options.unbiased ?? true, options.keepdim ?? false));
  }
  /** Largest element (no dim), or the largest along dims (amax). */
  max(options: ReduceOptions = {}): Tensor {
    const d = dims(options);
    return wrap(d === null ? native.maxAll(this.handle) : native.amax(this.handle, d, options.keepdim ?? false));
  }
  min(options: ReduceOptions = {}): Tensor {
    const d = dims(options);
    return wrap(d === null ? native.minAll(this.handle) : native.amin(this.handle, d, options.keepdim ?? false));
  }
  /** Largest values along one dim with their indices (torch.max(x, dim)). */
  maxWithIndices(options: { dim: number; keepdim?: boolean }): { values: Tensor; indices: Tensor } {
    const [values, indices] = native.maxDim(this.handle, singleDim(options, 'maxWithIndices'), options.keepdim ?? false);
    return { values: wrap(values), indices: wrap(indices) };
  }
  minWithIndices(options: { dim: number; keepdim?: boolean }): { values: Tensor; indices: Tensor } {
    const [values, indices] = native.minDim(this.handle, singleDim(options, 'minWithIndices'), options.keepdim ?? false);
    return { values: wrap(values), indices: wrap(indices) };
  }
  argmax(options: { dim?: number; keepdim?: boolean } = {}): Tensor {
    return wrap(native.argmax(this.handle, options.dim ?? null, options.keepdim ?? false));
  }
  argmin(options: { dim?: number; keepdim?: boolean } = {}): Tensor {
    return wrap(native.argmin(this.handle, options.dim ?? null, options.keepdim ?? false));
  }
  /** log(sum(exp(x))) along dims, computed stably. */
  logsumexp(options: ReduceOptions & { dim: number | number[] }): Tensor {
    return wrap(native.logsumexp(this.handle, [options.dim].flat(), options.keepdim ?? false));
  }
  cumsum(dim: number, dtype?: DType): Tensor {
    return wrap(native.cumsum(this.handle, dim, dtype === undefined ? null : dtypeCode(dtype)));
  }
  cumprod(dim: number, dtype?: DType): Tensor {
    return wrap(native.cumprod(this.handle, dim, dtype === undefined ? null : dtypeCode(dtype)));
  }
  any(options: ReduceOptions = {}): Tensor {
    return wrap(native.any(this.handle, dims(options), options.keepdim ?? false));
  }
  all(options: ReduceOptions = {}): Tensor {
    return wrap(native.all(this.handle, dims(options), options.keepdim ?? false));
  }
  /** p-norm (2 by default) of everything or along dims. */
  norm(options: ReduceOptions & { p?: number } = {}): Tensor {
    return wrap(native.norm(this.handle, options.p ?? 2, dims(options), options.keepdim ?? false));
  }
}
