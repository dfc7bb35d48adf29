/** Process-wide settings: randomness, threads, devices and mixed precision. */
import { native } from '../native/binding.js';
import { wrap, type Device } from './base.js';
import { dtypeCode, type DType } from './dtype.js';

/** Seeds every generator (CPU and CUDA), as torch.manual_seed. */
export function manualSeed(seed: number): void {
  if (!Number.isInteger(seed) || seed < 0) throw new RangeError(`manualSeed: seed must be a non-negative integer, got ${seed}`);
  native.manualSeed(seed);
}

/** The full state of a device's default generator, to save with a checkpoint. */
export function getRngState(device: Device = 'cpu'): Uint8Array {
  const t = wrap(native.getRngState(device));
  try {
    return t.toTypedArray() as Uint8Array;
  } finally {
    t.dispose();
  }
}

/** Restores a state from getRngState: the next random numbers repeat exactly. */
export function setRngState(state: Uint8Array, device: Device = 'cpu'): void {
  const handle = native.fromTypedArray(state, [state.length], dtypeCode('uint8'));
  try {
    native.setRngState(handle, device);
  } finally {
    native.dispose(handle);
  }
}

/** Threads used inside one op (intra-op parallelism). */
export function getNumThreads(): number {
  return native.getNumThreads();
}
export function setNumThreads(n: number): void {
  native.setNumThreads(n);
}

let decodeKernelsAllowed = true;

/**
 * Generation's decoding steps run linear layers of at most 32 rows and one-token attention through
 * the addon's own kernels (AVX-512; bf16 products need AVX512_BF16), which read each weight once
 * and beat libtorch's GEMMs at these shapes (docs/performance.md). Off: libtorch's kernels
 * throughout (benchmarks compare the two). Every other forward uses libtorch's kernels either way.
 */
export function setDecodeKernels(enabled: boolean): void {
  decodeKernelsAllowed = enabled;
}
/** The dtypes this CPU runs through the decoding kernels. */
export function decodeKernelSupport(): { float32: boolean; bfloat16: boolean } {
  return native.decodeKernelSupport();
}
/**
 * Runs `fn` (decoding steps, no gradient) with the decoding kernels on where setDecodeKernels allows:
 * their summation order differs from libtorch's in the last bits, so they stay inside generation.
 */
export function withDecodeKernels<T>(fn: () => T): T {
  const previous = native.setDecodeKernels(decodeKernelsAllowed);
  try {
    return fn();
  } finally {
    native.setDecodeKernels(previous);
  }
}

export const cuda = {
  isAvailable: (): boolean => native.cudaIsAvailable(),
  deviceCount: (): number => native.cudaDeviceCount(),
  synchronize: (): void => native.cudaSynchronize(),
};

/** Version of the linked libtorch and its build configuration (BLAS, OpenMP, CUDA). */
export function buildInfo(): { torchVersion: string; config: string; cuda: boolean; fusedAttention: boolean } {
  return native.buildInfo();
}

export interface AutocastOptions {
  /** 'cpu' (bfloat16) or 'cuda' (float16 or bfloat16). */
  device?: 'cpu' | 'cuda';
  dtype?: DType;
}

/**
 * Runs `fn` with libtorch autocast: matmuls and linear layers run in lower precision while
 * precision-sensitive ops (softmax, losses, norms) stay in float32, as torch.autocast.
 */
export function autocast<T>(fn: () => T, options: AutocastOptions = {}): T {
  const device = options.device ?? 'cpu';
  const dtype = options.dtype ?? (device === 'cpu' ? 'bfloat16' : 'float16');
  if (device === 'cpu' && dtype !== 'bfloat16') {
    throw new TypeError(`autocast: CPU autocast supports bfloat16 only, got ${dtype}`);
  }
  const [prevEnabled, prevDtype] = native.autocastEnter(device, dtypeCode(dtype));
  try {
    return fn();
  } finally {
    native.autocastExit(device, prevEnabled, prevDtype);
  }
}
