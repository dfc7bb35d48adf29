/** Elementwise math, comparisons, activations and matrix products on Tensor. */
import { native } from '../../native/binding.js';
import { TensorBase, wrap } from '../base.js';
import { dtypeCode, type DType } from '../dtype.js';
import type { Tensor } from '../tensor.js';
import { operand, type Operand } from './operand.js';

export class MathTensor extends TensorBase {
  // ---- arithmetic (broadcasting, PyTorch type promotion) ----
  /** this + alpha * other */
  add(other: Operand, alpha?: number): Tensor {
    return wrap(native.add(this.handle, operand(other), alpha ?? null));
  }
  /** this - alpha * other */
  sub(other: Operand, alpha?: number): Tensor {
    return wrap(native.sub(this.handle, operand(other), alpha ?? null));
  }
  /** scalar - this */
  rsub(scalar: number): Tensor {
    return wrap(native.rsub(this.handle, scalar));
  }
  mul(other: Operand): Tensor {
    return wrap(native.mul(this.handle, operand(other)));
  }
  /** True division (integer inputs give floats, as in PyTorch). */
  div(other: Operand): Tensor {
    return wrap(native.div(this.handle, operand(other)));
  }
  /** scalar / this */
  rdiv(scalar: number): Tensor {
    return wrap(native.rdiv(this.handle, scalar));
  }
  floorDivide(other: Operand): Tensor {
    return wrap(native.floorDivide(this.handle, operand(other)));
  }
  remainder(other: Operand): Tensor {
    return wrap(native.remainder(this.handle, operand(other)));
  }
  pow(exponent: Operand): Tensor {
    return wrap(native.pow(this.handle, operand(exponent)));
  }
  maximum(other: TensorBase): Tensor {
    return wrap(native.maximum(this.handle, other.handle));
  }
  minimum(other: TensorBase): Tensor {
    return wrap(native.minimum(this.handle, other.handle));
  }
  clamp(min?: number | null, max?: number | null): Tensor {
    return wrap(native.clamp(this.handle, min ?? null, max ?? null));
  }
  /** this + weight * (end - this) */
  lerp(end: TensorBase, weight: Operand): Tensor {
    return wrap(native.lerp(this.handle, end.handle, operand(weight)));
  }
  neg(): Tensor {
    return wrap(native.neg(this.handle));
  }
  exp(): Tensor {
    return wrap(native.exp(this.handle));
  }
  log(): Tensor {
    return wrap(native.log(this.handle));
  }
  log1p(): Tensor {
    return wrap(native.log1p(this.handle));
  }
  expm1(): Tensor {
    return wrap(native.expm1(this.handle));
  }
  sqrt(): Tensor {
    return wrap(native.sqrt(this.handle));
  }
  rsqrt(): Tensor {
    return wrap(native.rsqrt(this.handle));
  }
  abs(): Tensor {
    return wrap(native.abs(this.handle));
  }
  sign(): Tensor {
    return wrap(native.sign(this.handle));
  }
  sin(): Tensor {
    return wrap(native.sin(this.handle));
  }
  cos(): Tensor {
    return wrap(native.cos(this.handle));
  }
  reciprocal(): Tensor {
    return wrap(native.reciprocal(this.handle));
  }
  square(): Tensor {
    return wrap(native.square(this.handle));
  }
  floor(): Tensor {
    return wrap(native.floor(this.handle));
  }
  ceil(): Tensor {
    return wrap(native.ceil(this.handle));
  }
  round(): Tensor {
    return wrap(native.round(this.handle));
  }
  /** Replaces NaN and infinities (defaults: 0 and the dtype's finite extremes). */
  nanToNum(options: { nan?: number; posinf?: number; neginf?: number } = {}): Tensor {
    return wrap(native.nanToNum(this.handle, options.nan ?? null, options.posinf ?? null, options.neginf ?? null));
  }

  // ---- comparisons and logic (bool results) ----
  eq(other: Operand): Tensor {
    return wrap(native.eq(this.handle, operand(other)));
  }
  ne(other: Operand): Tensor {
    return wrap(native.ne(this.handle, operand(other)));
  }
  lt(other: Operand): Tensor {
    return wrap(native.lt(this.handle, operand(other)));
  }
  le(other: Operand): Tensor {
    return wrap(native.le(this.handle, operand(other)));
  }
  gt(other: Operand): Tensor {
    return wrap(native.gt(this.handle, operand(other)));
  }
  ge(other: Operand): Tensor {
    return wrap(native.ge(this.handle, operand(other)));
  }
  logicalAnd(other: TensorBase): Tensor {
    return wrap(native.logicalAnd(this.handle, other.handle));
  }
  logicalOr(other: TensorBase): Tensor {
    return wrap(native.logicalOr(this.handle, other.handle));
  }
  logicalXor(other: TensorBase): Tensor {
    return wrap(native.logicalXor(this.handle, other.handle));
  }
  logicalNot(): Tensor {
    return wrap(native.logicalNot(this.handle));
  }
  isnan(): Tensor {
    return wrap(native.isnan(this.handle));
  }
  isinf(): Tensor {
    return wrap(native.isinf(this.handle));
  }
  isfinite(): Tensor {
    return wrap(native.isfinite(this.handle));
  }
  /** Elementwise |this - other| <= atol + rtol * |other|, everywhere. */
  allclose(other: TensorBase, options: { rtol?: number; atol?: number; equalNan?: boolean } = {}): boolean {
    const { rtol = 1e-5, atol = 1e-8, equalNan = false } = options;
    return native.allclose(this.handle, other.handle, rtol, atol, equalNan);
  }
  /** Same shape and the same elements. */
  equal(other: TensorBase): boolean {
    return native.equal(this.handle, other.handle);
  }

