/** The tensor core: Tensor, factories, scopes, autograd, randomness and mixed precision. */
import { native } from '../native/binding.js';
import { TorchError } from './errors.js';

native.setErrorClass(TorchError);

// libtorch picks its intra-op thread count itself (physical cores, or half the logical CPUs
// where it cannot read the topology); RLHF_NUM_THREADS overrides it for the whole process.
const threadsFromEnv = process.env.RLHF_NUM_THREADS;
if (threadsFromEnv !== undefined && threadsFromEnv !== '') {
  const n = Number(threadsFromEnv);
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`RLHF_NUM_THREADS must be a positive integer, got '${threadsFromEnv}'`);
  native.setNumThreads(n);
}

export { Tensor, tensor, fromTypedArray, scalar, zeros, ones, empty, full, arange, linspace, eye, rand, randn, randint,
  zerosLike, onesLike, emptyLike, fullLike, randLike, randnLike } from './tensor.js';
export type { TensorOptions, Device, NestedArray } from './tensor.js';
export { DTYPES, isFloatingPoint, BYTES_PER_ELEMENT } from './dtype.js';
export type { DType, TypedArrayOf, AnyTypedArray } from './dtype.js';
export { TorchError } from './errors.js';
export { tidy, keep, dispose, memory, cpuMemory, resetCpuMemoryPeak } from './scope.js';
export { cat, stack, where, einsum, maximum, minimum, pow } from './functional.js';
export { noGrad, enableGrad, isGradEnabled } from './autograd.js';
export { manualSeed, getRngState, setRngState, getNumThreads, setNumThreads, setDecodeKernels, decodeKernelSupport, withDecodeKernels, cuda, buildInfo, autocast } from './runtime.js';
export type { AutocastOptions } from './runtime.js';
export { getDefaultDevice, setDefaultDevice, withDefaultDevice, checkDevice, canonicalDevice } from './default-device.js';
export type { Operand } from './methods/operand.js';
