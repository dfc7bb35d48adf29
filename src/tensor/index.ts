/** The tensor core: Tensor, factories, scopes, autograd, randomness and mixed precision. */
import { native } from '../native/binding.js';
import { TorchError } from './errors.js';

native.setErrorClass(TorchError);

export { Tensor, tensor, fromTypedArray, scalar, zeros, ones, empty, full, arange, linspace, eye, rand, randn, randint,
  zerosLike, onesLike, emptyLike, fullLike, randLike, randnLike } from './tensor.js';
export type { TensorOptions, Device, NestedArray } from './tensor.js';
export { DTYPES, isFloatingPoint, BYTES_PER_ELEMENT } from './dtype.js';
export type { DType, TypedArrayOf, AnyTypedArray } from './dtype.js';
export { TorchError } from './errors.js';
export { tidy, keep, dispose, memory } from './scope.js';
export { cat, stack, where, einsum, maximum, minimum, pow } from './functional.js';
export { noGrad, enableGrad, isGradEnabled } from './autograd.js';
export { manualSeed, getRngState, setRngState, getNumThreads, setNumThreads, cuda, buildInfo, autocast } from './runtime.js';
export type { AutocastOptions } from './runtime.js';
export type { Operand } from './methods/operand.js';
