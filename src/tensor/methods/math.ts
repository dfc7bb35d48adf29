/** Elementwise math, comparisons, activations and matrix products on Tensor. */
import { callInPlace, callUnary, native, type InPlaceOpName, type UnaryOpName } from '../../native/binding.js';
import { TensorBase, wrap } from '../base.js';
import { dtypeCode, type DType } from '../dtype.js';
import type { Tensor } from '../tensor.js';
import { operand, type Operand } from './operand.js';

export class MathTensor extends TensorBase {
  private unary(name: UnaryOpName, ...rest: unknown[]): Tensor {
    return wrap(callUnary(name, this.handle, ...rest));
  }
  private inPlace(name: InPlaceOpName, ...rest: unknown[]): this {
    callInPlace(name, this.handle, ...rest);
    return this;
  }

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
    return this.unary('neg');
  }
  exp(): Tensor {
    return this.unary('exp');
  }
  log(): Tensor {
    return this.unary('log');
  }
  log1p(): Tensor {
    return this.unary('log1p');
  }
  expm1(): Tensor {
    return this.unary('expm1');
  }
  sqrt(): Tensor {
    return this.unary('sqrt');
  }
  rsqrt(): Tensor {
    return this.unary('rsqrt');
  }
  abs(): Tensor {
    return this.unary('abs');
  }
  sign(): Tensor {
    return this.unary('sign');
  }
  sin(): Tensor {
    return this.unary('sin');
  }
  cos(): Tensor {
    return this.unary('cos');
  }
  reciprocal(): Tensor {
    return this.unary('reciprocal');
  }
  square(): Tensor {
    return this.unary('square');
  }
  floor(): Tensor {
    return this.unary('floor');
  }
  ceil(): Tensor {
    return this.unary('ceil');
  }
  round(): Tensor {
    return this.unary('round');
  }
  /** Replaces NaN and infinities (defaults: 0 and the dtype's finite extremes). */
  nanToNum(options: { nan?: number; posinf?: number; neginf?: number } = {}): Tensor {
    return this.unary('nanToNum', options.nan ?? null, options.posinf ?? null, options.neginf ?? null);
  }

  // ---- comparisons and logic (bool results) ----
  eq(other: Operand): Tensor {
    return this.unary('eq', operand(other));
  }
  ne(other: Operand): Tensor {
    return this.unary('ne', operand(other));
  }
  lt(other: Operand): Tensor {
    return this.unary('lt', operand(other));
  }
  le(other: Operand): Tensor {
    return this.unary('le', operand(other));
  }
  gt(other: Operand): Tensor {
    return this.unary('gt', operand(other));
  }
  ge(other: Operand): Tensor {
    return this.unary('ge', operand(other));
  }
  logicalAnd(other: TensorBase): Tensor {
    return this.unary('logicalAnd', other.handle);
  }
  logicalOr(other: TensorBase): Tensor {
    return this.unary('logicalOr', other.handle);
  }
  logicalXor(other: TensorBase): Tensor {
    return this.unary('logicalXor', other.handle);
  }
  logicalNot(): Tensor {
    return this.unary('logicalNot');
  }
  isnan(): Tensor {
    return this.unary('isnan');
  }
  isinf(): Tensor {
    return this.unary('isinf');
  }
  isfinite(): Tensor {
    return this.unary('isfinite');
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
    return this.unary('relu');
  }
  /** GELU; 'tanh' selects the tanh approximation (gelu_new / gelu_pytorch_tanh). */
  gelu(approximate: 'none' | 'tanh' = 'none'): Tensor {
    return this.unary('gelu', approximate);
  }
  silu(): Tensor {
    return this.unary('silu');
  }
  sigmoid(): Tensor {
    return this.unary('sigmoid');
  }
  tanh(): Tensor {
    return this.unary('tanh');
  }
  softplus(beta = 1, threshold = 20): Tensor {
    return this.unary('softplus', beta, threshold);
  }
  logsigmoid(): Tensor {
    return this.unary('logsigmoid');
  }
  /** softmax along `dim`, computed in `dtype` when given. */
  softmax(dim: number, dtype?: DType): Tensor {
    return this.unary('softmax', dim, dtype === undefined ? null : dtypeCode(dtype));
  }
  logSoftmax(dim: number, dtype?: DType): Tensor {
    return this.unary('logSoftmax', dim, dtype === undefined ? null : dtypeCode(dtype));
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
    return this.inPlace('mul_', operand(other));
  }
  div_(other: Operand): this {
    return this.inPlace('div_', operand(other));
  }
  pow_(exponent: Operand): this {
    return this.inPlace('pow_', operand(exponent));
  }
  neg_(): this {
    return this.inPlace('neg_');
  }
  exp_(): this {
    return this.inPlace('exp_');
  }
  log_(): this {
    return this.inPlace('log_');
  }
  sqrt_(): this {
    return this.inPlace('sqrt_');
  }
  abs_(): this {
    return this.inPlace('abs_');
  }
  clamp_(min?: number | null, max?: number | null): this {
    native.clamp_(this.handle, min ?? null, max ?? null);
    return this;
  }
  zero_(): this {
    return this.inPlace('zero_');
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
