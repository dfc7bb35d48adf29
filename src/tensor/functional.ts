/** Free functions over several tensors: joining, selection and einsum. */
import { native } from '../native/binding.js';
import { TensorBase, wrap } from './base.js';
import { operand, type Operand } from './methods/operand.js';
import type { Tensor } from './tensor.js';

const handles = (ts: readonly TensorBase[]) => ts.map((t) => t.handle);

/** Joins tensors along an existing dim. */
export function cat(tensors: readonly TensorBase[], dim = 0): Tensor {
  return wrap(native.cat(handles(tensors), dim));
}
/** Joins tensors along a new dim. */
export function stack(tensors: readonly TensorBase[], dim = 0): Tensor {
  return wrap(native.stack(handles(tensors), dim));
}
/** `a` where `condition` is true, else `b`; either may be a scalar. */
export function where(condition: TensorBase, a: Operand, b: Operand): Tensor {
  return wrap(native.where(condition.handle, operand(a), operand(b)));
}
/** Einstein summation, e.g. einsum('bij,bjk->bik', x, y). */
export function einsum(equation: string, ...tensors: TensorBase[]): Tensor {
  return wrap(native.einsum(equation, handles(tensors)));
}
export function maximum(a: TensorBase, b: TensorBase): Tensor {
  return wrap(native.maximum(a.handle, b.handle));
}
export function minimum(a: TensorBase, b: TensorBase): Tensor {
  return wrap(native.minimum(a.handle, b.handle));
}
/** base ** exponent with a scalar base. */
export function pow(base: number, exponent: TensorBase): Tensor {
  return wrap(native.pow(base, exponent.handle));
}
