/**
 * The root of the Tensor class: the native handle and its lifetime, metadata, copies out
 * to JS, conversions and autograd state. Ops are layered on in methods/*.ts; the final
 * class is `Tensor` in tensor.ts.
 */
import { native, type NativeHandle } from '../native/binding.js';
import type { Tensor } from './tensor.js';
import { BYTES_PER_ELEMENT, dtypeCode, dtypeFromCode, TYPED_ARRAY, type DType, type TypedArrayOf } from './dtype.js';
import { track, untrack, type Tracked } from './scope.js';

/** 'cpu', 'cuda' or 'cuda:N'. */
export type Device = 'cpu' | 'cuda' | `cuda:${number}`;

/** Nested JS arrays of numbers or booleans, as returned by toArray(). */
export type NestedArray = number | boolean | NestedArray[];

let construct: (handle: NativeHandle) => Tensor;

/** Called once by tensor.ts, which owns the final class. */
export function setTensorConstructor(fn: (handle: NativeHandle) => Tensor): void {
  construct = fn;
}

/** Wraps a fresh native handle as a Tensor tracked by the current scope. */
export function wrap(handle: NativeHandle): Tensor {
  return construct(handle);
}

export function wrapMaybe(handle: NativeHandle | null): Tensor | null {
  return handle === null ? null : construct(handle);
}

export class TensorBase implements Tracked {
  /** The native tensor; passing a disposed one to any op throws. */
  readonly handle: NativeHandle;
  kept = false;
  netted = false;
  madeAt?: string;
  private disposed = false;
  private cachedShape: readonly number[] | undefined;
  private cachedDtype: DType | undefined;

  constructor(handle: NativeHandle) {
    this.handle = handle;
    track(this);
  }

  /** Frees this reference to the native tensor now. Safe to call twice. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    untrack(this);
    native.dispose(this.handle);
  }

  get isDisposed(): boolean {
    return this.disposed;
  }

  get shape(): readonly number[] {
    return (this.cachedShape ??= Object.freeze(native.shape(this.handle)));
  }

  get dtype(): DType {
    return (this.cachedDtype ??= dtypeFromCode(native.dtype(this.handle)));
  }

  get device(): string {
    return native.device(this.handle);
  }

  get ndim(): number {
    return this.shape.length;
  }

  /** Number of elements. */
  get numel(): number {
    return this.shape.reduce((a, b) => a * b, 1);
  }

  /** Size of one dim; negative dims count from the end. */
  size(dim: number): number {
    const d = dim < 0 ? dim + this.ndim : dim;
    const s = this.shape[d];
    if (s === undefined) throw new RangeError(`size(${dim}): dim out of range for a tensor of shape [${this.shape}]`);
    return s;
  }

  get strides(): number[] {
    return native.strides(this.handle);
  }

  get isContiguous(): boolean {
    return native.isContiguous(this.handle);
  }

  // ---- data out (host syncs: keep them few) ----

  /** The single value of a one-element tensor. */
  item(): number {
    return Number(native.item(this.handle));
  }

  /** A copy of the elements in their own TypedArray (16-bit floats as raw bits in a Uint16Array). */
  toTypedArray<D extends DType>(this: TensorBase & { dtype: D }): TypedArrayOf[D];
  toTypedArray(): TypedArrayOf[DType];
  toTypedArray(): TypedArrayOf[DType] {
    const buffer = native.toArrayBuffer(this.handle);
    return new TYPED_ARRAY[this.dtype](buffer, 0, buffer.byteLength / BYTES_PER_ELEMENT[this.dtype]);
  }

  /** The elements as (nested) JS numbers, or booleans for bool tensors. int64 beyond 2^53 loses precision. */
  toArray(): NestedArray {
    const flat = this.flatValues();
    const shape = this.shape;
    if (shape.length === 0) return flat[0] as number | boolean;
    let pos = 0;
    const build = (dim: number): NestedArray[] => {
      const n = shape[dim] as number;
      const out: NestedArray[] = new Array(n);
      for (let i = 0; i < n; i++) out[i] = dim === shape.length - 1 ? (flat[pos++] as number | boolean) : build(dim + 1);
      return out;
    };
    return build(0);
  }

