/**
 * The Tensor class and its factories.
 *
 * ```ts
 * const x = tensor([[1, 2], [3, 4]]);            // float32 unless the values are all integers
 * const y = randn([2, 2]).matmul(x).softmax(-1);
 * y.toArray();                                   // nested numbers
 * ```
 */
import { native, type NativeHandle } from '../native/binding.js';
import { setTensorConstructor, wrap, type Device, type NestedArray } from './base.js';
import { BYTES_PER_ELEMENT, dtypeCode, dtypeOfTypedArray, type DType } from './dtype.js';
import { IndexTensor } from './methods/indexing.js';
import { getDefaultDevice } from './default-device.js';

export class Tensor extends IndexTensor {}
setTensorConstructor((handle: NativeHandle) => new Tensor(handle));

export type { Device, NestedArray };

/** Where a new tensor goes and what it holds. */
export interface TensorOptions {
  dtype?: DType;
  device?: Device;
  requiresGrad?: boolean;
}

function finish(handle: NativeHandle, options: TensorOptions): Tensor {
  const t = wrap(handle);
  if (options.requiresGrad) t.requiresGrad_(true);
  return t;
}
const dt = (options: TensorOptions): number | null => (options.dtype === undefined ? null : dtypeCode(options.dtype));
/** The named device, else the default one (null means CPU to the addon). */
const dev = (options: TensorOptions): string | null => {
  const device = options.device ?? getDefaultDevice();
  return device === 'cpu' ? null : device;
};

/**
 * A tensor from nested arrays, a scalar, or a TypedArray (copied; see fromTypedArray to share).
 * Dtype as in torch.tensor: bool for booleans, int64 for integers, else float32.
 */
export function tensor(data: NestedArray | ArrayBufferView, options: TensorOptions & { shape?: number[] } = {}): Tensor {
  if (ArrayBuffer.isView(data)) {
    const dtype = options.dtype ?? dtypeOfTypedArray(data);
    const shape = options.shape ?? [elementCount(data, dtype)];
    const t = wrap(native.fromTypedArray(data, shape, dtypeCode(dtype)));
    return place(t, options);
  }
  const shape: number[] = [];
  const flat: (number | boolean)[] = [];
  flattenNested(data, 0, shape, flat);
  const inferred: DType = flat.every((v) => typeof v === 'boolean')
    ? flat.length > 0
      ? 'bool'
      : 'float32'
    : flat.every((v) => Number.isInteger(v))
      ? 'int64'
      : 'float32';
  const target = options.dtype ?? inferred;
  const values = Float64Array.from(flat, Number);
  const handle = native.fromTypedArray(values, shape, dtypeCode('float64'));
  const converted = native.toDtype(handle, dtypeCode(target));
  native.dispose(handle);
  const t = wrap(converted);
  return place(t, options);
}

/** Moves a freshly made CPU tensor to the requested (or default) device and sets requiresGrad. */
function place(t: Tensor, options: TensorOptions): Tensor {
  let out = t;
  const device = dev(options);
  if (device !== null) {
    out = t.to(device as Device);
    t.dispose();
  }
  if (options.requiresGrad) out.requiresGrad_(true);
  return out;
}

function elementCount(data: ArrayBufferView, dtype: DType): number {
  return data.byteLength / BYTES_PER_ELEMENT[dtype];
}

function flattenNested(data: NestedArray, depth: number, shape: number[], out: (number | boolean)[]): void {
  if (!Array.isArray(data)) {
    if (typeof data !== 'number' && typeof data !== 'boolean') {
      throw new TypeError(`tensor(): elements must be numbers or booleans, got ${typeof data}`);
    }
    if (depth !== shape.length) throw new TypeError(`tensor(): ragged nested array (a scalar at depth ${depth})`);
    out.push(data);
    return;
  }
  if (depth === shape.length) {
    // A scalar was already seen at this depth: arrays here make the data ragged.
    if (out.length > 0) throw new TypeError(`tensor(): ragged nested array (an array at depth ${depth})`);
    shape.push(data.length);
  } else if (shape[depth] !== data.length) {
    throw new TypeError(`tensor(): ragged nested array: length ${data.length} at depth ${depth}, expected ${shape[depth]}`);
  }
  for (const item of data) flattenNested(item, depth + 1, shape, out);
}