  // ---- activations ----
  relu(): Tensor {
    return wrap(native.relu(this.handle));
  }
  /** GELU; 'tanh' selects the tanh approximation (gelu_new / gelu_pytorch_tanh). */
  gelu(approximate: 'none' | 'tanh' = 'none'): Tensor {
    return wrap(native.gelu(this.handle, approximate));
  }
  silu(): Tensor {
    return wrap(native.silu(this.handle));
  }
  sigmoid(): Tensor {
    return wrap(native.sigmoid(this.handle));
  }
  tanh(): Tensor {
    return wrap(native.tanh(this.handle));
  }
  softplus(beta = 1, threshold = 20): Tensor {
    return wrap(native.softplus(this.handle, beta, threshold));
  }
  logsigmoid(): Tensor {
    return wrap(native.logsigmoid(this.handle));
  }
  /** softmax along `dim`, computed in `dtype` when given. */
  softmax(dim: number, dtype?: DType): Tensor {
    return wrap(native.softmax(this.handle, dim, dtype === undefined ? null : dtypeCode(dtype)));
  }
  logSoftmax(dim: number, dtype?: DType): Tensor {
    return wrap(native.logSoftmax(this.handle, dim, dtype === undefined ? null : dtypeCode(dtype)));
  }

  // ---- products ----
  /** Matrix product with broadcasting over batch dims (torch.matmul). */
  matmul(other: TensorBase): Tensor {
    return wrap(native.matmul(this.handle, other.handle));
  }
  mm(other: TensorBase): Tensor {
    return wrap(native.mm(this.handle, other.handle));
  }
  bmm(other: TensorBase): Tensor {
    return wrap(native.bmm(this.handle, other.handle));
  }

  // ---- in place (return this) ----
  add_(other: Operand, alpha?: number): this {
    native.add_(this.handle, operand(other), alpha ?? null);
    return this;
  }
  sub_(other: Operand, alpha?: number): this {
    native.sub_(this.handle, operand(other), alpha ?? null);
    return this;
  }
  mul_(other: Operand): this {
    native.mul_(this.handle, operand(other));
    return this;
  }
  div_(other: Operand): this {
    native.div_(this.handle, operand(other));
    return this;
  }
  pow_(exponent: Operand): this {
    native.pow_(this.handle, operand(exponent));
    return this;
  }
  neg_(): this {
    native.neg_(this.handle);
    return this;
  }
  exp_(): this {
    native.exp_(this.handle);
    return this;
  }
  log_(): this {
    native.log_(this.handle);
    return this;
  }
  sqrt_(): this {
    native.sqrt_(this.handle);
    return this;
  }
  abs_(): this {
    native.abs_(this.handle);
    return this;
  }
  clamp_(min?: number | null, max?: number | null): this {
    native.clamp_(this.handle, min ?? null, max ?? null);
    return this;
  }
  zero_(): this {
    native.zero_(this.handle);
    return this;
  }
  fill_(value: number | boolean): this {
    native.fill_(this.handle, value);
    return this;
  }
  /** Fills with U(low, high) samples from the global generator. */
  uniform_(low = 0, high = 1): this {
    native.uniform_(this.handle, low, high);
    return this;
  }
  /** Fills with N(mean, std²) samples from the global generator. */
  normal_(mean = 0, std = 1): this {
    native.normal_(this.handle, mean, std);
    return this;
  }
  lerp_(end: TensorBase, weight: Operand): this {
    native.lerp_(this.handle, end.handle, operand(weight));
    return this;
  }
  /** this += value * t1 * t2 */
  addcmul_(t1: TensorBase, t2: TensorBase, value = 1): this {
    native.addcmul_(this.handle, t1.handle, t2.handle, value);
    return this;
  }
  /** this += value * t1 / t2 */
  addcdiv_(t1: TensorBase, t2: TensorBase, value = 1): this {
    native.addcdiv_(this.handle, t1.handle, t2.handle, value);
    return this;
  }
  maskedFill_(mask: TensorBase, value: number | boolean): this {
    native.maskedFill_(this.handle, mask.handle, value);
    return this;
  }
}