  /** Flat elements as JS numbers (booleans for bool tensors). */
  flatValues(): number[] | boolean[] {
    const dtype = this.dtype;
    if (dtype === 'bool') return Array.from(this.toTypedArray() as Uint8Array, (v) => v !== 0);
    if (dtype === 'float16' || dtype === 'bfloat16') {
      const h = native.toDtype(this.handle, dtypeCode('float32'));
      try {
        const buf = native.toArrayBuffer(h);
        return Array.from(new Float32Array(buf));
      } finally {
        native.dispose(h);
      }
    }
    if (dtype === 'int64') return Array.from(this.toTypedArray() as BigInt64Array, Number);
    return Array.from(this.toTypedArray() as Float32Array);
  }

  toString(): string {
    if (this.disposed) return 'Tensor(disposed)';
    const body = this.numel <= 64 ? JSON.stringify(this.toArray()) : `[${this.numel} elements]`;
    return `Tensor(${body}, shape=[${this.shape}], dtype=${this.dtype}, device=${this.device})`;
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }

  // ---- autograd state ----

  get requiresGrad(): boolean {
    return native.requiresGrad(this.handle);
  }

  /** Starts (or stops) recording operations on this leaf for backward(). Returns this. */
  requiresGrad_(value = true): this {
    native.setRequiresGrad(this.handle, value);
    return this;
  }

  get isLeaf(): boolean {
    return native.isLeaf(this.handle);
  }

  /**
   * The accumulated gradient, or null. Each read returns a new handle to the same storage,
   * owned by the current scope.
   */
  get grad(): Tensor | null {
    return wrapMaybe(native.grad(this.handle));
  }

  set grad(value: TensorBase | null) {
    native.setGrad(this.handle, value === null ? null : value.handle);
  }

  /** Drops the gradient (PyTorch's zero_grad(set_to_none=True)). */
  zeroGrad(): void {
    native.setGrad(this.handle, null);
  }

  /** Keeps .grad on a non-leaf tensor after backward(). */
  retainGrad(): this {
    native.retainGrad(this.handle);
    return this;
  }

  /**
   * Back-propagates from this tensor. A non-scalar tensor needs `gradient` of its shape.
   * `retainGraph` keeps the graph for a second backward.
   */
  backward(options: { gradient?: TensorBase; retainGraph?: boolean; createGraph?: boolean } = {}): void {
    const { gradient, retainGraph = false, createGraph = false } = options;
    native.backward(this.handle, gradient?.handle ?? null, retainGraph || createGraph, createGraph);
  }

  /** A tensor sharing storage but cut from the autograd graph. */
  detach(): Tensor {
    return wrap(native.detach(this.handle));
  }

  /**
   * Swaps in `src`'s data (values, dtype, device) while this tensor keeps its identity, its
   * autograd leaf status and every reference to it: torch's `t.data = src`. Module.to uses it.
   */
  setData_(src: TensorBase): this {
    native.setData(this.handle, src.handle);
    this.cachedShape = undefined; // the new data may differ in dtype and shape
    this.cachedDtype = undefined;
    return this;
  }

  // ---- conversions ----

  /** A copy in another dtype or on another device (this tensor itself if nothing changes). */
  to(target: DType | Device): Tensor {
    if (target === 'cpu' || target.startsWith('cuda')) return wrap(native.toDevice(this.handle, target));
    return wrap(native.toDtype(this.handle, dtypeCode(target as DType)));
  }

  float(): Tensor {
    return this.to('float32');
  }
  double(): Tensor {
    return this.to('float64');
  }
  half(): Tensor {
    return this.to('float16');
  }
  bfloat16(): Tensor {
    return this.to('bfloat16');
  }
  long(): Tensor {
    return this.to('int64');
  }
  int(): Tensor {
    return this.to('int32');
  }
  bool(): Tensor {
    return this.to('bool');
  }
  cpu(): Tensor {
    return this.to('cpu');
  }
  cuda(index = 0): Tensor {
    return this.to(`cuda:${index}`);
  }

  clone(): Tensor {
    return wrap(native.clone(this.handle));
  }

  contiguous(): Tensor {
    return wrap(native.contiguous(this.handle));
  }

  /** Copies `src` (broadcast, converted) into this tensor. Returns this. */
  copy_(src: TensorBase): this {
    native.copy_(this.handle, src.handle);
    return this;
  }
}