/**
 * A tensor over the TypedArray's own memory, without copying (like torch.from_numpy):
 * writes to either side are seen by the other. The tensor keeps the buffer alive.
 */
export function fromTypedArray(data: ArrayBufferView, shape?: number[], dtype?: DType): Tensor {
  const d = dtype ?? dtypeOfTypedArray(data);
  return wrap(native.shareTypedArray(data, shape ?? [elementCount(data, d)], dtypeCode(d)));
}

export function scalar(value: number | boolean, options: TensorOptions = {}): Tensor {
  return finish(native.scalarTensor(value, dt(options), dev(options)), options);
}
export function zeros(shape: number[], options: TensorOptions = {}): Tensor {
  return finish(native.zeros(shape, dt(options), dev(options)), options);
}
export function ones(shape: number[], options: TensorOptions = {}): Tensor {
  return finish(native.ones(shape, dt(options), dev(options)), options);
}
/** Uninitialised memory: fill it before reading. */
export function empty(shape: number[], options: TensorOptions = {}): Tensor {
  return finish(native.empty(shape, dt(options), dev(options)), options);
}
export function full(shape: number[], value: number | boolean, options: TensorOptions = {}): Tensor {
  return finish(native.full(shape, value, dt(options), dev(options)), options);
}
/** [start, end) by step; integer arguments give int64 as in PyTorch. arange(n) is [0, n). */
export function arange(start: number, end?: number, step = 1, options: TensorOptions = {}): Tensor {
  const [lo, hi] = end === undefined ? [0, start] : [start, end];
  return finish(native.arange(lo, hi, step, dt(options), dev(options)), options);
}
export function linspace(start: number, end: number, steps: number, options: TensorOptions = {}): Tensor {
  return finish(native.linspace(start, end, steps, dt(options), dev(options)), options);
}
export function eye(n: number, m = n, options: TensorOptions = {}): Tensor {
  return finish(native.eye(n, m, dt(options), dev(options)), options);
}
/** U[0, 1) samples from the global generator (see manualSeed). */
export function rand(shape: number[], options: TensorOptions = {}): Tensor {
  return finish(native.rand(shape, dt(options), dev(options)), options);
}
/** N(0, 1) samples from the global generator. */
export function randn(shape: number[], options: TensorOptions = {}): Tensor {
  return finish(native.randn(shape, dt(options), dev(options)), options);
}
/** Integers in [low, high), int64 by default. */
export function randint(low: number, high: number, shape: number[], options: TensorOptions = {}): Tensor {
  return finish(native.randint(low, high, shape, dtypeCode(options.dtype ?? 'int64'), dev(options)), options);
}

type LikeOptions = { dtype?: DType };
const likeDt = (o: LikeOptions): number | null => (o.dtype === undefined ? null : dtypeCode(o.dtype));
export const zerosLike = (t: Tensor, o: LikeOptions = {}): Tensor => wrap(native.zerosLike(t.handle, likeDt(o)));
export const onesLike = (t: Tensor, o: LikeOptions = {}): Tensor => wrap(native.onesLike(t.handle, likeDt(o)));
export const emptyLike = (t: Tensor, o: LikeOptions = {}): Tensor => wrap(native.emptyLike(t.handle, likeDt(o)));
export const randLike = (t: Tensor, o: LikeOptions = {}): Tensor => wrap(native.randLike(t.handle, likeDt(o)));
export const randnLike = (t: Tensor, o: LikeOptions = {}): Tensor => wrap(native.randnLike(t.handle, likeDt(o)));
export const fullLike = (t: Tensor, value: number | boolean, o: LikeOptions = {}): Tensor =>
  wrap(native.fullLike(t.handle, value, likeDt(o)));
