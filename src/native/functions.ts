/**
 * Every function the addon exports, by source file: the runtime side of `NativeBinding`.
 * test/native/exports.test.ts checks this list against the loaded addon's exports (both ways);
 * the type check below fails the build if `NativeBinding` declares a function not listed here.
 */
import type { NativeBinding } from './binding.js';

export const NATIVE_FUNCTIONS = [
  // core.cc
  'setErrorClass', 'dispose', 'isAlive', 'netted', 'memory',
  // creation.cc
  'fromTypedArray', 'shareTypedArray', 'toArrayBuffer', 'item', 'scalarTensor', 'zeros', 'ones', 'empty',
  'full', 'arange', 'linspace', 'eye', 'rand', 'randn', 'randint', 'zerosLike', 'onesLike', 'emptyLike',
  'fullLike', 'randLike', 'randnLike', 'shape', 'strides', 'dtype', 'device', 'isContiguous', 'dataPtr',
  'toDtype', 'toDevice', 'clone', 'contiguous', 'copy_', 'alias', 'setData',
  // pointwise.cc
  'neg', 'exp', 'log', 'log1p', 'expm1', 'sqrt', 'rsqrt', 'abs', 'sign', 'sin', 'cos', 'reciprocal',
  'square', 'floor', 'ceil', 'round', 'logicalNot', 'isnan', 'isinf', 'isfinite', 'neg_', 'exp_', 'log_',
  'sqrt_', 'abs_', 'zero_', 'add', 'sub', 'rsub', 'rdiv', 'mul', 'div', 'eq', 'ne', 'lt', 'le', 'gt', 'ge',
  'pow', 'remainder', 'floorDivide', 'nanToNum', 'maximum', 'minimum', 'logicalAnd', 'logicalOr',
  'logicalXor', 'allclose', 'equal', 'clamp', 'clamp_', 'where', 'lerp', 'add_', 'sub_', 'mul_', 'div_',
  'pow_', 'lerp_', 'addcmul_', 'addcdiv_', 'maskedFill_', 'fill_', 'uniform_', 'normal_',
  // shape.cc
  'reshape', 'view', 'transpose', 'permute', 'squeeze', 'unsqueeze', 'expand', 'flatten', 'narrow', 'slice',
  'select', 'cat', 'stack', 'split', 'chunk', 'unbind', 'repeat', 'repeatInterleave', 'flip', 'roll',
  // indexing.cc
  'gather', 'scatter', 'scatterAdd', 'indexSelect', 'index', 'maskedFill', 'maskedSelect', 'nonzero', 'topk',
  'sort', 'argsort', 'multinomial', 'oneHot', 'triu', 'tril',
  // reduction.cc
  'sum', 'mean', 'prod', 'var', 'std', 'amax', 'amin', 'maxAll', 'minAll', 'maxDim', 'minDim', 'argmax',
  'argmin', 'logsumexp', 'cumsum', 'cumprod', 'any', 'all', 'norm',
  // nn.cc
  'matmul', 'mm', 'bmm', 'einsum', 'linear', 'embedding', 'layerNorm', 'rmsNorm', 'siluMul', 'siluMulLinear', 'applyRotary',
  'sdpaPacked', 'packedAttentionAvailable', 'dropout', 'relu', 'gelu', 'silu', 'sigmoid', 'tanh', 'softplus',
  'logsigmoid', 'softmax', 'logSoftmax', 'sdpa', 'hasFusedAttention', 'crossEntropy', 'nllLoss', 'mseLoss',
  'bceWithLogits',
  // autograd.cc
  'requiresGrad', 'setRequiresGrad', 'isLeaf', 'grad', 'setGrad', 'retainGrad', 'detach', 'backward',
  'isGradEnabled', 'setGradEnabled',
  // runtime.cc
  'manualSeed', 'getRngState', 'setRngState', 'getNumThreads', 'setNumThreads', 'cudaIsAvailable',
  'cudaDeviceCount', 'cudaSynchronize', 'autocastEnter', 'autocastExit', 'buildInfo',
  // bench.cc
  'benchMatmul', 'profileStart', 'profileStop', 'benchAdd',
  // optim.cc
  'adamStep_',
  // lm_loss.cc
  'linearCrossEntropy',
  // lm_token_stats.cc
  'linearTokenStats', 'logitsTokenStats',
  // safetensors_io.cc
  'readSafetensors', 'writeTensorBytes',
  // cpu_memory.cc
  'cpuMemory', 'resetCpuMemoryPeak',
  // distributed.cc
  'initProcessGroup', 'destroyProcessGroup', 'storeSet', 'storeGet', 'storeAdd', 'storeCheck', 'allReduce', 'broadcast',
  'allGather', 'barrier', 'waitWork', 'workCompleted', 'gradSyncCreate', 'gradSyncArm', 'gradSyncFinish', 'gradSyncDestroy',
  // decode_kernels.cc
  'setDecodeKernels', 'decodeKernelSupport',
] as const satisfies readonly (keyof NativeBinding)[];

/** Names declared on `NativeBinding` but missing from NATIVE_FUNCTIONS: must be `never`. */
type Unlisted = Exclude<keyof NativeBinding, (typeof NATIVE_FUNCTIONS)[number]>;
// A compile error here names the declared function(s) to add to NATIVE_FUNCTIONS.
const everyDeclaredFunctionIsListed: [Unlisted] extends [never] ? true : Unlisted = true;
void everyDeclaredFunctionIsListed;
