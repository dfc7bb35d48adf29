/** Views and shape manipulation on Tensor. */
import { native } from '../../native/binding.js';
import { wrap } from '../base.js';
import type { Tensor } from '../tensor.js';
import { MathTensor } from './math.js';

export class ShapeTensor extends MathTensor {
  /** Same elements in a new shape (one dim may be -1); a view when possible. */
  reshape(...shape: number[] | [number[]]): Tensor {
    return wrap(native.reshape(this.handle, flatShape(shape)));
  }
  /** A view with a new shape; throws if the layout does not allow one. */
  view(...shape: number[] | [number[]]): Tensor {
    return wrap(native.view(this.handle, flatShape(shape)));
  }
  transpose(dim0: number, dim1: number): Tensor {
    return wrap(native.transpose(this.handle, dim0, dim1));
  }
  /** Transpose of a matrix (torch.Tensor.t); tensors of fewer dims come back as they are. */
  t(): Tensor {
    if (this.ndim > 2) throw new RangeError(`t(): expects a tensor of at most 2 dims, got shape [${this.shape}]; use transpose or mT`);
    return this.ndim < 2 ? wrap(native.alias(this.handle)) : this.transpose(0, 1);
  }
  /** Transpose of the last two dims. */
  get mT(): Tensor {
    return this.transpose(-2, -1);
  }
  permute(...dims: number[] | [number[]]): Tensor {
    return wrap(native.permute(this.handle, flatShape(dims)));
  }
  /** Removes size-1 dims (all, or just `dim`). */
  squeeze(dim?: number): Tensor {
    return wrap(native.squeeze(this.handle, dim ?? null));
  }
  unsqueeze(dim: number): Tensor {
    return wrap(native.unsqueeze(this.handle, dim));
  }
  /** Broadcasts size-1 dims to `shape` without copying (-1 keeps a dim). */
  expand(...shape: number[] | [number[]]): Tensor {
    return wrap(native.expand(this.handle, flatShape(shape)));
  }
  expandAs(other: { shape: readonly number[] }): Tensor {
    return this.expand([...other.shape]);
  }
  flatten(startDim = 0, endDim = -1): Tensor {
    return wrap(native.flatten(this.handle, startDim, endDim));
  }
  /** `length` elements of `dim` from `start`, as a view. */
  narrow(dim: number, start: number, length: number): Tensor {
    return wrap(native.narrow(this.handle, dim, start, length));
  }
  /** Python's x[..., start:end:step] on one dim, as a view; negative bounds count from the end. */
  slice(dim: number, start?: number | null, end?: number | null, step = 1): Tensor {
    return wrap(native.slice(this.handle, dim, start ?? null, end ?? null, step));
  }
  /** Python's x[..., index] on one dim: the dim is removed. */
  select(dim: number, index: number): Tensor {
    return wrap(native.select(this.handle, dim, index));
  }
  /** Splits into pieces of `size` (or the listed sizes) along `dim`. */
  split(sizeOrSizes: number | number[], dim = 0): Tensor[] {
    return native.split(this.handle, sizeOrSizes, dim).map(wrap);
  }
  chunk(chunks: number, dim = 0): Tensor[] {
    return native.chunk(this.handle, chunks, dim).map(wrap);
  }
  unbind(dim = 0): Tensor[] {
    return native.unbind(this.handle, dim).map(wrap);
  }
  /** Tiles the tensor (torch.Tensor.repeat). */
  repeat(...repeats: number[] | [number[]]): Tensor {
    return wrap(native.repeat(this.handle, flatShape(repeats)));
  }
  repeatInterleave(repeats: number, dim?: number): Tensor {
    return wrap(native.repeatInterleave(this.handle, repeats, dim ?? null));
  }
  flip(...dims: number[] | [number[]]): Tensor {
    return wrap(native.flip(this.handle, flatShape(dims)));
  }
  roll(shifts: number | number[], dims: number | number[]): Tensor {
    return wrap(native.roll(this.handle, [shifts].flat(), [dims].flat()));
  }
}

function flatShape(args: number[] | [number[]]): number[] {
  return Array.isArray(args[0]) ? args[0] : (args as number[]);
}
