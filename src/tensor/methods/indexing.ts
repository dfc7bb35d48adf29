/** Gathering, scattering, masking, sorting and sampling on Tensor. */
import { native } from '../../native/binding.js';
import { TensorBase, wrap } from '../base.js';
import type { Tensor } from '../tensor.js';
import { operand, type Operand } from './operand.js';
import { ReduceTensor } from './reduce.js';

export class IndexTensor extends ReduceTensor {
  /** out[i][j] = this[i][index[i][j]] for dim 1 (torch.gather). */
  gather(dim: number, index: TensorBase): Tensor {
    return wrap(native.gather(this.handle, dim, index.handle));
  }
  /** A copy with `src` written at `index` along `dim` (torch.scatter). */
  scatter(dim: number, index: TensorBase, src: Operand): Tensor {
    return wrap(native.scatter(this.handle, dim, index.handle, operand(src)));
  }
  scatterAdd(dim: number, index: TensorBase, src: TensorBase): Tensor {
    return wrap(native.scatterAdd(this.handle, dim, index.handle, src.handle));
  }
  indexSelect(dim: number, index: TensorBase): Tensor {
    return wrap(native.indexSelect(this.handle, dim, index.handle));
  }
  /** Advanced indexing x[i0, i1, ...] with index tensors (null keeps a dim whole). */
  index(indices: (TensorBase | null)[]): Tensor {
    return wrap(native.index(this.handle, indices.map((t) => (t === null ? null : t.handle))));
  }
  /** A copy with `value` where `mask` is true. */
  maskedFill(mask: TensorBase, value: Operand): Tensor {
    return wrap(native.maskedFill(this.handle, mask.handle, operand(value)));
  }
  maskedSelect(mask: TensorBase): Tensor {
    return wrap(native.maskedSelect(this.handle, mask.handle));
  }
  /** Indices of non-zero elements, shape (n, ndim). */
  nonzero(): Tensor {
    return wrap(native.nonzero(this.handle));
  }
  /** Elementwise choice: this where `condition`, else `other`. */
  where(condition: TensorBase, other: Operand): Tensor {
    return wrap(native.where(condition.handle, this.handle, operand(other)));
  }
  topk(k: number, options: { dim?: number; largest?: boolean; sorted?: boolean } = {}): { values: Tensor; indices: Tensor } {
    const { dim = -1, largest = true, sorted = true } = options;
    const [values, indices] = native.topk(this.handle, k, dim, largest, sorted);
    return { values: wrap(values), indices: wrap(indices) };
  }
  sort(options: { dim?: number; descending?: boolean; stable?: boolean } = {}): { values: Tensor; indices: Tensor } {
    const { dim = -1, descending = false, stable = false } = options;
    const [values, indices] = native.sort(this.handle, dim, descending, stable);
    return { values: wrap(values), indices: wrap(indices) };
  }
  argsort(options: { dim?: number; descending?: boolean; stable?: boolean } = {}): Tensor {
    const { dim = -1, descending = false, stable = false } = options;
    return wrap(native.argsort(this.handle, dim, descending, stable));
  }
  /** Samples `numSamples` indices per row from these (unnormalised) probabilities. */
  multinomial(numSamples: number, replacement = false): Tensor {
    return wrap(native.multinomial(this.handle, numSamples, replacement));
  }
  /** One-hot int64 encoding with a new last dim (numClasses = -1 infers it). */
  oneHot(numClasses = -1): Tensor {
    return wrap(native.oneHot(this.handle, numClasses));
  }
  /** Upper triangle (elements below the `diagonal`-th diagonal zeroed). */
  triu(diagonal = 0): Tensor {
    return wrap(native.triu(this.handle, diagonal));
  }
  tril(diagonal = 0): Tensor {
    return wrap(native.tril(this.handle, diagonal));
  }
}
